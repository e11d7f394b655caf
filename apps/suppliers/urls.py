"""URLs of the suppliers staff pages."""

from django.urls import path

from apps.core.crud import CHILD_ACTIONS, Crud

from . import views
from .filters import SupplierFilter, SupplierFirstApprovalFilter, SupplierLicenceFilter
from .forms import (
    SalesRepAuthorisationForm,
    SupplierFirstApprovalForm,
    SupplierForm,
    SupplierLicenceForm,
)
from .models import SalesRepAuthorisation, Supplier, SupplierFirstApproval, SupplierLicence
from .resources import SupplierLicenceResource, SupplierResource
from .services import SUPPLIER_FIELDS
from .tables import (
    AllSupplierLicencesTable,
    SalesRepTable,
    SupplierFirstApprovalTable,
    SupplierTable,
)

app_name = "suppliers"

suppliers = Crud(
    model=Supplier,
    table=SupplierTable,
    form=SupplierForm,
    filterset=SupplierFilter,
    resource=SupplierResource,
    # Everything the trade-status column reads, so the list costs the same for 5 or 500 rows.
    select_related=("first_approval",),
    prefetch_related=("licences", "sales_reps"),
    detail_fields=SUPPLIER_FIELDS,
    detail_template="suppliers/supplier_detail.html",
    detail_context=views.supplier_detail_context,
    create_service=views.save_supplier,
    update_service=views.save_supplier,
)

supplier_licences = Crud(
    model=SupplierLicence,
    table=AllSupplierLicencesTable,
    form=SupplierLicenceForm,
    filterset=SupplierLicenceFilter,
    resource=SupplierLicenceResource,
    select_related=("supplier",),
    prefetch_related=("scope_categories",),
    parent_field="supplier",
    # Besides the supplier's page, every supplier's licences in one list, with import.
    actions=(*CHILD_ACTIONS, "list", "import"),
    detail_template="suppliers/child_detail.html",
    detail_context=views.licence_detail_context,
    create_service=views.save_licence,
    update_service=views.save_licence,
)

sales_reps = Crud(
    model=SalesRepAuthorisation,
    table=SalesRepTable,
    form=SalesRepAuthorisationForm,
    select_related=("supplier",),
    parent_field="supplier",
    detail_fields=(
        "supplier",
        "rep_name",
        "id_number",
        "phone",
        "valid_from",
        "valid_until",
        "scope",
        "scan",
    ),
    detail_template="suppliers/child_detail.html",
    detail_context=views.rep_detail_context,
    create_service=views.save_rep,
    update_service=views.save_rep,
)

first_approvals = Crud(
    model=SupplierFirstApproval,
    table=SupplierFirstApprovalTable,
    form=SupplierFirstApprovalForm,
    filterset=SupplierFirstApprovalFilter,
    select_related=("supplier", "submitted_by", "quality_by", "manager_by"),
    detail_fields=("supplier", "status", "application_note"),
    detail_template="suppliers/approval_detail.html",
    detail_context=views.approval_detail_context,
    create_service=views.start_approval,
    update_service=views.update_approval,
)


urlpatterns = [
    *suppliers.urls(),
    path(
        "suppliers/<int:pk>/check/",
        views.SupplierTradeCheckView.as_view(),
        name="supplier_trade_check",
    ),
    path(
        "suppliers/<int:pk>/approval/start/",
        views.SupplierApprovalStartView.as_view(),
        name="supplier_approval_start",
    ),
    *supplier_licences.urls(),
    *sales_reps.urls(),
    *first_approvals.urls(),
    path(
        "supplierfirstapprovals/<int:pk>/<str:action>/",
        views.SupplierApprovalActionView.as_view(),
        name="supplierfirstapproval_action",
    ),
]
