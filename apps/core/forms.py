"""Form base classes for the staff UI (Bootstrap widgets, licence fields)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import LICENCE_FIELDS, CompanyLicence, CompanySettings, DeviceClass, today


def style_form(form: forms.BaseForm) -> forms.BaseForm:
    """Give every widget the Bootstrap class its type needs."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.CheckboxSelectMultiple):
            css = ""
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            css = "form-select form-select-sm"
        else:
            css = "form-control form-control-sm"
        classes = widget.attrs.get("class", "").split()
        for name in css.split():
            if name not in classes:
                classes.append(name)
        if classes:
            widget.attrs["class"] = " ".join(classes)
        if isinstance(widget, forms.DateInput):
            widget.input_type = "date"
            widget.format = "%Y-%m-%d"
    return form


class StyledModelForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


DATE_WIDGET = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class LicenceFormMixin:
    """Shared licence form rules. A new licence that is already expired is refused:
    it cannot prove anything; keep the old one in history and enter the renewal."""

    licence_fields = LICENCE_FIELDS

    # FK to the licence's owner (supplier, customer): a new licence's holder defaults to the
    # owner's name, as it does in the licence imports. Empty: no default.
    licence_owner_field: str = ""

    def licence_owner(self):
        """The owner chosen in the form (admin) or set on the instance (staff pages)."""
        name = self.licence_owner_field
        if not name:
            return None
        owner = (getattr(self, "cleaned_data", None) or {}).get(name)
        if owner is None and getattr(self.instance, f"{name}_id", None):
            owner = getattr(self.instance, name)
        return owner

    def setup_licence_fields(self):
        owner = self.licence_owner()
        if owner is not None and not self.instance.pk and not self.initial.get("holder"):
            self.initial["holder"] = owner.name
        if "scope_classes" in self.fields:
            self.fields["scope_classes"] = forms.TypedMultipleChoiceField(
                label=_("device classes in scope"),
                choices=DeviceClass.choices,
                coerce=int,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                initial=self.initial.get("scope_classes"),
            )
            if self.instance.pk:
                self.initial["scope_classes"] = list(self.instance.scope_classes or [])
        if "scope_categories" in self.fields:
            self.fields["scope_categories"].widget.attrs["size"] = 8

    def clean_valid_until(self):
        valid_until = self.cleaned_data.get("valid_until")
        if valid_until and not self.instance.pk and valid_until < today():
            # Keep the typed date on the instance so the model's own checks do not
            # also report the field as empty ("only a business licence is long-term").
            self.instance.valid_until = valid_until
            raise forms.ValidationError(
                _("This licence expired on %(date)s; enter the current, renewed licence.")
                % {"date": valid_until.isoformat()}
            )
        return valid_until

    def clean_number(self):
        number = (self.cleaned_data.get("number") or "").strip()
        if self.cleaned_data.get("licence_type") == "business":
            number = number.upper()
        return number


class CompanySettingsForm(StyledModelForm):
    class Meta:
        model = CompanySettings
        fields = [
            "name",
            "unified_social_credit_code",
            "address",
            "warehouse_address",
            "legal_representative",
            "quality_manager_name",
            "phone",
            "order_control_mode",
            "min_price_rule",
            "expiry_yellow_days",
            "expiry_red_days",
            "purchase_approval_threshold",
            "default_min_shelf_life_days",
            "over_receipt_tolerance_pct",
            "receipt_price_tolerance_pct",
            "max_purchase_price_mode",
        ]


class LicenceForm(LicenceFormMixin, StyledModelForm):
    """The form of a licence model (ours, a supplier's, a customer's, a manufacturer's):
    subclasses set Meta.model and, for a counterparty's licence, `licence_owner_field`."""

    class Meta:
        fields = LICENCE_FIELDS
        widgets = {"issued_on": DATE_WIDGET, "valid_until": DATE_WIDGET}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_licence_fields()
        style_form(self)  # again, for the fields setup_licence_fields replaced


class CompanyLicenceForm(LicenceForm):
    class Meta(LicenceForm.Meta):
        model = CompanyLicence
