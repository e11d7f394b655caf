"""Forms of the catalog staff pages and admin (one set, so the same rules hold in both)."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.forms import DATE_WIDGET, LicenceForm, LicenceFormMixin, StyledModelForm
from apps.core.models import ApprovalStatus

from .models import (
    Category,
    Manufacturer,
    ManufacturerLicence,
    Product,
    ProductFirstApproval,
    StorageGroup,
)

PRODUCT_FIELDS = (
    "code",
    "name",
    "generic_name",
    "spec",
    "kind",
    "device_class",
    "category",
    "manufacturer",
    "registration_number",
    "registration_valid_until",
    "origin",
    "unit",
    "aux_unit",
    "aux_conversion",
    "storage_condition",
    "shelf_life_months",
    "barcode",
    "udi_di",
    "national_wholesale_price",
    "retail_price",
    "purchase_price",
    "min_sale_price",
    "tax_rate",
    "is_controlled",
    "is_serialised",
    "is_implantable",
    "max_qty",
    "max_qty_period",
    "max_purchase_price",
    "storage_group",
    "min_stock",
    "max_stock",
    "is_stopped",
    "stop_reason",
    "is_active",
)


def _active_or_current(queryset, current_pk):
    """Active rows, plus the one already chosen (so editing an old record still works)."""
    condition = Q(is_active=True)
    if current_pk:
        condition |= Q(pk=current_pk)
    return queryset.filter(condition)


class CategoryForm(StyledModelForm):
    class Meta:
        model = Category
        fields = ("code", "name", "parent", "kind", "is_active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        parents = Category.objects.all()
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents

    def clean_code(self):
        return (self.cleaned_data.get("code") or "").strip()


class ManufacturerForm(StyledModelForm):
    class Meta:
        model = Manufacturer
        fields = ("code", "name", "country", "address", "contact_person", "phone", "is_active")

    def clean_code(self):
        return (self.cleaned_data.get("code") or "").strip()

    def clean_name(self):
        return (self.cleaned_data.get("name") or "").strip()


class ManufacturerLicenceForm(LicenceForm):
    """A manufacturer's production licence (or business licence). The manufacturer comes
    from the page the licence is added on."""

    class Meta(LicenceForm.Meta):
        model = ManufacturerLicence


class ManufacturerLicenceAdminForm(ManufacturerLicenceForm):
    """The same form with the manufacturer chosen in the form (the admin has no parent page)."""

    class Meta(ManufacturerLicenceForm.Meta):
        fields = ("manufacturer", *LicenceFormMixin.licence_fields)


class ProductForm(StyledModelForm):
    """商品档案: every field of the product master record except the derived mnemonic."""

    class Meta:
        model = Product
        fields = PRODUCT_FIELDS
        widgets = {"registration_valid_until": DATE_WIDGET}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        self.fields["category"].queryset = _active_or_current(
            Category.objects.all(), instance.category_id
        )
        self.fields["manufacturer"].queryset = _active_or_current(
            Manufacturer.objects.all(), instance.manufacturer_id
        )

    def clean_code(self):
        return (self.cleaned_data.get("code") or "").strip()

    def clean_registration_number(self):
        return (self.cleaned_data.get("registration_number") or "").strip()


class StorageGroupForm(StyledModelForm):
    """A storage group and the groups it may not share a location with (symmetric)."""

    class Meta:
        model = StorageGroup
        fields = ("code", "name", "incompatible_with")
        widgets = {"incompatible_with": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        others = StorageGroup.objects.order_by("code")
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        self.fields["incompatible_with"].queryset = others

    def clean_code(self):
        return (self.cleaned_data.get("code") or "").strip()

    def clean_name(self):
        return (self.cleaned_data.get("name") or "").strip()


class ProductFirstApprovalStartForm(StyledModelForm):
    """Start (or restart) the first-time approval of a product: choose it, add a note."""

    product = forms.ModelChoiceField(label=_("product"), queryset=Product.objects.none())

    class Meta:
        model = ProductFirstApproval
        fields = ("application_note",)
        widgets = {"application_note": forms.Textarea(attrs={"rows": 3})}

    field_order = ("product", "application_note")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only products without an approval under way or granted can be applied for.
        self.fields["product"].queryset = Product.objects.filter(is_active=True).exclude(
            first_approval__status__in=(
                ApprovalStatus.SUBMITTED,
                ApprovalStatus.QUALITY_APPROVED,
                ApprovalStatus.APPROVED,
            )
        )
