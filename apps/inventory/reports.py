"""Inventory reports (DESIGN.md 5): stock by lot and location, batch ledger, movement
detail, colour-band query, min/max alerts, slow movers and turnover, and the recall
trace of one lot.

Each report is a filter form, a django-tables2 table (sorting, pagination) and an Excel
export of every filtered row (`?_export=xlsx`). The queries live in `selectors.py`.
"""

from __future__ import annotations

import datetime

import django_tables2 as tables
from django import forms
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic
from django_tables2 import SingleTableMixin
from django_tables2.export import ExportMixin

from apps.core.crud import StaffPermissionMixin
from apps.core.forms import style_form
from apps.core.models import today

from . import selectors
from .expiry import BAND_CSS, Band, Thresholds, band_for
from .models import ZONE_COLOURS, Lot, MoveType, Warehouse, Zone

VIEW_STOCK = "inventory.view_stockbalance"
VIEW_MOVES = "inventory.view_stockmove"
# A ledger or turnover range longer than this is a typing mistake (and a slow query).
MAX_RANGE_DAYS = 3 * 366


# ---------------------------------------------------------------------------- cells


def band_badge(band: str):
    band = Band(band)
    return format_html('<span class="badge text-bg-{}">{}</span>', BAND_CSS[band], band.label)


def trace_link(lot_id: int, text):
    return format_html('<a href="{}">{}</a>', reverse("inventory:lot_trace", args=[lot_id]), text)


def location_badge(location):
    return format_html(
        '<span class="badge text-bg-{}" title="{}">{}</span>',
        ZONE_COLOURS.get(location.zone, "secondary"),
        location.get_zone_display(),
        location,
    )


def product_cell(code, name):
    return format_html('{} <span class="text-muted">{}</span>', code, name)


TABLE_ATTRS = {"class": "table table-sm table-hover align-middle"}
NUMERIC = {"td": {"class": "text-end"}, "th": {"class": "text-end"}}


def number_column(verbose_name, **kwargs):
    return tables.Column(verbose_name=verbose_name, attrs=NUMERIC, **kwargs)


# ---------------------------------------------------------------------------- forms


class ReportForm(forms.Form):
    """A filter form; `defaults()` fills the fields the query string leaves out."""

    @classmethod
    def defaults(cls) -> dict[str, str]:
        return {}

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if start > end:
                raise forms.ValidationError(
                    _("The start date %(start)s is after the end date %(end)s.")
                    % {"start": start, "end": end}
                )
            if (end - start).days > MAX_RANGE_DAYS:
                raise forms.ValidationError(
                    _("Choose a range of at most %(days)s days.") % {"days": MAX_RANGE_DAYS}
                )
        return data


def _search_field():
    return forms.CharField(
        label=gettext_lazy("Product"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("Code, name, specification or mnemonic"),
    )


def _warehouse_field():
    return forms.ModelChoiceField(
        label=gettext_lazy("Warehouse"),
        queryset=Warehouse.objects.filter(is_active=True),
        required=False,
        empty_label=gettext_lazy("All warehouses"),
    )


def _band_field():
    return forms.ChoiceField(
        label=gettext_lazy("Expiry band"),
        choices=[("", gettext_lazy("All bands")), *Band.choices],
        required=False,
    )


def _date(label, required=True):
    return forms.DateField(label=label, required=required, widget=forms.DateInput)


class StockFilterForm(ReportForm):
    q = _search_field()
    warehouse = _warehouse_field()
    zone = forms.ChoiceField(
        label=gettext_lazy("Zone"),
        choices=[("", gettext_lazy("All zones")), *Zone.choices],
        required=False,
    )
    band = _band_field()


class ExpiryFilterForm(ReportForm):
    q = _search_field()
    warehouse = _warehouse_field()
    zone = forms.MultipleChoiceField(
        label=gettext_lazy("Zones"), choices=Zone.choices, required=False
    )
    band = _band_field()


class LedgerFilterForm(ReportForm):
    date_from = _date(gettext_lazy("From"))
    date_to = _date(gettext_lazy("To"))
    q = _search_field()
    batch = forms.CharField(label=gettext_lazy("Batch number"), required=False, max_length=50)

    @classmethod
    def defaults(cls):
        day = today()
        return {"date_from": day.replace(day=1).isoformat(), "date_to": day.isoformat()}


class MoveFilterForm(ReportForm):
    date_from = _date(gettext_lazy("From"), required=False)
    date_to = _date(gettext_lazy("To"), required=False)
    q = _search_field()
    batch = forms.CharField(label=gettext_lazy("Batch number"), required=False, max_length=50)
    move_type = forms.ChoiceField(
        label=gettext_lazy("Type"),
        choices=[("", gettext_lazy("All types")), *MoveType.choices],
        required=False,
    )
    document = forms.CharField(label=gettext_lazy("Document number"), required=False, max_length=40)


class MinMaxFilterForm(ReportForm):
    q = _search_field()
    warehouse = _warehouse_field()
    level = forms.ChoiceField(
        label=gettext_lazy("Alert"),
        choices=[
            ("", gettext_lazy("Below minimum or above maximum")),
            (selectors.StockLevel.BELOW, gettext_lazy("Below minimum")),
            (selectors.StockLevel.ABOVE, gettext_lazy("Above maximum")),
        ],
        required=False,
    )


class TurnoverFilterForm(ReportForm):
    date_from = _date(gettext_lazy("From"))
    date_to = _date(gettext_lazy("To"))
    q = _search_field()
    idle_days = forms.IntegerField(
        label=gettext_lazy("Slow movers: no issue for (days)"),
        required=False,
        min_value=1,
        max_value=3650,
    )

    @classmethod
    def defaults(cls):
        day = today()
        return {
            "date_from": (day - datetime.timedelta(days=89)).isoformat(),
            "date_to": day.isoformat(),
        }


# ---------------------------------------------------------------------------- tables


class StockTable(tables.Table):
    product = tables.Column(
        verbose_name=gettext_lazy("product"),
        accessor="product__code",
        order_by=("product__code", "expiry_date"),
    )
    spec = tables.Column(verbose_name=gettext_lazy("specification"), accessor="product__spec")
    batch = tables.Column(verbose_name=gettext_lazy("batch number"), accessor="lot__batch_number")
    serial = tables.Column(
        verbose_name=gettext_lazy("serial number"), accessor="lot__serial_number"
    )
    expiry = tables.Column(verbose_name=gettext_lazy("expiry date"), accessor="expiry_date")
    location = tables.Column(
        verbose_name=gettext_lazy("location"),
        accessor="location",
        order_by=("location__warehouse__code", "location__code"),
    )
    zone = tables.Column(verbose_name=gettext_lazy("zone"), accessor="location__zone")
    on_hand = number_column(gettext_lazy("on hand"))
    reserved = number_column(gettext_lazy("reserved"))
    available = number_column(gettext_lazy("available"))

    class Meta:
        attrs = TABLE_ATTRS
        order_by = ("product", "expiry")
        exclude = ()

    def render_product(self, record):
        return product_cell(record.product.code, record.product.name)

    def value_product(self, record):
        return f"{record.product.code} {record.product.name}"

    def render_batch(self, record, value):
        return trace_link(record.lot_id, value)

    def value_batch(self, value):
        return value

    def render_expiry(self, record, value):
        return format_html(
            '<span class="badge text-bg-{}">{}</span>', BAND_CSS[Band(record.band)], value
        )

    def value_expiry(self, value):
        return value

    def render_location(self, value):
        return location_badge(value)

    def value_location(self, value):
        return str(value)

    def value_zone(self, record):
        return record.location.get_zone_display()


class ExpiryTable(tables.Table):
    product = tables.Column(
        verbose_name=gettext_lazy("product"),
        accessor="product__code",
        order_by=("product__code", "expiry_date"),
    )
    spec = tables.Column(verbose_name=gettext_lazy("specification"), accessor="product__spec")
    batch = tables.Column(verbose_name=gettext_lazy("batch number"), accessor="lot__batch_number")
    expiry = tables.Column(verbose_name=gettext_lazy("expiry date"), accessor="expiry_date")
    days_left = tables.Column(
        verbose_name=gettext_lazy("days left"),
        accessor="expiry_date",
        order_by=("expiry_date",),
        attrs=NUMERIC,
    )
    band = tables.Column(verbose_name=gettext_lazy("band"), order_by=("expiry_date",))
    location = tables.Column(
        verbose_name=gettext_lazy("location"),
        accessor="location",
        order_by=("location__warehouse__code", "location__code"),
    )
    on_hand = number_column(gettext_lazy("quantity"))
    price = number_column(
        gettext_lazy("national wholesale price"),
        accessor="product__national_wholesale_price",
    )
    amount = number_column(gettext_lazy("amount"))

    class Meta:
        attrs = TABLE_ATTRS
        row_attrs = {"class": lambda record: f"band-{record.band}"}
        order_by = ("expiry",)

    def __init__(self, *args, on_date=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.on_date = on_date or today()

    def render_product(self, record):
        return product_cell(record.product.code, record.product.name)

    def value_product(self, record):
        return f"{record.product.code} {record.product.name}"

    def render_batch(self, record, value):
        return trace_link(record.lot_id, value)

    def value_batch(self, value):
        return value

    def render_days_left(self, value):
        return (value - self.on_date).days

    def value_days_left(self, value):
        return (value - self.on_date).days

    def render_band(self, value):
        return band_badge(value)

    def value_band(self, value):
        return str(Band(value).label)

    def render_location(self, value):
        return location_badge(value)

    def value_location(self, value):
        return str(value)

    def render_amount(self, value):
        return number_format(value, 2)

    def value_amount(self, value):
        return value


class LedgerTable(tables.Table):
    product_code = tables.Column(verbose_name=gettext_lazy("product"))
    product_spec = tables.Column(verbose_name=gettext_lazy("specification"))
    product_unit = tables.Column(verbose_name=gettext_lazy("unit"), orderable=False)
    batch_number = tables.Column(verbose_name=gettext_lazy("batch number"))
    serial_number = tables.Column(verbose_name=gettext_lazy("serial number"))
    expiry_date = tables.Column(verbose_name=gettext_lazy("expiry date"))
    opening = number_column(gettext_lazy("opening"))
    received = number_column(gettext_lazy("in"))
    issued = number_column(gettext_lazy("out"))
    closing = number_column(gettext_lazy("closing"))

    class Meta:
        attrs = TABLE_ATTRS

    def render_product_code(self, record):
        return product_cell(record["product_code"], record["product_name"])

    def value_product_code(self, record):
        return f"{record['product_code']} {record['product_name']}"

    def render_batch_number(self, record, value):
        return trace_link(record["lot_id"], value)

    def value_batch_number(self, value):
        return value


class MoveTable(tables.Table):
    created_at = tables.DateTimeColumn(verbose_name=gettext_lazy("time"), format="Y-m-d H:i")
    move_type = tables.Column(verbose_name=gettext_lazy("type"))
    product = tables.Column(
        verbose_name=gettext_lazy("product"), accessor="product__code", order_by=("product__code",)
    )
    batch = tables.Column(verbose_name=gettext_lazy("batch number"), accessor="lot__batch_number")
    from_location = tables.Column(verbose_name=gettext_lazy("from"), orderable=False)
    to_location = tables.Column(verbose_name=gettext_lazy("to"), orderable=False)
    quantity = number_column(gettext_lazy("quantity"))
    source_number = tables.Column(verbose_name=gettext_lazy("document"))
    user = tables.Column(verbose_name=gettext_lazy("user"), orderable=False)

    class Meta:
        attrs = TABLE_ATTRS

    def render_product(self, record):
        return product_cell(record.product.code, record.product.name)

    def value_product(self, record):
        return f"{record.product.code} {record.product.name}"

    def render_batch(self, record, value):
        return trace_link(record.lot_id, value)

    def value_batch(self, value):
        return value

    def value_created_at(self, value):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")

    def render_source_number(self, record, value):
        url = selectors.source_url(record.source_type, record.source_id)
        return format_html('<a href="{}">{}</a>', url, value) if url else value

    def value_source_number(self, value):
        return value


class MinMaxTable(tables.Table):
    code = tables.Column(verbose_name=gettext_lazy("product code"))
    name = tables.Column(verbose_name=gettext_lazy("name"))
    spec = tables.Column(verbose_name=gettext_lazy("specification"))
    unit = tables.Column(verbose_name=gettext_lazy("unit"), orderable=False)
    min_stock = number_column(gettext_lazy("minimum stock"))
    max_stock = number_column(gettext_lazy("maximum stock"))
    stock = number_column(gettext_lazy("on hand (qualified)"))
    alert = tables.Column(verbose_name=gettext_lazy("alert"), empty_values=(), orderable=False)

    class Meta:
        attrs = TABLE_ATTRS

    @staticmethod
    def alert_text(record) -> tuple[str, str]:
        if record.min_stock is not None and record.stock < record.min_stock:
            return "danger", _("%(n)s below minimum") % {"n": record.min_stock - record.stock}
        return "warning", _("%(n)s above maximum") % {"n": record.stock - record.max_stock}

    def render_alert(self, record):
        colour, text = self.alert_text(record)
        return format_html('<span class="badge text-bg-{}">{}</span>', colour, text)

    def value_alert(self, record):
        return self.alert_text(record)[1]


class TurnoverTable(tables.Table):
    product_code = tables.Column(verbose_name=gettext_lazy("product"))
    product_spec = tables.Column(verbose_name=gettext_lazy("specification"))
    product_unit = tables.Column(verbose_name=gettext_lazy("unit"), orderable=False)
    opening = number_column(gettext_lazy("opening"))
    closing = number_column(gettext_lazy("closing"))
    average_stock = number_column(gettext_lazy("average stock"))
    issued = number_column(gettext_lazy("issued"))
    turnover = number_column(gettext_lazy("turnover"))
    on_hand = number_column(gettext_lazy("on hand now"))
    last_issue = tables.Column(verbose_name=gettext_lazy("last issue"))
    idle_days = number_column(
        gettext_lazy("days since last issue"), accessor="last_issue", order_by=("-last_issue",)
    )

    class Meta:
        attrs = TABLE_ATTRS

    def __init__(self, *args, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()

    def render_product_code(self, record):
        return product_cell(record["product_code"], record["product_name"])

    def value_product_code(self, record):
        return f"{record['product_code']} {record['product_name']}"

    def render_average_stock(self, value):
        return number_format(value, 1)

    def render_turnover(self, value):
        return number_format(value, 2)

    def render_last_issue(self, value):
        return timezone.localtime(value).strftime("%Y-%m-%d")

    def value_last_issue(self, value):
        return timezone.localtime(value).strftime("%Y-%m-%d")

    def render_idle_days(self, value):
        return (self.now - value).days

    def value_idle_days(self, value):
        return (self.now - value).days


# ---------------------------------------------------------------------------- views


class ReportView(StaffPermissionMixin, ExportMixin, SingleTableMixin, generic.TemplateView):
    """A filtered, sorted, paginated report table with an Excel export of every row."""

    template_name = "inventory/reports/report.html"
    form_class: type[ReportForm] = ReportForm
    title = ""
    intro = ""
    export_formats = ("xlsx",)
    export_name = "report"
    paginate_by = 25

    def get_form(self) -> ReportForm:
        if not hasattr(self, "_form"):
            data = self.request.GET.copy()
            for key, value in self.form_class.defaults().items():
                data.setdefault(key, value)
            self._form = style_form(self.form_class(data))
        return self._form

    def get_table_data(self):
        form = self.get_form()
        if not form.is_valid():
            return []
        return self.rows(form.cleaned_data)

    def rows(self, data: dict):
        raise NotImplementedError

    def get_table_pagination(self, table):
        return {"per_page": self.paginate_by}

    def get_export_filename(self, export_format):
        return f"{self.export_name}-{today().isoformat()}.{export_format}"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(form=self.get_form(), title=self.title, intro=self.intro)
        return ctx


class StockReportView(ReportView):
    permission_required = VIEW_STOCK
    table_class = StockTable
    title = gettext_lazy("Stock by lot and location")
    export_name = "stock-by-lot"
    form_class = StockFilterForm

    def rows(self, data):
        return selectors.stock_by_lot(
            search=data["q"],
            warehouse=data["warehouse"],
            zones=[data["zone"]],
            band=data["band"],
        )

    def get_table_kwargs(self):
        # The zone is a colour badge on the page but its own column in the workbook.
        if self.request.GET.get(self.export_trigger_param):
            return {}
        return {"exclude": ("zone",)}


class KnownCountPaginator(Paginator):
    """A paginator told its row count (from the band totals) instead of running COUNT."""

    def __init__(self, object_list, per_page, *, known_count: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.known_count = known_count

    @property
    def count(self) -> int:
        return self.known_count


class ExpiryReportView(ReportView):
    permission_required = VIEW_STOCK
    table_class = ExpiryTable
    template_name = "inventory/reports/expiry.html"
    title = gettext_lazy("Expiry colour bands")
    intro = gettext_lazy(
        "Amount = national wholesale price × quantity. Thresholds come from the company settings."
    )
    export_name = "expiry-bands"
    form_class = ExpiryFilterForm

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.on_date = today()
        self._thresholds = None

    @property
    def thresholds(self) -> Thresholds:
        if self._thresholds is None:
            self._thresholds = Thresholds.current()
        return self._thresholds

    def rows(self, data):
        return selectors.stock_by_lot(
            search=data["q"],
            warehouse=data["warehouse"],
            zones=data["zone"],
            band=data["band"],
            on_date=self.on_date,
            thresholds=self.thresholds,
        )

    def get_table_kwargs(self):
        return {"on_date": self.on_date}

    @cached_property
    def totals(self) -> list[selectors.BandTotal] | None:
        form = self.get_form()
        if not form.is_valid():
            return None
        data = form.cleaned_data
        return selectors.band_totals(
            search=data["q"],
            warehouse=data["warehouse"],
            zones=data["zone"],
            on_date=self.on_date,
            thresholds=self.thresholds,
            # The cards count the report's rows (lot × location), like the table below.
            count_lots=False,
        )

    def get_table_pagination(self, table):
        pagination = super().get_table_pagination(table)
        if self.totals is not None:
            band = self.get_form().cleaned_data["band"]
            pagination["paginator_class"] = KnownCountPaginator
            pagination["known_count"] = sum(
                t.rows for t in self.totals if not band or t.band == band
            )
        return pagination

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = self.get_form()
        if form.is_valid():
            data = form.cleaned_data
            totals = self.totals
            query = self.request.GET.copy()
            query.pop("page", None)
            for total in totals:
                query["band"] = total.band.value
                total.url = f"?{query.urlencode()}"
            ctx["totals"] = totals
            ctx["selected_band"] = data["band"]
        ctx["thresholds"] = self.thresholds
        return ctx


class BatchLedgerView(ReportView):
    permission_required = VIEW_MOVES
    table_class = LedgerTable
    title = gettext_lazy("Batch ledger")
    intro = gettext_lazy(
        "Opening, in, out and closing of each lot over the period; transfers between "
        "locations do not change a lot's total."
    )
    export_name = "batch-ledger"
    form_class = LedgerFilterForm

    def rows(self, data):
        return selectors.batch_ledger(
            date_from=data["date_from"],
            date_to=data["date_to"],
            search=data["q"],
            batch=data["batch"],
        )


class MoveListView(ReportView):
    permission_required = VIEW_MOVES
    table_class = MoveTable
    title = gettext_lazy("Stock movements")
    export_name = "stock-moves"
    form_class = MoveFilterForm

    def rows(self, data):
        return selectors.move_list(
            date_from=data["date_from"],
            date_to=data["date_to"],
            search=data["q"],
            batch=data["batch"],
            move_type=data["move_type"],
            document=data["document"],
        )


class MinMaxReportView(ReportView):
    permission_required = VIEW_STOCK
    table_class = MinMaxTable
    title = gettext_lazy("Min/max stock alerts")
    intro = gettext_lazy(
        "Products whose stock in the qualified zone is below the minimum or above the "
        "maximum set on the product."
    )
    export_name = "minmax-alerts"
    form_class = MinMaxFilterForm

    def rows(self, data):
        return selectors.minmax_alerts(
            search=data["q"], warehouse=data["warehouse"], level=data["level"]
        )


class SlowMoversView(ReportView):
    permission_required = VIEW_MOVES
    table_class = TurnoverTable
    title = gettext_lazy("Slow movers and turnover")
    intro = gettext_lazy(
        "Issued = shipped to customers in the period; average stock = (opening + closing) "
        "/ 2; turnover = issued / average stock."
    )
    export_name = "turnover"
    form_class = TurnoverFilterForm

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.now = timezone.now()

    def rows(self, data):
        return selectors.turnover(
            date_from=data["date_from"],
            date_to=data["date_to"],
            search=data["q"],
            idle_days=data["idle_days"],
            now=self.now,
        )

    def get_table_kwargs(self):
        return {"now": self.now}


class LotTraceView(StaffPermissionMixin, generic.TemplateView):
    """Recall trace of one lot: receipts it came from, shipments it went to."""

    permission_required = VIEW_MOVES
    template_name = "inventory/reports/lot_trace.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        lot = get_object_or_404(Lot.objects.select_related("product"), pk=self.kwargs["pk"])
        trace = selectors.lot_trace(lot=lot)
        band = band_for(lot.expiry_date)
        ctx.update(
            lot=lot,
            trace=trace,
            band=band,
            band_css=BAND_CSS[band],
            moves_url=reverse("inventory:move_list")
            + "?"
            + urlencode({"q": lot.product.code, "batch": lot.batch_number}),
        )
        return ctx
