"""Forms of the warehouse GSP record pages. Choices are limited to what may be picked, so
a tampered id is refused with a message naming the field; the model's `clean()` and the
services hold the rules."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.forms import StyledModelForm, style_form
from apps.core.models import today
from apps.inventory.models import Location, StockBalance, Warehouse

from .models import (
    CalibrationCard,
    CalibrationEntry,
    EquipmentUse,
    InspectionLine,
    MaintenanceInspection,
    TemperatureLog,
    Treatment,
)
from .selectors import INSPECTED_ZONES

DATETIME_WIDGET = forms.DateTimeInput(format="%Y-%m-%dT%H:%M", attrs={"type": "datetime-local"})


def location_label(location: Location) -> str:
    name = f" {location.name}" if location.name else ""
    return f"{location}{name} ({location.get_storage_condition_display()})"


class TemperatureLogForm(StyledModelForm):
    class Meta:
        model = TemperatureLog
        fields = (
            "location",
            "record_date",
            "am_temperature",
            "am_humidity",
            "pm_temperature",
            "pm_humidity",
            "max_temperature",
            "min_temperature",
            "measures",
            "remarks",
        )
        widgets = {"measures": forms.Textarea(attrs={"rows": 2})}
        error_messages = {
            "location": {
                "invalid_choice": _(
                    "This storage area does not exist or is inactive; choose one from the list."
                )
            }
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["location"]
        field.queryset = Location.objects.filter(is_active=True).select_related("warehouse")
        field.label_from_instance = location_label
        self.fields["record_date"].widget.attrs["max"] = today().isoformat()


class MaintenanceInspectionForm(StyledModelForm):
    class Meta:
        model = MaintenanceInspection
        fields = ("record_date", "warehouse", "remarks")
        widgets = {"remarks": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = Warehouse.objects.filter(is_active=True)


def inspectable_balances(extra_pks=()):
    """Lots in stock in the inspected zones (plus `extra_pks`, the balances of a draft's
    lines, which may have been emptied since)."""
    from django.db.models import Q

    return (
        StockBalance.objects.filter(
            Q(on_hand__gt=0, location__zone__in=INSPECTED_ZONES) | Q(pk__in=list(extra_pks))
        )
        .select_related("lot__product", "location__warehouse")
        .order_by("location__warehouse__code", "location__code", "expiry_date", "pk")
    )


def balance_label(balance: StockBalance) -> str:
    lot = balance.lot
    return (
        f"{balance.location} · {lot.product.name} {lot.product.spec} · {lot.batch_number}"
        f" · {lot.expiry_date.isoformat()} · {balance.on_hand} {lot.product.unit}"
    )


class InspectionLineForm(forms.Form):
    stock = forms.ModelChoiceField(
        label=_("Lot and location"),
        queryset=StockBalance.objects.none(),
        error_messages={
            "invalid_choice": _(
                "This lot is not in stock in a qualified or pending location; choose one "
                "from the list."
            )
        },
    )
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=10_000_000)
    appearance = forms.CharField(label=_("Appearance and packaging"), max_length=200)
    treatment = forms.ChoiceField(
        label=_("Treatment"), choices=Treatment.choices, initial=Treatment.NORMAL
    )
    remarks = forms.CharField(label=_("Remarks"), max_length=300, required=False)

    def __init__(self, *args, balances=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stock"].queryset = balances if balances is not None else inspectable_balances()
        self.fields["stock"].label_from_instance = balance_label
        style_form(self)

    def to_line(self) -> InspectionLine:
        data = self.cleaned_data
        balance = data["stock"]
        return InspectionLine(
            lot_id=balance.lot_id,
            location_id=balance.location_id,
            quantity=data["quantity"],
            appearance=data["appearance"].strip(),
            treatment=data["treatment"],
            remarks=data.get("remarks", "").strip(),
        )


class BaseInspectionLineFormSet(forms.BaseFormSet):
    def __init__(self, *args, balances=None, **kwargs):
        self.balances = balances
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "balances": self.balances}

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            balances=self.balances,
        )
        self.add_fields(form, None)
        return form

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["class"] = "form-check-input"

    def filled_forms(self):
        return [f for f in self.forms if f.has_changed() and f not in self.deleted_forms]

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        seen = set()
        for form in self.filled_forms():
            balance = form.cleaned_data["stock"]
            if balance.pk in seen:
                raise forms.ValidationError(
                    _("%(stock)s is listed twice.") % {"stock": balance_label(balance)}
                )
            seen.add(balance.pk)
        if not seen:
            raise forms.ValidationError(_("Enter at least one line."))


InspectionLineFormSet = forms.formset_factory(
    InspectionLineForm,
    formset=BaseInspectionLineFormSet,
    extra=0,
    can_delete=True,
    max_num=500,
    validate_max=True,
)


class EquipmentUseForm(StyledModelForm):
    wants_user = True

    class Meta:
        model = EquipmentUse
        fields = (
            "record_date",
            "equipment_name",
            "model_spec",
            "warehouse",
            "started_at",
            "ended_at",
            "running_condition",
            "operator",
            "remarks",
        )
        widgets = {"started_at": DATETIME_WIDGET, "ended_at": DATETIME_WIDGET}
        error_messages = {
            "warehouse": {
                "invalid_choice": _("This storage room does not exist; choose one from the list.")
            }
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = Warehouse.objects.filter(is_active=True)
        self.fields["operator"].queryset = get_user_model().objects.filter(is_active=True)
        if user is not None and not self.instance.pk and not self.initial.get("operator"):
            self.initial["operator"] = user.pk
        for name in ("started_at", "ended_at"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]

    def clean_started_at(self):
        started = self.cleaned_data.get("started_at")
        if started and started > timezone.now():
            raise forms.ValidationError(_("The start time is in the future."))
        return started


class CalibrationCardForm(StyledModelForm):
    class Meta:
        model = CalibrationCard
        fields = (
            "record_date",
            "instrument_name",
            "calibrating_body",
            "department",
            "manufacturer",
            "serial_number",
            "model",
            "scale_interval",
            "measuring_range",
            "accuracy_class",
            "cycle_months",
            "spot_check_conclusion",
        )


class CalibrationEntryForm(StyledModelForm):
    class Meta:
        model = CalibrationEntry
        fields = (
            "card",
            "record_date",
            "calibration_date",
            "original_record_number",
            "repair",
            "conclusion",
            "calibrator",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["card"].disabled = True
