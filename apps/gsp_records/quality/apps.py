from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GspQualityConfig(AppConfig):
    """Quality GSP records: re-inspection and stop-sale notices, quality inquiries and
    feedback, staff health checks and training."""

    name = "apps.gsp_records.quality"
    label = "gsp_quality"
    verbose_name = _("GSP quality records")

    def ready(self):
        from . import documents

        documents.register_all()
