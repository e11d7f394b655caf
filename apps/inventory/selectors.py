"""Read-only queries behind the inventory reports and the expiry dashboard panel.

Every report is one (or a fixed few) SQL queries whatever the number of lots: bands come
from the SQL `CASE` of `expiry.band_annotation`, ledgers are conditional `SUM ... FILTER`
aggregates over the stock moves. "Today" and the band thresholds are read once per call.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Max,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, NullIf
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from apps.catalog.models import Product
from apps.core.models import today

from .expiry import (
    BAND_CSS,
    BAND_ORDER,
    Band,
    Thresholds,
    band_annotation,
    band_boundaries,
    band_q,
)
from .models import (
    INBOUND_TYPES,
    OUTBOUND_TYPES,
    Lot,
    MoveType,
    StockBalance,
    StockMove,
    Zone,
)

# Zones whose stock counts as "ours to sell or decide on" on the dashboard.
PANEL_ZONES = (Zone.PENDING, Zone.QUALIFIED, Zone.RETURNS)
MONEY = DecimalField(max_digits=18, decimal_places=2)
INBOUND = sorted(INBOUND_TYPES)
OUTBOUND = sorted(OUTBOUND_TYPES)


def day_start(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of `day` in the company's time zone (Asia/Shanghai)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def source_url(source_type: str, source_id: int | None) -> str:
    """The page of a move's source document ("purchasing.receipt" -> receipt_detail), or ""
    when that app has no such page (yet)."""
    if not source_type or source_id is None or "." not in source_type:
        return ""
    app_label, model_name = source_type.split(".", 1)
    try:
        return reverse(f"{app_label}:{model_name}_detail", args=[source_id])
    except NoReverseMatch:
        return ""


def _product_search(value: str, prefix: str = "product__") -> Q:
    value = (value or "").strip()
    if not value:
        return Q()
    return (
        Q(**{f"{prefix}code__icontains": value})
        | Q(**{f"{prefix}name__icontains": value})
        | Q(**{f"{prefix}spec__icontains": value})
        | Q(**{f"{prefix}mnemonic__icontains": value})
    )


# ---------------------------------------------------------------------------- stock


def stock_by_lot(
    *,
    search: str = "",
    warehouse=None,
    zones: Iterable[str] = (),
    band: str = "",
    on_date: datetime.date | None = None,
    thresholds: Thresholds | None = None,
) -> QuerySet[StockBalance]:
    """Balances with stock on hand, each with its lot, product, location and band.

    Filtering by band is a range on the lot's expiry date (the same bounds as the `CASE`),
    so the expiry index serves it.
    """
    on_date = on_date or today()
    thresholds = thresholds or Thresholds.current()
    qs = StockBalance.objects.filter(on_hand__gt=0)
    if search:
        qs = qs.filter(
            _product_search(search)
            | Q(lot__batch_number__icontains=search.strip())
            | Q(lot__serial_number__icontains=search.strip())
        )
    if warehouse is not None:
        qs = qs.filter(location__warehouse=warehouse)
    zones = [z for z in zones if z]
    if zones:
        qs = qs.filter(location__zone__in=zones)
    if band:
        qs = qs.filter(band_q(band, on_date=on_date, thresholds=thresholds))
    return qs.select_related("lot", "product", "location__warehouse").annotate(
        band=band_annotation(on_date=on_date, thresholds=thresholds),
        amount=ExpressionWrapper(
            F("product__national_wholesale_price") * F("on_hand"), output_field=MONEY
        ),
    )


@dataclass
class BandTotal:
    band: Band
    lots: int = 0
    quantity: int = 0
    amount: Decimal = Decimal("0")
    # Balance rows (lot × location): the report's row count, so it needs no COUNT query.
    rows: int = 0

    @property
    def css(self) -> str:
        return BAND_CSS[self.band]


def band_totals(
    *,
    search: str = "",
    warehouse=None,
    zones: Iterable[str] = (),
    on_date: datetime.date | None = None,
    thresholds: Thresholds | None = None,
    count_lots: bool = True,
) -> list[BandTotal]:
    """Lots, quantity and amount (national wholesale price × quantity) per band, in one
    query, for the same filters as `stock_by_lot` (all bands, so the user can pick one).

    Counting distinct lots sorts every balance and costs about twice the rest of the
    query on 200,000 lots; the colour-band report counts its rows (lot × location)
    instead (`count_lots=False`, `lots` left 0), the dashboard counts lots."""
    on_date = on_date or today()
    thresholds = thresholds or Thresholds.current()
    bounds = band_boundaries(on_date=on_date, thresholds=thresholds)
    # One row of conditional aggregates (FILTER) rather than GROUP BY on the CASE: the
    # grouping sorted every balance, which was most of the report's time.
    aggregates = {}
    for band in BAND_ORDER:
        condition = bounds[band]
        if count_lots:
            aggregates[f"{band.value}_lots"] = Count("lot_id", distinct=True, filter=condition)
        aggregates[f"{band.value}_rows"] = Count("id", filter=condition)
        aggregates[f"{band.value}_quantity"] = Sum("on_hand", filter=condition)
        aggregates[f"{band.value}_total"] = Sum(
            F("product__national_wholesale_price") * F("on_hand"),
            filter=condition,
            output_field=MONEY,
        )
    row = (
        stock_by_lot(
            search=search, warehouse=warehouse, zones=zones, on_date=on_date, thresholds=thresholds
        )
        .order_by()
        .aggregate(**aggregates)
    )
    totals = []
    for band in BAND_ORDER:
        totals.append(
            BandTotal(
                band=band,
                lots=row.get(f"{band.value}_lots") or 0,
                quantity=row[f"{band.value}_quantity"] or 0,
                amount=row[f"{band.value}_total"] or Decimal("0"),
                rows=row[f"{band.value}_rows"] or 0,
            )
        )
    return totals


def expiry_panel_totals() -> list[BandTotal]:
    """Dashboard: lots and value per band of the stock in pending, qualified and returns."""
    return band_totals(zones=PANEL_ZONES)


# ---------------------------------------------------------------------------- ledger


def _inbound(extra: Q | None = None) -> Coalesce:
    condition = Q(move_type__in=INBOUND) & (extra or Q())
    return Coalesce(Sum("quantity", filter=condition), 0, output_field=IntegerField())


def _outbound(extra: Q | None = None) -> Coalesce:
    condition = Q(move_type__in=OUTBOUND) & (extra or Q())
    return Coalesce(Sum("quantity", filter=condition), 0, output_field=IntegerField())


def batch_ledger(
    *,
    date_from: datetime.date,
    date_to: datetime.date,
    product=None,
    search: str = "",
    batch: str = "",
) -> QuerySet:
    """批号收发存: opening, in, out and closing of each lot over [date_from, date_to].

    One aggregate query over the moves up to the end of the range: the opening is the net
    of the moves before the range, in and out are the inbound and outbound moves inside
    it (internal transfers do not change a lot's total). Lots with nothing to show are
    left out.
    """
    start, end = day_start(date_from), day_start(date_to + datetime.timedelta(days=1))
    qs = StockMove.objects.filter(created_at__lt=end)
    if product is not None:
        qs = qs.filter(product=product)
    if search:
        qs = qs.filter(_product_search(search))
    if batch:
        qs = qs.filter(lot__batch_number__icontains=batch.strip())
    before, inside = Q(created_at__lt=start), Q(created_at__gte=start)
    return (
        qs.order_by()
        .values(
            "lot_id",
            "product_id",
            product_code=F("product__code"),
            product_name=F("product__name"),
            product_spec=F("product__spec"),
            product_unit=F("product__unit"),
            batch_number=F("lot__batch_number"),
            serial_number=F("lot__serial_number"),
            expiry_date=F("lot__expiry_date"),
        )
        .annotate(
            opening=_inbound(before) - _outbound(before),
            received=_inbound(inside),
            issued=_outbound(inside),
        )
        .annotate(closing=F("opening") + F("received") - F("issued"))
        .filter(~Q(opening=0) | ~Q(received=0) | ~Q(issued=0))
        .order_by("product_code", "expiry_date", "batch_number", "lot_id")
    )


def move_list(
    *,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    search: str = "",
    batch: str = "",
    move_type: str = "",
    document: str = "",
    lot=None,
) -> QuerySet[StockMove]:
    """Stock moves (批号收发明细) with everything a row shows, newest first."""
    qs = StockMove.objects.all()
    if date_from:
        qs = qs.filter(created_at__gte=day_start(date_from))
    if date_to:
        qs = qs.filter(created_at__lt=day_start(date_to + datetime.timedelta(days=1)))
    if search:
        qs = qs.filter(_product_search(search))
    if batch:
        qs = qs.filter(lot__batch_number__icontains=batch.strip())
    if move_type:
        qs = qs.filter(move_type=move_type)
    if document:
        qs = qs.filter(source_number__icontains=document.strip())
    if lot is not None:
        qs = qs.filter(lot=lot)
    return qs.select_related(
        "product", "lot", "from_location__warehouse", "to_location__warehouse", "user"
    ).order_by("-created_at", "-id")


# ---------------------------------------------------------------------------- min/max


class StockLevel:
    BELOW = "below"
    ABOVE = "above"


def minmax_alerts(*, search: str = "", warehouse=None, level: str = "") -> QuerySet[Product]:
    """Active products whose qualified stock is below their minimum or above their maximum."""
    in_stock = Q(balances__location__zone=Zone.QUALIFIED)
    if warehouse is not None:
        in_stock &= Q(balances__location__warehouse=warehouse)
    below = Q(min_stock__isnull=False, stock__lt=F("min_stock"))
    above = Q(max_stock__isnull=False, stock__gt=F("max_stock"))
    condition = {StockLevel.BELOW: below, StockLevel.ABOVE: above}.get(level, below | above)
    qs = (
        Product.objects.filter(is_active=True)
        .filter(Q(min_stock__isnull=False) | Q(max_stock__isnull=False))
        .filter(_product_search(search, prefix=""))
        .annotate(stock=Coalesce(Sum("balances__on_hand", filter=in_stock), 0))
        .filter(condition)
    )
    return qs.order_by("code")


# ---------------------------------------------------------------------------- turnover


def turnover(
    *,
    date_from: datetime.date,
    date_to: datetime.date,
    search: str = "",
    idle_days: int | None = None,
    now: datetime.datetime | None = None,
) -> QuerySet:
    """Per product over [date_from, date_to]: quantity issued to customers, average stock
    ((opening + closing) / 2), turnover (issued / average stock) and the last issue.

    With `idle_days`, only slow movers: stock on hand and no issue for that many days.
    One aggregate query over the moves.
    """
    now = now or timezone.now()
    start, end = day_start(date_from), day_start(date_to + datetime.timedelta(days=1))
    qs = StockMove.objects.all()
    if search:
        qs = qs.filter(_product_search(search))
    before_start, before_end = Q(created_at__lt=start), Q(created_at__lt=end)
    issue = Q(move_type=MoveType.ISSUE)
    qs = (
        qs.order_by()
        .values(
            "product_id",
            product_code=F("product__code"),
            product_name=F("product__name"),
            product_spec=F("product__spec"),
            product_unit=F("product__unit"),
        )
        .annotate(
            opening=_inbound(before_start) - _outbound(before_start),
            closing=_inbound(before_end) - _outbound(before_end),
            on_hand=_inbound() - _outbound(),
            issued=Coalesce(
                Sum("quantity", filter=issue & Q(created_at__gte=start, created_at__lt=end)),
                0,
                output_field=IntegerField(),
            ),
            last_issue=Max("created_at", filter=issue),
        )
        .annotate(
            average_stock=ExpressionWrapper(
                Cast(F("opening") + F("closing"), FloatField()) / Value(2.0),
                output_field=FloatField(),
            ),
        )
        .annotate(
            turnover=ExpressionWrapper(
                Cast(F("issued"), FloatField()) / NullIf(F("average_stock"), Value(0.0)),
                output_field=FloatField(),
            )
        )
        .filter(~Q(on_hand=0) | ~Q(issued=0) | ~Q(opening=0))
    )
    if idle_days is not None:
        cutoff = now - datetime.timedelta(days=idle_days)
        qs = qs.filter(on_hand__gt=0).filter(Q(last_issue__isnull=True) | Q(last_issue__lt=cutoff))
    return qs.order_by("product_code")


# ---------------------------------------------------------------------------- recall


# Higher apps (purchasing, sales) may register how to describe their source documents on
# the recall trace: source_type -> callable(list of source ids) -> {id: [(label, value)]}.
# The callable runs one query for all ids, so the trace stays constant in queries.
TraceDetails = Callable[[list[int]], dict[int, list[tuple[str, str]]]]
_TRACE_DETAILS: dict[str, TraceDetails] = {}


def register_trace_details(source_type: str, provider: TraceDetails) -> None:
    _TRACE_DETAILS[source_type] = provider


@dataclass
class TraceRow:
    move: StockMove
    url: str
    details: list[tuple[str, str]] = field(default_factory=list)


BACKWARD_TYPES = (MoveType.RECEIVE, MoveType.OPENING, MoveType.PURCHASE_RETURN)
FORWARD_TYPES = (MoveType.ISSUE, MoveType.SALES_RETURN)


@dataclass
class LotTrace:
    lot: Lot
    backward: list[TraceRow]
    forward: list[TraceRow]
    balances: list[StockBalance]

    @property
    def received(self) -> int:
        return sum(
            r.move.quantity for r in self.backward if r.move.move_type != MoveType.PURCHASE_RETURN
        )

    @property
    def issued(self) -> int:
        return sum(r.move.quantity for r in self.forward if r.move.move_type == MoveType.ISSUE)

    @property
    def on_hand(self) -> int:
        return sum(b.on_hand for b in self.balances)


def lot_trace(*, lot: Lot) -> LotTrace:
    """Recall trace of one lot: where it came from (receipts, opening stock, returns to the
    supplier) and where it went (shipments and customer returns), with document links."""
    moves = list(
        StockMove.objects.filter(lot=lot, move_type__in=BACKWARD_TYPES + FORWARD_TYPES)
        .select_related("from_location__warehouse", "to_location__warehouse", "user")
        .order_by("created_at", "id")
    )
    details: dict[tuple[str, int], list[tuple[str, str]]] = {}
    by_type: dict[str, set[int]] = {}
    for move in moves:
        if move.source_type in _TRACE_DETAILS and move.source_id is not None:
            by_type.setdefault(move.source_type, set()).add(move.source_id)
    for source_type, ids in by_type.items():
        for source_id, rows in _TRACE_DETAILS[source_type](sorted(ids)).items():
            details[(source_type, source_id)] = rows
    rows = [
        TraceRow(
            move=move,
            url=source_url(move.source_type, move.source_id),
            details=details.get((move.source_type, move.source_id), []),
        )
        for move in moves
    ]
    balances = list(
        StockBalance.objects.filter(lot=lot, on_hand__gt=0)
        .select_related("location__warehouse")
        .order_by("location__warehouse__code", "location__code")
    )
    return LotTrace(
        lot=lot,
        backward=[r for r in rows if r.move.move_type in BACKWARD_TYPES],
        forward=[r for r in rows if r.move.move_type in FORWARD_TYPES],
        balances=balances,
    )
