"""Inventory reports: permissions, the numbers on a small hand-built data set, Excel
exports, query counts that do not grow with the rows, and the expiry dashboard panel."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.catalog.tests.factories import ProductFactory
from apps.core.models import today
from apps.core.tests.factories import user_with_role
from apps.inventory import selectors
from apps.inventory.expiry import Band
from apps.inventory.models import Lot, MoveType, StockMove, Zone
from apps.inventory.panels import expiry_bands_panel
from apps.inventory.services import (
    AllocationRequest,
    Source,
    allocate_fefo,
    stock_issue,
    stock_receive,
    stock_remove,
    stock_reserve,
    stock_transfer,
)

from .factories import LocationFactory, LotFactory, WarehouseFactory, put_stock

pytestmark = pytest.mark.django_db

STOCK_REPORTS = ["inventory:stock_report", "inventory:expiry_report", "inventory:minmax_report"]
MOVE_REPORTS = ["inventory:batch_ledger", "inventory:move_list", "inventory:slow_movers"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def days(n):
    return today() + datetime.timedelta(days=n)


def make_lot(product, batch, expiry_in_days):
    expiry = days(expiry_in_days)
    return LotFactory(
        product=product,
        batch_number=batch,
        expiry_date=expiry,
        production_date=expiry - datetime.timedelta(days=1000),
    )


def expire(lot, days_ago):
    """The lot expired while on the shelf (the service refuses to shelve expired stock)."""
    Lot.objects.filter(pk=lot.pk).update(expiry_date=days(-days_ago))
    lot.refresh_from_db()


def workbook_rows(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith(XLSX)
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


@pytest.fixture
def locations():
    wh = WarehouseFactory(code="WH1")
    other = WarehouseFactory(code="WH2", name="北京仓")
    return {
        "pending": LocationFactory(warehouse=wh, code="P1", zone=Zone.PENDING),
        "qualified": LocationFactory(warehouse=wh, code="Q1", zone=Zone.QUALIFIED),
        "qualified2": LocationFactory(warehouse=other, code="Q9", zone=Zone.QUALIFIED),
        "returns": LocationFactory(warehouse=wh, code="R1", zone=Zone.RETURNS),
        "nonconforming": LocationFactory(warehouse=wh, code="N1", zone=Zone.NONCONFORMING),
    }


@pytest.fixture
def stock(locations):
    """Two products in every colour band and zone:

    A (12.50): green 100 in Q1 (20 reserved), yellow 40 in Q1, red 7 in P1, red 3 in Q9
    B (100.00): black 5 in R1, green 9 in N1 (nonconforming, outside the panel zones)
    """
    a = ProductFactory(code="A-001", name="一次性使用无菌注射器", spec="5ml", min_stock=500)
    b = ProductFactory(
        code="B-002", name="医用导管", spec="Fr16", national_wholesale_price=Decimal("100.00")
    )
    lots = {
        "a_green": make_lot(a, "AG1", 400),
        "a_yellow": make_lot(a, "AY1", 60),
        "a_red": make_lot(a, "AR1", 10),
        "b_black": make_lot(b, "BK1", 100),
        "b_green": make_lot(b, "BG1", 500),
    }
    put_stock(lots["a_green"], locations["qualified"], 100)
    put_stock(lots["a_yellow"], locations["qualified"], 40)
    put_stock(lots["a_red"], locations["pending"], 7)
    put_stock(lots["a_red"], locations["qualified2"], 3)
    put_stock(lots["b_black"], locations["returns"], 5)
    put_stock(lots["b_green"], locations["nonconforming"], 9)
    expire(lots["b_black"], 3)
    stock_reserve(
        lot=lots["a_green"],
        location=locations["qualified"],
        quantity=20,
        user=None,
        source=Source("test.order", 1, "SO-1"),
    )
    return {"a": a, "b": b, "lots": lots, "locations": locations}


# ---------------------------------------------------------------------------- permissions


@pytest.mark.parametrize("name", STOCK_REPORTS + MOVE_REPORTS)
def test_anonymous_users_are_sent_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize("name", STOCK_REPORTS + MOVE_REPORTS)
def test_user_without_inventory_permissions_gets_403(client, name):
    client.force_login(User.objects.create_user("nobody"))
    assert client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", MOVE_REPORTS)
def test_salesperson_sees_stock_but_not_the_ledger(role_client, name):
    client = role_client("sales")
    assert client.get(reverse(name)).status_code == 403
    assert client.get(reverse("inventory:stock_report")).status_code == 200


def test_lot_trace_needs_view_stockmove(role_client, client):
    lot = LotFactory()
    url = reverse("inventory:lot_trace", args=[lot.pk])
    assert client.get(url).status_code == 302
    assert role_client("sales").get(url).status_code == 403
    assert role_client("keeper", "keeper2").get(url).status_code == 200


@pytest.mark.parametrize("name", STOCK_REPORTS + MOVE_REPORTS)
def test_every_report_renders_for_an_auditor(role_client, stock, name):
    response = role_client("auditor").get(reverse(name))
    assert response.status_code == 200
    assert "_export=xlsx" in response.text


# ---------------------------------------------------------------------------- stock by lot


def test_stock_by_lot_rows_and_filters(stock):
    rows = {(b.lot.batch_number, b.location.code): b for b in selectors.stock_by_lot()}
    assert set(rows) == {
        ("AG1", "Q1"),
        ("AY1", "Q1"),
        ("AR1", "P1"),
        ("AR1", "Q9"),
        ("BK1", "R1"),
        ("BG1", "N1"),
    }
    green = rows[("AG1", "Q1")]
    assert (green.on_hand, green.reserved, green.available, green.band) == (100, 20, 80, "green")
    assert rows[("BK1", "R1")].band == "black"
    assert rows[("AR1", "P1")].band == "red"

    def batches(**kwargs):
        return sorted(
            (b.lot.batch_number, b.location.code) for b in selectors.stock_by_lot(**kwargs)
        )

    assert batches(search="b-002") == [("BG1", "N1"), ("BK1", "R1")]
    assert batches(search="注射器", band="red") == [("AR1", "P1"), ("AR1", "Q9")]
    wh2 = stock["locations"]["qualified2"].warehouse
    assert batches(warehouse=wh2) == [("AR1", "Q9")]
    assert batches(zones=[Zone.QUALIFIED], band="red") == [("AR1", "Q9")]


def test_stock_report_page_shows_band_and_zone_colours_and_exports(role_client, stock):
    client = role_client("keeper")
    url = reverse("inventory:stock_report")
    response = client.get(url, {"band": "black"})
    assert response.status_code == 200
    assert "BK1" in response.text and "AG1" not in response.text
    assert 'class="badge text-bg-dark"' in response.text  # black band
    trace = reverse("inventory:lot_trace", args=[stock["lots"]["b_black"].pk])
    assert trace in response.text
    rows = workbook_rows(client.get(url, {"q": "A-001", "_export": "xlsx"}))
    header, data = rows[0], rows[1:]
    assert len(data) == 4
    by_batch = {(r[2], r[5]): r for r in data}
    green = by_batch[("AG1", "WH1/Q1")]
    assert green[0] == "A-001 一次性使用无菌注射器"
    assert green[-3:] == [100, 20, 80]
    assert len(header) == 10  # the zone is a column of its own in the workbook


def test_stock_report_rejects_a_tampered_warehouse(role_client, stock):
    response = role_client("keeper").get(reverse("inventory:stock_report"), {"warehouse": "999"})
    assert response.status_code == 200
    assert "AG1" not in response.text


# ---------------------------------------------------------------------------- colour bands


def test_band_totals_count_lots_and_amount_at_national_price(stock):
    totals = {t.band: t for t in selectors.band_totals()}
    assert (totals["green"].lots, totals["green"].quantity) == (2, 109)
    assert totals["green"].amount == Decimal("100") * Decimal("12.50") + 9 * Decimal("100")
    assert (totals["yellow"].lots, totals["yellow"].quantity) == (1, 40)
    assert totals["yellow"].amount == Decimal("500.00")
    # One lot in two locations counts once.
    assert (totals["red"].lots, totals["red"].quantity, totals["red"].amount) == (
        1,
        10,
        Decimal("125.00"),
    )
    assert (totals["black"].lots, totals["black"].amount) == (1, Decimal("500.00"))
    only_qualified = {t.band: t.quantity for t in selectors.band_totals(zones=[Zone.QUALIFIED])}
    assert only_qualified == {"green": 100, "yellow": 40, "red": 3, "black": 0}


def test_expiry_report_page_filters_in_sql_and_shows_totals(role_client, stock):
    client = role_client("keeper")
    url = reverse("inventory:expiry_report")
    response = client.get(url, {"band": "red"})
    assert response.status_code == 200
    table = response.context["table"]
    assert [row.record.lot.batch_number for row in table.page.object_list] == ["AR1", "AR1"]
    totals = {t.band: t for t in response.context["totals"]}
    # Totals cover every band so the user can switch; each links to its band.
    # The cards count stock lines (lot × location), like the table.
    assert totals["black"].rows == 1 and "band=black" in totals["black"].url
    assert totals["red"].rows == 2 and totals["red"].quantity == sum(
        row.record.on_hand for row in table.page.object_list
    )
    rows = workbook_rows(client.get(url, {"band": "yellow", "_export": "xlsx"}))
    assert len(rows) == 2
    record = rows[1]
    assert record[2] == "AY1"
    assert record[4] == 60  # days left
    assert record[7] == 40  # quantity
    assert Decimal(str(record[9])) == Decimal("500.00")  # 12.50 × 40


def test_expiry_report_days_left_use_the_shanghai_date(role_client, locations, monkeypatch):
    lot = make_lot(ProductFactory(), "SH1", 100)
    put_stock(lot, locations["qualified"], 1)
    Lot.objects.filter(pk=lot.pk).update(expiry_date=datetime.date(2026, 3, 2))
    client = role_client("keeper")
    # 16:30 UTC on March 1 is already March 2 in Shanghai: 0 days left, red (not black).
    frozen = datetime.datetime(2026, 3, 1, 16, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: frozen)
    response = client.get(reverse("inventory:expiry_report"), {"_export": "xlsx"})
    rows = workbook_rows(response)
    assert rows[1][4] == 0
    assert rows[1][5] == str(Band.RED.label)


# ---------------------------------------------------------------------------- ledger


@pytest.fixture
def clock(monkeypatch):
    """Set the time the stock service stamps on moves."""
    state = {}

    def set_time(year, month, day, hour=10, minute=0):
        moment = datetime.datetime(year, month, day, hour, minute, tzinfo=datetime.UTC)
        state["now"] = moment
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return set_time


@pytest.fixture
def history(locations, clock):
    """Lot L1 of product A over January to March 2026 (times in UTC; Shanghai is +8):

    Jan 10: opening 100 in P1
    Jan 31 16:30 UTC (= Feb 1 00:30 Shanghai): 60 P1 -> Q1, 10 returned to supplier from P1
    Feb 20: +30 into Q1, issue 25 from Q1
    Mar 5: issue 5 from Q1
    Lot L2 of A: Jan 5 opening 50 in Q1, nothing else. Lot L3 of B: only March moves.
    """
    a = ProductFactory(code="A-001", name="注射器")
    b = ProductFactory(code="B-002", name="导管")
    l1 = LotFactory(product=a, batch_number="L1", expiry_date=datetime.date(2029, 1, 1))
    l2 = LotFactory(product=a, batch_number="L2", expiry_date=datetime.date(2028, 1, 1))
    l3 = LotFactory(product=b, batch_number="L3", expiry_date=datetime.date(2029, 1, 1))
    p1, q1 = locations["pending"], locations["qualified"]
    clock(2026, 1, 5)
    put_stock(l2, q1, 50)
    clock(2026, 1, 10)
    stock_receive(
        lot=l1,
        location=p1,
        quantity=100,
        user=None,
        source=Source("purchasing.receipt", 7, "RC-0007"),
        key="rc7",
    )
    clock(2026, 1, 31, 16, 30)
    stock_transfer(
        lot=l1,
        from_location=p1,
        to_location=q1,
        quantity=60,
        user=None,
        source=Source("test.putaway", 1, "PA-1"),
        key="pa1",
        move_type=MoveType.PUTAWAY,
    )
    stock_remove(
        lot=l1,
        location=p1,
        quantity=10,
        move_type=MoveType.PURCHASE_RETURN,
        user=None,
        source=Source("purchasing.purchasereturn", 3, "PR-0003"),
        key="pr3",
    )
    clock(2026, 2, 20)
    put_stock(l1, q1, 30)
    reservation = stock_reserve(
        lot=l1, location=q1, quantity=30, user=None, source=Source("sales.salesorder", 9, "SO-9")
    )
    stock_issue(
        reservation=reservation,
        quantity=25,
        user=None,
        source=Source("sales.delivery", 11, "DL-0011"),
        key="dl11",
    )
    clock(2026, 3, 5)
    stock_issue(
        reservation=reservation,
        quantity=5,
        user=None,
        source=Source("sales.delivery", 12, "DL-0012"),
        key="dl12",
    )
    put_stock(l3, q1, 8)
    clock(2026, 3, 20)
    return {"a": a, "b": b, "l1": l1, "l2": l2, "l3": l3}


def test_batch_ledger_opening_in_out_closing(history):
    rows = {
        r["batch_number"]: r
        for r in selectors.batch_ledger(
            date_from=datetime.date(2026, 2, 1), date_to=datetime.date(2026, 2, 28)
        )
    }
    assert set(rows) == {"L1", "L2"}  # L3 has nothing before March
    l1 = rows["L1"]
    # The Feb 1 00:30 (Shanghai) moves are inside February: the put-away is internal.
    assert (l1["opening"], l1["received"], l1["issued"], l1["closing"]) == (100, 30, 35, 95)
    l2 = rows["L2"]
    assert (l2["opening"], l2["received"], l2["issued"], l2["closing"]) == (50, 0, 0, 50)
    january = {
        r["batch_number"]: r
        for r in selectors.batch_ledger(
            date_from=datetime.date(2026, 1, 1),
            date_to=datetime.date(2026, 1, 31),
            product=history["a"],
        )
    }
    assert (january["L1"]["opening"], january["L1"]["received"]) == (0, 100)
    assert (january["L1"]["issued"], january["L1"]["closing"]) == (0, 100)
    whole = {
        r["batch_number"]: r["closing"]
        for r in selectors.batch_ledger(
            date_from=datetime.date(2026, 1, 1), date_to=datetime.date(2026, 3, 31)
        )
    }
    # Closing equals what is on hand today.
    assert whole == {"L1": 90, "L2": 50, "L3": 8}


def test_batch_ledger_page_and_export(role_client, history):
    client = role_client("keeper")
    url = reverse("inventory:batch_ledger")
    params = {"date_from": "2026-02-01", "date_to": "2026-02-28", "q": "A-001"}
    response = client.get(url, params)
    assert response.status_code == 200
    assert "L1" in response.text
    rows = workbook_rows(client.get(url, {**params, "_export": "xlsx"}))
    data = {r[3]: r[-4:] for r in rows[1:]}
    assert data == {"L1": [100, 30, 35, 95], "L2": [50, 0, 0, 50]}


def test_batch_ledger_refuses_reversed_dates(role_client, history):
    response = role_client("keeper").get(
        reverse("inventory:batch_ledger"), {"date_from": "2026-03-01", "date_to": "2026-02-01"}
    )
    assert response.status_code == 200
    assert "2026-03-01" in response.text
    assert response.context["form"].errors
    assert not list(response.context["table"].rows)


def test_batch_ledger_is_one_aggregate_query(history, django_assert_num_queries):
    with django_assert_num_queries(1):
        list(
            selectors.batch_ledger(
                date_from=datetime.date(2026, 1, 1), date_to=datetime.date(2026, 3, 31)
            )
        )


# ---------------------------------------------------------------------------- moves


def test_move_list_filters_and_links(history):
    feb = selectors.move_list(
        date_from=datetime.date(2026, 2, 1), date_to=datetime.date(2026, 2, 28)
    )
    assert sorted(m.move_type for m in feb) == ["issue", "opening", "purchase_return", "putaway"]
    assert [m.source_number for m in selectors.move_list(document="DL-")] == ["DL-0012", "DL-0011"]
    assert [m.quantity for m in selectors.move_list(batch="L1", move_type=MoveType.ISSUE)] == [
        5,
        25,
    ]


def test_source_url_maps_type_to_detail_page_or_nothing():
    product = ProductFactory()
    assert selectors.source_url("catalog.product", product.pk) == reverse(
        "catalog:product_detail", args=[product.pk]
    )
    assert selectors.source_url("nowhere.thing", 1) == ""
    assert selectors.source_url("purchasing.receipt", None) == ""
    assert selectors.source_url("", 5) == ""


def test_move_list_page_links_known_documents(role_client, history):
    product = history["a"]
    lot = history["l2"]

    StockMove.objects.create(
        product=product,
        lot=lot,
        to_location=LocationFactory(code="Q6"),
        quantity=1,
        move_type=MoveType.OPENING,
        source_type="catalog.product",
        source_id=product.pk,
        source_number="LINKED-1",
        created_at=timezone.now(),
        idempotency_key="linked-1",
    )
    client = role_client("keeper")
    response = client.get(reverse("inventory:move_list"), {"document": "LINKED"})
    link = reverse("catalog:product_detail", args=[product.pk])
    assert f'<a href="{link}">LINKED-1</a>' in response.text
    rows = workbook_rows(
        client.get(reverse("inventory:move_list"), {"batch": "L1", "_export": "xlsx"})
    )
    assert len(rows) == 1 + 6
    documents = {r[7] for r in rows[1:]}
    assert {"RC-0007", "PA-1", "PR-0003", "DL-0011", "DL-0012"} <= documents


# ---------------------------------------------------------------------------- min/max


def test_minmax_alerts_use_qualified_stock(locations):
    low = ProductFactory(code="LOW", min_stock=50, max_stock=500)
    high = ProductFactory(code="HIGH", max_stock=10)
    ok = ProductFactory(code="OK", min_stock=5, max_stock=100)
    ProductFactory(code="NOLIMIT")
    put_stock(LotFactory(product=low), locations["qualified"], 40)
    # Pending stock does not count: LOW stays below its minimum.
    put_stock(LotFactory(product=low), locations["pending"], 100)
    put_stock(LotFactory(product=high), locations["qualified"], 8)
    put_stock(LotFactory(product=high), locations["qualified2"], 7)
    put_stock(LotFactory(product=ok), locations["qualified"], 20)
    found = {p.code: p.stock for p in selectors.minmax_alerts()}
    assert found == {"LOW": 40, "HIGH": 15}
    assert [p.code for p in selectors.minmax_alerts(level="below")] == ["LOW"]
    wh1 = locations["qualified"].warehouse
    # In WH1 alone HIGH has 8, within its maximum.
    assert {p.code for p in selectors.minmax_alerts(warehouse=wh1)} == {"LOW"}


def test_minmax_page_export(role_client, locations):
    low = ProductFactory(code="LOW", min_stock=50)
    put_stock(LotFactory(product=low), locations["qualified"], 40)
    rows = workbook_rows(
        role_client("keeper").get(reverse("inventory:minmax_report"), {"_export": "xlsx"})
    )
    assert rows[1][0] == "LOW"
    assert rows[1][6] == 40
    assert "10" in rows[1][7]


# ---------------------------------------------------------------------------- turnover


def test_turnover_and_slow_movers(history, clock):
    rows = {
        r["product_code"]: r
        for r in selectors.turnover(
            date_from=datetime.date(2026, 2, 1), date_to=datetime.date(2026, 2, 28)
        )
    }
    a = rows["A-001"]
    # Opening 150 (L1 100 + L2 50), closing 145; 25 issued in February.
    assert (a["opening"], a["closing"], a["issued"], a["on_hand"]) == (150, 145, 25, 140)
    assert a["average_stock"] == pytest.approx(147.5)
    assert a["turnover"] == pytest.approx(25 / 147.5)
    # B arrived in March: in stock now, nothing in February.
    b = rows["B-002"]
    assert (b["opening"], b["closing"], b["issued"], b["on_hand"]) == (0, 0, 0, 8)
    assert b["turnover"] is None
    now = datetime.datetime(2026, 3, 20, 10, tzinfo=datetime.UTC)
    span = {"date_from": datetime.date(2026, 1, 1), "date_to": datetime.date(2026, 3, 20)}
    # A was last issued on March 5 (15 days ago); B never, but has stock.
    slow_10 = {r["product_code"] for r in selectors.turnover(**span, idle_days=10, now=now)}
    assert slow_10 == {"A-001", "B-002"}
    slow_30 = {r["product_code"] for r in selectors.turnover(**span, idle_days=30, now=now)}
    assert slow_30 == {"B-002"}


def test_slow_movers_page_export(role_client, history):
    rows = workbook_rows(
        role_client("keeper").get(
            reverse("inventory:slow_movers"),
            {
                "date_from": "2026-01-01",
                "date_to": "2026-03-20",
                "idle_days": "10",
                "_export": "xlsx",
            },
        )
    )
    data = {r[0]: r for r in rows[1:]}
    assert set(data) == {"A-001 注射器", "B-002 导管"}
    assert data["A-001 注射器"][-1] == 15  # days since the March 5 issue
    assert data["A-001 注射器"][-2] == "2026-03-05"


# ---------------------------------------------------------------------------- recall


def test_lot_trace_backward_and_forward(role_client, history):
    trace = selectors.lot_trace(lot=history["l1"])
    assert [(r.move.move_type, r.move.source_number) for r in trace.backward] == [
        ("receive", "RC-0007"),
        ("purchase_return", "PR-0003"),
        ("opening", ""),
    ]
    assert [(r.move.source_number, r.move.quantity) for r in trace.forward] == [
        ("DL-0011", 25),
        ("DL-0012", 5),
    ]
    assert (trace.received, trace.issued, trace.on_hand) == (130, 30, 90)
    response = role_client("keeper").get(reverse("inventory:lot_trace", args=[history["l1"].pk]))
    assert response.status_code == 200
    assert "RC-0007" in response.text and "DL-0012" in response.text


def test_lot_trace_shows_details_registered_by_higher_apps(history):
    calls = []

    def receipts(ids):
        calls.append(ids)
        return {7: [("Supplier", "上海供应商"), ("Purchase order", "PO-1")]}

    # Purchasing registers its own provider at start-up; put it back afterwards.
    previous = selectors._TRACE_DETAILS.get("purchasing.receipt")
    selectors.register_trace_details("purchasing.receipt", receipts)
    try:
        trace = selectors.lot_trace(lot=history["l1"])
    finally:
        if previous is None:
            selectors._TRACE_DETAILS.pop("purchasing.receipt")
        else:
            selectors.register_trace_details("purchasing.receipt", previous)
    assert calls == [[7]]
    assert trace.backward[0].details == [("Supplier", "上海供应商"), ("Purchase order", "PO-1")]


def test_lot_trace_of_unknown_lot_is_404(role_client):
    assert (
        role_client("keeper").get(reverse("inventory:lot_trace", args=[999999])).status_code == 404
    )


# ---------------------------------------------------------------------------- query counts


def _lots(count, locations, prefix):
    product = ProductFactory(code=f"{prefix}-P")
    for n in range(count):
        lot = make_lot(product, f"{prefix}{n:03d}", 20 + n * 37)
        put_stock(lot, locations["qualified"], 10)
        put_stock(lot, locations["pending"], 5)
    return product


def _count_queries(client, url, params):
    client.get(url, params)  # warm up: the first request creates the company settings row
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("inventory:expiry_report", {}),
        ("inventory:expiry_report", {"band": "green", "zone": ["qualified", "pending"]}),
        ("inventory:stock_report", {}),
        ("inventory:batch_ledger", {}),
        ("inventory:move_list", {}),
        ("inventory:minmax_report", {}),
        ("inventory:slow_movers", {}),
    ],
)
def test_report_query_count_does_not_grow_with_lots(role_client, locations, name, params):
    client = role_client("keeper")
    url = reverse(name)
    product = _lots(5, locations, "S")
    product.min_stock = 1000
    product.save()
    small = _count_queries(client, url, params)
    big = _lots(45, locations, "M")
    big.min_stock = 1000
    big.save()
    # 50 lots now, several pages.
    assert _count_queries(client, url, params) == small


def test_lot_trace_query_count_does_not_grow(role_client, locations):
    product = ProductFactory()
    lot = make_lot(product, "T1", 300)
    client = role_client("keeper")
    put_stock(lot, locations["qualified"], 100)

    def trace_queries():
        client.get(reverse("inventory:lot_trace", args=[lot.pk]))
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("inventory:lot_trace", args=[lot.pk])).status_code == 200
        return len(ctx.captured_queries)

    def ship(n):
        for i in range(n):
            reservation = stock_reserve(
                lot=lot,
                location=locations["qualified"],
                quantity=1,
                user=None,
                source=Source("sales.salesorder", i, f"SO-{i}"),
            )
            stock_issue(
                reservation=reservation,
                quantity=1,
                user=None,
                source=Source("sales.delivery", i, f"DL-{i}"),
                key=f"ship-{n}-{i}",
            )

    ship(2)
    small = trace_queries()
    ship(20)
    assert trace_queries() == small


def test_allocate_fefo_query_count_is_the_same_for_5_and_50_lots(locations):

    def allocation_queries(lots_per_product, prefix):
        products = []
        for p in range(3):
            product = ProductFactory(code=f"{prefix}{p}")
            for n in range(lots_per_product):
                put_stock(
                    make_lot(product, f"{prefix}{p}-{n:03d}", 100 + n), locations["qualified"], 10
                )
            products.append(product)
        with CaptureQueriesContext(connection) as ctx, transaction.atomic():
            done = allocate_fefo(
                requests=[AllocationRequest(product=p, quantity=25) for p in products],
                user=None,
                source=Source("test.order", 1, "SO-1"),
            )
            transaction.set_rollback(True)
        assert all(sum(r.quantity for r in req.reservations) == 25 for req in done)
        return len(ctx.captured_queries)

    assert allocation_queries(5, "F") == allocation_queries(50, "G")


# ---------------------------------------------------------------------------- dashboard


def test_dashboard_panel_counts_lots_and_value_per_band(stock):
    request = RequestFactory().get("/")
    request.user = User.objects.create_user("viewer")
    assert expiry_bands_panel(request) is None  # no permission, no panel
    request.user = user_with_role("keeper")
    panel = expiry_bands_panel(request)
    totals = {t.band: t for t in panel["context"]["totals"]}
    # Nonconforming BG1 (9 × 100) is left out; green is AG1 only.
    assert (totals["green"].lots, totals["green"].amount) == (1, Decimal("1250.00"))
    assert (totals["yellow"].lots, totals["yellow"].amount) == (1, Decimal("500.00"))
    assert (totals["red"].lots, totals["red"].quantity, totals["red"].amount) == (
        1,
        10,
        Decimal("125.00"),
    )
    assert (totals["black"].lots, totals["black"].amount) == (1, Decimal("500.00"))
    assert panel["alert"] is True
    assert "band=red" in totals["red"].url and "zone=returns" in totals["red"].url


def test_dashboard_panel_links_reproduce_its_numbers(role_client, stock):
    client = role_client("keeper")
    response = client.get(reverse("core:dashboard"))
    assert response.status_code == 200
    assert "expiry-panel" in response.text
    panel = next(p for p in response.context["panels"] if "totals" in p["context"])
    red = next(t for t in panel["context"]["totals"] if t.band == "red")
    assert red.url in response.text.replace("&amp;", "&")
    report = client.get(red.url)
    report_red = next(t for t in report.context["totals"] if t.band == "red")
    # Same stock, same value; the panel counts the one lot, the report its two lines.
    assert (report_red.quantity, report_red.amount) == (red.quantity, red.amount)
    assert (red.lots, report_red.rows) == (1, 2)
    assert report.context["table"].paginator.count == 2


def test_dashboard_panel_hidden_without_stock(rf):
    request = rf.get("/")
    request.user = user_with_role("keeper")
    assert expiry_bands_panel(request) is None
