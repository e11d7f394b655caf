"""The manager's approval queue: sales orders held for a manager (over-price, credit) and
purchase orders above the approval threshold, with filters."""

from __future__ import annotations

from django.db.models import F, OuterRef, Q, Subquery, Sum
from django.views import generic

from apps.core.crud import StaffPermissionMixin
from apps.purchasing.models import OrderStatus, PurchaseOrder, PurchaseOrderLine

from ..filters import PURCHASE_KIND, ApprovalQueueFilter
from ..models import HoldStatus, SalesOrderHold, SalesOrderStatus

QUEUE_LIMIT = 500


def pending_holds():
    return (
        SalesOrderHold.objects.filter(
            status=HoldStatus.PENDING, order__status=SalesOrderStatus.PENDING_APPROVAL
        )
        .select_related("order__customer", "order__salesperson", "order__created_by")
        .order_by("order__submitted_at", "order_id", "pk")
    )


def purchase_orders_awaiting_approval():
    amount = (
        PurchaseOrderLine.objects.filter(order=OuterRef("pk"))
        .order_by()
        .values("order")
        .annotate(t=Sum(F("quantity") * F("unit_price")))
        .values("t")
    )
    return (
        PurchaseOrder.objects.filter(status=OrderStatus.PENDING_APPROVAL)
        .select_related("supplier", "created_by")
        .annotate(total_amount=Subquery(amount))
        .order_by("submitted_at", "pk")
    )


class ApprovalQueueView(StaffPermissionMixin, generic.TemplateView):
    template_name = "sales/approval_queue.html"
    permission_required = "sales.approve_salesorder"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        queue = ApprovalQueueFilter(self.request.GET or None, queryset=pending_holds())
        holds = list(queue.qs[:QUEUE_LIMIT])
        for hold in holds:
            hold.is_mine = user.pk in (hold.order.created_by_id, hold.order.salesperson_id)
        data = queue.form.cleaned_data if queue.is_bound and queue.form.is_valid() else {}
        purchase_orders = []
        wants_purchases = data.get("kind") in (None, "", PURCHASE_KIND) and not data.get("customer")
        if wants_purchases and user.has_perm("purchasing.approve_purchaseorder"):
            orders = purchase_orders_awaiting_approval()
            if data.get("date_from"):
                orders = orders.filter(order_date__gte=data["date_from"])
            if data.get("date_to"):
                orders = orders.filter(order_date__lte=data["date_to"])
            term = (data.get("q") or "").strip()
            if term:
                orders = orders.filter(
                    Q(number__icontains=term)
                    | Q(supplier__name__icontains=term)
                    | Q(supplier__code__icontains=term)
                )
            purchase_orders = list(orders[:QUEUE_LIMIT])
            for order in purchase_orders:
                order.is_mine = order.created_by_id == user.pk
        ctx.update(filter=queue, holds=holds, purchase_orders=purchase_orders)
        return ctx
