"""Inventory operations (apps/inventory/operations.py): transfers, stop-sales, loss
reports and stocktakes, each rule checked through the service a page calls."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from apps.catalog.tests.factories import ProductFactory
from apps.core.exceptions import (
    DomainError,
    InvalidStateError,
    PermissionDeniedError,
    SegregationOfDutiesError,
)
from apps.core.models import today
from apps.core.tests.factories import UserFactory, user_with_role
from apps.inventory.models import (
    HoldStatus,
    LossReport,
    LossStatus,
    LotHold,
    MoveType,
    StockBalance,
    StockMove,
    Stocktake,
    StocktakeStatus,
    Zone,
)
from apps.inventory.operations import (
    LossLine,
    loss_report_review,
    loss_report_save,
    loss_report_submit,
    lot_hold_resolve,
    lot_stop,
    stocktake_add_line,
    stocktake_approve,
    stocktake_cancel,
    stocktake_count,
    stocktake_start,
    stocktake_submit,
    transfer_post,
)
from apps.inventory.services import (
    AllocationRequest,
    InsufficientStock,
    Source,
    StockError,
    allocate_fefo,
    stock_reserve,
)

from .factories import LocationFactory, LotFactory, put_stock

pytestmark = pytest.mark.django_db
TOKEN = "tok-0123456789abcdef"


@pytest.fixture(autouse=True)
def _english():
    # Messages are matched in English, whatever translations the catalogue gains.
    translation.activate("en")


def days(n):
    return today() + datetime.timedelta(days=n)


def on_hand(lot, location):
    row = StockBalance.objects.filter(lot=lot, location=location).first()
    return row.on_hand if row else 0


@pytest.fixture
def keeper():
    return user_with_role("keeper", "keeper1")


@pytest.fixture
def keeper2():
    return user_with_role("keeper", "keeper2")


@pytest.fixture
def qm():
    return user_with_role("quality_manager", "qm")


@pytest.fixture
def manager():
    return user_with_role("manager", "boss")


@pytest.fixture
def qualified():
    return LocationFactory(code="Q1", zone=Zone.QUALIFIED)


@pytest.fixture
def qualified2():
    return LocationFactory(code="Q2", zone=Zone.QUALIFIED)


@pytest.fixture
def pending():
    return LocationFactory(code="P1", zone=Zone.PENDING)


@pytest.fixture
def bad_area():
    return LocationFactory(code="N1", zone=Zone.NONCONFORMING)


# ---------------------------------------------------------------- transfers


def test_transfer_moves_stock_once_per_form_token(keeper, qualified, qualified2):
    lot = LotFactory()
    balance = put_stock(lot, qualified, 10) and StockBalance.objects.get(lot=lot)
    first = transfer_post(
        balance=balance, to_location=qualified2, quantity=4, user=keeper, token=TOKEN
    )
    again = transfer_post(
        balance=balance, to_location=qualified2, quantity=4, user=keeper, token=TOKEN
    )
    assert again.pk == first.pk
    assert first.source_type == "inventory.transfer" and first.source_number.startswith("TR-")
    assert (on_hand(lot, qualified), on_hand(lot, qualified2)) == (6, 4)
    assert StockMove.objects.filter(move_type=MoveType.TRANSFER).count() == 1


@pytest.mark.parametrize("token", ["", "short", "bad token with spaces!!"])
def test_transfer_without_a_valid_form_token_is_refused(keeper, qualified, qualified2, token):
    lot = LotFactory()
    put_stock(lot, qualified, 10)
    balance = StockBalance.objects.get(lot=lot)
    with pytest.raises(StockError):
        transfer_post(balance=balance, to_location=qualified2, quantity=1, user=keeper, token=token)
    assert on_hand(lot, qualified) == 10


def test_transfer_of_more_than_available_or_by_a_non_keeper_is_refused(
    keeper, qm, qualified, qualified2
):
    lot = LotFactory()
    put_stock(lot, qualified, 5)
    balance = StockBalance.objects.get(lot=lot)
    with pytest.raises(StockError, match="5 available"):
        transfer_post(balance=balance, to_location=qualified2, quantity=6, user=keeper, token=TOKEN)
    with pytest.raises(PermissionDeniedError):
        transfer_post(balance=balance, to_location=qualified2, quantity=1, user=qm, token=TOKEN)
    assert on_hand(lot, qualified) == 5 and not StockMove.objects.filter(move_type="transfer")


def test_controlled_transfer_needs_a_different_second_keeper(keeper, keeper2, qm):
    product = ProductFactory(is_controlled=True)
    vault = LocationFactory(code="V1", zone=Zone.QUALIFIED, is_controlled_area=True)
    vault2 = LocationFactory(code="V2", zone=Zone.QUALIFIED, is_controlled_area=True)
    lot = LotFactory(product=product)
    put_stock(lot, vault, 3)
    balance = StockBalance.objects.get(lot=lot)
    args = {"balance": balance, "to_location": vault2, "quantity": 1, "user": keeper}
    with pytest.raises(StockError, match="second keeper"):
        transfer_post(**args, token=TOKEN + "a")
    with pytest.raises(SegregationOfDutiesError):
        transfer_post(**args, token=TOKEN + "b", second_user=keeper)
    with pytest.raises(StockError, match="not a warehouse keeper"):
        transfer_post(**args, token=TOKEN + "c", second_user=qm)
    move = transfer_post(**args, token=TOKEN + "d", second_user=keeper2)
    assert move.second_user == keeper2 and on_hand(lot, vault2) == 1


# ---------------------------------------------------------------- stop-sale


def test_stop_freezes_the_lot_and_blocks_fefo_until_released(qm, keeper, qualified):
    lot = LotFactory()
    put_stock(lot, qualified, 10)
    hold = lot_stop(lot=lot, user=qm, reason="质量公告：抽检不合格")
    lot.refresh_from_db()
    assert lot.is_frozen and lot.frozen_reason == "质量公告：抽检不合格"
    assert hold.number.startswith("SS-") and hold.status == HoldStatus.ACTIVE
    request = AllocationRequest(product=lot.product, quantity=1)
    with pytest.raises(InsufficientStock):
        allocate_fefo(requests=[request], user=keeper, source=Source("test.so", 1))
    with pytest.raises(InvalidStateError, match="already stopped"):
        lot_stop(lot=lot, user=qm, reason="again")

    lot_hold_resolve(hold=hold, user=qm, conclusion="复检合格", outcome=HoldStatus.RELEASED)
    lot.refresh_from_db()
    hold.refresh_from_db()
    assert not lot.is_frozen and hold.status == HoldStatus.RELEASED and hold.resolved_by == qm
    request = AllocationRequest(product=lot.product, quantity=1)
    allocate_fefo(requests=[request], user=keeper, source=Source("test.so", 2))
    assert StockBalance.objects.get(lot=lot).reserved == 1


def test_only_quality_may_stop_and_a_reason_is_required(keeper, qm):
    lot = LotFactory()
    with pytest.raises(PermissionDeniedError):
        lot_stop(lot=lot, user=keeper, reason="x")
    with pytest.raises(DomainError, match="reason"):
        lot_stop(lot=lot, user=qm, reason="  ")
    lot.refresh_from_db()
    assert not lot.is_frozen and not LotHold.objects.exists()


def test_nonconforming_outcome_moves_stock_and_keeps_the_lot_frozen(
    qm, qualified, pending, bad_area
):
    lot = LotFactory()
    put_stock(lot, qualified, 7)
    put_stock(lot, pending, 3)
    hold = lot_stop(lot=lot, user=qm, reason="召回", source_type="gsp.notice", source_id=9)
    with pytest.raises(StockError, match="nonconforming zone"):
        lot_hold_resolve(
            hold=hold,
            user=qm,
            conclusion="不合格",
            outcome=HoldStatus.NONCONFORMING,
            nonconforming_location=qualified,
        )
    lot_hold_resolve(
        hold=hold,
        user=qm,
        conclusion="不合格",
        outcome=HoldStatus.NONCONFORMING,
        nonconforming_location=bad_area,
    )
    lot.refresh_from_db()
    assert lot.is_frozen
    assert (on_hand(lot, qualified), on_hand(lot, pending), on_hand(lot, bad_area)) == (0, 0, 10)
    moves = StockMove.objects.filter(source_type="inventory.lothold", source_id=hold.pk)
    assert moves.count() == 2
    with pytest.raises(InvalidStateError):
        lot_hold_resolve(hold=hold, user=qm, conclusion="x", outcome=HoldStatus.RELEASED)


def test_nonconforming_outcome_refuses_while_stock_is_reserved(qm, keeper, qualified, bad_area):
    lot = LotFactory()
    put_stock(lot, qualified, 5)
    stock_reserve(lot=lot, location=qualified, quantity=2, user=keeper, source=Source("so", 1))
    hold = lot_stop(lot=lot, user=qm, reason="召回")
    with pytest.raises(StockError, match="reserved"):
        lot_hold_resolve(
            hold=hold,
            user=qm,
            conclusion="不合格",
            outcome=HoldStatus.NONCONFORMING,
            nonconforming_location=bad_area,
        )
    hold.refresh_from_db()
    assert hold.status == HoldStatus.ACTIVE and on_hand(lot, qualified) == 5


# ---------------------------------------------------------------- loss reports


@pytest.fixture
def bad_stock(bad_area):
    lot = LotFactory(unit_cost=Decimal("2.5000"))
    put_stock(lot, bad_area, 10)
    return StockBalance.objects.get(lot=lot, location=bad_area)


def test_loss_report_goes_through_quality_and_manager_then_scraps(
    keeper, qm, manager, bad_stock, bad_area
):
    report = loss_report_save(
        user=keeper,
        warehouse=bad_area.warehouse,
        reason="破损",
        lines=[LossLine(bad_stock, 4)],
    )
    assert report.number.startswith("BS-") and report.status == LossStatus.DRAFT
    assert report.lines.get().unit_cost == Decimal("2.5000")
    loss_report_submit(report=report, user=keeper)
    with pytest.raises(PermissionDeniedError):
        loss_report_review(report=report, user=manager, approve=True, opinion="")
    loss_report_review(report=report, user=qm, approve=True, opinion="同意报损")
    assert on_hand(bad_stock.lot, bad_area) == 10
    report = loss_report_review(report=report, user=manager, approve=True, opinion="同意")
    assert report.status == LossStatus.APPROVED
    assert on_hand(bad_stock.lot, bad_area) == 6
    move = StockMove.objects.get(move_type=MoveType.SCRAP)
    assert (move.source_type, move.source_id, move.source_number) == (
        "inventory.lossreport",
        report.pk,
        report.number,
    )
    assert move.quantity == 4 and move.user == manager


def test_reviewers_must_differ_from_the_author(bad_stock, bad_area):
    both = UserFactory(username="all-in-one", roles=["keeper", "quality_manager", "manager"])
    other_qm = user_with_role("quality_manager", "qm2")
    report = loss_report_save(
        user=both, warehouse=bad_area.warehouse, reason="破损", lines=[LossLine(bad_stock, 1)]
    )
    loss_report_submit(report=report, user=both)
    with pytest.raises(SegregationOfDutiesError):
        loss_report_review(report=report, user=both, approve=True, opinion="")
    report.refresh_from_db()
    assert report.status == LossStatus.SUBMITTED and report.quality_by is None
    loss_report_review(report=report, user=other_qm, approve=True, opinion="")
    with pytest.raises(SegregationOfDutiesError):
        loss_report_review(report=report, user=both, approve=True, opinion="")
    assert on_hand(bad_stock.lot, bad_area) == 10


def test_only_nonconforming_stock_within_availability_can_be_reported(keeper, qualified, bad_stock):
    lot = LotFactory()
    put_stock(lot, qualified, 5)
    good = StockBalance.objects.get(lot=lot, location=qualified)
    warehouse = qualified.warehouse
    with pytest.raises(StockError, match="not in the nonconforming zone"):
        loss_report_save(user=keeper, warehouse=warehouse, reason="x", lines=[LossLine(good, 1)])
    with pytest.raises(StockError, match="only 10 available"):
        loss_report_save(
            user=keeper, warehouse=warehouse, reason="x", lines=[LossLine(bad_stock, 11)]
        )
    with pytest.raises(DomainError, match="nonconformity"):
        loss_report_save(
            user=keeper, warehouse=warehouse, reason="", lines=[LossLine(bad_stock, 1)]
        )
    with pytest.raises(StockError):
        loss_report_save(
            user=keeper, warehouse=warehouse, reason="x", lines=[LossLine(bad_stock, 0)]
        )
    with pytest.raises(DomainError, match="at least one line"):
        loss_report_save(user=keeper, warehouse=warehouse, reason="x", lines=[])
    assert not LossReport.objects.exists()


def test_stock_promised_to_a_report_under_review_is_not_offered_twice(keeper, bad_stock):
    warehouse = bad_stock.location.warehouse
    first = loss_report_save(
        user=keeper, warehouse=warehouse, reason="x", lines=[LossLine(bad_stock, 8)]
    )
    loss_report_submit(report=first, user=keeper)
    with pytest.raises(StockError, match="only 2 available"):
        loss_report_save(
            user=keeper, warehouse=warehouse, reason="y", lines=[LossLine(bad_stock, 3)]
        )


def test_rejected_report_is_editable_and_resubmittable(keeper, qm, manager, bad_stock):
    warehouse = bad_stock.location.warehouse
    report = loss_report_save(
        user=keeper, warehouse=warehouse, reason="x", lines=[LossLine(bad_stock, 2)]
    )
    loss_report_submit(report=report, user=keeper)
    with pytest.raises(InvalidStateError, match="reason for the rejection"):
        loss_report_review(report=report, user=qm, approve=False, opinion="")
    with pytest.raises(InvalidStateError, match="no longer be edited"):
        loss_report_save(
            user=keeper,
            warehouse=warehouse,
            reason="y",
            lines=[LossLine(bad_stock, 1)],
            report=report,
        )
    loss_report_review(report=report, user=qm, approve=True, opinion="")
    report = loss_report_review(report=report, user=manager, approve=False, opinion="数量不对")
    assert report.status == LossStatus.REJECTED
    assert on_hand(bad_stock.lot, bad_stock.location) == 10
    report = loss_report_save(
        user=keeper, warehouse=warehouse, reason="y", lines=[LossLine(bad_stock, 3)], report=report
    )
    assert report.lines.get().quantity == 3
    report = loss_report_submit(report=report, user=keeper)
    assert report.status == LossStatus.SUBMITTED and report.quality_by is None
    assert report.manager_opinion == ""


def test_manager_approval_scrapping_more_than_is_left_changes_nothing(
    keeper, qm, manager, bad_stock
):
    warehouse = bad_stock.location.warehouse
    report = loss_report_save(
        user=keeper, warehouse=warehouse, reason="x", lines=[LossLine(bad_stock, 6)]
    )
    loss_report_submit(report=report, user=keeper)
    loss_report_review(report=report, user=qm, approve=True, opinion="")
    # Meanwhile most of the stock went back to the supplier.
    from apps.inventory.services import stock_remove

    stock_remove(
        lot=bad_stock.lot,
        location=bad_stock.location,
        quantity=7,
        move_type=MoveType.PURCHASE_RETURN,
        user=keeper,
        source=Source("test.return"),
        key="ret-1",
    )
    with pytest.raises(StockError):
        loss_report_review(report=report, user=manager, approve=True, opinion="")
    report.refresh_from_db()
    assert report.status == LossStatus.QUALITY_APPROVED and report.manager_by is None
    assert not StockMove.objects.filter(move_type=MoveType.SCRAP).exists()


# ---------------------------------------------------------------- stocktakes


@pytest.fixture
def counted_area(qualified, qualified2):
    lot_a, lot_b = LotFactory(unit_cost=Decimal("3")), LotFactory()
    put_stock(lot_a, qualified, 10)
    put_stock(lot_b, qualified2, 5)
    return lot_a, lot_b


def test_stocktake_snapshots_counts_and_adjusts_to_the_counted_quantity(
    keeper, keeper2, manager, qualified, qualified2, counted_area
):
    lot_a, lot_b = counted_area
    empty = LotFactory()
    put_stock(empty, qualified, 1)
    from apps.inventory.services import stock_remove

    stock_remove(
        lot=empty,
        location=qualified,
        quantity=1,
        move_type=MoveType.ADJUST_OUT,
        user=keeper,
        source=Source("t"),
        key="empty",
    )
    lead = UserFactory(username="lead", roles=["keeper", "manager"])
    stocktake = stocktake_start(
        warehouse=qualified.warehouse, locations=[qualified, qualified2], user=lead
    )
    assert stocktake.number.startswith("PD-")
    lines = {(line.lot_id, line.location_id): line for line in stocktake.lines.all()}
    assert {k: v.book_qty for k, v in lines.items()} == {
        (lot_a.pk, qualified.pk): 10,
        (lot_b.pk, qualified2.pk): 5,
    }
    found = LotFactory(product=lot_a.product)
    stocktake_add_line(
        stocktake=stocktake, user=keeper, lot=found, location=qualified, counted_qty=2
    )
    stocktake_count(
        stocktake=stocktake,
        user=keeper,
        counts={lines[(lot_a.pk, qualified.pk)].pk: 8, lines[(lot_b.pk, qualified2.pk)].pk: 5},
    )
    stocktake_submit(stocktake=stocktake, user=keeper)
    with pytest.raises(SegregationOfDutiesError):
        stocktake_approve(stocktake=stocktake, user=lead)
    with pytest.raises(PermissionDeniedError):
        stocktake_approve(stocktake=stocktake, user=keeper2)
    stocktake = stocktake_approve(stocktake=stocktake, user=manager)
    assert stocktake.status == StocktakeStatus.APPROVED and stocktake.approved_by == manager
    assert on_hand(lot_a, qualified) == 8
    assert on_hand(lot_b, qualified2) == 5
    assert on_hand(found, qualified) == 2
    moves = StockMove.objects.filter(source_type="inventory.stocktake", source_id=stocktake.pk)
    assert sorted((m.move_type, m.quantity) for m in moves) == [
        (MoveType.ADJUST_IN, 2),
        (MoveType.ADJUST_OUT, 2),
    ]


def test_approval_adjusts_against_the_current_on_hand(keeper, manager, qualified, counted_area):
    lot_a, _lot_b = counted_area
    stocktake = stocktake_start(warehouse=qualified.warehouse, locations=[qualified], user=keeper)
    line = stocktake.lines.get()
    stocktake_count(stocktake=stocktake, user=keeper, counts={line.pk: 10})
    stocktake_submit(stocktake=stocktake, user=keeper)
    put_stock(lot_a, qualified, 4)  # arrived after the count: now 14 on the books
    stocktake_approve(stocktake=stocktake, user=manager)
    assert on_hand(lot_a, qualified) == 10
    assert StockMove.objects.get(source_type="inventory.stocktake").quantity == 4


def test_count_below_reserved_is_refused(keeper, manager, qualified, counted_area):
    lot_a, _lot_b = counted_area
    stock_reserve(lot=lot_a, location=qualified, quantity=6, user=keeper, source=Source("so", 1))
    stocktake = stocktake_start(warehouse=qualified.warehouse, locations=[qualified], user=keeper)
    line = stocktake.lines.get()
    stocktake_count(stocktake=stocktake, user=keeper, counts={line.pk: 5})
    stocktake_submit(stocktake=stocktake, user=keeper)
    with pytest.raises(StockError, match="6 are reserved"):
        stocktake_approve(stocktake=stocktake, user=manager)
    stocktake.refresh_from_db()
    assert stocktake.status == StocktakeStatus.SUBMITTED and on_hand(lot_a, qualified) == 10
    assert not StockMove.objects.filter(source_type="inventory.stocktake").exists()


def test_stocktake_rules_on_input_and_state(keeper, manager, qualified, qualified2, counted_area):
    other = LocationFactory(code="X1", warehouse__code="WH2")
    with pytest.raises(DomainError, match="not in warehouse"):
        stocktake_start(warehouse=qualified.warehouse, locations=[other], user=keeper)
    with pytest.raises(DomainError, match="at least one"):
        stocktake_start(warehouse=qualified.warehouse, locations=[], user=keeper)
    stocktake = stocktake_start(warehouse=qualified.warehouse, locations=[qualified], user=keeper)
    with pytest.raises(InvalidStateError, match="already being counted"):
        stocktake_start(
            warehouse=qualified.warehouse, locations=[qualified, qualified2], user=keeper
        )
    line = stocktake.lines.get()
    for bad in (-1, 2.5, "7", 10**9):
        with pytest.raises(DomainError):
            stocktake_count(stocktake=stocktake, user=keeper, counts={line.pk: bad})
    with pytest.raises(InvalidStateError, match="no counted quantity"):
        stocktake_submit(stocktake=stocktake, user=keeper)
    with pytest.raises(DomainError, match="not part of this stocktake"):
        stocktake_add_line(
            stocktake=stocktake, user=keeper, lot=LotFactory(), location=qualified2, counted_qty=1
        )
    stocktake_cancel(stocktake=stocktake, user=keeper)
    with pytest.raises(InvalidStateError):
        stocktake_count(stocktake=stocktake, user=keeper, counts={line.pk: 1})
    line.refresh_from_db()
    assert line.counted_qty is None
    # A cancelled stocktake frees its locations.
    assert stocktake_start(warehouse=qualified.warehouse, locations=[qualified], user=keeper)
    assert Stocktake.objects.count() == 2
