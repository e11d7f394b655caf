"""Running the alert jobs, keeping the alerts, sending the daily digests.

- `dispatch(now)`: what the beat entry calls every few minutes. Starts each enabled job
  whose run time today has passed and that has no `JobRun` today (the unique
  (job, run_date) makes a second dispatcher, or a rerun, do nothing), then, once every
  enabled job has run today, prepares the digests.
- `run_job(job, run_date)`: one job: its findings become alerts (`upsert_alerts`), in
  one transaction with its `JobRun`. A job that raises is recorded as failed (and not
  retried that day by the dispatcher; `run_alerts --job` reruns it by hand); the others
  still run.
- `prepare_digests(date)`: one `AlertDigest` per active user with an email address in
  the roles of the jobs, listing that user's open alerts; unique (recipient, date), so
  nobody gets a second one that day. Each digest is sent by its own task
  (`tasks.send_digest`), so a failing address does not hold up the others.
- `digest_send(digest_id)`: sends under a row lock and marks the digest sent only after
  the mail server accepted it; a sent digest is never sent again. (A worker killed
  between the server's acceptance and the commit could send it twice: at least once.)
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.core.exceptions import InvalidStateError, PermissionDeniedError
from apps.core.models import CompanySettings

from .jobs import JOBS, JobResult
from .models import (
    SEVERITY_RANK,
    Alert,
    AlertDigest,
    AlertJob,
    AlertKind,
    DigestStatus,
    JobRun,
    RunStatus,
    open_alerts_q,
)

logger = logging.getLogger(__name__)

# Defaults of the data migration and of `ensure_jobs` (a fresh database, the tests).
DEFAULT_JOBS = {
    AlertKind.EXPIRY: (datetime.time(1, 0), ["quality_manager", "keeper", "sales", "manager"]),
    AlertKind.LICENCES: (
        datetime.time(1, 10),
        ["quality_manager", "purchaser", "sales", "manager"],
    ),
    AlertKind.MINMAX: (datetime.time(1, 20), ["purchaser", "keeper", "manager"]),
    AlertKind.TEMPERATURE: (datetime.time(1, 30), ["keeper", "quality_manager"]),
    AlertKind.NONCONFORMING: (datetime.time(1, 40), ["quality_manager", "keeper", "manager"]),
}
# The beat entry runs the dispatcher every five minutes: a later run time would be missed.
DIGEST_LOCK = 0x6A1E27  # advisory lock: one digest preparation at a time
STALE_DIGEST_AFTER = datetime.timedelta(minutes=30)


def ensure_jobs() -> None:
    """Create the missing jobs with their defaults (never changes existing ones)."""
    existing = set(AlertJob.objects.values_list("code", flat=True))
    AlertJob.objects.bulk_create(
        [
            AlertJob(code=code, run_time=run_time, roles=list(roles))
            for code, (run_time, roles) in DEFAULT_JOBS.items()
            if code not in existing
        ],
        ignore_conflicts=True,
    )


def local_now() -> datetime.datetime:
    return timezone.localtime()


# ------------------------------------------------------------------------- alerts


def upsert_alerts(kind: str, result: JobResult, run_date: datetime.date) -> int:
    """Make the open alerts of `kind` match the findings, in a fixed number of queries.

    Found and open: refreshed (severity, message, link, last_seen). Found and not open:
    a new alert, unless one for the subject was acknowledged on the run date or later
    (acknowledging silences a subject for the rest of that day; the next day's run
    raises it again if the condition still holds). Open and not found: resolved."""
    now = timezone.now()
    findings = {f.subject_key: f for f in result.findings}
    open_rows = {
        alert.subject_key: alert
        for alert in Alert.objects.filter(open_alerts_q(), kind=kind).select_for_update()
    }
    changed = []
    for key, alert in open_rows.items():
        finding = findings.get(key)
        if finding is None:
            continue
        alert.severity, alert.message, alert.link = finding.severity, finding.message, finding.link
        alert.last_seen = run_date
        changed.append(alert)
    if changed:
        Alert.objects.bulk_update(changed, ["severity", "message", "link", "last_seen"])
    new_keys = [key for key in findings if key not in open_rows]
    if new_keys:
        from apps.inventory.selectors import day_start

        silenced = set(
            Alert.objects.filter(
                kind=kind, subject_key__in=new_keys, acknowledged_at__gte=day_start(run_date)
            ).values_list("subject_key", flat=True)
        )
        Alert.objects.bulk_create(
            [
                Alert(
                    kind=kind,
                    subject_key=key,
                    severity=findings[key].severity,
                    message=findings[key].message,
                    link=findings[key].link,
                    first_seen=run_date,
                    last_seen=run_date,
                )
                for key in new_keys
                if key not in silenced
            ]
        )
    gone = [alert.pk for key, alert in open_rows.items() if key not in findings]
    if gone and result.status == RunStatus.DONE:
        Alert.objects.filter(pk__in=gone).update(resolved_at=now)
    return len(findings)


def run_job(job: AlertJob, run_date: datetime.date, *, rerun: bool = False) -> JobRun | None:
    """Run one job for `run_date`. Returns None when it already ran that day (unless
    `rerun`, used by the management command, which refreshes the day's run)."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                run = JobRun.objects.create(job=job, run_date=run_date)
        except IntegrityError:
            if not rerun:
                return None
            run = JobRun.objects.select_for_update().get(job=job, run_date=run_date)
        try:
            with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
                result = JOBS[job.code](run_date)
                run.findings = upsert_alerts(job.code, result, run_date)
                run.status, run.note = result.status, result.note
        except Exception as error:  # noqa: BLE001 - one broken check must not stop the others
            logger.exception("alert job %s failed", job.code)
            run.status, run.note, run.findings = RunStatus.FAILED, f"{error!r}"[:2000], 0
        now = timezone.now()
        run.finished_at = now
        run.save()
        AlertJob.objects.filter(pk=job.pk).update(last_run_at=now)
    return run


def run_jobs(
    run_date: datetime.date, *, codes: list[str] | None = None, rerun: bool = True
) -> list[JobRun]:
    """Run the given jobs (default: every enabled one) for the date, ignoring run times."""
    ensure_jobs()
    jobs = AlertJob.objects.all()
    jobs = jobs.filter(code__in=codes) if codes else jobs.filter(enabled=True)
    return [run for job in jobs if (run := run_job(job, run_date, rerun=rerun))]


def dispatch(now: datetime.datetime | None = None) -> dict:
    """Start the jobs that are due today and, once all of today's jobs ran, the digests."""
    now = timezone.localtime(now) if now else local_now()
    day = now.date()
    ensure_jobs()
    jobs = list(AlertJob.objects.filter(enabled=True))
    done = set(JobRun.objects.filter(run_date=day).values_list("job_id", flat=True))
    started = []
    for job in jobs:
        if job.pk in done or job.run_time > now.time():
            continue
        run = run_job(job, day)
        if run is not None:
            started.append(job.code)
            done.add(job.pk)
    digests = []
    if jobs and all(job.pk in done for job in jobs):
        digests = prepare_digests(day)
    requeued = requeue_stale_digests(day, now)
    return {"date": day.isoformat(), "started": started, "digests": digests, "requeued": requeued}


# ------------------------------------------------------------------------ visible


def role_codes(user) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def kinds_for_roles(roles: set[str]) -> list[str]:
    return list(AlertJob.objects.filter(roles__overlap=list(roles)).values_list("code", flat=True))


def alerts_for_user(user, *, roles: set[str] | None = None):
    """The open alerts of the jobs addressed to one of the user's roles (all of them for
    a superuser)."""
    qs = Alert.objects.filter(open_alerts_q())
    if not user.is_superuser:
        roles = role_codes(user) if roles is None else roles
        qs = qs.filter(kind__in=AlertJob.objects.filter(roles__overlap=list(roles)).values("code"))
    return qs


def by_severity(qs):
    """Most severe first, then the newest."""
    rank = Case(
        *(When(severity=severity, then=Value(n)) for severity, n in SEVERITY_RANK.items()),
        default=Value(9),
        output_field=IntegerField(),
    )
    return qs.annotate(rank=rank).order_by("rank", "-last_seen", "kind", "pk")


def sort_alerts(alerts) -> list[Alert]:
    return sorted(alerts, key=lambda a: (SEVERITY_RANK.get(a.severity, 9), a.kind, a.message))


def may_acknowledge(user, alert: Alert, roles: set[str] | None = None) -> bool:
    if not user.has_perm("gsp_alerts.acknowledge_alert"):
        return False
    if user.is_superuser:
        return True
    roles = role_codes(user) if roles is None else roles
    return AlertJob.objects.filter(code=alert.kind, roles__overlap=list(roles)).exists()


def alert_acknowledge(*, alert: Alert, user) -> Alert:
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        if not may_acknowledge(user, alert):
            raise PermissionDeniedError(
                _("You may only acknowledge the alerts addressed to your role.")
            )
        if alert.acknowledged_at is not None:
            raise InvalidStateError(
                _("This alert was already acknowledged by %(user)s.")
                % {"user": alert.acknowledged_by}
            )
        if alert.resolved_at is not None:
            raise InvalidStateError(_("This alert is resolved: its condition no longer holds."))
        alert.acknowledged_by = user
        alert.acknowledged_at = timezone.now()
        alert.save(update_fields=["acknowledged_by", "acknowledged_at"])
    return alert


# ------------------------------------------------------------------------ digests


def prepare_digests(day: datetime.date) -> list[int]:
    """Create today's digest of every recipient who has open alerts and none yet today;
    queue their sending after the commit. Returns the new digests' ids."""
    User = get_user_model()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [DIGEST_LOCK])
        kinds_by_role: dict[str, set[str]] = {}
        for code, roles in AlertJob.objects.values_list("code", "roles"):
            for role in roles:
                kinds_by_role.setdefault(role, set()).add(code)
        if not kinds_by_role:
            return []
        already = set(AlertDigest.objects.filter(date=day).values_list("recipient_id", flat=True))
        recipients: dict[int, dict] = {}
        for pk, email, role in (
            User.objects.filter(is_active=True, groups__name__in=list(kinds_by_role))
            .exclude(Q(email="") | Q(pk__in=already))
            .values_list("pk", "email", "groups__name")
        ):
            entry = recipients.setdefault(pk, {"email": email, "kinds": set()})
            entry["kinds"] |= kinds_by_role.get(role, set())
        if not recipients:
            return []
        wanted = set().union(*(r["kinds"] for r in recipients.values()))
        alerts_by_kind: dict[str, list[int]] = {}
        for pk, kind in Alert.objects.filter(open_alerts_q(), kind__in=wanted).values_list(
            "pk", "kind"
        ):
            alerts_by_kind.setdefault(kind, []).append(pk)
        digests, links = [], []
        for pk, entry in recipients.items():
            alert_ids = [a for kind in sorted(entry["kinds"]) for a in alerts_by_kind.get(kind, [])]
            if alert_ids:
                digests.append(AlertDigest(recipient_id=pk, date=day, email=entry["email"]))
                links.append(alert_ids)
        if not digests:
            return []
        AlertDigest.objects.bulk_create(digests)
        Through = AlertDigest.alerts.through
        Through.objects.bulk_create(
            [
                Through(alertdigest_id=digest.pk, alert_id=alert_id)
                for digest, alert_ids in zip(digests, links, strict=True)
                for alert_id in alert_ids
            ]
        )
        ids = [digest.pk for digest in digests]
        transaction.on_commit(lambda: _queue(ids))
    return ids


def _queue(ids: list[int]) -> None:
    """Queue one send task per digest; a failure to queue one (broker down, or the final
    error of an eager run) is logged and does not keep the others from being queued."""
    from .tasks import send_digest

    for pk in ids:
        try:
            send_digest.delay(pk)
        except Exception:  # noqa: BLE001 - the dispatcher re-queues what stays pending
            logger.exception("alert digest %s could not be queued or sent", pk)


def requeue_stale_digests(day: datetime.date, now: datetime.datetime) -> list[int]:
    """Digests of the day never attempted half an hour after their creation (their task
    was lost): queue them again. Sending twice is impossible: `digest_send` locks the
    digest and skips a sent one."""
    ids = list(
        AlertDigest.objects.filter(
            date=day,
            status=DigestStatus.PENDING,
            attempts=0,
            created_at__lt=now - STALE_DIGEST_AFTER,
        ).values_list("pk", flat=True)
    )
    if ids:
        transaction.on_commit(lambda: _queue(ids))
    return ids


def build_email(digest: AlertDigest) -> EmailMultiAlternatives:
    company = CompanySettings.load()
    alerts = sort_alerts(digest.alerts.all())
    with translation.override(settings.LANGUAGE_CODE):
        groups = []
        for kind in AlertKind:
            rows = [a for a in alerts if a.kind == kind.value]
            if rows:
                groups.append({"label": str(kind.label), "alerts": rows})
        context = {
            "company": company,
            "digest": digest,
            "recipient": digest.recipient,
            "groups": groups,
            "count": len(alerts),
            "site_url": settings.SITE_URL,
            "new_count": sum(1 for a in alerts if a.first_seen == digest.date),
        }
        subject = " ".join(render_to_string("gsp_alerts/email/digest_subject.txt", context).split())
        text = render_to_string("gsp_alerts/email/digest.txt", context)
        html = render_to_string("gsp_alerts/email/digest.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[digest.email],
    )
    message.attach_alternative(html, "text/html")
    return message


def digest_send(digest_id: int) -> str:
    """Send one digest unless already sent. Raises the mail server's error (the task
    retries); the digest is marked sent only when the server accepted the message."""
    with transaction.atomic():
        digest = (
            AlertDigest.objects.select_for_update()
            .select_related("recipient")
            .filter(pk=digest_id)
            .first()
        )
        if digest is None:
            return "missing"
        if digest.status == DigestStatus.SENT:
            return DigestStatus.SENT
        build_email(digest).send(fail_silently=False)
        digest.status = DigestStatus.SENT
        digest.sent_at = timezone.now()
        digest.attempts += 1
        digest.last_error = ""
        digest.save(update_fields=["status", "sent_at", "attempts", "last_error"])
    return DigestStatus.SENT


def digest_record_failure(digest_id: int, error: BaseException, *, final: bool) -> None:
    AlertDigest.objects.filter(pk=digest_id).exclude(status=DigestStatus.SENT).update(
        attempts=F("attempts") + 1,
        last_error=f"{error!r}"[:2000],
        status=DigestStatus.FAILED if final else DigestStatus.PENDING,
    )
