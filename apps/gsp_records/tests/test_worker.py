"""The PDF task through a real Celery worker and Redis (marker `redis`).

Same pattern as tests/test_celery_redis.py: a Celery app of its own (never the project's,
whose configuration the rest of the suite relies on) with a worker in a thread. The
project's task is a shared task, so it is registered on this app too, and while the
worker runs this app is the current one: `pdf_request`'s on-commit dispatch goes through
Redis. Redis comes from REDIS_URL, else redis://127.0.0.1:6379/15; when unreachable the
test is skipped, except under CI=true, where it fails.
"""

from __future__ import annotations

import hashlib
import time
import uuid

import pytest
from celery import Celery, current_app
from celery.contrib.testing.worker import start_worker

from apps.core.tests.factories import user_with_role
from apps.gsp_records import services, tasks
from apps.gsp_records.models import GeneratedPdf, PdfStatus
from tests.test_celery_redis import (  # noqa: F401 - fixtures
    BoundedWorkController,
    redis_url,
    require_redis,
    restore_celery_globals,
    watchdog,
)

from .pdf_helpers import CODE, TITLE, params, pdf_text, test_form  # noqa: F401

TASK = tasks.render_pdf.name  # a shared task: registered on every app, ours too
READY_TIMEOUT = 60  # seconds for the worker to render


def wait_until_done(pk: int) -> GeneratedPdf:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        generated = GeneratedPdf.objects.get(pk=pk)
        if generated.status != PdfStatus.QUEUED:
            return generated
        time.sleep(0.2)
    pytest.fail(f"PDF {pk} still queued after {READY_TIMEOUT}s")


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("watchdog", "restore_celery_globals", "test_form")
def test_pdf_task_runs_through_redis_and_a_worker():
    url = redis_url()
    client = require_redis(url)
    token = uuid.uuid4().hex[:12]
    app = Celery(f"gsp_erp_pdf_test_{token}", set_as_current=False)
    app.conf.update(
        broker_url=url,
        result_backend=url,
        task_default_queue=f"gsp-erp-pdf-test-{token}",
        task_always_eager=False,
        task_acks_late=True,
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        broker_connection_timeout=5,
        broker_connection_retry_on_startup=False,
        broker_connection_max_retries=1,
        broker_transport_options={"socket_connect_timeout": 5, "max_retries": 1},
        redis_socket_connect_timeout=5,
        result_expires=300,
    )
    inspector = user_with_role("inspector")
    try:
        with start_worker(
            app,
            pool="solo",
            concurrency=1,
            perform_ping_check=False,
            shutdown_timeout=15,
            WorkController=BoundedWorkController,
        ):
            assert TASK in app.tasks
            assert current_app._get_current_object() is app  # .delay() goes to Redis
            generated = services.pdf_request(
                form_code=CODE, data=params(batches=("W2026A",)), user=inspector
            )
            generated = wait_until_done(generated.pk)
            assert generated.status == PdfStatus.READY, generated.error
            content = bytes(generated.content)
            assert hashlib.sha256(content).hexdigest() == generated.sha256
            assert TITLE in pdf_text(content) and "W2026A" in pdf_text(content)
            first = (generated.attempts, generated.finished_at, generated.sha256)

            # Delivered again (as after a worker died before acknowledging): no new
            # render, no new row.
            result = app.send_task(TASK, args=[generated.pk])
            assert result.get(timeout=READY_TIMEOUT) == PdfStatus.READY
            result.forget()
            generated.refresh_from_db()
            assert (generated.attempts, generated.finished_at, generated.sha256) == first
            assert GeneratedPdf.objects.count() == 1
    finally:
        for key in client.scan_iter(match=f"*{token}*"):
            client.delete(key)
        client.close()
