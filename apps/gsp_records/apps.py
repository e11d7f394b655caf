from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GspRecordsConfig(AppConfig):
    name = "apps.gsp_records"
    label = "gsp_records"
    verbose_name = _("GSP records")

    def ready(self):
        from . import documents  # noqa: F401  (registers the PDF forms)
