"""Reads of the catalog used by other pages (dashboard, alerts)."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet

from .models import Product


def products_registration_due(*, on_date: datetime.date, within_days: int = 60) -> QuerySet:
    """Active products whose registration certificate has expired or expires within
    `within_days` days of `on_date`, soonest first. Filings without expiry never appear."""
    return Product.objects.filter(
        is_active=True,
        registration_valid_until__isnull=False,
        registration_valid_until__lte=on_date + datetime.timedelta(days=within_days),
    ).order_by("registration_valid_until", "code")
