"""Fixtures of the alert tests: eager Celery and a clean mailbox."""

from __future__ import annotations

import pytest


@pytest.fixture
def eager_celery():
    """Tasks run in-process even when REDIS_URL points the project at a real broker."""
    from gsp_erp.celery import app

    previous = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


@pytest.fixture
def mailbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from django.core import mail

    mail.outbox = []
    return mail.outbox
