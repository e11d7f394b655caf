"""URLs of the customers staff pages."""

from django.urls import path

from apps.core.crud import CHILD_ACTIONS, Crud

from . import services
from .filters import CustomerClassFilter, CustomerFilter
from .forms import CUSTOMER_FIELDS, CustomerClassForm, CustomerForm, CustomerLicenceForm
from .models import Customer, CustomerClass, CustomerLicence
from .resources import CustomerClassResource, CustomerLicenceResource, CustomerResource
from .tables import CustomerClassTable, CustomerLicenceTable, CustomerTable
from .views import CustomerCreditView, customer_detail_context

app_name = "customers"

customer_classes = Crud(
    model=CustomerClass,
    table=CustomerClassTable,
    form=CustomerClassForm,
    filterset=CustomerClassFilter,
    resource=CustomerClassResource,
    create_service=services.customer_class_create,
    update_service=services.customer_class_update,
)

customers = Crud(
    model=Customer,
    table=CustomerTable,
    form=CustomerForm,
    filterset=CustomerFilter,
    resource=CustomerResource,
    select_related=("customer_class",),
    prefetch_related=("licences__scope_categories",),
    # Credit limit and minimum shelf life have their own section on the detail page.
    detail_fields=tuple(
        f for f in CUSTOMER_FIELDS if f not in ("credit_limit", "min_shelf_life_days")
    ),
    detail_template="customers/customer_detail.html",
    detail_context=customer_detail_context,
    create_service=services.customer_create,
    update_service=services.customer_update,
)

customer_licences = Crud(
    model=CustomerLicence,
    table=CustomerLicenceTable,
    form=CustomerLicenceForm,
    resource=CustomerLicenceResource,
    parent_field="customer",
    select_related=("customer",),
    prefetch_related=("scope_categories",),
    detail_template="customers/customerlicence_detail.html",
    create_service=services.customer_licence_create,
    update_service=services.customer_licence_update,
    # Licences are listed on the customer's page; the import leads back to the customers.
    actions=(*CHILD_ACTIONS, "import"),
)


urlpatterns = [
    *customer_classes.urls(),
    *customers.urls(),
    *customer_licences.urls(),
    path("customers/<int:pk>/credit/", CustomerCreditView.as_view(), name="customer_credit_edit"),
]
