"""Admin of pricing: read-mostly.

National price rows and price-change notices are written only by the services (a notice
is executed or cancelled from its staff page, which checks the permission and the rules),
so here they are read-only records with history. Cross discounts may be edited and
imported here; saving goes through the same services and resource as the staff pages.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from apps.core.admin_mixins import ReadOnlyAdminMixin
from apps.core.exceptions import DomainError

from .forms import CrossDiscountForm
from .models import CrossDiscount, NationalPrice, PriceChangeLine, PriceChangeNotice
from .resources import CrossDiscountResource
from .services import cross_discount_create, cross_discount_update


class PriceChangeLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PriceChangeLine
    extra = 0
    can_delete = False
    fields = (
        "product",
        "old_purchase_price",
        "new_purchase_price",
        "old_wholesale_price",
        "new_wholesale_price",
        "old_retail_price",
        "new_retail_price",
    )
    readonly_fields = fields


@admin.register(PriceChangeNotice)
class PriceChangeNoticeAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = (
        "number",
        "document_ref",
        "effective_date",
        "status",
        "created_by",
        "executed_by",
        "executed_at",
    )
    list_filter = ("status", "effective_date")
    search_fields = ("number", "document_ref", "reason", "lines__product__code")
    list_select_related = ("created_by", "executed_by")
    date_hierarchy = "effective_date"
    inlines = [PriceChangeLineInline]


@admin.register(NationalPrice)
class NationalPriceAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("product", "price", "effective_from", "notice", "voided", "created_by")
    list_filter = ("voided", "effective_from")
    search_fields = ("product__code", "product__name", "notice__number")
    list_select_related = ("product", "notice", "created_by")
    date_hierarchy = "effective_from"


@admin.register(CrossDiscount)
class CrossDiscountAdmin(ImportExportModelAdmin, SimpleHistoryAdmin):
    form = CrossDiscountForm
    resource_classes = [CrossDiscountResource]
    list_display = (
        "__str__",
        "customer",
        "customer_class",
        "product",
        "category",
        "rate_pct",
        "floor_price",
        "is_active",
    )
    list_filter = ("is_active", "customer_class")
    search_fields = (
        "customer__code",
        "customer__name",
        "customer_class__code",
        "product__code",
        "product__name",
        "category__code",
    )
    list_select_related = ("customer", "customer_class", "product", "category")

    def has_delete_permission(self, request, obj=None):
        return False  # switch a row off instead; its history stays

    def save_model(self, request, obj, form, change):
        service = cross_discount_update if change else cross_discount_create
        service(user=request.user, instance=obj, form=form)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (DomainError, ValidationError) as error:
            self.message_user(request, "; ".join(error.messages), level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
