from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "apps.inventory"
    label = "inventory"
    verbose_name = _("Inventory")

    def ready(self):
        from apps.core.dashboard import register_panel

        from .panels import expiry_bands_panel

        register_panel(expiry_bands_panel)

        from apps.catalog.signals import storage_group_changing

        from .services import storage_group_conflicts

        storage_group_changing.connect(storage_group_conflicts, dispatch_uid="inventory-groups")
