from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GspQualityConfig(AppConfig):
    """Quality GSP records: quality inquiries and feedback, staff health checks and
    training."""

    name = "apps.gsp_records.quality"
    label = "gsp_quality"
    verbose_name = _("GSP quality records")
