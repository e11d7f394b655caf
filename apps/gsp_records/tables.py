"""Columns of the derived GSP records, declared once for the page, the Excel export and
the PDF.

A `Col` reads one value from a row (`get`); `kind` says how it prints. `table_class()`
turns a list of columns into a django-tables2 table (the page and the export), and
`pdf_cells()` into the strings of a printed table.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import django_tables2 as tables
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.inventory.expiry import BAND_CSS, Band

from .retention import retention_until

TABLE_ATTRS = {"class": "table table-sm table-hover align-middle small"}
NUMERIC_ATTRS = {"td": {"class": "text-end"}, "th": {"class": "text-end"}}
CENT = Decimal("0.01")


class Kind:
    TEXT = "text"
    NUMBER = "number"
    MONEY = "money"  # 2 decimals
    PRICE = "price"  # 2 to 4 decimals
    DATE = "date"
    RETENTION = "retention"  # a date, or None for "forever"
    BAND = "band"


NUMERIC_KINDS = frozenset({Kind.NUMBER, Kind.MONEY, Kind.PRICE})


@dataclass(frozen=True)
class Col:
    key: str
    label: str
    get: Callable[[Any], Any]
    kind: str = Kind.TEXT
    pdf: bool = True  # printed in the PDF (every column is on the page and in Excel)

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS


def _price(value: Decimal) -> str:
    value = Decimal(value)
    if value == value.quantize(CENT):
        return f"{value:.2f}"
    return f"{value.normalize():f}"


def as_text(value, kind: str) -> str:
    """The printed form of a value (PDF cells and page cells)."""
    if kind == Kind.RETENTION:
        return value.isoformat() if value else gettext("forever (implantable)")
    if value is None or value == "":
        return ""
    if kind == Kind.MONEY:
        return f"{Decimal(value).quantize(CENT):.2f}"
    if kind == Kind.PRICE:
        return _price(value)
    if kind == Kind.BAND:
        return str(Band(value).label)
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def as_export(value, kind: str):
    """The Excel form: numbers and dates stay typed."""
    if kind in (Kind.RETENTION, Kind.BAND):
        return as_text(value, kind)
    if isinstance(value, datetime.datetime):
        return as_text(value, kind)
    if value is None:
        return ""
    return value


class ValueColumn(tables.Column):
    def __init__(self, col: Col):
        self.col = col
        super().__init__(
            verbose_name=col.label,
            accessor=tables.A("pk"),
            empty_values=(),
            orderable=False,
            attrs=NUMERIC_ATTRS if col.numeric else {},
        )

    def render(self, record):
        value = self.col.get(record)
        if self.col.kind == Kind.BAND:
            band = Band(value)
            return format_html(
                '<span class="badge text-bg-{}">{}</span>', BAND_CSS[band], band.label
            )
        if self.col.kind in (Kind.NUMBER, Kind.MONEY) and value not in (None, ""):
            return number_format(value, 2 if self.col.kind == Kind.MONEY else None)
        return as_text(value, self.col.kind)

    def value(self, record):
        return as_export(self.col.get(record), self.col.kind)


def table_class(name: str, columns: Sequence[Col]) -> type[tables.Table]:
    attrs: dict[str, Any] = {col.key: ValueColumn(col) for col in columns}
    attrs["Meta"] = type("Meta", (), {"attrs": TABLE_ATTRS})
    return type(name, (tables.Table,), attrs)


def pdf_cells(columns: Sequence[Col], rows) -> tuple[list[str], list[list[str]], frozenset]:
    """(headers, rows of strings, numeric column indexes) of the printed columns."""
    printed = [col for col in columns if col.pdf]
    return (
        [str(col.label) for col in printed],
        [[as_text(col.get(row), col.kind) for col in printed] for row in rows],
        frozenset(i for i, col in enumerate(printed) if col.numeric),
    )


# ---------------------------------------------------------------------------- values


def person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def local_date(moment):
    return timezone.localdate(moment) if moment else None


def batch(lot) -> str:
    return f"{lot.batch_number} / {lot.serial_number}" if lot.serial_number else lot.batch_number


def amount(quantity, price) -> Decimal:
    return (Decimal(quantity) * price).quantize(CENT)


def checks(acceptance) -> str:
    """The four acceptance checks in one cell: "appearance OK; packaging not OK; ..."."""
    ok, bad = gettext("OK"), gettext("not OK")
    items = (
        (gettext("appearance"), acceptance.appearance_ok),
        (gettext("packaging"), acceptance.packaging_ok),
        (gettext("labels"), acceptance.label_ok),
        (gettext("certificate"), acceptance.certificate_ok),
    )
    return gettext("; ").join(f"{label} {ok if passed else bad}" for label, passed in items)


def retention(product, lot, created_at):
    return retention_until(product, lot.expiry_date, local_date(created_at))


# ---------------------------------------------------------------------------- columns


def product_cols(product: Callable, *, registration=True, manufacturer=True, unit=False):
    cols = [
        Col("product", _("product name"), lambda r: product(r).name),
        Col("spec", _("model / specification"), lambda r: product(r).spec),
    ]
    if unit:
        cols.append(Col("unit", _("unit"), lambda r: product(r).unit))
    if registration:
        cols.append(
            Col(
                "registration",
                _("registration or filing no."),
                lambda r: product(r).registration_number,
            )
        )
    if manufacturer:
        cols.append(Col("manufacturer", _("manufacturer"), lambda r: product(r).manufacturer.name))
    return cols


def lot_cols(lot: Callable, *, production=True):
    cols = [Col("batch", _("batch / serial no."), lambda r: batch(lot(r)))]
    if production:
        cols.append(
            Col("production", _("production date"), lambda r: lot(r).production_date, Kind.DATE)
        )
    cols.append(Col("expiry", _("expiry date"), lambda r: lot(r).expiry_date, Kind.DATE))
    return cols


def retention_col(get: Callable) -> Col:
    return Col("retention", _("kept until"), get, Kind.RETENTION, pdf=False)


def conclusion_text(acceptance) -> str:
    return acceptance.get_conclusion_display()


PURCHASE_COLUMNS = (
    Col("date", _("arrival date"), lambda r: r.receipt.received_on, Kind.DATE),
    Col("number", _("receipt number"), lambda r: r.receipt.number),
    Col("supplier", _("supplier"), lambda r: r.receipt.supplier.name),
    *product_cols(lambda r: r.product, unit=True),
    *lot_cols(lambda r: r.lot),
    Col("quantity", _("quantity"), lambda r: r.quantity, Kind.NUMBER),
    Col("price", _("unit price"), lambda r: r.unit_price, Kind.PRICE),
    Col("amount", _("amount"), lambda r: r.amount, Kind.MONEY),
    retention_col(lambda r: retention(r.product, r.lot, r.receipt.created_at)),
)

ACCEPTANCE_COLUMNS = (
    Col("arrival", _("arrival date"), lambda r: r.receipt_line.receipt.received_on, Kind.DATE),
    Col("number", _("acceptance number"), lambda r: r.number),
    *product_cols(lambda r: r.receipt_line.product, unit=True, manufacturer=False),
    Col("manufacturer", _("manufacturer"), lambda r: r.receipt_line.product.manufacturer.name),
    Col("manufacturer_licence", _("manufacturer licence no."), lambda r: r.manufacturer_licence),
    *lot_cols(lambda r: r.receipt_line.lot),
    Col("supplier", _("supplier"), lambda r: r.receipt_line.receipt.supplier.name),
    Col("arrived", _("arrived quantity"), lambda r: r.receipt_line.quantity, Kind.NUMBER),
    Col("sample", _("sample quantity"), lambda r: r.sample_qty, Kind.NUMBER),
    Col("accepted", _("accepted quantity"), lambda r: r.accepted_qty, Kind.NUMBER),
    Col("rejected", _("rejected quantity"), lambda r: r.rejected_qty, Kind.NUMBER),
    Col("checks", _("quality and packaging"), checks),
    Col("conclusion", _("conclusion"), conclusion_text),
    Col("inspector", _("inspector"), lambda r: person(r.inspector)),
    Col("inspected_on", _("inspection date"), lambda r: r.inspected_on, Kind.DATE),
    retention_col(lambda r: retention(r.receipt_line.product, r.receipt_line.lot, r.created_at)),
)

REJECTION_COLUMNS = (
    Col("date", _("inspection date"), lambda r: r.acceptance.inspected_on, Kind.DATE),
    Col("number", _("report number"), lambda r: r.number),
    Col("supplier", _("supplier"), lambda r: r.acceptance.receipt_line.receipt.supplier.name),
    Col("receipt", _("receipt number"), lambda r: r.acceptance.receipt_line.receipt.number),
    *product_cols(lambda r: r.acceptance.receipt_line.product, registration=False),
    *lot_cols(lambda r: r.acceptance.receipt_line.lot),
    Col("sample", _("sample quantity"), lambda r: r.acceptance.sample_qty, Kind.NUMBER),
    Col("quantity", _("rejected quantity"), lambda r: r.quantity, Kind.NUMBER),
    Col(
        "amount",
        _("amount"),
        lambda r: amount(r.quantity, r.acceptance.receipt_line.unit_price),
        Kind.MONEY,
    ),
    Col("reason", _("findings"), lambda r: r.reason),
    Col("inspector", _("inspector"), lambda r: person(r.created_by)),
    retention_col(
        lambda r: retention(
            r.acceptance.receipt_line.product, r.acceptance.receipt_line.lot, r.created_at
        )
    ),
)


def check_conclusion(line) -> str:
    if line.checked_qty == line.quantity:
        return gettext("Passed")
    return gettext("Not checked")


OUTBOUND_CHECK_COLUMNS = (
    Col("date", _("check date"), lambda r: r.delivery.checked_at),
    Col("number", _("delivery number"), lambda r: r.delivery.number),
    Col("customer", _("customer"), lambda r: r.delivery.customer.name),
    *product_cols(lambda r: r.product, registration=False, manufacturer=True),
    *lot_cols(lambda r: r.lot, production=False),
    Col("quantity", _("quantity"), lambda r: r.quantity, Kind.NUMBER),
    Col("picker", _("picker"), lambda r: person(r.delivery.picked_by)),
    Col("checker", _("checker"), lambda r: person(r.delivery.checked_by)),
    Col("conclusion", _("conclusion"), check_conclusion),
    Col("note", _("remarks"), lambda r: r.delivery.check_note),
    retention_col(lambda r: retention(r.product, r.lot, r.delivery.created_at)),
)

SALES_COLUMNS = (
    Col("date", _("shipping date"), lambda r: r.shipped_on, Kind.DATE),
    Col("number", _("delivery number"), lambda r: r.delivery.number),
    Col("customer", _("customer"), lambda r: r.delivery.customer.name),
    *product_cols(lambda r: r.product, unit=True),
    *lot_cols(lambda r: r.lot, production=False),
    Col("quantity", _("quantity"), lambda r: r.quantity, Kind.NUMBER),
    Col("price", _("unit price"), lambda r: r.unit_price, Kind.PRICE),
    Col("amount", _("amount"), lambda r: r.amount, Kind.MONEY),
    retention_col(lambda r: retention(r.product, r.lot, r.delivery.created_at)),
)

EXPIRY_PUSH_COLUMNS = (
    Col("code", _("product code"), lambda r: r.product.code),
    Col("product", _("product name"), lambda r: r.product.name),
    Col("spec", _("model / specification"), lambda r: r.product.spec),
    Col("category", _("category"), lambda r: r.product.category.name),
    Col("unit", _("unit"), lambda r: r.product.unit),
    Col("quantity", _("quantity"), lambda r: r.on_hand, Kind.NUMBER),
    Col("location", _("storage location"), lambda r: str(r.location)),
    Col("batch", _("batch / serial no."), lambda r: batch(r.lot)),
    Col("expiry", _("expiry date"), lambda r: r.expiry_date, Kind.DATE),
    Col("days_left", _("days left"), lambda r: r.days_left, Kind.NUMBER),
    Col("band", _("band"), lambda r: r.band, Kind.BAND),
    Col("manufacturer", _("manufacturer"), lambda r: r.product.manufacturer.name),
)


def return_outcome(line) -> str:
    if not line.qualified_qty and not line.nonconforming_qty:
        return gettext("awaiting re-inspection")
    parts = [
        gettext("%(n)s back to qualified") % {"n": line.qualified_qty},
        gettext("%(n)s to nonconforming") % {"n": line.nonconforming_qty},
    ]
    if line.inspection_note:
        parts.append(line.inspection_note)
    return gettext("; ").join(parts)


RETURN_COLUMNS = (
    Col("date", _("return date"), lambda r: r.returned_on, Kind.DATE),
    Col("number", _("return number"), lambda r: r.sales_return.number),
    Col("customer", _("returning customer"), lambda r: r.sales_return.customer.name),
    Col("delivery", _("original delivery"), lambda r: r.sales_return.delivery.number),
    Col("order", _("original order"), lambda r: r.sales_return.delivery.order.number),
    *product_cols(lambda r: r.product, registration=False, unit=True),
    *lot_cols(lambda r: r.lot, production=False),
    Col("quantity", _("quantity"), lambda r: r.quantity, Kind.NUMBER),
    Col("reason", _("reason"), lambda r: r.sales_return.reason),
    Col("outcome", _("outcome"), return_outcome),
    Col("inspector", _("re-inspected by"), lambda r: person(r.inspected_by)),
    retention_col(lambda r: retention(r.product, r.lot, r.sales_return.created_at)),
)


def _review(who, when) -> str:
    if who is None:
        return ""
    return f"{person(who)} {as_text(local_date(when), Kind.DATE)}"


LOSS_LINE_COLUMNS = (
    *product_cols(lambda r: r.balance.product, registration=False, unit=True),
    Col("cost", _("unit cost"), lambda r: r.unit_cost, Kind.PRICE),
    Col("quantity", _("quantity"), lambda r: r.quantity, Kind.NUMBER),
    Col("amount", _("amount"), lambda r: amount(r.quantity, r.unit_cost), Kind.MONEY),
    *lot_cols(lambda r: r.balance.lot, production=False),
    Col("location", _("location"), lambda r: str(r.balance.location)),
)

LOSS_COLUMNS = (
    Col("date", _("date"), lambda r: local_date(r.report.created_at), Kind.DATE),
    Col("number", _("number"), lambda r: r.report.number),
    Col("status", _("status"), lambda r: r.report.get_status_display()),
    *LOSS_LINE_COLUMNS,
    Col("reason", _("reason (nonconformity)"), lambda r: r.report.reason),
    Col("created_by", _("prepared by"), lambda r: person(r.report.created_by)),
    Col(
        "quality", _("head of quality"), lambda r: _review(r.report.quality_by, r.report.quality_at)
    ),
    Col("manager", _("manager"), lambda r: _review(r.report.manager_by, r.report.manager_at)),
)
