"""`manage.py check_stock_ledger`: prove every stock balance from the ledger (DESIGN.md 5)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from apps.inventory.selectors_ledger import ledger_discrepancies, ledger_totals


class Command(BaseCommand):
    help = (
        "Check that every stock balance equals the sum of its moves, that reserved equals "
        "the open reservations and that balances name their lot's product. Exits non-zero "
        "and lists every discrepancy otherwise."
    )

    def handle(self, *args, **options):
        outermost = not connection.in_atomic_block
        with transaction.atomic():
            if outermost:
                # All checks and counts see one snapshot, so postings made while the
                # check runs cannot show up as false discrepancies.
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            problems = ledger_discrepancies()
            balances, moves = ledger_totals()
        if problems:
            for problem in problems:
                self.stdout.write(self.style.ERROR(problem))
            raise CommandError(
                f"{len(problems)} discrepancies found in {balances} balances and {moves} moves."
            )
        self.stdout.write(self.style.SUCCESS(f"OK: {balances} balances, {moves} moves checked"))
