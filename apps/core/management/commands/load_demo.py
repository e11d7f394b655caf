"""`manage.py load_demo`: load (or refresh) the demo company, master data, users, stock,
purchase orders and sales orders."""

import time

from django.core.management.base import BaseCommand

from ._demo_data import load_demo


class Command(BaseCommand):
    help = (
        "Load the demo data of a Shanghai medical-device distributor: company, licences, "
        "categories, manufacturers, products, suppliers, customers, one user per role, the "
        "WH01 warehouse with lots in every expiry band, and purchase and sales orders in "
        "every stage. "
        "Safe to run again: rows are matched by code and updated in place."
    )

    def handle(self, *args, **options):
        started = time.monotonic()
        stats = load_demo()
        for key in sorted(stats):
            self.stdout.write(f"  {key}: {stats[key]}")
        self.stdout.write(
            self.style.SUCCESS(f"Demo data loaded in {time.monotonic() - started:.1f} s.")
        )
