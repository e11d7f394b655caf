"""Admin of sales documents: read-only records with history, search and filters.

Documents are written through the staff pages, which run the services and their rules,
so the admin adds, edits and deletes nothing by hand. The one write is the manager's
action "Approve over-price orders": it asks for the reason on an intermediate page and
calls `sales_order_approve` for each selected order, like the staff page does (the
approver may not be the order's author or salesperson).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import Prefetch
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from apps.core.admin_mixins import ReadOnlyAdminMixin, ReadOnlyInline
from apps.core.exceptions import DomainError

from .models import (
    Delivery,
    DeliveryLine,
    HoldStatus,
    SalesOrder,
    SalesOrderHold,
    SalesOrderLine,
    SalesOrderStatus,
    SalesReturn,
    SalesReturnLine,
)
from .services import sales_order_approve


class SalesOrderLineInline(ReadOnlyInline):
    model = SalesOrderLine
    fields = (
        "product",
        "quantity",
        "unit_price",
        "discount_pct",
        "tax_rate",
        "suggested_price",
        "ceiling_price",
        "is_over_price",
        "shipped_qty",
        "released_qty",
        "returned_qty",
    )


class SalesOrderHoldInline(ReadOnlyInline):
    model = SalesOrderHold
    fields = ("kind", "detail", "status", "decided_by", "decided_at", "reason")


class DeliveryLineInline(ReadOnlyInline):
    model = DeliveryLine
    fields = (
        "order_line",
        "lot",
        "location",
        "quantity",
        "checked_batch",
        "checked_qty",
        "unit_price",
        "shipped_on",
        "returned_qty",
    )


class SalesReturnLineInline(ReadOnlyInline):
    model = SalesReturnLine
    fields = (
        "delivery_line",
        "lot",
        "location",
        "quantity",
        "qualified_qty",
        "nonconforming_qty",
        "inspected_by",
        "inspected_at",
    )


class ApprovalReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for the approval"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=gettext_lazy("Recorded on every approved hold of the selected orders."),
        error_messages={"required": gettext_lazy("Give the reason for the approval.")},
    )


@admin.register(SalesOrder)
class SalesOrderAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    inlines = [SalesOrderLineInline, SalesOrderHoldInline]
    list_display = (
        "number",
        "sales_type",
        "customer",
        "order_date",
        "salesperson",
        "warehouse",
        "status",
    )
    list_filter = ("status", "sales_type", "customer", "order_date")
    list_select_related = ("customer", "salesperson", "warehouse")
    search_fields = ("number", "customer__code", "customer__name", "note")
    date_hierarchy = "order_date"
    actions = ("approve_over_price",)

    @admin.action(
        description=gettext_lazy("Approve over-price orders"),
        permissions=("approve",),
    )
    def approve_over_price(self, request, queryset):
        """Ask for the reason, then approve each selected held order (or say why not)."""
        form = ApprovalReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            self.approve_each(request, queryset, form.cleaned_data["reason"])
            return None
        orders = queryset.select_related("customer", "salesperson", "created_by").prefetch_related(
            Prefetch(
                "holds",
                queryset=SalesOrderHold.objects.filter(status=HoldStatus.PENDING),
                to_attr="pending_holds",
            )
        )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Approve over-price orders"),
            "opts": self.model._meta,
            "orders": orders.order_by("pk"),
            "form": form,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "action": "approve_over_price",
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "sales/admin/approve_over_price.html", context)

    def approve_each(self, request, queryset, reason: str) -> None:
        for order in queryset.order_by("pk"):
            if order.status != SalesOrderStatus.PENDING_APPROVAL:
                self.message_user(
                    request,
                    _("%(order)s: skipped, it is %(status)s.")
                    % {"order": order, "status": order.get_status_display()},
                    messages.WARNING,
                )
                continue
            try:
                sales_order_approve(order=order, user=request.user, reason=reason)
            except DomainError as error:
                self.message_user(request, f"{order}: {'; '.join(error.messages)}", messages.ERROR)
            else:
                self.message_user(
                    request, _("%(order)s: approved.") % {"order": order}, messages.SUCCESS
                )

    def has_approve_permission(self, request):
        return request.user.has_perm("sales.approve_salesorder")


@admin.register(SalesOrderHold)
class SalesOrderHoldAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = (
        "order",
        "kind",
        "status",
        "order_customer",
        "created_at",
        "decided_by",
        "decided_at",
        "reason",
    )
    list_filter = ("kind", "status", "created_at")
    list_select_related = ("order__customer", "decided_by")
    search_fields = ("order__number", "order__customer__code", "order__customer__name", "detail")

    @admin.display(description=gettext_lazy("customer"), ordering="order__customer__name")
    def order_customer(self, hold):
        return hold.order.customer


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    inlines = [DeliveryLineInline]
    list_display = (
        "number",
        "order",
        "customer",
        "status",
        "picked_by",
        "checked_by",
        "shipped_on",
        "transport_mode",
    )
    list_filter = ("status", "transport_mode", "shipped_on")
    list_select_related = ("order", "customer", "picked_by", "checked_by")
    search_fields = (
        "number",
        "order__number",
        "customer__code",
        "customer__name",
        "lines__lot__batch_number",
    )


@admin.register(SalesReturn)
class SalesReturnAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    inlines = [SalesReturnLineInline]
    list_display = ("number", "delivery", "customer", "returned_on", "status", "created_by")
    list_filter = ("status", "returned_on")
    list_select_related = ("delivery", "customer", "created_by")
    search_fields = ("number", "delivery__number", "customer__code", "customer__name", "reason")
    date_hierarchy = "returned_on"
