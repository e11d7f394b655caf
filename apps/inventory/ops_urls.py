"""URLs of the inventory operation pages (combined with report_urls in urls.py)."""

from django.urls import path

from . import views
from .filters import (
    LocationFilter,
    LossReportFilter,
    LotFilter,
    LotHoldFilter,
    StocktakeFilter,
    WarehouseFilter,
)
from .forms import LocationForm, LotHoldForm, WarehouseForm
from .models import Location, LossReport, Lot, LotHold, Stocktake, Warehouse
from .tables import (
    LocationTable,
    LossReportTable,
    LotHoldTable,
    LotTable,
    StocktakeTable,
    WarehouseTable,
)
from .views import OpsCrud

warehouses = OpsCrud(
    model=Warehouse,
    table=WarehouseTable,
    form=WarehouseForm,
    filterset=WarehouseFilter,
    annotate=views.warehouse_rows,
    detail_fields=("code", "name", "address", "is_active"),
    detail_template="inventory/ops/warehouse_detail.html",
    detail_context=views.warehouse_detail_context,
    actions=("list", "detail", "create", "update", "history"),
)

locations = OpsCrud(
    model=Location,
    table=LocationTable,
    form=LocationForm,
    filterset=LocationFilter,
    select_related=("warehouse",),
    detail_fields=LocationForm.Meta.fields,
    detail_template="inventory/ops/location_detail.html",
    detail_context=views.location_detail_context,
    actions=("list", "detail", "create", "update", "history"),
)

# Lots come from receipts (lot_get_or_create); the pages only show them.
lots = OpsCrud(
    model=Lot,
    table=LotTable,
    form=LotHoldForm,  # unused: no create or edit page
    filterset=LotFilter,
    annotate=views.lot_rows,
    select_related=("product",),
    detail_fields=(
        "product",
        "batch_number",
        "serial_number",
        "production_date",
        "expiry_date",
        "udi",
        "unit_cost",
        "is_frozen",
        "frozen_reason",
    ),
    detail_template="inventory/ops/lot_detail.html",
    detail_context=views.lot_detail_context,
    actions=("list", "detail", "history"),
)

holds = OpsCrud(
    model=LotHold,
    table=LotHoldTable,
    form=LotHoldForm,
    filterset=LotHoldFilter,
    select_related=("lot__product", "stopped_by", "resolved_by"),
    detail_fields=(
        "number",
        "lot",
        "reason",
        "status",
        "stopped_by",
        "created_at",
        "resolved_by",
        "resolved_at",
        "conclusion",
        "source_type",
        "source_id",
    ),
    detail_template="inventory/ops/lothold_detail.html",
    detail_context=views.lothold_detail_context,
    create_service=views.stop_lot,
    actions=("list", "detail", "create", "history"),
)

loss_reports = OpsCrud(
    model=LossReport,
    table=LossReportTable,
    form=LotHoldForm,  # unused: the create and edit pages are below
    filterset=LossReportFilter,
    annotate=views.lossreport_rows,
    detail_fields=("number", "warehouse", "status", "reason", "created_by", "created_at"),
    detail_template="inventory/ops/lossreport_detail.html",
    detail_context=views.lossreport_detail_context,
    create_url_name="inventory:lossreport_create",
    actions=("list", "detail", "history"),
)

stocktakes = OpsCrud(
    model=Stocktake,
    table=StocktakeTable,
    form=LotHoldForm,  # unused: the start page is below
    filterset=StocktakeFilter,
    annotate=views.stocktake_rows,
    detail_fields=(
        "number",
        "warehouse",
        "locations",
        "status",
        "created_by",
        "created_at",
        "approved_by",
        "approved_at",
        "note",
    ),
    detail_template="inventory/ops/stocktake_detail.html",
    detail_context=views.stocktake_detail_context,
    create_url_name="inventory:stocktake_create",
    actions=("list", "detail", "history"),
)

urlpatterns = [
    *warehouses.urls(),
    *locations.urls(),
    *lots.urls(),
    path("transfers/new/", views.TransferView.as_view(), name="transfer_create"),
    *holds.urls(),
    path("lotholds/<int:pk>/resolve/", views.LotHoldResolveView.as_view(), name="lothold_resolve"),
    path("lossreports/new/", views.LossReportCreateView.as_view(), name="lossreport_create"),
    *loss_reports.urls(),
    path(
        "lossreports/<int:pk>/edit/", views.LossReportUpdateView.as_view(), name="lossreport_update"
    ),
    path(
        "lossreports/<int:pk>/<str:action>/",
        views.LossReportActionView.as_view(),
        name="lossreport_action",
    ),
    path("stocktakes/new/", views.StocktakeCreateView.as_view(), name="stocktake_create"),
    *stocktakes.urls(),
    path(
        "stocktakes/<int:pk>/count/<int:location_pk>/",
        views.StocktakeCountView.as_view(),
        name="stocktake_count",
    ),
    path(
        "stocktakes/<int:pk>/count/<int:location_pk>/add/",
        views.StocktakeAddLineView.as_view(),
        name="stocktake_add_line",
    ),
    path(
        "stocktakes/<int:pk>/<str:action>/",
        views.StocktakeActionView.as_view(),
        name="stocktake_action",
    ),
]
