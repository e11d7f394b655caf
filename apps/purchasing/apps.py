from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PurchasingConfig(AppConfig):
    name = "apps.purchasing"
    label = "purchasing"
    verbose_name = _("Purchasing")

    def ready(self):
        from apps.inventory.selectors import register_trace_details

        from .selectors import receipt_trace_details, return_trace_details
        from .services import RECEIPT_SOURCE, RETURN_SOURCE

        # The recall trace of a lot names the supplier and order behind each receipt.
        register_trace_details(RECEIPT_SOURCE, receipt_trace_details)
        register_trace_details(RETURN_SOURCE, return_trace_details)
