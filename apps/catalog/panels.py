"""Dashboard panels of the catalog (registered in CatalogConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from apps.core.models import today

from .selectors import products_registration_due
from .tables import registration_state

REGISTRATION_PANEL_DAYS = 60
REGISTRATION_PANEL_ROWS = 10


def registration_panel(request):
    """Registration certificates expired or expiring within 60 days."""
    if not request.user.has_perm("catalog.view_product"):
        return None
    on_date = today()
    due = products_registration_due(on_date=on_date, within_days=REGISTRATION_PANEL_DAYS)
    products = list(due[: REGISTRATION_PANEL_ROWS + 1])
    if not products:
        return None
    rows = []
    for product in products[:REGISTRATION_PANEL_ROWS]:
        state, left = registration_state(product.registration_valid_until, on_date)
        rows.append({"product": product, "state": state, "days_left": left, "days_ago": -left})
    more = due.count() - REGISTRATION_PANEL_ROWS if len(products) > REGISTRATION_PANEL_ROWS else 0
    return {
        "title": _("Registration certificates expiring or expired"),
        "template": "catalog/dashboard_registrations.html",
        "context": {"rows": rows, "more": more},
        "order": 30,
        "width": 6,
        "alert": any(row["state"] == "expired" for row in rows),
    }
