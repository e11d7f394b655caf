"""Confirming an order (every control + FEFO reservation) costs a number of queries that
depends neither on how many lots the products have nor on how many lines the order has
(issue 4, "Speed"; `make bench` times the same path on 200,000 lots)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.catalog.models import MaxQtyPeriod
from apps.inventory.models import StockReservation
from apps.sales.models import SalesOrderStatus
from apps.sales.services import sales_order_confirm

from .factories import confirmed_order, draft_order

pytestmark = pytest.mark.django_db

QUANTITY = 12


def limited_products(world, count: int) -> list:
    """Products under a quarterly limit, so the period-usage control runs too."""
    return [
        world.make_product(max_qty=10_000, max_qty_period=MaxQtyPeriod.QUARTER)
        for _ in range(count)
    ]


def stock_in_lots(world, products, lots: int) -> None:
    """`lots` lots per product holding QUANTITY in all: with 30 lots, FEFO takes three
    lots (5 + 5 + 2 units) per line out of 30 candidates; with one, one lot."""
    per_lot = QUANTITY if lots == 1 else 5
    for product in products:
        for n in range(lots):
            world.stock(product, per_lot, expiry_days=300 + n)


def confirm_queries(world, products) -> tuple[int, int]:
    """(queries of `sales_order_confirm` on a fresh draft, reservations it made)."""
    order = draft_order(world, {p: QUANTITY for p in products})
    with CaptureQueriesContext(connection) as ctx:
        order = sales_order_confirm(order=order, user=world.sales)
    assert order.status == SalesOrderStatus.CONFIRMED
    made = StockReservation.objects.filter(source_type="sales.order", source_id=order.pk)
    return len(ctx.captured_queries), made.count()


@pytest.fixture
def warmed(world):
    """One confirmation first, so per-process caches (content types, the user's
    permissions) do not make the first measured order look dearer."""
    world.stock(quantity=50)
    confirmed_order(world, {world.product: 1})
    return world


def test_confirm_query_count_does_not_grow_with_the_lots_per_product(warmed):
    world = warmed
    one_lot = limited_products(world, 20)
    thirty_lots = limited_products(world, 20)
    stock_in_lots(world, one_lot, 1)
    stock_in_lots(world, thirty_lots, 30)

    queries_one, reserved_one = confirm_queries(world, one_lot)
    queries_thirty, reserved_thirty = confirm_queries(world, thirty_lots)

    assert (reserved_one, reserved_thirty) == (20, 60)
    assert queries_thirty == queries_one


def test_confirm_query_count_does_not_grow_with_the_lines(warmed):
    world = warmed
    five = limited_products(world, 5)
    twenty = limited_products(world, 20)
    stock_in_lots(world, five + twenty, 30)

    queries_five, reserved_five = confirm_queries(world, five)
    queries_twenty, reserved_twenty = confirm_queries(world, twenty)

    assert (reserved_five, reserved_twenty) == (15, 60)
    assert queries_twenty == queries_five
