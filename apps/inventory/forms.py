"""Forms of the inventory operation pages (and the admin's warehouse/location forms)."""

from __future__ import annotations

import secrets

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.core.forms import StyledModelForm, style_form

from .models import HoldStatus, Location, LotHold, StockBalance, Warehouse, Zone
from .services import MAX_QUANTITY


def keepers():
    """Active users who may confirm moves of controlled products (the second keeper)."""
    perm = Q(codename="change_stockbalance", content_type__app_label="inventory")
    from django.contrib.auth.models import Permission

    perms = Permission.objects.filter(perm)
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__permissions__in=perms) | Q(user_permissions__in=perms))
        .distinct()
        .order_by("username")
    )


def balance_label(balance: StockBalance) -> str:
    lot = balance.lot
    return (
        f"{balance.location} · {lot.product.code} {lot.product} · {lot.batch_number} · "
        f"{lot.expiry_date:%Y-%m-%d} · {_('available')} {balance.available}"
    )


def _quantity_field(**kwargs) -> forms.IntegerField:
    kwargs.setdefault("label", _("Quantity"))
    return forms.IntegerField(min_value=1, max_value=MAX_QUANTITY, **kwargs)


class WarehouseForm(StyledModelForm):
    class Meta:
        model = Warehouse
        fields = ("code", "name", "address", "is_active")

    def clean_code(self):
        return (self.cleaned_data.get("code") or "").strip()


class LocationForm(StyledModelForm):
    class Meta:
        model = Location
        fields = (
            "warehouse",
            "code",
            "name",
            "zone",
            "storage_condition",
            "is_controlled_area",
            "is_active",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        condition = Q(is_active=True)
        if self.instance.warehouse_id:
            condition |= Q(pk=self.instance.warehouse_id)
        self.fields["warehouse"].queryset = Warehouse.objects.filter(condition)

    def clean_code(self):
        return (self.cleaned_data.get("code") or "").strip()


class TransferForm(forms.Form):
    """Move free stock of one lot from its location to another."""

    balance = forms.ModelChoiceField(label=_("Stock (location, lot)"), queryset=None)
    to_location = forms.ModelChoiceField(label=_("To location"), queryset=None)
    quantity = _quantity_field()
    second_user = forms.ModelChoiceField(
        label=_("Second keeper"),
        queryset=None,
        required=False,
        help_text=_("Required for specially controlled products."),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["balance"].queryset = (
            StockBalance.objects.filter(on_hand__gt=F("reserved"))
            .select_related("lot__product", "location__warehouse")
            .order_by("location__warehouse__code", "location__code", "lot__expiry_date", "pk")
        )
        self.fields["balance"].label_from_instance = balance_label
        self.fields["to_location"].queryset = Location.objects.filter(
            is_active=True
        ).select_related("warehouse")
        self.fields["second_user"].queryset = keepers()
        if not self.is_bound:
            self.initial.setdefault("token", secrets.token_urlsafe(16))
        style_form(self)


class LotHoldForm(StyledModelForm):
    """Stop a lot from sale: the lot and the reason."""

    class Meta:
        model = LotHold
        fields = ("lot", "reason")
        widgets = {"reason": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lot"].queryset = (
            self.fields["lot"].queryset.select_related("product").order_by("product__code")
        )


class LotHoldResolveForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Re-inspection result"),
        choices=[
            (HoldStatus.RELEASED, _("Release: the lot may be sold again")),
            (HoldStatus.NONCONFORMING, _("Nonconforming: move its stock to a nonconforming area")),
        ],
        widget=forms.RadioSelect,
    )
    conclusion = forms.CharField(
        label=_("Re-inspection conclusion"), widget=forms.Textarea(attrs={"rows": 3})
    )
    nonconforming_location = forms.ModelChoiceField(
        label=_("Nonconforming location"), queryset=None, required=False
    )
    second_user = forms.ModelChoiceField(
        label=_("Second keeper"),
        queryset=None,
        required=False,
        help_text=_("Required when a specially controlled product is moved."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nonconforming_location"].queryset = Location.objects.filter(
            zone=Zone.NONCONFORMING, is_active=True
        ).select_related("warehouse")
        self.fields["second_user"].queryset = keepers()
        style_form(self)
        self.fields["outcome"].widget.attrs["class"] = "form-check-input"

    def clean(self):
        data = super().clean()
        if data.get("outcome") == HoldStatus.NONCONFORMING and not data.get(
            "nonconforming_location"
        ):
            self.add_error(
                "nonconforming_location", _("Choose where the nonconforming stock goes.")
            )
        return data


class LossReportForm(forms.Form):
    """A loss report's header and one quantity box per nonconforming stock row.

    Only the rows offered (nonconforming stock with free quantity, plus the report's
    own lines when editing) have a box, so a tampered post cannot name other stock.
    """

    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=None)
    reason = forms.CharField(
        label=_("Reason (nonconformity)"), widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, report=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = Warehouse.objects.filter(is_active=True)
        current = {}
        if report is not None:
            current = {line.balance_id: line.quantity for line in report.lines.all()}
            self.initial.setdefault("warehouse", report.warehouse_id)
            self.initial.setdefault("reason", report.reason)
        self.candidates = list(
            StockBalance.objects.filter(
                Q(location__zone=Zone.NONCONFORMING, on_hand__gt=F("reserved"))
                | Q(pk__in=list(current))
            )
            .select_related("lot__product", "location__warehouse")
            .order_by("location__warehouse__code", "location__code", "lot__expiry_date", "pk")
        )
        for balance in self.candidates:
            self.fields[self.quantity_name(balance)] = forms.IntegerField(
                label=balance_label(balance),
                min_value=0,
                max_value=MAX_QUANTITY,
                required=False,
                initial=current.get(balance.pk),
            )
        style_form(self)

    @staticmethod
    def quantity_name(balance) -> str:
        return f"qty_{balance.pk}"

    def rows(self):
        """(balance, bound quantity field) for the template's table."""
        return [(b, self[self.quantity_name(b)]) for b in self.candidates]

    def lines(self):
        from .operations import LossLine

        return [
            LossLine(balance, self.cleaned_data[self.quantity_name(balance)])
            for balance in self.candidates
            if self.cleaned_data.get(self.quantity_name(balance))
        ]

    def clean(self):
        data = super().clean()
        if not self.errors and not self.lines():
            raise forms.ValidationError(_("Enter the quantity to scrap on at least one line."))
        return data


class StocktakeStartForm(forms.Form):
    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=None)
    locations = forms.ModelMultipleChoiceField(
        label=_("Locations to count"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = Warehouse.objects.filter(is_active=True)
        self.fields["locations"].queryset = Location.objects.filter(
            is_active=True, warehouse__is_active=True
        ).select_related("warehouse")
        style_form(self)

    def clean(self):
        data = super().clean()
        warehouse, locations = data.get("warehouse"), data.get("locations")
        if warehouse and locations:
            foreign = [str(loc) for loc in locations if loc.warehouse_id != warehouse.pk]
            if foreign:
                self.add_error(
                    "locations",
                    _("%(locations)s not in warehouse %(warehouse)s.")
                    % {"locations": ", ".join(foreign), "warehouse": warehouse},
                )
        return data


class CountSheetForm(forms.Form):
    """Counted quantity of each line of one location (empty: not counted yet)."""

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        for line in self.lines:
            self.fields[f"count_{line.pk}"] = forms.IntegerField(
                label=str(line.lot),
                min_value=0,
                max_value=MAX_QUANTITY,
                required=False,
                initial=line.counted_qty,
            )
        style_form(self)

    def rows(self):
        return [(line, self[f"count_{line.pk}"]) for line in self.lines]

    def counts(self) -> dict[int, int | None]:
        return {line.pk: self.cleaned_data.get(f"count_{line.pk}") for line in self.lines}


class StocktakeAddLineForm(forms.Form):
    """A lot found during the count that is not on the sheet."""

    lot = forms.ModelChoiceField(label=_("Lot"), queryset=None)
    counted_qty = forms.IntegerField(
        label=_("Counted quantity"), min_value=0, max_value=MAX_QUANTITY
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import Lot

        self.fields["lot"].queryset = Lot.objects.select_related("product").order_by(
            "product__code", "batch_number"
        )
        style_form(self)
