"""Run alert jobs by hand: `manage.py run_alerts [--job CODE ...] [--date YYYY-MM-DD] [--email]`.

Runs the jobs (default: every enabled one) for the date (default: today), whatever their
run time and even if they already ran that day (their alerts are refreshed, nothing is
duplicated). With --email, also prepares and sends the day's digests to whoever has not
had one that day (the dispatcher does this on its own once all of the day's jobs ran).
"""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError

from apps.core.models import today

from ... import services
from ...models import AlertKind


def parse_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--date must be YYYY-MM-DD, not {value!r}") from error


class Command(BaseCommand):
    help = "Run the nightly alert jobs now (all enabled ones, or --job CODE)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--job", action="append", choices=AlertKind.values, help="job code (repeatable)"
        )
        parser.add_argument("--date", type=parse_date, help="run date, YYYY-MM-DD (default today)")
        parser.add_argument("--email", action="store_true", help="also send the day's digests")

    def handle(self, *args, job=None, date=None, email=False, **options):
        run_date = date or today()
        runs = services.run_jobs(run_date, codes=job)
        for run in runs:
            self.stdout.write(
                f"{run.job.code}  {run.run_date}  {run.status}  {run.findings} findings"
                + (f"  {run.note}" if run.note else "")
            )
        if email:
            ids = services.prepare_digests(run_date)
            self.stdout.write(f"{len(ids)} digests queued")
