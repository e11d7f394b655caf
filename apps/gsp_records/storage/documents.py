"""PDFs of the warehouse GSP records: one signed record, or every signed record of a
period. Each builder runs a fixed number of queries whatever the number of rows."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.gsp_records.pdf import Built, DateRangeForm, PdfForm, RecordForm, Section, register

from .models import (
    HUMIDITY_RANGE,
    CalibrationCard,
    CalibrationEntry,
    EquipmentUse,
    InspectionLine,
    MaintenanceInspection,
    TemperatureLog,
)


def person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def day(value) -> str:
    return value.isoformat() if value else ""


def moment(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def number(value) -> str:
    return "" if value is None else f"{value}"


def signatures(record, author_label) -> list[tuple[str, str, str]]:
    return [
        (str(author_label), person(record.author), day(record.record_date)),
        (gettext("Signed by"), person(record.signed_by), moment(record.signed_at)),
    ]


def correction_notes(record) -> list[tuple[str, str]]:
    if not record.corrects_id:
        return []
    return [
        (
            gettext("Correction of"),
            f"{record.corrects.number}: {record.correction_reason}",
        )
    ]


def signed_record_form(model):
    """Parameters of a one-record PDF: the pk of a signed record of `model`."""

    class SignedRecordForm(RecordForm):
        def clean_pk(self):
            pk = self.cleaned_data["pk"]
            if not model.objects.signed().filter(pk=pk).exists():
                raise forms.ValidationError(
                    gettext("Only a signed %(record)s can be printed.")
                    % {"record": model._meta.verbose_name}
                )
            return pk

    return SignedRecordForm


def _records(model, params, related=()):
    qs = model.objects.signed().select_related("author", "signed_by", "corrects", *related)
    if "pk" in params:
        return qs.filter(pk=params["pk"])
    return qs.filter(record_date__range=(params["date_from"], params["date_to"]))


def _built(params, sections, records) -> Built:
    if "pk" in params:
        record = records[0] if records else None
        return Built(
            sections=sections,
            record_number=record.number if record else "",
            date_from=record.record_date if record else None,
            date_to=record.record_date if record else None,
        )
    return Built(
        sections=sections,
        date_from=params["date_from"],
        date_to=params["date_to"],
        subtitle=f"{params['date_from'].isoformat()} – {params['date_to'].isoformat()}",
    )


# ---------------------------------------------------------------------------- temperature

TEMPERATURE_COLUMNS = (
    _("Date"),
    _("Morning °C"),
    _("Morning humidity percent"),
    _("Afternoon °C"),
    _("Afternoon humidity percent"),
    _("Highest °C"),
    _("Lowest °C"),
    _("Out of range"),
    _("Measures taken"),
    _("Remarks"),
    _("Recorded by"),
    _("Signed by"),
)


def _limits(log) -> str:
    low, high = log.temperature_range()
    return f"{low:g}–{high:g} °C; {HUMIDITY_RANGE[0]:g}–{HUMIDITY_RANGE[1]:g} percent"


def _temperature_row(log) -> list[str]:
    return [
        day(log.record_date),
        number(log.am_temperature),
        number(log.am_humidity),
        number(log.pm_temperature),
        number(log.pm_humidity),
        number(log.max_temperature),
        number(log.min_temperature),
        log.out_of_range_text(),
        log.measures,
        log.remarks,
        person(log.author),
        person(log.signed_by),
    ]


def build_temperature_logs(params) -> Built:
    """One section per storage area, one row per day; out-of-range rows highlighted."""
    logs = list(
        _records(TemperatureLog, params, ("location__warehouse",)).order_by(
            "location__warehouse__code", "location__code", "record_date", "number"
        )
    )
    sections: list[Section] = []
    current = None
    for log in logs:
        if current is None or current[0] != log.location_id:
            section = Section(
                columns=[str(c) for c in TEMPERATURE_COLUMNS],
                rows=[],
                number=log.number if "pk" in params else "",
                fields=[
                    (gettext("Storage area"), f"{log.location} {log.location.name}".strip()),
                    (gettext("Storage condition"), log.get_storage_condition_display()),
                    (gettext("Limits"), _limits(log)),
                ],
                numeric=frozenset(range(1, 7)),
            )
            if "pk" in params:
                section.signatures = signatures(log, _("Recorded by"))
                section.notes = correction_notes(log)
            sections.append(section)
            current = (log.location_id, section)
        section = current[1]
        if log.out_of_range:
            section.flagged_rows = section.flagged_rows | {len(section.rows)}
        section.rows.append(_temperature_row(log))
    if not sections:
        sections = [Section(columns=[str(c) for c in TEMPERATURE_COLUMNS], rows=[])]
    return _built(params, sections, logs)


# ---------------------------------------------------------------------------- inspections

INSPECTION_COLUMNS = (
    _("No."),
    _("Product"),
    _("Specification"),
    _("Inspection date"),
    _("Quantity"),
    _("Manufacturer"),
    _("Batch number"),
    _("Expiry date"),
    _("Location"),
    _("Appearance"),
    _("Treatment"),
    _("Remarks"),
)


def build_inspections(params) -> Built:
    """One section per signed inspection with its lines (two queries)."""
    from django.db.models import Prefetch

    lines = InspectionLine.objects.select_related(
        "lot__product__manufacturer", "location__warehouse"
    ).order_by("pk")
    inspections = list(
        _records(MaintenanceInspection, params, ("warehouse",))
        .order_by("record_date", "number")
        .prefetch_related(Prefetch("lines", queryset=lines))
    )
    sections = []
    for inspection in inspections:
        rows = []
        flagged = set()
        for index, line in enumerate(inspection.lines.all()):
            product = line.lot.product
            rows.append(
                [
                    str(index + 1),
                    product.name,
                    product.spec,
                    day(inspection.record_date),
                    f"{line.quantity} {product.unit}",
                    product.manufacturer.name,
                    line.lot.batch_number,
                    day(line.lot.expiry_date),
                    str(line.location),
                    line.appearance,
                    line.get_treatment_display(),
                    line.remarks,
                ]
            )
            if line.treatment != "normal":
                flagged.add(index)
        sections.append(
            Section(
                columns=[str(c) for c in INSPECTION_COLUMNS],
                rows=rows,
                number=inspection.number,
                fields=[
                    (gettext("Inspection date"), day(inspection.record_date)),
                    (gettext("Warehouse"), str(inspection.warehouse or "")),
                    (gettext("Keeper"), person(inspection.author)),
                ],
                notes=[(gettext("Remarks"), inspection.remarks)] * bool(inspection.remarks)
                + correction_notes(inspection),
                signatures=signatures(inspection, _("Keeper")),
                numeric=frozenset({0, 4}),
                flagged_rows=frozenset(flagged),
            )
        )
    if not sections:
        sections = [Section(columns=[str(c) for c in INSPECTION_COLUMNS], rows=[])]
    return _built(params, sections, inspections)


# ---------------------------------------------------------------------------- equipment

EQUIPMENT_COLUMNS = (
    _("Number"),
    _("Storage room"),
    _("Equipment"),
    _("Model / specification"),
    _("Date"),
    _("Started"),
    _("Ended"),
    _("Running condition"),
    _("Operator"),
    _("Remarks"),
    _("Signed by"),
)


def build_equipment_use(params) -> Built:
    """One table of the runs (one row for a single record)."""
    runs = list(
        _records(EquipmentUse, params, ("warehouse", "operator")).order_by("started_at", "number")
    )
    rows = [
        [
            run.number,
            str(run.warehouse),
            run.equipment_name,
            run.model_spec,
            day(run.record_date),
            moment(run.started_at),
            moment(run.ended_at),
            run.running_condition,
            person(run.operator),
            run.remarks,
            person(run.signed_by),
        ]
        for run in runs
    ]
    section = Section(columns=[str(c) for c in EQUIPMENT_COLUMNS], rows=rows)
    if "pk" in params and runs:
        run = runs[0]
        section.number = run.number
        section.fields = [
            (gettext("Storage room"), str(run.warehouse)),
            (gettext("Equipment"), run.equipment_name),
            (gettext("Model / specification"), run.model_spec),
        ]
        section.signatures = signatures(run, _("Prepared by"))
        section.notes = correction_notes(run)
    return _built(params, [section], runs)


# ---------------------------------------------------------------------------- calibration

CALIBRATION_COLUMNS = (
    _("Calibration date"),
    _("Original record number"),
    _("Repair"),
    _("Conclusion"),
    _("Calibrated by"),
    _("Entry"),
    _("Signed by"),
)


def build_calibration_card(params) -> Built:
    """The card's header and its signed calibrations (two queries)."""
    from django.db.models import Prefetch

    entries = (
        CalibrationEntry.objects.signed()
        .select_related("signed_by")
        .order_by("calibration_date", "number")
    )
    cards = list(
        _records(CalibrationCard, params).prefetch_related(
            Prefetch("entries", queryset=entries, to_attr="signed_entries")
        )
    )
    sections = []
    for card in cards:
        last = card.signed_entries[-1].calibration_date if card.signed_entries else None
        due = card.next_due(last)
        sections.append(
            Section(
                columns=[str(c) for c in CALIBRATION_COLUMNS],
                rows=[
                    [
                        day(entry.calibration_date),
                        entry.original_record_number,
                        entry.repair,
                        entry.conclusion,
                        entry.calibrator,
                        entry.number,
                        person(entry.signed_by),
                    ]
                    for entry in card.signed_entries
                ],
                number=card.number,
                fields=[
                    (gettext("Instrument"), card.instrument_name),
                    (gettext("Calibrating body"), card.calibrating_body),
                    (gettext("Department"), card.department),
                    (gettext("Manufacturer"), card.manufacturer),
                    (gettext("Serial number"), card.serial_number),
                    (gettext("Model"), card.model),
                    (gettext("Scale interval"), card.scale_interval),
                    (gettext("Measuring range"), card.measuring_range),
                    (gettext("Accuracy class"), card.accuracy_class),
                    (gettext("Calibration cycle (months)"), str(card.cycle_months)),
                    (gettext("Government spot check"), card.spot_check_conclusion),
                    (gettext("Next calibration due"), day(due)),
                ],
                notes=correction_notes(card),
                signatures=signatures(card, _("Card prepared by")),
            )
        )
    if not sections:
        sections = [Section(columns=[str(c) for c in CALIBRATION_COLUMNS], rows=[])]
    return _built(params, sections, cards)


# ---------------------------------------------------------------------------- registry

FORMS = (
    # (code, official Chinese title, form number, model, builder)
    ("temperature_log", "库房温湿度记录表", "GSP-KF-01", TemperatureLog, build_temperature_logs),
    (
        "maintenance_inspection",
        "库存商品养护检查记录",
        "GSP-YH-01",
        MaintenanceInspection,
        build_inspections,
    ),
    ("equipment_use", "养护设备使用记录", "GSP-YH-02", EquipmentUse, build_equipment_use),
    (
        "calibration_card",
        "强制检定工作计量器具历史记录卡",
        "GSP-JL-01",
        CalibrationCard,
        build_calibration_card,
    ),
)

RECORD_FORMS: dict[str, str] = {}  # model name -> one-record form code
RANGE_FORMS: dict[str, str] = {}  # model name -> date-range form code

for code, title, form_number, model, builder in FORMS:
    permission = f"gsp_storage.view_{model._meta.model_name}"
    register(
        PdfForm(
            code=code,
            title=title,
            form_number=form_number,
            permission=permission,
            build=builder,
            params_form=signed_record_form(model),
            kind="records",
        )
    )
    register(
        PdfForm(
            code=f"{code}_range",
            title=title,
            form_number=form_number,
            permission=permission,
            build=builder,
            params_form=DateRangeForm,
        )
    )
    RECORD_FORMS[model._meta.model_name] = code
    RANGE_FORMS[model._meta.model_name] = f"{code}_range"
