"""Every existing product starts its national price history with its current price,
effective from the day it was created (so the price in force before a later change is
known)."""

from django.db import migrations
from django.utils import timezone


def baseline(apps, schema_editor):
    Product = apps.get_model("catalog", "Product")
    NationalPrice = apps.get_model("pricing", "NationalPrice")
    with_history = NationalPrice.objects.values("product_id")
    rows = [
        NationalPrice(
            product_id=pk,
            price=price,
            effective_from=timezone.localdate(created_at),
        )
        for pk, price, created_at in Product.objects.exclude(pk__in=with_history).values_list(
            "pk", "national_wholesale_price", "created_at"
        )
    ]
    NationalPrice.objects.bulk_create(rows, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("pricing", "0001_initial")]

    operations = [migrations.RunPython(baseline, migrations.RunPython.noop)]
