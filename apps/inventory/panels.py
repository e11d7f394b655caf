"""Dashboard panel of the inventory: stock per expiry colour band (registered in
InventoryConfig.ready)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from .expiry import Band
from .selectors import PANEL_ZONES, expiry_panel_totals


def expiry_bands_panel(request):
    """Lots and value (national wholesale price × on hand) per band in the pending,
    qualified and returns zones; each band links to the colour-band report."""
    if not request.user.has_perm("inventory.view_stockbalance"):
        return None
    totals = expiry_panel_totals()
    if not any(total.lots for total in totals):
        return None
    base = reverse("inventory:expiry_report")
    for total in totals:
        query = [("band", total.band.value)] + [("zone", zone.value) for zone in PANEL_ZONES]
        total.url = f"{base}?{urlencode(query)}"
    return {
        "title": _("Stock by expiry band"),
        "template": "inventory/reports/dashboard_expiry.html",
        "context": {"totals": totals},
        "order": 20,
        "width": 6,
        "alert": any(t.lots for t in totals if t.band in (Band.BLACK, Band.RED)),
    }
