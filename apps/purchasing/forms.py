"""Forms of the purchasing staff pages: orders with their lines, receipts (with a GS1/UDI
scan per row), acceptance and purchase returns.

Forms check what one row can know (types, ranges, choices limited to what the user may
pick, so a tampered id is an "invalid choice"); every rule that needs other rows lives in
the services, whose `DomainError` the views put back on these forms.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import Product
from apps.core.exceptions import DomainError
from apps.core.forms import style_form
from apps.core.models import today
from apps.inventory.gs1 import parse_gs1, product_for_gtin
from apps.inventory.models import Location, StockBalance, Warehouse, Zone
from apps.inventory.services import MAX_QUANTITY
from apps.suppliers.models import Supplier

from .models import PurchaseOrder, PurchaseOrderLine, TransportMode

DATE_INPUT = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def quantity_field(label, *, required=True, minimum=1):
    return forms.IntegerField(
        label=label, required=required, min_value=minimum, max_value=MAX_QUANTITY
    )


def price_field(label, *, required=True):
    return forms.DecimalField(
        label=label, required=required, min_value=Decimal(0), max_digits=14, decimal_places=4
    )


class StyledForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class ProductSelect(forms.Select):
    """A product select whose options carry the product's VAT rate (data-tax-rate), so the
    line's rate can default to it in the browser; the server applies the same default."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-tax-rate"] = str(instance.tax_rate)
        return option


def active_products():
    return Product.objects.filter(is_active=True).order_by("code")


def product_label(product: Product) -> str:
    return f"{product.code} {product}"


# --- purchase orders ----------------------------------------------------------------------


class PurchaseOrderForm(StyledForm):
    supplier = forms.ModelChoiceField(
        label=_("Supplier"), queryset=Supplier.objects.filter(is_active=True).order_by("code")
    )
    order_date = forms.DateField(label=_("Order date"), widget=DATE_INPUT)
    warehouse = forms.ModelChoiceField(
        label=_("Receiving warehouse"),
        queryset=Warehouse.objects.filter(is_active=True).order_by("code"),
    )
    planned_arrival = forms.DateField(label=_("Planned arrival"), required=False, widget=DATE_INPUT)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier"].label_from_instance = lambda s: f"{s.code} {s.name}"

    def clean(self):
        data = super().clean()
        order_date, arrival = data.get("order_date"), data.get("planned_arrival")
        if order_date and arrival and arrival < order_date:
            self.add_error(
                "planned_arrival",
                _("The planned arrival %(arrival)s is before the order date %(date)s.")
                % {"arrival": arrival.isoformat(), "date": order_date.isoformat()},
            )
        return data


class PurchaseOrderLineForm(StyledForm):
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.none(), widget=ProductSelect
    )
    quantity = quantity_field(_("Quantity"))
    unit_price = price_field(_("Unit price (incl. tax)"))
    tax_rate = forms.DecimalField(
        label=_("VAT rate (%)"),
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(99),
        max_digits=5,
        decimal_places=2,
        help_text=_("Empty: the product's rate."),
    )
    planned_arrival = forms.DateField(label=_("Planned arrival"), required=False, widget=DATE_INPUT)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        product = self.fields["product"]
        product.queryset = active_products()
        product.label_from_instance = product_label
        product.widget.attrs["data-product-select"] = ""
        self.fields["tax_rate"].widget.attrs["data-tax-rate-input"] = ""


class BaseLineFormSet(forms.BaseFormSet):
    """Empty extra rows are ignored; at least one filled row is required."""

    min_message = _("Enter at least one line.")

    def filled_forms(self):
        return [
            f
            for f in self.forms
            if f.has_changed() and not getattr(f, "is_blank", False) and f not in self.deleted_forms
        ]

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["class"] = "form-check-input"

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        if not self.filled_forms():
            raise ValidationError(self.min_message)


PurchaseOrderLineFormSet = forms.formset_factory(
    PurchaseOrderLineForm,
    formset=BaseLineFormSet,
    extra=0,
    min_num=1,
    max_num=200,
    validate_max=True,
    can_delete=True,
)


class ReasonForm(StyledForm):
    """The note or reason of a status action (reject, close, cancel)."""

    reason = forms.CharField(label=_("Reason"), required=False, max_length=300)


# --- receipts -----------------------------------------------------------------------------


def scan_mismatch_message(scanned: Product, product: Product) -> str:
    return _(
        "Batch scanned for another product: the code is for %(scanned)s, the row is for "
        "%(product)s."
    ) % {"scanned": scanned, "product": product}


class ReceiptForm(StyledForm):
    supplier = forms.ModelChoiceField(
        label=_("Supplier"), queryset=Supplier.objects.filter(is_active=True).order_by("code")
    )
    warehouse = forms.ModelChoiceField(
        label=_("Warehouse"), queryset=Warehouse.objects.filter(is_active=True).order_by("code")
    )
    received_on = forms.DateField(label=_("Arrival date"), widget=DATE_INPUT)
    transport_mode = forms.ChoiceField(label=_("Transport mode"), choices=TransportMode.choices)
    delivery_note_number = forms.CharField(
        label=_("Supplier delivery note"), required=False, max_length=50
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, order: PurchaseOrder | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.order = order
        if order is not None:
            # The supplier is the order's; it is not asked for.
            del self.fields["supplier"]
        else:
            self.fields["supplier"].label_from_instance = lambda s: f"{s.code} {s.name}"

    def clean_received_on(self):
        day = self.cleaned_data["received_on"]
        if day > today():
            raise ValidationError(
                _("The arrival date %(date)s is in the future.") % {"date": day.isoformat()}
            )
        return day


# Fields a user types on a receipt row; a row where all of them are empty is ignored.
RECEIPT_ROW_INPUTS = (
    "scan",
    "batch_number",
    "serial_number",
    "production_date",
    "expiry_date",
    "quantity",
    "reasonable_loss_qty",
    "unreasonable_loss_qty",
    "arrival_temperature",
)


class ReceiptLineForm(StyledForm):
    """One arrived batch. From an order the row names the order line (and so the product);
    without one the user picks the product. `scan` takes a GS1/UDI string that fills the
    product, batch, dates and serial, and must match the row's product."""

    order_line = forms.ModelChoiceField(
        label=_("Order line"), queryset=PurchaseOrderLine.objects.none(), required=False
    )
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.none(), required=False
    )
    scan = forms.CharField(label=_("GS1/UDI scan"), required=False, max_length=300)
    batch_number = forms.CharField(label=_("Batch number"), required=False, max_length=50)
    serial_number = forms.CharField(label=_("Serial number"), required=False, max_length=50)
    production_date = forms.DateField(label=_("Production date"), required=False, widget=DATE_INPUT)
    expiry_date = forms.DateField(label=_("Expiry date"), required=False, widget=DATE_INPUT)
    quantity = quantity_field(_("Arrived quantity"), required=False)
    reasonable_loss_qty = quantity_field(_("Reasonable loss"), required=False, minimum=0)
    unreasonable_loss_qty = quantity_field(_("Unreasonable loss"), required=False, minimum=0)
    unit_price = price_field(_("Unit price (incl. tax)"), required=False)
    arrival_temperature = forms.DecimalField(
        label=_("Arrival temperature (°C)"),
        required=False,
        min_value=Decimal(-40),
        max_value=Decimal(60),
        max_digits=4,
        decimal_places=1,
    )

    def __init__(self, *args, order: PurchaseOrder | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.order = order
        self.is_blank = False
        if order is not None:
            del self.fields["product"]
            field = self.fields["order_line"]
            field.queryset = order.lines.select_related("product").order_by("pk")
            field.label_from_instance = lambda line: product_label(line.product)
        else:
            del self.fields["order_line"]
            field = self.fields["product"]
            field.queryset = active_products()
            field.label_from_instance = product_label
        self.fields["scan"].widget.attrs.update(
            {"data-gs1-scan": "", "autocomplete": "off", "placeholder": "(01)…(17)…(10)…"}
        )

    def row_product(self, data) -> Product | None:
        if self.order is not None:
            line = data.get("order_line")
            return line.product if line is not None else None
        return data.get("product")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if not any(data.get(name) not in (None, "") for name in RECEIPT_ROW_INPUTS):
            # Nothing typed: the line did not arrive (or is an unused extra row).
            self.is_blank = True
            return data
        if data.get("scan"):
            self.apply_scan(data)
            if self.errors:
                return data
        product = self.row_product(data)
        if product is None:
            field = "order_line" if self.order is not None else "product"
            self.add_error(
                field,
                _("Choose the order line.") if self.order is not None else _("Choose a product."),
            )
        if not (data.get("batch_number") or "").strip():
            self.add_error("batch_number", _("Enter the batch number."))
        if not data.get("expiry_date"):
            self.add_error("expiry_date", _("Enter the expiry date."))
        if data.get("quantity") is None:
            self.add_error("quantity", _("Enter the arrived quantity."))
        production, expiry = data.get("production_date"), data.get("expiry_date")
        if production and expiry and expiry < production:
            self.add_error(
                "expiry_date",
                _("The expiry date %(expiry)s is before the production date %(production)s.")
                % {"expiry": expiry.isoformat(), "production": production.isoformat()},
            )
        if self.order is None and data.get("unit_price") is None:
            self.add_error("unit_price", _("Enter the unit price."))
        return data

    def apply_scan(self, data) -> None:
        """Fill the row from the scanned code; refuse a code of another product or one
        that contradicts what was typed."""
        try:
            parsed = parse_gs1(data["scan"])
        except DomainError as error:
            for message in error.messages:
                self.add_error("scan", message)
            return
        gtin = parsed.get("gtin")
        if gtin:
            scanned = product_for_gtin(gtin)
            product = self.row_product(data)
            if scanned is None:
                self.add_error(
                    "scan", _("No product has the barcode or UDI-DI %(gtin)s.") % {"gtin": gtin}
                )
                return
            if product is not None and product.pk != scanned.pk:
                self.add_error("scan", scan_mismatch_message(scanned, product))
                return
            if self.order is None and product is None:
                if not scanned.is_active:
                    self.add_error("scan", _("%(product)s is not active.") % {"product": scanned})
                    return
                data["product"] = scanned
        for field, key in (
            ("batch_number", "batch"),
            ("serial_number", "serial"),
            ("production_date", "production_date"),
            ("expiry_date", "expiry_date"),
        ):
            value = parsed.get(key)
            if value in (None, ""):
                continue
            typed = data.get(field)
            if typed in (None, ""):
                data[field] = value
            elif typed != value:
                shown = value.isoformat() if isinstance(value, datetime.date) else value
                self.add_error(
                    field,
                    _("%(value)s does not match the scanned code (%(scanned)s).")
                    % {
                        "value": typed.isoformat() if isinstance(typed, datetime.date) else typed,
                        "scanned": shown,
                    },
                )
        data["udi"] = data["scan"].strip()


class BaseReceiptLineFormSet(BaseLineFormSet):
    min_message = _("Enter at least one arrived batch.")

    def __init__(self, *args, order=None, **kwargs):
        self.order = order
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "order": self.order}


ReceiptLineFormSet = forms.formset_factory(
    ReceiptLineForm, formset=BaseReceiptLineFormSet, extra=0, max_num=200, validate_max=True
)


class ScanForm(forms.Form):
    """The scan endpoint's query: the code, and the row's product or order line if known."""

    code = forms.CharField(max_length=300)
    product = forms.ModelChoiceField(queryset=Product.objects.all(), required=False)
    order_line = forms.ModelChoiceField(queryset=PurchaseOrderLine.objects.all(), required=False)


# --- acceptance ---------------------------------------------------------------------------


def keepers():
    """Users who may confirm moves of controlled products (a keeper's permission)."""
    perms = Permission.objects.filter(
        codename="change_stockbalance", content_type__app_label="inventory"
    )
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__permissions__in=perms) | Q(user_permissions__in=perms))
        .distinct()
        .order_by("username")
    )


class AcceptanceForm(StyledForm):
    accepted_qty = quantity_field(_("Accepted quantity"), minimum=0)
    rejected_qty = quantity_field(_("Rejected quantity"), minimum=0)
    sample_qty = quantity_field(_("Sample quantity"), minimum=0, required=False)
    appearance_ok = forms.BooleanField(label=_("Appearance in order"), required=False)
    packaging_ok = forms.BooleanField(label=_("Packaging in order"), required=False)
    label_ok = forms.BooleanField(label=_("Labels and instructions in order"), required=False)
    certificate_ok = forms.BooleanField(
        label=_("Certificate of conformity present"), required=False
    )
    qualified_location = forms.ModelChoiceField(
        label=_("Qualified location"), queryset=Location.objects.none(), required=False
    )
    nonconforming_location = forms.ModelChoiceField(
        label=_("Nonconforming location"), queryset=Location.objects.none(), required=False
    )
    second_keeper = forms.ModelChoiceField(
        label=_("Second keeper"), queryset=get_user_model().objects.none(), required=False
    )
    inspected_on = forms.DateField(label=_("Inspection date"), widget=DATE_INPUT)
    rejection_reason = forms.CharField(
        label=_("Reason for the rejection"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    remarks = forms.CharField(
        label=_("Remarks"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, receipt_line, user=None, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("inspected_on", today())
        super().__init__(*args, **kwargs)
        self.receipt_line = receipt_line
        warehouse_id = receipt_line.receipt.warehouse_id
        locations = Location.objects.filter(
            warehouse_id=warehouse_id, is_active=True
        ).select_related("warehouse")
        self.fields["qualified_location"].queryset = locations.filter(zone=Zone.QUALIFIED)
        self.fields["nonconforming_location"].queryset = locations.filter(zone=Zone.NONCONFORMING)
        if receipt_line.product.is_controlled:
            queryset = keepers()
            if user is not None:
                queryset = queryset.exclude(pk=user.pk)
            self.fields["second_keeper"].queryset = queryset
            self.fields["second_keeper"].required = True
        else:
            del self.fields["second_keeper"]

    def clean(self):
        data = super().clean()
        accepted, rejected = data.get("accepted_qty"), data.get("rejected_qty")
        if accepted is None or rejected is None:
            return data
        pending = self.receipt_line.pending_qty
        if accepted + rejected < 1:
            self.add_error("accepted_qty", _("Accept or reject at least one unit."))
        elif accepted + rejected > pending:
            self.add_error(
                "accepted_qty",
                _(
                    "Accepting more than received: %(accepted)s accepted and %(rejected)s "
                    "rejected, but only %(pending)s of %(arrived)s await inspection."
                )
                % {
                    "accepted": accepted,
                    "rejected": rejected,
                    "pending": pending,
                    "arrived": self.receipt_line.quantity,
                },
            )
        if accepted and not data.get("qualified_location"):
            self.add_error("qualified_location", _("Choose the qualified location."))
        if rejected and not data.get("nonconforming_location"):
            self.add_error("nonconforming_location", _("Choose the nonconforming location."))
        if rejected and not (data.get("rejection_reason") or "").strip():
            self.add_error("rejection_reason", _("Enter the reason for the rejection."))
        return data


# --- purchase returns ---------------------------------------------------------------------


class ReturnChooseForm(StyledForm):
    """First step of a return: the original order (or, lenient mode, the supplier)."""

    order = forms.ModelChoiceField(
        label=_("Original purchase order"),
        queryset=PurchaseOrder.objects.filter(status__in=("open", "closed"))
        .select_related("supplier")
        .order_by("-order_date", "-number"),
        required=False,
    )
    supplier = forms.ModelChoiceField(
        label=_("Supplier"),
        queryset=Supplier.objects.filter(is_active=True).order_by("code"),
        required=False,
    )

    def __init__(self, *args, strict: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.strict = strict
        self.fields["order"].label_from_instance = lambda o: f"{o.number} {o.supplier.name}"
        self.fields["supplier"].label_from_instance = lambda s: f"{s.code} {s.name}"
        if strict:
            del self.fields["supplier"]
            self.fields["order"].required = True

    def clean(self):
        data = super().clean()
        if not self.strict and not data.get("order") and not data.get("supplier"):
            raise ValidationError(_("Choose the original order or the supplier."))
        return data


def returnable_stock(*, order=None, supplier=None):
    """Balances that may go back: lots received on the order (or from the supplier), in
    any zone but pending inspection, with stock on hand."""
    qs = StockBalance.objects.filter(on_hand__gt=0).exclude(location__zone=Zone.PENDING)
    if order is not None:
        qs = qs.filter(
            lot__receipt_lines__receipt__order=order, location__warehouse_id=order.warehouse_id
        )
    else:
        qs = qs.filter(lot__receipt_lines__receipt__supplier=supplier)
    return (
        qs.select_related("lot__product", "location__warehouse")
        .distinct()
        .order_by("lot__product__code", "lot__expiry_date", "location__code")
    )


class PurchaseReturnForm(StyledForm):
    returned_on = forms.DateField(label=_("Return date"), widget=DATE_INPUT)
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    second_keeper = forms.ModelChoiceField(
        label=_("Second keeper"),
        queryset=get_user_model().objects.none(),
        required=False,
        help_text=_("Needed when the return contains specially controlled products."),
    )

    def __init__(self, *args, user=None, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("returned_on", today())
        super().__init__(*args, **kwargs)
        queryset = keepers()
        if user is not None:
            queryset = queryset.exclude(pk=user.pk)
        self.fields["second_keeper"].queryset = queryset


class PurchaseReturnLineForm(StyledForm):
    stock = forms.ModelChoiceField(
        label=_("Lot and location"), queryset=StockBalance.objects.none()
    )
    quantity = quantity_field(_("Quantity"))

    def __init__(self, *args, stock=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["stock"]
        field.queryset = stock if stock is not None else StockBalance.objects.none()
        field.label_from_instance = lambda b: (
            gettext("%(lot)s · expiry %(expiry)s · %(location)s (%(zone)s) · on hand %(qty)s")
            % {
                "lot": b.lot,
                "expiry": b.lot.expiry_date.isoformat(),
                "location": b.location,
                "zone": b.location.get_zone_display(),
                "qty": b.on_hand,
            }
        )

    def clean(self):
        data = super().clean()
        balance, quantity = data.get("stock"), data.get("quantity")
        if balance is not None and quantity and quantity > balance.on_hand:
            self.add_error(
                "quantity",
                _("Only %(on_hand)s of lot %(lot)s are in %(location)s.")
                % {"on_hand": balance.on_hand, "lot": balance.lot, "location": balance.location},
            )
        return data


class BaseReturnLineFormSet(BaseLineFormSet):
    min_message = _("A return needs at least one line.")

    def __init__(self, *args, stock=None, **kwargs):
        self.stock = stock
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "stock": self.stock}


PurchaseReturnLineFormSet = forms.formset_factory(
    PurchaseReturnLineForm,
    formset=BaseReturnLineFormSet,
    extra=0,
    min_num=1,
    max_num=200,
    validate_max=True,
)
