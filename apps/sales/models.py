"""Sales orders, approvals, deliveries (picking, double-check, shipment) and returns.

The path of an order (DESIGN.md 7):
draft → (controls; holds need a manager) pending approval → approved → confirmed
(lots reserved by FEFO) → deliveries: picking list → double-check (复核, another user)
→ shipped (stock issued, 随货同行单) → the order is shipped when every line is; an
order may be closed early, which releases its reservations and its unshipped quantity
for the period limit (4.4). Rejection of a hold returns the order to draft.

Line counters change only in `services/`, under a lock on the order:
ordered = shipped + released (closed remainder) + open, and returned <= shipped.
"""

from __future__ import annotations

import hashlib
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from apps.catalog.models import Product
from apps.core.models import TimeStampedModel
from apps.customers.models import Customer
from apps.inventory.models import Location, Lot, StockReservation, Warehouse

MONEY = {"max_digits": 14, "decimal_places": 2}
PRICE = {"max_digits": 14, "decimal_places": 4}
CENT = Decimal("0.01")
PRICE_QUANTUM = Decimal("0.0001")
MAX_LINE_QUANTITY = 10_000_000


class SalesType(models.TextChoices):
    WHOLESALE = "wholesale", _("Wholesale")
    INTERNAL_TRANSFER = "internal_transfer", _("Internal transfer to a branch")


class SettlementMethod(models.TextChoices):
    CASH = "cash", _("Cash on delivery")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CREDIT = "credit", _("On credit (account)")
    ACCEPTANCE_BILL = "acceptance_bill", _("Bank acceptance bill")


class SalesOrderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING_APPROVAL = "pending_approval", _("Awaiting manager approval")
    APPROVED = "approved", _("Approved, not yet reserved")
    CONFIRMED = "confirmed", _("Confirmed (stock reserved)")
    PARTIALLY_SHIPPED = "partially_shipped", _("Partly shipped")
    SHIPPED = "shipped", _("Shipped")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


# Orders whose unshipped quantity still counts against the period limit (4.4): they
# passed the controls and are neither finished nor abandoned. Drafts have not.
OPEN_STATUSES = (
    SalesOrderStatus.PENDING_APPROVAL,
    SalesOrderStatus.APPROVED,
    SalesOrderStatus.CONFIRMED,
    SalesOrderStatus.PARTIALLY_SHIPPED,
)
# Orders that hold stock reservations.
RESERVING_STATUSES = (SalesOrderStatus.CONFIRMED, SalesOrderStatus.PARTIALLY_SHIPPED)


class SalesOrder(TimeStampedModel):
    number = models.CharField(_("order number"), max_length=30, unique=True)
    sales_type = models.CharField(
        _("sales type"), max_length=20, choices=SalesType.choices, default=SalesType.WHOLESALE
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="sales_orders"
    )
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("prepared by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    order_date = models.DateField(_("order date"))
    planned_delivery = models.DateField(_("planned delivery date"), null=True, blank=True)
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("shipping warehouse"), on_delete=models.PROTECT, related_name="+"
    )
    settlement_method = models.CharField(
        _("settlement method"),
        max_length=20,
        choices=SettlementMethod.choices,
        default=SettlementMethod.BANK_TRANSFER,
    )
    payment_terms_days = models.PositiveIntegerField(
        _("payment terms (days)"), default=30, validators=[MaxValueValidator(720)]
    )
    delivery_address = models.CharField(_("delivery address"), max_length=300, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=SalesOrderStatus.choices,
        default=SalesOrderStatus.DRAFT,
        db_index=True,
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    close_reason = models.CharField(
        _("reason for closing or cancelling"), max_length=300, blank=True
    )
    warnings = models.TextField(
        _("warnings"),
        blank=True,
        help_text=_("What the controls warned about (lenient mode) when it was submitted."),
    )
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sales order")
        verbose_name_plural = _("sales orders")
        ordering = ["-order_date", "-number"]
        permissions = [
            ("approve_salesorder", _("Can approve held sales orders (over-price, credit)")),
            ("sell_controlled", _("Can sell specially controlled products")),
            ("confirm_salesorder", _("Can confirm sales orders (reserve stock)")),
        ]
        indexes = [
            models.Index(
                fields=["customer", "status", "order_date"], name="so_customer_status_idx"
            ),
            models.Index(fields=["status", "order_date"], name="so_status_date_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("sales:salesorder_detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status == SalesOrderStatus.DRAFT

    def price_fingerprint(self, lines=None) -> str:
        """A digest of what a manager approves: the customer and every line's product,
        quantity and price. An approval is valid only while this is unchanged."""
        lines = self.lines.all() if lines is None else lines
        parts = [str(self.customer_id), str(self.sales_type)]
        for line in sorted(lines, key=lambda line: line.pk or 0):
            parts.append(
                f"{line.pk}:{line.product_id}:{line.quantity}:"
                f"{line.unit_price}:{line.discount_pct}:{line.tax_rate}"
            )
        return hashlib.sha256("|".join(parts).encode()).hexdigest()


class SalesOrderLine(models.Model):
    order = models.ForeignKey(
        SalesOrder, verbose_name=_("sales order"), on_delete=models.CASCADE, related_name="lines"
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(
        _("quantity"), validators=[MinValueValidator(1), MaxValueValidator(MAX_LINE_QUANTITY)]
    )
    unit_price = models.DecimalField(
        _("unit price (incl. tax)"), validators=[MinValueValidator(Decimal("0.0001"))], **PRICE
    )
    discount_pct = models.DecimalField(
        _("discount (%)"),
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Percent off the unit price."),
    )
    tax_rate = models.DecimalField(
        _("VAT rate (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(99)],
    )
    # What the price controls saw when the line was last checked (for display and audit).
    suggested_price = models.DecimalField(_("suggested price"), null=True, blank=True, **PRICE)
    ceiling_price = models.DecimalField(
        _("national wholesale price on the order date"), null=True, blank=True, **PRICE
    )
    is_over_price = models.BooleanField(_("above the national wholesale price"), default=False)
    shipped_qty = models.IntegerField(_("shipped"), default=0)
    released_qty = models.IntegerField(
        _("released on closing"),
        default=0,
        help_text=_("Unshipped quantity given back when the order was closed."),
    )
    returned_qty = models.IntegerField(_("returned"), default=0)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("sales order line")
        verbose_name_plural = _("sales order lines")
        ordering = ["order_id", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="so_line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gt=0), name="so_line_price_positive"),
            models.CheckConstraint(
                condition=Q(discount_pct__gte=0, discount_pct__lte=100),
                name="so_line_discount_range",
            ),
            models.CheckConstraint(
                condition=Q(shipped_qty__gte=0)
                & Q(released_qty__gte=0)
                & Q(returned_qty__gte=0)
                & Q(returned_qty__lte=F("shipped_qty"))
                & Q(quantity__gte=F("shipped_qty") + F("released_qty")),
                name="so_line_counters_consistent",
            ),
        ]
        indexes = [models.Index(fields=["product", "order"], name="so_line_product_idx")]

    def __str__(self) -> str:
        return f"{self.order.number} {self.product}"

    def clean(self):
        if self.unit_price is not None and self.discount_pct is not None:
            if self.net_price <= 0:
                raise ValidationError(
                    {"discount_pct": _("After the discount the price must stay above zero.")}
                )

    @property
    def net_price(self) -> Decimal:
        """The tax-inclusive unit price after the line discount (what the controls check)."""
        factor = (Decimal(100) - Decimal(self.discount_pct or 0)) / Decimal(100)
        return (Decimal(self.unit_price) * factor).quantize(PRICE_QUANTUM, ROUND_HALF_UP)

    @property
    def amount(self) -> Decimal:
        """Tax-inclusive line amount, rounded per line to the cent."""
        return (Decimal(self.quantity) * self.net_price).quantize(CENT, ROUND_HALF_UP)

    @property
    def tax_amount(self) -> Decimal:
        rate = Decimal(self.tax_rate) / Decimal(100)
        net = (self.amount / (1 + rate)).quantize(CENT, ROUND_HALF_UP)
        return self.amount - net

    @property
    def amount_excl_tax(self) -> Decimal:
        return self.amount - self.tax_amount

    @property
    def open_qty(self) -> int:
        """Ordered, not shipped and not released: still to deliver."""
        return self.quantity - self.shipped_qty - self.released_qty


class HoldKind(models.TextChoices):
    OVER_PRICE = "over_price", _("Price above the national wholesale price")
    CREDIT = "credit", _("Credit limit exceeded")


class HoldStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a manager")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", pgettext_lazy("sales hold status", "Rejected")
    VOID = "void", _("Void (the order changed)")


class SalesOrderHold(TimeStampedModel):
    """A reason the order waits for a manager, and the manager's decision.

    `fingerprint` is the order's price fingerprint when the hold was raised; an
    approval counts only while the order still has that fingerprint, so a price
    changed after approval (by any path) is never shipped as approved.
    """

    order = models.ForeignKey(
        SalesOrder, verbose_name=_("sales order"), on_delete=models.CASCADE, related_name="holds"
    )
    kind = models.CharField(_("reason"), max_length=20, choices=HoldKind.choices)
    detail = models.TextField(_("detail"))
    status = models.CharField(
        _("status"), max_length=10, choices=HoldStatus.choices, default=HoldStatus.PENDING
    )
    fingerprint = models.CharField(_("order fingerprint"), max_length=64)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.TextField(_("manager's reason"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sales order hold")
        verbose_name_plural = _("sales order holds")
        ordering = ["order_id", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "kind"],
                condition=Q(status="pending"),
                name="so_hold_one_pending_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.order.number} {self.get_kind_display()}"


class DeliveryStatus(models.TextChoices):
    PICKING = "picking", _("Picking")
    CHECKED = "checked", _("Double-checked")
    SHIPPED = "shipped", _("Shipped")
    CANCELLED = "cancelled", _("Cancelled")


class DeliveryTransportMode(models.TextChoices):
    ORDINARY = "ordinary", _("Ordinary transport")
    REFRIGERATED_VEHICLE = "refrigerated_vehicle", _("Refrigerated vehicle")
    COLD_BOX = "cold_box", _("Insulated cold box")
    CUSTOMER_PICKUP = "customer_pickup", _("Collected by the customer")


class Delivery(TimeStampedModel):
    """出库单 / 随货同行单: one shipment of (part of) an order, picked and double-checked."""

    number = models.CharField(_("delivery number"), max_length=30, unique=True)
    order = models.ForeignKey(
        SalesOrder,
        verbose_name=_("sales order"),
        on_delete=models.PROTECT,
        related_name="deliveries",
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="deliveries"
    )
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PICKING
    )
    picked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("picker"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checker"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    shipped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shipped by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    shipped_on = models.DateField(_("shipping date"), null=True, blank=True, db_index=True)
    transport_mode = models.CharField(
        _("transport mode"),
        max_length=25,
        choices=DeliveryTransportMode.choices,
        default=DeliveryTransportMode.ORDINARY,
    )
    carrier = models.CharField(_("carrier"), max_length=100, blank=True)
    departure_temperature = models.DecimalField(
        _("temperature at departure (°C)"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(-40), MaxValueValidator(60)],
    )
    arrival_temperature = models.DecimalField(
        _("temperature on arrival (°C)"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(-40), MaxValueValidator(60)],
    )
    check_note = models.TextField(_("double-check remarks"), blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cancelled by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-number"]
        permissions = [
            ("pick_delivery", _("Can prepare picking lists")),
            ("check_delivery", _("Can double-check outbound goods (复核)")),
            ("ship_delivery", _("Can ship double-checked goods")),
        ]
        indexes = [
            models.Index(fields=["customer", "shipped_on"], name="delivery_customer_date_idx")
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("sales:delivery_detail", args=[self.pk])


class DeliveryLine(models.Model):
    """One lot from one location on a delivery, taken from the order line's reservation."""

    delivery = models.ForeignKey(
        Delivery, verbose_name=_("delivery"), on_delete=models.CASCADE, related_name="lines"
    )
    order_line = models.ForeignKey(
        SalesOrderLine,
        verbose_name=_("order line"),
        on_delete=models.PROTECT,
        related_name="delivery_lines",
    )
    # Denormalised from the order for the period-usage query (4.4) and the trace.
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    reservation = models.ForeignKey(
        StockReservation,
        verbose_name=_("reservation"),
        on_delete=models.PROTECT,
        related_name="delivery_lines",
    )
    lot = models.ForeignKey(Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(
        Location, verbose_name=_("location"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    checked_qty = models.PositiveIntegerField(_("checked quantity"), null=True, blank=True)
    checked_batch = models.CharField(_("batch confirmed by the checker"), max_length=50, blank=True)
    unit_price = models.DecimalField(_("unit price (incl. tax)"), **PRICE)
    unit_cost = models.DecimalField(
        _("unit cost (excl. tax)"), null=True, blank=True, max_digits=14, decimal_places=4
    )
    shipped_on = models.DateField(_("shipping date"), null=True, blank=True)
    returned_qty = models.IntegerField(_("returned"), default=0)

    class Meta:
        verbose_name = _("delivery line")
        verbose_name_plural = _("delivery lines")
        ordering = ["delivery_id", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="delivery_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(returned_qty__gte=0) & Q(returned_qty__lte=F("quantity")),
                name="delivery_line_returned_within_shipped",
            ),
        ]
        indexes = [
            models.Index(
                fields=["customer", "product", "shipped_on"], name="delivery_line_usage_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.delivery.number} {self.lot}"

    @property
    def amount(self) -> Decimal:
        return (Decimal(self.quantity) * self.unit_price).quantize(CENT, ROUND_HALF_UP)


class SalesReturnStatus(models.TextChoices):
    RECEIVED = "received", _("Received, awaiting re-inspection")
    INSPECTED = "inspected", _("Re-inspected")


class SalesReturn(TimeStampedModel):
    """销售退回: goods a customer sends back, referencing the delivery and lot."""

    number = models.CharField(_("return number"), max_length=30, unique=True)
    delivery = models.ForeignKey(
        Delivery,
        verbose_name=_("original delivery"),
        on_delete=models.PROTECT,
        related_name="returns",
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="sales_returns"
    )
    returned_on = models.DateField(_("return date"), db_index=True)
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=SalesReturnStatus.choices,
        default=SalesReturnStatus.RECEIVED,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sales return")
        verbose_name_plural = _("sales returns")
        ordering = ["-returned_on", "-number"]
        permissions = [("inspect_salesreturn", _("Can re-inspect returned goods"))]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("sales:salesreturn_detail", args=[self.pk])


class SalesReturnLine(models.Model):
    sales_return = models.ForeignKey(
        SalesReturn, verbose_name=_("sales return"), on_delete=models.CASCADE, related_name="lines"
    )
    delivery_line = models.ForeignKey(
        DeliveryLine,
        verbose_name=_("delivery line"),
        on_delete=models.PROTECT,
        related_name="return_lines",
    )
    # Denormalised for the period-usage query (4.4).
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    lot = models.ForeignKey(Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="+")
    returned_on = models.DateField(_("return date"))
    location = models.ForeignKey(
        Location, verbose_name=_("returns location"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("returned quantity"))
    qualified_qty = models.IntegerField(_("back to qualified"), default=0)
    nonconforming_qty = models.IntegerField(_("to nonconforming"), default=0)
    inspected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("re-inspected by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    inspected_at = models.DateTimeField(_("re-inspected at"), null=True, blank=True)
    inspection_note = models.TextField(_("re-inspection findings"), blank=True)

    class Meta:
        verbose_name = _("sales return line")
        verbose_name_plural = _("sales return lines")
        ordering = ["sales_return_id", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="sales_return_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(qualified_qty__gte=0)
                & Q(nonconforming_qty__gte=0)
                & Q(quantity__gte=F("qualified_qty") + F("nonconforming_qty")),
                name="sales_return_line_inspected_within_returned",
            ),
        ]
        indexes = [
            models.Index(
                fields=["customer", "product", "returned_on"], name="sales_return_usage_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.sales_return.number} {self.lot}"

    @property
    def pending_qty(self) -> int:
        return self.quantity - self.qualified_qty - self.nonconforming_qty
