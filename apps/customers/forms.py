"""Forms of the customers staff pages and admin (the same classes serve both)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.forms import LicenceForm, StyledModelForm, style_form

from .models import Customer, CustomerClass, CustomerLicence

CREDIT_PERMISSION = "customers.change_credit_customer"


def can_change_credit(user) -> bool:
    return bool(user is not None and user.is_active and user.has_perm(CREDIT_PERMISSION))


class CustomerClassForm(StyledModelForm):
    class Meta:
        model = CustomerClass
        fields = ["code", "name"]

    def clean_code(self):
        return (self.cleaned_data.get("code") or "").strip().upper()

    def clean_name(self):
        return (self.cleaned_data.get("name") or "").strip()


def non_negative_credit_limit(limit):
    """The customer form and finance's credit form refuse a negative limit alike."""
    if limit is not None and limit < 0:
        raise forms.ValidationError(
            _("The credit limit cannot be negative (%(value)s).") % {"value": limit}
        )
    return limit


# The customer master record as entered on the form and in the spreadsheet import.
CUSTOMER_FIELDS = (
    "code",
    "name",
    "customer_type",
    "customer_class",
    "unified_social_credit_code",
    "address",
    "delivery_address",
    "contact_person",
    "phone",
    "email",
    "credit_limit",
    "payment_terms_days",
    "min_shelf_life_days",
    "is_active",
    "note",
)


class CustomerForm(StyledModelForm):
    """The customer master. The credit limit is editable only by users holding
    `customers.change_credit_customer` (finance, manager); for everyone else the field is
    disabled, so a value typed into a tampered POST is ignored."""

    wants_user = True

    class Meta:
        model = Customer
        fields = CUSTOMER_FIELDS

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        credit = self.fields["credit_limit"]
        credit.widget.attrs["min"] = "0"
        if not can_change_credit(user):
            credit.disabled = True
            credit.help_text = _("Only finance or a manager can change the credit limit.")
        self.fields["min_shelf_life_days"].help_text = _(
            "Empty: the company default applies. Hospitals often ask for 180 days."
        )

    def clean_code(self):
        return (self.cleaned_data.get("code") or "").strip().upper()

    def clean_name(self):
        return (self.cleaned_data.get("name") or "").strip()

    def clean_unified_social_credit_code(self):
        return (self.cleaned_data.get("unified_social_credit_code") or "").strip().upper()

    def clean_credit_limit(self):
        return non_negative_credit_limit(self.cleaned_data.get("credit_limit"))


class CustomerCreditForm(StyledModelForm):
    """Finance's own page: only the credit limit and payment terms."""

    class Meta:
        model = Customer
        fields = ["credit_limit", "payment_terms_days"]

    def clean_credit_limit(self):
        return non_negative_credit_limit(self.cleaned_data.get("credit_limit"))


class CustomerLicenceForm(LicenceForm):
    licence_owner_field = "customer"

    class Meta(LicenceForm.Meta):
        model = CustomerLicence


class ProductCheckForm(forms.Form):
    """Look up one product (by code, name or pinyin initials) to test may_trade."""

    product = forms.CharField(
        label=_("Product"),
        max_length=100,
        help_text=_("Product code, name or pinyin initials."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)

    def clean_product(self):
        from django.db.models import Q

        from apps.catalog.models import Product

        text = (self.cleaned_data.get("product") or "").strip()
        exact = list(Product.objects.select_related("category").filter(code__iexact=text)[:2])
        if len(exact) == 1:
            return exact[0]
        matches = list(
            Product.objects.select_related("category")
            .filter(Q(name__icontains=text) | Q(mnemonic__iexact=text.lower()))
            .order_by("code")[:6]
        )
        if not matches:
            raise forms.ValidationError(
                _("No product matches %(text)s.") % {"text": text}, code="not_found"
            )
        if len(matches) > 1:
            raise forms.ValidationError(
                _("Several products match %(text)s: %(codes)s. Enter the product code.")
                % {"text": text, "codes": ", ".join(p.code for p in matches[:5])},
                code="ambiguous",
            )
        return matches[0]
