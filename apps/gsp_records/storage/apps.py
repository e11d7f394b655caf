from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GspStorageConfig(AppConfig):
    """Warehouse GSP records: temperature and humidity, maintenance inspections,
    re-inspection and stop-sale notices, equipment use and calibration."""

    name = "apps.gsp_records.storage"
    label = "gsp_storage"
    verbose_name = _("GSP storage records")

    def ready(self):
        from . import documents  # noqa: F401  (registers the PDF forms)
