"""Receivers of pricing: a national price entered on the product itself (catalog form,
admin, import) is recorded in the price history, so the history stays complete."""

from __future__ import annotations

from simple_history.models import HistoricalRecords

from .services import national_price_record_direct


def _request_user():
    """The signed-in user of the current request, when the save comes from one."""
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


def product_saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return  # fixtures load history rows themselves
    national_price_record_direct(product=instance, created=created, user=_request_user())
