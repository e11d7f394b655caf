"""Forms of the pricing staff pages and admin."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import Category, Product
from apps.core.forms import DATE_WIDGET, StyledModelForm, style_form
from apps.customers.models import Customer, CustomerClass

from .models import CrossDiscount


class StyledForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


def _active_or_current(queryset, current_pk):
    """Active rows, plus the one already chosen (so editing an old row still works)."""
    condition = Q(is_active=True)
    if current_pk:
        condition |= Q(pk=current_pk)
    return queryset.filter(condition)


def price_field(label) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
    )


class PriceChangeNoticeForm(StyledForm):
    document_ref = forms.CharField(
        label=_("Execution document number"),
        max_length=60,
        help_text=_("The number of the document that orders the change (执行文件号)."),
    )
    effective_date = forms.DateField(label=_("Effective date"), widget=DATE_WIDGET)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ProductPriceSelect(forms.Select):
    """A product select whose options carry the product's current prices, shown as hints
    next to the new-price inputs."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        product = getattr(value, "instance", None)
        if product is not None:
            option["attrs"]["data-wholesale"] = str(product.national_wholesale_price)
            option["attrs"]["data-retail"] = str(product.retail_price or "")
            option["attrs"]["data-purchase"] = str(product.purchase_price or "")
        return option


class PriceChangeLineForm(StyledForm):
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.none(), widget=ProductPriceSelect
    )
    new_purchase_price = price_field(_("New purchase price"))
    new_wholesale_price = price_field(_("New national wholesale price"))
    new_retail_price = price_field(_("New retail price"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        product = self.fields["product"]
        product.queryset = Product.objects.filter(is_active=True).order_by("code")
        product.widget.attrs["data-price-product"] = ""

    def clean(self):
        data = super().clean()
        prices = ("new_purchase_price", "new_wholesale_price", "new_retail_price")
        if data.get("product") and all(data.get(name) is None for name in prices):
            raise forms.ValidationError(_("Enter at least one new price for this product."))
        return data


class BaseLineFormSet(forms.BaseFormSet):
    """Empty extra rows are ignored; at least one filled row is required."""

    def filled_forms(self):
        return [f for f in self.forms if f.has_changed() and f not in self.deleted_forms]

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["class"] = "form-check-input"

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        if not self.filled_forms():
            raise forms.ValidationError(_("Enter at least one product line."))
        seen = set()
        for form in self.filled_forms():
            product = form.cleaned_data.get("product")
            if product is not None and product.pk in seen:
                raise forms.ValidationError(
                    _("%(product)s appears on two lines; keep one.") % {"product": product}
                )
            if product is not None:
                seen.add(product.pk)


PriceChangeLineFormSet = forms.formset_factory(
    PriceChangeLineForm,
    formset=BaseLineFormSet,
    extra=1,
    max_num=500,
    validate_max=True,
    can_delete=True,
)


class ReasonForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=300)


class CrossDiscountForm(StyledModelForm):
    """One row of the matrix: a customer or a class, a product or a category."""

    class Meta:
        model = CrossDiscount
        fields = (
            "customer",
            "customer_class",
            "product",
            "category",
            "rate_pct",
            "floor_price",
            "is_active",
            "note",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        self.fields["customer"].queryset = _active_or_current(
            Customer.objects.order_by("code"), instance.customer_id
        )
        self.fields["customer_class"].queryset = CustomerClass.objects.order_by("code")
        self.fields["product"].queryset = _active_or_current(
            Product.objects.order_by("code"), instance.product_id
        )
        self.fields["category"].queryset = _active_or_current(
            Category.objects.order_by("code"), instance.category_id
        )
        self.fields["customer"].help_text = _("Either a customer or a customer class.")
        self.fields["product"].help_text = _(
            "Either a product or a category (which also covers its sub-categories)."
        )


class PriceOnDateForm(StyledForm):
    """The suggested-price check: a customer, a product and a date."""

    customer = forms.ModelChoiceField(
        label=_("Customer"), queryset=Customer.objects.filter(is_active=True).order_by("code")
    )
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.filter(is_active=True).order_by("code")
    )
    on_date = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
