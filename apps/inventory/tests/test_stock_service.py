"""The stock service: every movement keeps balances equal to the ledger and obeys the
zone, expiry, storage and reservation rules."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from apps.catalog.models import StorageCondition, StorageGroup
from apps.catalog.tests.factories import ProductFactory
from apps.core.models import today
from apps.inventory.models import MoveType, StockBalance, StockMove, Zone
from apps.inventory.services import (
    AllocationRequest,
    InsufficientStock,
    Source,
    StockError,
    allocate_fefo,
    stock_issue,
    stock_receive,
    stock_release,
    stock_remove,
    stock_reserve,
    stock_transfer,
)

from .factories import LocationFactory, LotFactory, put_stock

pytestmark = pytest.mark.django_db
SRC = Source("test.doc", 1, "T-1")


def days(n):
    return today() + datetime.timedelta(days=n)


@pytest.fixture
def qualified():
    return LocationFactory(code="Q1", zone=Zone.QUALIFIED)


@pytest.fixture
def pending():
    return LocationFactory(code="P1", zone=Zone.PENDING)


@pytest.fixture
def nonconforming():
    return LocationFactory(code="N1", zone=Zone.NONCONFORMING)


def balance(lot, location):
    return StockBalance.objects.get(lot=lot, location=location)


def test_receipt_goes_to_pending_and_is_idempotent(pending, qualified):
    lot = LotFactory()
    move = stock_receive(lot=lot, location=pending, quantity=10, user=None, source=SRC, key="r1")
    again = stock_receive(lot=lot, location=pending, quantity=10, user=None, source=SRC, key="r1")
    assert again.pk == move.pk
    assert balance(lot, pending).on_hand == 10
    with pytest.raises(StockError, match="pending-inspection"):
        stock_receive(lot=lot, location=qualified, quantity=1, user=None, source=SRC, key="r2")


@pytest.mark.parametrize("bad", [0, -1, 2.5, "3", True, 10**9])
def test_bad_quantities_are_refused(pending, bad):
    lot = LotFactory()
    with pytest.raises(StockError):
        stock_receive(lot=lot, location=pending, quantity=bad, user=None, source=SRC, key="x")
    assert not StockMove.objects.exists()


def test_expired_lot_cannot_enter_qualified_but_can_go_to_nonconforming(
    pending, qualified, nonconforming
):
    lot = LotFactory(production_date=days(-800), expiry_date=days(-1))
    put_stock(lot, pending, 5)
    with pytest.raises(StockError, match="expired"):
        stock_transfer(
            lot=lot,
            from_location=pending,
            to_location=qualified,
            quantity=5,
            user=None,
            source=SRC,
            key="t1",
            move_type=MoveType.PUTAWAY,
        )
    stock_transfer(
        lot=lot,
        from_location=pending,
        to_location=nonconforming,
        quantity=5,
        user=None,
        source=SRC,
        key="t2",
    )
    stock_remove(
        lot=lot,
        location=nonconforming,
        quantity=5,
        move_type=MoveType.SCRAP,
        user=None,
        source=SRC,
        key="s1",
    )
    assert balance(lot, nonconforming).on_hand == 0


def test_storage_condition_must_match(pending):
    cold_product = ProductFactory(storage_condition=StorageCondition.COLD)
    lot = LotFactory(product=cold_product)
    with pytest.raises(StockError, match="storage"):
        stock_receive(lot=lot, location=pending, quantity=1, user=None, source=SRC, key="c1")


def test_incompatible_groups_may_not_share_a_location(qualified):
    acids = StorageGroup.objects.create(code="A", name="酸")
    bases = StorageGroup.objects.create(code="B", name="碱")
    acids.incompatible_with.add(bases)
    put_stock(LotFactory(product=ProductFactory(storage_group=acids)), qualified, 1)
    with pytest.raises(StockError, match="may not be stored with"):
        put_stock(LotFactory(product=ProductFactory(storage_group=bases)), qualified, 1)


def test_reserve_issue_release(qualified):
    lot = LotFactory()
    put_stock(lot, qualified, 10)
    reservation = stock_reserve(lot=lot, location=qualified, quantity=6, user=None, source=SRC)
    with pytest.raises(InsufficientStock):
        stock_reserve(lot=lot, location=qualified, quantity=5, user=None, source=SRC)
    stock_issue(reservation=reservation, quantity=4, user=None, source=SRC, key="i1")
    assert (balance(lot, qualified).on_hand, balance(lot, qualified).reserved) == (6, 2)
    with pytest.raises(StockError):
        stock_issue(reservation=reservation, quantity=3, user=None, source=SRC, key="i2")
    assert stock_release(reservation=reservation) == 2
    assert balance(lot, qualified).reserved == 0


def test_database_refuses_negative_stock_and_ledger_edits(qualified):
    lot = LotFactory()
    move = put_stock(lot, qualified, 3)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockBalance.objects.filter(lot=lot).update(reserved=4)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockMove.objects.filter(pk=move.pk).update(quantity=30)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockMove.objects.filter(pk=move.pk).delete()


def test_fefo_takes_earliest_expiry_and_skips_frozen_expired_and_short_dated(qualified):
    product = ProductFactory()
    expired = LotFactory(product=product, production_date=days(-900), expiry_date=days(-1))
    frozen = LotFactory(product=product, expiry_date=days(10))
    short = LotFactory(product=product, expiry_date=days(20))
    early = LotFactory(product=product, expiry_date=days(200))
    late = LotFactory(product=product, expiry_date=days(300))
    for lot in (frozen, short, early, late):
        put_stock(lot, qualified, 10)
    put_stock(expired, LocationFactory(code="N9", zone=Zone.NONCONFORMING), 10)
    frozen.is_frozen = True
    frozen.save()

    [request] = allocate_fefo(
        requests=[AllocationRequest(product=product, quantity=15, min_expiry=days(180))],
        user=None,
        source=SRC,
    )
    taken = {r.balance.lot_id: r.quantity for r in request.reservations}
    assert taken == {early.pk: 10, late.pk: 5}


def test_fefo_reports_every_shortfall_and_reserves_nothing(qualified):
    a, b, c = ProductFactory(), ProductFactory(), ProductFactory()
    put_stock(LotFactory(product=a), qualified, 5)
    put_stock(LotFactory(product=b), qualified, 1)
    put_stock(LotFactory(product=c), qualified, 50)
    with pytest.raises(InsufficientStock) as refused:
        allocate_fefo(
            requests=[
                AllocationRequest(product=a, quantity=6),
                AllocationRequest(product=b, quantity=2),
                AllocationRequest(product=c, quantity=2),
            ],
            user=None,
            source=SRC,
        )
    assert {(s.product, s.requested, s.available) for s in refused.value.shortfalls} == {
        (a, 6, 5),
        (b, 2, 1),
    }
    assert not StockBalance.objects.filter(reserved__gt=0).exists()


def test_two_lines_of_one_product_share_the_lots(qualified):
    product = ProductFactory()
    put_stock(LotFactory(product=product, expiry_date=days(100)), qualified, 4)
    put_stock(LotFactory(product=product, expiry_date=days(200)), qualified, 4)
    first, second = allocate_fefo(
        requests=[
            AllocationRequest(product=product, quantity=3),
            AllocationRequest(product=product, quantity=5),
        ],
        user=None,
        source=SRC,
    )
    assert sum(r.quantity for r in first.reservations) == 3
    assert sum(r.quantity for r in second.reservations) == 5
    assert sum(b.reserved for b in StockBalance.objects.filter(product=product)) == 8


def test_balances_follow_a_corrected_lot_expiry(qualified):
    from apps.inventory.selectors_ledger import ledger_discrepancies

    lot = LotFactory(expiry_date=days(300))
    put_stock(lot, qualified, 5)
    assert balance(lot, qualified).expiry_date == days(300)
    type(lot).objects.filter(pk=lot.pk).update(expiry_date=days(-2))
    assert balance(lot, qualified).expiry_date == days(-2)
    assert ledger_discrepancies() == []
    StockBalance.objects.filter(lot=lot).update(expiry_date=days(5))
    assert any("expires on" in p for p in ledger_discrepancies())


def test_a_location_holding_stock_keeps_its_zone_and_condition(qualified):
    from django.core.exceptions import ValidationError

    put_stock(LotFactory(), qualified, 3)
    qualified.zone = Zone.NONCONFORMING
    with pytest.raises(ValidationError, match="holds stock"):
        qualified.full_clean()
    qualified.zone = Zone.QUALIFIED
    qualified.storage_condition = StorageCondition.COLD
    with pytest.raises(ValidationError, match="holds stock"):
        qualified.full_clean()
    empty = LocationFactory(code="E1")
    empty.storage_condition = StorageCondition.COLD
    empty.full_clean()


def test_a_stocked_product_cannot_join_a_group_incompatible_with_its_neighbours(qualified):
    from django.core.exceptions import ValidationError

    acids = StorageGroup.objects.create(code="A", name="酸")
    bases = StorageGroup.objects.create(code="B", name="碱")
    acids.incompatible_with.add(bases)
    put_stock(LotFactory(product=ProductFactory(storage_group=acids)), qualified, 1)
    neighbour = ProductFactory()
    put_stock(LotFactory(product=neighbour), qualified, 1)

    neighbour.storage_group = bases
    with pytest.raises(ValidationError, match="may not share a location") as refused:
        neighbour.full_clean()
    assert "storage_group" in refused.value.message_dict
    # Elsewhere, or with no stock, the same change is fine.
    loner = ProductFactory()
    loner.storage_group = bases
    loner.full_clean()
