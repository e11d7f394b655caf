from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles_after_migrate(sender, **kwargs):
    # Keeps the groups equal to apps/core/roles.py after every migrate (the data
    # migration creates them; this picks up permissions added by later migrations).
    if sender.label != "core":
        return
    from .roles import sync_roles

    sync_roles()


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from .dashboard import register_panel
        from .panels import approvals_waiting_panel, company_licences_panel

        post_migrate.connect(_sync_roles_after_migrate, sender=self)
        register_panel(approvals_waiting_panel)
        register_panel(company_licences_panel)
