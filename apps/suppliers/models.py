"""Suppliers, their licences, their sales representatives and the first-time file."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.core.licences import (
    Blocker,
    business_licence_blockers,
    fmt,
    operating_scope_blockers,
)
from apps.core.models import (
    BUSINESS_TYPES,
    FirstTimeApproval,
    Licence,
    LicenceType,
    TimeStampedModel,
    today,
)
from apps.core.text import pinyin_initials
from apps.core.validators import validate_id_number, validate_phone, validate_uscc


class Supplier(TimeStampedModel):
    code = models.CharField(_("supplier code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200, unique=True)
    mnemonic = models.CharField(_("mnemonic"), max_length=100, blank=True, db_index=True)
    unified_social_credit_code = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_uscc]
    )
    legal_representative = models.CharField(_("legal representative"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=300)
    warehouse_address = models.CharField(_("warehouse address"), max_length=300, blank=True)
    contact_person = models.CharField(_("contact person"), max_length=50)
    phone = models.CharField(_("telephone"), max_length=30, validators=[validate_phone])
    email = models.EmailField(_("email"), blank=True)
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=40, blank=True)
    business_scope = models.TextField(_("business scope"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("suppliers:supplier_detail", args=[self.pk])

    def save(self, *args, **kwargs):
        self.mnemonic = pinyin_initials(self.name)
        self.unified_social_credit_code = (self.unified_social_credit_code or "").strip().upper()
        super().save(*args, **kwargs)

    def standing_blockers(self, on_date: datetime.date) -> list[Blocker]:
        """Rules that do not depend on the product: business licence, first-time file, rep."""
        licences = list(self.licences.all())
        blockers = business_licence_blockers(licences, holder=self.name, on_date=on_date)
        approval = getattr(self, "first_approval", None)
        if approval is None or not approval.is_approved:
            blockers.append(
                Blocker(
                    "supplier_not_approved",
                    gettext("%(supplier)s has no approved first-time supplier file (首营企业审批).")
                    % {"supplier": self.name},
                )
            )
        reps = list(self.sales_reps.all())
        if not any(rep.is_valid_on(on_date) for rep in reps):
            upcoming = [rep for rep in reps if rep.valid_from > on_date]
            if upcoming:
                first = min(upcoming, key=lambda rep: rep.valid_from)
                message = gettext(
                    "%(supplier)s: the authorisation of sales representative %(rep)s "
                    "only starts on %(start)s."
                ) % {"supplier": self.name, "rep": first.rep_name, "start": fmt(first.valid_from)}
            elif reps:
                newest = max(reps, key=lambda rep: rep.valid_until)
                message = gettext(
                    "%(supplier)s: the authorisation of sales representative %(rep)s "
                    "expired on %(until)s."
                ) % {
                    "supplier": self.name,
                    "rep": newest.rep_name,
                    "until": fmt(newest.valid_until),
                }
            else:
                message = gettext(
                    "%(supplier)s has no valid sales representative authorisation (法人授权委托书)."
                ) % {"supplier": self.name}
            blockers.append(Blocker("sales_rep_missing", message))
        return blockers

    def trade_blockers(self, product, on_date: datetime.date) -> list[Blocker]:
        licences = list(self.licences.all())
        return self.standing_blockers(on_date) + operating_scope_blockers(
            licences, holder=self.name, product=product, on_date=on_date
        )

    def expired_licences(self, on_date: datetime.date) -> list[SupplierLicence]:
        """Licences expired on the date and not replaced by a valid licence of the same type.

        Works on the prefetched `licences`, so lists can call it per row without queries.
        """
        licences = list(self.licences.all())
        valid_types = {lic.licence_type for lic in licences if lic.is_valid_on(on_date)}
        return [
            lic
            for lic in licences
            if lic.valid_until is not None
            and lic.valid_until < on_date
            and lic.licence_type not in valid_types
        ]


class SupplierLicence(Licence):
    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="licences"
    )
    history = HistoricalRecords(m2m_fields=["scope_categories"])

    class Meta(Licence.Meta):
        verbose_name = _("supplier licence")
        verbose_name_plural = _("supplier licences")
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "licence_type", "number"],
                name="supplier_licence_unique_number",
                violation_error_message=_("This supplier already has this licence."),
            )
        ]

    def get_absolute_url(self) -> str:
        return reverse("suppliers:supplierlicence_detail", args=[self.pk])

    def clean(self):
        super().clean()
        if self.licence_type == LicenceType.MEDICAL_INSTITUTION:
            raise ValidationError(
                {"licence_type": _("A supplier cannot hold a medical institution licence.")}
            )
        # getattr: an admin inline may validate a licence before its supplier exists.
        supplier = getattr(self, "supplier", None)
        number = (self.number or "").strip().upper()
        credit_code = (
            (supplier.unified_social_credit_code or "").strip().upper() if supplier else ""
        )
        if self.licence_type in BUSINESS_TYPES and number and credit_code:
            # 营业执照 carries the unified social credit code as its number (一照一码).
            if len(number) == 18 and number != credit_code:
                raise ValidationError(
                    {
                        "number": _(
                            "The business licence number %(number)s differs from the supplier's "
                            "unified social credit code %(code)s."
                        )
                        % {"number": number, "code": credit_code}
                    }
                )


class SalesRepAuthorisation(TimeStampedModel):
    """法人授权委托书: the supplier authorises a person to sell to us, for a period."""

    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="sales_reps"
    )
    rep_name = models.CharField(_("representative"), max_length=50)
    id_number = models.CharField(
        _("identity card number"), max_length=18, validators=[validate_id_number]
    )
    phone = models.CharField(_("telephone"), max_length=30, validators=[validate_phone])
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    scope = models.CharField(_("authorised scope"), max_length=300, blank=True)
    scan = models.FileField(_("scan"), upload_to="authorisations/%Y/%m/", blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sales representative authorisation")
        verbose_name_plural = _("sales representative authorisations")
        ordering = ["-valid_until"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("valid_from")),
                name="sales_rep_dates_in_order",
                violation_error_message=_("The authorisation ends before it starts."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.rep_name} ({self.supplier})"

    def clean(self):
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValidationError(
                {
                    "valid_until": _("The authorisation ends (%(until)s) before it starts (%(f)s).")
                    % {"until": self.valid_until, "f": self.valid_from}
                }
            )

    def get_absolute_url(self) -> str:
        return reverse("suppliers:salesrepauthorisation_detail", args=[self.pk])

    def is_valid_on(self, on_date: datetime.date) -> bool:
        return self.valid_from <= on_date <= self.valid_until

    def days_left(self, on_date: datetime.date | None = None) -> int:
        return (self.valid_until - (on_date or today())).days

    @property
    def status(self) -> str:
        """ "expired", "expiring" (within 30 days) or "valid", as of today (like licences)."""
        left = self.days_left()
        if left < 0:
            return "expired"
        return "expiring" if left <= 30 else "valid"

    @property
    def masked_id_number(self) -> str:
        """The identity number with the birth date hidden, for lists."""
        number = self.id_number or ""
        return number[:6] + "*" * 8 + number[14:] if len(number) == 18 else number


class SupplierFirstApproval(FirstTimeApproval):
    """首营企业审批 for one supplier."""

    supplier = models.OneToOneField(
        Supplier,
        verbose_name=_("supplier"),
        on_delete=models.PROTECT,
        related_name="first_approval",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("first-time supplier approval")
        verbose_name_plural = _("first-time supplier approvals")
        permissions = [
            (
                "review_quality_supplierfirstapproval",
                _("Can review first-time suppliers (quality)"),
            ),
            (
                "review_manager_supplierfirstapproval",
                _("Can approve first-time suppliers (manager)"),
            ),
        ]

    def __str__(self) -> str:
        return gettext("First-time approval of %(supplier)s") % {"supplier": self.supplier}

    def get_absolute_url(self) -> str:
        return reverse("suppliers:supplierfirstapproval_detail", args=[self.pk])
