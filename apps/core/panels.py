"""Core dashboard panels: our own licences, and approvals waiting for the user."""

from __future__ import annotations

import datetime

from django.apps import apps
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from .approvals import next_step_permission
from .models import ApprovalStatus, CompanyLicence, FirstTimeApproval, today

EXPIRY_WINDOW_DAYS = 60


def company_licences_panel(request):
    if not request.user.has_perm("core.view_companylicence"):
        return None
    horizon = today() + datetime.timedelta(days=EXPIRY_WINDOW_DAYS)
    licences = list(
        CompanyLicence.objects.filter(valid_until__isnull=False, valid_until__lte=horizon).order_by(
            "valid_until"
        )
    )
    if not licences:
        return None
    return {
        "title": _("Our licences expired or expiring within %(days)d days")
        % {"days": EXPIRY_WINDOW_DAYS},
        "template": "core/panels/licences.html",
        "context": {"licences": licences, "today": today()},
        "order": 5,
        "alert": any(lic.status == "expired" for lic in licences),
    }


def approval_models() -> list[type[FirstTimeApproval]]:
    return [m for m in apps.get_models() if issubclass(m, FirstTimeApproval)]


def approvals_waiting_panel(request):
    """First-time applications whose next step belongs to this user."""
    rows = []
    for model in approval_models():
        waiting = model._default_manager.filter(
            Q(status=ApprovalStatus.SUBMITTED) | Q(status=ApprovalStatus.QUALITY_APPROVED)
        ).exclude(submitted_by=request.user)
        for approval in waiting.select_related("submitted_by")[:50]:
            perm = next_step_permission(approval)
            if not (perm and request.user.has_perm(perm)):
                continue
            meta = model._meta
            try:
                url = reverse(f"{meta.app_label}:{meta.model_name}_detail", args=[approval.pk])
            except NoReverseMatch:
                url = ""
            rows.append({"approval": approval, "kind": meta.verbose_name, "url": url})
    if not rows:
        return None
    return {
        "title": _("Approvals waiting for you (%(n)d)") % {"n": len(rows)},
        "template": "core/panels/approvals.html",
        "context": {"rows": rows},
        "order": 1,
    }
