"""The dispatcher, the alerts' life cycle and the daily digests (once, retried on SMTP
failure)."""

from __future__ import annotations

import datetime
from smtplib import SMTPException

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.models import today
from apps.gsp_records.alerts import services
from apps.gsp_records.alerts.models import (
    Alert,
    AlertDigest,
    AlertJob,
    DigestStatus,
    JobRun,
)
from apps.gsp_records.alerts.tasks import MAX_SEND_RETRIES, send_digest

from .world import expiry_world, local_time, staff

pytestmark = pytest.mark.django_db


class FailOnceBackend(EmailBackend):
    """The mail server refuses the first message of the test, then accepts."""

    calls = 0

    def send_messages(self, messages):
        type(self).calls += 1
        if type(self).calls == 1:
            raise SMTPException("421 try again later")
        return super().send_messages(messages)


class FailForOneAddressBackend(EmailBackend):
    def send_messages(self, messages):
        if any("broken@" in address for m in messages for address in m.to):
            raise ConnectionRefusedError("connection refused")
        return super().send_messages(messages)


def dispatch_at(day, hour, minute=0, *, capture):
    with capture(execute=True):
        return services.dispatch(local_time(day, hour, minute))


def test_dispatcher_runs_due_jobs_once_and_sends_one_digest_per_recipient(
    eager_celery, mailbox, django_capture_on_commit_callbacks
):
    expiry_world()
    keeper = staff("keeper")
    quality = staff("quality_manager")
    staff("keeper", "keeper_without_email", email="")
    staff("finance")  # no job addresses finance
    day = today()

    early = dispatch_at(day, 0, 30, capture=django_capture_on_commit_callbacks)
    assert early["started"] == [] and mailbox == []

    first = dispatch_at(day, 2, capture=django_capture_on_commit_callbacks)
    assert sorted(first["started"]) == sorted(
        ["expiry", "licences", "minmax", "temperature", "nonconforming"]
    )
    assert sorted(m.to[0] for m in mailbox) == sorted([keeper.email, quality.email])
    message = mailbox[0]
    assert message.alternatives and message.alternatives[0][1] == "text/html"
    assert "WH1" in message.body and "WH1" in message.alternatives[0][0]

    # The beat ticks again, and again: nothing runs twice, nobody gets a second email.
    again = dispatch_at(day, 2, 5, capture=django_capture_on_commit_callbacks)
    dispatch_at(day, 23, 55, capture=django_capture_on_commit_callbacks)
    assert again["started"] == [] and again["digests"] == []
    assert len(mailbox) == 2
    assert JobRun.objects.filter(run_date=day).count() == 5
    assert Alert.objects.filter(kind="expiry").count() == 3

    # A rerun by hand refreshes the alerts but sends nothing twice either.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_alerts", "--email", stdout=open("/dev/null", "w"))
    assert len(mailbox) == 2
    assert Alert.objects.filter(kind="expiry").count() == 3
    assert AlertDigest.objects.filter(date=day, status=DigestStatus.SENT).count() == 2


def test_digests_wait_until_every_enabled_job_of_the_day_has_run(
    eager_celery, mailbox, django_capture_on_commit_callbacks
):
    expiry_world()
    staff("keeper")
    services.ensure_jobs()
    AlertJob.objects.filter(code="nonconforming").update(run_time=datetime.time(5, 0))
    day = today()
    first = dispatch_at(day, 2, capture=django_capture_on_commit_callbacks)
    assert "nonconforming" not in first["started"] and mailbox == []
    later = dispatch_at(day, 5, 5, capture=django_capture_on_commit_callbacks)
    assert later["started"] == ["nonconforming"] and len(mailbox) == 1


def test_an_smtp_failure_is_retried_and_the_digest_sent_once(
    eager_celery, mailbox, settings, django_capture_on_commit_callbacks
):
    # An eager task retries (re-applies itself) only when its errors do not propagate;
    # with propagation on, Celery raises the Retry instead and nothing is retried.
    from gsp_erp.celery import app

    app.conf.task_eager_propagates = False  # eager_celery restores it
    settings.EMAIL_BACKEND = f"{__name__}.FailOnceBackend"
    FailOnceBackend.calls = 0
    expiry_world()
    keeper = staff("keeper")
    dispatch_at(today(), 2, capture=django_capture_on_commit_callbacks)
    assert FailOnceBackend.calls == 2
    assert [m.to for m in mail.outbox] == [[keeper.email]]
    digest = AlertDigest.objects.get(recipient=keeper)
    assert digest.status == DigestStatus.SENT and digest.sent_at is not None
    assert digest.attempts == 2 and digest.last_error == ""

    dispatch_at(today(), 3, capture=django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1


def test_a_failing_address_does_not_block_the_others(
    eager_celery, mailbox, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.FailForOneAddressBackend"
    expiry_world()
    staff("keeper", "broken", email="broken@example.com")
    fine = staff("quality_manager")
    dispatch_at(today(), 2, capture=django_capture_on_commit_callbacks)
    # The other recipient's digest went out, whichever was queued first; the broken
    # one stays unsent with its error, to be retried.
    assert [m.to for m in mail.outbox] == [[fine.email]]
    assert AlertDigest.objects.get(recipient=fine).status == DigestStatus.SENT
    broken = AlertDigest.objects.get(email="broken@example.com")
    assert broken.status != DigestStatus.SENT and broken.sent_at is None
    assert broken.attempts >= 1 and "refused" in broken.last_error

    # The last allowed retry fails too: the digest is marked failed, never sent.
    result = send_digest.apply(args=[broken.pk], retries=MAX_SEND_RETRIES, throw=False)
    assert result.failed()
    broken.refresh_from_db()
    assert broken.status == DigestStatus.FAILED and len(mail.outbox) == 1


def test_acknowledged_alert_comes_back_the_next_day_only_if_still_true():
    world = expiry_world()
    keeper = staff("keeper")
    day = today()
    services.run_jobs(day, codes=["expiry", "minmax"])
    red = Alert.objects.get(subject_key=f"warehouse:{world['warehouse'].pk}:red")
    services.alert_acknowledge(alert=red, user=keeper)

    # Same day, a rerun: silenced.
    services.run_jobs(day, codes=["expiry"])
    assert not services.alerts_for_user(keeper).filter(subject_key=red.subject_key).exists()

    # Next day, still true: raised again as a new open alert.
    services.run_jobs(day + datetime.timedelta(days=1), codes=["expiry"])
    again = services.alerts_for_user(keeper).get(subject_key=red.subject_key)
    assert again.pk != red.pk and again.first_seen == day + datetime.timedelta(days=1)

    # Acknowledged again; the day after, the condition is gone (the lots left): nothing.
    services.alert_acknowledge(alert=again, user=keeper)
    from apps.inventory.models import StockBalance

    StockBalance.objects.filter(lot__in=world["lots"]["red"]).delete()
    services.run_jobs(day + datetime.timedelta(days=2), codes=["expiry"])
    assert not Alert.objects.filter(
        subject_key=red.subject_key, acknowledged_at__isnull=True
    ).exists()


def test_an_open_alert_whose_condition_is_gone_is_resolved():
    world = expiry_world()
    day = today()
    services.run_jobs(day, codes=["expiry"])
    from apps.inventory.models import StockBalance

    StockBalance.objects.filter(lot__in=world["lots"]["yellow"]).delete()
    services.run_jobs(day + datetime.timedelta(days=1), codes=["expiry"])
    yellow = Alert.objects.get(subject_key=f"warehouse:{world['warehouse'].pk}:yellow")
    assert yellow.resolved_at is not None and not yellow.is_open
    red = Alert.objects.get(subject_key=f"warehouse:{world['warehouse'].pk}:red")
    assert red.is_open and red.last_seen == day + datetime.timedelta(days=1)
    assert red.first_seen == day


def test_nightly_run_query_count_does_not_grow_with_lots(eager_celery, mailbox):
    staff("keeper")
    expiry_world(lots_per_band=1)
    day = today()

    def nightly(run_date):
        with CaptureQueriesContext(connection) as ctx:
            services.run_jobs(run_date)
            services.prepare_digests(run_date)
        return len(ctx.captured_queries)

    nightly(day - datetime.timedelta(days=2))  # warm up
    few = nightly(day - datetime.timedelta(days=1))
    expiry_world(lots_per_band=5)
    assert nightly(day) == few
