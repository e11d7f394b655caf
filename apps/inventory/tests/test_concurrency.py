"""The stock service under real concurrency: threads with their own connections post at
the same moment (behind a barrier) and nothing is oversold, driven negative or posted
twice; the ledger still proves every balance afterwards."""

from __future__ import annotations

import datetime
import threading
import time
from collections import Counter

import pytest
from django.db import connection, transaction
from django.db.models import Sum

from apps.catalog.tests.factories import ProductFactory
from apps.core.models import today
from apps.inventory.models import MoveType, StockBalance, StockMove, StockReservation, Zone
from apps.inventory.selectors_ledger import ledger_discrepancies
from apps.inventory.services import (
    AllocationRequest,
    InsufficientStock,
    Source,
    StockError,
    allocate_fefo,
    stock_issue,
    stock_receive,
    stock_reserve,
    stock_transfer,
)

from .factories import LocationFactory, LotFactory, put_stock

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 8


def days(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


def run_at_once(target, count: int = THREADS) -> list:
    """Run `target(index)` in `count` threads released together; each thread's result
    or exception, by index. Each thread closes its own database connection."""
    barrier = threading.Barrier(count, timeout=30)
    results: list = [None] * count

    def worker(index: int) -> None:
        try:
            barrier.wait()
            results[index] = target(index)
        except Exception as error:  # the outcome under test, inspected by the caller
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung (deadlock?)"
    return results


def outcome(results: list) -> Counter:
    return Counter(type(r).__name__ for r in results)


def assert_balances_sound() -> None:
    assert ledger_discrepancies() == []
    for balance in StockBalance.objects.all():
        assert 0 <= balance.reserved <= balance.on_hand


@pytest.fixture
def qualified():
    return LocationFactory(code="Q1", zone=Zone.QUALIFIED)


@pytest.fixture
def second_qualified():
    return LocationFactory(code="Q2", zone=Zone.QUALIFIED)


def test_fefo_allocations_never_reserve_more_than_on_hand(qualified, second_qualified):
    product = ProductFactory()
    early = LotFactory(product=product, expiry_date=days(200))
    late = LotFactory(product=product, expiry_date=days(400))
    put_stock(early, qualified, 25)
    put_stock(late, second_qualified, 25)

    def allocate(index):
        request = AllocationRequest(product=product, quantity=15, line_id=index)
        allocate_fefo(requests=[request], user=None, source=Source("test.order", index))
        return sum(r.quantity for r in request.reservations)

    results = run_at_once(allocate)

    # 50 on hand, 8 × 15 wanted: exactly three whole requests fit, the rest are refused.
    assert outcome(results) == {"int": 3, "InsufficientStock": 5}, results
    assert [r for r in results if isinstance(r, int)] == [15, 15, 15]
    assert StockBalance.objects.aggregate(Sum("reserved"))["reserved__sum"] == 45
    # First expiry first out: the early lot is used up before the late one.
    assert StockBalance.objects.get(lot=early).reserved == 25
    assert StockBalance.objects.get(lot=late).reserved == 20
    assert StockReservation.objects.aggregate(Sum("quantity"))["quantity__sum"] == 45
    assert_balances_sound()


def wait_until_blocked_on_lock(timeout: float = 20.0) -> None:
    """Wait until some other session of this database waits for a row lock."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError("the second allocation never waited for the lock")


def test_allocation_whose_chosen_lot_is_emptied_while_waiting_takes_the_next_lot(
    qualified, second_qualified
):
    """The second allocation chooses the early lot from its snapshot, waits for the first
    one's lock, and finds the lot empty when it gets it; it must go on to the late lot
    instead of reporting that nothing is available."""
    product = ProductFactory()
    early = LotFactory(product=product, expiry_date=days(200))
    late = LotFactory(product=product, expiry_date=days(400))
    put_stock(early, qualified, 20)
    put_stock(late, second_qualified, 20)
    first_holds = threading.Event()
    release_first = threading.Event()
    results: dict[str, object] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                request = AllocationRequest(product=product, quantity=20, line_id=1)
                allocate_fefo(requests=[request], user=None, source=Source("test.order", 1))
                first_holds.set()
                release_first.wait(30)
            results["first"] = request.reservations[0].balance.lot_id
        except Exception as error:  # inspected below
            results["first"] = error
            first_holds.set()
        finally:
            connection.close()

    def second() -> None:
        try:
            request = AllocationRequest(product=product, quantity=15, line_id=2)
            allocate_fefo(requests=[request], user=None, source=Source("test.order", 2))
            results["second"] = [(r.balance.lot_id, r.quantity) for r in request.reservations]
        except Exception as error:  # inspected below
            results["second"] = error
        finally:
            connection.close()

    one = threading.Thread(target=first)
    one.start()
    assert first_holds.wait(30)
    two = threading.Thread(target=second)
    two.start()
    try:
        wait_until_blocked_on_lock()
    finally:
        release_first.set()
    one.join(60)
    two.join(60)

    assert results == {"first": early.pk, "second": [(late.pk, 15)]}, results
    assert StockBalance.objects.get(lot=early).reserved == 20
    assert StockBalance.objects.get(lot=late).reserved == 15
    assert_balances_sound()


def test_manual_reservations_never_exceed_on_hand(qualified):
    lot = LotFactory()
    put_stock(lot, qualified, 10)

    def reserve(index):
        return stock_reserve(
            lot=lot, location=qualified, quantity=4, user=None, source=Source("test.order", index)
        )

    results = run_at_once(reserve)

    assert outcome(results) == {"StockReservation": 2, "InsufficientStock": 6}, results
    balance = StockBalance.objects.get(lot=lot, location=qualified)
    assert (balance.on_hand, balance.reserved) == (10, 8)
    assert_balances_sound()


def test_allocation_takes_a_later_lot_when_an_earlier_one_was_partly_taken(
    qualified, second_qualified
):
    """Round two of `allocate_fefo` must look past the rows it already holds.

    Another order holds the early lot while this allocation reads the candidates; when
    it gets the lock, only 10 of the 15 it wants are left there, and the later lot
    (25 free) has to cover the rest."""
    product = ProductFactory()
    early = LotFactory(product=product, expiry_date=days(200))
    late = LotFactory(product=product, expiry_date=days(400))
    put_stock(early, qualified, 25)
    put_stock(late, second_qualified, 25)
    holder_ready, holder_may_commit = threading.Event(), threading.Event()

    def hold_early_lot():
        try:
            with transaction.atomic():
                stock_reserve(
                    lot=early,
                    location=qualified,
                    quantity=15,
                    user=None,
                    source=Source("test.order", 1),
                )
                holder_ready.set()
                holder_may_commit.wait(timeout=30)
        finally:
            connection.close()

    def allocate():
        request = AllocationRequest(product=product, quantity=15)
        try:
            allocate_fefo(requests=[request], user=None, source=Source("test.order", 2))
            return sum(r.quantity for r in request.reservations)
        except StockError as error:
            return error
        finally:
            connection.close()

    holder = threading.Thread(target=hold_early_lot)
    holder.start()
    assert holder_ready.wait(timeout=30)
    result: list = []
    allocator = threading.Thread(target=lambda: result.append(allocate()))
    allocator.start()
    _wait_for_a_lock_wait()
    holder_may_commit.set()
    holder.join(timeout=30)
    allocator.join(timeout=30)

    assert result == [15], result
    assert StockBalance.objects.get(lot=early).reserved == 25
    assert StockBalance.objects.get(lot=late).reserved == 5
    assert_balances_sound()


def _wait_for_a_lock_wait(timeout: float = 20.0) -> None:
    """Block until some other session of this database waits for a row lock."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError("the allocation never waited for the lock")


def test_issues_and_transfers_of_one_balance_never_drive_it_negative(qualified, second_qualified):
    lot = LotFactory()
    put_stock(lot, qualified, 20)
    reservations = [
        stock_reserve(
            lot=lot, location=qualified, quantity=3, user=None, source=Source("test.order", i)
        )
        for i in range(4)
    ]  # 12 reserved, 8 free

    def issue_or_transfer(index):
        if index % 2 == 0:
            return stock_issue(
                reservation=reservations[index // 2],
                quantity=3,
                user=None,
                source=Source("test.shipment", index),
                key=f"issue-{index}",
            )
        return stock_transfer(
            lot=lot,
            from_location=qualified,
            to_location=second_qualified,
            quantity=5,
            user=None,
            source=Source("test.transfer", index),
            key=f"transfer-{index}",
        )

    results = run_at_once(issue_or_transfer)

    # Every reserved unit ships; only one transfer of 5 fits in the 8 free units.
    assert outcome(results) == {"StockMove": 5, "StockError": 3}, results
    refused = [r for r in results if isinstance(r, StockError)]
    assert all("available" in str(r) for r in refused)
    source = StockBalance.objects.get(lot=lot, location=qualified)
    target = StockBalance.objects.get(lot=lot, location=second_qualified)
    assert (source.on_hand, source.reserved, target.on_hand) == (3, 0, 5)
    assert StockMove.objects.filter(move_type=MoveType.ISSUE).count() == 4
    assert StockMove.objects.filter(move_type=MoveType.TRANSFER).count() == 1
    assert_balances_sound()


def test_the_same_idempotency_key_from_many_threads_posts_once():
    pending = LocationFactory(code="P1", zone=Zone.PENDING)
    lot = LotFactory()

    def receive(index):
        return stock_receive(
            lot=lot,
            location=pending,
            quantity=7,
            user=None,
            source=Source("test.receipt", 1, "R-1"),
            key="receipt-1-line-1",
        )

    results = run_at_once(receive)

    move = StockMove.objects.get()
    assert move.idempotency_key == "receipt-1-line-1"
    assert StockBalance.objects.get(lot=lot, location=pending).on_hand == 7
    # A caller either gets the move already written or is told it was already posted.
    for result in results:
        if isinstance(result, StockMove):
            assert result.pk == move.pk
        else:
            assert isinstance(result, StockError), result
            assert "already posted" in str(result)
    assert any(isinstance(r, StockMove) for r in results)
    assert_balances_sound()


def test_the_same_transfer_key_from_many_threads_moves_once(qualified, second_qualified):
    lot = LotFactory()
    put_stock(lot, qualified, 10)

    def transfer(index):
        return stock_transfer(
            lot=lot,
            from_location=qualified,
            to_location=second_qualified,
            quantity=4,
            user=None,
            source=Source("test.transfer", 1),
            key="transfer-1",
        )

    results = run_at_once(transfer)

    assert StockMove.objects.filter(idempotency_key="transfer-1").count() == 1
    assert StockBalance.objects.get(lot=lot, location=qualified).on_hand == 6
    assert StockBalance.objects.get(lot=lot, location=second_qualified).on_hand == 4
    assert not [r for r in results if not isinstance(r, StockMove | StockError)], results
    assert_balances_sound()


def test_insufficient_stock_names_the_product(qualified):
    """The refusal the losing threads get is specific (what was asked, what is left)."""
    product = ProductFactory()
    put_stock(LotFactory(product=product), qualified, 4)
    with pytest.raises(InsufficientStock) as caught:
        allocate_fefo(
            requests=[AllocationRequest(product=product, quantity=5)],
            user=None,
            source=Source("test.order", 1),
        )
    assert caught.value.shortfalls[0].available == 4
    assert caught.value.shortfalls[0].requested == 5
