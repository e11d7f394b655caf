from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class PricingConfig(AppConfig):
    name = "apps.pricing"
    label = "pricing"
    verbose_name = _("Pricing")

    def ready(self):
        from apps.catalog.models import Product

        from .receivers import product_saved

        post_save.connect(product_saved, sender=Product, dispatch_uid="pricing_product_saved")
