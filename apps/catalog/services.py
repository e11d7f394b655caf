"""Writes of the catalog: products and their first-time approval (首营品种审批).

Every product is born with a draft first-time approval; it may be traded only once that
approval has passed the head of quality and a manager (apps/core/approvals.py).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from apps.core.approvals import approval_submit
from apps.core.exceptions import DomainError, InvalidStateError
from apps.core.models import ApprovalStatus

from .models import Product, ProductFirstApproval

PENDING_STATUSES = (ApprovalStatus.SUBMITTED, ApprovalStatus.QUALITY_APPROVED)


def product_create(*, product: Product, user=None) -> Product:
    """Save a new product (validated) together with its draft first-time approval."""
    if product.pk is not None:
        raise ValueError("product_create() expects an unsaved product")
    with transaction.atomic():
        product.full_clean()
        product.save()
        approval = ProductFirstApproval(product=product)
        approval.full_clean()
        approval.save()
    return product


def product_update(*, product: Product, user=None) -> Product:
    """Save changes to an existing product, with the row locked while it is validated."""
    if product.pk is None:
        raise ValueError("product_update() expects a saved product")
    with transaction.atomic():
        Product.objects.select_for_update().only("pk").get(pk=product.pk)
        product.full_clean()
        product.save()
    return product


def product_first_approval_start(*, product: Product, user, note: str = "") -> ProductFirstApproval:
    """Apply for the first-time approval of a product: create the record when missing and
    submit it to the head of quality. Refused while one is under review or approved."""
    with transaction.atomic():
        product = Product.objects.select_for_update().get(pk=product.pk)
        approval = ProductFirstApproval.objects.select_for_update().filter(product=product).first()
        if approval is not None and approval.status == ApprovalStatus.APPROVED:
            raise InvalidStateError(
                _("%(product)s already has an approved first-time file.") % {"product": product}
            )
        if approval is not None and approval.status in PENDING_STATUSES:
            raise InvalidStateError(
                _("The first-time approval of %(product)s is already under review (%(status)s).")
                % {"product": product, "status": approval.get_status_display()}
            )
        if not product.is_active:
            raise DomainError(
                _("%(product)s is inactive; activate it before applying.") % {"product": product},
                field="product",
            )
        if approval is None:
            approval = ProductFirstApproval(product=product)
            approval.full_clean()
            approval.save()
        return approval_submit(approval=approval, user=user, note=note)
