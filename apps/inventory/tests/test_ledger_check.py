"""`check_stock_ledger` proves every balance from the moves and reservations behind it."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation

from apps.catalog.tests.factories import ProductFactory
from apps.inventory.models import MoveType, StockBalance, StockMove, Zone
from apps.inventory.selectors_ledger import ledger_discrepancies
from apps.inventory.services import (
    Source,
    stock_issue,
    stock_remove,
    stock_reserve,
    stock_transfer,
)

from .factories import LocationFactory, LotFactory, put_stock

SRC = Source("test.doc", 1, "T-1")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def run_check() -> str:
    out = io.StringIO()
    call_command("check_stock_ledger", stdout=out)
    return out.getvalue()


def failing_check() -> str:
    out = io.StringIO()
    with pytest.raises(CommandError, match="discrepanc"):
        call_command("check_stock_ledger", stdout=out)
    return out.getvalue()


def sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.fixture
def busy_ledger():
    """Receipts, a transfer, a reservation partly issued, a removal: a realistic ledger."""
    qualified = LocationFactory(code="Q1", zone=Zone.QUALIFIED)
    second = LocationFactory(code="Q2", zone=Zone.QUALIFIED)
    nonconforming = LocationFactory(code="N1", zone=Zone.NONCONFORMING)
    lot = LotFactory(batch_number="B-LEDGER")
    other = LotFactory()
    put_stock(lot, qualified, 50)
    put_stock(other, qualified, 7)
    put_stock(lot, nonconforming, 3)
    stock_transfer(
        lot=lot,
        from_location=qualified,
        to_location=second,
        quantity=20,
        user=None,
        source=SRC,
        key="t1",
    )
    reservation = stock_reserve(lot=lot, location=qualified, quantity=12, user=None, source=SRC)
    stock_issue(reservation=reservation, quantity=5, user=None, source=SRC, key="i1")
    stock_remove(
        lot=lot,
        location=nonconforming,
        quantity=3,
        move_type=MoveType.SCRAP,
        user=None,
        source=SRC,
        key="s1",
    )
    return {"lot": lot, "qualified": qualified, "second": second, "other": other}


@pytest.mark.django_db
def test_clean_ledger_passes(busy_ledger):
    assert ledger_discrepancies() == []
    balances, moves = StockBalance.objects.count(), StockMove.objects.count()
    assert (balances, moves) == (4, 6)
    assert run_check().strip() == f"OK: {balances} balances, {moves} moves checked"
    lot, qualified = busy_ledger["lot"], busy_ledger["qualified"]
    balance = StockBalance.objects.get(lot=lot, location=qualified)
    assert (balance.on_hand, balance.reserved) == (25, 7)


@pytest.mark.django_db
def test_empty_ledger_passes():
    assert run_check().strip() == "OK: 0 balances, 0 moves checked"


@pytest.mark.django_db
def test_tampered_on_hand_is_reported(busy_ledger):
    lot, second = busy_ledger["lot"], busy_ledger["second"]
    sql(
        "UPDATE inventory_stockbalance SET on_hand = on_hand + 5 "
        "WHERE lot_id = %s AND location_id = %s",
        [lot.pk, second.pk],
    )
    problems = ledger_discrepancies()
    assert problems == [
        f"Lot {lot.product.code} B-LEDGER in WH1/Q2: on hand is 25 but the moves add up to 20."
    ]
    assert problems[0] in failing_check()


@pytest.mark.django_db
def test_tampered_reserved_is_reported(busy_ledger):
    lot, qualified = busy_ledger["lot"], busy_ledger["qualified"]
    sql(
        "UPDATE inventory_stockbalance SET reserved = 0 WHERE lot_id = %s AND location_id = %s",
        [lot.pk, qualified.pk],
    )
    assert ledger_discrepancies() == [
        f"Lot {lot.product.code} B-LEDGER in WH1/Q1: reserved is 0 but the reservations add "
        "up to 7."
    ]
    failing_check()


@pytest.mark.django_db
def test_a_balance_of_another_product_is_reported(busy_ledger):
    lot, qualified = busy_ledger["lot"], busy_ledger["qualified"]
    stranger = ProductFactory()
    sql(
        "UPDATE inventory_stockbalance SET product_id = %s WHERE lot_id = %s AND location_id = %s",
        [stranger.pk, lot.pk, qualified.pk],
    )
    assert ledger_discrepancies() == [
        f"Lot {lot.product.code} B-LEDGER in WH1/Q1: the balance names product "
        f"{stranger.code} instead."
    ]


@pytest.mark.django_db
def test_moves_without_a_balance_are_reported(busy_ledger):
    lot, second = busy_ledger["lot"], busy_ledger["second"]
    sql(
        "DELETE FROM inventory_stockbalance WHERE lot_id = %s AND location_id = %s",
        [lot.pk, second.pk],
    )
    assert ledger_discrepancies() == [
        f"Lot {lot.product.code} B-LEDGER in WH1/Q2: moves add up to 20 but there is no balance."
    ]
    assert "no balance" in failing_check()


@pytest.mark.django_db
def test_a_move_written_behind_the_service_is_reported(busy_ledger):
    lot, qualified = busy_ledger["lot"], busy_ledger["qualified"]
    stranger = ProductFactory()
    move = StockMove.objects.create(
        product=stranger,
        lot=lot,
        to_location=qualified,
        quantity=1,
        move_type=MoveType.ADJUST_IN,
        created_at="2026-01-01T00:00:00Z",
        idempotency_key="behind-the-back",
    )
    assert ledger_discrepancies() == [
        f"Lot {lot.product.code} B-LEDGER in WH1/Q1: on hand is 25 but the moves add up to 26.",
        f"Stock move {move.pk} of lot {lot.product.code} B-LEDGER names product "
        f"{stranger.code} instead.",
    ]


@pytest.mark.django_db
def test_every_discrepancy_is_listed(busy_ledger):
    lot, other = busy_ledger["lot"], busy_ledger["other"]
    sql("UPDATE inventory_stockbalance SET on_hand = on_hand + 1 WHERE lot_id = %s", [lot.pk])
    sql("UPDATE inventory_stockbalance SET on_hand = on_hand + 2 WHERE lot_id = %s", [other.pk])
    output = failing_check()
    assert len(ledger_discrepancies()) == 4  # Q1, Q2 and N1 of the lot, Q1 of the other
    assert output.count("on hand is") == 4


@pytest.mark.django_db(transaction=True)
def test_command_outside_a_transaction_uses_one_snapshot():
    location = LocationFactory(code="Q1", zone=Zone.QUALIFIED)
    put_stock(LotFactory(), location, 3)
    assert run_check().strip() == "OK: 1 balances, 1 moves checked"
    sql("UPDATE inventory_stockbalance SET on_hand = 4")
    assert "on hand is 4 but the moves add up to 3" in failing_check()


@pytest.mark.django_db
def test_check_queries_do_not_grow_with_the_ledger(busy_ledger, django_assert_max_num_queries):
    lot, qualified = busy_ledger["lot"], busy_ledger["qualified"]
    for n in range(30):
        put_stock(lot, qualified, 1 + n)
    with django_assert_max_num_queries(6):
        assert ledger_discrepancies() == []
