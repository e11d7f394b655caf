"""Pricing (DESIGN.md 8): national wholesale price history, price-change notices (变价通知单)
and the cross discount matrix (交叉扣率).

The national price in force on a date is the non-voided `NationalPrice` row with the latest
`effective_from` on or before it (see selectors.py). Rows are never deleted: a cancelled
notice voids the rows it wrote, and a row replaced on the same day is voided, so the
history of at least a year (in fact, all of it) stays readable.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.catalog.models import Category, Product
from apps.core.models import TimeStampedModel
from apps.customers.models import Customer, CustomerClass

MONEY = {"max_digits": 12, "decimal_places": 2}
CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def change_pct(old: Decimal | None, new: Decimal | None) -> Decimal | None:
    """The change from `old` to `new` in percent (2 decimals); None when not computable."""
    if old is None or new is None or old == 0:
        return None
    return ((new - old) * HUNDRED / old).quantize(CENT, rounding=ROUND_HALF_UP)


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    EXECUTED = "executed", _("Executed")
    CANCELLED = "cancelled", _("Cancelled")


class PriceChangeNotice(TimeStampedModel):
    """变价通知单: the new purchase, national wholesale and retail prices of some products
    from one effective date, following an execution document (执行文件号)."""

    number = models.CharField(_("notice number"), max_length=30, unique=True)
    document_ref = models.CharField(
        _("execution document number"),
        max_length=60,
        help_text=_("The number of the document that orders the change (执行文件号)."),
    )
    effective_date = models.DateField(_("effective date"))
    reason = models.TextField(_("reason"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("prepared by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    executed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("executed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    executed_at = models.DateTimeField(_("executed at"), null=True, blank=True)
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
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("price-change notice")
        verbose_name_plural = _("price-change notices")
        ordering = ["-effective_date", "-number"]
        permissions = [
            ("execute_pricechangenotice", _("Can execute price-change notices")),
            ("cancel_pricechangenotice", _("Can cancel executed price-change notices")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="executed")
                | Q(executed_by__isnull=False, executed_at__isnull=False),
                name="pricing_notice_executed_has_executor",
                violation_error_message=_("An executed notice records who executed it and when."),
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | Q(cancelled_at__isnull=False),
                name="pricing_notice_cancelled_has_time",
                violation_error_message=_("A cancelled notice records when it was cancelled."),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("pricing:pricechangenotice_detail", args=[self.pk])

    @property
    def is_draft(self) -> bool:
        return self.status == NoticeStatus.DRAFT


class PriceChangeLine(models.Model):
    """One product of a notice. An empty new price leaves that price unchanged.

    The old prices are the product's when the line was saved; executing refuses a line
    whose product has changed since, so that cancelling can restore exactly these values.
    """

    notice = models.ForeignKey(
        PriceChangeNotice,
        verbose_name=_("price-change notice"),
        on_delete=models.CASCADE,
        related_name="lines",
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    old_purchase_price = models.DecimalField(
        _("old purchase price"), null=True, blank=True, **MONEY
    )
    new_purchase_price = models.DecimalField(
        _("new purchase price"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        **MONEY,
    )
    old_wholesale_price = models.DecimalField(
        _("old national wholesale price"), null=True, blank=True, **MONEY
    )
    new_wholesale_price = models.DecimalField(
        _("new national wholesale price"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        **MONEY,
    )
    old_retail_price = models.DecimalField(_("old retail price"), null=True, blank=True, **MONEY)
    new_retail_price = models.DecimalField(
        _("new retail price"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        **MONEY,
    )
    history = HistoricalRecords()

    # (field suffix, Product field) of the three prices a notice changes.
    PRICES = (
        ("purchase_price", "purchase_price"),
        ("wholesale_price", "national_wholesale_price"),
        ("retail_price", "retail_price"),
    )

    class Meta:
        verbose_name = _("price-change line")
        verbose_name_plural = _("price-change lines")
        ordering = ["notice", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "product"],
                name="pricing_line_unique_product",
                violation_error_message=_("The product is already on this notice."),
            ),
            models.CheckConstraint(
                condition=Q(new_purchase_price__isnull=False)
                | Q(new_wholesale_price__isnull=False)
                | Q(new_retail_price__isnull=False),
                name="pricing_line_changes_something",
                violation_error_message=_("Enter at least one new price."),
            ),
            models.CheckConstraint(
                condition=(Q(new_purchase_price__isnull=True) | Q(new_purchase_price__gte=0))
                & (Q(new_wholesale_price__isnull=True) | Q(new_wholesale_price__gte=0))
                & (Q(new_retail_price__isnull=True) | Q(new_retail_price__gte=0)),
                name="pricing_line_prices_non_negative",
                violation_error_message=_("Prices cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.notice} {self.product}"

    def changes(self) -> list[tuple[str, Decimal | None, Decimal]]:
        """(Product field, old, new) of each price this line sets."""
        result = []
        for suffix, product_field in self.PRICES:
            new = getattr(self, f"new_{suffix}")
            if new is not None:
                result.append((product_field, getattr(self, f"old_{suffix}"), new))
        return result

    def capture_old_prices(self, product: Product) -> None:
        for suffix, product_field in self.PRICES:
            setattr(self, f"old_{suffix}", getattr(product, product_field))

    @property
    def purchase_change_pct(self) -> Decimal | None:
        return change_pct(self.old_purchase_price, self.new_purchase_price)

    @property
    def wholesale_change_pct(self) -> Decimal | None:
        return change_pct(self.old_wholesale_price, self.new_wholesale_price)

    @property
    def retail_change_pct(self) -> Decimal | None:
        return change_pct(self.old_retail_price, self.new_retail_price)


class NationalPrice(models.Model):
    """One national wholesale price of a product, in force from `effective_from` until the
    next non-voided row. Written by executed notices and by direct edits of the product."""

    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        related_name="national_prices",
    )
    price = models.DecimalField(
        _("national wholesale price (incl. tax)"), validators=[MinValueValidator(0)], **MONEY
    )
    effective_from = models.DateField(_("effective from"))
    notice = models.ForeignKey(
        PriceChangeNotice,
        verbose_name=_("price-change notice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="national_prices",
        help_text=_("Empty: the price was entered on the product itself."),
    )
    voided = models.BooleanField(_("voided"), default=False)
    # The notice whose price replaced this row on the same day; cancelling it revives the row.
    superseded_by = models.ForeignKey(
        PriceChangeNotice,
        verbose_name=_("replaced by notice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_prices",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("national wholesale price")
        verbose_name_plural = _("national wholesale prices")
        ordering = ["product", "-effective_from", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "effective_from"],
                condition=Q(voided=False),
                name="pricing_one_national_price_per_day",
                violation_error_message=_(
                    "This product already has a national price from this date."
                ),
            ),
            models.CheckConstraint(
                condition=Q(price__gte=0),
                name="pricing_national_price_non_negative",
                violation_error_message=_("Prices cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.price} ({self.effective_from:%Y-%m-%d})"

    def get_absolute_url(self) -> str:
        return reverse("pricing:nationalprice_detail", args=[self.pk])


class DiscountLevel(models.TextChoices):
    """The precedence of DESIGN.md 8, strongest first."""

    CUSTOMER_PRODUCT = "customer_product", _("Customer × product")
    CUSTOMER_CATEGORY = "customer_category", _("Customer × category")
    CLASS_PRODUCT = "class_product", _("Customer class × product")
    CLASS_CATEGORY = "class_category", _("Customer class × category")
    NONE = "none", _("No discount")


class CrossDiscount(TimeStampedModel):
    """交叉扣率: sell at `rate_pct` % of the national price, for a customer or a customer
    class, on a product or a product category (and its sub-categories)."""

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cross_discounts",
    )
    customer_class = models.ForeignKey(
        CustomerClass,
        verbose_name=_("customer class"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cross_discounts",
    )
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cross_discounts",
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("product category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cross_discounts",
    )
    rate_pct = models.DecimalField(
        _("rate (percent of the national price)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(HUNDRED)],
        help_text=_("95 means: sell at 95 percent of the national wholesale price."),
    )
    floor_price = models.DecimalField(
        _("floor price (incl. tax)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("An explicit minimum sale price; wins over the product's own floor."),
        **MONEY,
    )
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("cross discount")
        verbose_name_plural = _("cross discounts")
        ordering = ["customer_class", "customer", "category", "product", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(customer__isnull=False, customer_class__isnull=True)
                | Q(customer__isnull=True, customer_class__isnull=False),
                name="pricing_discount_one_customer_side",
                violation_error_message=_("Choose either a customer or a customer class."),
            ),
            models.CheckConstraint(
                condition=Q(product__isnull=False, category__isnull=True)
                | Q(product__isnull=True, category__isnull=False),
                name="pricing_discount_one_product_side",
                violation_error_message=_("Choose either a product or a product category."),
            ),
            models.CheckConstraint(
                condition=Q(rate_pct__gt=0, rate_pct__lte=100),
                name="pricing_discount_rate_range",
                violation_error_message=_(
                    "The rate must be above 0 and at most 100 percent of the national price."
                ),
            ),
            models.CheckConstraint(
                condition=Q(floor_price__isnull=True) | Q(floor_price__gte=0),
                name="pricing_discount_floor_non_negative",
                violation_error_message=_("The floor price cannot be negative."),
            ),
            *(
                models.UniqueConstraint(
                    fields=[who, what],
                    condition=Q(**{f"{who}__isnull": False, f"{what}__isnull": False}),
                    name=f"pricing_discount_unique_{who}_{what}",
                    violation_error_message=_(
                        "A discount for this combination already exists; edit that row "
                        "(reactivate it if it is inactive)."
                    ),
                )
                for who in ("customer", "customer_class")
                for what in ("product", "category")
            ),
        ]

    def __str__(self) -> str:
        who = self.customer or self.customer_class
        what = self.product or self.category
        return f"{who} × {what}: {self.rate_pct} %"

    def get_absolute_url(self) -> str:
        return reverse("pricing:crossdiscount_detail", args=[self.pk])

    @property
    def level(self) -> str:
        if self.customer_id:
            return (
                DiscountLevel.CUSTOMER_PRODUCT
                if self.product_id
                else DiscountLevel.CUSTOMER_CATEGORY
            )
        return DiscountLevel.CLASS_PRODUCT if self.product_id else DiscountLevel.CLASS_CATEGORY

    def get_level_display(self) -> str:
        return DiscountLevel(self.level).label

    def clean(self):
        errors: dict[str, list] = {}
        if bool(self.customer_id) == bool(self.customer_class_id):
            message = (
                gettext("Choose a customer or a customer class, not both.")
                if self.customer_id
                else gettext("Choose a customer or a customer class.")
            )
            errors.setdefault("customer", []).append(message)
        if bool(self.product_id) == bool(self.category_id):
            message = (
                gettext("Choose a product or a product category, not both.")
                if self.product_id
                else gettext("Choose a product or a product category.")
            )
            errors.setdefault("product", []).append(message)
        if self.rate_pct is not None and not (0 < self.rate_pct <= HUNDRED):
            errors.setdefault("rate_pct", []).append(
                gettext(
                    "The rate %(rate)s %% is not allowed: it must be above 0 and at most 100 "
                    "(100 = the national price, no discount)."
                )
                % {"rate": self.rate_pct}
            )
        if self.floor_price is not None and self.floor_price < 0:
            errors.setdefault("floor_price", []).append(
                gettext("The floor price cannot be negative.")
            )
        if errors:
            raise ValidationError(errors)
