"""Forms of the sales staff pages: orders with their lines (priced and checked live with
htmx), picking lists, the double-check (复核) with a GS1 scan per line, shipment, sales
returns and their re-inspection.

Forms check what one row can know (types, ranges, choices limited to what the user may
pick, so a tampered id is an "invalid choice"); every rule that needs other rows lives in
the services, whose `DomainError` the views put back on these forms.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import Product
from apps.core.models import today
from apps.customers.models import Customer, CustomerType
from apps.inventory.models import Location, Warehouse, Zone
from apps.purchasing.forms import (
    DATE_INPUT,
    BaseLineFormSet,
    ProductSelect,
    StyledForm,
    active_products,
    keepers,
    product_label,
)

from .models import (
    MAX_LINE_QUANTITY,
    Delivery,
    DeliveryTransportMode,
    SalesOrderLine,
    SalesType,
    SettlementMethod,
)

# What makes a line row re-price itself: any change, or typing with a short pause.
LIVE_TRIGGER = "change, keyup changed delay:400ms"
PRICE = {"max_digits": 14, "decimal_places": 4}


def users_with(codename: str, app_label: str = "sales"):
    perms = Permission.objects.filter(codename=codename, content_type__app_label=app_label)
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__permissions__in=perms) | Q(user_permissions__in=perms))
        .distinct()
        .order_by("username")
    )


def customer_label(customer: Customer) -> str:
    return f"{customer.code} {customer.name}"


def customers_for(sales_type: str | None):
    """Active customers one may sell to with this sales type: an internal transfer goes
    only to our own branches."""
    qs = Customer.objects.filter(is_active=True).order_by("code")
    if sales_type == SalesType.INTERNAL_TRANSFER:
        qs = qs.filter(customer_type=CustomerType.BRANCH)
    return qs


def live(widget: forms.Widget, *, url: str, target: str, trigger: str = LIVE_TRIGGER) -> None:
    """Make a field re-run the order preview (htmx) when it changes."""
    widget.attrs.update(
        {
            "hx-post": url,
            "hx-trigger": trigger,
            "hx-target": target,
            "hx-swap": "outerHTML",
            # Every request posts the whole form: the newest one replaces any in flight,
            # so an older answer never overwrites a newer one.
            "hx-sync": "closest form:replace",
        }
    )


# --- sales orders -------------------------------------------------------------------------


class SalesOrderForm(StyledForm):
    sales_type = forms.ChoiceField(
        label=_("Sales type"), choices=SalesType.choices, initial=SalesType.WHOLESALE
    )
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Customer.objects.none())
    order_date = forms.DateField(label=_("Order date"), widget=DATE_INPUT)
    warehouse = forms.ModelChoiceField(
        label=_("Shipping warehouse"),
        queryset=Warehouse.objects.filter(is_active=True).order_by("code"),
    )
    salesperson = forms.ModelChoiceField(
        label=_("Salesperson"),
        queryset=get_user_model().objects.none(),
        required=False,
        help_text=_("Empty: you."),
    )
    settlement_method = forms.ChoiceField(
        label=_("Settlement method"),
        choices=SettlementMethod.choices,
        initial=SettlementMethod.BANK_TRANSFER,
    )
    payment_terms_days = forms.IntegerField(
        label=_("Payment terms (days)"),
        required=False,
        min_value=0,
        max_value=720,
        help_text=_("Empty: the customer's terms."),
    )
    planned_delivery = forms.DateField(
        label=_("Planned delivery date"), required=False, widget=DATE_INPUT
    )
    delivery_address = forms.CharField(label=_("Delivery address"), required=False, max_length=300)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, order=None, preview_url: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.order = order
        customer = self.fields["customer"]
        customer.label_from_instance = customer_label
        if order is not None:
            # The customer of an existing order is fixed (start a new order instead).
            customer.queryset = Customer.objects.filter(pk=order.customer_id)
            customer.disabled = True
            self.initial["customer"] = order.customer_id
        else:
            customer.queryset = customers_for(self.chosen_sales_type())
        self.fields["salesperson"].queryset = users_with("add_salesorder")
        if preview_url:
            for name in ("sales_type", "customer", "order_date", "warehouse", "settlement_method"):
                live(
                    self.fields[name].widget,
                    url=preview_url,
                    target="#order-preview-summary",
                    trigger="change",
                )

    def chosen_sales_type(self) -> str:
        if self.is_bound:
            return self.data.get(self.add_prefix("sales_type")) or SalesType.WHOLESALE
        return self.initial.get("sales_type") or SalesType.WHOLESALE

    def clean(self):
        data = super().clean()
        order_date, planned = data.get("order_date"), data.get("planned_delivery")
        if order_date and planned and planned < order_date:
            self.add_error(
                "planned_delivery",
                _("The planned delivery %(planned)s is before the order date %(date)s.")
                % {"planned": planned.isoformat(), "date": order_date.isoformat()},
            )
        return data


class SalesOrderLineForm(StyledForm):
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.none(), widget=ProductSelect
    )
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=MAX_LINE_QUANTITY)
    unit_price = forms.DecimalField(
        label=_("Unit price (incl. tax)"),
        required=False,
        min_value=Decimal("0.0001"),
        help_text=_("Empty: the suggested price."),
        **PRICE,
    )
    discount_pct = forms.DecimalField(
        label=_("Discount (%)"),
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=5,
        decimal_places=2,
    )
    tax_rate = forms.DecimalField(
        label=_("VAT rate (%)"),
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(99),
        max_digits=5,
        decimal_places=2,
        help_text=_("Empty: the product's rate."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def __init__(self, *args, preview_url: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        product = self.fields["product"]
        product.queryset = active_products()
        product.label_from_instance = product_label
        product.widget.attrs["data-product-select"] = ""
        self.fields["tax_rate"].widget.attrs["data-tax-rate-input"] = ""
        if preview_url:
            target = f"#{self.prefix}-preview"
            live(product.widget, url=preview_url, target=target, trigger="change")
            for name in ("quantity", "unit_price", "discount_pct", "tax_rate"):
                live(self.fields[name].widget, url=preview_url, target=target)

    def clean(self):
        data = super().clean()
        price, discount = data.get("unit_price"), data.get("discount_pct")
        if price is not None and discount is not None:
            line = SalesOrderLine(unit_price=price, discount_pct=discount)
            if line.net_price <= 0:
                self.add_error(
                    "discount_pct", _("After the discount the price must stay above zero.")
                )
        return data


class BaseSalesOrderLineFormSet(BaseLineFormSet):
    def __init__(self, *args, preview_url=None, **kwargs):
        self.preview_url = preview_url
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "preview_url": self.preview_url}

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields and self.preview_url:
            live(
                form.fields["DELETE"].widget,
                url=self.preview_url,
                target=f"#{form.prefix}-preview",
                trigger="change",
            )


SalesOrderLineFormSet = forms.formset_factory(
    SalesOrderLineForm,
    formset=BaseSalesOrderLineFormSet,
    extra=0,
    min_num=1,
    max_num=200,
    validate_max=True,
    can_delete=True,
)


def preview_url_for(order=None) -> str:
    if order is None:
        return reverse("sales:salesorder_preview")
    return reverse("sales:salesorder_preview_for", args=[order.pk])


class ReasonForm(StyledForm):
    """The reason of a status action; approving, rejecting, closing and cancelling need one."""

    reason = forms.CharField(label=_("Reason"), required=False, max_length=300)


# --- picking lists ------------------------------------------------------------------------


class PickingForm(StyledForm):
    """How much of each open reservation goes on the new picking list (empty or 0: none)."""

    def __init__(self, *args, reservations, **kwargs):
        super().__init__(*args, **kwargs)
        self.reservations = list(reservations)
        for reservation in self.reservations:
            self.fields[f"r{reservation.pk}"] = forms.IntegerField(
                label=str(reservation.balance.lot),
                required=False,
                min_value=0,
                max_value=reservation.free_qty,
                initial=reservation.free_qty,
            )

    def rows(self):
        return [(r, self[f"r{r.pk}"]) for r in self.reservations]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        quantities = {r.pk: data[f"r{r.pk}"] for r in self.reservations if data.get(f"r{r.pk}")}
        if not quantities:
            raise ValidationError(_("Enter a quantity to pick for at least one lot."))
        data["quantities"] = quantities
        return data


# --- double-check (复核) ------------------------------------------------------------------


class CheckLineForm(StyledForm):
    """The checker confirms one delivery line: the batch (typed, or scanned as a GS1 code,
    which the service parses and matches against the picked lot) and the counted quantity."""

    line_id = forms.IntegerField(widget=forms.HiddenInput)
    scan = forms.CharField(label=_("GS1/UDI scan"), required=False, max_length=300)
    batch_number = forms.CharField(label=_("Batch number"), required=False, max_length=50)
    quantity = forms.IntegerField(
        label=_("Counted quantity"), min_value=0, max_value=MAX_LINE_QUANTITY
    )

    def __init__(self, *args, line=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.line = line
        self.fields["scan"].widget.attrs.update(
            {"data-gs1-scan": "", "autocomplete": "off", "placeholder": "(01)…(17)…(10)…"}
        )
        self.fields["batch_number"].widget.attrs["autocomplete"] = "off"

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if self.line is not None and data.get("line_id") != self.line.pk:
            raise ValidationError(_("The lines of this delivery changed; reload the page."))
        entry = (data.get("scan") or "").strip() or (data.get("batch_number") or "").strip()
        if not entry:
            self.add_error("batch_number", _("Type or scan the batch number."))
        data["entry"] = entry
        return data


class BaseCheckFormSet(forms.BaseFormSet):
    def __init__(self, *args, lines=(), **kwargs):
        self.lines = list(lines)
        kwargs.setdefault("initial", [{"line_id": line.pk} for line in self.lines])
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        line = self.lines[index] if index is not None and index < len(self.lines) else None
        return {**super().get_form_kwargs(index), "line": line}

    def clean(self):
        super().clean()
        if self.total_form_count() != len(self.lines):
            raise ValidationError(_("The lines of this delivery changed; reload the page."))


CheckFormSet = forms.formset_factory(CheckLineForm, formset=BaseCheckFormSet, extra=0)


class CheckNoteForm(StyledForm):
    note = forms.CharField(
        label=_("Double-check remarks"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# --- shipment -----------------------------------------------------------------------------


class ShipForm(StyledForm):
    transport_mode = forms.ChoiceField(
        label=_("Transport mode"), choices=DeliveryTransportMode.choices
    )
    carrier = forms.CharField(label=_("Carrier"), required=False, max_length=100)
    departure_temperature = forms.DecimalField(
        label=_("Temperature at departure (°C)"),
        required=False,
        min_value=Decimal(-40),
        max_value=Decimal(60),
        max_digits=4,
        decimal_places=1,
    )
    arrival_temperature = forms.DecimalField(
        label=_("Temperature on arrival (°C)"),
        required=False,
        min_value=Decimal(-40),
        max_value=Decimal(60),
        max_digits=4,
        decimal_places=1,
    )
    second_user = forms.ModelChoiceField(
        label=_("Second keeper"), queryset=get_user_model().objects.none(), required=False
    )
    shipped_on = forms.DateField(label=_("Shipping date"), widget=DATE_INPUT)

    def __init__(
        self, *args, delivery: Delivery, user=None, has_controlled: bool = False, **kwargs
    ):
        kwargs.setdefault("initial", {}).setdefault("shipped_on", today())
        super().__init__(*args, **kwargs)
        self.delivery = delivery
        if has_controlled:
            queryset = keepers()
            if user is not None:
                queryset = queryset.exclude(pk=user.pk)
            self.fields["second_user"].queryset = queryset
            self.fields["second_user"].required = True
            self.fields["second_user"].help_text = _(
                "Specially controlled products: a second keeper confirms the issue."
            )
        else:
            del self.fields["second_user"]

    def clean_shipped_on(self):
        day = self.cleaned_data["shipped_on"]
        if day > today():
            raise ValidationError(
                _("The shipping date %(date)s is in the future.") % {"date": day.isoformat()}
            )
        return day


# --- sales returns ------------------------------------------------------------------------


class ReturnChooseForm(StyledForm):
    """First step of a sales return: the original, shipped delivery."""

    delivery = forms.ModelChoiceField(
        label=_("Original delivery"), queryset=Delivery.objects.none()
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["delivery"]
        field.queryset = (
            Delivery.objects.filter(status="shipped")
            .select_related("customer", "order")
            .order_by("-shipped_on", "-number")
        )
        field.label_from_instance = lambda d: (
            f"{d.number} · {d.customer.name} · {d.shipped_on:%Y-%m-%d}"
            if d.shipped_on
            else f"{d.number} · {d.customer.name}"
        )


def returns_locations(warehouse_id):
    return (
        Location.objects.filter(warehouse_id=warehouse_id, zone=Zone.RETURNS, is_active=True)
        .select_related("warehouse")
        .order_by("code")
    )


class SalesReturnForm(StyledForm):
    returned_on = forms.DateField(label=_("Return date"), widget=DATE_INPUT)
    location = forms.ModelChoiceField(label=_("Returns location"), queryset=Location.objects.none())
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, delivery: Delivery, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("returned_on", today())
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = returns_locations(delivery.warehouse_id)

    def clean_returned_on(self):
        day = self.cleaned_data["returned_on"]
        if day > today():
            raise ValidationError(
                _("The return date %(date)s is in the future.") % {"date": day.isoformat()}
            )
        return day


class ReturnLinesForm(StyledForm):
    """One quantity per line of the original delivery (empty or 0: not returned)."""

    def __init__(self, *args, delivery_lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.delivery_lines = list(delivery_lines)
        for line in self.delivery_lines:
            returnable = line.quantity - line.returned_qty
            self.fields[f"l{line.pk}"] = forms.IntegerField(
                label=str(line.lot), required=False, min_value=0, max_value=max(returnable, 0)
            )
            line.returnable = returnable

    def rows(self):
        return [(line, self[f"l{line.pk}"]) for line in self.delivery_lines]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        chosen = [
            (line, data[f"l{line.pk}"]) for line in self.delivery_lines if data.get(f"l{line.pk}")
        ]
        if not chosen:
            raise ValidationError(_("Enter the returned quantity of at least one line."))
        data["chosen"] = chosen
        return data


class InspectReturnLineForm(StyledForm):
    """Re-inspection of one returned line: back to qualified stock or to nonconforming."""

    qualified_qty = forms.IntegerField(
        label=_("Back to qualified"), min_value=0, max_value=MAX_LINE_QUANTITY
    )
    nonconforming_qty = forms.IntegerField(
        label=_("To nonconforming"), min_value=0, max_value=MAX_LINE_QUANTITY
    )
    qualified_location = forms.ModelChoiceField(
        label=_("Qualified location"), queryset=Location.objects.none(), required=False
    )
    nonconforming_location = forms.ModelChoiceField(
        label=_("Nonconforming location"), queryset=Location.objects.none(), required=False
    )
    second_user = forms.ModelChoiceField(
        label=_("Second keeper"), queryset=get_user_model().objects.none(), required=False
    )
    note = forms.CharField(
        label=_("Re-inspection findings"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, line, user=None, **kwargs):
        kwargs.setdefault("initial", {}).update(qualified_qty=line.pending_qty, nonconforming_qty=0)
        kwargs.setdefault("prefix", f"inspect{line.pk}")
        super().__init__(*args, **kwargs)
        self.line = line
        locations = Location.objects.filter(
            warehouse_id=line.location.warehouse_id, is_active=True
        ).select_related("warehouse")
        self.fields["qualified_location"].queryset = locations.filter(zone=Zone.QUALIFIED)
        self.fields["nonconforming_location"].queryset = locations.filter(zone=Zone.NONCONFORMING)
        if line.product.is_controlled:
            queryset = keepers()
            if user is not None:
                queryset = queryset.exclude(pk=user.pk)
            self.fields["second_user"].queryset = queryset
            self.fields["second_user"].required = True
        else:
            del self.fields["second_user"]

    def clean(self):
        data = super().clean()
        qualified, nonconforming = data.get("qualified_qty"), data.get("nonconforming_qty")
        if qualified is None or nonconforming is None:
            return data
        pending = self.line.pending_qty
        if qualified + nonconforming < 1:
            self.add_error("qualified_qty", _("Decide on at least one unit."))
        elif qualified + nonconforming > pending:
            self.add_error(
                "qualified_qty",
                gettext("Only %(pending)s of %(returned)s returned units await re-inspection.")
                % {"pending": pending, "returned": self.line.quantity},
            )
        if qualified and not data.get("qualified_location"):
            self.add_error("qualified_location", _("Choose the qualified location."))
        if nonconforming and not data.get("nonconforming_location"):
            self.add_error("nonconforming_location", _("Choose the nonconforming location."))
        return data
