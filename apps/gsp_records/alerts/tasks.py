"""Celery tasks of the alerts: the dispatcher (the one beat entry, settings
CELERY_BEAT_SCHEDULE) and the sending of one digest, retried on mail failures."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task

from . import services

MAX_SEND_RETRIES = 8


@shared_task(name="gsp_alerts.dispatch", acks_late=True, reject_on_worker_lost=True)
def dispatch() -> dict:
    return services.dispatch()


@shared_task(
    bind=True,
    name="gsp_alerts.send_digest",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=60,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=MAX_SEND_RETRIES,
)
def send_digest(self, digest_id: int) -> str:
    try:
        return services.digest_send(digest_id)
    except (SMTPException, OSError) as error:
        services.digest_record_failure(
            digest_id, error, final=self.request.retries >= self.max_retries
        )
        raise
