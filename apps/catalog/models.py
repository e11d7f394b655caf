"""Products and their regulatory master data: categories, manufacturers, first-time files."""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.core.licences import Blocker, fmt
from apps.core.models import DeviceClass, FirstTimeApproval, Licence, TimeStampedModel
from apps.core.text import pinyin_initials
from apps.core.validators import validate_gtin, validate_phone

CATEGORY_CODE_RE = re.compile(r"^(68\d{2}|\d{2})(-\d{2}){0,2}$")
# 注册证/备案凭证 numbers: 国械注准20153150123, 沪械注准20192140012, 国械注进20173461234,
# 国械注许…, and Class I filings such as 沪浦械备20190012号.
REGISTRATION_RE = re.compile(r"^[\u4e00-\u9fa5]{1,4}械(注[准进许]\d{11}|备\d{8}号?)$")


class ProductKind(models.TextChoices):
    DEVICE = "device", _("Medical device")
    DRUG = "drug", _("Drug")
    OTHER = "other", _("Other")


class StorageCondition(models.TextChoices):
    AMBIENT = "ambient", _("Ambient (0-30 °C)")
    COOL = "cool", _("Cool (at most 20 °C)")
    COLD = "cold", _("Cold chain (2-8 °C)")


class MaxQtyPeriod(models.TextChoices):
    ORDER = "order", _("Per order")
    MONTH = "month", _("Per month")
    QUARTER = "quarter", _("Per quarter")
    YEAR = "year", _("Per year")


class Category(TimeStampedModel):
    """A category of the medical device classification catalogue (68-catalogue codes).

    Sub-categories extend the parent's code with "-NN" (6815 → 6815-01), which lets a
    licence scope on 6815 cover everything below it.
    """

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=ProductKind.choices, default=ProductKind.DEVICE
    )
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("product category")
        verbose_name_plural = _("product categories")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self):
        code = (self.code or "").strip()
        if code and not CATEGORY_CODE_RE.match(code):
            raise ValidationError(
                {"code": _("A catalogue code looks like 6815, 6815-01 or 14-01-02.")}
            )
        if self.parent_id and code and not code.startswith(self.parent.code + "-"):
            raise ValidationError(
                {
                    "code": _("A sub-category code must start with its parent's code %(p)s-.")
                    % {"p": self.parent.code}
                }
            )


class Manufacturer(TimeStampedModel):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200, unique=True)
    mnemonic = models.CharField(_("mnemonic"), max_length=100, blank=True, db_index=True)
    country = models.CharField(_("country or region"), max_length=50, default="中国")
    address = models.CharField(_("address"), max_length=300, blank=True)
    contact_person = models.CharField(_("contact person"), max_length=50, blank=True)
    phone = models.CharField(_("telephone"), max_length=30, blank=True, validators=[validate_phone])
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("manufacturer")
        verbose_name_plural = _("manufacturers")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.mnemonic = pinyin_initials(self.name)
        super().save(*args, **kwargs)


class ManufacturerLicence(Licence):
    manufacturer = models.ForeignKey(
        Manufacturer,
        verbose_name=_("manufacturer"),
        on_delete=models.PROTECT,
        related_name="licences",
    )
    history = HistoricalRecords(m2m_fields=["scope_categories"])

    class Meta(Licence.Meta):
        verbose_name = _("manufacturer licence")
        verbose_name_plural = _("manufacturer licences")
        constraints = [
            models.UniqueConstraint(
                fields=["licence_type", "number"],
                name="manufacturer_licence_unique_number",
                violation_error_message=_("A licence of this type and number already exists."),
            )
        ]


class StorageGroup(TimeStampedModel):
    """A storage group (药性/储存类别): groups declared incompatible may not share a location.

    Incompatibility is symmetric: declaring A incompatible with B also makes B
    incompatible with A.
    """

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    incompatible_with = models.ManyToManyField(
        "self",
        verbose_name=_("incompatible with"),
        symmetrical=True,
        blank=True,
        help_text=_("Products of these groups may not be stored in the same location."),
    )
    history = HistoricalRecords(m2m_fields=["incompatible_with"])

    class Meta:
        verbose_name = _("storage group")
        verbose_name_plural = _("storage groups")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Product(TimeStampedModel):
    """商品档案: one product (a device model/specification, or a drug) with its controls."""

    code = models.CharField(_("product code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    generic_name = models.CharField(_("generic name"), max_length=200, blank=True)
    mnemonic = models.CharField(_("mnemonic"), max_length=200, blank=True, db_index=True)
    spec = models.CharField(_("specification / model"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=10, choices=ProductKind.choices, default=ProductKind.DEVICE
    )
    unit = models.CharField(_("unit"), max_length=10)
    aux_unit = models.CharField(_("auxiliary unit"), max_length=10, blank=True)
    aux_conversion = models.PositiveIntegerField(
        _("units per auxiliary unit"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
    )
    registration_number = models.CharField(
        _("registration certificate / filing number"), max_length=60
    )
    registration_valid_until = models.DateField(
        _("registration valid until"),
        null=True,
        blank=True,
        help_text=_("Class I filings do not expire; leave empty."),
    )
    device_class = models.PositiveSmallIntegerField(
        _("device class"), choices=DeviceClass.choices, null=True, blank=True
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="products"
    )
    manufacturer = models.ForeignKey(
        Manufacturer,
        verbose_name=_("manufacturer"),
        on_delete=models.PROTECT,
        related_name="products",
    )
    origin = models.CharField(_("place of origin"), max_length=100, blank=True)
    storage_condition = models.CharField(
        _("storage condition"),
        max_length=10,
        choices=StorageCondition.choices,
        default=StorageCondition.AMBIENT,
    )
    shelf_life_months = models.PositiveIntegerField(
        _("shelf life (months)"), validators=[MinValueValidator(1)]
    )
    barcode = models.CharField(
        _("barcode (GTIN)"), max_length=14, blank=True, validators=[validate_gtin]
    )
    udi_di = models.CharField(_("UDI-DI"), max_length=50, blank=True)
    national_wholesale_price = models.DecimalField(
        _("national wholesale price (incl. tax)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    retail_price = models.DecimalField(
        _("retail price (incl. tax)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    purchase_price = models.DecimalField(
        _("reference purchase price (incl. tax)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Changed by price-change notices (变价通知单)."),
    )
    min_sale_price = models.DecimalField(
        _("minimum sale price (incl. tax)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_(
            "An explicit floor: sales below it are refused. It wins over the company's "
            "minimum price rule; a cross discount row's own floor wins over it."
        ),
    )
    tax_rate = models.DecimalField(
        _("VAT rate (%)"),
        max_digits=5,
        decimal_places=2,
        default=13,
        validators=[MinValueValidator(0)],
    )
    is_controlled = models.BooleanField(_("specially controlled"), default=False)
    is_serialised = models.BooleanField(_("tracked by serial number"), default=False)
    is_implantable = models.BooleanField(_("implantable"), default=False)
    max_qty = models.PositiveIntegerField(
        _("maximum quantity per customer"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    max_qty_period = models.CharField(
        _("maximum quantity period"), max_length=10, choices=MaxQtyPeriod.choices, blank=True
    )
    max_purchase_price = models.DecimalField(
        _("maximum purchase price (incl. tax)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Purchase orders above this price warn or are refused (company setting)."),
    )
    storage_group = models.ForeignKey(
        StorageGroup,
        verbose_name=_("storage group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="products",
    )
    min_stock = models.PositiveIntegerField(_("minimum stock"), null=True, blank=True)
    max_stock = models.PositiveIntegerField(_("maximum stock"), null=True, blank=True)
    is_stopped = models.BooleanField(_("sale stopped"), default=False)
    stop_reason = models.CharField(_("reason for stop"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(national_wholesale_price__gte=0) & Q(retail_price__gte=0)
                | Q(national_wholesale_price__gte=0, retail_price__isnull=True),
                name="product_prices_non_negative",
                violation_error_message=_("Prices cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(purchase_price__isnull=True) | Q(purchase_price__gte=0),
                name="product_purchase_price_non_negative",
                violation_error_message=_("The reference purchase price cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(min_sale_price__isnull=True) | Q(min_sale_price__gte=0),
                name="product_min_sale_price_non_negative",
                violation_error_message=_("The minimum sale price cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(tax_rate__gte=0, tax_rate__lt=100),
                name="product_tax_rate_range",
                violation_error_message=_("The VAT rate must be between 0 and 100 %."),
            ),
            models.CheckConstraint(
                condition=Q(max_qty__isnull=True, max_qty_period="")
                | Q(max_qty__isnull=False) & ~Q(max_qty_period=""),
                name="product_max_qty_with_period",
                violation_error_message=_(
                    "A maximum quantity needs a period, and a period needs a maximum quantity."
                ),
            ),
            models.CheckConstraint(
                condition=Q(min_stock__isnull=True)
                | Q(max_stock__isnull=True)
                | Q(min_stock__lte=models.F("max_stock")),
                name="product_min_stock_le_max",
                violation_error_message=_(
                    "The minimum stock cannot be larger than the maximum stock."
                ),
            ),
            models.CheckConstraint(
                condition=Q(kind="device", device_class__isnull=False) | ~Q(kind="device"),
                name="product_device_has_class",
                violation_error_message=_("A medical device needs its class (I, II or III)."),
            ),
            models.UniqueConstraint(
                fields=["barcode"],
                condition=~Q(barcode=""),
                name="product_unique_barcode",
                violation_error_message=_("Another product already has this barcode."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.spec}"

    @property
    def is_drug(self) -> bool:
        return self.kind == ProductKind.DRUG

    @property
    def is_cold_chain(self) -> bool:
        return self.storage_condition == StorageCondition.COLD

    def clean(self):
        errors: dict[str, list] = {}
        number = (self.registration_number or "").strip()
        if self.kind == ProductKind.DEVICE and number and not REGISTRATION_RE.match(number):
            errors.setdefault("registration_number", []).append(
                _(
                    "%(number)s is not a registration certificate or filing number "
                    "(e.g. 国械注准20153150123, 沪械注准20192140012, 沪浦械备20190012号)."
                )
                % {"number": number}
            )
        if (
            self.kind == ProductKind.DEVICE
            and self.device_class
            and self.device_class != DeviceClass.CLASS_I
            and self.registration_valid_until is None
        ):
            errors.setdefault("registration_valid_until", []).append(
                _("A Class II or III registration certificate has an expiry date.")
            )
        if self.kind != ProductKind.DEVICE and self.device_class:
            errors.setdefault("device_class", []).append(
                _("Only medical devices have a device class.")
            )
        if self.aux_unit and not self.aux_conversion:
            errors.setdefault("aux_conversion", []).append(
                _("Enter how many units make one %(unit)s.") % {"unit": self.aux_unit}
            )
        if (self.max_qty is None) != (not self.max_qty_period):
            errors.setdefault("max_qty_period", []).append(
                _("A maximum quantity needs a period, and a period needs a maximum quantity.")
            )
        if (
            self.min_stock is not None
            and self.max_stock is not None
            and self.min_stock > self.max_stock
        ):
            errors.setdefault("max_stock", []).append(
                _("The maximum stock %(max)s is below the minimum stock %(min)s.")
                % {"max": self.max_stock, "min": self.min_stock}
            )
        if (
            self.min_sale_price is not None
            and self.national_wholesale_price is not None
            and self.min_sale_price > self.national_wholesale_price
        ):
            errors.setdefault("min_sale_price", []).append(
                _(
                    "The minimum sale price %(floor)s is above the national wholesale price "
                    "%(ceiling)s: the product could not be sold at any price."
                )
                % {"floor": self.min_sale_price, "ceiling": self.national_wholesale_price}
            )
        if self.is_stopped and not self.stop_reason:
            errors.setdefault("stop_reason", []).append(_("Give the reason for stopping sales."))
        if self.pk is not None:
            previous = (
                Product.objects.filter(pk=self.pk)
                .values_list("storage_group_id", flat=True)
                .first()
            )
            if previous != self.storage_group_id:
                from .signals import storage_group_changing

                for _receiver, messages in storage_group_changing.send(
                    sender=Product, product=self, group=self.storage_group
                ):
                    if messages:
                        errors.setdefault("storage_group", []).extend(messages)
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.mnemonic = pinyin_initials(self.name)
        super().save(*args, **kwargs)

    def first_approval_status(self) -> str | None:
        approval = getattr(self, "first_approval", None)
        return approval.status if approval else None

    def trade_blockers(self, on_date: datetime.date) -> list[Blocker]:
        """Product-side rules of DESIGN.md 4.1: registration, first-time file, not stopped."""
        blockers: list[Blocker] = []
        if self.is_stopped:
            blockers.append(
                Blocker(
                    "product_stopped",
                    gettext("%(product)s is stopped from sale: %(reason)s")
                    % {"product": self, "reason": self.stop_reason},
                )
            )
        if self.kind == ProductKind.DEVICE and (
            self.registration_valid_until is not None and self.registration_valid_until < on_date
        ):
            blockers.append(
                Blocker(
                    "registration_expired",
                    gettext(
                        "%(product)s: registration certificate %(number)s expired on %(until)s."
                    )
                    % {
                        "product": self,
                        "number": self.registration_number,
                        "until": fmt(self.registration_valid_until),
                    },
                )
            )
        approval = getattr(self, "first_approval", None)
        if approval is None or not approval.is_approved:
            blockers.append(
                Blocker(
                    "product_not_approved",
                    gettext("%(product)s has no approved first-time product file (首营品种审批).")
                    % {"product": self},
                )
            )
        return blockers


class ProductFirstApproval(FirstTimeApproval):
    """首营品种审批 for one product."""

    product = models.OneToOneField(
        Product,
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        related_name="first_approval",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("first-time product approval")
        verbose_name_plural = _("first-time product approvals")
        permissions = [
            ("review_quality_productfirstapproval", _("Can review first-time products (quality)")),
            ("review_manager_productfirstapproval", _("Can approve first-time products (manager)")),
        ]

    def __str__(self) -> str:
        return gettext("First-time approval of %(product)s") % {"product": self.product}
