"""Alert pages: the list with filters, acknowledging (POST), the schedule's runs."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin
from django_tables2.export import ExportMixin

from apps.core.crud import StaffPermissionMixin
from apps.core.exceptions import DomainError, PermissionDeniedError

from . import services
from .filters import AlertFilter
from .models import Alert, AlertJob
from .tables import AlertTable


class AlertListView(StaffPermissionMixin, ExportMixin, SingleTableMixin, FilterView):
    """Every alert (open, acknowledged, resolved), filtered by kind, severity and state;
    the open ones first, most severe first."""

    permission_required = "gsp_alerts.view_alert"
    template_name = "core/crud/list.html"
    filterset_class = AlertFilter
    table_class = AlertTable
    export_formats = ("xlsx", "csv")
    table_pagination = {"per_page": 25}

    def get_queryset(self):
        return services.by_severity(Alert.objects.select_related("acknowledged_by")).order_by(
            "resolved_at", "acknowledged_at", "rank", "-last_seen", "pk"
        )

    def get_export_filename(self, export_format):
        return f"alerts.{export_format}"

    def get_table_kwargs(self):
        user = self.request.user
        if not user.has_perm("gsp_alerts.acknowledge_alert"):
            acknowledgeable = False
        elif user.is_superuser:
            acknowledgeable = None
        else:
            acknowledgeable = set(services.kinds_for_roles(services.role_codes(user)))
        return {"request": self.request, "acknowledgeable": acknowledgeable}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["verbose_name"] = Alert._meta.verbose_name
        ctx["verbose_name_plural"] = Alert._meta.verbose_name_plural
        return ctx


class AlertAcknowledgeView(StaffPermissionMixin, generic.View):
    permission_required = "gsp_alerts.acknowledge_alert"
    http_method_names = ["post"]

    def post(self, request, pk):
        alert = get_object_or_404(Alert, pk=pk)
        target = reverse("core:dashboard")
        requested = request.POST.get("next", "")
        if requested and url_has_allowed_host_and_scheme(
            requested, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = requested
        try:
            services.alert_acknowledge(alert=alert, user=request.user)
        except PermissionDeniedError as error:
            raise PermissionDenied(error.messages[0]) from error
        except DomainError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Alert acknowledged."))
        return HttpResponseRedirect(target)


def alertjob_detail_context(request, job: AlertJob) -> dict:
    return {
        "runs": list(job.runs.order_by("-run_date")[:14]),
        "runs_title": gettext_lazy("Recent runs"),
    }
