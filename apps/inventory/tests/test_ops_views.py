"""Inventory operation pages: permissions per role, happy paths, refused input that saves
nothing, a transfer form submitted twice, and query counts of the hot pages."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from apps.catalog.models import StorageGroup
from apps.catalog.tests.factories import ProductFactory
from apps.core.tests.factories import UserFactory, user_with_role
from apps.inventory.models import (
    HoldStatus,
    LossReport,
    LossStatus,
    LotHold,
    MoveType,
    StockBalance,
    StockMove,
    Stocktake,
    StocktakeStatus,
    Zone,
)
from apps.inventory.operations import lot_stop

from .factories import LocationFactory, LotFactory, put_stock

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    translation.activate("en")


def errors_of(response):
    form = response.context["form"]
    return [str(e) for errs in form.errors.values() for e in errs]


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def qualified():
    return LocationFactory(code="Q1", zone=Zone.QUALIFIED)


@pytest.fixture
def qualified2():
    return LocationFactory(code="Q2", zone=Zone.QUALIFIED)


@pytest.fixture
def bad_area():
    return LocationFactory(code="N1", zone=Zone.NONCONFORMING)


@pytest.fixture
def stock(qualified):
    lot = LotFactory()
    put_stock(lot, qualified, 10)
    return StockBalance.objects.get(lot=lot, location=qualified)


# ---------------------------------------------------------------- permissions


LIST_PAGES = [
    "inventory:warehouse_list",
    "inventory:location_list",
    "inventory:lot_list",
    "inventory:lothold_list",
    "inventory:lossreport_list",
    "inventory:stocktake_list",
    "inventory:transfer_create",
    "catalog:storagegroup_list",
]


@pytest.mark.parametrize("url_name", LIST_PAGES)
def test_anonymous_users_go_to_login(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    "role,url_name,status",
    [
        ("keeper", "inventory:transfer_create", 200),
        ("sales", "inventory:transfer_create", 403),
        ("auditor", "inventory:transfer_create", 403),
        ("keeper", "inventory:lossreport_create", 200),
        ("quality_manager", "inventory:lossreport_create", 403),
        ("keeper", "inventory:stocktake_create", 200),
        ("auditor", "inventory:stocktake_create", 403),
        ("quality_manager", "inventory:lothold_create", 200),
        ("keeper", "inventory:lothold_create", 403),
        ("manager", "inventory:warehouse_create", 200),
        ("keeper", "inventory:warehouse_create", 403),
        ("keeper", "inventory:location_create", 200),
        ("sales", "inventory:lothold_list", 403),
        ("auditor", "inventory:lothold_list", 200),
        ("quality_manager", "catalog:storagegroup_create", 200),
        ("keeper", "catalog:storagegroup_create", 403),
    ],
)
def test_pages_need_their_permission(role_client, role, url_name, status):
    assert role_client(role).get(reverse(url_name)).status_code == status


def test_auditor_sees_every_page_of_a_populated_inventory(role_client, stock, bad_area):
    keeper, qm, manager = (
        user_with_role("keeper", "k1"),
        user_with_role("quality_manager", "q1"),
        user_with_role("manager", "m1"),
    )
    from apps.inventory.operations import (
        LossLine,
        loss_report_save,
        stocktake_start,
    )

    bad_lot = LotFactory()
    put_stock(bad_lot, bad_area, 3)
    bad = StockBalance.objects.get(lot=bad_lot)
    report = loss_report_save(
        user=keeper, warehouse=bad_area.warehouse, reason="破损", lines=[LossLine(bad, 1)]
    )
    hold = lot_stop(lot=stock.lot, user=qm, reason="抽检")
    stocktake = stocktake_start(
        warehouse=stock.location.warehouse, locations=[stock.location], user=keeper
    )
    assert manager
    client = role_client("auditor")
    pages = [reverse(name) for name in LIST_PAGES if name != "inventory:transfer_create"] + [
        stock.lot.get_absolute_url(),
        stock.location.get_absolute_url(),
        stock.location.warehouse.get_absolute_url(),
        hold.get_absolute_url(),
        report.get_absolute_url(),
        stocktake.get_absolute_url(),
        reverse("inventory:stocktake_count", args=[stocktake.pk, stock.location.pk]),
        reverse("inventory:lot_list") + "?band=green&is_frozen=true&q=B",
        reverse("inventory:lot_list") + "?_export=xlsx",
    ]
    for url in pages:
        assert client.get(url).status_code == 200, url
    detail = client.get(stock.lot.get_absolute_url()).content.decode()
    assert "text-bg-success" in detail  # green band
    assert reverse("inventory:transfer_create") not in detail
    assert client.post(reverse("inventory:lothold_resolve", args=[hold.pk])).status_code == 403


# ---------------------------------------------------------------- transfers


def transfer_form(client, **params):
    page = client.get(reverse("inventory:transfer_create"), params)
    return page.context["form"].initial["token"]


def test_transfer_posts_once_when_submitted_twice(role_client, stock, qualified2):
    client = role_client("keeper")
    token = transfer_form(client, balance=stock.pk)
    data = {"balance": stock.pk, "to_location": qualified2.pk, "quantity": 4, "token": token}
    first = client.post(reverse("inventory:transfer_create"), data)
    second = client.post(reverse("inventory:transfer_create"), data)
    assert first.status_code == second.status_code == 302
    assert first.url == stock.lot.get_absolute_url()
    assert StockMove.objects.filter(move_type=MoveType.TRANSFER).count() == 1
    stock.refresh_from_db()
    assert stock.on_hand == 6
    # A fresh form (new token) moves again.
    data["token"] = transfer_form(client)
    assert data["token"] != token
    client.post(reverse("inventory:transfer_create"), data)
    assert StockMove.objects.filter(move_type=MoveType.TRANSFER).count() == 2


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"quantity": 11}, "10 available"),
        ({"quantity": 0}, "greater than or equal to 1"),
        ({"quantity": "abc"}, "whole number"),
        ({"to_location": "Q1"}, "same"),
        ({"token": ""}, "required"),
    ],
)
def test_refused_transfer_shows_why_and_moves_nothing(
    role_client, stock, qualified2, overrides, message
):
    client = role_client("keeper")
    data = {
        "balance": stock.pk,
        "to_location": qualified2.pk,
        "quantity": 3,
        "token": transfer_form(client),
    }
    if overrides.get("to_location") == "Q1":
        overrides = {"to_location": stock.location_id}
    data.update(overrides)
    response = client.post(reverse("inventory:transfer_create"), data)
    assert response.status_code == 200
    assert any(message in e for e in errors_of(response)), errors_of(response)
    assert not StockMove.objects.filter(move_type=MoveType.TRANSFER).exists()


def test_transfer_refuses_incompatible_storage_groups(role_client, qualified, qualified2):
    acids, bases = (
        StorageGroup.objects.create(code="A", name="酸"),
        StorageGroup.objects.create(code="B", name="碱"),
    )
    acids.incompatible_with.add(bases)
    lot_a = LotFactory(product=ProductFactory(storage_group=acids))
    lot_b = LotFactory(product=ProductFactory(storage_group=bases))
    put_stock(lot_a, qualified, 5)
    put_stock(lot_b, qualified2, 5)
    client = role_client("keeper")
    balance = StockBalance.objects.get(lot=lot_a)
    data = {
        "balance": balance.pk,
        "to_location": qualified2.pk,
        "quantity": 1,
        "token": transfer_form(client),
    }
    response = client.post(reverse("inventory:transfer_create"), data)
    assert any("may not be stored with" in e for e in errors_of(response))
    assert StockBalance.objects.get(lot=lot_a).on_hand == 5


# ---------------------------------------------------------------- stop-sale


def test_quality_manager_stops_a_lot_from_its_page_and_releases_it(role_client, stock):
    client = role_client("quality_manager")
    lot = stock.lot
    page = client.get(lot.get_absolute_url()).content.decode()
    assert reverse("inventory:lothold_create") in page
    response = client.post(reverse("inventory:lothold_create"), {"lot": lot.pk, "reason": "公告"})
    hold = LotHold.objects.get()
    assert response.status_code == 302 and response.url == hold.get_absolute_url()
    lot.refresh_from_db()
    assert lot.is_frozen
    again = client.post(reverse("inventory:lothold_create"), {"lot": lot.pk, "reason": "x"})
    assert again.status_code == 200 and LotHold.objects.count() == 1
    url = reverse("inventory:lothold_resolve", args=[hold.pk])
    missing = client.post(url, {"outcome": "nonconforming", "conclusion": "不合格"})
    assert "nonconforming_location" in missing.context["form"].errors
    response = client.post(url, {"outcome": "released", "conclusion": "复检合格"})
    assert response.status_code == 302
    hold.refresh_from_db()
    lot.refresh_from_db()
    assert hold.status == HoldStatus.RELEASED and not lot.is_frozen


def test_keeper_cannot_stop_or_resolve(role_client, stock):
    client = role_client("keeper")
    response = client.post(
        reverse("inventory:lothold_create"), {"lot": stock.lot_id, "reason": "x"}
    )
    assert response.status_code == 403 and not LotHold.objects.exists()


# ---------------------------------------------------------------- loss reports


def test_loss_report_pages_from_draft_to_scrap(client, stock, bad_area):
    keeper = user_with_role("keeper", "k1")
    qm = user_with_role("quality_manager", "q1")
    manager = user_with_role("manager", "m1")
    bad_lot = LotFactory(unit_cost=Decimal("4.0000"))
    put_stock(bad_lot, bad_area, 5)
    bad = StockBalance.objects.get(lot=bad_lot)
    client.force_login(keeper)
    form_page = client.get(reverse("inventory:lossreport_create"))
    assert f"qty_{bad.pk}" in form_page.content.decode()
    # The qualified stock is not offered, and naming it in a tampered post does nothing.
    assert f"qty_{stock.pk}" not in form_page.content.decode()
    data = {
        "warehouse": bad_area.warehouse_id,
        "reason": "包装破损",
        f"qty_{bad.pk}": "2",
        f"qty_{stock.pk}": "3",
    }
    response = client.post(reverse("inventory:lossreport_create"), data)
    report = LossReport.objects.get()
    assert response.status_code == 302 and response.url == report.get_absolute_url()
    assert [(line.balance_id, line.quantity) for line in report.lines.all()] == [(bad.pk, 2)]
    detail = client.get(report.get_absolute_url()).content.decode()
    assert "8.00" in detail  # 2 × 4.00
    client.post(reverse("inventory:lossreport_action", args=[report.pk, "submit"]))
    review = reverse("inventory:lossreport_action", args=[report.pk, "review"])
    # The author cannot review, even holding the permission only through a tampered post.
    client.post(review, {"decision": "approve"})
    report.refresh_from_db()
    assert report.status == LossStatus.SUBMITTED
    client.force_login(qm)
    client.post(review, {"decision": "approve", "opinion": "同意"})
    client.force_login(manager)
    response = client.post(review, {"decision": "approve", "opinion": "同意"}, follow=True)
    assert "the stock was scrapped" in " ".join(messages_of(response))
    report.refresh_from_db()
    bad.refresh_from_db()
    assert report.status == LossStatus.APPROVED and bad.on_hand == 3
    assert StockMove.objects.get(move_type=MoveType.SCRAP).source_number == report.number


@pytest.mark.parametrize(
    "data,message",
    [
        ({"reason": "", "qty": "1"}, "required"),
        ({"reason": "x", "qty": ""}, "at least one line"),
        ({"reason": "x", "qty": "9"}, "only 5 available"),
        ({"reason": "x", "qty": "-1"}, "greater than or equal to 0"),
    ],
)
def test_bad_loss_report_input_saves_nothing(role_client, bad_area, data, message):
    lot = LotFactory()
    put_stock(lot, bad_area, 5)
    bad = StockBalance.objects.get(lot=lot)
    client = role_client("keeper")
    post = {
        "warehouse": bad_area.warehouse_id,
        "reason": data["reason"],
        f"qty_{bad.pk}": data["qty"],
    }
    response = client.post(reverse("inventory:lossreport_create"), post)
    assert response.status_code == 200
    assert any(message in e for e in errors_of(response)), errors_of(response)
    assert not LossReport.objects.exists()


def test_approved_loss_report_cannot_be_edited(role_client, bad_area):
    from apps.inventory.operations import LossLine, loss_report_save

    lot = LotFactory()
    put_stock(lot, bad_area, 5)
    keeper = user_with_role("keeper", "k1")
    report = loss_report_save(
        user=keeper,
        warehouse=bad_area.warehouse,
        reason="x",
        lines=[LossLine(StockBalance.objects.get(lot=lot), 1)],
    )
    LossReport.objects.filter(pk=report.pk).update(status=LossStatus.SUBMITTED)
    client = role_client("keeper", "k2")
    url = reverse("inventory:lossreport_update", args=[report.pk])
    assert client.get(url).status_code == 302
    bal = StockBalance.objects.get(lot=lot)
    response = client.post(
        url, {"warehouse": bad_area.warehouse_id, "reason": "y", f"qty_{bal.pk}": 2}
    )
    assert any("no longer be edited" in e for e in errors_of(response))
    assert report.lines.get().quantity == 1


# ---------------------------------------------------------------- stocktakes


def test_stocktake_pages_count_add_submit_and_approve(client, stock, qualified2):
    keeper = user_with_role("keeper", "k1")
    manager = user_with_role("manager", "m1")
    client.force_login(keeper)
    response = client.post(
        reverse("inventory:stocktake_create"),
        {"warehouse": stock.location.warehouse_id, "locations": [stock.location_id]},
    )
    stocktake = Stocktake.objects.get()
    assert response.status_code == 302 and response.url == stocktake.get_absolute_url()
    line = stocktake.lines.get()
    count_url = reverse("inventory:stocktake_count", args=[stocktake.pk, stock.location_id])
    bad = client.post(count_url, {f"count_{line.pk}": "-3"})
    assert bad.status_code == 200
    line.refresh_from_db()
    assert line.counted_qty is None
    client.post(count_url, {f"count_{line.pk}": "7"})
    found = LotFactory(product=stock.lot.product)
    add_url = reverse("inventory:stocktake_add_line", args=[stocktake.pk, stock.location_id])
    client.post(add_url, {"lot": found.pk, "counted_qty": "2"})
    # A location outside the stocktake has no count sheet.
    other = reverse("inventory:stocktake_count", args=[stocktake.pk, qualified2.pk])
    assert client.get(other).status_code == 404
    client.post(reverse("inventory:stocktake_action", args=[stocktake.pk, "submit"]))
    detail = client.get(stocktake.get_absolute_url()).content.decode()
    assert "-3" in detail  # variance 7 − 10
    # The keeper cannot approve; the manager can.
    client.post(reverse("inventory:stocktake_action", args=[stocktake.pk, "approve"]))
    stocktake.refresh_from_db()
    assert stocktake.status == StocktakeStatus.SUBMITTED
    client.force_login(manager)
    client.post(reverse("inventory:stocktake_action", args=[stocktake.pk, "approve"]))
    stocktake.refresh_from_db()
    stock.refresh_from_db()
    assert stocktake.status == StocktakeStatus.APPROVED and stock.on_hand == 7
    assert StockBalance.objects.get(lot=found).on_hand == 2


def test_stocktake_start_refuses_a_location_of_another_warehouse(role_client, stock):
    other = LocationFactory(code="X9", warehouse__code="WH9")
    response = role_client("keeper").post(
        reverse("inventory:stocktake_create"),
        {"warehouse": stock.location.warehouse_id, "locations": [other.pk]},
    )
    assert response.status_code == 200 and "locations" in response.context["form"].errors
    assert not Stocktake.objects.exists()


# ---------------------------------------------------------------- query counts


def _queries(client, url) -> int:
    client.get(url)  # warm the per-process caches (content types, settings row)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_lot_list_queries_do_not_grow_with_rows(role_client, qualified):
    client = role_client("auditor")
    for _ in range(2):
        put_stock(LotFactory(), qualified, 3)
    few = _queries(client, reverse("inventory:lot_list"))
    for _ in range(8):
        put_stock(LotFactory(), qualified, 3)
    assert _queries(client, reverse("inventory:lot_list")) == few


def test_location_detail_queries_do_not_grow_with_rows(role_client, qualified):
    client = role_client("keeper")
    for _ in range(2):
        put_stock(LotFactory(), qualified, 3)
    few = _queries(client, qualified.get_absolute_url())
    for _ in range(8):
        put_stock(LotFactory(), qualified, 3)
    page = client.get(qualified.get_absolute_url()).content.decode()
    assert len(re.findall(r"band-green", page)) == 10
    assert _queries(client, qualified.get_absolute_url()) == few


# ---------------------------------------------------------------- admin and storage groups


def test_ledger_admin_is_read_only(client, stock):
    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    assert client.get(reverse("admin:inventory_lot_add")).status_code == 403
    assert client.get(reverse("admin:inventory_stockmove_changelist")).status_code == 200
    response = client.post(
        reverse("admin:inventory_lot_change", args=[stock.lot_id]), {"batch_number": "HACK"}
    )
    assert response.status_code == 403
    stock.lot.refresh_from_db()
    assert stock.lot.batch_number != "HACK"
    assert client.get(reverse("admin:inventory_location_add")).status_code == 200


def test_storage_group_pages_declare_symmetric_incompatibility(role_client):
    client = role_client("quality_manager")
    acids = StorageGroup.objects.create(code="ACID", name="酸类")
    response = client.post(
        reverse("catalog:storagegroup_create"),
        {"code": "BASE", "name": "碱类", "incompatible_with": [acids.pk]},
    )
    bases = StorageGroup.objects.get(code="BASE")
    assert response.status_code == 302
    assert list(acids.incompatible_with.all()) == [bases]
    page = client.get(reverse("catalog:storagegroup_list")).content.decode()
    assert "ACID" in page and "BASE" in page


def test_product_import_and_form_take_storage_group_and_max_purchase_price(role_client):
    from apps.catalog.models import Product
    from apps.catalog.tests.factories import CategoryFactory, ManufacturerFactory
    from apps.catalog.tests.helpers import PRODUCT_HEADERS, product_data, product_row, xlsx

    CategoryFactory(code="6815"), ManufacturerFactory(code="WG")
    group = StorageGroup.objects.create(code="ACID", name="酸类")
    client = role_client("purchaser")
    headers = [*PRODUCT_HEADERS, "max_purchase_price", "storage_group"]
    rows = [
        [*product_row("P1"), 9.5, "ACID"],
        [*product_row("P2"), None, "NOPE"],
    ]
    url = reverse("catalog:product_import")
    errors = client.post(url, {"file": xlsx(headers, rows)}).context["errors"]
    assert any("NOPE" in str(error) for error in errors)
    assert not Product.objects.exists()
    preview = client.post(url, {"file": xlsx(headers, rows[:1])})
    client.post(url, {"token": preview.context["token"]})
    product = Product.objects.get(code="P1")
    assert product.storage_group == group and product.max_purchase_price == Decimal("9.50")

    data = product_data(
        product.category,
        product.manufacturer,
        code="P1",
        max_purchase_price="8.00",
        storage_group="",
    )
    response = client.post(reverse("catalog:product_update", args=[product.pk]), data)
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.storage_group is None and product.max_purchase_price == Decimal("8.00")
