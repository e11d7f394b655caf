"""URLs of the sales staff pages."""

from django import forms
from django.urls import path

from apps.core.crud import Crud, CrudDetailView, CrudHistoryView

from .filters import DeliveryFilter, SalesOrderFilter, SalesReturnFilter
from .models import Delivery, SalesOrder, SalesReturn
from .tables import DeliveryTable, SalesOrderTable, SalesReturnTable
from .views import approvals, deliveries, orders, returns

app_name = "sales"

# Documents are written through their own pages (services), never a generic form.
NO_FORM = forms.ModelForm

order_crud = Crud(
    model=SalesOrder,
    table=SalesOrderTable,
    form=NO_FORM,
    filterset=SalesOrderFilter,
    select_related=("customer", "salesperson", "warehouse"),
    detail_fields=(
        "number",
        "sales_type",
        "customer",
        "order_date",
        "salesperson",
        "created_by",
        "warehouse",
        "settlement_method",
        "payment_terms_days",
        "planned_delivery",
        "delivery_address",
        "status",
        "submitted_at",
        "confirmed_by",
        "confirmed_at",
        "closed_by",
        "closed_at",
        "close_reason",
        "note",
    ),
    detail_template="sales/salesorder_detail.html",
    detail_context=orders.salesorder_detail_context,
    actions=("list", "detail", "history"),
)
delivery_crud = Crud(
    model=Delivery,
    table=DeliveryTable,
    form=NO_FORM,
    filterset=DeliveryFilter,
    select_related=("order", "customer", "warehouse"),
    detail_fields=(
        "number",
        "order",
        "customer",
        "warehouse",
        "status",
        "picked_by",
        "checked_by",
        "checked_at",
        "check_note",
        "shipped_by",
        "shipped_at",
        "shipped_on",
        "transport_mode",
        "carrier",
        "departure_temperature",
        "arrival_temperature",
        "cancelled_by",
        "cancelled_at",
        "cancel_reason",
        "note",
    ),
    detail_template="sales/delivery_detail.html",
    detail_context=deliveries.delivery_detail_context,
    actions=("list", "detail", "history"),
)
return_crud = Crud(
    model=SalesReturn,
    table=SalesReturnTable,
    form=NO_FORM,
    filterset=SalesReturnFilter,
    select_related=("customer", "delivery", "created_by"),
    detail_fields=(
        "number",
        "delivery",
        "customer",
        "returned_on",
        "reason",
        "status",
        "created_by",
    ),
    detail_template="sales/salesreturn_detail.html",
    detail_context=returns.salesreturn_detail_context,
    actions=("list", "detail", "history"),
)


def read_pages(crud: Crud, list_view, prefix: str = "") -> list:
    """List, detail and history of one document type."""
    name, prefix = crud.model_name, prefix or f"{crud.model_name}s/"
    return [
        path(prefix, list_view.as_view(crud=crud), name=f"{name}_list"),
        path(f"{prefix}<int:pk>/", CrudDetailView.as_view(crud=crud), name=f"{name}_detail"),
        path(
            f"{prefix}<int:pk>/history/",
            CrudHistoryView.as_view(crud=crud),
            name=f"{name}_history",
        ),
    ]


urlpatterns = [
    # sales orders
    *read_pages(order_crud, orders.SalesOrderListView),
    path("salesorders/new/", orders.SalesOrderFormView.as_view(), name="salesorder_create"),
    path(
        "salesorders/<int:pk>/edit/",
        orders.SalesOrderFormView.as_view(),
        name="salesorder_update",
    ),
    path(
        "salesorders/preview/",
        orders.SalesOrderPreviewView.as_view(),
        name="salesorder_preview",
    ),
    path(
        "salesorders/<int:pk>/preview/",
        orders.SalesOrderPreviewView.as_view(),
        name="salesorder_preview_for",
    ),
    path(
        "salesorders/<int:pk>/<slug:action>/",
        orders.SalesOrderActionView.as_view(),
        name="salesorder_action",
    ),
    path("approvals/", approvals.ApprovalQueueView.as_view(), name="approval_queue"),
    # deliveries
    *read_pages(delivery_crud, deliveries.DeliveryListView, "deliveries/"),
    path(
        "deliveries/new/<int:order_pk>/",
        deliveries.DeliveryCreateView.as_view(),
        name="delivery_create",
    ),
    path(
        "deliveries/<int:pk>/picking-list/",
        deliveries.PickingListPrintView.as_view(),
        name="delivery_picking_list",
    ),
    path(
        "deliveries/<int:pk>/check/",
        deliveries.DeliveryCheckView.as_view(),
        name="delivery_check",
    ),
    path("deliveries/<int:pk>/ship/", deliveries.DeliveryShipView.as_view(), name="delivery_ship"),
    path(
        "deliveries/<int:pk>/cancel/",
        deliveries.DeliveryCancelView.as_view(),
        name="delivery_cancel",
    ),
    path(
        "deliveries/<int:pk>/delivery-note.pdf",
        deliveries.DeliveryNotePdfView.as_view(),
        name="delivery_note_pdf",
    ),
    # sales returns
    *read_pages(return_crud, returns.SalesReturnListView),
    path("salesreturns/new/", returns.SalesReturnCreateView.as_view(), name="salesreturn_create"),
    path(
        "salesreturnlines/<int:pk>/inspect/",
        returns.SalesReturnLineInspectView.as_view(),
        name="salesreturnline_inspect",
    ),
]
