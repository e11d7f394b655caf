"""Celery tasks of the GSP records: thin wrappers around the services."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import services


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def render_pdf(self, pdf_id: int) -> str:
    try:
        return services.pdf_render(pdf_id).status
    except (OperationalError, InterfaceError) as error:
        if self.request.retries >= self.max_retries:
            services.pdf_mark_failed(pdf_id, str(error))
        raise
