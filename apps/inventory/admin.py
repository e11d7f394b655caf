"""Admin of the inventory. Warehouses and locations are master data and editable; the
ledger (lots, balances, moves, reservations) and the operation documents are read-only
here, because they change only through the stock service and the operation workflows."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from apps.core.admin_mixins import ReadOnlyAdminMixin, ReadOnlyInline

from .forms import LocationForm, WarehouseForm
from .models import (
    Location,
    LossReport,
    LossReportLine,
    Lot,
    LotHold,
    StockBalance,
    StockMove,
    StockReservation,
    Stocktake,
    StocktakeLine,
    Warehouse,
)


class LocationInline(admin.TabularInline):
    model = Location
    form = LocationForm
    fields = ("code", "name", "zone", "storage_condition", "is_controlled_area", "is_active")
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Warehouse)
class WarehouseAdmin(SimpleHistoryAdmin):
    form = WarehouseForm
    list_display = ("code", "name", "address", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name")
    inlines = [LocationInline]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Location)
class LocationAdmin(SimpleHistoryAdmin):
    form = LocationForm
    list_display = (
        "code",
        "warehouse",
        "name",
        "zone",
        "storage_condition",
        "is_controlled_area",
        "is_active",
    )
    list_filter = ("warehouse", "zone", "storage_condition", "is_controlled_area", "is_active")
    search_fields = ("code", "name", "warehouse__code")
    list_select_related = ("warehouse",)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Lot)
class LotAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = (
        "product",
        "batch_number",
        "serial_number",
        "production_date",
        "expiry_date",
        "unit_cost",
        "is_frozen",
    )
    list_filter = ("is_frozen",)
    search_fields = ("batch_number", "serial_number", "udi", "product__code", "product__name")
    list_select_related = ("product",)
    date_hierarchy = "expiry_date"


@admin.register(StockBalance)
class StockBalanceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("lot", "location", "on_hand", "reserved")
    list_filter = ("location__warehouse", "location__zone")
    search_fields = ("lot__batch_number", "product__code", "product__name", "location__code")
    list_select_related = ("lot__product", "location__warehouse")


@admin.register(StockMove)
class StockMoveAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "move_type",
        "lot",
        "from_location",
        "to_location",
        "quantity",
        "source_number",
        "user",
        "second_user",
    )
    list_filter = ("move_type", "source_type")
    search_fields = ("lot__batch_number", "product__code", "source_number", "idempotency_key")
    list_select_related = (
        "lot__product",
        "from_location__warehouse",
        "to_location__warehouse",
        "user",
        "second_user",
    )
    date_hierarchy = "created_at"


@admin.register(StockReservation)
class StockReservationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("balance", "quantity", "source_type", "source_id", "source_line_id", "user")
    list_filter = ("source_type",)
    search_fields = ("balance__lot__batch_number", "balance__product__code")
    list_select_related = ("balance__lot__product", "balance__location__warehouse", "user")


@admin.register(LotHold)
class LotHoldAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("number", "lot", "status", "stopped_by", "created_at", "resolved_by")
    list_filter = ("status",)
    search_fields = ("number", "lot__batch_number", "lot__product__code")
    list_select_related = ("lot__product", "stopped_by", "resolved_by")


class LossReportLineInline(ReadOnlyInline):
    model = LossReportLine
    fields = ("balance", "quantity", "unit_cost")
    readonly_fields = fields


@admin.register(LossReport)
class LossReportAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("number", "warehouse", "status", "created_by", "quality_by", "manager_by")
    list_filter = ("status", "warehouse")
    search_fields = ("number", "reason")
    list_select_related = ("warehouse", "created_by", "quality_by", "manager_by")
    inlines = [LossReportLineInline]


class StocktakeLineInline(ReadOnlyInline):
    model = StocktakeLine
    fields = ("location", "lot", "book_qty", "counted_qty", "variance_display")
    readonly_fields = fields

    @admin.display(description=_("variance"))
    def variance_display(self, obj):
        return "—" if obj.variance is None else obj.variance


@admin.register(Stocktake)
class StocktakeAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("number", "warehouse", "status", "created_by", "approved_by", "approved_at")
    list_filter = ("status", "warehouse")
    search_fields = ("number", "note")
    list_select_related = ("warehouse", "created_by", "approved_by")
    inlines = [StocktakeLineInline]
