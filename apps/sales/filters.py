"""Filters of the sales lists and of the manager's approval queue."""

from __future__ import annotations

import django_filters
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.filters import SearchFilterSet
from apps.customers.models import Customer
from apps.purchasing.filters import date_range

from .models import (
    Delivery,
    DeliveryStatus,
    HoldKind,
    SalesOrder,
    SalesOrderHold,
    SalesOrderStatus,
    SalesReturn,
    SalesReturnStatus,
    SalesType,
)


def customers():
    return Customer.objects.order_by("code")


def salespeople():
    """Users who may prepare sales orders (the salesperson filter's choices)."""
    perms = Permission.objects.filter(codename="add_salesorder", content_type__app_label="sales")
    return (
        get_user_model()
        .objects.filter(Q(groups__permissions__in=perms) | Q(user_permissions__in=perms))
        .distinct()
        .order_by("username")
    )


class SalesOrderFilter(SearchFilterSet):
    search_fields = ("number", "customer__code", "customer__name", "customer__mnemonic")

    status = django_filters.ChoiceFilter(label=_("Status"), choices=SalesOrderStatus.choices)
    sales_type = django_filters.ChoiceFilter(label=_("Sales type"), choices=SalesType.choices)
    customer = django_filters.ModelChoiceFilter(label=_("Customer"), queryset=customers())
    salesperson = django_filters.ModelChoiceFilter(label=_("Salesperson"), queryset=salespeople())
    date_from, date_to = date_range("order_date", _("Order date from"), _("Order date to"))

    class Meta:
        model = SalesOrder
        fields = ("q", "status", "sales_type", "customer", "salesperson", "date_from", "date_to")


class DeliveryFilter(SearchFilterSet):
    search_fields = (
        "number",
        "order__number",
        "customer__code",
        "customer__name",
        "customer__mnemonic",
        "lines__lot__batch_number",
    )

    status = django_filters.ChoiceFilter(label=_("Status"), choices=DeliveryStatus.choices)
    customer = django_filters.ModelChoiceFilter(label=_("Customer"), queryset=customers())
    date_from, date_to = date_range("shipped_on", _("Shipped from"), _("Shipped to"))

    class Meta:
        model = Delivery
        fields = ("q", "status", "customer", "date_from", "date_to")

    def search(self, queryset, name, value):
        # Searching by batch joins the lines; one row per delivery.
        return super().search(queryset, name, value).distinct()


class SalesReturnFilter(SearchFilterSet):
    search_fields = (
        "number",
        "delivery__number",
        "delivery__order__number",
        "customer__code",
        "customer__name",
        "customer__mnemonic",
    )

    status = django_filters.ChoiceFilter(label=_("Status"), choices=SalesReturnStatus.choices)
    customer = django_filters.ModelChoiceFilter(label=_("Customer"), queryset=customers())
    date_from, date_to = date_range("returned_on", _("Return date from"), _("Return date to"))

    class Meta:
        model = SalesReturn
        fields = ("q", "status", "customer", "date_from", "date_to")


# The approval queue also lists purchase orders awaiting approval under this "kind".
PURCHASE_KIND = "purchase_order"
QUEUE_KINDS = [*HoldKind.choices, (PURCHASE_KIND, _("Purchase order above the threshold"))]


class ApprovalQueueFilter(SearchFilterSet):
    """Pending holds of sales orders; `kind` may also ask for purchase orders only."""

    search_fields = ("order__number", "order__customer__name", "order__customer__code")

    kind = django_filters.ChoiceFilter(label=_("Reason"), choices=QUEUE_KINDS, method="by_kind")
    customer = django_filters.ModelChoiceFilter(
        label=_("Customer"), field_name="order__customer", queryset=customers()
    )
    date_from, date_to = date_range("order__order_date", _("Order date from"), _("Order date to"))

    class Meta:
        model = SalesOrderHold
        fields = ("q", "kind", "customer", "date_from", "date_to")

    def by_kind(self, queryset, name, value):
        if value == PURCHASE_KIND:
            return queryset.none()
        return queryset.filter(kind=value) if value else queryset
