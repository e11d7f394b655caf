"""Import and export of the catalog master data (Excel/CSV, django-import-export).

Rows are identified by their code. Every row is validated like a form (`full_clean`),
a code may appear only once in a file, and other records are referred to by code. The
staff import page (apps/core/importing.py) and the admin both use these resources.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import resources, widgets
from import_export.fields import Field

from apps.core.approvals import APPROVAL_STEP_FIELDS
from apps.core.importing import check_headers
from apps.core.models import LICENCE_IMPORT_FIELDS, DeviceClass
from apps.core.resources import (
    BaseResource,
    CodeForeignKeyWidget,
    DeviceClassListWidget,
    LicenceResource,
    StrictBooleanWidget,
    StrictChoiceWidget,
    StrictDateWidget,
    StrictDecimalWidget,
    StrictIntegerWidget,
)

from .forms import PRODUCT_FIELDS
from .models import (
    Category,
    Manufacturer,
    ManufacturerLicence,
    MaxQtyPeriod,
    Product,
    ProductFirstApproval,
    ProductKind,
    StorageCondition,
    StorageGroup,
)


class TextWidget(widgets.CharWidget):
    """Text with surrounding spaces removed; whole numbers typed into Excel stay "1001"."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return super().clean(value, row, **kwargs).strip()


class DefaultChoiceWidget(StrictChoiceWidget):
    """A strict choice; an empty cell takes the model's default."""

    def __init__(self, choices, default, **kwargs):
        self.default = default
        super().__init__(choices, **kwargs)

    def clean(self, value, row=None, **kwargs):
        cleaned = super().clean(value, row, **kwargs)
        return self.default if cleaned == "" else cleaned


class DeviceClassWidget(StrictChoiceWidget):
    """Device class as 1/2/3, I/II/III or its label; empty for non-devices."""

    ROMAN = {"I": 1, "II": 2, "III": 3, "Ⅰ": 1, "Ⅱ": 2, "Ⅲ": 3}

    def __init__(self, **kwargs):
        super().__init__(DeviceClass.choices, **kwargs)

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = "" if value is None else str(value).strip().upper()
        if text == "":
            return None
        text = text.removeprefix("CLASS ").strip()
        if text in self.ROMAN:
            return self.ROMAN[text]
        return super().clean(value, row, **kwargs)


class ActiveWidget(StrictBooleanWidget):
    """Yes/no where an empty cell means yes (new records are active)."""

    def clean(self, value, row=None, **kwargs):
        if value is None or str(value).strip() == "":
            return True
        return super().clean(value, row, **kwargs)


def text(name: str) -> Field:
    return Field(attribute=name, column_name=name, widget=TextWidget())


class CatalogResource(BaseResource):
    """Refuses wrong headers (also in the admin) and codes missing or repeated in a file."""

    duplicate_message = gettext_lazy("Code %(code)s already appears in row %(row)d of this file.")
    duplicate_on_field = True

    def before_import(self, dataset, **kwargs):
        check_headers(self, dataset)
        super().before_import(dataset, **kwargs)

    def before_import_row(self, row, **kwargs):
        code = row.get("code")
        if isinstance(code, float) and code.is_integer():
            code = int(code)
        code = "" if code is None else str(code).strip()
        row["code"] = code
        if not code:
            raise ValidationError({"code": _("The code is missing.")})
        super().before_import_row(row, **kwargs)


class CategoryResource(CatalogResource):
    code = text("code")
    name = text("name")
    parent = Field(attribute="parent", column_name="parent", widget=CodeForeignKeyWidget(Category))
    kind = Field(
        attribute="kind",
        column_name="kind",
        widget=DefaultChoiceWidget(ProductKind.choices, ProductKind.DEVICE),
    )
    is_active = Field(attribute="is_active", column_name="is_active", widget=ActiveWidget())

    required_columns = ("code", "name")

    class Meta(BaseResource.Meta):
        model = Category
        fields = ("code", "name", "parent", "kind", "is_active")
        import_order = ("code", "name", "parent", "kind", "is_active")
        export_order = ("code", "name", "parent", "kind", "is_active")


MANUFACTURER_COLUMNS = (
    "code",
    "name",
    "country",
    "address",
    "contact_person",
    "phone",
    "is_active",
)


class ManufacturerResource(CatalogResource):
    code = text("code")
    name = text("name")
    country = text("country")
    address = text("address")
    contact_person = text("contact_person")
    phone = text("phone")
    is_active = Field(attribute="is_active", column_name="is_active", widget=ActiveWidget())

    required_columns = ("code", "name")

    class Meta(BaseResource.Meta):
        model = Manufacturer
        fields = MANUFACTURER_COLUMNS
        import_order = MANUFACTURER_COLUMNS
        export_order = MANUFACTURER_COLUMNS

    def before_import_row(self, row, **kwargs):
        # An empty country means China, like the form's default.
        if "country" in row and not str(row.get("country") or "").strip():
            row["country"] = "中国"
        super().before_import_row(row, **kwargs)


PRODUCT_COLUMNS = PRODUCT_FIELDS  # the form's fields, in its order


def _integer(name):
    return Field(attribute=name, column_name=name, widget=StrictIntegerWidget())


def _decimal(name):
    return Field(attribute=name, column_name=name, widget=StrictDecimalWidget())


def _boolean(name):
    return Field(attribute=name, column_name=name, widget=StrictBooleanWidget())


class ProductResource(CatalogResource):
    """商品档案 rows. A new product gets its draft first-time approval, as in the form."""

    code = text("code")
    name = text("name")
    generic_name = text("generic_name")
    spec = text("spec")
    kind = Field(
        attribute="kind",
        column_name="kind",
        widget=DefaultChoiceWidget(ProductKind.choices, ProductKind.DEVICE),
    )
    device_class = Field(
        attribute="device_class", column_name="device_class", widget=DeviceClassWidget()
    )
    category = Field(
        attribute="category", column_name="category", widget=CodeForeignKeyWidget(Category)
    )
    manufacturer = Field(
        attribute="manufacturer",
        column_name="manufacturer",
        widget=CodeForeignKeyWidget(Manufacturer),
    )
    registration_number = text("registration_number")
    registration_valid_until = Field(
        attribute="registration_valid_until",
        column_name="registration_valid_until",
        widget=StrictDateWidget(),
    )
    origin = text("origin")
    unit = text("unit")
    aux_unit = text("aux_unit")
    aux_conversion = _integer("aux_conversion")
    storage_condition = Field(
        attribute="storage_condition",
        column_name="storage_condition",
        widget=DefaultChoiceWidget(StorageCondition.choices, StorageCondition.AMBIENT),
    )
    shelf_life_months = _integer("shelf_life_months")
    barcode = text("barcode")
    udi_di = text("udi_di")
    national_wholesale_price = _decimal("national_wholesale_price")
    retail_price = _decimal("retail_price")
    purchase_price = _decimal("purchase_price")
    min_sale_price = _decimal("min_sale_price")
    tax_rate = _decimal("tax_rate")
    is_controlled = _boolean("is_controlled")
    is_serialised = _boolean("is_serialised")
    is_implantable = _boolean("is_implantable")
    max_qty = _integer("max_qty")
    max_qty_period = Field(
        attribute="max_qty_period",
        column_name="max_qty_period",
        widget=StrictChoiceWidget(MaxQtyPeriod.choices),
    )
    max_purchase_price = _decimal("max_purchase_price")
    storage_group = Field(
        attribute="storage_group",
        column_name="storage_group",
        widget=CodeForeignKeyWidget(StorageGroup),
    )
    min_stock = _integer("min_stock")
    max_stock = _integer("max_stock")
    is_stopped = _boolean("is_stopped")
    stop_reason = text("stop_reason")
    is_active = Field(attribute="is_active", column_name="is_active", widget=ActiveWidget())

    required_columns = (
        "code",
        "name",
        "spec",
        "unit",
        "registration_number",
        "category",
        "manufacturer",
        "shelf_life_months",
        "national_wholesale_price",
    )

    class Meta(BaseResource.Meta):
        model = Product
        fields = PRODUCT_COLUMNS
        import_order = PRODUCT_COLUMNS
        export_order = PRODUCT_COLUMNS

    def get_queryset(self):
        return Product.objects.select_related("category", "manufacturer", "storage_group")

    def after_save_instance(self, instance, row, **kwargs):
        super().after_save_instance(instance, row, **kwargs)
        if instance.pk and not ProductFirstApproval.objects.filter(product=instance).exists():
            approval = ProductFirstApproval(product=instance)
            approval.full_clean()
            approval.save()


# Manufacturers hold no drug licences: no drug scope column.
LICENCE_COLUMNS = ("manufacturer", *(f for f in LICENCE_IMPORT_FIELDS if f != "drug_scope"))


class ManufacturerLicenceResource(LicenceResource):
    """Manufacturers' licences, identified by type and number (see LicenceResource). The
    holder is a required column here (no default from the manufacturer)."""

    manufacturer = Field(
        attribute="manufacturer",
        column_name="manufacturer",
        widget=CodeForeignKeyWidget(Manufacturer),
    )
    number = text("number")
    holder = text("holder")
    issuing_authority = text("issuing_authority")
    scope_classes = Field(
        attribute="scope_classes",
        column_name="scope_classes",
        widget=DeviceClassListWidget(
            invalid_message=gettext_lazy("%(value)s is not one of: %(choices)s.")
        ),
    )
    note = text("note")

    required_columns = ("manufacturer", "licence_type", "number", "holder", "issued_on")

    class Meta(BaseResource.Meta):
        model = ManufacturerLicence
        fields = LICENCE_COLUMNS
        import_order = LICENCE_COLUMNS
        export_order = LICENCE_COLUMNS
        import_id_fields = ("licence_type", "number")

    def before_import(self, dataset, **kwargs):
        check_headers(self, dataset)
        super().before_import(dataset, **kwargs)

    def get_queryset(self):
        return ManufacturerLicence.objects.select_related("manufacturer").prefetch_related(
            "scope_categories"
        )


class ProductFirstApprovalResource(resources.ModelResource):
    """Export of the first-time approvals (GSP record of who approved what, when)."""

    product_code = Field(attribute="product__code", column_name="product_code")
    product = Field(attribute="product__name", column_name="product")
    spec = Field(attribute="product__spec", column_name="spec")
    registration_number = Field(
        attribute="product__registration_number", column_name="registration_number"
    )
    status = Field(attribute="get_status_display", column_name="status")
    submitted_by = Field(attribute="submitted_by__username", column_name="submitted_by")
    quality_by = Field(attribute="quality_by__username", column_name="quality_by")
    manager_by = Field(attribute="manager_by__username", column_name="manager_by")

    class Meta:
        model = ProductFirstApproval
        fields = (
            "product_code",
            "product",
            "spec",
            "registration_number",
            "status",
            "application_note",
            *APPROVAL_STEP_FIELDS,
        )
        export_order = fields

    def get_queryset(self):
        return ProductFirstApproval.objects.select_related(
            "product", "submitted_by", "quality_by", "manager_by"
        )
