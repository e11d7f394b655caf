"""Purchase orders, receipts (到货), acceptance (验收), rejection reports and returns.

Line identity of a purchase order line, in both control modes (DESIGN.md 4.7):
ordered = received + reasonable loss + unreasonable loss + returned + open, where
"received" is what arrived and is still ours (pending, qualified or nonconforming)
and "returned" went back to the supplier. `open` is derived; it is negative only when
a receipt brought in more than ordered within the company's over-receipt tolerance.
All counters change only in `services.py`, under a lock on the order.
"""

from __future__ import annotations

from decimal import Decimal

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
from apps.inventory.models import Location, Lot, Warehouse
from apps.suppliers.models import Supplier

MONEY = {"max_digits": 14, "decimal_places": 2}
PRICE = {"max_digits": 14, "decimal_places": 4}
CENT = Decimal("0.01")


class OrderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING_APPROVAL = "pending_approval", _("Awaiting manager approval")
    OPEN = "open", pgettext_lazy("purchase order status", "Open")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class PurchaseOrder(TimeStampedModel):
    number = models.CharField(_("order number"), max_length=30, unique=True)
    supplier = models.ForeignKey(
        Supplier,
        verbose_name=_("supplier"),
        on_delete=models.PROTECT,
        related_name="purchase_orders",
    )
    order_date = models.DateField(_("order date"))
    planned_arrival = models.DateField(_("planned arrival"), null=True, blank=True)
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("receiving warehouse"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("purchaser"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approval_note = models.TextField(_("approval note"), blank=True)
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
        help_text=_("What the controls warned about when it was submitted."),
    )
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("purchase order")
        verbose_name_plural = _("purchase orders")
        ordering = ["-order_date", "-number"]
        permissions = [
            ("approve_purchaseorder", _("Can approve purchase orders above the threshold")),
        ]
        indexes = [models.Index(fields=["status", "order_date"], name="po_status_date_idx")]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("purchasing:purchaseorder_detail", args=[self.pk])

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines.all()), Decimal("0.00"))

    @property
    def is_receivable(self) -> bool:
        return self.status == OrderStatus.OPEN


class PurchaseOrderLine(models.Model):
    order = models.ForeignKey(
        PurchaseOrder,
        verbose_name=_("purchase order"),
        on_delete=models.CASCADE,
        related_name="lines",
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(
        _("ordered quantity"), validators=[MinValueValidator(1), MaxValueValidator(10_000_000)]
    )
    unit_price = models.DecimalField(
        _("unit price (incl. tax)"), validators=[MinValueValidator(0)], **PRICE
    )
    tax_rate = models.DecimalField(
        _("VAT rate (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(99)],
    )
    planned_arrival = models.DateField(_("planned arrival"), null=True, blank=True)
    received_qty = models.IntegerField(_("received"), default=0)
    reasonable_loss_qty = models.IntegerField(_("reasonable loss"), default=0)
    unreasonable_loss_qty = models.IntegerField(_("unreasonable loss"), default=0)
    returned_qty = models.IntegerField(_("returned"), default=0)

    class Meta:
        verbose_name = _("purchase order line")
        verbose_name_plural = _("purchase order lines")
        ordering = ["order_id", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="po_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="po_line_price_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(received_qty__gte=0)
                & Q(reasonable_loss_qty__gte=0)
                & Q(unreasonable_loss_qty__gte=0)
                & Q(returned_qty__gte=0),
                name="po_line_counters_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order.number} {self.product}"

    @property
    def amount(self) -> Decimal:
        return (Decimal(self.quantity) * self.unit_price).quantize(CENT)

    @property
    def settled_qty(self) -> int:
        return (
            self.received_qty
            + self.reasonable_loss_qty
            + self.unreasonable_loss_qty
            + self.returned_qty
        )

    @property
    def open_qty(self) -> int:
        return self.quantity - self.settled_qty


class TransportMode(models.TextChoices):
    ORDINARY = "ordinary", _("Ordinary transport")
    REFRIGERATED_VEHICLE = "refrigerated_vehicle", _("Refrigerated vehicle")
    COLD_BOX = "cold_box", _("Insulated cold box")
    SELF_PICKUP = "self_pickup", _("Collected by us")


class Receipt(TimeStampedModel):
    """到货单: goods arrived from a supplier, booked into a pending-inspection location."""

    number = models.CharField(_("receipt number"), max_length=30, unique=True)
    order = models.ForeignKey(
        PurchaseOrder,
        verbose_name=_("purchase order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="receipts",
    )
    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="receipts"
    )
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="+"
    )
    received_on = models.DateField(_("arrival date"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    transport_mode = models.CharField(
        _("transport mode"),
        max_length=25,
        choices=TransportMode.choices,
        default=TransportMode.ORDINARY,
    )
    delivery_note_number = models.CharField(_("supplier delivery note"), max_length=50, blank=True)
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        ordering = ["-received_on", "-number"]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("purchasing:receipt_detail", args=[self.pk])


class ReceiptLine(models.Model):
    """One batch arrived. Pending quantity = arrived − accepted − rejected."""

    receipt = models.ForeignKey(
        Receipt, verbose_name=_("receipt"), on_delete=models.CASCADE, related_name="lines"
    )
    order_line = models.ForeignKey(
        PurchaseOrderLine,
        verbose_name=_("order line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="receipt_lines",
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    lot = models.ForeignKey(
        Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="receipt_lines"
    )
    location = models.ForeignKey(
        Location, verbose_name=_("pending location"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("arrived quantity"))
    reasonable_loss_qty = models.PositiveIntegerField(_("reasonable loss"), default=0)
    unreasonable_loss_qty = models.PositiveIntegerField(_("unreasonable loss"), default=0)
    unit_price = models.DecimalField(
        _("unit price (incl. tax)"), validators=[MinValueValidator(0)], **PRICE
    )
    tax_rate = models.DecimalField(_("VAT rate (%)"), max_digits=5, decimal_places=2)
    arrival_temperature = models.DecimalField(
        _("arrival temperature (°C)"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(-40), MaxValueValidator(60)],
    )
    accepted_qty = models.IntegerField(_("accepted"), default=0)
    rejected_qty = models.IntegerField(_("rejected"), default=0)

    class Meta:
        verbose_name = _("receipt line")
        verbose_name_plural = _("receipt lines")
        ordering = ["receipt_id", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="receipt_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(accepted_qty__gte=0)
                & Q(rejected_qty__gte=0)
                & Q(quantity__gte=F("accepted_qty") + F("rejected_qty")),
                name="receipt_line_inspected_within_arrived",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.receipt.number} {self.lot}"

    @property
    def pending_qty(self) -> int:
        return self.quantity - self.accepted_qty - self.rejected_qty

    @property
    def amount(self) -> Decimal:
        return (Decimal(self.quantity) * self.unit_price).quantize(CENT)


class Conclusion(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    PARTIAL = "partial", _("Partly rejected")
    REJECTED = "rejected", pgettext_lazy("acceptance conclusion", "Rejected")


class Acceptance(TimeStampedModel):
    """验收: the inspector's verdict on (part of) one arrived batch."""

    number = models.CharField(_("acceptance number"), max_length=30, unique=True)
    receipt_line = models.ForeignKey(
        ReceiptLine,
        verbose_name=_("receipt line"),
        on_delete=models.PROTECT,
        related_name="acceptances",
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inspector"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    inspected_on = models.DateField(_("inspection date"))
    sample_qty = models.PositiveIntegerField(_("sample quantity"), default=0)
    accepted_qty = models.PositiveIntegerField(_("accepted quantity"))
    rejected_qty = models.PositiveIntegerField(_("rejected quantity"))
    appearance_ok = models.BooleanField(_("appearance in order"))
    packaging_ok = models.BooleanField(_("packaging in order"))
    label_ok = models.BooleanField(_("labels and instructions in order"))
    certificate_ok = models.BooleanField(_("certificate of conformity present"))
    conclusion = models.CharField(_("conclusion"), max_length=10, choices=Conclusion.choices)
    qualified_location = models.ForeignKey(
        Location,
        verbose_name=_("qualified location"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    nonconforming_location = models.ForeignKey(
        Location,
        verbose_name=_("nonconforming location"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    second_keeper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("second keeper"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    remarks = models.TextField(_("remarks"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("acceptance")
        verbose_name_plural = _("acceptances")
        ordering = ["-inspected_on", "-number"]
        permissions = [("inspect_receipt", _("Can inspect arrived goods (acceptance)"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(accepted_qty__gt=0) | Q(rejected_qty__gt=0),
                name="acceptance_inspects_something",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("purchasing:acceptance_detail", args=[self.pk])

    def clean(self):
        errors = {}
        if self.accepted_qty and self.rejected_qty and self.conclusion != Conclusion.PARTIAL:
            errors["conclusion"] = _(
                "Part accepted and part rejected: the conclusion is 'partly rejected'."
            )
        elif self.accepted_qty and not self.rejected_qty and self.conclusion != Conclusion.ACCEPTED:
            errors["conclusion"] = _("Everything accepted: the conclusion is 'accepted'.")
        elif self.rejected_qty and not self.accepted_qty and self.conclusion != Conclusion.REJECTED:
            errors["conclusion"] = _("Everything rejected: the conclusion is 'rejected'.")
        if errors:
            raise ValidationError(errors)


class RejectionReport(TimeStampedModel):
    """拒收报告: written for every acceptance that rejects goods."""

    number = models.CharField(_("report number"), max_length=30, unique=True)
    acceptance = models.OneToOneField(
        Acceptance,
        verbose_name=_("acceptance"),
        on_delete=models.PROTECT,
        related_name="rejection_report",
    )
    quantity = models.PositiveIntegerField(_("rejected quantity"))
    reason = models.TextField(_("findings (quality, appearance, packaging)"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inspector"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rejection report")
        verbose_name_plural = _("rejection reports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("purchasing:rejectionreport_detail", args=[self.pk])


class PurchaseReturn(TimeStampedModel):
    """采购退货: stock sent back to the supplier (referencing the order in strict mode)."""

    number = models.CharField(_("return number"), max_length=30, unique=True)
    supplier = models.ForeignKey(
        Supplier,
        verbose_name=_("supplier"),
        on_delete=models.PROTECT,
        related_name="purchase_returns",
    )
    order = models.ForeignKey(
        PurchaseOrder,
        verbose_name=_("original purchase order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="returns",
    )
    returned_on = models.DateField(_("return date"))
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("prepared by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("purchase return")
        verbose_name_plural = _("purchase returns")
        ordering = ["-returned_on", "-number"]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("purchasing:purchasereturn_detail", args=[self.pk])


class PurchaseReturnLine(models.Model):
    purchase_return = models.ForeignKey(
        PurchaseReturn,
        verbose_name=_("purchase return"),
        on_delete=models.CASCADE,
        related_name="lines",
    )
    order_line = models.ForeignKey(
        PurchaseOrderLine,
        verbose_name=_("order line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="return_lines",
    )
    lot = models.ForeignKey(Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(
        Location, verbose_name=_("from location"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price (incl. tax)"), **PRICE)

    class Meta:
        verbose_name = _("purchase return line")
        verbose_name_plural = _("purchase return lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="return_line_quantity_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.purchase_return.number} {self.lot}"
