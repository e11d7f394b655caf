"""GSP records (DESIGN.md 9): the base of every entered record, and the PDFs.

`GspRecord` is the abstract base of the entered forms (temperature logs, maintenance
inspections, notices, ...): its own number, author, date and sign-off. Once signed a
record is immutable: the model refuses, and a database trigger (`db.py`) refuses any
UPDATE or DELETE of a signed row whatever the interface. A correction is a new record
that references the old one (`corrects`) with a reason.

`GeneratedPdf` is one rendered PDF: queued, ready or failed, stored with its SHA-256 and
a token the QR code on every page links to (the verification page).
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.core.exceptions import InvalidStateError
from apps.core.models import TimeStampedModel, today


class RecordLocked(InvalidStateError):
    """A signed GSP record cannot be changed or deleted."""


def locked_error(record) -> RecordLocked:
    return RecordLocked(
        gettext(
            "%(record)s %(number)s is signed and can no longer be changed or deleted; "
            "record a correction instead."
        )
        % {"record": record._meta.verbose_name, "number": record.number}
    )


class GspRecordQuerySet(models.QuerySet):
    def signed(self):
        return self.filter(signed_at__isnull=False)

    def drafts(self):
        return self.filter(signed_at__isnull=True)

    def delete(self):
        signed = self.signed().first()
        if signed is not None:
            raise locked_error(signed)
        return super().delete()

    def update(self, **kwargs):
        signed = self.signed().first()
        if signed is not None:
            raise locked_error(signed)
        return super().update(**kwargs)


class GspRecord(TimeStampedModel):
    """Base of every entered GSP record.

    Subclasses set `number_prefix` (document numbers PREFIX-YYYYMMDD-NNNN) and may set
    `signer_must_differ` (the author may not sign) and override `check_signable()` (raise
    a DomainError when the record is incomplete) and `on_sign(user)` (side effects that
    happen in the signing transaction, e.g. freezing a lot).
    """

    number_prefix: ClassVar[str] = "GSP"
    signer_must_differ: ClassVar[bool] = False

    number = models.CharField(_("number"), max_length=30, unique=True, editable=False)
    record_date = models.DateField(_("date"), default=today)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("prepared by"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True, editable=False)
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("corrects"),
        on_delete=models.PROTECT,
        related_name="corrections",
        null=True,
        blank=True,
        editable=False,
    )
    correction_reason = models.TextField(_("reason for the correction"), blank=True, editable=False)

    objects = GspRecordQuerySet.as_manager()
    history = HistoricalRecords(inherit=True)

    class Meta:
        abstract = True
        ordering = ["-record_date", "-number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(corrects__isnull=True) | ~Q(correction_reason=""),
                name="%(app_label)s_%(class)s_correction_reason",
                violation_error_message=_("A correction needs a reason."),
            ),
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True, signed_by__isnull=True)
                | Q(signed_at__isnull=False, signed_by__isnull=False),
                name="%(app_label)s_%(class)s_signed_by_and_at",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._signed_in_db = "signed_at" in field_names and instance.signed_at is not None
        return instance

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    @property
    def status_label(self) -> str:
        return gettext("Signed") if self.is_signed else gettext("Draft")

    def save(self, *args, **kwargs):
        if getattr(self, "_signed_in_db", False):
            raise locked_error(self)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_signed or getattr(self, "_signed_in_db", False):
            raise locked_error(self)
        return super().delete(*args, **kwargs)

    # hooks -------------------------------------------------------------------
    def check_signable(self) -> None:
        """Raise a DomainError naming what is missing before the record may be signed."""

    def on_sign(self, user) -> None:
        """Side effects of signing, inside the signing transaction."""

    def pdf_params(self) -> dict:
        return {"pk": self.pk}


class PdfStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class GeneratedPdf(models.Model):
    """One PDF rendered by the worker, stored with its SHA-256 for verification."""

    token = models.UUIDField(
        _("verification token"), default=uuid.uuid4, unique=True, editable=False
    )
    number = models.CharField(_("number"), max_length=30, unique=True)
    form_code = models.CharField(_("form"), max_length=40, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    record_number = models.CharField(_("record number"), max_length=30, blank=True, db_index=True)
    date_from = models.DateField(_("from"), null=True, blank=True)
    date_to = models.DateField(_("to"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PdfStatus.choices, default=PdfStatus.QUEUED
    )
    error = models.TextField(_("reason for the failure"), blank=True)
    content = models.BinaryField(_("file"), null=True, blank=True, editable=False)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    pages = models.PositiveIntegerField(_("pages"), default=0)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("generated PDF")
        verbose_name_plural = _("generated PDFs")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="ready") | (Q(content__isnull=False) & ~Q(sha256="")),
                name="generatedpdf_ready_has_file",
            ),
            models.CheckConstraint(
                condition=Q(date_from__isnull=True)
                | Q(date_to__isnull=True)
                | Q(date_from__lte=models.F("date_to")),
                name="generatedpdf_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def filename(self) -> str:
        suffix = self.record_number or (
            f"{self.date_from:%Y%m%d}-{self.date_to:%Y%m%d}"
            if self.date_from and self.date_to
            else self.number
        )
        return f"{self.form_code}-{suffix}.pdf"
