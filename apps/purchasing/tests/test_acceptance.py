"""Acceptance (验收): who may inspect, how much, which checks block acceptance, where the
stock goes, the rejection report and the second keeper of controlled products."""

from decimal import Decimal

import pytest

from apps.catalog.models import StorageCondition
from apps.core.exceptions import DomainError, PermissionDeniedError, SegregationOfDutiesError
from apps.core.models import today
from apps.core.tests.factories import user_with_role
from apps.inventory.models import MoveType, StockMove, Zone
from apps.inventory.tests.factories import LocationFactory
from apps.purchasing.models import Acceptance, Conclusion, RejectionReport
from apps.purchasing.services import acceptance_create

from .factories import days, ledger_mismatches, on_hand, open_order, order_line, receive

pytestmark = pytest.mark.django_db

ALL_OK = {"appearance_ok": True, "packaging_ok": True, "label_ok": True, "certificate_ok": True}


@pytest.fixture
def arrived(world):
    order = open_order(world, {world.product: 100})
    return receive(world, order, world.product, 40).lines.get()


def inspect(world, line, accepted, rejected=0, **kwargs):
    params = {
        "receipt_line": line,
        "user": world.inspector,
        "accepted_qty": accepted,
        "rejected_qty": rejected,
        "qualified_location": world.qualified,
        "nonconforming_location": world.nonconforming,
        "rejection_reason": "damaged cartons" if rejected else "",
        **ALL_OK,
    }
    params.update(kwargs)
    return acceptance_create(**params)


def assert_unchanged(line, moves_before):
    assert not Acceptance.objects.exists()
    assert not RejectionReport.objects.exists()
    assert StockMove.objects.count() == moves_before
    line.refresh_from_db()
    assert (line.accepted_qty, line.rejected_qty) == (0, 0)


def test_accept_all_puts_away_to_qualified(world, arrived):
    acceptance = inspect(world, arrived, 40)
    assert acceptance.number.startswith(f"AC-{today():%Y%m%d}-")
    assert acceptance.conclusion == Conclusion.ACCEPTED
    move = StockMove.objects.get(move_type=MoveType.PUTAWAY)
    assert (move.from_location, move.to_location, move.quantity) == (
        world.pending,
        world.qualified,
        40,
    )
    assert (move.source_type, move.source_id) == ("purchasing.acceptance", acceptance.pk)
    assert on_hand(arrived.lot, world.pending) == 0
    assert on_hand(arrived.lot, world.qualified) == 40
    arrived.refresh_from_db()
    assert (arrived.accepted_qty, arrived.pending_qty) == (40, 0)
    assert not RejectionReport.objects.exists()
    assert ledger_mismatches() == []


def test_partial_rejection_writes_a_report_and_moves_to_nonconforming(world, arrived):
    acceptance = inspect(world, arrived, 30, 10)
    assert acceptance.conclusion == Conclusion.PARTIAL
    report = acceptance.rejection_report
    assert report.number.startswith("RJ-") and report.quantity == 10
    assert report.reason == "damaged cartons" and report.created_by == world.inspector
    assert on_hand(arrived.lot, world.nonconforming) == 10
    assert on_hand(arrived.lot, world.qualified) == 30
    # rejected goods are still "received" on the order until they go back
    assert order_line(arrived.receipt.order, world.product).received_qty == 40
    assert ledger_mismatches() == []


def test_inspection_in_several_steps_up_to_the_pending_quantity(world, arrived):
    inspect(world, arrived, 15)
    second = inspect(world, arrived, 0, 5)
    assert second.conclusion == Conclusion.REJECTED
    moves = StockMove.objects.count()
    with pytest.raises(DomainError) as error:
        inspect(world, arrived, 20, 1)
    message = error.value.messages[0]
    assert "Accepting more than received" in message
    assert "20" in message and "only 20 of 40" in message
    assert StockMove.objects.count() == moves
    arrived.refresh_from_db()
    assert (arrived.accepted_qty, arrived.rejected_qty) == (15, 5)
    inspect(world, arrived, 20)
    arrived.refresh_from_db()
    assert arrived.pending_qty == 0


@pytest.mark.parametrize(
    ("accepted", "rejected", "message"),
    [
        (0, 0, "at least one unit"),
        (-1, 2, "at least 0"),
        (1.5, 0, "whole number"),
        ("3", 0, "whole number"),
        (41, 0, "Accepting more than received"),
    ],
)
def test_bad_quantities_save_nothing(world, arrived, accepted, rejected, message):
    moves = StockMove.objects.count()
    with pytest.raises(DomainError, match=message):
        inspect(world, arrived, accepted, rejected)
    assert_unchanged(arrived, moves)


def test_inspector_needs_the_permission_and_may_not_be_purchaser_or_receiver(world, arrived):
    moves = StockMove.objects.count()
    with pytest.raises(PermissionDeniedError):
        inspect(world, arrived, 1, user=world.keeper2)
    # the purchaser of the order and the keeper who booked it, even with the permission
    for person in (world.purchaser, world.keeper):
        person.groups.add(*world.inspector.groups.all())
        person = type(person).objects.get(pk=person.pk)  # fresh permission cache
        with pytest.raises(SegregationOfDutiesError):
            inspect(world, arrived, 1, user=person)
    assert_unchanged(arrived, moves)


@pytest.mark.parametrize("failed", ["appearance_ok", "packaging_ok", "label_ok", "certificate_ok"])
def test_a_failed_check_allows_only_rejection(world, arrived, failed):
    moves = StockMove.objects.count()
    with pytest.raises(DomainError, match="nothing may be accepted"):
        inspect(world, arrived, 1, 39, **{failed: False})
    assert_unchanged(arrived, moves)
    acceptance = inspect(world, arrived, 0, 40, **{failed: False})
    assert acceptance.conclusion == Conclusion.REJECTED
    assert getattr(acceptance, failed) is False


def test_rejection_needs_a_reason_and_a_nonconforming_location(world, arrived):
    moves = StockMove.objects.count()
    with pytest.raises(DomainError, match="reason for the rejection"):
        inspect(world, arrived, 0, 5, rejection_reason=" ")
    with pytest.raises(DomainError, match="not a nonconforming location"):
        inspect(world, arrived, 0, 5, nonconforming_location=world.qualified)
    with pytest.raises(DomainError, match="Choose the nonconforming location"):
        inspect(world, arrived, 0, 5, nonconforming_location=None)
    assert_unchanged(arrived, moves)


def test_qualified_location_must_be_qualified_in_the_same_warehouse(world, arrived):
    moves = StockMove.objects.count()
    with pytest.raises(DomainError, match="not a qualified location"):
        inspect(world, arrived, 5, qualified_location=world.nonconforming)
    elsewhere = LocationFactory(code="Q-Z", zone=Zone.QUALIFIED, warehouse__code="WH8")
    with pytest.raises(DomainError, match="is not in warehouse"):
        inspect(world, arrived, 5, qualified_location=elsewhere)
    with pytest.raises(DomainError, match="needs Ambient"):
        inspect(world, arrived, 5, qualified_location=world.qualified_cold)
    assert_unchanged(arrived, moves)


def test_expired_batch_cannot_be_accepted_but_can_be_rejected(world):
    order = open_order(world)
    line = receive(
        world, order, world.product, 5, production_date=days(-400), expiry_date=days(-1)
    ).lines.get()
    with pytest.raises(DomainError, match="expired"):
        inspect(world, line, 5)
    assert not Acceptance.objects.exists()
    inspect(world, line, 0, 5)
    assert on_hand(line.lot, world.nonconforming) == 5


def test_inspection_date_rules(world, arrived):
    moves = StockMove.objects.count()
    with pytest.raises(DomainError, match="future"):
        inspect(world, arrived, 1, inspected_on=days(1))
    with pytest.raises(DomainError, match="before the arrival date"):
        inspect(world, arrived, 1, inspected_on=days(-1))
    assert_unchanged(arrived, moves)


@pytest.mark.parametrize(
    ("temperature", "accept_allowed"),
    [
        (Decimal("2.0"), True),
        (Decimal("8.0"), True),
        (Decimal("1.9"), False),
        (Decimal("8.1"), False),
    ],
)
def test_cold_chain_out_of_range_can_only_be_rejected(world, temperature, accept_allowed):
    cold = world.make_product(storage_condition=StorageCondition.COLD)
    order = open_order(world, {cold: 10})
    line = receive(world, order, cold, 10, arrival_temperature=temperature).lines.get()
    cold_nonconforming = world.nonconforming  # nonconforming areas take any condition
    if accept_allowed:
        inspect(world, line, 10, qualified_location=world.qualified_cold)
        assert on_hand(line.lot, world.qualified_cold) == 10
    else:
        with pytest.raises(DomainError, match="outside 2–8 °C"):
            inspect(world, line, 1, 9, qualified_location=world.qualified_cold)
        assert not Acceptance.objects.exists()
        inspect(world, line, 0, 10, nonconforming_location=cold_nonconforming)
        assert on_hand(line.lot, cold_nonconforming) == 10


def test_controlled_products_need_a_dedicated_area_and_a_second_keeper(world):
    controlled = world.make_product(is_controlled=True)
    order = open_order(world, {controlled: 10})
    line = receive(world, order, controlled, 10).lines.get()
    with pytest.raises(DomainError, match="dedicated area"):
        inspect(world, line, 10, second_keeper=world.keeper)
    with pytest.raises(DomainError, match="second keeper"):
        inspect(world, line, 10, qualified_location=world.qualified_controlled)
    with pytest.raises(DomainError, match="not a warehouse keeper"):
        inspect(
            world,
            line,
            10,
            qualified_location=world.qualified_controlled,
            second_keeper=user_with_role("sales", "seller"),
        )
    assert not Acceptance.objects.exists()
    acceptance = inspect(
        world, line, 10, qualified_location=world.qualified_controlled, second_keeper=world.keeper
    )
    assert acceptance.second_keeper == world.keeper
    assert StockMove.objects.get(move_type=MoveType.PUTAWAY).second_user == world.keeper


def test_sample_cannot_exceed_what_arrived(world, arrived):
    moves = StockMove.objects.count()
    with pytest.raises(DomainError, match="sample"):
        inspect(world, arrived, 1, sample_qty=41)
    assert_unchanged(arrived, moves)
    assert inspect(world, arrived, 1, sample_qty=3).sample_qty == 3
