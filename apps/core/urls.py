"""URLs of the core staff pages."""

from django.urls import path

from . import views
from .crud import Crud
from .forms import CompanyLicenceForm
from .models import CompanyLicence
from .tables import CompanyLicenceTable

app_name = "core"

company_licences = Crud(
    model=CompanyLicence,
    table=CompanyLicenceTable,
    form=CompanyLicenceForm,
    prefetch_related=("scope_categories",),
)

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("company/", views.CompanySettingsView.as_view(), name="company_settings"),
    path("company/edit/", views.CompanySettingsUpdateView.as_view(), name="company_settings_edit"),
    *company_licences.urls(),
]
