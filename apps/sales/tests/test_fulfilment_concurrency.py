"""Fulfilment under real concurrency (threads with their own connections, released by a
barrier): a delivery ships once, picking lists never take more than is reserved,
deliveries of one order keep the order's counters and status right, and returns never
exceed what was delivered. The stock ledger proves every balance afterwards."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection
from django.db.models import Sum

from apps.core.exceptions import DomainError, InvalidStateError
from apps.inventory.models import MoveType, StockBalance, StockMove
from apps.inventory.selectors_ledger import ledger_discrepancies
from apps.sales.models import Delivery, DeliveryStatus, SalesOrderStatus, SalesReturnLine
from apps.sales.services import order_reservations
from apps.sales.services.fulfilment import (
    CheckInput,
    delivery_check,
    delivery_create,
    delivery_ship,
)
from apps.sales.services.returns import ReturnLineInput, sales_return_create

from .factories import confirmed_order, sales_world

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 4


def run_at_once(target, count: int = THREADS) -> list:
    """`target(index)` in `count` threads released together: each one's result or
    exception, by index. Every thread closes its own database connection."""
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


def outcome(result) -> str:
    return "ok" if not isinstance(result, Exception) else type(result).__name__


def checked(world, delivery):
    return delivery_check(
        delivery=delivery,
        user=world.checker,
        confirmations=[
            CheckInput(line.pk, line.lot.batch_number, line.quantity)
            for line in delivery.lines.select_related("lot")
        ],
    )


def ship(world, delivery):
    return delivery_ship(delivery=delivery, user=world.keeper, transport_mode="ordinary")


def issued() -> int:
    return (
        StockMove.objects.filter(move_type=MoveType.ISSUE).aggregate(total=Sum("quantity"))["total"]
        or 0
    )


def test_racing_shipments_of_one_delivery_ship_it_once():
    world = sales_world()
    lot = world.stock(quantity=100)
    order = confirmed_order(world, {world.product: 10})
    delivery = checked(world, delivery_create(order=order, user=world.keeper))

    results = run_at_once(lambda i: ship(world, Delivery(pk=delivery.pk)))

    assert Counter(map(outcome, results)) == {"ok": 1, "InvalidStateError": THREADS - 1}, results
    assert StockMove.objects.filter(move_type=MoveType.ISSUE).count() == 1
    assert issued() == 10
    stock = StockBalance.objects.get(lot=lot, location=world.qualified)
    assert (stock.on_hand, stock.reserved) == (90, 0)
    order.refresh_from_db()
    assert order.status == SalesOrderStatus.SHIPPED and order.lines.get().shipped_qty == 10
    assert ledger_discrepancies() == []


def test_racing_picking_lists_never_take_more_than_is_reserved():
    world = sales_world()
    lot = world.stock(quantity=100)
    order = confirmed_order(world, {world.product: 10})
    reservation = order_reservations(order).get()

    # Each thread asks for 6 of the 10 reserved: only one list fits.
    results = run_at_once(
        lambda i: delivery_create(order=order, user=world.keeper, quantities={reservation.pk: 6})
    )
    assert Counter(map(outcome, results)) == {"ok": 1, "DomainError": THREADS - 1}, results
    assert all("at most 4 can be picked" in str(r) for r in results if isinstance(r, DomainError))

    # Then every thread picks, checks and ships whatever is left, all at once.
    def pick_check_ship(index):
        delivery = delivery_create(order=order, user=world.keeper)
        return ship(world, checked(world, delivery))

    results = run_at_once(pick_check_ship)
    assert Counter(map(outcome, results)) == {"ok": 1, "DomainError": THREADS - 1}, results
    first = Delivery.objects.get(status=DeliveryStatus.PICKING)
    ship(world, checked(world, first))

    assert issued() == 10  # never more than the reservation
    assert sorted(Delivery.objects.values_list("status", flat=True)) == ["shipped", "shipped"]
    stock = StockBalance.objects.get(lot=lot, location=world.qualified)
    assert (stock.on_hand, stock.reserved) == (90, 0)
    order.refresh_from_db()
    assert order.status == SalesOrderStatus.SHIPPED and order.lines.get().shipped_qty == 10
    assert ledger_discrepancies() == []


def test_two_deliveries_of_one_order_shipped_together_keep_the_counters_right():
    world = sales_world()
    world.stock(quantity=100)
    order = confirmed_order(world, {world.product: 10})
    reservation = order_reservations(order).get()
    deliveries = [
        checked(
            world,
            delivery_create(order=order, user=world.keeper, quantities={reservation.pk: 5}),
        )
        for _ in range(2)
    ]

    results = run_at_once(lambda i: ship(world, Delivery(pk=deliveries[i].pk)), count=2)

    assert [outcome(r) for r in results] == ["ok", "ok"], results
    order.refresh_from_db()
    assert order.status == SalesOrderStatus.SHIPPED  # the later one saw the earlier one
    assert order.lines.get().shipped_qty == 10
    assert issued() == 10
    assert ledger_discrepancies() == []


def test_racing_returns_never_exceed_what_was_delivered():
    world = sales_world()
    world.stock(quantity=100)
    order = confirmed_order(world, {world.product: 10})
    delivery = ship(world, checked(world, delivery_create(order=order, user=world.keeper)))
    line = delivery.lines.get()

    results = run_at_once(
        lambda i: sales_return_create(
            delivery=delivery,
            user=world.keeper,
            lines=[ReturnLineInput(delivery_line=line, quantity=4)],
            location=world.returns,
            reason=f"return {i}",
        )
    )

    assert Counter(map(outcome, results)) == {"ok": 2, "DomainError": THREADS - 2}, results
    line.refresh_from_db()
    assert line.returned_qty == 8
    assert SalesReturnLine.objects.aggregate(total=Sum("quantity"))["total"] == 8
    assert StockMove.objects.filter(move_type=MoveType.SALES_RETURN).count() == 2
    assert not any(isinstance(r, InvalidStateError) for r in results)
    assert ledger_discrepancies() == []
