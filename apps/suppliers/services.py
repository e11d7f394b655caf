"""Every write of the suppliers app: suppliers, their licences, sales-rep authorisations and
the first-time supplier approval (首营企业审批).

Each service locks the supplier row first (the project-wide lock order), runs
`full_clean()` and the cross-row rules, and raises `DomainError` with a specific message;
nothing is saved then. Forms, the admin and the importers use these same rules.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.core.approvals import approval_submit
from apps.core.exceptions import DomainError, InvalidStateError
from apps.core.models import LICENCE_FIELDS as CORE_LICENCE_FIELDS
from apps.core.models import ApprovalStatus, LicenceType, today

from .models import SalesRepAuthorisation, Supplier, SupplierFirstApproval, SupplierLicence
from .selectors import code_owner, credit_code_owner

# Operating licences must name what they cover, or they prove nothing.
SCOPED_TYPES = frozenset({LicenceType.DEVICE_OPERATING, LicenceType.DEVICE_FILING})


# --- rules shared with forms and importers ------------------------------------------------


def supplier_uniqueness_errors(
    *, code: str, credit_code: str, exclude_pk: int | None
) -> dict[str, str]:
    """Specific messages for a supplier code or credit code that another supplier uses."""
    errors = {}
    owner = code_owner(code, exclude_pk=exclude_pk) if code else None
    if owner is not None:
        errors["code"] = _("Supplier code %(code)s is already used by %(name)s.") % {
            "code": owner.code,
            "name": owner.name,
        }
    owner = credit_code_owner(credit_code, exclude_pk=exclude_pk) if credit_code else None
    if owner is not None:
        errors["unified_social_credit_code"] = _(
            "Unified social credit code %(code)s already belongs to supplier %(name)s (%(sc)s)."
        ) % {"code": owner.unified_social_credit_code, "name": owner.name, "sc": owner.code}
    return errors


def expired_on_entry_error(valid_until: datetime.date | None, *, what: str) -> str | None:
    """A new document that has already expired proves nothing: ask for the renewal."""
    if valid_until is not None and valid_until < today():
        return _("This %(what)s expired on %(date)s; enter the current, renewed one.") % {
            "what": what,
            "date": valid_until.isoformat(),
        }
    return None


def licence_scope_errors(
    *, licence_type: str, scope_classes: Iterable[int], scope_categories: Iterable
) -> dict[str, str]:
    """An operating licence or filing must list its device classes and catalogue categories."""
    if licence_type not in SCOPED_TYPES:
        return {}
    errors = {}
    label = LicenceType(licence_type).label
    if not list(scope_classes or []):
        errors["scope_classes"] = _("A %(type)s must list the device classes it covers.") % {
            "type": label
        }
    if not list(scope_categories or []):
        errors["scope_categories"] = _(
            "A %(type)s must list the catalogue categories it covers."
        ) % {"type": label}
    return errors


def _raise_errors(errors: dict[str, str]) -> None:
    if errors:
        fields = list(errors)
        raise DomainError(list(errors.values()), field=fields[0] if len(fields) == 1 else None)


def _full_clean(instance) -> None:
    """full_clean() with its errors turned into a DomainError (field kept when single)."""
    try:
        instance.full_clean()
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            messages = [m for errs in exc.message_dict.values() for m in errs]
            fields = list(exc.message_dict)
            field = fields[0] if len(fields) == 1 and fields[0] != "__all__" else None
            raise DomainError(messages, field=field) from exc
        raise DomainError(exc.messages) from exc


def _lock_supplier(supplier: Supplier) -> Supplier:
    return Supplier.objects.select_for_update().get(pk=supplier.pk)


# --- suppliers ------------------------------------------------------------------------------

SUPPLIER_FIELDS = (
    "code",
    "name",
    "unified_social_credit_code",
    "legal_representative",
    "address",
    "warehouse_address",
    "contact_person",
    "phone",
    "email",
    "bank_name",
    "bank_account",
    "business_scope",
    "is_active",
    "note",
)


def _set_fields(instance, fields: dict, allowed: Iterable[str]) -> None:
    allowed = set(allowed)
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(instance, name, value)


def _check_supplier(supplier: Supplier) -> None:
    supplier.code = (supplier.code or "").strip()
    supplier.unified_social_credit_code = (
        (supplier.unified_social_credit_code or "").strip().upper()
    )
    _raise_errors(
        supplier_uniqueness_errors(
            code=supplier.code,
            credit_code=supplier.unified_social_credit_code,
            exclude_pk=supplier.pk,
        )
    )
    _full_clean(supplier)


def supplier_save(*, supplier: Supplier, user=None) -> Supplier:
    """Validate and save a new or changed supplier (the form or admin filled it in)."""
    with transaction.atomic():
        if supplier.pk:
            _lock_supplier(supplier)
        _check_supplier(supplier)
        supplier.save()
    return supplier


def supplier_create(*, user=None, **fields) -> Supplier:
    supplier = Supplier()
    _set_fields(supplier, fields, SUPPLIER_FIELDS)
    return supplier_save(supplier=supplier, user=user)


def supplier_update(*, supplier: Supplier, user=None, **fields) -> Supplier:
    _set_fields(supplier, fields, SUPPLIER_FIELDS)
    return supplier_save(supplier=supplier, user=user)


# --- licences -------------------------------------------------------------------------------

# Scope categories are a many-to-many: set after saving, not as a field.
LICENCE_FIELDS = tuple(name for name in CORE_LICENCE_FIELDS if name != "scope_categories")


def _save_licence(licence: SupplierLicence, *, scope_categories, is_new: bool) -> SupplierLicence:
    licence.number = (licence.number or "").strip()
    if licence.licence_type == LicenceType.BUSINESS:
        licence.number = licence.number.upper()
    if not (licence.holder or "").strip():
        licence.holder = licence.supplier.name
    errors = {}
    if is_new:
        message = expired_on_entry_error(licence.valid_until, what=_("licence"))
        if message:
            errors["valid_until"] = message
    if scope_categories is not None:
        categories = list(scope_categories)
    else:
        categories = list(licence.scope_categories.all()) if licence.pk else []
    errors.update(
        licence_scope_errors(
            licence_type=licence.licence_type,
            scope_classes=licence.scope_classes,
            scope_categories=categories,
        )
    )
    _raise_errors(errors)
    _full_clean(licence)
    licence.save()
    if scope_categories is not None:
        licence.scope_categories.set(categories)
    return licence


def supplier_licence_save(
    *, licence: SupplierLicence, user=None, scope_categories: Iterable | None = None
) -> SupplierLicence:
    """Validate and save a new or changed licence; `scope_categories` None keeps them."""
    with transaction.atomic():
        _lock_supplier(licence.supplier)
        return _save_licence(licence, scope_categories=scope_categories, is_new=licence.pk is None)


def supplier_licence_create(
    *, supplier: Supplier, user=None, scope_categories: Iterable = (), **fields
) -> SupplierLicence:
    licence = SupplierLicence(supplier=supplier)
    _set_fields(licence, fields, LICENCE_FIELDS)
    return supplier_licence_save(licence=licence, user=user, scope_categories=scope_categories)


def supplier_licence_update(
    *, licence: SupplierLicence, user=None, scope_categories: Iterable | None = None, **fields
) -> SupplierLicence:
    _set_fields(licence, fields, LICENCE_FIELDS)
    return supplier_licence_save(licence=licence, user=user, scope_categories=scope_categories)


# --- sales representatives ------------------------------------------------------------------

REP_FIELDS = ("rep_name", "id_number", "phone", "valid_from", "valid_until", "scope", "scan")


def _save_rep(rep: SalesRepAuthorisation, *, is_new: bool) -> SalesRepAuthorisation:
    rep.id_number = (rep.id_number or "").strip().upper()
    if is_new:
        message = expired_on_entry_error(rep.valid_until, what=_("authorisation"))
        if message:
            raise DomainError(message, field="valid_until")
    _full_clean(rep)
    rep.save()
    return rep


def sales_rep_save(*, rep: SalesRepAuthorisation, user=None) -> SalesRepAuthorisation:
    """Validate and save a new or changed sales-rep authorisation."""
    with transaction.atomic():
        _lock_supplier(rep.supplier)
        return _save_rep(rep, is_new=rep.pk is None)


def sales_rep_create(*, supplier: Supplier, user=None, **fields) -> SalesRepAuthorisation:
    rep = SalesRepAuthorisation(supplier=supplier)
    _set_fields(rep, fields, REP_FIELDS)
    return sales_rep_save(rep=rep, user=user)


def sales_rep_update(*, rep: SalesRepAuthorisation, user=None, **fields) -> SalesRepAuthorisation:
    _set_fields(rep, fields, REP_FIELDS)
    return sales_rep_save(rep=rep, user=user)


# --- first-time supplier approval (首营企业审批) ----------------------------------------------


def _documents_missing(supplier: Supplier) -> list[str]:
    """What must be on file before the file goes to review: every standing rule but the
    approval itself (valid business licence, valid sales-rep authorisation)."""
    supplier = (
        Supplier.objects.prefetch_related("licences", "sales_reps")
        .select_related("first_approval")
        .get(pk=supplier.pk)
    )
    return [
        b.message for b in supplier.standing_blockers(today()) if b.code != "supplier_not_approved"
    ]


def supplier_first_approval_submit(
    *, approval: SupplierFirstApproval, user, note: str = ""
) -> SupplierFirstApproval:
    """Submit (or resubmit after a rejection) once the supplier's documents are on file."""
    with transaction.atomic():
        _lock_supplier(approval.supplier)
        missing = _documents_missing(approval.supplier)
        if missing:
            raise DomainError(
                [_("The first-time file cannot be submitted yet:"), *missing], code="documents"
            )
        return approval_submit(approval=approval, user=user, note=note)


def supplier_first_approval_start(
    *, supplier: Supplier, user, note: str = ""
) -> SupplierFirstApproval:
    """Open the first-time supplier file and send it to the head of quality."""
    with transaction.atomic():
        _lock_supplier(supplier)
        approval = SupplierFirstApproval.objects.filter(supplier=supplier).first()
        if approval is not None and approval.status not in (
            ApprovalStatus.DRAFT,
            ApprovalStatus.REJECTED,
        ):
            raise InvalidStateError(
                _("%(supplier)s already has a first-time file (%(status)s).")
                % {"supplier": supplier.name, "status": approval.get_status_display()}
            )
        if approval is None:
            approval = SupplierFirstApproval(supplier=supplier, application_note=note)
            _full_clean(approval)
            approval.save()
        return supplier_first_approval_submit(approval=approval, user=user, note=note)


def supplier_first_approval_update_note(
    *, approval: SupplierFirstApproval, user=None, note: str
) -> SupplierFirstApproval:
    """Only the application note can change, and only before the file is under review."""
    with transaction.atomic():
        _lock_supplier(approval.supplier)
        current = SupplierFirstApproval.objects.get(pk=approval.pk)
        if current.status not in (ApprovalStatus.DRAFT, ApprovalStatus.REJECTED):
            raise InvalidStateError(
                _("The application is %(status)s and can no longer be edited.")
                % {"status": current.get_status_display()}
            )
        current.application_note = note
        _full_clean(current)
        current.save()
    return current
