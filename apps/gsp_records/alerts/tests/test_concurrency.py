"""Two dispatchers at once (two beat processes, or beat and a hand run) on PostgreSQL:
every due job runs once and every recipient gets one digest."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from apps.core.models import today
from apps.gsp_records.alerts import services
from apps.gsp_records.alerts.models import AlertDigest, DigestStatus, JobRun

from .world import expiry_world, local_time, staff

pytestmark = pytest.mark.django_db(transaction=True)
DISPATCHERS = 4


def test_racing_dispatchers_run_each_job_once_and_send_one_digest_each(eager_celery, mailbox):
    expiry_world()
    keeper = staff("keeper")
    quality = staff("quality_manager")
    services.ensure_jobs()
    day = today()
    barrier = threading.Barrier(DISPATCHERS, timeout=30)
    errors: list = []

    def dispatcher():
        try:
            barrier.wait()
            services.dispatch(local_time(day, 2))
        except Exception as error:  # inspected below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatcher) for _ in range(DISPATCHERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads), "a dispatcher hung"

    assert errors == []
    assert JobRun.objects.filter(run_date=day).count() == 5
    assert sorted(m.to[0] for m in mailbox) == sorted([keeper.email, quality.email])
    assert AlertDigest.objects.filter(date=day, status=DigestStatus.SENT).count() == 2
