"""Threads on PostgreSQL racing for the same limit, the same lots and the same order."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from apps.catalog.models import MaxQtyPeriod
from apps.core.exceptions import DomainError
from apps.inventory.models import StockBalance
from apps.inventory.selectors_ledger import ledger_discrepancies
from apps.sales.models import HoldStatus, SalesOrder, SalesOrderStatus
from apps.sales.services import (
    LineInput,
    approvals_problem,
    order_reservations,
    sales_order_approve,
    sales_order_confirm,
    sales_order_submit,
    sales_order_update,
)

from .factories import draft_order, sales_world

pytestmark = pytest.mark.django_db(transaction=True)


def race(*jobs):
    """Run the callables at once behind a barrier; return each outcome in order."""
    barrier = threading.Barrier(len(jobs))
    outcomes = [None] * len(jobs)

    def run(index, job):
        try:
            barrier.wait(timeout=10)
            job()
            outcomes[index] = "ok"
        except DomainError as error:
            outcomes[index] = "refused: " + "; ".join(error.messages)
        except Exception as error:  # noqa: BLE001 - reported through the assertions
            outcomes[index] = f"crashed: {error!r}"
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_concurrent_orders_never_exceed_the_period_limit_together():
    world = sales_world()
    world.product.max_qty = 2000
    world.product.max_qty_period = MaxQtyPeriod.QUARTER
    world.product.save()
    world.stock(quantity=10_000)
    orders = [draft_order(world, {world.product: 600}) for _ in range(6)]
    outcomes = race(*[lambda o=o: sales_order_confirm(order=o, user=world.sales) for o in orders])
    assert outcomes.count("ok") == 3, outcomes
    assert all("available" in o for o in outcomes if o != "ok"), outcomes
    confirmed = SalesOrder.objects.filter(status=SalesOrderStatus.CONFIRMED)
    assert confirmed.count() == 3
    assert sum(r.quantity for o in confirmed for r in order_reservations(o)) == 1800


def test_concurrent_confirmations_never_oversell_a_lot():
    world = sales_world()
    lot = world.stock(quantity=100)
    customers = [world.customer, world.distributor] * 4
    orders = [draft_order(world, {world.product: 30}, customer=c) for c in customers]
    outcomes = race(*[lambda o=o: sales_order_confirm(order=o, user=world.sales) for o in orders])
    assert outcomes.count("ok") == 3, outcomes
    assert all("30 wanted, only 10 available" in o for o in outcomes if o != "ok"), outcomes
    balance = StockBalance.objects.get(lot=lot)
    assert (balance.on_hand, balance.reserved) == (100, 90)
    assert ledger_discrepancies() == []


def test_an_approval_racing_an_edit_never_confirms_an_unapproved_price():
    world = sales_world()
    world.stock(quantity=100)
    for _round in range(4):
        order = sales_order_submit(
            order=draft_order(world, {world.product: 5}, price=Decimal("110")), user=world.sales
        )
        outcomes = race(
            lambda o=order: sales_order_approve(order=o, user=world.manager, reason="agreed"),
            lambda o=order: sales_order_update(
                order=o,
                user=world.sales,
                lines=[LineInput(product=world.product, quantity=5, unit_price=Decimal("180"))],
            ),
        )
        assert not any(o.startswith("crashed") for o in outcomes), outcomes
        # Either order of events ends the same: the edit ran first and the approval found
        # a draft (refused), or the approval ran first and the edit voided it. Without the
        # order lock, an approval landing after the edit would approve the new price.
        order.refresh_from_db()
        line = order.lines.get()
        assert (order.status, line.unit_price) == (SalesOrderStatus.DRAFT, Decimal("180"))
        assert not order.holds.filter(status=HoldStatus.APPROVED).exists()
        assert approvals_problem(order) is None or order.status == SalesOrderStatus.DRAFT
        order = sales_order_confirm(order=order, user=world.sales)
        assert order.status == SalesOrderStatus.PENDING_APPROVAL
        assert not order_reservations(order).exists()
