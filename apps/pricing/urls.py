"""URLs of the pricing staff pages."""

from django import forms
from django.urls import path

from apps.core.crud import Crud, CrudDetailView, CrudHistoryView

from . import views
from .filters import CrossDiscountFilter, NationalPriceFilter, PriceChangeNoticeFilter
from .forms import CrossDiscountForm
from .models import CrossDiscount, NationalPrice, PriceChangeNotice
from .resources import CrossDiscountResource
from .services import cross_discount_create, cross_discount_update
from .tables import CrossDiscountTable, NationalPriceTable, PriceChangeNoticeTable

app_name = "pricing"

# History rows and notices are written through their own pages (services), never a generic
# form.
NO_FORM = forms.ModelForm

national_prices = Crud(
    model=NationalPrice,
    table=NationalPriceTable,
    form=NO_FORM,
    filterset=NationalPriceFilter,
    select_related=("product", "notice", "superseded_by", "created_by"),
    detail_fields=(
        "product",
        "price",
        "effective_from",
        "notice",
        "voided",
        "superseded_by",
        "created_by",
        "created_at",
    ),
    paginate_by=50,
    actions=("list", "detail", "history"),
)

notices = Crud(
    model=PriceChangeNotice,
    table=PriceChangeNoticeTable,
    form=NO_FORM,
    filterset=PriceChangeNoticeFilter,
    select_related=("created_by", "executed_by", "cancelled_by"),
    detail_fields=(
        "number",
        "document_ref",
        "effective_date",
        "status",
        "reason",
        "created_by",
        "created_at",
        "executed_by",
        "executed_at",
        "cancelled_by",
        "cancelled_at",
        "cancel_reason",
    ),
    detail_template="pricing/pricechangenotice_detail.html",
    detail_context=views.notice_detail_context,
    actions=("list", "detail", "history"),
)

discounts = Crud(
    model=CrossDiscount,
    table=CrossDiscountTable,
    form=CrossDiscountForm,
    filterset=CrossDiscountFilter,
    resource=CrossDiscountResource,
    select_related=("customer", "customer_class", "product", "category"),
    detail_fields=(
        "customer",
        "customer_class",
        "product",
        "category",
        "rate_pct",
        "floor_price",
        "is_active",
        "note",
    ),
    detail_template="pricing/crossdiscount_detail.html",
    detail_context=views.crossdiscount_detail_context,
    create_service=cross_discount_create,
    update_service=cross_discount_update,
    paginate_by=50,
)


def read_pages(crud: Crud, list_view) -> list:
    """List, detail and history of one model, with the app's own list view."""
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
    *read_pages(national_prices, views.NationalPriceListView),
    *read_pages(notices, views.PriceChangeNoticeListView),
    path(
        "pricechangenotices/new/",
        views.PriceChangeNoticeFormView.as_view(),
        name="pricechangenotice_create",
    ),
    path(
        "pricechangenotices/<int:pk>/edit/",
        views.PriceChangeNoticeFormView.as_view(),
        name="pricechangenotice_update",
    ),
    path(
        "pricechangenotices/<int:pk>/<slug:action>/",
        views.PriceChangeNoticeActionView.as_view(),
        name="pricechangenotice_action",
    ),
    path(
        "crossdiscounts/",
        views.CrossDiscountListView.as_view(crud=discounts),
        name="crossdiscount_list",
    ),
    *[p for p in discounts.urls() if p.name != "crossdiscount_list"],
    path(
        "crossdiscounts/<int:pk>/deactivate/",
        views.CrossDiscountDeactivateView.as_view(),
        name="crossdiscount_action",
    ),
    path("suggested-price/", views.SuggestedPriceView.as_view(), name="suggested_price"),
]
