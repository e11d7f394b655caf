"""Warehouses, locations, lots, stock balances and the immutable stock ledger (DESIGN.md 5).

Balances change only in `services.py`, in the same transaction as the `StockMove` that
explains them; `check_stock_ledger` proves on-hand == sum of moves and reserved == sum
of open reservations. Quantities are whole units of the product's base unit.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.catalog.models import Product, StorageCondition
from apps.core.models import TimeStampedModel


class Zone(models.TextChoices):
    PENDING = "pending", _("Pending inspection")
    QUALIFIED = "qualified", _("Qualified")
    NONCONFORMING = "nonconforming", _("Nonconforming")
    RETURNS = "returns", _("Returns")


# The colour GSP prescribes for each zone (色标): yellow, green, red, yellow.
ZONE_COLOURS = {
    Zone.PENDING: "warning",
    Zone.QUALIFIED: "success",
    Zone.NONCONFORMING: "danger",
    Zone.RETURNS: "warning",
}


class Warehouse(TimeStampedModel):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("inventory:warehouse_detail", args=[self.pk])


class Location(TimeStampedModel):
    """A storage location (库位) in one zone with one storage condition."""

    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="locations"
    )
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=100, blank=True)
    zone = models.CharField(_("zone"), max_length=15, choices=Zone.choices)
    storage_condition = models.CharField(
        _("storage condition"), max_length=10, choices=StorageCondition.choices
    )
    is_controlled_area = models.BooleanField(
        _("dedicated area for controlled products"),
        default=False,
        help_text=_("Specially controlled products are stored only in such locations."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        ordering = ["warehouse__code", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["warehouse", "code"],
                name="location_unique_code_per_warehouse",
                violation_error_message=_("This warehouse already has a location with this code."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.warehouse.code}/{self.code}"

    def get_absolute_url(self) -> str:
        return reverse("inventory:location_detail", args=[self.pk])

    @property
    def zone_colour(self) -> str:
        return ZONE_COLOURS.get(self.zone, "secondary")

    def clean(self):
        # Stock was put here under the zone and storage rules of the location as it was;
        # changing them under the stock would silently break those rules.
        if self.pk is None:
            return
        before = Location.objects.filter(pk=self.pk).values("zone", "storage_condition").first()
        if before is None:
            return
        changed = before["zone"] != self.zone or before["storage_condition"] != (
            self.storage_condition
        )
        if changed and self.balances.filter(on_hand__gt=0).exists():
            raise ValidationError(
                _(
                    "Location %(location)s holds stock: move the stock out before changing "
                    "its zone or storage condition."
                )
                % {"location": self}
            )


class Lot(TimeStampedModel):
    """One batch (and serial number, for serialised devices) of one product."""

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="lots"
    )
    batch_number = models.CharField(_("batch number"), max_length=50)
    serial_number = models.CharField(_("serial number"), max_length=50, blank=True, default="")
    production_date = models.DateField(_("production date"), null=True, blank=True)
    expiry_date = models.DateField(_("expiry date"))
    udi = models.CharField(_("UDI"), max_length=200, blank=True)
    unit_cost = models.DecimalField(
        _("unit cost (excl. tax)"),
        max_digits=14,
        decimal_places=4,
        default=0,
        help_text=_("Weighted average of the receipts of this lot; finance adds landed costs."),
    )
    is_frozen = models.BooleanField(_("stopped from sale"), default=False)
    frozen_reason = models.CharField(_("reason for stop"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        ordering = ["product_id", "expiry_date", "batch_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "batch_number", "serial_number"],
                name="lot_unique_batch_per_product",
                violation_error_message=_("This product already has a lot with this batch number."),
            ),
            models.CheckConstraint(
                condition=Q(production_date__isnull=True)
                | Q(production_date__lte=F("expiry_date")),
                name="lot_production_before_expiry",
                violation_error_message=_("The expiry date is before the production date."),
            ),
        ]
        indexes = [models.Index(fields=["expiry_date"], name="lot_expiry_idx")]

    def __str__(self) -> str:
        serial = f" SN {self.serial_number}" if self.serial_number else ""
        return f"{self.product.code} {self.batch_number}{serial}"

    def get_absolute_url(self) -> str:
        return reverse("inventory:lot_detail", args=[self.pk])

    def clean(self):
        errors = {}
        if self.production_date and self.expiry_date and self.expiry_date < self.production_date:
            errors["expiry_date"] = _(
                "The expiry date %(expiry)s is before the production date %(production)s."
            ) % {"expiry": self.expiry_date, "production": self.production_date}
        if not (self.batch_number or "").strip():
            errors["batch_number"] = _("Enter the batch number.")
        if errors:
            raise ValidationError(errors)


class StockBalance(models.Model):
    """On-hand and reserved quantity of one lot in one location."""

    lot = models.ForeignKey(
        Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="balances"
    )
    location = models.ForeignKey(
        Location, verbose_name=_("location"), on_delete=models.PROTECT, related_name="balances"
    )
    # Denormalised from the lot so stock reports filter by product without a join.
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="balances"
    )
    # Copied from the lot (whose dates never change once stock exists) so the colour-band
    # report and FEFO read one table: a join to 200,000 lots was most of their cost.
    expiry_date = models.DateField(_("expiry date"))
    on_hand = models.IntegerField(_("on hand"), default=0)
    reserved = models.IntegerField(_("reserved"), default=0)

    class Meta:
        verbose_name = _("stock balance")
        verbose_name_plural = _("stock balances")
        constraints = [
            models.UniqueConstraint(fields=["lot", "location"], name="balance_unique_lot_location"),
            models.CheckConstraint(
                condition=Q(on_hand__gte=0), name="balance_on_hand_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(reserved__gte=0) & Q(reserved__lte=F("on_hand")),
                name="balance_reserved_within_on_hand",
            ),
        ]
        indexes = [
            models.Index(fields=["product", "location"], name="balance_product_loc_idx"),
            models.Index(
                fields=["expiry_date"], condition=Q(on_hand__gt=0), name="balance_expiry_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lot} @ {self.location}: {self.on_hand}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class MoveType(models.TextChoices):
    RECEIVE = "receive", _("Receipt")
    PUTAWAY = "putaway", _("Put-away")
    TRANSFER = "transfer", _("Transfer")
    ISSUE = "issue", _("Issue (shipment)")
    SALES_RETURN = "sales_return", _("Sales return")
    PURCHASE_RETURN = "purchase_return", _("Return to supplier")
    ADJUST_IN = "adjust_in", _("Stocktake gain")
    ADJUST_OUT = "adjust_out", _("Stocktake loss")
    SCRAP = "scrap", _("Scrap")
    OPENING = "opening", _("Opening stock")


# Moves that bring stock in from outside (no source location) and take it out (no target).
INBOUND_TYPES = frozenset(
    {MoveType.RECEIVE, MoveType.SALES_RETURN, MoveType.ADJUST_IN, MoveType.OPENING}
)
OUTBOUND_TYPES = frozenset(
    {MoveType.ISSUE, MoveType.PURCHASE_RETURN, MoveType.ADJUST_OUT, MoveType.SCRAP}
)
INTERNAL_TYPES = frozenset({MoveType.PUTAWAY, MoveType.TRANSFER})


class StockMove(models.Model):
    """One immutable line of the stock ledger. Corrections are new moves, never edits.

    The source document is named by type ("purchasing.receipt"), id and number, not by a
    foreign key, so the ledger does not depend on the apps above it. A database trigger
    (migration 0002) refuses UPDATE and DELETE.
    """

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    lot = models.ForeignKey(
        Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="moves"
    )
    from_location = models.ForeignKey(
        Location,
        verbose_name=_("from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="moves_out",
    )
    to_location = models.ForeignKey(
        Location,
        verbose_name=_("to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="moves_in",
    )
    quantity = models.IntegerField(_("quantity"))
    unit_cost = models.DecimalField(_("unit cost"), max_digits=14, decimal_places=4, default=0)
    move_type = models.CharField(_("type"), max_length=20, choices=MoveType.choices)
    source_type = models.CharField(_("source document type"), max_length=40, blank=True)
    source_id = models.BigIntegerField(_("source document id"), null=True, blank=True)
    source_number = models.CharField(_("source document"), max_length=40, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    second_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("second keeper"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The second confirmation that moves of controlled products need."),
    )
    created_at = models.DateTimeField(_("time"), db_index=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=120, unique=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("stock move")
        verbose_name_plural = _("stock moves")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="move_quantity_positive"),
            models.CheckConstraint(
                condition=Q(from_location__isnull=False) | Q(to_location__isnull=False),
                name="move_has_a_location",
            ),
        ]
        indexes = [
            models.Index(fields=["lot", "created_at"], name="move_lot_time_idx"),
            models.Index(fields=["product", "created_at"], name="move_product_time_idx"),
            models.Index(fields=["source_type", "source_id"], name="move_source_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_move_type_display()} {self.lot} {self.quantity}"


class StockReservation(models.Model):
    """Stock set aside for a document line (a sales order line) in one lot and location.

    `quantity` is what is still reserved; issuing or releasing reduces it. The balance's
    `reserved` always equals the sum of the open reservations on it.
    """

    balance = models.ForeignKey(
        StockBalance, verbose_name=_("stock"), on_delete=models.PROTECT, related_name="reservations"
    )
    quantity = models.IntegerField(_("reserved quantity"))
    source_type = models.CharField(_("source document type"), max_length=40)
    source_id = models.BigIntegerField(_("source document id"))
    source_line_id = models.BigIntegerField(_("source line id"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("stock reservation")
        verbose_name_plural = _("stock reservations")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=0), name="reservation_quantity_non_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["source_type", "source_id"], name="reservation_source_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.balance} reserved {self.quantity}"


class HoldStatus(models.TextChoices):
    ACTIVE = "active", _("Stopped")
    RELEASED = "released", _("Released after re-inspection")
    NONCONFORMING = "nonconforming", _("Found nonconforming")


class LotHold(TimeStampedModel):
    """A stop-sale (停售) of one lot and how the re-inspection ended it."""

    number = models.CharField(_("number"), max_length=30, unique=True)
    lot = models.ForeignKey(
        Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="holds"
    )
    reason = models.CharField(_("reason"), max_length=300)
    status = models.CharField(
        _("status"), max_length=15, choices=HoldStatus.choices, default=HoldStatus.ACTIVE
    )
    stopped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("stopped by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("re-inspected by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("re-inspected at"), null=True, blank=True)
    conclusion = models.TextField(_("re-inspection conclusion"), blank=True)
    source_type = models.CharField(_("source document type"), max_length=40, blank=True)
    source_id = models.BigIntegerField(_("source document id"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("stop-sale")
        verbose_name_plural = _("stop-sales")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["lot"],
                condition=Q(status="active"),
                name="hold_one_active_per_lot",
                violation_error_message=_("This lot is already stopped from sale."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.lot}"

    def get_absolute_url(self) -> str:
        return reverse("inventory:lothold_detail", args=[self.pk])


class LossStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting head of quality")
    QUALITY_APPROVED = "quality_approved", _("Awaiting manager")
    APPROVED = "approved", _("Approved and scrapped")
    REJECTED = "rejected", _("Rejected")


class LossReport(TimeStampedModel):
    """不合格品报损审批表: nonconforming stock scrapped after quality and manager approval."""

    number = models.CharField(_("number"), max_length=30, unique=True)
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=LossStatus.choices, default=LossStatus.DRAFT
    )
    reason = models.TextField(_("reason (nonconformity)"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("prepared by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    quality_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("head of quality"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    quality_at = models.DateTimeField(_("quality review at"), null=True, blank=True)
    quality_opinion = models.TextField(_("quality opinion"), blank=True)
    manager_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    manager_at = models.DateTimeField(_("manager review at"), null=True, blank=True)
    manager_opinion = models.TextField(_("manager opinion"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("nonconforming loss report")
        verbose_name_plural = _("nonconforming loss reports")
        ordering = ["-created_at"]
        permissions = [
            ("review_quality_lossreport", _("Can review loss reports (quality)")),
            ("review_manager_lossreport", _("Can approve loss reports (manager)")),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("inventory:lossreport_detail", args=[self.pk])


class LossReportLine(models.Model):
    report = models.ForeignKey(
        LossReport, verbose_name=_("loss report"), on_delete=models.CASCADE, related_name="lines"
    )
    balance = models.ForeignKey(
        StockBalance, verbose_name=_("stock"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.IntegerField(_("quantity"))
    unit_cost = models.DecimalField(_("unit cost"), max_digits=14, decimal_places=4, default=0)

    class Meta:
        verbose_name = _("loss report line")
        verbose_name_plural = _("loss report lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="loss_line_quantity_positive")
        ]

    def __str__(self) -> str:
        return f"{self.balance.lot} {self.quantity}"


class StocktakeStatus(models.TextChoices):
    COUNTING = "counting", _("Counting")
    SUBMITTED = "submitted", _("Awaiting approval")
    APPROVED = "approved", _("Approved and adjusted")
    CANCELLED = "cancelled", _("Cancelled")


class Stocktake(TimeStampedModel):
    """A stocktake (盘点) of some locations: count sheets, variances, approval, adjustment."""

    number = models.CharField(_("number"), max_length=30, unique=True)
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="+"
    )
    locations = models.ManyToManyField(Location, verbose_name=_("locations"), related_name="+")
    status = models.CharField(
        _("status"),
        max_length=15,
        choices=StocktakeStatus.choices,
        default=StocktakeStatus.COUNTING,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("stocktake")
        verbose_name_plural = _("stocktakes")
        ordering = ["-created_at"]
        permissions = [("approve_stocktake", _("Can approve stocktakes"))]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("inventory:stocktake_detail", args=[self.pk])


class StocktakeLine(models.Model):
    stocktake = models.ForeignKey(
        Stocktake, verbose_name=_("stocktake"), on_delete=models.CASCADE, related_name="lines"
    )
    lot = models.ForeignKey(Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(
        Location, verbose_name=_("location"), on_delete=models.PROTECT, related_name="+"
    )
    book_qty = models.IntegerField(_("book quantity"))
    counted_qty = models.IntegerField(_("counted quantity"), null=True, blank=True)

    class Meta:
        verbose_name = _("count line")
        verbose_name_plural = _("count lines")
        ordering = ["location__code", "lot__product__code", "lot__batch_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["stocktake", "lot", "location"], name="stocktake_line_unique"
            ),
            models.CheckConstraint(
                condition=Q(counted_qty__isnull=True) | Q(counted_qty__gte=0),
                name="stocktake_counted_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.location} {self.lot}"

    @property
    def variance(self) -> int | None:
        return None if self.counted_qty is None else self.counted_qty - self.book_qty
