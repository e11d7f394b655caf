"""Excel/CSV import and export of customer classes, customers and customer licences.

Rows refer to other records by code, every value goes through a strict widget, and every
row is saved through the customers services, so an import obeys the same rules as the
forms (credit limit permission, no licence that has already expired). A code that
appears twice in one file is refused: the second row would silently overwrite the first.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import widgets
from import_export.fields import Field

from apps.core.exceptions import DomainError
from apps.core.models import LICENCE_IMPORT_FIELDS
from apps.core.resources import (
    BaseResource,
    CodeForeignKeyWidget,
    LicenceResource,
    StrictBooleanWidget,
    StrictChoiceWidget,
    StrictDecimalWidget,
    StrictIntegerWidget,
)

from . import services
from .forms import CUSTOMER_FIELDS
from .models import Customer, CustomerClass, CustomerLicence, CustomerType


def _blank(value) -> bool:
    return value is None or str(value).strip() == ""


class StrippedCharWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        return "" if value is None else str(value).strip()


class UpperCodeWidget(StrippedCharWidget):
    def clean(self, value, row=None, **kwargs):
        return super().clean(value, row, **kwargs).upper()


class NonNegativeDecimalWidget(StrictDecimalWidget):
    def clean(self, value, row=None, **kwargs):
        number = super().clean(value, row, **kwargs)
        if number is not None and number < 0:
            raise ValueError(_("%(value)s is negative; enter 0 or more.") % {"value": value})
        return number


class ServiceSavedResource(BaseResource):
    """Saves each row through the app's services and refuses repeated keys in one file.

    The columns of Meta.import_id_fields identify a row (see BaseResource);
    `required_values` are the columns that may not be blank (each with the message to show).
    """

    required_values: dict[str, str] = {}
    duplicate_message = gettext_lazy(
        "%(key)s also appears in row %(row)d of this file; each may appear only once."
    )
    duplicate_on_field = True

    def create_service(self, **kwargs):
        raise NotImplementedError

    def update_service(self, **kwargs):
        raise NotImplementedError

    def duplicate_key_part(self, column: str, value) -> str:
        # A choice compares by its stored value, so a label and its value are the same row.
        field = self.fields.get(column)
        if field is not None and isinstance(field.widget, StrictChoiceWidget):
            try:
                return str(field.widget.clean(value))
            except ValueError:
                pass
        return "" if value is None else str(value).strip().upper()

    def duplicate_value(self, row, columns, key) -> str:
        # Shown as typed in the file.
        return ", ".join(str(row.get(c) or "").strip() for c in columns)

    def before_import_row(self, row, **kwargs):
        errors: dict[str, list[str]] = {}
        for column, message in self.required_values.items():
            if _blank(row.get(column)):
                errors.setdefault(column, []).append(str(message))
        try:
            super().before_import_row(row, **kwargs)
        except ValidationError as error:  # a repeated key, reported with the blanks
            for column, messages in error.message_dict.items():
                errors.setdefault(column, []).extend(messages)
        if errors:
            raise ValidationError(errors)

    def save_instance(self, instance, is_create, row, **kwargs):
        self.before_save_instance(instance, row, **kwargs)
        service = self.create_service if is_create else self.update_service
        try:
            service(user=kwargs.get("user"), instance=instance)
        except DomainError as error:
            raise ValidationError({error.field or NON_FIELD_ERRORS: error.messages}) from error
        self.after_save_instance(instance, row, **kwargs)


class CustomerClassResource(ServiceSavedResource):
    code = Field(attribute="code", column_name="code", widget=UpperCodeWidget())
    name = Field(attribute="name", column_name="name", widget=StrippedCharWidget())

    required_values = {
        "code": gettext_lazy("The customer class code is missing."),
        "name": gettext_lazy("The name is missing."),
    }

    class Meta(BaseResource.Meta):
        model = CustomerClass
        fields = ("code", "name")
        import_id_fields = ("code",)

    def create_service(self, **kwargs):
        return services.customer_class_create(**kwargs)

    def update_service(self, **kwargs):
        return services.customer_class_update(**kwargs)


class CustomerResource(ServiceSavedResource):
    code = Field(attribute="code", column_name="code", widget=UpperCodeWidget())
    name = Field(attribute="name", column_name="name", widget=StrippedCharWidget())
    customer_type = Field(
        attribute="customer_type",
        column_name="customer_type",
        widget=StrictChoiceWidget(CustomerType.choices, ignore_case=True),
    )
    customer_class = Field(
        attribute="customer_class",
        column_name="customer_class",
        widget=CodeForeignKeyWidget(CustomerClass),
    )
    unified_social_credit_code = Field(
        attribute="unified_social_credit_code",
        column_name="unified_social_credit_code",
        widget=UpperCodeWidget(),
    )
    address = Field(attribute="address", column_name="address", widget=StrippedCharWidget())
    delivery_address = Field(
        attribute="delivery_address", column_name="delivery_address", widget=StrippedCharWidget()
    )
    contact_person = Field(
        attribute="contact_person", column_name="contact_person", widget=StrippedCharWidget()
    )
    phone = Field(attribute="phone", column_name="phone", widget=StrippedCharWidget())
    email = Field(attribute="email", column_name="email", widget=StrippedCharWidget())
    credit_limit = Field(
        attribute="credit_limit",
        column_name="credit_limit",
        widget=NonNegativeDecimalWidget(),
        default=Decimal(0),
    )
    payment_terms_days = Field(
        attribute="payment_terms_days",
        column_name="payment_terms_days",
        widget=StrictIntegerWidget(),
        default=30,
    )
    min_shelf_life_days = Field(
        attribute="min_shelf_life_days",
        column_name="min_shelf_life_days",
        widget=StrictIntegerWidget(),
    )
    is_active = Field(
        attribute="is_active", column_name="is_active", widget=StrictBooleanWidget(), default=True
    )
    note = Field(attribute="note", column_name="note", widget=StrippedCharWidget())

    required_values = {"code": gettext_lazy("The customer code is missing.")}
    required_columns = (
        "code",
        "name",
        "customer_type",
        "unified_social_credit_code",
        "address",
        "contact_person",
        "phone",
    )

    class Meta(BaseResource.Meta):
        model = Customer
        fields = CUSTOMER_FIELDS
        import_id_fields = ("code",)

    def get_queryset(self):
        return super().get_queryset().select_related("customer_class")

    def create_service(self, **kwargs):
        return services.customer_create(**kwargs)

    def update_service(self, **kwargs):
        return services.customer_update(**kwargs)


class CustomerLicenceResource(ServiceSavedResource, LicenceResource):
    """Customers' licences, identified by (customer code, type, number); see LicenceResource."""

    owner_field = "customer"

    customer = Field(
        attribute="customer", column_name="customer", widget=CodeForeignKeyWidget(Customer)
    )
    number = Field(attribute="number", column_name="number", widget=StrippedCharWidget())
    holder = Field(attribute="holder", column_name="holder", widget=StrippedCharWidget())
    issuing_authority = Field(
        attribute="issuing_authority", column_name="issuing_authority", widget=StrippedCharWidget()
    )
    drug_scope = Field(
        attribute="drug_scope", column_name="drug_scope", widget=StrippedCharWidget()
    )
    note = Field(attribute="note", column_name="note", widget=StrippedCharWidget())

    required_values = {
        "customer": gettext_lazy("The customer code is missing."),
        "licence_type": gettext_lazy("The licence type is missing."),
        "number": gettext_lazy("The licence number is missing."),
    }
    required_columns = ("customer", "licence_type", "number", "holder", "issued_on", "valid_until")

    class Meta(BaseResource.Meta):
        model = CustomerLicence
        fields = ("customer", *LICENCE_IMPORT_FIELDS)
        import_id_fields = ("customer", "licence_type", "number")

    def get_queryset(self):
        return (
            super().get_queryset().select_related("customer").prefetch_related("scope_categories")
        )

    def create_service(self, **kwargs):
        return services.customer_licence_create(**kwargs)

    def update_service(self, **kwargs):
        return services.customer_licence_update(**kwargs)
