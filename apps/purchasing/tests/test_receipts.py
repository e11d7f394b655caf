"""Receipts (到货): order reference by control mode, quantity and price tolerances, batches,
cold chain, pending locations, the stock ledger and the order line counters."""

from decimal import Decimal

import pytest

from apps.catalog.models import StorageCondition
from apps.core.exceptions import DomainError, InvalidStateError, TradeNotAllowed
from apps.core.models import today
from apps.inventory.models import Lot, MoveType, StockBalance, StockMove, Zone
from apps.inventory.tests.factories import LocationFactory, WarehouseFactory
from apps.purchasing.models import Receipt, ReceiptLine
from apps.purchasing.services import OrderLineInput, po_create, receipt_create
from apps.suppliers.models import SalesRepAuthorisation
from apps.suppliers.tests.factories import tradeable_supplier

from .factories import (
    days,
    ledger_mismatches,
    on_hand,
    open_order,
    order_line,
    receipt_line_input,
    receive,
    set_company,
)

pytestmark = pytest.mark.django_db


def assert_nothing_saved():
    assert not Receipt.objects.exists()
    assert not ReceiptLine.objects.exists()
    assert not StockMove.objects.exists()
    assert not Lot.objects.exists()


def test_receipt_books_into_pending_and_counts_on_the_order_line(world):
    order = open_order(world, price=Decimal("11.30"))
    receipt = receive(
        world, order, world.product, 60, reasonable_loss_qty=2, unreasonable_loss_qty=1
    )
    assert receipt.number.startswith(f"RC-{today():%Y%m%d}-")
    line = receipt.lines.get()
    assert line.location == world.pending
    assert line.unit_price == Decimal("11.30") and line.tax_rate == Decimal("13")
    move = StockMove.objects.get()
    assert (move.move_type, move.quantity, move.to_location) == (
        MoveType.RECEIVE,
        60,
        world.pending,
    )
    assert (move.source_type, move.source_id, move.source_number) == (
        "purchasing.receipt",
        receipt.pk,
        receipt.number,
    )
    assert move.unit_cost == Decimal("10.0000")  # 11.30 / 1.13
    ol = order_line(order, world.product)
    assert (ol.received_qty, ol.reasonable_loss_qty, ol.unreasonable_loss_qty) == (60, 2, 1)
    assert ol.open_qty == 37
    assert on_hand(line.lot, world.pending) == 60
    assert ledger_mismatches() == []


def test_strict_mode_requires_an_open_order_of_that_supplier(world):
    with pytest.raises(DomainError, match="must reference an open purchase order"):
        receive(world, None, world.product, 1, unit_price=Decimal(1))
    order = open_order(world)
    stranger = tradeable_supplier(categories=[world.category])
    with pytest.raises(DomainError, match="not from"):
        receipt_create(
            user=world.keeper,
            supplier=stranger,
            warehouse=world.warehouse,
            received_on=today(),
            order=order,
            lines=[receipt_line_input(world.product, 1)],
        )
    assert_nothing_saved()


def test_strict_mode_refuses_a_product_not_on_the_order_naming_it(world):
    order = open_order(world)
    stranger = world.make_product(name="心脏支架X")
    with pytest.raises(DomainError) as error:
        receive(world, order, stranger, 1)
    assert "心脏支架X" in error.value.messages[0]
    assert "is not on order" in error.value.messages[0]
    other_order = open_order(world)
    with pytest.raises(DomainError, match="belongs to another order"):
        receive(world, order, world.product, 1, order_line=order_line(other_order, world.product))
    assert not Receipt.objects.exists()


def test_strict_mode_refuses_draft_and_warehouse_mismatch(world):
    draft = po_create(
        user=world.purchaser,
        supplier=world.supplier,
        order_date=today(),
        warehouse=world.warehouse,
        lines=[OrderLineInput(product=world.product, quantity=5, unit_price=Decimal(1))],
    )
    with pytest.raises(InvalidStateError, match="open order"):
        receive(world, draft, world.product, 1)
    order = open_order(world)
    other = WarehouseFactory(code="WH2", name="北京仓")
    with pytest.raises(DomainError, match="to be received in warehouse"):
        receipt_create(
            user=world.keeper,
            supplier=world.supplier,
            warehouse=other,
            received_on=today(),
            order=order,
            lines=[receipt_line_input(world.product, 1)],
        )
    assert not Receipt.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"quantity": 0}, "at least 1"),
        ({"quantity": -3}, "at least 1"),
        ({"quantity": 2.0}, "whole number"),
        ({"quantity": 10_000_001}, "largest quantity"),
        ({"reasonable_loss_qty": -1}, "at least 0"),
        ({"unit_price": Decimal("-1")}, "negative"),
        ({"expiry_date": "2030-01-01"}, "valid date"),
        ({"production_date": days(10), "expiry_date": days(5)}, "before the production date"),
        ({"batch_number": "  "}, "batch number"),
        ({"arrival_temperature": True}, "must be a number"),
    ],
)
def test_bad_receipt_lines_save_nothing(world, kwargs, message):
    order = open_order(world)
    quantity = kwargs.pop("quantity", 5)
    with pytest.raises(DomainError, match=message):
        receipt_create(
            user=world.keeper,
            supplier=world.supplier,
            warehouse=world.warehouse,
            received_on=today(),
            order=order,
            lines=[receipt_line_input(world.product, quantity, **kwargs)],
        )
    assert_nothing_saved()
    assert order_line(order, world.product).received_qty == 0


def test_arrival_date_cannot_be_in_the_future_or_before_the_order(world):
    order = open_order(world, order_date=days(-2))
    for day, message in ((days(1), "future"), (days(-3), "before the order date")):
        with pytest.raises(DomainError, match=message):
            receipt_create(
                user=world.keeper,
                supplier=world.supplier,
                warehouse=world.warehouse,
                received_on=day,
                order=order,
                lines=[receipt_line_input(world.product, 1)],
            )
    assert_nothing_saved()


def test_over_receipt_within_tolerance_only(world):
    order = open_order(world, {world.product: 100})
    with pytest.raises(DomainError) as error:
        receive(world, order, world.product, 100, reasonable_loss_qty=1)
    assert "101" in error.value.messages[0] and "100" in error.value.messages[0]
    set_company(over_receipt_tolerance_pct=Decimal("5"))
    with pytest.raises(DomainError, match="tolerance of 5"):
        receive(world, order, world.product, 106)
    assert_nothing_saved()
    receive(world, order, world.product, 100)
    receive(world, order, world.product, 3, unreasonable_loss_qty=2)
    line = order_line(order, world.product)
    assert line.open_qty == -5
    with pytest.raises(DomainError, match="exceed what is open"):
        receive(world, order, world.product, 1)
    assert line.quantity == (
        line.received_qty
        + line.reasonable_loss_qty
        + line.unreasonable_loss_qty
        + line.returned_qty
        + line.open_qty
    )


def test_two_batches_of_one_line_in_one_receipt_count_together(world):
    order = open_order(world, {world.product: 10})
    with pytest.raises(DomainError, match="exceed what is open"):
        receipt_create(
            user=world.keeper,
            supplier=world.supplier,
            warehouse=world.warehouse,
            received_on=today(),
            order=order,
            lines=[
                receipt_line_input(world.product, 6),
                receipt_line_input(world.product, 5),
            ],
        )
    assert_nothing_saved()
    receipt = receipt_create(
        user=world.keeper,
        supplier=world.supplier,
        warehouse=world.warehouse,
        received_on=today(),
        order=order,
        lines=[receipt_line_input(world.product, 6), receipt_line_input(world.product, 4)],
    )
    assert receipt.lines.count() == 2
    assert order_line(order, world.product).open_qty == 0


def test_receipt_price_tolerance(world):
    order = open_order(world, price=Decimal("100"))
    with pytest.raises(DomainError) as error:
        receive(world, order, world.product, 1, unit_price=Decimal("100.01"))
    assert "100.01" in error.value.messages[0] and "100" in error.value.messages[0]
    set_company(receipt_price_tolerance_pct=Decimal("2"))
    with pytest.raises(DomainError, match="tolerance of 2"):
        receive(world, order, world.product, 1, unit_price=Decimal("97.99"))
    assert_nothing_saved()
    receipt = receive(world, order, world.product, 1, unit_price=Decimal("98"))
    assert receipt.lines.get().unit_price == Decimal("98")


def test_batch_rules(world):
    serial_product = world.make_product(is_serialised=True)
    order = open_order(world, {world.product: 50, serial_product: 5})
    with pytest.raises(DomainError, match="serial number"):
        receive(world, order, serial_product, 1)
    receive(world, order, world.product, 5, batch_number="LOT-1", expiry_date=days(500))
    with pytest.raises(DomainError, match="already on file with expiry"):
        receive(world, order, world.product, 5, batch_number="LOT-1", expiry_date=days(501))
    again = receive(world, order, world.product, 5, batch_number="LOT-1", expiry_date=days(500))
    assert Lot.objects.filter(batch_number="LOT-1").count() == 1
    assert on_hand(again.lines.get().lot, world.pending) == 10
    receive(world, order, serial_product, 1, serial_number="SN-001")
    assert Lot.objects.get(product=serial_product).serial_number == "SN-001"


def test_cold_chain_needs_temperature_and_cold_transport(world):
    cold = world.make_product(storage_condition=StorageCondition.COLD)
    order = open_order(world, {cold: 20})
    with pytest.raises(DomainError, match="arrival temperature"):
        receive(world, order, cold, 5, arrival_temperature=None)
    with pytest.raises(DomainError, match="refrigerated vehicle or in a cold box"):
        receive(world, order, cold, 5, transport_mode="ordinary")
    assert_nothing_saved()
    receipt = receive(
        world, order, cold, 5, transport_mode="refrigerated_vehicle", arrival_temperature=12
    )
    line = receipt.lines.get()
    assert line.arrival_temperature == Decimal("12")  # recorded, decided at acceptance
    assert line.location == world.pending_cold


def test_location_must_be_pending_in_the_warehouse_and_suit_the_product(world):
    order = open_order(world)
    with pytest.raises(DomainError, match="pending-inspection location"):
        receive(world, order, world.product, 1, location=world.qualified)
    with pytest.raises(DomainError, match="needs Ambient"):
        receive(world, order, world.product, 1, location=world.pending_cold)
    other = LocationFactory(code="P-B", zone=Zone.PENDING, warehouse__code="WH9")
    with pytest.raises(DomainError, match="is not in warehouse"):
        receive(world, order, world.product, 1, location=other)
    assert not Receipt.objects.exists()
    cool = world.make_product(storage_condition=StorageCondition.COOL)
    cool_order = open_order(world, {cool: 5})
    with pytest.raises(DomainError, match="no active pending-inspection location"):
        receive(world, cool_order, cool, 1)


def test_lenient_mode_receives_without_an_order_but_enforces_licences(world):
    set_company(order_control_mode="lenient")
    with pytest.raises(DomainError, match="enter the unit price"):
        receive(world, None, world.product, 3)
    receipt = receive(world, None, world.product, 3, unit_price=Decimal("5.65"))
    line = receipt.lines.get()
    assert line.order_line is None and receipt.order is None
    assert StockMove.objects.get().unit_cost == Decimal("5.0000")
    with pytest.raises(DomainError, match="against an order line"):
        receive(world, None, world.product, 3, unit_price=Decimal(1), reasonable_loss_qty=1)

    SalesRepAuthorisation.objects.filter(supplier=world.supplier).update(
        valid_from=days(-400), valid_until=days(-10)
    )
    stopped = world.make_product(is_stopped=True, stop_reason="recall")
    count = StockMove.objects.count()
    with pytest.raises(TradeNotAllowed) as error:
        receipt_create(
            user=world.keeper,
            supplier=world.supplier,
            warehouse=world.warehouse,
            received_on=today(),
            lines=[
                receipt_line_input(world.product, 1, unit_price=Decimal(1)),
                receipt_line_input(stopped, 1, unit_price=Decimal(1)),
            ],
        )
    text = " ".join(error.value.messages)
    assert "sales representative" in text and "stopped from sale" in text
    assert StockMove.objects.count() == count
    assert Receipt.objects.count() == 1


def test_lenient_mode_enforces_licences_on_an_order_too(world):
    set_company(order_control_mode="lenient")
    order = open_order(world)
    world.product.registration_valid_until = days(-1)
    world.product.save()
    with pytest.raises(TradeNotAllowed, match="registration certificate"):
        receive(world, order, world.product, 1)
    assert not Receipt.objects.exists()
    assert order_line(order, world.product).received_qty == 0


def test_strict_mode_does_not_recheck_licences_at_the_receipt(world):
    order = open_order(world)
    world.product.registration_valid_until = days(-1)
    world.product.save()
    assert receive(world, order, world.product, 1).lines.count() == 1


def test_balances_match_the_ledger_after_several_receipts(world):
    other = world.make_product()
    order = open_order(world, {world.product: 30, other: 30})
    receive(world, order, world.product, 10)
    receive(world, order, other, 7)
    receive(world, order, world.product, 20)
    assert ledger_mismatches() == []
    assert sum(StockBalance.objects.values_list("on_hand", flat=True)) == 37
