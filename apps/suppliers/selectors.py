"""Reads of supplier data: list querysets, the SQL form of the standing trade rules, and
the documents that are expired or about to expire."""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, Q

from apps.core.models import BUSINESS_TYPES, ApprovalStatus

from .models import SalesRepAuthorisation, Supplier, SupplierFirstApproval, SupplierLicence


def supplier_for_trade_check(pk: int) -> Supplier:
    """One supplier with its licences' scope categories, for may_trade() on any product."""
    return (
        Supplier.objects.select_related("first_approval")
        .prefetch_related("licences__scope_categories", "sales_reps")
        .get(pk=pk)
    )


def _valid_licence_on(on_date: datetime.date) -> Q:
    return Q(issued_on__lte=on_date) & (Q(valid_until__isnull=True) | Q(valid_until__gte=on_date))


def standing_ok_q(on_date: datetime.date) -> Q:
    """SQL form of `Supplier.standing_blockers(on_date) == []`.

    Valid business licence, approved first-time file and a valid sales-rep authorisation.
    A test keeps it equal to the Python rule.
    """
    business = SupplierLicence.objects.filter(
        _valid_licence_on(on_date), supplier=OuterRef("pk"), licence_type__in=BUSINESS_TYPES
    )
    rep = SalesRepAuthorisation.objects.filter(
        supplier=OuterRef("pk"), valid_from__lte=on_date, valid_until__gte=on_date
    )
    approved = SupplierFirstApproval.objects.filter(
        supplier=OuterRef("pk"), status=ApprovalStatus.APPROVED
    )
    return Exists(business) & Exists(rep) & Exists(approved)


def credit_code_owner(code: str, *, exclude_pk: int | None = None) -> Supplier | None:
    """The supplier that already uses this unified social credit code, if any."""
    qs = Supplier.objects.filter(unified_social_credit_code=(code or "").strip().upper())
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.first()


def code_owner(code: str, *, exclude_pk: int | None = None) -> Supplier | None:
    qs = Supplier.objects.filter(code=(code or "").strip())
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.first()


def expiring_documents(
    on_date: datetime.date, *, within_days: int = 60, limit: int = 20
) -> dict[str, object]:
    """Supplier licences and sales-rep authorisations of active suppliers that are expired or
    expire within `within_days`. A document replaced by one of the same kind that is still
    valid after the horizon is left out: the renewal is already on file.
    """
    horizon = on_date + datetime.timedelta(days=within_days)
    licence_renewed = SupplierLicence.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gt=horizon),
        supplier=OuterRef("supplier"),
        licence_type=OuterRef("licence_type"),
        issued_on__lte=on_date,
    )
    licences = (
        SupplierLicence.objects.filter(valid_until__lte=horizon, supplier__is_active=True)
        .exclude(Exists(licence_renewed))
        .select_related("supplier")
        .order_by("valid_until", "pk")
    )
    rep_renewed = SalesRepAuthorisation.objects.filter(
        supplier=OuterRef("supplier"),
        rep_name=OuterRef("rep_name"),
        valid_from__lte=on_date,
        valid_until__gt=horizon,
    )
    reps = (
        SalesRepAuthorisation.objects.filter(valid_until__lte=horizon, supplier__is_active=True)
        .exclude(Exists(rep_renewed))
        .select_related("supplier")
        .order_by("valid_until", "pk")
    )
    licence_rows = list(licences[: limit + 1])
    rep_rows = list(reps[: limit + 1])
    return {
        "licences": licence_rows[:limit],
        "licences_more": len(licence_rows) > limit,
        "reps": rep_rows[:limit],
        "reps_more": len(rep_rows) > limit,
        "on_date": on_date,
    }
