from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

EXPIRY_HORIZON_DAYS = 60


def expiring_documents_panel(request):
    """Dashboard: supplier licences and sales-rep authorisations expired or expiring soon."""
    if not request.user.has_perm("suppliers.view_supplier"):
        return None
    from apps.core.models import today

    from .selectors import expiring_documents

    documents = expiring_documents(today(), within_days=EXPIRY_HORIZON_DAYS)
    if not documents["licences"] and not documents["reps"]:
        return None
    expired = any(doc.valid_until < documents["on_date"] for doc in documents["licences"]) or any(
        rep.valid_until < documents["on_date"] for rep in documents["reps"]
    )
    return {
        "title": _("Supplier documents expired or expiring within %(days)d days")
        % {"days": EXPIRY_HORIZON_DAYS},
        "template": "suppliers/dashboard_expiring.html",
        "context": documents,
        "order": 30,
        "width": 12,
        "alert": expired,
    }


class SuppliersConfig(AppConfig):
    name = "apps.suppliers"
    label = "suppliers"
    verbose_name = _("Suppliers")

    def ready(self):
        from apps.core.dashboard import register_panel

        register_panel(expiring_documents_panel)
