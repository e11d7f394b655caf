"""Supplier staff pages beyond the generic CRUD: the supplier's trade status and documents,
the product check, and the first-time approval steps."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import generic
from django_tables2 import RequestConfig

from apps.core.crud import StaffPermissionMixin, display_rows
from apps.core.exceptions import DomainError
from apps.core.licences import may_trade
from apps.core.models import DeviceClass, today
from apps.core.views import ApprovalActionView, approval_context

from .forms import ApprovalStartForm, ProductCheckForm
from .models import Supplier, SupplierFirstApproval
from .selectors import supplier_for_trade_check
from .services import (
    LICENCE_FIELDS,
    sales_rep_save,
    supplier_first_approval_start,
    supplier_first_approval_submit,
    supplier_first_approval_update_note,
    supplier_licence_save,
    supplier_save,
)
from .tables import SalesRepTable, SupplierLicenceTable

# --- adapters between the generic CRUD pages and the services -------------------------------


def save_supplier(*, user, instance, form):
    return supplier_save(supplier=instance, user=user)


def save_licence(*, user, instance, form):
    return supplier_licence_save(
        licence=instance,
        user=user,
        scope_categories=form.cleaned_data.get("scope_categories") or [],
    )


def save_rep(*, user, instance, form):
    return sales_rep_save(rep=instance, user=user)


def start_approval(*, user, instance, form):
    return supplier_first_approval_start(
        supplier=form.cleaned_data["supplier"],
        user=user,
        note=form.cleaned_data.get("application_note", ""),
    )


def update_approval(*, user, instance, form):
    return supplier_first_approval_update_note(
        approval=instance, user=user, note=form.cleaned_data.get("application_note", "")
    )


# --- detail pages ---------------------------------------------------------------------------


def trade_check_context(supplier: Supplier, product) -> dict:
    check = may_trade(supplier, product, today())
    return {"checked_product": product, "trade_check": check}


def document_tables(request, supplier: Supplier, *, editable: bool = True):
    """The supplier's licences and sales reps as sortable tables (edit links if allowed)."""
    user = request.user
    can_edit_licence = editable and user.has_perm("suppliers.change_supplierlicence")
    can_edit_rep = editable and user.has_perm("suppliers.change_salesrepauthorisation")
    licence_table = SupplierLicenceTable(
        supplier.licences.all(),
        exclude=() if can_edit_licence else ("edit",),
        prefix="licences-",
    )
    rep_table = SalesRepTable(
        supplier.sales_reps.all(), exclude=() if can_edit_rep else ("edit",), prefix="reps-"
    )
    config = RequestConfig(request, paginate=False)
    config.configure(licence_table)
    config.configure(rep_table)
    return licence_table, rep_table


def supplier_detail_context(request, supplier: Supplier) -> dict:
    """Trade status with every reason, documents, approval block and the product check."""
    user = request.user
    supplier = supplier_for_trade_check(supplier.pk)
    on_date = today()
    licence_table, rep_table = document_tables(request, supplier)
    approval = getattr(supplier, "first_approval", None)
    ctx = {
        "on_date": on_date,
        "trade_blockers": supplier.standing_blockers(on_date),
        "expired_licences": supplier.expired_licences(on_date),
        "licence_table": licence_table,
        "rep_table": rep_table,
        "can_add_licence": user.has_perm("suppliers.add_supplierlicence"),
        "can_add_rep": user.has_perm("suppliers.add_salesrepauthorisation"),
        "can_start_approval": approval is None
        and user.has_perm("suppliers.add_supplierfirstapproval"),
        "approval_start_form": ApprovalStartForm(),
        "check_form": ProductCheckForm(request.GET if "product" in request.GET else None),
        **approval_context(request, approval),
    }
    form = ctx["check_form"]
    if form.is_bound and form.is_valid():
        ctx.update(trade_check_context(supplier, form.cleaned_data["product"]))
    return ctx


def licence_detail_context(request, licence) -> dict:
    """Readable scope (class labels, category codes) instead of raw values."""
    names = [n for n in LICENCE_FIELDS if n not in ("scope_classes",)]
    rows = display_rows(licence, ["supplier", *names[:6]])
    if licence.valid_until is None:
        rows[-1] = (rows[-1][0], _("Long-term"))
    rows.append(
        (
            licence._meta.get_field("scope_classes").verbose_name,
            ", ".join(str(DeviceClass(c).label) for c in sorted(licence.scope_classes or [])),
        )
    )
    rows += display_rows(licence, ["scope_categories", *names[6:]])
    return {"field_rows": rows, "parent": licence.supplier}


def rep_detail_context(request, rep) -> dict:
    return {"parent": rep.supplier}


def approval_detail_context(request, approval: SupplierFirstApproval) -> dict:
    supplier = supplier_for_trade_check(approval.supplier_id)
    licence_table, rep_table = document_tables(request, supplier, editable=False)
    return {
        "parent": supplier,
        "document_blockers": [
            b for b in supplier.standing_blockers(today()) if b.code != "supplier_not_approved"
        ],
        "licence_table": licence_table,
        "rep_table": rep_table,
        **approval_context(request, approval),
    }


class SupplierTradeCheckView(StaffPermissionMixin, generic.View):
    """GET ?product=<pk>: may this supplier supply the product today? (htmx fragment)."""

    permission_required = "suppliers.view_supplier"

    def get(self, request, pk):
        supplier = get_object_or_404(Supplier, pk=pk)
        form = ProductCheckForm(request.GET)
        if not request.headers.get("HX-Request"):
            target = reverse("suppliers:supplier_detail", args=[pk])
            query = request.GET.urlencode()
            return HttpResponseRedirect(f"{target}?{query}#trade-check" if query else target)
        ctx = {"check_form": form, "object": supplier}
        if form.is_valid():
            ctx.update(
                trade_check_context(supplier_for_trade_check(pk), form.cleaned_data["product"])
            )
        return TemplateResponse(request, "suppliers/includes/trade_check.html", ctx)


class SupplierApprovalStartView(StaffPermissionMixin, generic.View):
    """POST from the supplier page: open the first-time file and submit it for review."""

    permission_required = "suppliers.add_supplierfirstapproval"
    http_method_names = ["post"]

    def post(self, request, pk):
        supplier = get_object_or_404(Supplier, pk=pk)
        form = ApprovalStartForm(request.POST)
        target = reverse("suppliers:supplier_detail", args=[pk])
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return HttpResponseRedirect(target)
        try:
            supplier_first_approval_start(
                supplier=supplier, user=request.user, note=form.cleaned_data["note"]
            )
        except DomainError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("First-time file submitted to the head of quality."))
        return HttpResponseRedirect(target + "#approval")


class SupplierApprovalActionView(ApprovalActionView):
    """Review steps as in core; a (re)submission first checks the supplier's documents."""

    model = SupplierFirstApproval

    def post(self, request, pk, action):
        if action != "submit":
            return super().post(request, pk, action)
        approval = get_object_or_404(SupplierFirstApproval, pk=pk)
        try:
            supplier_first_approval_submit(
                approval=approval, user=request.user, note=request.POST.get("note", "")
            )
        except DomainError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Submitted for review."))
        return HttpResponseRedirect(reverse("suppliers:supplierfirstapproval_detail", args=[pk]))
