"""Staff pages of the quality records: the generic record pages (RecordCrud) plus a
date-range PDF on every list, the re-inspection notice's issue step, and the list of
staff in quality posts without this year's health check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.urls import path, reverse
from django.utils.translation import gettext as _

from apps.core.crud import CrudCreateView, CrudListView
from apps.core.exceptions import DomainError
from apps.core.models import today
from apps.gsp_records.records import RecordCrud, _RecordPostView
from apps.inventory.models import HoldStatus

from . import services
from .models import HealthCheck, ReinspectionNotice, StopSaleNotice

# Roles whose members work in quality-relevant posts and need a yearly health check.
QUALITY_ROLES = ("inspector", "keeper", "checker", "quality_manager")


@dataclass
class QualityCrud(RecordCrud):
    list_pdf_form: str | None = None  # code of the date-range PDF
    list_context: Callable | None = None  # (request) -> dict for the list page
    create_initial: Callable | None = None  # (request) -> initial values of a new record

    def urls(self) -> list:
        views = {
            f"{self.model_name}_list": QualityListView,
            f"{self.model_name}_create": QualityCreateView,
        }
        return [
            path(str(p.pattern), views[p.name].as_view(crud=self), name=p.name)
            if p.name in views
            else p
            for p in super().urls()
        ]


class QualityListView(CrudListView):
    template_name = "gsp_quality/record_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["list_pdf_form"] = self.crud.list_pdf_form
        ctx["today"] = today()
        if self.crud.list_context:
            ctx.update(self.crud.list_context(self.request))
        return ctx


class QualityCreateView(CrudCreateView):
    def get_initial(self):
        initial = super().get_initial()
        if self.crud.create_initial:
            initial.update(self.crud.create_initial(self.request))
        return initial


# ---------------------------------------------------------------------------- notices


def reinspection_detail_context(request, notice: ReinspectionNotice) -> dict:
    may_issue = (
        not notice.is_issued
        and not notice.corrects_id
        and request.user.has_perm("gsp_quality.issue_reinspectionnotice")
    )
    return {
        "can_issue": may_issue,
        "issue_url": reverse("gsp_quality:reinspectionnotice_issue", args=[notice.pk]),
        "hold": notice.hold,
    }


def reinspection_initial(request) -> dict:
    """A re-inspection of a stop-sale notice starts with the notice's lot and location."""
    notice_id = request.GET.get("stop_sale_notice", "")
    if not notice_id.isdigit():
        return {}
    notice = StopSaleNotice.objects.signed().filter(pk=int(notice_id)).first()
    if notice is None:
        return {}
    return {
        "stop_sale_notice": notice.pk,
        "lot": notice.lot_id,
        "location": notice.location_id,
        "quantity": notice.quantity,
        "problem": notice.findings,
    }


def stop_sale_detail_context(request, notice: StopSaleNotice) -> dict:
    return {
        "hold": notice.hold,
        "reinspections": list(notice.reinspections.select_related("signed_by")),
        "can_reinspect": notice.is_signed
        and notice.hold is not None
        and notice.hold.status == HoldStatus.ACTIVE
        and request.user.has_perm("gsp_quality.add_reinspectionnotice"),
        "reinspect_url": reverse("gsp_quality:reinspectionnotice_create")
        + f"?stop_sale_notice={notice.pk}",
    }


class ReinspectionIssueView(_RecordPostView):
    action = "issue"

    def post(self, request, *args, **kwargs):
        notice = self.record()
        try:
            notice = services.reinspection_issue(notice=notice, user=request.user)
        except DomainError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _(
                    "Issued %(number)s: lot %(lot)s is stopped from sale until the "
                    "re-inspection is signed."
                )
                % {"number": notice.number, "lot": notice.lot},
            )
        return self.detail_redirect(notice)


# ---------------------------------------------------------------------------- health checks


def missing_health_checks(year: int) -> list[str]:
    """Names of staff in quality posts without a health check in `year`: members of the
    quality roles, and people whose earlier check names a quality post and who were not
    transferred. Two queries."""
    checked = HealthCheck.objects.filter(check_year=year)
    users = (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=QUALITY_ROLES)
        .exclude(pk__in=checked.filter(user__isnull=False).values("user"))
        .distinct()
    )
    names = {user.get_full_name() or user.get_username() for user in users}
    names |= set(
        HealthCheck.objects.filter(
            quality_post=True, transfer_date__isnull=True, check_year__lt=year
        )
        .exclude(name__in=checked.values("name"))
        .values_list("name", flat=True)
    )
    return sorted(names)


def health_check_list_context(request) -> dict:
    year = today().year
    return {"missing_year": year, "missing_checks": missing_health_checks(year)}
