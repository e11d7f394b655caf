from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "apps.catalog"
    label = "catalog"
    verbose_name = _("Catalog")

    def ready(self):
        from apps.core.dashboard import register_panel

        from .panels import registration_panel

        register_panel(registration_panel)
