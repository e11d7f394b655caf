"""Company settings, the licence base shared by every counterparty, and approval flows."""

from __future__ import annotations

import datetime
import re

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .validators import validate_phone, validate_uscc


def today() -> datetime.date:
    """Today's date in the company's time zone (Asia/Shanghai), computed at call time."""
    return timezone.localdate()


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class DeviceClass(models.IntegerChoices):
    CLASS_I = 1, _("Class I")
    CLASS_II = 2, _("Class II")
    CLASS_III = 3, _("Class III")


class OrderControlMode(models.TextChoices):
    STRICT = "strict", _("Strict: receipts and deliveries follow an order")
    LENIENT = "lenient", _("Lenient: receipts and deliveries may be entered without an order")


class MaxPurchasePriceMode(models.TextChoices):
    OFF = "off", _("No maximum purchase price control")
    WARN = "warn", _("Warn when above the maximum purchase price")
    BLOCK = "block", _("Refuse prices above the maximum purchase price")


class MinPriceRule(models.TextChoices):
    BATCH_COST = "batch_cost", _("Not below the cost of the batch")
    LAST_PURCHASE_COST = "last_purchase_cost", _("Not below the last purchase cost")
    LAST_CUSTOMER_PRICE = (
        "last_customer_price",
        _("Not below the last price shipped to the customer"),
    )
    NONE = "none", _("No minimum price control")


class CompanySettings(models.Model):
    """Our own company and the switches of the controls. Exactly one row (pk=1)."""

    SINGLETON_PK = 1

    name = models.CharField(_("company name"), max_length=200, default="")
    unified_social_credit_code = models.CharField(
        _("unified social credit code"), max_length=18, blank=True, validators=[validate_uscc]
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    warehouse_address = models.CharField(_("warehouse address"), max_length=300, blank=True)
    legal_representative = models.CharField(_("legal representative"), max_length=50, blank=True)
    quality_manager_name = models.CharField(_("head of quality"), max_length=50, blank=True)
    phone = models.CharField(_("telephone"), max_length=30, blank=True, validators=[validate_phone])
    order_control_mode = models.CharField(
        _("order control mode"),
        max_length=10,
        choices=OrderControlMode.choices,
        default=OrderControlMode.STRICT,
    )
    min_price_rule = models.CharField(
        _("minimum price rule"),
        max_length=24,
        choices=MinPriceRule.choices,
        default=MinPriceRule.LAST_PURCHASE_COST,
    )
    expiry_yellow_days = models.PositiveIntegerField(
        _("near-expiry threshold (days)"),
        default=90,
        validators=[MinValueValidator(1)],
        help_text=_("Lots with at most this many days left are yellow."),
    )
    expiry_red_days = models.PositiveIntegerField(
        _("imminent-expiry threshold (days)"),
        default=30,
        validators=[MinValueValidator(1)],
        help_text=_("Lots with at most this many days left are red."),
    )
    purchase_approval_threshold = models.DecimalField(
        _("purchase approval threshold (CNY)"),
        max_digits=14,
        decimal_places=2,
        default=50000,
        validators=[MinValueValidator(0)],
        help_text=_("Purchase orders above this tax-inclusive amount need a manager's approval."),
    )
    default_min_shelf_life_days = models.PositiveIntegerField(
        _("default minimum remaining shelf life (days)"),
        default=180,
        help_text=_("Used for customers that do not set their own."),
    )
    over_receipt_tolerance_pct = models.DecimalField(
        _("over-receipt tolerance (%)"),
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("How much more than ordered a receipt may bring in, in percent of the line."),
    )
    receipt_price_tolerance_pct = models.DecimalField(
        _("receipt price tolerance (%)"),
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("How far a receipt price may differ from the order price, in percent."),
    )
    max_purchase_price_mode = models.CharField(
        _("maximum purchase price control"),
        max_length=10,
        choices=MaxPurchasePriceMode.choices,
        default=MaxPurchasePriceMode.WARN,
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("company settings")
        verbose_name_plural = _("company settings")
        permissions = [
            ("view_history", _("Can view the change history of records")),
            ("view_cost", _("Can see costs and margins")),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="company_settings_singleton"),
            models.CheckConstraint(
                condition=models.Q(expiry_red_days__lt=models.F("expiry_yellow_days")),
                name="company_settings_red_before_yellow",
                violation_error_message=_(
                    "The imminent-expiry threshold must be smaller than the near-expiry one."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(purchase_approval_threshold__gte=0),
                name="company_settings_threshold_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name or str(_("Company settings"))

    def save(self, *args, **kwargs):
        self.pk = self.SINGLETON_PK
        super().save(*args, **kwargs)

    def clean(self):
        if (
            self.expiry_red_days is not None
            and self.expiry_yellow_days is not None
            and self.expiry_red_days >= self.expiry_yellow_days
        ):
            raise ValidationError(
                {
                    "expiry_red_days": _(
                        "The imminent-expiry threshold (%(red)s days) must be smaller than the "
                        "near-expiry threshold (%(yellow)s days)."
                    )
                    % {"red": self.expiry_red_days, "yellow": self.expiry_yellow_days}
                }
            )

    @classmethod
    def load(cls) -> CompanySettings:
        obj, _created = cls.objects.get_or_create(pk=cls.SINGLETON_PK)
        return obj


class LicenceType(models.TextChoices):
    BUSINESS = "business", _("Business licence")
    INSTITUTION = "institution", _("Public institution legal person certificate")
    DEVICE_OPERATING = "device_operating", _("Medical device operating licence (Class III)")
    DEVICE_FILING = "device_filing", _("Class II medical device operating filing")
    DEVICE_PRODUCTION = "device_production", _("Medical device production licence")
    DRUG_OPERATING = "drug_operating", _("Drug operating licence")
    MEDICAL_INSTITUTION = "medical_institution", _("Medical institution practice licence")
    OTHER = "other", _("Other certificate")


# Types that prove the holder is a legal entity (一照).
BUSINESS_TYPES = frozenset({LicenceType.BUSINESS, LicenceType.INSTITUTION})
# Types that carry a device scope (classes and catalogue categories).
DEVICE_SCOPE_TYPES = frozenset(
    {LicenceType.DEVICE_OPERATING, LicenceType.DEVICE_FILING, LicenceType.DEVICE_PRODUCTION}
)
# Which device classes each scoped type may list.
ALLOWED_CLASSES = {
    LicenceType.DEVICE_OPERATING: {DeviceClass.CLASS_III},
    LicenceType.DEVICE_FILING: {DeviceClass.CLASS_II},
    LicenceType.DEVICE_PRODUCTION: {
        DeviceClass.CLASS_I,
        DeviceClass.CLASS_II,
        DeviceClass.CLASS_III,
    },
}

# Number formats. Business: the unified social credit code. Device licences follow the
# NMPA pattern "<province abbreviation>药监械经营许20190001号" and similar.
_PROVINCE = r"[\u4e00-\u9fa5]{1,8}"
NUMBER_PATTERNS = {
    LicenceType.DEVICE_OPERATING: (
        re.compile(rf"^{_PROVINCE}械经营许\d{{8}}号$"),
        _("e.g. 沪药监械经营许20190001号"),
    ),
    LicenceType.DEVICE_FILING: (
        re.compile(rf"^{_PROVINCE}械经营备\d{{8}}号$"),
        _("e.g. 沪浦药监械经营备20190001号"),
    ),
    LicenceType.DEVICE_PRODUCTION: (
        re.compile(rf"^{_PROVINCE}械生产[许备]\d{{8}}号$"),
        _("e.g. 沪药监械生产许20150001号"),
    ),
    LicenceType.DRUG_OPERATING: (
        re.compile(r"^[\u4e00-\u9fa5][A-Z]{2}\d{7}$"),
        _("e.g. 沪AA0210001"),
    ),
    LicenceType.MEDICAL_INSTITUTION: (
        re.compile(r"^[0-9A-Z]{10,40}$"),
        _("10 to 40 digits or capital letters"),
    ),
    LicenceType.INSTITUTION: (
        re.compile(r"^事证第\d{12}号$|^[0-9A-Z]{18}$"),
        _("e.g. 事证第131000001234号 or an 18-character credit code"),
    ),
}


# The licence fields a user enters, in the order of the forms and imports. The scan is a
# file: forms only, never a spreadsheet column.
LICENCE_FIELDS = (
    "licence_type",
    "number",
    "holder",
    "issuing_authority",
    "issued_on",
    "valid_until",
    "scope_classes",
    "scope_categories",
    "drug_scope",
    "scan",
    "note",
)
LICENCE_IMPORT_FIELDS = tuple(name for name in LICENCE_FIELDS if name != "scan")


class Licence(TimeStampedModel):
    """A licence or certificate held by a counterparty (abstract base, DESIGN.md 4.1).

    `valid_until` empty means long-term (长期), allowed only for business licences.
    The device scope is the classes plus the catalogue categories it covers; a category
    covers its sub-categories (codes that extend it with "-").
    """

    licence_type = models.CharField(_("licence type"), max_length=24, choices=LicenceType.choices)
    number = models.CharField(_("licence number"), max_length=64)
    holder = models.CharField(_("holder"), max_length=200)
    issuing_authority = models.CharField(_("issuing authority"), max_length=200, blank=True)
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(
        _("valid until"), null=True, blank=True, help_text=_("Leave empty for long-term.")
    )
    scope_classes = ArrayField(
        models.PositiveSmallIntegerField(choices=DeviceClass.choices),
        verbose_name=_("device classes in scope"),
        default=list,
        blank=True,
    )
    scope_categories = models.ManyToManyField(
        "catalog.Category",
        verbose_name=_("catalogue categories in scope"),
        related_name="%(app_label)s_%(class)s_licences",
        blank=True,
    )
    drug_scope = models.TextField(_("drug scope"), blank=True)
    scan = models.FileField(_("scan"), upload_to="licences/%Y/%m/", blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        abstract = True
        ordering = ["licence_type", "valid_until"]

    def __str__(self) -> str:
        return f"{self.get_licence_type_display()} {self.number}"

    def get_absolute_url(self) -> str:
        meta = self._meta
        return reverse(f"{meta.app_label}:{meta.model_name}_detail", args=[self.pk])

    def clean(self):
        errors: dict[str, list] = {}
        if self.issued_on and self.valid_until and self.valid_until < self.issued_on:
            errors.setdefault("valid_until", []).append(
                _("The expiry date %(until)s is before the issue date %(issued)s.")
                % {"until": self.valid_until, "issued": self.issued_on}
            )
        if self.issued_on and self.issued_on > today():
            errors.setdefault("issued_on", []).append(
                _("The issue date %(issued)s is in the future.") % {"issued": self.issued_on}
            )
        if self.valid_until is None and self.licence_type not in BUSINESS_TYPES:
            errors.setdefault("valid_until", []).append(
                _("Only a business licence may be long-term; enter the expiry date.")
            )
        pattern = NUMBER_PATTERNS.get(self.licence_type)
        number = (self.number or "").strip()
        if self.licence_type == LicenceType.BUSINESS and number:
            try:
                validate_uscc(number)
            except ValidationError as exc:
                errors.setdefault("number", []).extend(exc.messages)
        elif pattern and number and not pattern[0].match(number):
            errors.setdefault("number", []).append(
                _("%(number)s is not a valid number for a %(type)s (%(hint)s).")
                % {"number": number, "type": self.get_licence_type_display(), "hint": pattern[1]}
            )
        classes = set(self.scope_classes or [])
        allowed = ALLOWED_CLASSES.get(self.licence_type)
        if classes and allowed is None:
            errors.setdefault("scope_classes", []).append(
                _("A %(type)s carries no device classes.")
                % {"type": self.get_licence_type_display()}
            )
        elif allowed is not None and not classes <= allowed:
            errors.setdefault("scope_classes", []).append(
                _("A %(type)s can only cover %(allowed)s.")
                % {
                    "type": self.get_licence_type_display(),
                    "allowed": ", ".join(str(DeviceClass(c).label) for c in sorted(allowed)),
                }
            )
        if errors:
            raise ValidationError(errors)

    def is_valid_on(self, on_date: datetime.date) -> bool:
        return self.issued_on <= on_date and (
            self.valid_until is None or on_date <= self.valid_until
        )

    def days_left(self, on_date: datetime.date | None = None) -> int | None:
        if self.valid_until is None:
            return None
        return (self.valid_until - (on_date or today())).days

    @property
    def status(self) -> str:
        """ "expired", "expiring" (within 30 days) or "valid", as of today."""
        left = self.days_left()
        if left is None:
            return "valid"
        if left < 0:
            return "expired"
        return "expiring" if left <= 30 else "valid"

    def covers_category(self, category_code: str) -> bool:
        """True when one of the scope categories is the code or an ancestor of it."""
        for scope in self.scope_categories.all():
            if category_code == scope.code or category_code.startswith(scope.code + "-"):
                return True
        return False


class CompanyLicence(Licence):
    """Our own company's licences (一证一照 of the distributor itself)."""

    history = HistoricalRecords(m2m_fields=["scope_categories"])

    class Meta(Licence.Meta):
        verbose_name = _("company licence")
        verbose_name_plural = _("company licences")


class ApprovalStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting head of quality")
    QUALITY_APPROVED = "quality_approved", _("Awaiting manager")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class FirstTimeApproval(TimeStampedModel):
    """首营审批: purchaser submits, head of quality reviews, manager approves.

    Concrete subclasses add the subject (a product or a supplier) and the custom
    permissions `review_quality` and `review_manager`. Every step is kept in history.
    """

    status = models.CharField(
        _("status"), max_length=20, choices=ApprovalStatus.choices, default=ApprovalStatus.DRAFT
    )
    application_note = models.TextField(_("application note"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    quality_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by (quality)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    quality_at = models.DateTimeField(_("quality review at"), null=True, blank=True)
    quality_opinion = models.TextField(_("quality opinion"), blank=True)
    manager_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by (manager)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    manager_at = models.DateTimeField(_("manager review at"), null=True, blank=True)
    manager_opinion = models.TextField(_("manager opinion"), blank=True)

    class Meta:
        abstract = True

    @property
    def is_approved(self) -> bool:
        return self.status == ApprovalStatus.APPROVED


class DocumentSequence(models.Model):
    """The last document number issued per prefix and day (see `core.numbering`)."""

    prefix = models.CharField(max_length=10)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "day"], name="document_sequence_unique_day")
        ]

    def __str__(self) -> str:
        return f"{self.prefix} {self.day} {self.last}"
