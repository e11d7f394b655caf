"""Filters of the purchasing lists."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import Product
from apps.core.filters import SearchFilterSet
from apps.inventory.models import Warehouse
from apps.suppliers.models import Supplier

from .models import (
    Acceptance,
    Conclusion,
    OrderStatus,
    PurchaseOrder,
    PurchaseReturn,
    Receipt,
    RejectionReport,
)

DATE = {"type": "date"}


def date_range(field_name: str, label_from, label_to):
    return (
        django_filters.DateFilter(
            field_name=field_name,
            lookup_expr="gte",
            label=label_from,
            widget=forms.DateInput(attrs=DATE),
        ),
        django_filters.DateFilter(
            field_name=field_name,
            lookup_expr="lte",
            label=label_to,
            widget=forms.DateInput(attrs=DATE),
        ),
    )


def suppliers():
    return Supplier.objects.order_by("code")


class PurchaseOrderFilter(SearchFilterSet):
    search_fields = ("number", "supplier__code", "supplier__name", "supplier__mnemonic")

    status = django_filters.ChoiceFilter(label=_("Status"), choices=OrderStatus.choices)
    supplier = django_filters.ModelChoiceFilter(label=_("Supplier"), queryset=suppliers())
    date_from, date_to = date_range("order_date", _("Order date from"), _("Order date to"))

    class Meta:
        model = PurchaseOrder
        fields = ("q", "status", "supplier", "date_from", "date_to")


class ReceiptFilter(SearchFilterSet):
    search_fields = (
        "number",
        "order__number",
        "delivery_note_number",
        "supplier__code",
        "supplier__name",
        "supplier__mnemonic",
        "lines__lot__batch_number",
    )

    supplier = django_filters.ModelChoiceFilter(label=_("Supplier"), queryset=suppliers())
    warehouse = django_filters.ModelChoiceFilter(
        label=_("Warehouse"), queryset=Warehouse.objects.order_by("code")
    )
    awaiting = django_filters.BooleanFilter(
        label=_("Awaiting inspection"), method="filter_awaiting"
    )
    date_from, date_to = date_range("received_on", _("Arrival from"), _("Arrival to"))

    class Meta:
        model = Receipt
        fields = ("q", "supplier", "warehouse", "awaiting", "date_from", "date_to")

    def search(self, queryset, name, value):
        # Searching by batch joins the lines; one row per receipt.
        return super().search(queryset, name, value).distinct()

    def filter_awaiting(self, queryset, name, value):
        return queryset.filter(pending__gt=0) if value else queryset.filter(pending=0)


class AcceptanceFilter(SearchFilterSet):
    search_fields = ("number", "receipt_line__receipt__number", "receipt_line__lot__batch_number")

    date_from, date_to = date_range("inspected_on", _("Inspected from"), _("Inspected to"))
    product = django_filters.ModelChoiceFilter(
        label=_("Product"),
        field_name="receipt_line__product",
        queryset=Product.objects.order_by("code"),
    )
    batch = django_filters.CharFilter(
        label=_("Batch number"),
        field_name="receipt_line__lot__batch_number",
        lookup_expr="icontains",
    )
    supplier = django_filters.ModelChoiceFilter(
        label=_("Supplier"), field_name="receipt_line__receipt__supplier", queryset=suppliers()
    )
    conclusion = django_filters.ChoiceFilter(label=_("Conclusion"), choices=Conclusion.choices)

    class Meta:
        model = Acceptance
        fields = ("q", "date_from", "date_to", "product", "batch", "supplier", "conclusion")


class RejectionReportFilter(SearchFilterSet):
    search_fields = (
        "number",
        "acceptance__number",
        "acceptance__receipt_line__lot__batch_number",
        "reason",
    )

    supplier = django_filters.ModelChoiceFilter(
        label=_("Supplier"),
        field_name="acceptance__receipt_line__receipt__supplier",
        queryset=suppliers(),
    )
    date_from, date_to = date_range("created_at__date", _("Date from"), _("Date to"))

    class Meta:
        model = RejectionReport
        fields = ("q", "supplier", "date_from", "date_to")


class PurchaseReturnFilter(SearchFilterSet):
    search_fields = ("number", "order__number", "supplier__code", "supplier__name")

    supplier = django_filters.ModelChoiceFilter(label=_("Supplier"), queryset=suppliers())
    date_from, date_to = date_range("returned_on", _("Return date from"), _("Return date to"))

    class Meta:
        model = PurchaseReturn
        fields = ("q", "supplier", "date_from", "date_to")
