"""Celery against a real Redis, and the eager fallback without REDIS_URL.

The Redis test uses its own Celery app (never the project's `gsp_erp.celery.app`, whose
configuration the rest of the suite relies on) and a worker running in a thread. Redis
comes from REDIS_URL, else redis://127.0.0.1:6379/15. When Redis is unreachable the test
is skipped, except under CI=true, where it fails: CI must exercise the real broker.
"""

import faulthandler
import logging
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis
from celery import Celery, _state
from celery.contrib.testing.worker import TestWorkController, start_worker
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("GSP_VAR_DIR", ROOT / "var"))
DEFAULT_TEST_REDIS_URL = "redis://127.0.0.1:6379/15"
RESULT_TIMEOUT = 20  # seconds to wait for the task's result
WORKER_STARTUP_TIMEOUT = 30  # seconds for the embedded worker to start consuming
WATCHDOG_TIMEOUT = 120  # last resort: abort the whole run rather than hang forever


def redis_url() -> str:
    return os.environ.get("REDIS_URL", "").strip() or DEFAULT_TEST_REDIS_URL


def require_redis(url: str) -> redis.Redis:
    client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        message = f"Redis is not reachable at {url}: {str(exc).rstrip('.')}"
        if os.environ.get("CI", "").strip().lower() == "true":
            pytest.fail(f"{message}. CI=true requires a running Redis for the redis tests.")
        pytest.skip(message)
    return client


class BoundedWorkController(TestWorkController):
    """The stock test worker waits forever for a worker that failed to start."""

    __test__ = False

    def ensure_started(self):
        if not self._on_started.wait(WORKER_STARTUP_TIMEOUT):
            raise RuntimeError(
                f"embedded Celery worker did not start within {WORKER_STARTUP_TIMEOUT}s"
            )


@pytest.fixture
def watchdog():
    """Dump the stacks and exit if the test hangs (e.g. a worker thread that never stops)."""
    faulthandler.dump_traceback_later(WATCHDOG_TIMEOUT, exit=True)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()


@pytest.fixture
def restore_celery_globals(monkeypatch):
    """start_worker makes its app the current and default one; put the previous ones back."""
    previous_default = _state.default_app
    previous_current = _state.get_current_app()
    # Celery's log setup writes these; monkeypatch restores the caller's values.
    monkeypatch.setenv("CELERY_LOG_LEVEL", os.environ.get("CELERY_LOG_LEVEL", ""))
    monkeypatch.setenv("CELERY_LOG_FILE", os.environ.get("CELERY_LOG_FILE", ""))
    try:
        yield
    finally:
        _state.set_default_app(previous_default)
        _state._set_current_app(previous_current)
        logging.captureWarnings(False)


@pytest.mark.redis
def test_celery_round_trip_through_redis(watchdog, restore_celery_globals):
    url = redis_url()
    client = require_redis(url)
    token = uuid.uuid4().hex[:12]
    queue = f"gsp-erp-test-{token}"

    app = Celery(f"gsp_erp_redis_test_{token}", set_as_current=False)
    app.conf.update(
        broker_url=url,
        result_backend=url,
        task_default_queue=queue,
        task_always_eager=False,
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        broker_connection_timeout=5,
        broker_connection_retry_on_startup=False,
        broker_connection_max_retries=1,
        broker_transport_options={"socket_connect_timeout": 5, "max_retries": 1},
        redis_socket_connect_timeout=5,
        result_expires=300,
    )

    @app.task(name=f"gsp_erp_test.add_{token}")
    def add(x, y):
        return x + y

    try:
        with start_worker(
            app,
            pool="solo",
            concurrency=1,
            perform_ping_check=False,
            shutdown_timeout=15,
            WorkController=BoundedWorkController,
        ):
            result = add.delay(2, 3)
            assert result.get(timeout=RESULT_TIMEOUT) == 5
            assert result.successful()
            result.forget()
    finally:
        for key in client.scan_iter(match=f"*{token}*"):
            client.delete(key)
        client.close()


def test_tasks_run_eagerly_exactly_when_redis_url_is_unset():
    from gsp_erp.celery import app as project_app

    if settings.REDIS_URL:
        assert settings.CELERY_TASK_ALWAYS_EAGER is False
        assert project_app.conf.broker_url == settings.REDIS_URL
    else:
        assert settings.CELERY_TASK_ALWAYS_EAGER is True
        assert settings.CELERY_BROKER_URL == "memory://"
    assert project_app.conf.task_always_eager is settings.CELERY_TASK_ALWAYS_EAGER


def test_without_redis_url_delay_runs_in_process():
    """A fresh interpreter without REDIS_URL: .delay() returns the result with no broker."""
    script = "\n".join(
        [
            "from gsp_erp.celery import app",
            "from django.conf import settings",
            "assert settings.REDIS_URL == ''",
            "assert app.conf.task_always_eager is True, app.conf.task_always_eager",
            "@app.task(name='gsp_erp_test.mul')",
            "def mul(x, y):",
            "    return x * y",
            "print('result', mul.delay(6, 7).get(timeout=5))",
        ]
    )
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env.update(DJANGO_SETTINGS_MODULE="gsp_erp.settings", DJANGO_ENV="development")
    if not env.get("DATABASE_URL") and not (VAR_DIR / "database_url").exists():
        # Loading the settings needs a database URL; nothing connects to it here.
        env["DATABASE_URL"] = "postgres://gsp:gsp@localhost:5432/gsp_erp"
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "result 42" in result.stdout
