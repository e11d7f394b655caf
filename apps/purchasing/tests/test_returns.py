"""Purchase returns (采购退货): the original order in strict mode, lots and quantities that
were really received on it, stock leaving through the ledger, and the line counters."""

from decimal import Decimal

import pytest

from apps.core.exceptions import DomainError
from apps.core.models import today
from apps.inventory.models import MoveType, StockMove
from apps.purchasing.models import PurchaseReturn, PurchaseReturnLine
from apps.purchasing.services import (
    ReturnLineInput,
    acceptance_create,
    po_close,
    purchase_return_create,
)

from .factories import (
    days,
    ledger_mismatches,
    on_hand,
    open_order,
    order_line,
    receive,
    set_company,
)

pytestmark = pytest.mark.django_db

ALL_OK = {"appearance_ok": True, "packaging_ok": True, "label_ok": True, "certificate_ok": True}


def accept(world, line, accepted, rejected=0, **kwargs):
    return acceptance_create(
        receipt_line=line,
        user=world.inspector,
        accepted_qty=accepted,
        rejected_qty=rejected,
        qualified_location=kwargs.pop("qualified_location", world.qualified),
        nonconforming_location=world.nonconforming,
        rejection_reason="broken" if rejected else "",
        **ALL_OK,
        **kwargs,
    )


def give_back(world, lines, *, order=None, **kwargs):
    params = {
        "user": world.purchaser,
        "supplier": world.supplier,
        "returned_on": today(),
        "reason": "quality complaint",
        "lines": lines,
        "order": order,
    }
    params.update(kwargs)
    return purchase_return_create(**params)


@pytest.fixture
def inspected(world):
    """40 arrived on an order of 100: 30 accepted, 10 rejected."""
    order = open_order(world, {world.product: 100}, price=Decimal("9.50"))
    line = receive(world, order, world.product, 40).lines.get()
    accept(world, line, 30, 10)
    return order, line


def assert_nothing_saved(moves_before):
    assert not PurchaseReturn.objects.exists()
    assert not PurchaseReturnLine.objects.exists()
    assert StockMove.objects.count() == moves_before


def test_return_of_rejected_goods_moves_received_to_returned(world, inspected):
    order, line = inspected
    ol = order_line(order, world.product)
    purchase_return = give_back(
        world,
        [ReturnLineInput(lot=line.lot, location=world.nonconforming, quantity=10, order_line=ol)],
        order=order,
    )
    assert purchase_return.number.startswith(f"PR-{today():%Y%m%d}-")
    ret_line = purchase_return.lines.get()
    assert ret_line.unit_price == Decimal("9.50")
    move = StockMove.objects.get(move_type=MoveType.PURCHASE_RETURN)
    assert (move.from_location, move.quantity, move.source_id) == (
        world.nonconforming,
        10,
        purchase_return.pk,
    )
    ol.refresh_from_db()
    assert (ol.received_qty, ol.returned_qty, ol.open_qty) == (30, 10, 60)
    assert on_hand(line.lot, world.nonconforming) == 0
    assert ledger_mismatches() == []


def test_strict_mode_requires_the_original_order(world, inspected):
    _order, line = inspected
    moves = StockMove.objects.count()
    with pytest.raises(DomainError, match="must reference the original purchase order"):
        give_back(world, [ReturnLineInput(lot=line.lot, location=world.qualified, quantity=1)])
    assert_nothing_saved(moves)


def test_the_order_line_is_found_by_product_when_not_given(world, inspected):
    order, line = inspected
    give_back(
        world, [ReturnLineInput(lot=line.lot, location=world.qualified, quantity=2)], order=order
    )
    assert order_line(order, world.product).returned_qty == 2


def test_lot_must_have_been_received_on_that_order_line(world, inspected):
    order, line = inspected
    other_order = open_order(world, {world.product: 10})
    other_line = receive(world, other_order, world.product, 5).lines.get()
    accept(world, other_line, 5)
    moves = StockMove.objects.count()
    with pytest.raises(DomainError, match="was not received on order"):
        give_back(
            world,
            [ReturnLineInput(lot=other_line.lot, location=world.qualified, quantity=1)],
            order=order,
        )
    assert_nothing_saved(moves)


def test_cannot_return_more_than_received_of_the_lot(world, inspected):
    order, line = inspected
    moves = StockMove.objects.count()
    with pytest.raises(DomainError) as error:
        give_back(
            world,
            [
                ReturnLineInput(lot=line.lot, location=world.qualified, quantity=30),
                ReturnLineInput(lot=line.lot, location=world.nonconforming, quantity=11),
            ],
            order=order,
        )
    assert "only 40" in error.value.messages[0] and "41" in error.value.messages[0]
    assert_nothing_saved(moves)
    give_back(
        world, [ReturnLineInput(lot=line.lot, location=world.qualified, quantity=30)], order=order
    )
    with pytest.raises(DomainError, match="only 10"):
        give_back(
            world,
            [ReturnLineInput(lot=line.lot, location=world.nonconforming, quantity=11)],
            order=order,
        )


def test_cannot_return_more_than_is_in_the_location(world, inspected):
    order, line = inspected
    moves = StockMove.objects.count()
    with pytest.raises(DomainError, match="has 10 available"):
        give_back(
            world,
            [ReturnLineInput(lot=line.lot, location=world.nonconforming, quantity=11)],
            order=order,
        )
    assert_nothing_saved(moves)
    assert order_line(order, world.product).returned_qty == 0


@pytest.mark.parametrize(
    ("quantity", "kwargs", "message"),
    [
        (0, {}, "at least 1"),
        (-2, {}, "at least 1"),
        (1.5, {}, "whole number"),
        (1, {"reason": ""}, "reason for the return"),
        (1, {"returned_on": days(1)}, "future"),
        (1, {"returned_on": "today"}, "valid date"),
    ],
)
def test_bad_returns_save_nothing(world, inspected, quantity, kwargs, message):
    order, line = inspected
    moves = StockMove.objects.count()
    with pytest.raises(DomainError, match=message):
        give_back(
            world,
            [ReturnLineInput(lot=line.lot, location=world.qualified, quantity=quantity)],
            order=order,
            **kwargs,
        )
    assert_nothing_saved(moves)


def test_goods_awaiting_inspection_cannot_be_returned(world):
    order = open_order(world)
    line = receive(world, order, world.product, 5).lines.get()
    with pytest.raises(DomainError, match="awaiting inspection"):
        give_back(
            world, [ReturnLineInput(lot=line.lot, location=world.pending, quantity=1)], order=order
        )
    assert order_line(order, world.product).returned_qty == 0


def test_expired_lots_can_go_back_and_closed_orders_accept_returns(world):
    order = open_order(world)
    line = receive(
        world, order, world.product, 5, production_date=days(-400), expiry_date=days(-1)
    ).lines.get()
    accept(world, line, 0, 5)
    po_close(order=order, user=world.purchaser, reason="rest not coming")
    give_back(
        world,
        [ReturnLineInput(lot=line.lot, location=world.nonconforming, quantity=5)],
        order=order,
    )
    assert order_line(order, world.product).returned_qty == 5


def test_controlled_products_need_a_second_keeper_to_leave(world):
    controlled = world.make_product(is_controlled=True)
    order = open_order(world, {controlled: 10})
    line = receive(world, order, controlled, 10).lines.get()
    accept(
        world, line, 10, qualified_location=world.qualified_controlled, second_keeper=world.keeper
    )
    lines = [ReturnLineInput(lot=line.lot, location=world.qualified_controlled, quantity=4)]
    moves = StockMove.objects.count()
    with pytest.raises(DomainError, match="second keeper"):
        give_back(world, lines, order=order)
    assert_nothing_saved(moves)
    give_back(world, lines, order=order, second_keeper=world.keeper2)
    assert StockMove.objects.get(move_type=MoveType.PURCHASE_RETURN).second_user == world.keeper2


def test_lenient_mode_may_return_without_an_order(world):
    set_company(order_control_mode="lenient")
    receipt = receive(world, None, world.product, 8, unit_price=Decimal("7.77"))
    line = receipt.lines.get()
    accept(world, line, 8)
    purchase_return = give_back(
        world, [ReturnLineInput(lot=line.lot, location=world.qualified, quantity=3)]
    )
    assert purchase_return.order is None
    assert purchase_return.lines.get().unit_price == Decimal("7.77")
    assert on_hand(line.lot, world.qualified) == 5
    assert ledger_mismatches() == []
