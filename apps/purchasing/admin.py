"""Admin of purchasing documents: read-only records with history, search and filters.

Documents are written through the staff pages, which run the services and their rules,
so the admin adds, edits and deletes nothing by hand. The one write is the action
"Approve selected purchase orders", which calls `po_approve` like the staff page does.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from apps.core.admin_mixins import ReadOnlyAdminMixin, ReadOnlyInline
from apps.core.exceptions import DomainError

from .models import (
    Acceptance,
    OrderStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReturn,
    PurchaseReturnLine,
    Receipt,
    ReceiptLine,
    RejectionReport,
)
from .services import po_approve


class PurchaseOrderLineInline(ReadOnlyInline):
    model = PurchaseOrderLine
    fields = (
        "product",
        "quantity",
        "unit_price",
        "tax_rate",
        "planned_arrival",
        "received_qty",
        "reasonable_loss_qty",
        "unreasonable_loss_qty",
        "returned_qty",
    )


class ReceiptLineInline(ReadOnlyInline):
    model = ReceiptLine
    fields = (
        "order_line",
        "product",
        "lot",
        "location",
        "quantity",
        "reasonable_loss_qty",
        "unreasonable_loss_qty",
        "unit_price",
        "tax_rate",
        "arrival_temperature",
        "accepted_qty",
        "rejected_qty",
    )


class PurchaseReturnLineInline(ReadOnlyInline):
    model = PurchaseReturnLine
    fields = ("order_line", "lot", "location", "quantity", "unit_price")


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    inlines = [PurchaseOrderLineInline]
    list_display = ("number", "supplier", "order_date", "warehouse", "status", "created_by")
    list_filter = ("status", "warehouse", "order_date")
    list_select_related = ("supplier", "warehouse", "created_by")
    search_fields = ("number", "supplier__code", "supplier__name", "note")
    date_hierarchy = "order_date"
    actions = ("approve_selected",)

    @admin.action(
        description=gettext_lazy("Approve selected purchase orders"),
        permissions=("approve",),
    )
    def approve_selected(self, request, queryset):
        done = 0
        for order in queryset.order_by("pk"):
            if order.status != OrderStatus.PENDING_APPROVAL:
                self.message_user(
                    request,
                    _("%(order)s: skipped, it is %(status)s.")
                    % {"order": order, "status": order.get_status_display()},
                    messages.WARNING,
                )
                continue
            try:
                po_approve(order=order, user=request.user)
            except DomainError as error:
                self.message_user(request, f"{order}: {'; '.join(error.messages)}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                _("Approved %(n)d purchase order(s).") % {"n": done},
                messages.SUCCESS,
            )

    def has_approve_permission(self, request):
        return request.user.has_perm("purchasing.approve_purchaseorder")


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    inlines = [ReceiptLineInline]
    list_display = (
        "number",
        "supplier",
        "order",
        "warehouse",
        "received_on",
        "transport_mode",
        "received_by",
    )
    list_filter = ("transport_mode", "warehouse", "received_on")
    list_select_related = ("supplier", "order", "warehouse", "received_by")
    search_fields = (
        "number",
        "order__number",
        "supplier__code",
        "supplier__name",
        "delivery_note_number",
        "lines__lot__batch_number",
    )
    date_hierarchy = "received_on"


@admin.register(Acceptance)
class AcceptanceAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = (
        "number",
        "receipt_line",
        "inspector",
        "inspected_on",
        "accepted_qty",
        "rejected_qty",
        "conclusion",
    )
    list_filter = ("conclusion", "inspected_on")
    list_select_related = ("receipt_line__receipt", "receipt_line__lot__product", "inspector")
    search_fields = (
        "number",
        "receipt_line__receipt__number",
        "receipt_line__lot__batch_number",
        "receipt_line__product__code",
        "receipt_line__product__name",
    )
    date_hierarchy = "inspected_on"


@admin.register(RejectionReport)
class RejectionReportAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("number", "acceptance", "quantity", "created_by", "created_at")
    list_filter = ("created_at",)
    list_select_related = ("acceptance", "created_by")
    search_fields = (
        "number",
        "acceptance__number",
        "reason",
        "acceptance__receipt_line__lot__batch_number",
    )


@admin.register(PurchaseReturn)
class PurchaseReturnAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    inlines = [PurchaseReturnLineInline]
    list_display = ("number", "supplier", "order", "returned_on", "created_by")
    list_filter = ("returned_on",)
    list_select_related = ("supplier", "order", "created_by")
    search_fields = ("number", "order__number", "supplier__code", "supplier__name", "reason")
    date_hierarchy = "returned_on"
