"""Catalog pages beyond the generic CRUD: detail-page context and the "apply" button."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import generic

from apps.core.crud import StaffPermissionMixin, display_rows
from apps.core.exceptions import DomainError
from apps.core.models import ApprovalStatus, today
from apps.core.views import approval_context

from .models import Product
from .services import product_first_approval_start
from .tables import ManufacturerLicenceTable, registration_state


def product_detail_context(request, product: Product) -> dict:
    """Registration status, trade status and the first-time approval block."""
    on_date = today()
    state, days_left = registration_state(product.registration_valid_until, on_date)
    approval = getattr(product, "first_approval", None)
    ctx = approval_context(request, approval)
    # On the product page the application goes through product_first_approval_start.
    ctx["can_submit_approval"] = False
    may_apply = request.user.has_perm("catalog.add_productfirstapproval") and (
        approval is None or approval.status in (ApprovalStatus.DRAFT, ApprovalStatus.REJECTED)
    )
    ctx.update(
        registration_state=state,
        registration_days_left=days_left,
        registration_days_ago=-days_left if days_left is not None and days_left < 0 else None,
        trade_blockers=product.trade_blockers(on_date),
        may_apply_first_approval=may_apply,
        first_approval_start_url=reverse("catalog:product_first_approval_start", args=[product.pk]),
        can_view_approval=request.user.has_perm("catalog.view_productfirstapproval"),
    )
    if not may_see_purchase_price(request.user):
        names = [
            f.name
            for f in product._meta.concrete_fields
            if f.name not in {"id", "created_at", "updated_at", "purchase_price"}
        ]
        ctx["field_rows"] = display_rows(product, names)
    return ctx


def may_see_purchase_price(user) -> bool:
    """Purchase prices are costs: not for sales staff (issue 4, item 6)."""
    return any(
        user.has_perm(p)
        for p in ("core.view_cost", "catalog.change_product", "purchasing.view_purchaseorder")
    )


def manufacturer_detail_context(request, manufacturer) -> dict:
    licences = manufacturer.licences.prefetch_related("scope_categories").order_by(
        "licence_type", "-valid_until"
    )
    can_change_licence = request.user.has_perm("catalog.change_manufacturerlicence")
    return {
        "licence_table": ManufacturerLicenceTable(
            licences, orderable=False, exclude=() if can_change_licence else ("edit",)
        ),
        "can_add_licence": request.user.has_perm("catalog.add_manufacturerlicence"),
        "product_count": manufacturer.products.count(),
        "can_view_products": request.user.has_perm("catalog.view_product"),
    }


def approval_detail_context(request, approval) -> dict:
    ctx = approval_context(request, approval)
    ctx["product"] = approval.product
    return ctx


class ProductFirstApprovalStartView(StaffPermissionMixin, generic.View):
    """POST from the product page (申请首营): create the approval if needed and submit it."""

    permission_required = "catalog.add_productfirstapproval"
    http_method_names = ["post"]

    def post(self, request, pk):
        product = get_object_or_404(Product, pk=pk)
        try:
            product_first_approval_start(
                product=product, user=request.user, note=request.POST.get("note", "").strip()
            )
        except DomainError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("First-time approval of %(product)s submitted to the head of quality.")
                % {"product": product},
            )
        return HttpResponseRedirect(reverse("catalog:product_detail", args=[pk]))
