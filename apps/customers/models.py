"""Customers (hospitals, distributors, pharmacies), their classes, licences and credit."""

from __future__ import annotations

import datetime

from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.core.licences import Blocker, business_licence_blockers, operating_scope_blockers
from apps.core.models import Licence, LicenceType, TimeStampedModel
from apps.core.text import pinyin_initials
from apps.core.validators import validate_phone, validate_uscc


class CustomerType(models.TextChoices):
    HOSPITAL = "hospital", _("Hospital")
    DISTRIBUTOR = "distributor", _("Distributor")
    PHARMACY = "pharmacy", _("Pharmacy")
    BRANCH = "branch", _("Own branch (internal transfers)")
    OTHER = "other", _("Other")


class CustomerClass(TimeStampedModel):
    """A group of customers sharing discounts (used by the cross discount matrix)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("customer class")
        verbose_name_plural = _("customer classes")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:customerclass_detail", args=[self.pk])


class Customer(TimeStampedModel):
    code = models.CharField(_("customer code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200, unique=True)
    mnemonic = models.CharField(_("mnemonic"), max_length=100, blank=True, db_index=True)
    customer_type = models.CharField(
        _("customer type"), max_length=12, choices=CustomerType.choices
    )
    customer_class = models.ForeignKey(
        CustomerClass,
        verbose_name=_("customer class"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customers",
    )
    unified_social_credit_code = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_uscc]
    )
    address = models.CharField(_("address"), max_length=300)
    delivery_address = models.CharField(_("delivery address"), max_length=300, blank=True)
    contact_person = models.CharField(_("contact person"), max_length=50)
    phone = models.CharField(_("telephone"), max_length=30, validators=[validate_phone])
    email = models.EmailField(_("email"), blank=True)
    credit_limit = models.DecimalField(
        _("credit limit (CNY)"),
        max_digits=14,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    payment_terms_days = models.PositiveIntegerField(_("payment terms (days)"), default=30)
    min_shelf_life_days = models.PositiveIntegerField(
        _("minimum remaining shelf life (days)"),
        null=True,
        blank=True,
        help_text=_("Empty: the company default applies."),
    )
    receivables = models.DecimalField(
        _("outstanding receivables (CNY)"),
        max_digits=14,
        decimal_places=2,
        default=0,
        editable=False,
        help_text=_("Kept by finance."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["code"]
        permissions = [("change_credit_customer", _("Can change credit limits"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(credit_limit__gte=0),
                name="customer_credit_limit_non_negative",
                violation_error_message=_("The credit limit cannot be negative."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:customer_detail", args=[self.pk])

    def save(self, *args, **kwargs):
        self.mnemonic = pinyin_initials(self.name)
        self.unified_social_credit_code = (self.unified_social_credit_code or "").strip().upper()
        super().save(*args, **kwargs)

    def standing_blockers(self, on_date: datetime.date) -> list[Blocker]:
        return business_licence_blockers(
            list(self.licences.all()), holder=self.name, on_date=on_date
        )

    def trade_blockers(self, product, on_date: datetime.date) -> list[Blocker]:
        licences = list(self.licences.all())
        return self.standing_blockers(on_date) + operating_scope_blockers(
            licences,
            holder=self.name,
            product=product,
            on_date=on_date,
            covers_everything_types=[LicenceType.MEDICAL_INSTITUTION],
        )


class CustomerLicence(Licence):
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="licences"
    )
    history = HistoricalRecords(m2m_fields=["scope_categories"])

    class Meta(Licence.Meta):
        verbose_name = _("customer licence")
        verbose_name_plural = _("customer licences")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "licence_type", "number"],
                name="customer_licence_unique_number",
                violation_error_message=_("This customer already has this licence."),
            )
        ]

    def get_absolute_url(self) -> str:
        return reverse("customers:customerlicence_detail", args=[self.pk])
