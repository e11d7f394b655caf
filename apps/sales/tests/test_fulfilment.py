"""Picking, double-check (复核) and shipment: the stock ledger, the order counters and
every rule that refuses (segregation of duties, batch mismatch, over-reserved, double
shipping, cold chain, controlled products)."""

import datetime
from decimal import Decimal

import pytest

from apps.catalog.models import StorageCondition
from apps.core.exceptions import (
    DomainError,
    InvalidStateError,
    PermissionDeniedError,
    SegregationOfDutiesError,
)
from apps.core.models import CompanySettings, LicenceType, OrderControlMode
from apps.core.tests.factories import UserFactory
from apps.core.validators import gtin_check_digit
from apps.inventory.models import Lot, MoveType, StockBalance, StockMove
from apps.inventory.selectors_ledger import ledger_discrepancies
from apps.inventory.services import StockError, stock_release
from apps.sales.models import DeliveryStatus, DeliveryTransportMode, SalesOrderStatus
from apps.sales.services import ControlsRefused, order_reservations, sales_order_close
from apps.sales.services.fulfilment import (
    CheckInput,
    CheckMismatch,
    delivery_cancel,
    delivery_check,
    delivery_create,
    delivery_ship,
)

from .factories import confirmed_order, days

pytestmark = pytest.mark.django_db


def confirm_all(delivery, **overrides):
    """The checker's confirmations that match the picking list exactly."""
    return [
        CheckInput(
            line_id=line.pk,
            batch_number=overrides.get(line.pk, line.lot.batch_number),
            quantity=line.quantity,
        )
        for line in delivery.lines.select_related("lot").order_by("pk")
    ]


def pick_and_check(world, order, quantities=None):
    delivery = delivery_create(order=order, user=world.keeper, quantities=quantities)
    return delivery_check(
        delivery=delivery, user=world.checker, confirmations=confirm_all(delivery)
    )


def ship(world, delivery, **kwargs):
    kwargs.setdefault("transport_mode", DeliveryTransportMode.ORDINARY)
    return delivery_ship(delivery=delivery, user=world.keeper, **kwargs)


def issues():
    return StockMove.objects.filter(move_type=MoveType.ISSUE)


def balance(lot, location):
    return StockBalance.objects.get(lot=lot, location=location)


def line_of(order):
    return order.lines.get()


# --------------------------------------------------------------------------- happy path


def test_confirm_pick_check_ship_posts_the_stock_and_counts_the_order(world):
    lot = world.stock(quantity=100, unit_cost=Decimal("50.00"))
    order = confirmed_order(world, {world.product: 10})
    assert balance(lot, world.qualified).reserved == 10

    delivery = delivery_create(order=order, user=world.keeper)
    assert delivery.status == DeliveryStatus.PICKING
    assert delivery.picked_by == world.keeper
    [line] = delivery.lines.all()
    assert (line.lot, line.location, line.quantity) == (lot, world.qualified, 10)
    assert line.unit_price == Decimal("90.0000")
    assert not issues().exists()

    delivery = delivery_check(
        delivery=delivery, user=world.checker, confirmations=confirm_all(delivery), note="ok"
    )
    assert delivery.status == DeliveryStatus.CHECKED
    assert delivery.checked_by == world.checker and delivery.check_note == "ok"
    line.refresh_from_db()
    assert (line.checked_qty, line.checked_batch) == (10, lot.batch_number)

    delivery = ship(world, delivery, carrier="顺丰")
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SHIPPED
    assert delivery.shipped_by == world.keeper and delivery.carrier == "顺丰"
    [move] = issues()
    assert (move.lot, move.from_location, move.quantity) == (lot, world.qualified, 10)
    assert (move.source_type, move.source_id, move.source_number) == (
        "sales.delivery",
        delivery.pk,
        delivery.number,
    )
    assert move.idempotency_key == f"sales.delivery:{line.pk}"
    assert (balance(lot, world.qualified).on_hand, balance(lot, world.qualified).reserved) == (
        90,
        0,
    )
    line.refresh_from_db()
    assert line.unit_cost == Decimal("50.0000") and line.shipped_on == delivery.shipped_on
    order.refresh_from_db()
    assert order.status == SalesOrderStatus.SHIPPED
    order_line = line_of(order)
    assert (order_line.shipped_qty, order_line.open_qty) == (10, 0)
    assert not order_reservations(order).exists()
    assert ledger_discrepancies() == []


def test_two_partial_deliveries_ship_the_order_lot_by_lot(world):
    early = world.stock(quantity=6, expiry_days=300)
    late = world.stock(quantity=100, expiry_days=600)
    order = confirmed_order(world, {world.product: 10})
    reservations = {
        r.balance.lot_id: r for r in order_reservations(order).select_related("balance")
    }
    assert {lot: r.quantity for lot, r in reservations.items()} == {early.pk: 6, late.pk: 4}

    first = pick_and_check(world, order, quantities={reservations[early.pk].pk: 6})
    # Only what is not on the open picking list is offered to the next one.
    second = delivery_create(order=order, user=world.keeper)
    assert [(line.lot_id, line.quantity) for line in second.lines.all()] == [(late.pk, 4)]
    with pytest.raises(DomainError, match="Nothing is left to pick"):
        delivery_create(order=order, user=world.keeper)

    ship(world, first)
    order.refresh_from_db()
    assert order.status == SalesOrderStatus.PARTIALLY_SHIPPED
    assert (line_of(order).shipped_qty, line_of(order).open_qty) == (6, 4)

    delivery_check(delivery=second, user=world.checker, confirmations=confirm_all(second))
    ship(world, second)
    order.refresh_from_db()
    assert order.status == SalesOrderStatus.SHIPPED
    assert line_of(order).shipped_qty == 10
    assert sorted(issues().values_list("lot_id", "quantity")) == sorted(
        [(early.pk, 6), (late.pk, 4)]
    )
    assert balance(early, world.qualified).on_hand == 0
    assert (balance(late, world.qualified).on_hand, balance(late, world.qualified).reserved) == (
        96,
        0,
    )
    assert ledger_discrepancies() == []


def test_picking_more_than_reserved_names_the_lot_and_the_numbers(world):
    lot = world.stock(quantity=100)
    order = confirmed_order(world, {world.product: 10})
    reservation = order_reservations(order).get()
    delivery_create(order=order, user=world.keeper, quantities={reservation.pk: 7})
    with pytest.raises(DomainError) as caught:
        delivery_create(order=order, user=world.keeper, quantities={reservation.pk: 4})
    assert caught.value.messages == [
        f"Lot {lot} in {world.qualified}: 10 reserved for order {order.number}, 7 already on "
        "open picking lists, 4 asked; at most 3 can be picked."
    ]
    with pytest.raises(DomainError, match="at least 0"):
        delivery_create(order=order, user=world.keeper, quantities={reservation.pk: -1})
    with pytest.raises(DomainError, match="not an open reservation"):
        delivery_create(order=order, user=world.keeper, quantities={reservation.pk + 999: 1})
    assert order.deliveries.count() == 1


def test_only_pickers_pick_and_only_confirmed_orders(world):
    world.stock(quantity=100)
    order = confirmed_order(world, {world.product: 10})
    with pytest.raises(PermissionDeniedError):
        delivery_create(order=order, user=world.sales)
    sales_order_close(order=order, user=world.sales, reason="customer cancelled")
    with pytest.raises(InvalidStateError, match="only a confirmed"):
        delivery_create(order=order, user=world.keeper)


# --------------------------------------------------------------------------- double-check


def test_the_picker_may_not_check_their_own_picking_list(world):
    world.stock(quantity=100)
    both = UserFactory(username="keeper_checker", roles=["keeper", "checker"])
    order = confirmed_order(world, {world.product: 10})
    delivery = delivery_create(order=order, user=both)
    with pytest.raises(SegregationOfDutiesError, match="another person must double-check"):
        delivery_check(delivery=delivery, user=both, confirmations=confirm_all(delivery))
    with pytest.raises(PermissionDeniedError):
        delivery_check(delivery=delivery, user=world.sales, confirmations=confirm_all(delivery))
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PICKING and delivery.checked_by is None


def test_a_batch_or_quantity_mismatch_blocks_and_saves_nothing(world):
    other = world.make_product()
    lot = world.stock(quantity=100)
    other_lot = world.stock(other, quantity=100)
    order = confirmed_order(world, {world.product: 10, other: 5})
    delivery = delivery_create(order=order, user=world.keeper)
    first, second = delivery.lines.order_by("pk")
    confirmations = [
        CheckInput(first.pk, "WRONG-1", 10),
        CheckInput(second.pk, other_lot.batch_number, 4),
    ]
    with pytest.raises(CheckMismatch) as caught:
        delivery_check(delivery=delivery, user=world.checker, confirmations=confirmations)
    assert caught.value.mismatches == [
        f"Line 1 ({first.product}, batch {lot.batch_number}, 10 picked): batch WRONG-1 was "
        f"entered, batch {lot.batch_number} was picked.",
        f"Line 2 ({second.product}, batch {other_lot.batch_number}, 5 picked): 4 counted, "
        "5 picked.",
    ]
    # A line left out is a mismatch too.
    with pytest.raises(CheckMismatch, match="Line 2 .*: not confirmed"):
        delivery_check(
            delivery=delivery,
            user=world.checker,
            confirmations=[CheckInput(first.pk, lot.batch_number, 10)],
        )
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PICKING and delivery.checked_by is None
    assert list(delivery.lines.values_list("checked_qty", "checked_batch")) == [(None, "")] * 2
    with pytest.raises(InvalidStateError, match="only a double-checked delivery can ship"):
        ship(world, delivery)
    assert not issues().exists()


def test_a_gs1_scan_confirms_the_batch(world):
    body = "690123456789"
    world.product.barcode = body + gtin_check_digit(body)
    world.product.save()
    lot = world.stock(quantity=100, batch="B2026A")
    order = confirmed_order(world, {world.product: 10})
    delivery = delivery_create(order=order, user=world.keeper)
    line = delivery.lines.get()
    gtin = "0" + world.product.barcode
    expiry = lot.expiry_date.strftime("%y%m%d")

    wrong_batch = f"(01){gtin}(17){expiry}(10)B2026B"
    with pytest.raises(CheckMismatch, match="batch B2026B was scanned, batch B2026A was picked"):
        delivery_check(
            delivery=delivery,
            user=world.checker,
            confirmations=[CheckInput(line.pk, wrong_batch, 10)],
        )
    other_gtin = "0690123456780" + gtin_check_digit("0690123456780")
    with pytest.raises(CheckMismatch, match=f"the scanned GTIN {other_gtin} is not that of"):
        delivery_check(
            delivery=delivery,
            user=world.checker,
            confirmations=[CheckInput(line.pk, f"(01){other_gtin}(10)B2026A", 10)],
        )
    with pytest.raises(CheckMismatch, match="fails its check digit"):
        delivery_check(
            delivery=delivery,
            user=world.checker,
            confirmations=[CheckInput(line.pk, "(01)06901234567890(10)B2026A", 10)],
        )

    # What a scanner sends: symbology prefix, no parentheses, FNC1 after the batch.
    scanned = f"]d201{gtin}17{expiry}10B2026A\x1d21SN1"
    delivery = delivery_check(
        delivery=delivery, user=world.checker, confirmations=[CheckInput(line.pk, scanned, 10)]
    )
    assert delivery.status == DeliveryStatus.CHECKED
    line.refresh_from_db()
    assert line.checked_batch == "B2026A"


# --------------------------------------------------------------------------- shipment


def test_shipping_more_than_is_reserved_is_refused(world):
    lot = world.stock(quantity=100)
    order = confirmed_order(world, {world.product: 10})
    delivery = pick_and_check(world, order)
    # Part of the reservation went away behind the order's back (an inventory operation).
    stock_release(reservation=order_reservations(order).get(), quantity=4)
    with pytest.raises(DomainError) as caught:
        ship(world, delivery)
    assert caught.value.messages == [
        f"Lot {lot} in {world.qualified}: 6 reserved for order {order.number}, 10 to ship; "
        "ship at most the reserved quantity."
    ]
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.CHECKED
    assert not issues().exists()
    assert line_of(order).shipped_qty == 0
    assert ledger_discrepancies() == []


def test_a_delivery_ships_once(world):
    lot = world.stock(quantity=100)
    order = confirmed_order(world, {world.product: 10})
    delivery = pick_and_check(world, order)
    ship(world, delivery)
    with pytest.raises(InvalidStateError, match="already shipped"):
        ship(world, delivery)
    assert issues().count() == 1
    assert balance(lot, world.qualified).on_hand == 90
    assert line_of(order).shipped_qty == 10
    with pytest.raises(InvalidStateError):
        delivery_cancel(delivery=delivery, user=world.keeper, reason="too late")


def test_only_shippers_ship_and_dates_are_checked(world):
    world.stock(quantity=100)
    order = confirmed_order(world, {world.product: 10})
    delivery = pick_and_check(world, order)
    with pytest.raises(PermissionDeniedError):
        delivery_ship(delivery=delivery, user=world.checker, transport_mode="ordinary")
    with pytest.raises(DomainError, match="in the future"):
        ship(world, delivery, shipped_on=days(1))
    with pytest.raises(DomainError, match="valid transport mode"):
        ship(world, delivery, transport_mode="teleport")
    with pytest.raises(DomainError, match="before"):
        ship(world, delivery, shipped_on=order.order_date - datetime.timedelta(days=1))
    assert not issues().exists()


def test_cold_chain_needs_cold_transport_and_a_departure_temperature(world):
    vaccine_fridge = world.make_product(storage_condition=StorageCondition.COLD)
    world.stock(vaccine_fridge, quantity=50)
    order = confirmed_order(world, {vaccine_fridge: 5})
    delivery = pick_and_check(world, order)
    with pytest.raises(DomainError, match="must travel by refrigerated vehicle"):
        ship(world, delivery, departure_temperature=Decimal("5"))
    with pytest.raises(DomainError, match="record the temperature at departure") as caught:
        ship(world, delivery, transport_mode=DeliveryTransportMode.COLD_BOX)
    assert caught.value.field == "departure_temperature"
    with pytest.raises(DomainError, match="only at 2–8 °C; the temperature at departure is 9.5"):
        ship(
            world,
            delivery,
            transport_mode=DeliveryTransportMode.REFRIGERATED_VEHICLE,
            departure_temperature="9.5",
        )
    with pytest.raises(DomainError, match="must be a number"):
        ship(
            world,
            delivery,
            transport_mode=DeliveryTransportMode.REFRIGERATED_VEHICLE,
            departure_temperature="cold",
        )
    assert not issues().exists()

    ship(
        world,
        delivery,
        transport_mode=DeliveryTransportMode.REFRIGERATED_VEHICLE,
        carrier="冷链物流",
        departure_temperature=Decimal("4.5"),
        arrival_temperature="5.0",
    )
    delivery.refresh_from_db()
    assert delivery.transport_mode == DeliveryTransportMode.REFRIGERATED_VEHICLE
    assert (delivery.departure_temperature, delivery.arrival_temperature) == (
        Decimal("4.5"),
        Decimal("5.0"),
    )
    assert issues().get().quantity == 5


def test_a_controlled_product_ships_only_with_a_second_keeper(world):
    controlled = world.make_product(is_controlled=True)
    lot = world.stock(controlled, quantity=20)
    order = confirmed_order(world, {controlled: 5}, user=world.manager)
    delivery = pick_and_check(world, order)
    with pytest.raises(StockError, match="a second keeper must confirm this move"):
        ship(world, delivery)
    with pytest.raises(SegregationOfDutiesError, match="second keeper must be a different"):
        ship(world, delivery, second_user=world.keeper)
    with pytest.raises(StockError, match="is not a warehouse keeper"):
        ship(world, delivery, second_user=world.checker)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.CHECKED and not issues().exists()

    ship(world, delivery, second_user=world.keeper2)
    move = issues().get()
    assert (move.lot, move.second_user) == (lot, world.keeper2)
    assert ledger_discrepancies() == []


# --------------------------------------------------------------------------- cancel, close


def test_a_cancelled_picking_list_gives_its_lots_back_to_picking(world):
    world.stock(quantity=100)
    order = confirmed_order(world, {world.product: 10})
    delivery = delivery_create(order=order, user=world.keeper)
    with pytest.raises(DomainError, match="reason"):
        delivery_cancel(delivery=delivery, user=world.keeper, reason=" ")
    delivery = delivery_cancel(delivery=delivery, user=world.keeper, reason="wrong shelf")
    assert delivery.status == DeliveryStatus.CANCELLED
    delivery.refresh_from_db()
    assert (delivery.cancel_reason, delivery.cancelled_by) == ("wrong shelf", world.keeper)
    assert delivery.cancelled_at is not None
    assert order_reservations(order).get().quantity == 10  # still reserved for the order
    again = delivery_create(order=order, user=world.keeper)
    assert again.lines.get().quantity == 10
    with pytest.raises(InvalidStateError):
        delivery_check(delivery=delivery, user=world.checker, confirmations=[])


def test_closing_after_a_partial_shipment_releases_the_rest(world):
    lot = world.stock(quantity=100)
    order = confirmed_order(world, {world.product: 10})
    reservation = order_reservations(order).get()
    ship(world, pick_and_check(world, order, quantities={reservation.pk: 4}))
    assert balance(lot, world.qualified).reserved == 6

    sales_order_close(order=order, user=world.sales, reason="customer needs no more")
    order.refresh_from_db()
    assert order.status == SalesOrderStatus.CLOSED
    line = line_of(order)
    assert (line.shipped_qty, line.released_qty, line.open_qty) == (4, 6, 0)
    assert not order_reservations(order).exists()
    stock = balance(lot, world.qualified)
    assert (stock.on_hand, stock.reserved) == (96, 0)
    with pytest.raises(InvalidStateError):
        delivery_create(order=order, user=world.keeper)
    assert ledger_discrepancies() == []


def test_an_open_picking_list_blocks_closing_until_it_ships(world):
    world.stock(quantity=100)
    order = confirmed_order(world, {world.product: 10})
    delivery = pick_and_check(world, order)
    with pytest.raises(InvalidStateError, match="picking list not yet shipped"):
        sales_order_close(order=order, user=world.sales, reason="stop")
    ship(world, delivery)
    order.refresh_from_db()
    assert order.status == SalesOrderStatus.SHIPPED


def test_lenient_mode_enforces_the_controls_at_shipment(world):
    world.stock(quantity=100)
    order = confirmed_order(world, {world.product: 10})
    delivery = pick_and_check(world, order)
    company = CompanySettings.load()
    company.order_control_mode = OrderControlMode.LENIENT
    company.save()
    # The hospital's practice licence lapsed after the order was confirmed.
    world.customer.licences.filter(licence_type=LicenceType.MEDICAL_INSTITUTION).update(
        valid_until=days(-1)
    )
    with pytest.raises(ControlsRefused):
        ship(world, delivery)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.CHECKED and not issues().exists()


def test_a_stopped_lot_is_neither_picked_nor_shipped(world):
    lot = world.stock(quantity=100)
    order = confirmed_order(world, {world.product: 10})
    delivery = pick_and_check(world, order)
    Lot.objects.filter(pk=lot.pk).update(is_frozen=True)  # stop-sale after the check
    with pytest.raises(StockError, match=f"Lot {lot} is stopped from sale"):
        ship(world, delivery)
    assert not issues().exists()
    delivery_cancel(delivery=delivery, user=world.keeper, reason="lot stopped")
    with pytest.raises(DomainError, match=f"Nothing can be picked .*lot {lot} is stopped"):
        delivery_create(order=order, user=world.keeper)
    reservation = order_reservations(order).get()
    with pytest.raises(DomainError, match="Cannot pick: lot .* is stopped from sale"):
        delivery_create(order=order, user=world.keeper, quantities={reservation.pk: 5})
