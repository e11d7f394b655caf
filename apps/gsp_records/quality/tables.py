"""Tables of the quality record lists. Rows read only joined data."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from apps.core.tables import badge

from .models import (
    HealthCheck,
    HealthStatus,
    QualityFeedback,
    QualityInquiry,
    ReinspectionNotice,
    StopSaleNotice,
    TrainingRecord,
)

TABLE_ATTRS = {"class": "table table-sm table-hover align-middle"}
NUMBER = {"td": {"class": "text-end text-nowrap"}, "th": {"class": "text-end"}}


class RecordStatusColumn(tables.Column):
    """Draft / signed (and the model's own intermediate states) as a badge."""

    empty_values = ()

    def __init__(self, **kwargs):
        kwargs.setdefault("verbose_name", _("status"))
        kwargs.setdefault("accessor", "signed_at")
        super().__init__(**kwargs)

    def render(self, record):
        colour = "success" if record.is_signed else "secondary"
        if not record.is_signed and getattr(record, "is_issued", False):
            colour = "warning"
        text = record.status_label
        if record.corrects_id:
            text = f"{text} · {_('correction')}"
        return badge(text, colour)

    def value(self, record):
        return str(record.status_label)


class _RecordTable(tables.Table):
    number = tables.Column(linkify=True)
    record_date = tables.Column()
    author = tables.Column(verbose_name=_("prepared by"))
    status = RecordStatusColumn()


class _LotRecordTable(_RecordTable):
    product = tables.Column(
        accessor="lot__product__name", verbose_name=_("product"), order_by=("lot__product__name",)
    )
    batch = tables.Column(
        accessor="lot__batch_number",
        verbose_name=_("batch number"),
        order_by=("lot__batch_number",),
    )


class ReinspectionNoticeTable(_LotRecordTable):
    location = tables.Column()
    quantity = tables.Column(attrs=NUMBER)
    result = tables.Column()

    class Meta:
        model = ReinspectionNotice
        fields = ()
        sequence = (
            "number",
            "record_date",
            "product",
            "batch",
            "location",
            "quantity",
            "result",
            "author",
            "status",
        )
        attrs = TABLE_ATTRS


class StopSaleNoticeTable(_LotRecordTable):
    quantity = tables.Column(attrs=NUMBER)
    notice_date = tables.Column()
    hold_status = tables.Column(
        accessor="hold__status", verbose_name=_("stop-sale status"), orderable=False
    )

    class Meta:
        model = StopSaleNotice
        fields = ()
        sequence = (
            "number",
            "record_date",
            "product",
            "batch",
            "quantity",
            "notice_date",
            "hold_status",
            "author",
            "status",
        )
        attrs = TABLE_ATTRS

    def render_hold_status(self, value, record):
        return record.hold.get_status_display()


class QualityInquiryTable(_RecordTable):
    product = tables.Column(accessor="product__name", verbose_name=_("product"))

    class Meta:
        model = QualityInquiry
        fields = ("inquiring_unit", "letter_number", "batch_number")
        sequence = (
            "number",
            "record_date",
            "inquiring_unit",
            "letter_number",
            "product",
            "batch_number",
            "author",
            "status",
        )
        attrs = TABLE_ATTRS


class QualityFeedbackTable(_RecordTable):
    level = tables.Column()

    class Meta:
        model = QualityFeedback
        fields = ("department", "reporter", "report_date")
        sequence = (
            "number",
            "record_date",
            "department",
            "level",
            "reporter",
            "report_date",
            "author",
            "status",
        )
        attrs = TABLE_ATTRS

    def render_level(self, value, record):
        return record.level


class HealthCheckTable(_RecordTable):
    status = RecordStatusColumn(verbose_name=_("record status"))
    health = tables.Column(accessor="status", verbose_name=_("health status"))

    class Meta:
        model = HealthCheck
        fields = (
            "file_number",
            "name",
            "age",
            "sex",
            "post",
            "quality_post",
            "check_year",
            "transfer_date",
        )
        sequence = (
            "number",
            "file_number",
            "name",
            "age",
            "sex",
            "post",
            "quality_post",
            "check_year",
            "health",
            "transfer_date",
            "status",
            "record_date",
            "author",
        )
        attrs = TABLE_ATTRS
        row_attrs = {
            "class": lambda record: "table-danger" if record.status == HealthStatus.UNFIT else ""
        }

    def render_health(self, value, record):
        colour = "success" if record.status == HealthStatus.FIT else "danger"
        return badge(record.get_status_display(), colour)

    def value_health(self, value, record):
        return str(record.get_status_display())


class TrainingRecordTable(_RecordTable):
    hours = tables.Column(attrs=NUMBER)
    attendee_count = tables.Column(
        accessor="attendees", verbose_name=_("attendees"), orderable=False, attrs=NUMBER
    )

    class Meta:
        model = TrainingRecord
        fields = ("topic", "trainer")
        sequence = (
            "number",
            "record_date",
            "topic",
            "trainer",
            "hours",
            "attendee_count",
            "author",
            "status",
        )
        attrs = TABLE_ATTRS

    def render_attendee_count(self, value, record):
        return len(record.attendee_names)
