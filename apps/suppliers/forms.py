"""Forms of the suppliers staff pages and admin (one set, so both enforce the same rules)."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import Category, Product
from apps.core.forms import DATE_WIDGET, LicenceForm, StyledModelForm, style_form
from apps.core.validators import validate_id_number, validate_uscc

from .models import SalesRepAuthorisation, Supplier, SupplierFirstApproval, SupplierLicence
from .services import (
    REP_FIELDS,
    SUPPLIER_FIELDS,
    expired_on_entry_error,
    licence_scope_errors,
    supplier_uniqueness_errors,
)

SUPPLIER_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class SupplierForm(StyledModelForm):
    class Meta:
        model = Supplier
        fields = SUPPLIER_FIELDS
        widgets = {
            "business_scope": forms.Textarea(attrs={"rows": 3}),
        }

    def clean_code(self):
        code = (self.cleaned_data.get("code") or "").strip()
        if not SUPPLIER_CODE_RE.match(code):
            raise ValidationError(
                _("A supplier code uses letters, digits, '.', '-' or '_' (e.g. GYS0001).")
            )
        error = supplier_uniqueness_errors(
            code=code, credit_code="", exclude_pk=self.instance.pk
        ).get("code")
        if error:
            raise ValidationError(error)
        return code

    def clean_name(self):
        name = (self.cleaned_data.get("name") or "").strip()
        clash = Supplier.objects.filter(name=name).exclude(pk=self.instance.pk).first()
        if clash is not None:
            raise ValidationError(
                _("Supplier %(name)s already exists (code %(code)s).")
                % {"name": clash.name, "code": clash.code}
            )
        return name

    def clean_unified_social_credit_code(self):
        code = (self.cleaned_data.get("unified_social_credit_code") or "").strip().upper()
        validate_uscc(code)
        error = supplier_uniqueness_errors(
            code="", credit_code=code, exclude_pk=self.instance.pk
        ).get("unified_social_credit_code")
        if error:
            raise ValidationError(error)
        return code


class SupplierLicenceForm(LicenceForm):
    """A supplier's licence. The holder defaults to the supplier's name."""

    licence_owner_field = "supplier"

    class Meta(LicenceForm.Meta):
        model = SupplierLicence
        widgets = {
            **LicenceForm.Meta.widgets,
            "drug_scope": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["holder"].required = False
        self.fields["holder"].help_text = _("Leave empty to use the supplier's name.")
        self.fields["scope_categories"].queryset = Category.objects.filter(is_active=True)

    def clean_valid_until(self):
        # Keep the typed date on the instance even when it is refused below, so the model's
        # own checks judge that date (in order?) rather than an empty one ("long-term").
        self.instance.valid_until = self.cleaned_data.get("valid_until")
        return super().clean_valid_until()

    def clean_holder(self):
        holder = (self.cleaned_data.get("holder") or "").strip()
        supplier = self.licence_owner()
        if not holder and supplier is not None:
            holder = supplier.name
        return holder

    def clean(self):
        data = super().clean()
        if data.get("licence_type"):
            for field, message in licence_scope_errors(
                licence_type=data["licence_type"],
                scope_classes=data.get("scope_classes") or [],
                scope_categories=data.get("scope_categories") or [],
            ).items():
                self.add_error(field, message)
        return data


class SalesRepAuthorisationForm(StyledModelForm):
    """法人授权委托书 of a supplier's sales representative."""

    class Meta:
        model = SalesRepAuthorisation
        fields = REP_FIELDS
        widgets = {"valid_from": DATE_WIDGET, "valid_until": DATE_WIDGET}

    def clean_id_number(self):
        number = (self.cleaned_data.get("id_number") or "").strip().upper()
        validate_id_number(number)
        return number

    def clean_valid_until(self):
        valid_until = self.cleaned_data.get("valid_until")
        if not self.instance.pk:
            message = expired_on_entry_error(valid_until, what=_("authorisation"))
            if message:
                raise ValidationError(message)
        return valid_until


class SupplierFirstApprovalForm(StyledModelForm):
    """Opens a first-time supplier file; afterwards only the note can be edited."""

    class Meta:
        model = SupplierFirstApproval
        fields = ("supplier", "application_note")
        widgets = {"application_note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["supplier"]
        else:
            self.fields["supplier"].queryset = Supplier.objects.filter(
                is_active=True, first_approval__isnull=True
            )


class ApprovalStartForm(forms.Form):
    note = forms.CharField(
        label=_("Application note"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class ProductCheckForm(forms.Form):
    """Pick a product to see whether this supplier may supply it today."""

    product = forms.ModelChoiceField(
        label=_("Product"),
        queryset=Product.objects.filter(is_active=True).order_by("code"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].label_from_instance = lambda p: f"{p.code} {p}"
        style_form(self)
