"""Core staff pages: dashboard, company settings and licences, approval steps."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from .approvals import approval_review, approval_submit, next_step_permission
from .crud import StaffPermissionMixin, display_rows
from .dashboard import panels_for
from .exceptions import DomainError
from .forms import CompanySettingsForm
from .history import history_rows
from .models import CompanyLicence, CompanySettings


class DashboardView(LoginRequiredMixin, generic.TemplateView):
    template_name = "core/dashboard.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["panels"] = panels_for(self.request)
        ctx["company"] = CompanySettings.load()
        return ctx


class CompanySettingsView(StaffPermissionMixin, generic.TemplateView):
    permission_required = "core.view_companysettings"
    template_name = "core/company_settings.html"

    def get_context_data(self, **kwargs):
        from .tables import CompanyLicenceTable

        ctx = super().get_context_data(**kwargs)
        company = CompanySettings.load()
        ctx.update(
            company=company,
            field_rows=display_rows(company, CompanySettingsForm.Meta.fields),
            licence_table=CompanyLicenceTable(CompanyLicence.objects.all()),
            can_change=self.request.user.has_perm("core.change_companysettings"),
            can_add_licence=self.request.user.has_perm("core.add_companylicence"),
            can_view_history=self.request.user.has_perm("core.view_history"),
            history_rows=history_rows(company, limit=20)
            if self.request.user.has_perm("core.view_history")
            else [],
        )
        return ctx


class CompanySettingsUpdateView(StaffPermissionMixin, generic.UpdateView):
    permission_required = "core.change_companysettings"
    form_class = CompanySettingsForm
    template_name = "core/crud/form.html"

    def get_object(self, queryset=None):
        return CompanySettings.load()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["verbose_name"] = CompanySettings._meta.verbose_name
        return ctx

    def form_valid(self, form):
        self.object = form.save()
        messages.success(self.request, _("Company settings saved."))
        return HttpResponseRedirect(reverse("core:company_settings"))


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", gettext_lazy("Approve")), ("reject", gettext_lazy("Reject"))]
    )
    opinion = forms.CharField(
        label=gettext_lazy("Opinion"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ApprovalActionView(StaffPermissionMixin, generic.View):
    """POST-only: submit an application, or record the next reviewer's decision.

    `model` is the concrete approval model; the URL carries its pk and the action
    ("submit" or "review"). Rules live in apps/core/approvals.py.
    """

    model = None
    http_method_names = ["post"]

    def has_permission(self):
        # Submitting or reviewing needs one of these; the service checks which step.
        meta = self.model._meta
        perms = [
            f"{meta.app_label}.{code}_{meta.model_name}"
            for code in ("add", "review_quality", "review_manager")
        ]
        return any(self.request.user.has_perm(p) for p in perms)

    def post(self, request, pk, action):
        approval = get_object_or_404(self.model, pk=pk)
        meta = self.model._meta
        target = reverse(f"{meta.app_label}:{meta.model_name}_detail", args=[pk])
        requested = request.POST.get("next", "")
        if requested and url_has_allowed_host_and_scheme(
            requested, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = requested
        try:
            if action == "submit":
                approval_submit(
                    approval=approval, user=request.user, note=request.POST.get("note", "")
                )
                messages.success(request, _("Submitted for review."))
            elif action == "review":
                form = ReviewForm(request.POST)
                if not form.is_valid():
                    raise DomainError(_("Choose approve or reject."))
                approve = form.cleaned_data["decision"] == "approve"
                approval_review(
                    approval=approval,
                    user=request.user,
                    approve=approve,
                    opinion=form.cleaned_data["opinion"],
                )
                messages.success(request, _("Approved.") if approve else _("Rejected."))
            else:
                raise DomainError(_("Unknown action."))
        except DomainError as error:
            for message in error.messages:
                messages.error(request, message)
        return HttpResponseRedirect(target)


def approval_context(request, approval) -> dict:
    """Context for the approval block on a detail page (who may act next)."""
    if approval is None:
        return {"approval": None}
    meta = approval._meta
    perm = next_step_permission(approval)
    return {
        "approval": approval,
        "approval_action_url": reverse(
            f"{meta.app_label}:{meta.model_name}_action", args=[approval.pk, "review"]
        ),
        "approval_submit_url": reverse(
            f"{meta.app_label}:{meta.model_name}_action", args=[approval.pk, "submit"]
        ),
        "can_submit_approval": request.user.has_perm(f"{meta.app_label}.add_{meta.model_name}")
        and approval.status in ("draft", "rejected"),
        "can_review_approval": bool(perm and request.user.has_perm(perm)),
        "review_form": ReviewForm(),
    }
