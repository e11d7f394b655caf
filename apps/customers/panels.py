"""Dashboard panel of the customers app (registered in CustomersConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from apps.core.models import today

from .selectors import customer_licences_expiring

EXPIRY_WINDOW_DAYS = 60
MAX_ROWS = 15


def customer_licences_panel(request):
    """Customer licences expired or expiring within 60 days, for users who may see them."""
    if not request.user.has_perm("customers.view_customerlicence"):
        return None
    on_date = today()
    licences = list(
        customer_licences_expiring(within_days=EXPIRY_WINDOW_DAYS, on_date=on_date)[: MAX_ROWS + 1]
    )
    if not licences:
        return None
    rows = [
        {"licence": lic, "days_left": lic.days_left(on_date), "expired": lic.valid_until < on_date}
        for lic in licences[:MAX_ROWS]
    ]
    return {
        "title": _("Customer licences expired or expiring within %(days)d days")
        % {"days": EXPIRY_WINDOW_DAYS},
        "template": "customers/panels/licences.html",
        "context": {"rows": rows, "more": len(licences) > MAX_ROWS},
        "order": 40,
        "width": 6,
        "alert": any(row["expired"] for row in rows),
    }
