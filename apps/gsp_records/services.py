"""Writes of GSP records: create, edit (drafts only), sign, correct; and PDFs.

Every entered record goes through these functions, from the staff UI, the admin or a
test: numbering, author, full_clean, history user and the sign-off rules are applied in
one place. Model-specific rules live in the model's `clean()`, `check_signable()` and
`on_sign()`.
"""

from __future__ import annotations

import hashlib
import logging

from django import forms
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.exceptions import (
    DomainError,
    InvalidStateError,
    PermissionDeniedError,
    SegregationOfDutiesError,
)
from apps.core.numbering import next_number

from . import pdf as pdf_forms
from .models import GeneratedPdf, GspRecord, PdfStatus, locked_error

log = logging.getLogger(__name__)


def perm_name(model, action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def _require(user, perm: str) -> None:
    if user is None or not user.has_perm(perm):
        raise PermissionDeniedError(_("You do not have the permission to do this."))


def _with_history_user(record, user):
    record._history_user = user
    return record


def record_create(*, record: GspRecord, user, lines=(), line_fk: str = "") -> GspRecord:
    """Number and save a new draft record (and its unsaved `lines`, if any)."""
    _require(user, perm_name(type(record), "add"))
    if record.pk:
        raise InvalidStateError(_("This record is already saved."))
    with transaction.atomic():
        record.number = next_number(type(record).number_prefix)
        record.author = user
        record.full_clean()
        _with_history_user(record, user).save()
        _save_lines(record, lines, line_fk)
    return record


def _save_lines(record, lines, line_fk: str) -> None:
    for line in lines:
        setattr(line, line_fk, record)
        line.full_clean()
        line.save()


def _locked(record: GspRecord) -> GspRecord:
    return type(record).objects.select_for_update().get(pk=record.pk)


def record_update(*, record: GspRecord, user, lines=None, line_fk: str = "") -> GspRecord:
    """Save changes to a draft. `lines` (when given) replace the record's lines."""
    _require(user, perm_name(type(record), "change"))
    with transaction.atomic():
        current = _locked(record)
        if current.is_signed:
            raise locked_error(current)
        record.full_clean()
        record._signed_in_db = False
        _with_history_user(record, user).save()
        if lines is not None:
            getattr(record, _lines_name(record, line_fk)).all().delete()
            _save_lines(record, lines, line_fk)
    return record


def _lines_name(record, line_fk: str) -> str:
    for rel in record._meta.related_objects:
        if rel.field.name == line_fk and rel.one_to_many:
            return rel.get_accessor_name()
    raise ValueError(f"{type(record).__name__} has no lines with FK {line_fk!r}")


def record_sign(*, record: GspRecord, user) -> GspRecord:
    """Sign a draft: from now on nothing in it can change."""
    _require(user, perm_name(type(record), "sign"))
    with transaction.atomic():
        record = _locked(record)
        if record.is_signed:
            raise InvalidStateError(
                _("%(number)s was already signed by %(user)s.")
                % {"number": record.number, "user": record.signed_by}
            )
        if type(record).signer_must_differ and record.author_id == user.pk:
            raise SegregationOfDutiesError(
                _("%(number)s must be signed by someone other than its author.")
                % {"number": record.number}
            )
        if (
            record.corrects_id
            and record.corrects.corrections.signed().exclude(pk=record.pk).exists()
        ):
            raise InvalidStateError(
                _("%(number)s was already corrected; correct the latest correction instead.")
                % {"number": record.corrects.number}
            )
        record.check_signable()
        record.full_clean()
        record.on_sign(user)
        record.signed_by = user
        record.signed_at = timezone.now()
        _with_history_user(record, user).save()
        record._signed_in_db = True
    return record


def record_correct(
    *, original: GspRecord, user, reason: str, record: GspRecord, lines=(), line_fk: str = ""
) -> GspRecord:
    """Create a draft correction of a signed record (a new record that references it)."""
    _require(user, perm_name(type(original), "add"))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for the correction."), field="correction_reason")
    if type(record) is not type(original):
        raise ValueError("a correction must be of the original's type")
    with transaction.atomic():
        original = _locked(original)
        if not original.is_signed:
            raise InvalidStateError(
                _("%(number)s is not signed yet; edit it instead of correcting it.")
                % {"number": original.number}
            )
        latest = original.corrections.signed().order_by("-signed_at").first()
        if latest is not None:
            raise InvalidStateError(
                _("%(number)s was already corrected by %(correction)s; correct that one instead.")
                % {"number": original.number, "correction": latest.number}
            )
        record.corrects = original
        record.correction_reason = reason
        return record_create(record=record, user=user, lines=lines, line_fk=line_fk)


# ---------------------------------------------------------------------------- PDFs


def pdf_request(*, form_code: str, data: dict, user) -> GeneratedPdf:
    """Queue a PDF of `form_code` for the parameters in `data` (raw strings accepted).

    The row is saved queued and the worker renders it once the transaction commits
    (inline when Celery runs eagerly).
    """
    form = pdf_forms.get_form(form_code)
    if form is None:
        raise DomainError(_("Unknown form."), field="form")
    _require(user, form.permission)
    try:
        cleaned = form.clean_params(data)
    except forms.ValidationError as error:
        raise DomainError(error.messages) from error
    params = pdf_forms.json_params(cleaned)
    with transaction.atomic():
        generated = GeneratedPdf(
            number=next_number("PDF"),
            form_code=form.code,
            title=str(form.title),
            params=params,
            date_from=cleaned.get("date_from"),
            date_to=cleaned.get("date_to"),
            requested_by=user,
        )
        generated.full_clean()
        generated.save()
        pdf_id = generated.pk
        transaction.on_commit(lambda: _dispatch(pdf_id))
    return generated


def _dispatch(pdf_id: int) -> None:
    """Hand a committed PDF to the worker. A broker that is down must not turn the
    user's request into an error page nor leave the PDF queued forever: it fails with
    the reason, and the user asks again."""
    from .tasks import render_pdf

    try:
        render_pdf.delay(pdf_id)
    except Exception as error:  # kombu/redis errors have no common base worth naming
        log.exception("pdf %s could not be queued", pdf_id)
        pdf_mark_failed(
            pdf_id,
            _("The PDF could not be queued: %(error)s") % {"error": f"{type(error).__name__}"},
        )


def _fail(generated: GeneratedPdf, reason: str) -> GeneratedPdf:
    generated.status = PdfStatus.FAILED
    generated.error = reason[:2000]
    generated.finished_at = timezone.now()
    generated.save(update_fields=["status", "error", "finished_at", "attempts"])
    return generated


def pdf_render(pdf_id: int) -> GeneratedPdf:
    """Render a queued PDF and store it with its hash.

    Only a QUEUED PDF is rendered, under a row lock held until its file is stored: a
    task delivered twice (the worker died after rendering, before acknowledging) waits
    for the first, then finds the PDF ready or failed and leaves it alone. A failure is
    recorded with its reason; only a lost database connection raises, so the task
    retries (the row stays queued because the transaction rolls back)."""
    with transaction.atomic():
        generated = GeneratedPdf.objects.select_for_update().get(pk=pdf_id)
        if generated.status != PdfStatus.QUEUED:
            return generated
        generated.attempts += 1
        form = pdf_forms.get_form(generated.form_code)
        if form is None:
            return _fail(generated, _("Unknown form %(code)s.") % {"code": generated.form_code})
        try:
            # A savepoint: a query error in build() must not abort the transaction
            # in which the failure is recorded.
            with transaction.atomic():
                cleaned = form.clean_params(generated.params)
                built = form.build(cleaned)
            html = pdf_forms.render_html(
                form, built, token=generated.token, number=generated.number
            )
            content, pages = pdf_forms.render_pdf_bytes(html)
        except (DomainError, forms.ValidationError) as error:
            messages = getattr(error, "messages", None) or [str(error)]
            return _fail(generated, "; ".join(str(m) for m in messages))
        except (OperationalError, InterfaceError):
            raise  # the database is away: the task retries
        except Exception as error:  # a bug or bad data: record why, do not retry forever
            log.exception("pdf %s failed", generated.number)
            return _fail(generated, f"{type(error).__name__}: {error}")
        generated.record_number = built.record_number or generated.record_number
        generated.date_from = built.date_from or generated.date_from
        generated.date_to = built.date_to or generated.date_to
        generated.content = content
        generated.sha256 = hashlib.sha256(content).hexdigest()
        generated.size = len(content)
        generated.pages = pages
        generated.status = PdfStatus.READY
        generated.error = ""
        generated.finished_at = timezone.now()
        generated.save()
    log.info("pdf rendered", extra={"pdf": generated.number, "pages": pages, "bytes": len(content)})
    return generated


def pdf_mark_failed(pdf_id: int, reason: str) -> None:
    """Record that the worker gave up on a PDF (after its retries)."""
    GeneratedPdf.objects.filter(pk=pdf_id, status=PdfStatus.QUEUED).update(
        status=PdfStatus.FAILED, error=str(reason)[:2000], finished_at=timezone.now()
    )


def pdf_matches(generated: GeneratedPdf, content: bytes | None = None) -> bool:
    """Whether the stored file (or `content`, e.g. an uploaded copy) has the stored hash."""
    data = bytes(generated.content or b"") if content is None else content
    return bool(generated.sha256) and hashlib.sha256(data).hexdigest() == generated.sha256
