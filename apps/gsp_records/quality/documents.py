"""PDFs of the quality records: one PDF per record, and a listing per date range.

Each record model has a `Printed` description (header fields, notes and signatures of
one record, columns and row of the listing); `register_all()` registers two PdfForms
per model. Builders run a fixed number of queries (select_related only).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Model
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from apps.core.exceptions import DomainError
from apps.gsp_records.pdf import Built, PdfForm, RecordForm, Section, register

from .models import (
    HealthCheck,
    HealthStatus,
    QualityFeedback,
    QualityInquiry,
    ReinspectionNotice,
    ReinspectionResult,
    StopSaleNotice,
    TrainingRecord,
)


def _d(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "tzinfo"):
        return date_format(timezone.localtime(value), "Y-m-d")
    return value.isoformat()


def _s(value) -> str:
    return "" if value is None else str(value)


def _signatures(record) -> list[tuple[str, str, str]]:
    return [
        (gettext("Prepared by"), _s(record.author), _d(record.record_date)),
        (gettext("Signed by"), _s(record.signed_by), _d(record.signed_at)),
    ]


def _status(record) -> str:
    text = str(record.status_label)
    if record.corrects_id:
        text += " " + gettext("(corrects %(number)s)") % {"number": record.corrects.number}
    return text


@dataclass(frozen=True)
class Printed:
    model: type[Model]
    code: str
    title: str
    form_number: str
    related: tuple[str, ...]
    fields: Callable  # record -> [(label, value)]
    columns: Callable  # () -> [label]
    row: Callable  # record -> [str]
    notes: Callable = lambda record: []
    signatures: Callable = _signatures
    flagged: Callable = lambda record: False
    numeric: frozenset[int] = field(default_factory=frozenset)
    landscape: bool = True

    def queryset(self):
        return self.model.objects.select_related("author", "signed_by", "corrects", *self.related)

    def build_record(self, params) -> Built:
        record = self.queryset().filter(pk=params["pk"]).first()
        if record is None:
            raise DomainError(gettext("The record does not exist."))
        section = Section(
            columns=[],
            rows=[],
            number=record.number,
            fields=[(gettext("Status"), _status(record)), *self.fields(record)],
            notes=[(label, value) for label, value in self.notes(record) if value],
            signatures=self.signatures(record),
        )
        return Built(sections=[section], record_number=record.number)

    def build_listing(self, params) -> Built:
        start, end = params["date_from"], params["date_to"]
        records = list(
            self.queryset()
            .filter(record_date__range=(start, end))
            .order_by("record_date", "number")
        )
        section = Section(
            columns=[gettext("Number"), gettext("Date"), *self.columns(), gettext("Status")],
            rows=[[r.number, _d(r.record_date), *self.row(r), _status(r)] for r in records],
            numeric=frozenset(i + 2 for i in self.numeric),
            flagged_rows=frozenset(i for i, r in enumerate(records) if self.flagged(r)),
        )
        return Built(
            sections=[section],
            date_from=start,
            date_to=end,
            subtitle=f"{start.isoformat()} – {end.isoformat()}",
        )

    def register(self) -> None:
        permission = f"gsp_quality.view_{self.model._meta.model_name}"
        register(
            PdfForm(
                code=self.code,
                title=self.title,
                form_number=self.form_number,
                permission=permission,
                build=self.build_record,
                params_form=RecordForm,
                landscape=False,
                kind="records",
            )
        )
        register(
            PdfForm(
                code=f"{self.code}_list",
                title=self.title,
                form_number=self.form_number,
                permission=permission,
                build=self.build_listing,
                landscape=self.landscape,
            )
        )


def _lot_fields(record) -> list[tuple[str, str]]:
    lot = record.lot
    product = lot.product
    return [
        (gettext("Product"), product.name),
        (gettext("Specification / model"), product.spec),
        (gettext("Manufacturer"), _s(product.manufacturer)),
        (gettext("Batch number"), lot.batch_number),
    ]


LOT_RELATED = ("lot__product__manufacturer",)

# ---------------------------------------------------------------------------- notices

REINSPECTION = Printed(
    model=ReinspectionNotice,
    code="reinspection_notice",
    title="商品质量复检通知单",
    form_number="GSP-ZL-01",
    related=(*LOT_RELATED, "location__warehouse", "issued_by", "nonconforming_location"),
    fields=lambda r: [
        *_lot_fields(r),
        (gettext("Quantity"), f"{r.quantity} {r.lot.product.unit}"),
        (gettext("Storage location"), _s(r.location)),
        (gettext("Expiry / use-by date"), _d(r.expiry_date)),
        (gettext("Re-inspection result"), r.get_result_display()),
        (gettext("Nonconforming location"), _s(r.nonconforming_location)),
    ],
    notes=lambda r: [
        (gettext("Quality problem"), r.problem),
        (gettext("Re-inspection conclusion"), r.conclusion),
    ],
    signatures=lambda r: [
        (gettext("Keeper"), _s(r.author), _d(r.record_date)),
        (gettext("Issued by"), _s(r.issued_by), _d(r.issued_at)),
        (gettext("Quality department"), _s(r.signed_by), _d(r.signed_at)),
    ],
    columns=lambda: [
        gettext("Product"),
        gettext("Specification / model"),
        gettext("Batch number"),
        gettext("Quantity"),
        gettext("Storage location"),
        gettext("Quality problem"),
        gettext("Re-inspection result"),
        gettext("Keeper"),
        gettext("Quality department"),
    ],
    row=lambda r: [
        r.lot.product.name,
        r.lot.product.spec,
        r.lot.batch_number,
        str(r.quantity),
        _s(r.location),
        r.problem,
        " ".join(filter(None, [r.get_result_display(), r.conclusion])),
        _s(r.author),
        _s(r.signed_by),
    ],
    numeric=frozenset({3}),
    flagged=lambda r: r.result == ReinspectionResult.NONCONFORMING,
)

STOP_SALE = Printed(
    model=StopSaleNotice,
    code="stop_sale_notice",
    title="商品停售通知单",
    form_number="GSP-ZL-02",
    related=(*LOT_RELATED, "lot__product__category", "location__warehouse", "handler"),
    fields=lambda r: [
        *_lot_fields(r),
        (gettext("Category"), _s(r.lot.product.category)),
        (gettext("Quantity"), str(r.quantity)),
        (gettext("Unit"), r.lot.product.unit),
        (gettext("Storage location"), _s(r.location)),
        (gettext("Notice date"), _d(r.notice_date)),
        (gettext("Related documents"), r.related_documents),
    ],
    notes=lambda r: [
        (gettext("Inspection findings"), r.findings),
        (gettext("Treatment"), r.treatment),
    ],
    signatures=lambda r: [
        (gettext("Prepared by"), _s(r.author), _d(r.record_date)),
        (gettext("Head of quality"), _s(r.signed_by), _d(r.signed_at)),
        (gettext("Handled by"), _s(r.handler), ""),
    ],
    columns=lambda: [
        gettext("Product"),
        gettext("Category"),
        gettext("Quantity"),
        gettext("Unit"),
        gettext("Manufacturer"),
        gettext("Batch number"),
        gettext("Inspection findings"),
        gettext("Treatment"),
        gettext("Head of quality"),
        gettext("Handled by"),
    ],
    row=lambda r: [
        f"{r.lot.product.name} {r.lot.product.spec}",
        _s(r.lot.product.category),
        str(r.quantity),
        r.lot.product.unit,
        _s(r.lot.product.manufacturer),
        r.lot.batch_number,
        r.findings,
        r.treatment,
        _s(r.signed_by),
        _s(r.handler),
    ],
    numeric=frozenset({2}),
)

# ---------------------------------------------------------------------------- quality office

INQUIRY = Printed(
    model=QualityInquiry,
    code="quality_inquiry",
    title="质量查询登记表",
    form_number="GSP-ZL-03",
    related=("product",),
    fields=lambda r: [
        (gettext("Inquiring unit"), r.inquiring_unit),
        (gettext("Letter number and date"), f"{r.letter_number} {_d(r.letter_date)}".strip()),
        (gettext("Product"), f"{r.product.name} {r.product.spec}"),
        (gettext("Quantity"), _s(r.quantity)),
        (gettext("Amount"), _s(r.amount)),
        (gettext("Batch number"), r.batch_number),
        (gettext("Place of origin"), r.origin),
    ],
    notes=lambda r: [
        (gettext("Reason for the inquiry"), r.reason),
        (gettext("Investigation"), r.investigation),
        (gettext("Result of the inquiry"), r.result),
    ],
    columns=lambda: [
        gettext("Inquiring unit"),
        gettext("Letter number and date"),
        gettext("Product"),
        gettext("Quantity"),
        gettext("Amount"),
        gettext("Batch number"),
        gettext("Place of origin"),
        gettext("Reason for the inquiry"),
        gettext("Investigation"),
        gettext("Result of the inquiry"),
    ],
    row=lambda r: [
        r.inquiring_unit,
        f"{r.letter_number} {_d(r.letter_date)}".strip(),
        f"{r.product.name} {r.product.spec}",
        _s(r.quantity),
        _s(r.amount),
        r.batch_number,
        r.origin,
        r.reason,
        r.investigation,
        r.result,
    ],
    numeric=frozenset({3, 4}),
)


def _opinion(record, prefix: str) -> str:
    text = getattr(record, f"{prefix}_opinion")
    if not text:
        return ""
    handler = _s(getattr(record, f"{prefix}_handler"))
    return f"{text}\n({handler} {_d(getattr(record, f'{prefix}_date'))})"


FEEDBACK = Printed(
    model=QualityFeedback,
    code="quality_feedback",
    title="商品质量信息反馈单",
    form_number="GSP-ZL-04",
    related=("reporter", "department_handler", "quality_handler", "other_handler"),
    fields=lambda r: [
        (gettext("Reporting department"), r.department),
        (gettext("Information level"), r.get_level_display()),
        (gettext("Reported by"), f"{_s(r.reporter)} {_d(r.report_date)}"),
        (gettext("Copy to"), r.copy_to),
    ],
    notes=lambda r: [
        (gettext("Quality situation and team opinion"), r.situation),
        (gettext("Opinion of the reporting department"), _opinion(r, "department")),
        (gettext("Opinion of the quality office"), _opinion(r, "quality")),
        (gettext("Opinion of other departments"), _opinion(r, "other")),
    ],
    columns=lambda: [
        gettext("Reporting department"),
        gettext("Level"),
        gettext("Quality situation"),
        gettext("Reported by"),
        gettext("Opinion of the quality office"),
        gettext("Copy to"),
    ],
    row=lambda r: [
        r.department,
        str(r.level),
        r.situation,
        f"{_s(r.reporter)} {_d(r.report_date)}",
        _opinion(r, "quality"),
        r.copy_to,
    ],
)

# ---------------------------------------------------------------------------- staff

HEALTH = Printed(
    model=HealthCheck,
    code="health_check",
    title="健康检查汇总表",
    form_number="GSP-RY-01",
    related=("user",),
    fields=lambda r: [
        (gettext("File number"), r.file_number),
        (gettext("Name"), r.name),
        (gettext("Age"), str(r.age)),
        (gettext("Sex"), r.get_sex_display()),
        (gettext("Current post"), r.post),
        (gettext("Check year"), str(r.check_year)),
        (gettext("Health status"), r.get_status_display()),
        (gettext("Transferred on"), _d(r.transfer_date)),
    ],
    notes=lambda r: [
        (gettext("Health details"), r.status_details),
        (gettext("Remarks"), r.remarks),
    ],
    columns=lambda: [
        gettext("File number"),
        gettext("Name"),
        gettext("Age"),
        gettext("Sex"),
        gettext("Current post"),
        gettext("Check year"),
        gettext("Health status"),
        gettext("Transferred on"),
        gettext("Remarks"),
    ],
    row=lambda r: [
        r.file_number,
        r.name,
        str(r.age),
        r.get_sex_display(),
        r.post,
        str(r.check_year),
        " ".join(filter(None, [r.get_status_display(), r.status_details])),
        _d(r.transfer_date),
        r.remarks,
    ],
    numeric=frozenset({2}),
    flagged=lambda r: r.status == HealthStatus.UNFIT,
)

TRAINING = Printed(
    model=TrainingRecord,
    code="training_record",
    title="培训记录",
    form_number="GSP-RY-02",
    related=(),
    fields=lambda r: [
        (gettext("Topic"), r.topic),
        (gettext("Trainer"), r.trainer),
        (gettext("Hours"), str(r.hours)),
        (gettext("Number of attendees"), str(len(r.attendee_names))),
    ],
    notes=lambda r: [
        (gettext("Attendees"), ", ".join(r.attendee_names)),
        (gettext("Assessment result"), r.assessment),
        (gettext("Remarks"), r.remarks),
    ],
    columns=lambda: [
        gettext("Topic"),
        gettext("Trainer"),
        gettext("Hours"),
        gettext("Attendees"),
        gettext("Assessment result"),
    ],
    row=lambda r: [r.topic, r.trainer, str(r.hours), ", ".join(r.attendee_names), r.assessment],
    numeric=frozenset({2}),
)

PRINTED = (REINSPECTION, STOP_SALE, INQUIRY, FEEDBACK, HEALTH, TRAINING)
PDF_CODES = {printed.model: printed.code for printed in PRINTED}


def register_all() -> None:
    for printed in PRINTED:
        printed.register()
