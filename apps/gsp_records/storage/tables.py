"""Tables of the warehouse GSP record lists (django-tables2)."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from apps.core.models import today
from apps.core.tables import badge

from .models import CalibrationCard, EquipmentUse, MaintenanceInspection, TemperatureLog

TABLE_ATTRS = {"class": "table table-sm table-hover align-middle"}


class NumberColumn(tables.Column):
    """The record number linking to its detail page."""

    def __init__(self, **kwargs):
        kwargs.setdefault("linkify", True)
        super().__init__(**kwargs)


class StatusColumn(tables.Column):
    empty_values = ()

    def __init__(self, **kwargs):
        kwargs.setdefault("verbose_name", _("status"))
        kwargs.setdefault("accessor", "signed_at")
        super().__init__(**kwargs)

    def render(self, record):
        if record.is_signed:
            return badge(_("Signed"), "success")
        return badge(_("Draft"), "secondary")

    def value(self, record):
        return record.status_label


class TemperatureLogTable(tables.Table):
    number = NumberColumn()
    status = StatusColumn()

    class Meta:
        model = TemperatureLog
        fields = (
            "number",
            "record_date",
            "location",
            "storage_condition",
            "am_temperature",
            "am_humidity",
            "pm_temperature",
            "pm_humidity",
            "max_temperature",
            "min_temperature",
            "out_of_range",
            "measures",
            "author",
            "status",
        )
        attrs = TABLE_ATTRS
        row_attrs = {
            "class": lambda record: "table-danger out-of-range" if record.out_of_range else ""
        }

    def render_out_of_range(self, value, record):
        if value:
            return format_html(
                '<span class="badge text-bg-danger" title="{}">{}</span>',
                record.out_of_range_text(),
                _("Out of range"),
            )
        return badge(_("OK"), "success")

    def value_out_of_range(self, value, record):
        return record.out_of_range_text() if value else ""


class MaintenanceInspectionTable(tables.Table):
    number = NumberColumn()
    lines = tables.Column(verbose_name=_("lines"), accessor="line_count", orderable=False)
    status = StatusColumn()

    class Meta:
        model = MaintenanceInspection
        fields = ("number", "record_date", "warehouse", "lines", "author", "signed_by", "status")
        attrs = TABLE_ATTRS


class EquipmentUseTable(tables.Table):
    number = NumberColumn()
    status = StatusColumn()

    class Meta:
        model = EquipmentUse
        fields = (
            "number",
            "equipment_name",
            "model_spec",
            "warehouse",
            "started_at",
            "ended_at",
            "running_condition",
            "operator",
            "status",
        )
        attrs = TABLE_ATTRS


def card_is_overdue(record) -> bool:
    due = record.next_due(record.last_calibrated)
    return due is None or due < today()


class CalibrationCardTable(tables.Table):
    number = NumberColumn()
    last_calibrated = tables.DateColumn(verbose_name=_("last calibrated"), format="Y-m-d")
    next_due = tables.Column(
        verbose_name=_("next calibration due"), empty_values=(), orderable=False
    )
    status = StatusColumn()

    class Meta:
        model = CalibrationCard
        fields = (
            "number",
            "instrument_name",
            "serial_number",
            "model",
            "department",
            "calibrating_body",
            "cycle_months",
            "last_calibrated",
            "next_due",
            "status",
        )
        attrs = TABLE_ATTRS
        row_attrs = {
            "class": lambda record: "table-danger overdue" if card_is_overdue(record) else ""
        }

    def render_next_due(self, record):
        due = record.next_due(record.last_calibrated)
        if due is None:
            return badge(_("Never calibrated"), "danger")
        if due < today():
            return format_html("{} {}", due.isoformat(), badge(_("Overdue"), "danger"))
        return due.isoformat()

    def value_next_due(self, record):
        due = record.next_due(record.last_calibrated)
        return due.isoformat() if due else ""
