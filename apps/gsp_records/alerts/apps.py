from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GspAlertsConfig(AppConfig):
    """Nightly alerts (DESIGN.md 10): jobs, the alerts they raise, digests by email."""

    name = "apps.gsp_records.alerts"
    label = "gsp_alerts"
    verbose_name = _("Alerts")
