"""The alerts figure of `make bench` (apps/inventory/management/commands/bench.py):
the whole nightly alert run (every enabled job, then the digests prepared) over the
seeded 200,000 lots, with its query count. Each run is rolled back, so every run raises
every alert afresh (the worst case: nothing to refresh, everything to insert). Line
format as the inventory figures; the query count must not depend on the number of lots
(apps/gsp_records/alerts/tests/test_dispatch.py proves it on a small world)."""

from __future__ import annotations

import statistics
import time

from django.db import connection, reset_queries, transaction
from django.test.utils import CaptureQueriesContext

TARGET_MS = 10_000


def nightly_run() -> tuple[int, int]:
    """(findings, digests) of one complete nightly run, rolled back."""
    from apps.core.models import today

    from . import services

    with transaction.atomic():
        runs = services.run_jobs(today())
        digests = services.prepare_digests(today())
        transaction.set_rollback(True)
    return sum(run.findings for run in runs), len(digests)


def report(command, runs: int = 5) -> None:
    from . import services

    services.ensure_jobs()
    findings, digests = nightly_run()  # warm up caches and plans
    timings, queries = [], 0
    for _run in range(runs):
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            nightly_run()
            timings.append((time.perf_counter() - started) * 1000)
        queries = len(ctx.captured_queries)
    command.emit(
        "nightly alert run (5 jobs + digests)", statistics.median(timings), TARGET_MS, queries
    )
    command.stdout.write(f"nightly alert run: {findings} findings, {digests} digests")
