"""Dashboard panel of the sales app: what waits for a manager's decision."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .selectors import held_orders
from .views.approvals import purchase_orders_awaiting_approval

PANEL_LIMIT = 20


def manager_queue_panel(request):
    """ "Waiting for you": held sales orders (over-price, credit) and purchase orders above
    the approval threshold that this manager may decide (not their own)."""
    user = request.user
    if not user.has_perm("sales.approve_salesorder"):
        return None
    orders = [
        order
        for order in held_orders()[: PANEL_LIMIT * 2]
        if user.pk not in (order.created_by_id, order.salesperson_id)
    ][:PANEL_LIMIT]
    purchase_orders = []
    if user.has_perm("purchasing.approve_purchaseorder"):
        purchase_orders = list(
            purchase_orders_awaiting_approval().exclude(created_by=user)[:PANEL_LIMIT]
        )
    if not orders and not purchase_orders:
        return None
    return {
        "title": _("Waiting for you (%(n)d)") % {"n": len(orders) + len(purchase_orders)},
        "template": "sales/panels/manager_queue.html",
        "context": {"orders": orders, "purchase_orders": purchase_orders},
        "order": 0,
        "alert": True,
    }
