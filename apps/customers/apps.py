from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "apps.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self):
        from apps.core.dashboard import register_panel

        from .panels import customer_licences_panel

        register_panel(customer_licences_panel)
