"""Search and filters of the warehouse GSP record lists."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.filters import SearchFilterSet
from apps.inventory.models import Location, Warehouse

from .models import CalibrationCard, EquipmentUse, MaintenanceInspection, TemperatureLog

DATE_WIDGET = forms.DateInput(attrs={"type": "date"})
SIGNED_CHOICES = (("signed", _("Signed")), ("draft", _("Draft")))


class RecordFilterSet(SearchFilterSet):
    date_from = django_filters.DateFilter(
        label=_("from"), field_name="record_date", lookup_expr="gte", widget=DATE_WIDGET
    )
    date_to = django_filters.DateFilter(
        label=_("to"), field_name="record_date", lookup_expr="lte", widget=DATE_WIDGET
    )
    status = django_filters.ChoiceFilter(
        label=_("status"), choices=SIGNED_CHOICES, method="by_status"
    )

    def by_status(self, queryset, name, value):
        if value == "signed":
            return queryset.signed()
        if value == "draft":
            return queryset.drafts()
        return queryset


class TemperatureLogFilterSet(RecordFilterSet):
    search_fields = ("number", "location__code", "location__name", "measures", "remarks")
    location = django_filters.ModelChoiceFilter(
        label=_("storage area"),
        queryset=Location.objects.filter(is_active=True).select_related("warehouse"),
    )
    out_of_range = django_filters.BooleanFilter(
        label=_("out of range"),
        widget=forms.Select(choices=(("", _("Any")), ("true", _("Yes")), ("false", _("No")))),
    )

    class Meta:
        model = TemperatureLog
        fields = ("q", "date_from", "date_to", "location", "out_of_range", "status")


class MaintenanceInspectionFilterSet(RecordFilterSet):
    search_fields = ("number", "remarks", "lines__lot__batch_number", "lines__lot__product__name")
    warehouse = django_filters.ModelChoiceFilter(
        label=_("warehouse"), queryset=Warehouse.objects.all()
    )

    class Meta:
        model = MaintenanceInspection
        fields = ("q", "date_from", "date_to", "warehouse", "status")

    def search(self, queryset, name, value):
        return super().search(queryset, name, value).distinct()


class EquipmentUseFilterSet(RecordFilterSet):
    search_fields = ("number", "equipment_name", "model_spec", "running_condition", "remarks")
    warehouse = django_filters.ModelChoiceFilter(
        label=_("storage room"), queryset=Warehouse.objects.all()
    )

    class Meta:
        model = EquipmentUse
        fields = ("q", "date_from", "date_to", "warehouse", "status")


class CalibrationCardFilterSet(RecordFilterSet):
    search_fields = (
        "number",
        "instrument_name",
        "serial_number",
        "model",
        "department",
        "calibrating_body",
        "manufacturer",
    )

    class Meta:
        model = CalibrationCard
        fields = ("q", "status")
