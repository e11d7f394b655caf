"""Spreadsheet import and export of suppliers, their licences and sales representatives.

Imports are all-or-nothing (apps/core/importing.py): every row is fully validated, and
the same rules as the forms and services apply (credit-code checksum and uniqueness,
dates in order, licence number formats, no licence that has already expired, operating
licences that name their scope). Duplicates inside one file are refused too: the second
row would otherwise silently update the first.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields

from apps.core.approvals import APPROVAL_STEP_FIELDS
from apps.core.models import LICENCE_IMPORT_FIELDS, LicenceType
from apps.core.resources import (
    BaseResource,
    CodeForeignKeyWidget,
    LicenceResource,
    StrictBooleanWidget,
    StrictDateWidget,
)

from .models import SalesRepAuthorisation, Supplier, SupplierFirstApproval, SupplierLicence
from .services import (
    REP_FIELDS,
    SUPPLIER_FIELDS,
    expired_on_entry_error,
    licence_scope_errors,
    supplier_uniqueness_errors,
)


def _add_error(errors: dict, field: str, message: str) -> None:
    errors.setdefault(field, []).append(ValidationError(message))


# Shown for a row whose identity already appeared earlier in the same file.
DUPLICATE_MESSAGE = gettext_lazy("%(what)s %(value)s appears again (first on row %(first)d).")


def _cell(row, column: str) -> str:
    value = row.get(column)
    return "" if value is None else str(value).strip()


class SupplierResource(BaseResource):
    is_active = fields.Field(
        attribute="is_active", column_name="is_active", widget=StrictBooleanWidget()
    )

    required_columns = (
        "code",
        "name",
        "unified_social_credit_code",
        "address",
        "contact_person",
        "phone",
    )

    class Meta(BaseResource.Meta):
        model = Supplier
        fields = SUPPLIER_FIELDS
        import_id_fields = ("code",)

    duplicate_message = DUPLICATE_MESSAGE
    duplicate_keys = {
        gettext_lazy("Supplier code"): ("code",),
        gettext_lazy("Unified social credit code"): ("unified_social_credit_code",),
        gettext_lazy("Supplier name"): ("name",),
    }
    duplicate_upper_columns = ("unified_social_credit_code",)

    def before_import_row(self, row, **kwargs):
        if not _cell(row, "code"):
            raise ValueError(_("The supplier code is missing."))
        super().before_import_row(row, **kwargs)

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        instance.code = (instance.code or "").strip()
        instance.name = (instance.name or "").strip()
        instance.unified_social_credit_code = (
            (instance.unified_social_credit_code or "").strip().upper()
        )

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # The specific "belongs to supplier X" message replaces Django's generic one: a field
        # with an error here is left out of full_clean().
        errors = dict(import_validation_errors or {})
        if "unified_social_credit_code" not in errors:
            message = supplier_uniqueness_errors(
                code="",
                credit_code=instance.unified_social_credit_code,
                exclude_pk=instance.pk,
            ).get("unified_social_credit_code")
            if message:
                _add_error(errors, "unified_social_credit_code", message)
        clash = Supplier.objects.filter(name=instance.name).exclude(pk=instance.pk).first()
        if clash is not None and "name" not in errors:
            _add_error(
                errors,
                "name",
                _("Supplier %(name)s already exists (code %(code)s).")
                % {"name": clash.name, "code": clash.code},
            )
        super().validate_instance(instance, errors, validate_unique=validate_unique)


class SupplierLicenceResource(LicenceResource):
    """Licences identified by (supplier code, licence type, number); see LicenceResource."""

    owner_field = "supplier"

    supplier = fields.Field(
        attribute="supplier", column_name="supplier", widget=CodeForeignKeyWidget(Supplier)
    )

    required_columns = ("supplier", "licence_type", "number", "issued_on", "valid_until")

    class Meta(BaseResource.Meta):
        model = SupplierLicence
        fields = ("supplier", *LICENCE_IMPORT_FIELDS)
        import_id_fields = ("supplier", "licence_type", "number")

    duplicate_message = DUPLICATE_MESSAGE
    duplicate_label = gettext_lazy("Licence")
    duplicate_upper_columns = ("number",)

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        if _cell(row, "licence_type") in (LicenceType.BUSINESS, LicenceType.BUSINESS.label):
            row["number"] = _cell(row, "number").upper()

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        instance.number = (instance.number or "").strip()
        # Scope categories are saved after the row; check them now so that unknown codes
        # and a missing scope are reported with the row's other errors.
        self._row_categories = None
        field = self.fields["scope_categories"]
        if field.column_name in row:
            try:
                self._row_categories = list(field.clean(row))
            except ValueError as exc:
                _add_error(errors, "scope_categories", str(exc))
        if errors:
            raise ValidationError(errors)

    def expired_on_entry_message(self, valid_until) -> str | None:
        return expired_on_entry_error(valid_until, what=_("licence"))

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        try:
            super().validate_instance(instance, errors, validate_unique=validate_unique)
        except ValidationError as exc:
            errors = exc.update_error_dict({})
        if "scope_categories" not in errors:
            categories = self._row_categories
            if categories is None:
                categories = list(instance.scope_categories.all()) if instance.pk else []
            for field, message in licence_scope_errors(
                licence_type=instance.licence_type,
                scope_classes=instance.scope_classes,
                scope_categories=categories,
            ).items():
                if field not in errors:
                    _add_error(errors, field, message)
        if errors:
            raise ValidationError(errors)


class SalesRepAuthorisationResource(BaseResource):
    """Authorisations identified by (supplier code, identity number, valid from)."""

    supplier = fields.Field(
        attribute="supplier", column_name="supplier", widget=CodeForeignKeyWidget(Supplier)
    )
    valid_from = fields.Field(
        attribute="valid_from", column_name="valid_from", widget=StrictDateWidget()
    )
    valid_until = fields.Field(
        attribute="valid_until", column_name="valid_until", widget=StrictDateWidget()
    )

    required_columns = ("supplier", "rep_name", "id_number", "phone", "valid_from", "valid_until")

    class Meta(BaseResource.Meta):
        model = SalesRepAuthorisation
        fields = ("supplier", *[f for f in REP_FIELDS if f != "scan"])
        import_id_fields = ("supplier", "id_number", "valid_from")

    duplicate_message = DUPLICATE_MESSAGE
    duplicate_label = gettext_lazy("Authorisation")
    duplicate_upper_columns = ("id_number",)

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        row["id_number"] = _cell(row, "id_number").upper()

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        try:
            super().validate_instance(instance, errors, validate_unique=validate_unique)
        except ValidationError as exc:
            errors = exc.update_error_dict({})
        if instance.pk is None and "valid_until" not in errors:
            message = expired_on_entry_error(instance.valid_until, what=_("authorisation"))
            if message:
                _add_error(errors, "valid_until", message)
        if errors:
            raise ValidationError(errors)


class SupplierFirstApprovalResource(BaseResource):
    """Export only: approvals change through the approval steps, never by import."""

    supplier = fields.Field(
        attribute="supplier", column_name="supplier", widget=CodeForeignKeyWidget(Supplier)
    )
    submitted_by = fields.Field(attribute="submitted_by__username", column_name="submitted_by")
    quality_by = fields.Field(attribute="quality_by__username", column_name="quality_by")
    manager_by = fields.Field(attribute="manager_by__username", column_name="manager_by")

    class Meta(BaseResource.Meta):
        model = SupplierFirstApproval
        fields = ("supplier", "status", "application_note", *APPROVAL_STEP_FIELDS)
        import_id_fields = ("supplier",)
