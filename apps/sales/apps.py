from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "apps.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self):
        from apps.core.dashboard import register_panel

        from . import trace
        from .panels import manager_queue_panel

        trace.register()
        register_panel(manager_queue_panel)
