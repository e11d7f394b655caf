"""Search and filters of the inventory operation lists."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import StorageCondition
from apps.core.filters import SearchFilterSet

from .expiry import Band, band_q
from .models import (
    HoldStatus,
    Location,
    LossReport,
    LossStatus,
    Lot,
    LotHold,
    Stocktake,
    StocktakeStatus,
    Warehouse,
    Zone,
)


def _boolean_filter(label, **kwargs):
    return django_filters.BooleanFilter(
        label=label,
        widget=forms.Select(choices=(("", _("Any")), ("true", _("Yes")), ("false", _("No")))),
        **kwargs,
    )


class WarehouseFilter(SearchFilterSet):
    search_fields = ("code", "name", "address")
    is_active = _boolean_filter(_("active"))

    class Meta:
        model = Warehouse
        fields = ("q", "is_active")


class LocationFilter(SearchFilterSet):
    search_fields = ("code", "name", "warehouse__code", "warehouse__name")
    warehouse = django_filters.ModelChoiceFilter(
        label=_("warehouse"), queryset=Warehouse.objects.all()
    )
    zone = django_filters.ChoiceFilter(label=_("zone"), choices=Zone.choices)
    storage_condition = django_filters.ChoiceFilter(
        label=_("storage condition"), choices=StorageCondition.choices
    )
    is_controlled_area = _boolean_filter(_("dedicated area for controlled products"))
    is_active = _boolean_filter(_("active"))

    class Meta:
        model = Location
        fields = ("q", "warehouse", "zone", "storage_condition", "is_controlled_area", "is_active")


class LotFilter(SearchFilterSet):
    search_fields = (
        "product__code",
        "product__name",
        "product__mnemonic",
        "product__spec",
        "batch_number",
        "serial_number",
        "udi",
    )
    band = django_filters.ChoiceFilter(
        label=_("expiry band"), choices=Band.choices, method="filter_band"
    )
    is_frozen = _boolean_filter(_("stopped from sale"))
    in_stock = _boolean_filter(_("in stock"), method="filter_in_stock")

    class Meta:
        model = Lot
        fields = ("q", "band", "is_frozen", "in_stock")

    def filter_band(self, queryset, name, value):
        return queryset.filter(band_q(value)) if value else queryset

    def filter_in_stock(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(on_hand__gt=0) if value else queryset.exclude(on_hand__gt=0)


class LotHoldFilter(SearchFilterSet):
    search_fields = ("number", "lot__batch_number", "lot__product__code", "lot__product__name")
    status = django_filters.ChoiceFilter(label=_("status"), choices=HoldStatus.choices)

    class Meta:
        model = LotHold
        fields = ("q", "status")


class LossReportFilter(SearchFilterSet):
    search_fields = ("number", "reason")
    status = django_filters.ChoiceFilter(label=_("status"), choices=LossStatus.choices)
    warehouse = django_filters.ModelChoiceFilter(
        label=_("warehouse"), queryset=Warehouse.objects.all()
    )

    class Meta:
        model = LossReport
        fields = ("q", "status", "warehouse")


class StocktakeFilter(SearchFilterSet):
    search_fields = ("number", "note")
    status = django_filters.ChoiceFilter(label=_("status"), choices=StocktakeStatus.choices)
    warehouse = django_filters.ModelChoiceFilter(
        label=_("warehouse"), queryset=Warehouse.objects.all()
    )

    class Meta:
        model = Stocktake
        fields = ("q", "status", "warehouse")
