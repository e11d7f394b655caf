"""Reads of customers data used by pages and the dashboard."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet

from apps.core.models import today

from .models import CustomerLicence


def customer_licences_expiring(
    *, within_days: int = 60, on_date: datetime.date | None = None
) -> QuerySet[CustomerLicence]:
    """Licences of active customers that have expired or expire within `within_days`,
    soonest first. Long-term licences never appear."""
    on_date = on_date or today()
    return (
        CustomerLicence.objects.filter(
            customer__is_active=True,
            valid_until__isnull=False,
            valid_until__lte=on_date + datetime.timedelta(days=within_days),
        )
        .select_related("customer")
        .order_by("valid_until", "customer__code")
    )
