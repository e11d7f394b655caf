"""The first-time approval chain (首营审批): purchaser → head of quality → manager.

One service per step, each atomic with the approval row locked. A reviewer may not be
the person who submitted. Rejection ends the round; the applicant may resubmit, and
history keeps every round.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .exceptions import InvalidStateError, PermissionDeniedError, SegregationOfDutiesError
from .models import ApprovalStatus, FirstTimeApproval

# Who did each step, when and with what opinion: set only by approval_submit/approval_review.
APPROVAL_STEP_FIELDS = (
    "submitted_by",
    "submitted_at",
    "quality_by",
    "quality_at",
    "quality_opinion",
    "manager_by",
    "manager_at",
    "manager_opinion",
)
# Who signed each step and when (list columns; the opinions are on the detail page).
APPROVAL_SIGNED_FIELDS = tuple(f for f in APPROVAL_STEP_FIELDS if not f.endswith("_opinion"))


def _perm(approval: FirstTimeApproval, step: str) -> str:
    meta = approval._meta
    return f"{meta.app_label}.review_{step}_{meta.model_name}"


def _locked(approval: FirstTimeApproval) -> FirstTimeApproval:
    return type(approval)._default_manager.select_for_update().get(pk=approval.pk)


def approval_submit(*, approval: FirstTimeApproval, user, note: str = "") -> FirstTimeApproval:
    meta = approval._meta
    if not user.has_perm(f"{meta.app_label}.add_{meta.model_name}"):
        raise PermissionDeniedError(_("You may not submit first-time applications."))
    with transaction.atomic():
        if approval.pk:
            approval = _locked(approval)
        if approval.status not in (ApprovalStatus.DRAFT, ApprovalStatus.REJECTED):
            raise InvalidStateError(
                _("This application is already %(status)s.")
                % {"status": approval.get_status_display()}
            )
        approval.status = ApprovalStatus.SUBMITTED
        approval.submitted_by = user
        approval.submitted_at = timezone.now()
        if note:
            approval.application_note = note
        approval.quality_by = approval.manager_by = None
        approval.quality_at = approval.manager_at = None
        approval.quality_opinion = approval.manager_opinion = ""
        approval.full_clean()
        approval.save()
    return approval


def approval_review(
    *, approval: FirstTimeApproval, user, approve: bool, opinion: str
) -> FirstTimeApproval:
    """The next reviewer's decision: head of quality first, then the manager."""
    opinion = (opinion or "").strip()
    with transaction.atomic():
        approval = _locked(approval)
        if approval.status == ApprovalStatus.SUBMITTED:
            step = "quality"
        elif approval.status == ApprovalStatus.QUALITY_APPROVED:
            step = "manager"
        else:
            raise InvalidStateError(
                _("This application is %(status)s and awaits no review.")
                % {"status": approval.get_status_display()}
            )
        if not user.has_perm(_perm(approval, step)):
            raise PermissionDeniedError(
                _("Only the head of quality may review at this step.")
                if step == "quality"
                else _("Only a manager may approve at this step.")
            )
        if user.pk == approval.submitted_by_id:
            raise SegregationOfDutiesError(
                _("You submitted this application, so someone else must review it.")
            )
        if step == "manager" and user.pk == approval.quality_by_id:
            raise SegregationOfDutiesError(
                _("The manager's approval must come from someone other than the quality reviewer.")
            )
        if not approve and not opinion:
            raise InvalidStateError(_("Give the reason for the rejection."), field="opinion")
        now = timezone.now()
        if step == "quality":
            approval.quality_by, approval.quality_at, approval.quality_opinion = user, now, opinion
            approval.status = (
                ApprovalStatus.QUALITY_APPROVED if approve else ApprovalStatus.REJECTED
            )
        else:
            approval.manager_by, approval.manager_at, approval.manager_opinion = user, now, opinion
            approval.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
        approval.full_clean()
        approval.save()
    return approval


def next_step_permission(approval: FirstTimeApproval) -> str | None:
    """The permission of whoever acts next, or None when nobody needs to."""
    if approval.status == ApprovalStatus.SUBMITTED:
        return _perm(approval, "quality")
    if approval.status == ApprovalStatus.QUALITY_APPROVED:
        return _perm(approval, "manager")
    return None
