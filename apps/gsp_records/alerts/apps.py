from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GspAlertsConfig(AppConfig):
    """Nightly alerts (DESIGN.md 10): jobs, the alerts they raise, digests by email."""

    name = "apps.gsp_records.alerts"
    label = "gsp_alerts"
    verbose_name = _("Alerts")

    def ready(self):
        from apps.core.dashboard import register_panel

        from .panels import open_alerts_panel

        register_panel(open_alerts_panel)
