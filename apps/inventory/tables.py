"""Tables of the inventory operation pages. Rows read only joined or annotated data."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from apps.core.tables import badge

from .expiry import BAND_CSS, Band
from .models import (
    ZONE_COLOURS,
    HoldStatus,
    Location,
    LossReport,
    LossStatus,
    Lot,
    LotHold,
    Stocktake,
    StocktakeStatus,
    Warehouse,
)

TABLE_ATTRS = {"class": "table table-sm table-hover align-middle"}
NUMBER = {"td": {"class": "text-end text-nowrap"}, "th": {"class": "text-end"}}

LOSS_BADGES = {
    LossStatus.DRAFT: "secondary",
    LossStatus.SUBMITTED: "warning",
    LossStatus.QUALITY_APPROVED: "info",
    LossStatus.APPROVED: "success",
    LossStatus.REJECTED: "danger",
}
HOLD_BADGES = {
    HoldStatus.ACTIVE: "danger",
    HoldStatus.RELEASED: "success",
    HoldStatus.NONCONFORMING: "dark",
}
STOCKTAKE_BADGES = {
    StocktakeStatus.COUNTING: "warning",
    StocktakeStatus.SUBMITTED: "info",
    StocktakeStatus.APPROVED: "success",
    StocktakeStatus.CANCELLED: "secondary",
}


def band_badge(band: str | None, text) -> str:
    if not band:
        return text
    return format_html(
        '<span class="badge text-bg-{} band-{}" title="{}">{}</span>',
        BAND_CSS[Band(band)],
        band,
        Band(band).label,
        text,
    )


def zone_badge(location) -> str:
    return badge(location.get_zone_display(), ZONE_COLOURS.get(location.zone, "secondary"))


class StatusColumn(tables.Column):
    """A status as a coloured badge; the export gets the label."""

    def __init__(self, badges, **kwargs):
        self.badges = badges
        super().__init__(**kwargs)

    def render(self, value, record):
        return badge(record.get_status_display(), self.badges.get(record.status, "light"))

    def value(self, value, record):
        return str(record.get_status_display())


def _datetime(value):
    return date_format(localtime(value), "Y-m-d H:i") if value else "—"


class WarehouseTable(tables.Table):
    code = tables.Column(linkify=True)
    name = tables.Column(linkify=True)
    location_count = tables.Column(verbose_name=_("locations"), attrs=NUMBER)
    is_active = tables.BooleanColumn()

    class Meta:
        model = Warehouse
        fields = ("code", "name", "address", "location_count", "is_active")
        attrs = TABLE_ATTRS


class LocationTable(tables.Table):
    warehouse = tables.Column(accessor="warehouse__code", verbose_name=_("warehouse"))
    code = tables.Column(linkify=True)
    zone = tables.Column()
    is_controlled_area = tables.BooleanColumn()
    is_active = tables.BooleanColumn()

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
        attrs = TABLE_ATTRS

    def render_zone(self, value, record):
        return zone_badge(record)

    def value_zone(self, value, record):
        return str(record.get_zone_display())


class LotTable(tables.Table):
    product_code = tables.Column(accessor="product__code", verbose_name=_("product code"))
    product = tables.Column(
        accessor="product__name", verbose_name=_("product"), order_by=("product__name",)
    )
    spec = tables.Column(accessor="product__spec", verbose_name=_("specification"))
    batch_number = tables.Column(linkify=True)
    expiry_date = tables.Column()
    on_hand = tables.Column(verbose_name=_("on hand"), attrs=NUMBER)
    reserved = tables.Column(verbose_name=_("reserved"), attrs=NUMBER)
    is_frozen = tables.BooleanColumn()

    class Meta:
        model = Lot
        fields = (
            "product_code",
            "product",
            "spec",
            "batch_number",
            "serial_number",
            "production_date",
            "expiry_date",
            "on_hand",
            "reserved",
            "is_frozen",
        )
        attrs = TABLE_ATTRS
        row_attrs = {"class": lambda record: "table-danger" if record.is_frozen else ""}

    def render_expiry_date(self, value, record):
        return band_badge(record.band, value.isoformat())

    def value_expiry_date(self, value, record):
        return value.isoformat()

    def render_on_hand(self, value):
        return value or 0

    render_reserved = render_on_hand


class LotBalanceTable(tables.Table):
    """Balances of one lot (lot detail) or of one location (location detail)."""

    location = tables.Column(linkify=True, order_by=("location__code",))
    zone = tables.Column(accessor="location__zone", verbose_name=_("zone"))
    lot = tables.Column(linkify=True, order_by=("lot__batch_number",))
    product = tables.Column(
        accessor="lot__product__name", verbose_name=_("product"), orderable=False
    )
    expiry = tables.Column(
        accessor="lot__expiry_date", verbose_name=_("expiry date"), attrs={"td": {"class": ""}}
    )
    on_hand = tables.Column(attrs=NUMBER)
    reserved = tables.Column(attrs=NUMBER)
    available = tables.Column(verbose_name=_("available"), attrs=NUMBER, orderable=False)
    transfer = tables.TemplateColumn(
        template_name="inventory/ops/includes/transfer_link.html",
        verbose_name="",
        orderable=False,
        exclude_from_export=True,
    )

    class Meta:
        attrs = TABLE_ATTRS
        fields = ()
        sequence = (
            "location",
            "zone",
            "lot",
            "product",
            "expiry",
            "on_hand",
            "reserved",
            "available",
            "transfer",
        )

    def render_zone(self, value, record):
        return zone_badge(record.location)

    def render_expiry(self, value, record):
        return band_badge(record.band, value.isoformat())

    def render_lot(self, value, record):
        frozen = badge(_("Stopped"), "danger") if record.lot.is_frozen else ""
        return format_html("{} {}", record.lot.batch_number, frozen)


class MoveTable(tables.Table):
    created_at = tables.Column(verbose_name=_("time"))
    move_type = tables.Column()
    from_location = tables.Column()
    to_location = tables.Column()
    quantity = tables.Column(attrs=NUMBER)
    source_number = tables.Column()
    user = tables.Column()
    second_user = tables.Column()

    class Meta:
        attrs = TABLE_ATTRS
        fields = ()
        sequence = (
            "created_at",
            "move_type",
            "from_location",
            "to_location",
            "quantity",
            "source_number",
            "user",
            "second_user",
        )

    def render_created_at(self, value):
        return _datetime(value)


class LotHoldTable(tables.Table):
    number = tables.Column(linkify=True)
    lot = tables.Column(order_by=("lot__product__code", "lot__batch_number"))
    product = tables.Column(accessor="lot__product__name", verbose_name=_("product"))
    status = StatusColumn(HOLD_BADGES)
    created_at = tables.Column(verbose_name=_("stopped at"))
    resolved_at = tables.Column()

    class Meta:
        model = LotHold
        fields = (
            "number",
            "lot",
            "product",
            "reason",
            "status",
            "stopped_by",
            "created_at",
            "resolved_by",
            "resolved_at",
        )
        attrs = TABLE_ATTRS

    def render_created_at(self, value):
        return _datetime(value)

    render_resolved_at = render_created_at


class LossReportTable(tables.Table):
    number = tables.Column(linkify=True)
    warehouse = tables.Column(accessor="warehouse__code", verbose_name=_("warehouse"))
    status = StatusColumn(LOSS_BADGES)
    line_count = tables.Column(verbose_name=_("lines"), attrs=NUMBER)
    total_quantity = tables.Column(verbose_name=_("quantity"), attrs=NUMBER)
    created_at = tables.Column(verbose_name=_("prepared at"))

    class Meta:
        model = LossReport
        fields = (
            "number",
            "warehouse",
            "status",
            "reason",
            "line_count",
            "total_quantity",
            "created_by",
            "created_at",
            "quality_by",
            "manager_by",
        )
        attrs = TABLE_ATTRS

    def render_created_at(self, value):
        return _datetime(value)


class StocktakeTable(tables.Table):
    number = tables.Column(linkify=True)
    warehouse = tables.Column(accessor="warehouse__code", verbose_name=_("warehouse"))
    status = StatusColumn(STOCKTAKE_BADGES)
    line_count = tables.Column(verbose_name=_("lines"), attrs=NUMBER)
    counted_count = tables.Column(verbose_name=_("counted"), attrs=NUMBER)
    created_at = tables.Column(verbose_name=_("started at"))

    class Meta:
        model = Stocktake
        fields = (
            "number",
            "warehouse",
            "status",
            "line_count",
            "counted_count",
            "created_by",
            "created_at",
            "approved_by",
            "approved_at",
        )
        attrs = TABLE_ATTRS

    def render_created_at(self, value):
        return _datetime(value)

    render_approved_at = render_created_at
