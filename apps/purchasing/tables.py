"""Tables of the purchasing lists. Rows read only selected or annotated data, so a list
costs the same number of queries for 5 or 500 rows."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from apps.core.tables import badge

from .models import (
    Acceptance,
    OrderStatus,
    PurchaseOrder,
    PurchaseReturn,
    Receipt,
    RejectionReport,
)

ISO_DATE = "Y-m-d"
STATUS_BADGES = {
    OrderStatus.DRAFT: "secondary",
    OrderStatus.PENDING_APPROVAL: "warning",
    OrderStatus.OPEN: "primary",
    OrderStatus.CLOSED: "success",
    OrderStatus.CANCELLED: "dark",
}
CONCLUSION_BADGES = {"accepted": "success", "partial": "warning", "rejected": "danger"}


class StatusColumn(tables.Column):
    """A choice field as a coloured badge (its display label; the colour from its value)."""

    def __init__(self, badges, *, field: str, **kwargs):
        self.badges = badges
        self.field = field
        kwargs.setdefault("accessor", field)
        super().__init__(**kwargs)

    def render(self, value, record):
        return badge(value, self.badges.get(getattr(record, self.field), "secondary"))


class PurchaseOrderTable(tables.Table):
    number = tables.Column(linkify=True)
    supplier = tables.Column(accessor="supplier__name", verbose_name=_("supplier"))
    order_date = tables.DateColumn(format=ISO_DATE)
    planned_arrival = tables.DateColumn(format=ISO_DATE)
    warehouse = tables.Column(accessor="warehouse__name", verbose_name=_("warehouse"))
    status = StatusColumn(STATUS_BADGES, field="status")
    total_amount = tables.Column(
        verbose_name=_("total amount (incl. tax)"),
        attrs={"td": {"class": "text-end"}},
        order_by=("total_amount",),
    )
    created_by = tables.Column(accessor="created_by__username", verbose_name=_("purchaser"))

    class Meta:
        model = PurchaseOrder
        fields = (
            "number",
            "supplier",
            "order_date",
            "planned_arrival",
            "warehouse",
            "status",
            "total_amount",
            "created_by",
        )
        attrs = {"class": "table table-sm table-hover align-middle"}

    def render_total_amount(self, value):
        return f"{value:,.2f}" if value is not None else "0.00"

    def value_total_amount(self, value):
        return value

    def value_status(self, record):
        return record.get_status_display()


class ReceiptTable(tables.Table):
    number = tables.Column(linkify=True)
    order = tables.Column(
        accessor="order__number",
        verbose_name=_("purchase order"),
        linkify=lambda record: record.order.get_absolute_url() if record.order_id else None,
    )
    supplier = tables.Column(accessor="supplier__name", verbose_name=_("supplier"))
    warehouse = tables.Column(accessor="warehouse__name", verbose_name=_("warehouse"))
    received_on = tables.DateColumn(format=ISO_DATE)
    transport_mode = tables.Column()
    delivery_note_number = tables.Column()
    arrived = tables.Column(verbose_name=_("arrived"), attrs={"td": {"class": "text-end"}})
    pending = tables.Column(
        verbose_name=_("awaiting inspection"), attrs={"td": {"class": "text-end"}}
    )
    received_by = tables.Column(accessor="received_by__username", verbose_name=_("received by"))

    class Meta:
        model = Receipt
        fields = (
            "number",
            "order",
            "supplier",
            "warehouse",
            "received_on",
            "transport_mode",
            "delivery_note_number",
            "arrived",
            "pending",
            "received_by",
        )
        attrs = {"class": "table table-sm table-hover align-middle"}

    def render_pending(self, value):
        return badge(value, "warning") if value else "0"

    def value_pending(self, value):
        return value or 0


class AcceptanceTable(tables.Table):
    number = tables.Column(linkify=True)
    inspected_on = tables.DateColumn(format=ISO_DATE)
    receipt = tables.Column(
        accessor="receipt_line__receipt__number",
        verbose_name=_("receipt"),
        linkify=lambda record: record.receipt_line.receipt.get_absolute_url(),
    )
    supplier = tables.Column(
        accessor="receipt_line__receipt__supplier__name", verbose_name=_("supplier")
    )
    product = tables.Column(
        accessor="receipt_line__product",
        verbose_name=_("product"),
        order_by=("receipt_line__product__code",),
    )
    batch = tables.Column(
        accessor="receipt_line__lot__batch_number", verbose_name=_("batch number")
    )
    expiry = tables.DateColumn(
        accessor="receipt_line__lot__expiry_date", verbose_name=_("expiry date"), format=ISO_DATE
    )
    accepted_qty = tables.Column(attrs={"td": {"class": "text-end"}})
    rejected_qty = tables.Column(attrs={"td": {"class": "text-end"}})
    conclusion = StatusColumn(CONCLUSION_BADGES, field="conclusion")
    inspector = tables.Column(accessor="inspector__username", verbose_name=_("inspector"))

    class Meta:
        model = Acceptance
        fields = (
            "number",
            "inspected_on",
            "receipt",
            "supplier",
            "product",
            "batch",
            "expiry",
            "accepted_qty",
            "rejected_qty",
            "conclusion",
            "inspector",
        )
        attrs = {"class": "table table-sm table-hover align-middle"}

    def value_conclusion(self, record):
        return record.get_conclusion_display()


class RejectionReportTable(tables.Table):
    number = tables.Column(linkify=True)
    created_at = tables.DateTimeColumn(format="Y-m-d H:i", verbose_name=_("date"))
    acceptance = tables.Column(
        accessor="acceptance__number",
        verbose_name=_("acceptance"),
        linkify=lambda record: record.acceptance.get_absolute_url(),
    )
    supplier = tables.Column(
        accessor="acceptance__receipt_line__receipt__supplier__name", verbose_name=_("supplier")
    )
    product = tables.Column(
        accessor="acceptance__receipt_line__product",
        verbose_name=_("product"),
        order_by=("acceptance__receipt_line__product__code",),
    )
    batch = tables.Column(
        accessor="acceptance__receipt_line__lot__batch_number", verbose_name=_("batch number")
    )
    quantity = tables.Column(attrs={"td": {"class": "text-end"}})
    reason = tables.Column()
    created_by = tables.Column(accessor="created_by__username", verbose_name=_("inspector"))

    class Meta:
        model = RejectionReport
        fields = (
            "number",
            "created_at",
            "acceptance",
            "supplier",
            "product",
            "batch",
            "quantity",
            "reason",
            "created_by",
        )
        attrs = {"class": "table table-sm table-hover align-middle"}


class PurchaseReturnTable(tables.Table):
    number = tables.Column(linkify=True)
    returned_on = tables.DateColumn(format=ISO_DATE)
    supplier = tables.Column(accessor="supplier__name", verbose_name=_("supplier"))
    order = tables.Column(
        accessor="order__number",
        verbose_name=_("original purchase order"),
        linkify=lambda record: record.order.get_absolute_url() if record.order_id else None,
    )
    quantity = tables.Column(verbose_name=_("quantity"), attrs={"td": {"class": "text-end"}})
    reason = tables.Column()
    created_by = tables.Column(accessor="created_by__username", verbose_name=_("prepared by"))

    class Meta:
        model = PurchaseReturn
        fields = ("number", "returned_on", "supplier", "order", "quantity", "reason", "created_by")
        attrs = {"class": "table table-sm table-hover align-middle"}
