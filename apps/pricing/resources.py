"""Import and export of the cross discount matrix (交叉扣率) as Excel/CSV.

A row names a customer or a customer class and a product or a category by their codes
(the other cell of each pair stays empty). The row's identity is that combination: a
known one updates the existing row, a new one adds a row. Unknown codes, a rate outside
(0, 100] or both cells of a pair filled are row errors, and a file with any bad row is
imported not at all (apps/core/importing.py). Rows are saved through the services.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.fields import Field
from import_export.widgets import CharWidget

from apps.catalog.models import Category, Product
from apps.core.importing import check_headers
from apps.core.resources import (
    BaseResource,
    CodeForeignKeyWidget,
    StrictBooleanWidget,
    StrictDecimalWidget,
)
from apps.customers.models import Customer, CustomerClass

from .models import CrossDiscount
from .services import cross_discount_save

COLUMNS = (
    "customer",
    "customer_class",
    "product",
    "category",
    "rate_pct",
    "floor_price",
    "is_active",
    "note",
)
PARTY_COLUMNS = ("customer", "customer_class", "product", "category")


class ActiveWidget(StrictBooleanWidget):
    """Yes/no where an empty cell means yes (new rows are active)."""

    def clean(self, value, row=None, **kwargs):
        if value is None or str(value).strip() == "":
            return True
        return super().clean(value, row, **kwargs)


class TextWidget(CharWidget):
    def clean(self, value, row=None, **kwargs):
        return super().clean(value, row, **kwargs).strip()


def _code(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a code typed as a number comes back as 1001.0
    return "" if value is None else str(value).strip()


class CrossDiscountResource(BaseResource):
    customer = Field(
        attribute="customer", column_name="customer", widget=CodeForeignKeyWidget(Customer)
    )
    customer_class = Field(
        attribute="customer_class",
        column_name="customer_class",
        widget=CodeForeignKeyWidget(CustomerClass),
    )
    product = Field(
        attribute="product", column_name="product", widget=CodeForeignKeyWidget(Product)
    )
    category = Field(
        attribute="category", column_name="category", widget=CodeForeignKeyWidget(Category)
    )
    rate_pct = Field(attribute="rate_pct", column_name="rate_pct", widget=StrictDecimalWidget())
    floor_price = Field(
        attribute="floor_price", column_name="floor_price", widget=StrictDecimalWidget()
    )
    is_active = Field(attribute="is_active", column_name="is_active", widget=ActiveWidget())
    note = Field(attribute="note", column_name="note", widget=TextWidget())

    required_columns = (*PARTY_COLUMNS, "rate_pct")
    duplicate_message = gettext_lazy(
        "This combination (%(value)s) already appears in row %(first)d of this file."
    )
    duplicate_label = gettext_lazy("combination")

    class Meta(BaseResource.Meta):
        model = CrossDiscount
        fields = COLUMNS
        import_order = COLUMNS
        export_order = COLUMNS
        import_id_fields = PARTY_COLUMNS
        skip_unchanged = False

    def get_queryset(self):
        return CrossDiscount.objects.select_related(
            "customer", "customer_class", "product", "category"
        )

    def before_import(self, dataset, **kwargs):
        check_headers(self, dataset)
        super().before_import(dataset, **kwargs)

    def before_import_row(self, row, **kwargs):
        for column in PARTY_COLUMNS:
            row[column] = _code(row.get(column))
        errors = {}
        if bool(row["customer"]) == bool(row["customer_class"]):
            errors["customer"] = [
                _("Give either a customer code or a customer class code, not both.")
                if row["customer"]
                else _("Give a customer code or a customer class code.")
            ]
        if bool(row["product"]) == bool(row["category"]):
            errors["product"] = [
                _("Give either a product code or a category code, not both.")
                if row["product"]
                else _("Give a product code or a category code.")
            ]
        if errors:
            raise ValidationError(errors)
        super().before_import_row(row, **kwargs)

    def duplicate_key_part(self, column: str, value) -> str:
        # An empty cell is part of the identity ("customer K1, no class").
        return _code(value) or "-"

    def save_instance(self, instance, is_create, row, **kwargs):
        self._import_user = kwargs.get("user")
        super().save_instance(instance, is_create, row, **kwargs)

    def do_instance_save(self, instance, is_create):
        cross_discount_save(user=getattr(self, "_import_user", None), instance=instance)
