"""Tables of the sales lists. Rows read only selected or annotated data, so a list costs
the same number of queries for 5 or 500 rows. No column shows a cost: costs and margins
appear only on the detail pages, to users with `core.view_cost`."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from apps.purchasing.tables import ISO_DATE, StatusColumn

from .models import (
    Delivery,
    DeliveryStatus,
    HoldKind,
    SalesOrder,
    SalesOrderStatus,
    SalesReturn,
    SalesReturnStatus,
)

ORDER_BADGES = {
    SalesOrderStatus.DRAFT: "secondary",
    SalesOrderStatus.PENDING_APPROVAL: "warning",
    SalesOrderStatus.APPROVED: "info",
    SalesOrderStatus.CONFIRMED: "primary",
    SalesOrderStatus.PARTIALLY_SHIPPED: "primary",
    SalesOrderStatus.SHIPPED: "success",
    SalesOrderStatus.CLOSED: "success",
    SalesOrderStatus.CANCELLED: "dark",
}
DELIVERY_BADGES = {
    DeliveryStatus.PICKING: "warning",
    DeliveryStatus.CHECKED: "info",
    DeliveryStatus.SHIPPED: "success",
    DeliveryStatus.CANCELLED: "dark",
}
RETURN_BADGES = {SalesReturnStatus.RECEIVED: "warning", SalesReturnStatus.INSPECTED: "success"}
HOLD_BADGES = {HoldKind.OVER_PRICE: "warning", HoldKind.CREDIT: "danger"}
RIGHT = {"td": {"class": "text-end"}}


def money(value) -> str:
    return f"{value:,.2f}" if value is not None else "0.00"


class SalesOrderTable(tables.Table):
    number = tables.Column(linkify=True)
    order_date = tables.DateColumn(format=ISO_DATE)
    sales_type = tables.Column()
    customer = tables.Column(accessor="customer__name", verbose_name=_("customer"))
    salesperson = tables.Column(accessor="salesperson__username", verbose_name=_("salesperson"))
    warehouse = tables.Column(accessor="warehouse__name", verbose_name=_("warehouse"))
    planned_delivery = tables.DateColumn(format=ISO_DATE)
    status = StatusColumn(ORDER_BADGES, field="status")
    total_amount = tables.Column(
        verbose_name=_("total amount (incl. tax)"), attrs=RIGHT, order_by=("total_amount",)
    )

    class Meta:
        model = SalesOrder
        fields = (
            "number",
            "order_date",
            "sales_type",
            "customer",
            "salesperson",
            "warehouse",
            "planned_delivery",
            "status",
            "total_amount",
        )
        attrs = {"class": "table table-sm table-hover align-middle"}

    def render_total_amount(self, value):
        return money(value)

    def value_total_amount(self, value):
        return value

    def value_status(self, record):
        return record.get_status_display()

    def value_sales_type(self, record):
        return record.get_sales_type_display()


class DeliveryTable(tables.Table):
    number = tables.Column(linkify=True)
    order = tables.Column(
        accessor="order__number",
        verbose_name=_("sales order"),
        linkify=lambda record: record.order.get_absolute_url(),
    )
    customer = tables.Column(accessor="customer__name", verbose_name=_("customer"))
    warehouse = tables.Column(accessor="warehouse__name", verbose_name=_("warehouse"))
    status = StatusColumn(DELIVERY_BADGES, field="status")
    quantity = tables.Column(verbose_name=_("quantity"), attrs=RIGHT)
    picked_by = tables.Column(accessor="picked_by__username", verbose_name=_("picker"))
    checked_by = tables.Column(accessor="checked_by__username", verbose_name=_("checker"))
    shipped_on = tables.DateColumn(format=ISO_DATE)
    transport_mode = tables.Column()

    class Meta:
        model = Delivery
        fields = (
            "number",
            "order",
            "customer",
            "warehouse",
            "status",
            "quantity",
            "picked_by",
            "checked_by",
            "shipped_on",
            "transport_mode",
        )
        attrs = {"class": "table table-sm table-hover align-middle"}

    def value_status(self, record):
        return record.get_status_display()


class SalesReturnTable(tables.Table):
    number = tables.Column(linkify=True)
    returned_on = tables.DateColumn(format=ISO_DATE)
    customer = tables.Column(accessor="customer__name", verbose_name=_("customer"))
    delivery = tables.Column(
        accessor="delivery__number",
        verbose_name=_("original delivery"),
        linkify=lambda record: record.delivery.get_absolute_url(),
    )
    status = StatusColumn(RETURN_BADGES, field="status")
    quantity = tables.Column(verbose_name=_("quantity"), attrs=RIGHT)
    reason = tables.Column()
    created_by = tables.Column(accessor="created_by__username", verbose_name=_("received by"))

    class Meta:
        model = SalesReturn
        fields = (
            "number",
            "returned_on",
            "customer",
            "delivery",
            "status",
            "quantity",
            "reason",
            "created_by",
        )
        attrs = {"class": "table table-sm table-hover align-middle"}

    def value_status(self, record):
        return record.get_status_display()
