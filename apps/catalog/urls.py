"""URLs of the catalog staff pages."""

from django.urls import path

from apps.core.crud import Crud
from apps.core.views import ApprovalActionView

from . import views
from .filters import (
    CategoryFilterSet,
    ManufacturerFilterSet,
    ProductFilterSet,
    ProductFirstApprovalFilterSet,
    StorageGroupFilterSet,
)
from .forms import (
    CategoryForm,
    ManufacturerForm,
    ManufacturerLicenceForm,
    ProductFirstApprovalStartForm,
    ProductForm,
    StorageGroupForm,
)
from .models import (
    Category,
    Manufacturer,
    ManufacturerLicence,
    Product,
    ProductFirstApproval,
    StorageGroup,
)
from .resources import CategoryResource, ManufacturerResource, ProductResource
from .services import product_create, product_first_approval_start, product_update
from .tables import (
    CategoryTable,
    ManufacturerTable,
    ProductFirstApprovalTable,
    ProductTable,
    StorageGroupTable,
)

app_name = "catalog"


def _create_product(*, user, instance, form):
    return product_create(product=instance, user=user)


def _update_product(*, user, instance, form):
    return product_update(product=instance, user=user)


def _start_first_approval(*, user, instance, form):
    return product_first_approval_start(
        product=form.cleaned_data["product"],
        user=user,
        note=form.cleaned_data.get("application_note", ""),
    )


categories = Crud(
    model=Category,
    table=CategoryTable,
    form=CategoryForm,
    filterset=CategoryFilterSet,
    resource=CategoryResource,
    select_related=("parent",),
    paginate_by=50,
)

manufacturers = Crud(
    model=Manufacturer,
    table=ManufacturerTable,
    form=ManufacturerForm,
    filterset=ManufacturerFilterSet,
    resource=ManufacturerResource,
    detail_template="catalog/manufacturer_detail.html",
    detail_context=views.manufacturer_detail_context,
)

manufacturer_licences = Crud(
    model=ManufacturerLicence,
    table=ManufacturerTable,  # child records are listed on the manufacturer's page
    form=ManufacturerLicenceForm,
    parent_field="manufacturer",
    select_related=("manufacturer",),
    prefetch_related=("scope_categories",),
    detail_template="catalog/manufacturerlicence_detail.html",
)

products = Crud(
    model=Product,
    table=ProductTable,
    form=ProductForm,
    filterset=ProductFilterSet,
    resource=ProductResource,
    select_related=("category", "manufacturer", "first_approval", "storage_group"),
    detail_template="catalog/product_detail.html",
    detail_context=views.product_detail_context,
    create_service=_create_product,
    update_service=_update_product,
)

first_approvals = Crud(
    model=ProductFirstApproval,
    table=ProductFirstApprovalTable,
    form=ProductFirstApprovalStartForm,
    filterset=ProductFirstApprovalFilterSet,
    select_related=("product", "submitted_by", "quality_by", "manager_by"),
    detail_fields=("product", "status"),
    detail_template="catalog/productfirstapproval_detail.html",
    detail_context=views.approval_detail_context,
    create_service=_start_first_approval,
    # An approval changes only through its steps (submit/review), never by editing.
    actions=("list", "detail", "create", "history"),
)

storage_groups = Crud(
    model=StorageGroup,
    table=StorageGroupTable,
    form=StorageGroupForm,
    filterset=StorageGroupFilterSet,
    prefetch_related=("incompatible_with",),
    detail_fields=("code", "name", "incompatible_with"),
    actions=("list", "detail", "create", "update", "history"),
)

urlpatterns = [
    *categories.urls(),
    *manufacturers.urls(),
    *manufacturer_licences.urls(),
    *products.urls(),
    path(
        "products/<int:pk>/first-approval/",
        views.ProductFirstApprovalStartView.as_view(),
        name="product_first_approval_start",
    ),
    *first_approvals.urls(),
    *storage_groups.urls(),
    path(
        "productfirstapprovals/<int:pk>/<str:action>/",
        ApprovalActionView.as_view(model=ProductFirstApproval),
        name="productfirstapproval_action",
    ),
]
