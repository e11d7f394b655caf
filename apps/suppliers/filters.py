"""Filters of the supplier lists."""

from __future__ import annotations

import datetime

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from apps.core.filters import SearchFilterSet
from apps.core.models import ApprovalStatus, LicenceType, today

from .models import Supplier, SupplierFirstApproval, SupplierLicence
from .selectors import standing_ok_q

YES_NO = (("yes", _("Yes")), ("no", _("No")))
NO_APPROVAL = "none"


class SupplierFilter(SearchFilterSet):
    search_fields = ("code", "name", "mnemonic", "unified_social_credit_code", "contact_person")

    is_active = django_filters.ChoiceFilter(
        label=_("Active"), choices=YES_NO, method="filter_is_active"
    )
    approval_status = django_filters.ChoiceFilter(
        label=_("First-time approval"),
        choices=[*ApprovalStatus.choices, (NO_APPROVAL, _("No first-time file"))],
        method="filter_approval_status",
    )
    may_trade = django_filters.ChoiceFilter(
        label=_("May trade today"), choices=YES_NO, method="filter_may_trade"
    )
    expired_licence = django_filters.ChoiceFilter(
        label=_("Expired licence"), choices=YES_NO, method="filter_expired_licence"
    )

    class Meta:
        model = Supplier
        fields = ("q", "is_active", "approval_status", "may_trade", "expired_licence")

    def filter_is_active(self, queryset, name, value):
        return queryset.filter(is_active=value == "yes")

    def filter_approval_status(self, queryset, name, value):
        if value == NO_APPROVAL:
            return queryset.filter(first_approval__isnull=True)
        return queryset.filter(first_approval__status=value)

    def filter_may_trade(self, queryset, name, value):
        ok = standing_ok_q(today())
        return queryset.filter(ok) if value == "yes" else queryset.exclude(ok)

    def filter_expired_licence(self, queryset, name, value):
        expired = expired_licence_q(today())
        return queryset.filter(expired) if value == "yes" else queryset.exclude(expired)


def expired_licence_q(on_date: datetime.date) -> Q:
    """SQL form of `Supplier.expired_licences(on_date)` being non-empty."""
    valid_same_type = SupplierLicence.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=on_date),
        supplier=OuterRef("supplier"),
        licence_type=OuterRef("licence_type"),
        issued_on__lte=on_date,
    )
    expired = SupplierLicence.objects.filter(
        supplier=OuterRef("pk"), valid_until__lt=on_date
    ).exclude(Exists(valid_same_type))
    return Q(Exists(expired))


class SupplierLicenceFilter(SearchFilterSet):
    search_fields = ("number", "holder", "supplier__code", "supplier__name", "supplier__mnemonic")

    licence_type = django_filters.ChoiceFilter(label=_("Licence type"), choices=LicenceType.choices)
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=(
            ("expired", _("Expired")),
            ("expiring", _("Expires within 60 days")),
            ("valid", _("Valid")),
        ),
        method="filter_status",
    )

    class Meta:
        model = SupplierLicence
        fields = ("q", "licence_type", "status")

    def filter_status(self, queryset, name, value):
        day = today()
        horizon = day + datetime.timedelta(days=60)
        if value == "expired":
            return queryset.filter(valid_until__lt=day)
        if value == "expiring":
            return queryset.filter(valid_until__gte=day, valid_until__lte=horizon)
        return queryset.filter(Q(valid_until__isnull=True) | Q(valid_until__gt=horizon))


class SupplierFirstApprovalFilter(SearchFilterSet):
    search_fields = ("supplier__code", "supplier__name", "supplier__mnemonic")

    status = django_filters.ChoiceFilter(label=_("Status"), choices=ApprovalStatus.choices)

    class Meta:
        model = SupplierFirstApproval
        fields = ("q", "status")
