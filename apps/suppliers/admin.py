"""Admin of suppliers: the same forms and services as the staff pages, with history and
import/export. First-time approvals move only through the approval steps."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.admin import ExportMixin, ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from apps.core.admin_mixins import ApprovalAdminMixin
from apps.core.approvals import approval_review
from apps.core.exceptions import DomainError

from .forms import (
    SalesRepAuthorisationForm,
    SupplierFirstApprovalForm,
    SupplierForm,
    SupplierLicenceForm,
)
from .models import SalesRepAuthorisation, Supplier, SupplierFirstApproval, SupplierLicence
from .resources import (
    SalesRepAuthorisationResource,
    SupplierFirstApprovalResource,
    SupplierLicenceResource,
    SupplierResource,
)
from .services import (
    sales_rep_save,
    supplier_first_approval_update_note,
    supplier_licence_save,
    supplier_save,
)


class SupplierLicenceInline(admin.StackedInline):
    model = SupplierLicence
    form = SupplierLicenceForm
    extra = 0
    can_delete = False
    show_change_link = True


class SalesRepInline(admin.TabularInline):
    model = SalesRepAuthorisation
    form = SalesRepAuthorisationForm
    extra = 0
    can_delete = False
    show_change_link = True


def _report(request, error: DomainError) -> None:
    for message in error.messages:
        messages.error(request, message)


@admin.register(Supplier)
class SupplierAdmin(ImportExportModelAdmin, SimpleHistoryAdmin):
    form = SupplierForm
    resource_classes = [SupplierResource]
    inlines = [SupplierLicenceInline, SalesRepInline]
    list_display = (
        "code",
        "name",
        "unified_social_credit_code",
        "contact_person",
        "phone",
        "is_active",
    )
    list_filter = ("is_active",)
    search_fields = ("code", "name", "mnemonic", "unified_social_credit_code", "contact_person")

    def save_model(self, request, obj, form, change):
        supplier_save(supplier=obj, user=request.user)

    def save_formset(self, request, form, formset, change):
        # Inline licences and authorisations go through their services too (locks, rules).
        if formset.model is SupplierLicence:

            def save(inline_form):
                return supplier_licence_save(
                    licence=inline_form.instance,
                    user=request.user,
                    scope_categories=inline_form.cleaned_data.get("scope_categories") or [],
                )

        elif formset.model is SalesRepAuthorisation:

            def save(inline_form):
                return sales_rep_save(rep=inline_form.instance, user=request.user)

        else:
            return super().save_formset(request, form, formset, change)
        # The admin's change message reads these lists, which formset.save() would fill.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.forms:
            if not inline_form.has_changed():
                continue
            is_new = inline_form.instance.pk is None
            # The parent was unsaved when the inline form was built; point at the saved row.
            setattr(inline_form.instance, formset.fk.name, formset.instance)
            obj = save(inline_form)
            if is_new:
                formset.new_objects.append(obj)
            else:
                formset.changed_objects.append((obj, inline_form.changed_data))
        return None


@admin.register(SupplierLicence)
class SupplierLicenceAdmin(ImportExportModelAdmin, SimpleHistoryAdmin):
    form = SupplierLicenceForm
    resource_classes = [SupplierLicenceResource]
    list_display = ("supplier", "licence_type", "number", "issued_on", "valid_until")
    list_filter = ("licence_type",)
    list_select_related = ("supplier",)
    search_fields = ("number", "holder", "supplier__code", "supplier__name")
    autocomplete_fields = ("supplier",)
    fields = ("supplier", *SupplierLicenceForm.Meta.fields)

    def save_model(self, request, obj, form, change):
        supplier_licence_save(
            licence=obj,
            user=request.user,
            scope_categories=form.cleaned_data.get("scope_categories") or [],
        )


@admin.register(SalesRepAuthorisation)
class SalesRepAuthorisationAdmin(ImportExportModelAdmin, SimpleHistoryAdmin):
    form = SalesRepAuthorisationForm
    resource_classes = [SalesRepAuthorisationResource]
    list_display = ("rep_name", "supplier", "phone", "valid_from", "valid_until")
    list_select_related = ("supplier",)
    search_fields = ("rep_name", "supplier__code", "supplier__name")
    autocomplete_fields = ("supplier",)
    fields = ("supplier", *SalesRepAuthorisationForm.Meta.fields)

    def save_model(self, request, obj, form, change):
        sales_rep_save(rep=obj, user=request.user)


class RejectForm(forms.Form):
    opinion = forms.CharField(
        label=gettext_lazy("Reason for the rejection"), widget=forms.Textarea(attrs={"rows": 3})
    )


@admin.register(SupplierFirstApproval)
class SupplierFirstApprovalAdmin(ApprovalAdminMixin, ExportMixin, SimpleHistoryAdmin):
    """Read-only except the application note; decisions through the actions below.
    A file is opened from the supplier's page, where its documents are checked."""

    form = SupplierFirstApprovalForm
    resource_classes = [SupplierFirstApprovalResource]
    approval_subject = "supplier"
    list_display = ("supplier", "status", "submitted_by", "quality_by", "manager_by")
    search_fields = ("supplier__code", "supplier__name")
    actions = ("approve_selected", "reject_selected")

    def save_model(self, request, obj, form, change):
        try:
            supplier_first_approval_update_note(
                approval=obj, user=request.user, note=obj.application_note
            )
        except DomainError as error:
            _report(request, error)

    def _review(self, request, queryset, *, approve: bool, opinion: str) -> None:
        done = self.run_approval_step(
            request,
            queryset,
            lambda approval: approval_review(
                approval=approval, user=request.user, approve=approve, opinion=opinion
            ),
        )
        if done:
            messages.success(
                request,
                (
                    _("Approved %(n)d application(s).")
                    if approve
                    else _("Rejected %(n)d application(s).")
                )
                % {"n": done},
            )

    @admin.action(description=gettext_lazy("Approve the next step of the selected applications"))
    def approve_selected(self, request, queryset):
        self._review(request, queryset, approve=True, opinion="")

    @admin.action(description=gettext_lazy("Reject the selected applications"))
    def reject_selected(self, request, queryset):
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            self._review(request, queryset, approve=False, opinion=form.cleaned_data["opinion"])
            return None
        return TemplateResponse(
            request,
            "suppliers/admin/reject_approvals.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Reject first-time supplier applications"),
                "opts": self.model._meta,
                "queryset": queryset,
                "form": form,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )
