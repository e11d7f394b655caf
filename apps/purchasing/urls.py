"""URLs of the purchasing staff pages."""

from django import forms
from django.urls import path

from apps.core.crud import Crud, CrudDetailView, CrudHistoryView

from . import views
from .filters import (
    AcceptanceFilter,
    PurchaseOrderFilter,
    PurchaseReturnFilter,
    ReceiptFilter,
    RejectionReportFilter,
)
from .models import Acceptance, PurchaseOrder, PurchaseReturn, Receipt, RejectionReport
from .tables import (
    AcceptanceTable,
    PurchaseOrderTable,
    PurchaseReturnTable,
    ReceiptTable,
    RejectionReportTable,
)

app_name = "purchasing"

# Documents are written through their own pages (services), never a generic form.
NO_FORM = forms.ModelForm
READ_ACTIONS = ("list", "detail", "history")

orders = Crud(
    model=PurchaseOrder,
    table=PurchaseOrderTable,
    form=NO_FORM,
    filterset=PurchaseOrderFilter,
    select_related=("supplier", "warehouse", "created_by"),
    detail_fields=(
        "number",
        "supplier",
        "order_date",
        "planned_arrival",
        "warehouse",
        "status",
        "created_by",
        "submitted_at",
        "approved_by",
        "approved_at",
        "approval_note",
        "closed_by",
        "closed_at",
        "close_reason",
        "note",
    ),
    detail_template="purchasing/purchaseorder_detail.html",
    detail_context=views.purchaseorder_detail_context,
    actions=READ_ACTIONS,
)
receipts = Crud(
    model=Receipt,
    table=ReceiptTable,
    form=NO_FORM,
    filterset=ReceiptFilter,
    select_related=("order", "supplier", "warehouse", "received_by"),
    detail_fields=(
        "number",
        "order",
        "supplier",
        "warehouse",
        "received_on",
        "received_by",
        "transport_mode",
        "delivery_note_number",
        "note",
    ),
    detail_template="purchasing/receipt_detail.html",
    detail_context=views.receipt_detail_context,
    actions=READ_ACTIONS,
)
acceptances = Crud(
    model=Acceptance,
    table=AcceptanceTable,
    form=NO_FORM,
    filterset=AcceptanceFilter,
    select_related=(
        "receipt_line__receipt__supplier",
        "receipt_line__product",
        "receipt_line__lot",
        "inspector",
    ),
    detail_fields=("number",),
    detail_template="purchasing/acceptance_detail.html",
    detail_context=views.acceptance_detail_context,
    actions=READ_ACTIONS,
)
rejection_reports = Crud(
    model=RejectionReport,
    table=RejectionReportTable,
    form=NO_FORM,
    filterset=RejectionReportFilter,
    select_related=(
        "acceptance__receipt_line__receipt__supplier",
        "acceptance__receipt_line__product",
        "acceptance__receipt_line__lot",
        "created_by",
    ),
    detail_fields=("number",),
    detail_template="purchasing/rejectionreport_detail.html",
    detail_context=views.rejectionreport_detail_context,
    actions=READ_ACTIONS,
)
returns = Crud(
    model=PurchaseReturn,
    table=PurchaseReturnTable,
    form=NO_FORM,
    filterset=PurchaseReturnFilter,
    select_related=("supplier", "order", "created_by"),
    detail_fields=("number", "supplier", "order", "returned_on", "reason", "created_by"),
    detail_template="purchasing/purchasereturn_detail.html",
    detail_context=views.purchasereturn_detail_context,
    actions=READ_ACTIONS,
)


def read_pages(crud: Crud, list_view=views.PurchasingListView) -> list:
    """List, detail and history of one document type."""
    name, prefix = crud.model_name, f"{crud.model_name}s/"
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
    *read_pages(orders, views.PurchaseOrderListView),
    path(
        "purchaseorders/new/",
        views.PurchaseOrderFormView.as_view(),
        name="purchaseorder_create",
    ),
    path(
        "purchaseorders/<int:pk>/edit/",
        views.PurchaseOrderFormView.as_view(),
        name="purchaseorder_update",
    ),
    path(
        "purchaseorders/<int:pk>/<slug:action>/",
        views.PurchaseOrderActionView.as_view(),
        name="purchaseorder_action",
    ),
    *read_pages(receipts, views.ReceiptListView),
    path("receipts/new/", views.ReceiptCreateView.as_view(), name="receipt_create"),
    path(
        "receipts/new/<int:order_pk>/",
        views.ReceiptCreateView.as_view(),
        name="receipt_create_for_order",
    ),
    path("receipts/scan/", views.ReceiptScanView.as_view(), name="receipt_scan"),
    path(
        "receiptlines/<int:pk>/inspect/",
        views.ReceiptLineInspectView.as_view(),
        name="receiptline_inspect",
    ),
    *read_pages(acceptances),
    *read_pages(rejection_reports),
    *read_pages(returns, views.PurchaseReturnListView),
    path(
        "purchasereturns/new/",
        views.PurchaseReturnCreateView.as_view(),
        name="purchasereturn_create",
    ),
]
