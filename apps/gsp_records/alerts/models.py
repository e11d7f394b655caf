"""Nightly alerts (DESIGN.md 10): the jobs and their schedule, the alerts they raise,
one run per job and day, one email digest per recipient and day.

- `AlertJob`: one row per kind of check (fixed codes, created by the data migration),
  with the local time after which it runs each day, whether it is enabled and the roles
  (Django groups named by role code) that receive its alerts. A manager edits them.
- `JobRun`: unique (job, run_date), so the dispatcher starts a job at most once a day.
- `Alert`: one finding, keyed by (kind, subject_key). At most one *open* alert per key
  (neither acknowledged nor resolved); who sees it follows the roles of the job of its
  kind (`kind` == `AlertJob.code`). A run refreshes it (severity, message, last_seen)
  and resolves the open alerts of its kind it no longer finds. Acknowledged alerts stay
  silent for the rest of the day; a run on a later day that still finds the subject
  raises a new open alert.
- `AlertDigest`: unique (recipient, date): whatever reruns, one email a day per person,
  marked sent only after the mail server accepted it.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class AlertKind(models.TextChoices):
    EXPIRY = "expiry", _("Expiry digest")
    LICENCES = "licences", _("Licence, authorisation and registration expiries")
    MINMAX = "minmax", _("Stock below minimum or above maximum")
    TEMPERATURE = "temperature", _("Missing or out-of-range temperature records")
    NONCONFORMING = "nonconforming", _("Nonconforming stock older than six months")


class Severity(models.TextChoices):
    INFO = "info", _("Notice")
    WARNING = "warning", _("Warning")
    DANGER = "danger", _("Urgent")


SEVERITY_RANK = {Severity.DANGER: 0, Severity.WARNING: 1, Severity.INFO: 2}


def _role_choices():
    from apps.core.roles import ROLES

    return [(role.code, role.label) for role in ROLES]


# The dispatcher ticks every five minutes, so a job must start by 23:55 to run that day.
LATEST_RUN_TIME = datetime.time(23, 55)


class AlertJob(models.Model):
    code = models.CharField(_("code"), max_length=20, choices=AlertKind.choices, unique=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    run_time = models.TimeField(
        _("run time"),
        default=datetime.time(1, 0),
        help_text=_("Local time (Asia/Shanghai) after which the job runs each day."),
    )
    roles = ArrayField(
        models.CharField(max_length=20, choices=_role_choices()),
        verbose_name=_("recipients' roles"),
        default=list,
        blank=True,
        help_text=_("The users of these roles see its alerts and receive the email digest."),
    )
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("alert job")
        verbose_name_plural = _("alert jobs")
        ordering = ["run_time", "code"]

    def __str__(self) -> str:
        return str(self.get_code_display())

    def get_absolute_url(self) -> str:
        return reverse("gsp_alerts:alertjob_detail", args=[self.pk])

    def clean(self):
        # On the model so that every write path (staff form, admin, shell) holds it.
        errors = {}
        if self.run_time and self.run_time > LATEST_RUN_TIME:
            errors["run_time"] = _(
                "Choose a time no later than %(latest)s: the dispatcher runs every five minutes."
            ) % {"latest": LATEST_RUN_TIME.strftime("%H:%M")}
        if self.enabled and not self.roles:
            errors["roles"] = _("An enabled job needs at least one role to alert.")
        if errors:
            raise ValidationError(errors)


class RunStatus(models.TextChoices):
    DONE = "done", _("Done")
    UNAVAILABLE = "unavailable", _("Not available")
    FAILED = "failed", _("Failed")


class JobRun(models.Model):
    job = models.ForeignKey(
        AlertJob, verbose_name=_("job"), on_delete=models.CASCADE, related_name="runs"
    )
    run_date = models.DateField(_("date"))
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=RunStatus.choices, default=RunStatus.DONE
    )
    findings = models.PositiveIntegerField(_("findings"), default=0)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("alert job run")
        verbose_name_plural = _("alert job runs")
        ordering = ["-run_date", "job__code"]
        constraints = [
            models.UniqueConstraint(fields=["job", "run_date"], name="jobrun_once_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.job} {self.run_date}"


class Alert(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=AlertKind.choices)
    subject_key = models.CharField(_("subject"), max_length=120)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    message = models.TextField(_("message"))
    link = models.CharField(_("link"), max_length=300, blank=True)
    first_seen = models.DateField(_("first seen"))
    last_seen = models.DateField(_("last seen"))
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    resolved_at = models.DateTimeField(
        _("resolved at"),
        null=True,
        blank=True,
        help_text=_("When a run no longer found the condition."),
    )

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-last_seen", "kind", "subject_key"]
        permissions = [("acknowledge_alert", "Can acknowledge alert")]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject_key"],
                condition=Q(acknowledged_at__isnull=True, resolved_at__isnull=True),
                name="alert_one_open_per_subject",
            ),
        ]
        indexes = [
            models.Index(
                fields=["kind"],
                condition=Q(acknowledged_at__isnull=True, resolved_at__isnull=True),
                name="alert_open_kind_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.message

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None and self.resolved_at is None

    @property
    def css(self) -> str:
        return {"danger": "danger", "warning": "warning"}.get(self.severity, "info")


def open_alerts_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}acknowledged_at__isnull": True, f"{prefix}resolved_at__isnull": True})


class DigestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class AlertDigest(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    date = models.DateField(_("date"))
    email = models.EmailField(_("email"))
    status = models.CharField(
        _("status"), max_length=10, choices=DigestStatus.choices, default=DigestStatus.PENDING
    )
    alerts = models.ManyToManyField(Alert, verbose_name=_("alerts"), related_name="digests")
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("alert digest")
        verbose_name_plural = _("alert digests")
        ordering = ["-date", "recipient_id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "date"], name="digest_once_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.email} {self.date}"
