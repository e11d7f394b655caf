"""Sales returns: into the returns zone, never more than delivered, counters on the
delivery and order lines, and re-inspection back to qualified or to nonconforming."""

from decimal import Decimal

import pytest

from apps.core.exceptions import (
    DomainError,
    InvalidStateError,
    PermissionDeniedError,
    SegregationOfDutiesError,
)
from apps.core.tests.factories import UserFactory
from apps.inventory.models import MoveType, StockBalance, StockMove
from apps.inventory.selectors import lot_trace
from apps.inventory.selectors_ledger import ledger_discrepancies
from apps.inventory.services import StockError
from apps.sales.models import SalesReturn, SalesReturnStatus
from apps.sales.services.fulfilment import (
    CheckInput,
    delivery_check,
    delivery_create,
    delivery_ship,
)
from apps.sales.services.returns import ReturnLineInput, sales_return_create, sales_return_inspect
from apps.sales.trace import register

from .factories import confirmed_order, days

pytestmark = pytest.mark.django_db


def shipped(world, lines: dict):
    order = confirmed_order(world, lines)
    delivery = delivery_create(order=order, user=world.keeper)
    delivery_check(
        delivery=delivery,
        user=world.checker,
        confirmations=[
            CheckInput(line.pk, line.lot.batch_number, line.quantity)
            for line in delivery.lines.select_related("lot")
        ],
    )
    second = world.keeper2 if any(p.is_controlled for p in lines) else None
    return delivery_ship(
        delivery=delivery, user=world.keeper, transport_mode="ordinary", second_user=second
    )


def give_back(world, delivery, quantity, *, line=None, user=None, **kwargs):
    line = line or delivery.lines.get()
    kwargs.setdefault("location", world.returns)
    kwargs.setdefault("reason", "damaged box")
    return sales_return_create(
        delivery=delivery,
        user=user or world.keeper,
        lines=[ReturnLineInput(delivery_line=line, quantity=quantity)],
        **kwargs,
    )


def on_hand(lot, location) -> int:
    row = StockBalance.objects.filter(lot=lot, location=location).first()
    return row.on_hand if row else 0


def test_a_return_goes_into_the_returns_zone_and_counts_on_the_lines(world):
    lot = world.stock(quantity=100, unit_cost=Decimal("50.00"))
    delivery = shipped(world, {world.product: 10})

    sales_return = give_back(world, delivery, 3)

    assert sales_return.status == SalesReturnStatus.RECEIVED
    assert (sales_return.customer, sales_return.delivery) == (world.customer, delivery)
    [line] = sales_return.lines.all()
    assert (line.lot, line.location, line.quantity, line.pending_qty) == (
        lot,
        world.returns,
        3,
        3,
    )
    assert line.returned_on == sales_return.returned_on and line.customer == world.customer
    move = StockMove.objects.get(move_type=MoveType.SALES_RETURN)
    assert (move.lot, move.to_location, move.quantity, move.unit_cost) == (
        lot,
        world.returns,
        3,
        Decimal("50.0000"),
    )
    assert (move.source_type, move.source_id) == ("sales.salesreturn", sales_return.pk)
    assert on_hand(lot, world.returns) == 3 and on_hand(lot, world.qualified) == 90
    delivery_line = delivery.lines.get()
    assert delivery_line.returned_qty == 3
    order_line = delivery_line.order_line
    order_line.refresh_from_db()
    assert (order_line.shipped_qty, order_line.returned_qty) == (10, 3)
    assert ledger_discrepancies() == []


def test_returning_more_than_delivered_is_refused_and_saves_nothing(world):
    lot = world.stock(quantity=100)
    delivery = shipped(world, {world.product: 10})
    give_back(world, delivery, 8)

    with pytest.raises(DomainError) as caught:
        give_back(world, delivery, 3)
    assert caught.value.messages == [
        f"Lot {lot}: 10 shipped on delivery {delivery.number}, 8 already returned, 3 asked; "
        "at most 2 can be returned."
    ]
    # Two lines of one return that together exceed what is left are refused too.
    line = delivery.lines.get()
    with pytest.raises(DomainError, match="8 already returned, 3 asked"):
        sales_return_create(
            delivery=delivery,
            user=world.keeper,
            lines=[ReturnLineInput(line, 2), ReturnLineInput(line, 1)],
            location=world.returns,
            reason="more",
        )
    with pytest.raises(DomainError, match="at least 1"):
        give_back(world, delivery, 0)
    assert SalesReturn.objects.count() == 1
    assert on_hand(lot, world.returns) == 8
    assert delivery.lines.get().returned_qty == 8
    give_back(world, delivery, 2)
    assert delivery.lines.get().returned_qty == 10
    assert ledger_discrepancies() == []


def test_only_shipped_goods_come_back_and_only_into_a_returns_location(world):
    world.stock(quantity=100)
    order = confirmed_order(world, {world.product: 10})
    picking = delivery_create(order=order, user=world.keeper)
    with pytest.raises(InvalidStateError, match="only shipped goods can be returned"):
        give_back(world, picking, 1)
    delivery_check(
        delivery=picking,
        user=world.checker,
        confirmations=[
            CheckInput(line.pk, line.lot.batch_number, 10) for line in picking.lines.all()
        ],
    )
    delivery = delivery_ship(delivery=picking, user=world.keeper, transport_mode="ordinary")
    with pytest.raises(DomainError, match="not a returns location") as caught:
        give_back(world, delivery, 1, location=world.qualified)
    assert caught.value.field == "location"
    with pytest.raises(DomainError, match="in the future"):
        give_back(world, delivery, 1, returned_on=days(1))
    with pytest.raises(DomainError, match="reason"):
        give_back(world, delivery, 1, reason="")
    with pytest.raises(PermissionDeniedError):
        give_back(world, delivery, 1, user=world.checker)
    other = shipped(world, {world.product: 1})
    with pytest.raises(DomainError, match="not a line of delivery"):
        give_back(world, delivery, 1, line=other.lines.get())
    assert not SalesReturn.objects.exists()


def test_reinspection_sends_units_to_qualified_or_nonconforming(world):
    lot = world.stock(quantity=100)
    delivery = shipped(world, {world.product: 10})
    line = give_back(world, delivery, 5).lines.get()

    line = sales_return_inspect(
        line=line,
        user=world.inspector,
        qualified_qty=3,
        nonconforming_qty=0,
        qualified_location=world.qualified,
    )
    assert (line.qualified_qty, line.nonconforming_qty, line.pending_qty) == (3, 0, 2)
    assert line.inspected_by == world.inspector
    assert line.sales_return.status == SalesReturnStatus.RECEIVED

    with pytest.raises(DomainError, match="more than the 2 of 5 returned units"):
        sales_return_inspect(
            line=line,
            user=world.inspector,
            qualified_qty=1,
            nonconforming_qty=2,
            qualified_location=world.qualified,
            nonconforming_location=world.nonconforming,
            note="crushed",
        )
    with pytest.raises(DomainError, match="Describe what was found nonconforming"):
        sales_return_inspect(
            line=line,
            user=world.inspector,
            qualified_qty=0,
            nonconforming_qty=2,
            nonconforming_location=world.nonconforming,
        )
    with pytest.raises(DomainError, match="not a nonconforming location"):
        sales_return_inspect(
            line=line,
            user=world.inspector,
            qualified_qty=0,
            nonconforming_qty=2,
            nonconforming_location=world.qualified,
            note="crushed",
        )
    line = sales_return_inspect(
        line=line,
        user=world.inspector,
        qualified_qty=0,
        nonconforming_qty=2,
        nonconforming_location=world.nonconforming,
        note="crushed packaging",
    )
    assert (line.qualified_qty, line.nonconforming_qty, line.pending_qty) == (3, 2, 0)
    assert "crushed packaging" in line.inspection_note
    line.sales_return.refresh_from_db()
    assert line.sales_return.status == SalesReturnStatus.INSPECTED
    assert (
        on_hand(lot, world.returns),
        on_hand(lot, world.qualified),
        on_hand(lot, world.nonconforming),
    ) == (0, 93, 2)
    with pytest.raises(DomainError, match="more than the 0 of 5"):
        sales_return_inspect(
            line=line,
            user=world.inspector,
            qualified_qty=1,
            nonconforming_qty=0,
            qualified_location=world.qualified,
        )
    assert ledger_discrepancies() == []


def test_reinspection_rules_people_and_expired_lots(world):
    lot = world.stock(quantity=100)
    delivery = shipped(world, {world.product: 10})
    both = UserFactory(username="keeper_inspector", roles=["keeper", "inspector"])
    line = give_back(world, delivery, 4, user=both).lines.get()
    with pytest.raises(PermissionDeniedError):
        sales_return_inspect(
            line=line,
            user=world.keeper,
            qualified_qty=1,
            nonconforming_qty=0,
            qualified_location=world.qualified,
        )
    with pytest.raises(SegregationOfDutiesError, match="another person must re-inspect"):
        sales_return_inspect(
            line=line,
            user=both,
            qualified_qty=1,
            nonconforming_qty=0,
            qualified_location=world.qualified,
        )
    # An expired lot may not go back to qualified stock, only to nonconforming.
    type(lot).objects.filter(pk=lot.pk).update(expiry_date=days(-1))
    with pytest.raises(StockError, match="cannot go to the qualified zone"):
        sales_return_inspect(
            line=line,
            user=world.inspector,
            qualified_qty=4,
            nonconforming_qty=0,
            qualified_location=world.qualified,
        )
    sales_return_inspect(
        line=line,
        user=world.inspector,
        qualified_qty=0,
        nonconforming_qty=4,
        nonconforming_location=world.nonconforming,
        note="expired",
    )
    assert on_hand(lot, world.nonconforming) == 4
    assert ledger_discrepancies() == []


def test_a_controlled_product_is_reinspected_with_a_second_keeper(world):
    controlled = world.make_product(is_controlled=True)
    lot = world.stock(controlled, quantity=20)
    order = confirmed_order(world, {controlled: 5}, user=world.manager)
    delivery = delivery_create(order=order, user=world.keeper)
    delivery_check(
        delivery=delivery,
        user=world.checker,
        confirmations=[
            CheckInput(line.pk, line.lot.batch_number, 5) for line in delivery.lines.all()
        ],
    )
    delivery = delivery_ship(
        delivery=delivery, user=world.keeper, transport_mode="ordinary", second_user=world.keeper2
    )
    # Goods arriving back need one keeper; moving them on needs two.
    line = give_back(world, delivery, 2).lines.get()
    with pytest.raises(StockError, match="second keeper"):
        sales_return_inspect(
            line=line,
            user=world.inspector,
            qualified_qty=2,
            nonconforming_qty=0,
            qualified_location=world.qualified_controlled,
        )
    sales_return_inspect(
        line=line,
        user=world.inspector,
        qualified_qty=2,
        nonconforming_qty=0,
        qualified_location=world.qualified_controlled,
        second_user=world.keeper2,
    )
    assert on_hand(lot, world.qualified_controlled) == 17


def test_the_recall_trace_names_the_customer_of_each_shipment_and_return(world):
    register()
    lot = world.stock(quantity=100)
    delivery = shipped(world, {world.product: 10})
    sales_return = give_back(world, delivery, 1)

    trace = lot_trace(lot=lot)

    issue, back = trace.forward
    assert issue.move.move_type == MoveType.ISSUE and back.move.move_type == MoveType.SALES_RETURN
    assert ("Customer", world.customer.name) in issue.details
    assert ("Sales order", delivery.order.number) in issue.details
    assert ("Shipping date", delivery.shipped_on.isoformat()) in issue.details
    assert ("Original delivery", delivery.number) in back.details
    assert ("Reason", sales_return.reason) in back.details
    assert trace.issued == 10
