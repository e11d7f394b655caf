"""Admin of the warehouse GSP records: view only. Records are written through the staff
pages (services: numbering, sign-off); a signed record never changes and nothing is
deleted, so the admin offers no add, change or delete."""

from django.contrib import admin

from apps.core.admin_mixins import ReadOnlyAdminMixin, ReadOnlyInline

from .models import (
    CalibrationCard,
    CalibrationEntry,
    EquipmentUse,
    InspectionLine,
    MaintenanceInspection,
    TemperatureLog,
)


class RecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    date_hierarchy = "record_date"
    search_fields = ("number",)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


@admin.register(TemperatureLog)
class TemperatureLogAdmin(RecordAdmin):
    list_display = (
        "number",
        "record_date",
        "location",
        "am_temperature",
        "am_humidity",
        "pm_temperature",
        "pm_humidity",
        "out_of_range",
        "signed_at",
    )
    list_filter = ("out_of_range", "storage_condition")
    list_select_related = ("location__warehouse",)


class InspectionLineInline(ReadOnlyInline):
    model = InspectionLine


@admin.register(MaintenanceInspection)
class MaintenanceInspectionAdmin(RecordAdmin):
    list_display = ("number", "record_date", "warehouse", "author", "signed_at")
    list_select_related = ("warehouse", "author")
    inlines = [InspectionLineInline]


@admin.register(EquipmentUse)
class EquipmentUseAdmin(RecordAdmin):
    list_display = ("number", "equipment_name", "warehouse", "started_at", "ended_at", "signed_at")
    list_select_related = ("warehouse",)


class CalibrationEntryInline(ReadOnlyInline):
    model = CalibrationEntry
    fk_name = "card"


@admin.register(CalibrationCard)
class CalibrationCardAdmin(RecordAdmin):
    list_display = ("number", "instrument_name", "serial_number", "cycle_months", "signed_at")
    search_fields = ("number", "instrument_name", "serial_number")
    inlines = [CalibrationEntryInline]


@admin.register(CalibrationEntry)
class CalibrationEntryAdmin(RecordAdmin):
    list_display = ("number", "card", "calibration_date", "conclusion", "signed_at")
    list_select_related = ("card",)
