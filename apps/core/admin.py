"""Admin of the core models: the company settings singleton and our own licences.

The admin uses the same forms as the staff pages, so the same rules hold in both.
"""

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .forms import CompanyLicenceForm, CompanySettingsForm
from .models import CompanyLicence, CompanySettings

admin.site.site_header = _("GSP-ERP administration")
admin.site.site_title = _("GSP-ERP administration")
admin.site.index_title = _("GSP-ERP administration")


@admin.register(CompanySettings)
class CompanySettingsAdmin(SimpleHistoryAdmin):
    """Exactly one row: no adding a second one, no deleting, the list opens the row."""

    form = CompanySettingsForm

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not CompanySettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        company = CompanySettings.load()
        return redirect(
            reverse(f"{self.admin_site.name}:core_companysettings_change", args=[company.pk])
        )


@admin.register(CompanyLicence)
class CompanyLicenceAdmin(SimpleHistoryAdmin):
    form = CompanyLicenceForm
    list_display = ("licence_type", "number", "holder", "issued_on", "valid_until")
    list_filter = ("licence_type",)
    search_fields = ("number", "holder")
