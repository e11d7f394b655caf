"""Every write to customers, their classes and licences.

The staff pages, the admin and the importers all save through these functions, so the
same rules hold on every path: `full_clean()` before `save()`, credit limits changed
only by users holding `customers.change_credit_customer`, and no new licence that has
already expired.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from apps.core.exceptions import DomainError, PermissionDeniedError
from apps.core.licences import fmt
from apps.core.models import today

from .forms import can_change_credit
from .models import Customer, CustomerClass, CustomerLicence


def _check_credit_change(*, user, old: Decimal, new: Decimal) -> None:
    if Decimal(new) != Decimal(old) and not can_change_credit(user):
        raise PermissionDeniedError(
            _(
                "You may not change the credit limit (from %(old)s to %(new)s); "
                "ask finance or a manager."
            )
            % {"old": old, "new": new},
            field="credit_limit",
        )


@transaction.atomic
def customer_class_create(*, user, instance: CustomerClass, form=None) -> CustomerClass:
    instance.full_clean()
    instance.save()
    return instance


@transaction.atomic
def customer_class_update(*, user, instance: CustomerClass, form=None) -> CustomerClass:
    CustomerClass.objects.select_for_update().get(pk=instance.pk)
    instance.full_clean()
    instance.save()
    return instance


@transaction.atomic
def customer_create(*, user, instance: Customer, form=None) -> Customer:
    """Save a new customer. A credit limit other than 0 needs the credit permission."""
    if instance.pk is not None:
        raise DomainError(_("This customer already exists; edit it instead."))
    _check_credit_change(user=user, old=Decimal(0), new=instance.credit_limit or Decimal(0))
    instance.full_clean()
    instance.save()
    return instance


@transaction.atomic
def customer_update(*, user, instance: Customer, form=None) -> Customer:
    """Save changes to a customer; the row is locked, and a changed credit limit needs the
    credit permission. Receivables are kept by finance and never taken from the caller."""
    current = Customer.objects.select_for_update().get(pk=instance.pk)
    _check_credit_change(user=user, old=current.credit_limit, new=instance.credit_limit)
    instance.receivables = current.receivables
    instance.full_clean()
    instance.save()
    return instance


@transaction.atomic
def customer_set_credit(
    *, user, customer: Customer, credit_limit: Decimal, payment_terms_days: int | None = None
) -> Customer:
    """Finance's change of the credit limit (and optionally the payment terms)."""
    if not can_change_credit(user):
        raise PermissionDeniedError(
            _("You may not change the credit limit; ask finance or a manager."),
            field="credit_limit",
        )
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    locked.credit_limit = credit_limit
    if payment_terms_days is not None:
        locked.payment_terms_days = payment_terms_days
    locked.full_clean()
    locked.save()
    return locked


def _scope_from(form, scope_categories):
    if scope_categories is not None:
        return scope_categories
    if form is not None and "scope_categories" in getattr(form, "cleaned_data", {}):
        return form.cleaned_data["scope_categories"]
    return None


def _save_licence(instance: CustomerLicence, form, scope_categories) -> CustomerLicence:
    """Validate and save a licence, then its scope categories (a many-to-many)."""
    instance.number = (instance.number or "").strip()
    instance.full_clean()
    instance.save()
    scope = _scope_from(form, scope_categories)
    if scope is not None:
        instance.scope_categories.set(scope)
    return instance


@transaction.atomic
def customer_licence_create(
    *, user, instance: CustomerLicence, form=None, scope_categories=None
) -> CustomerLicence:
    """Add a licence to a customer. A licence that has already expired proves nothing and is
    refused: enter the renewed one."""
    Customer.objects.select_for_update().get(pk=instance.customer_id)
    if instance.valid_until is not None and instance.valid_until < today():
        raise DomainError(
            _("This licence expired on %(date)s; enter the current, renewed licence.")
            % {"date": fmt(instance.valid_until)},
            field="valid_until",
        )
    return _save_licence(instance, form, scope_categories)


@transaction.atomic
def customer_licence_update(
    *, user, instance: CustomerLicence, form=None, scope_categories=None
) -> CustomerLicence:
    Customer.objects.select_for_update().get(pk=instance.customer_id)
    current = CustomerLicence.objects.select_for_update().get(pk=instance.pk)
    if current.customer_id != instance.customer_id:
        raise DomainError(_("A licence cannot be moved to another customer."), field="customer")
    return _save_licence(instance, form, scope_categories)
