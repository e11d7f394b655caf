"""The order lifecycle: write, submit, approve or reject, confirm, close, cancel."""

from decimal import Decimal

import pytest

from apps.core.exceptions import (
    DomainError,
    InvalidStateError,
    PermissionDeniedError,
    SegregationOfDutiesError,
)
from apps.inventory.models import StockBalance, StockReservation
from apps.sales.models import HoldKind, HoldStatus, SalesOrderLine, SalesOrderStatus
from apps.sales.services import (
    ControlsRefused,
    LineInput,
    order_reservations,
    sales_order_approve,
    sales_order_cancel,
    sales_order_close,
    sales_order_confirm,
    sales_order_create,
    sales_order_reject,
    sales_order_submit,
    sales_order_update,
)

from .factories import confirmed_order, days, draft_order

pytestmark = pytest.mark.django_db


def reserved_total(order) -> int:
    return sum(r.quantity for r in order_reservations(order))


def test_a_plain_order_is_reserved_first_expiry_first(world):
    late = world.stock(quantity=50, expiry_days=600)
    early = world.stock(quantity=8, expiry_days=300)
    order = confirmed_order(world, {world.product: 10})
    lots = {r.balance.lot_id: r.quantity for r in order_reservations(order)}
    assert lots == {early.pk: 8, late.pk: 2}
    assert order.confirmed_by == world.sales
    assert StockBalance.objects.get(lot=early).reserved == 8


def test_totals_round_per_line_then_sum(world):
    order = draft_order(world, {world.product: 3}, price=Decimal("33.3333"))
    line = order.lines.get()
    assert line.amount == Decimal("100.00")
    # 13 % VAT inside a tax-inclusive amount: 100.00 / 1.13 = 88.50, tax 11.50
    assert line.tax_amount == Decimal("11.50")


def test_the_suggested_price_fills_an_empty_price(world):
    order = sales_order_create(
        user=world.sales,
        customer=world.customer,
        warehouse=world.warehouse,
        lines=[LineInput(product=world.product, quantity=1, unit_price=None)],
    )
    line = order.lines.get()
    assert line.unit_price == Decimal("100.00") == line.suggested_price


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("quantity", 0, "greater than or equal to 1"),
        ("quantity", -5, "greater than or equal to 1"),
        ("quantity", 10**9, "less than or equal to 10000000"),
        ("unit_price", Decimal("-1"), "greater than or equal to 0.0001"),
        ("unit_price", Decimal("0"), "greater than or equal to 0.0001"),
        ("unit_price", Decimal("1.23456"), "no more than 4 decimal places"),
        ("discount_pct", Decimal("150"), "less than or equal to 100"),
        ("discount_pct", Decimal("100"), "must stay above zero"),
        ("unit_price", "abc", "not a number"),
    ],
)
def test_bad_line_values_are_refused_and_nothing_is_saved(world, field, value, message):
    values = {"product": world.product, "quantity": 1, "unit_price": Decimal("10")}
    values[field] = value
    with pytest.raises(DomainError) as caught:
        sales_order_create(
            user=world.sales,
            customer=world.customer,
            warehouse=world.warehouse,
            lines=[LineInput(**values)],
        )
    assert message in str(caught.value)
    assert "Line 1" in str(caught.value)
    assert not SalesOrderLine.objects.exists()


def test_an_order_needs_lines_and_a_planned_date_after_the_order(world):
    with pytest.raises(DomainError, match="at least one line"):
        sales_order_create(
            user=world.sales, customer=world.customer, warehouse=world.warehouse, lines=[]
        )
    with pytest.raises(DomainError, match="planned delivery date is before"):
        draft_order(world, planned_delivery=days(-3))


def test_inactive_customer_and_product_are_refused(world):
    world.customer.is_active = False
    world.customer.save()
    with pytest.raises(ControlsRefused, match="is inactive and cannot be sold to"):
        draft_order(world)
    other = world.make_product()
    other.is_active = False
    other.save()
    with pytest.raises(ControlsRefused, match="is inactive and cannot be sold"):
        draft_order(world, {other: 1}, customer=world.distributor)


def test_only_sales_staff_write_orders(world):
    with pytest.raises(PermissionDeniedError):
        draft_order(world, user=world.checker)


def test_an_over_price_order_waits_for_a_manager_who_is_not_its_author(world):
    world.stock(quantity=20)
    order = draft_order(world, {world.product: 5}, price=Decimal("120.00"))
    order = sales_order_confirm(order=order, user=world.sales)
    assert order.status == SalesOrderStatus.PENDING_APPROVAL
    hold = order.holds.get()
    assert hold.kind == HoldKind.OVER_PRICE
    assert "120.00 is above the national wholesale price 100.00" in hold.detail
    assert reserved_total(order) == 0
    with pytest.raises(InvalidStateError, match="cannot be confirmed"):
        sales_order_confirm(order=order, user=world.sales)
    with pytest.raises(PermissionDeniedError):
        sales_order_approve(order=order, user=world.sales2, reason="ok")
    with pytest.raises(DomainError, match="reason"):
        sales_order_approve(order=order, user=world.manager, reason="  ")

    # A manager who wrote the order may not approve it.
    own = draft_order(world, {world.product: 1}, price=Decimal("130"), user=world.manager)
    own = sales_order_submit(order=own, user=world.manager)
    with pytest.raises(SegregationOfDutiesError):
        sales_order_approve(order=own, user=world.manager, reason="mine")

    order = sales_order_approve(order=order, user=world.manager, reason="tender price agreed")
    hold.refresh_from_db()
    assert (hold.status, hold.decided_by, hold.reason) == (
        HoldStatus.APPROVED,
        world.manager,
        "tender price agreed",
    )
    order = sales_order_confirm(order=order, user=world.sales)
    assert order.status == SalesOrderStatus.CONFIRMED
    assert reserved_total(order) == 5


def test_rejection_returns_the_order_to_draft(world):
    order = sales_order_submit(order=draft_order(world, price=Decimal("101")), user=world.sales)
    order = sales_order_reject(order=order, user=world.manager, reason="too expensive")
    assert order.status == SalesOrderStatus.DRAFT
    assert order.holds.get().status == HoldStatus.REJECTED


def test_editing_an_approved_order_voids_its_approval(world):
    world.stock(quantity=20)
    order = sales_order_submit(order=draft_order(world, price=Decimal("110")), user=world.sales)
    order = sales_order_approve(order=order, user=world.manager, reason="ok")
    order = sales_order_update(
        order=order,
        user=world.sales,
        lines=[LineInput(product=world.product, quantity=10, unit_price=Decimal("150"))],
    )
    assert order.status == SalesOrderStatus.DRAFT
    assert order.holds.get().status == HoldStatus.VOID
    order = sales_order_confirm(order=order, user=world.sales)
    assert order.status == SalesOrderStatus.PENDING_APPROVAL
    assert reserved_total(order) == 0


def test_a_price_changed_behind_the_services_back_is_not_confirmed(world):
    """A tampered write (admin, SQL) after approval: the fingerprint no longer matches."""
    world.stock(quantity=20)
    order = sales_order_submit(order=draft_order(world, price=Decimal("110")), user=world.sales)
    order = sales_order_approve(order=order, user=world.manager, reason="ok")
    SalesOrderLine.objects.filter(order=order).update(unit_price=Decimal("500"))
    with pytest.raises(InvalidStateError, match="changed after it was approved"):
        sales_order_confirm(order=order, user=world.sales)
    assert not StockReservation.objects.exists()


def test_a_confirmed_order_cannot_be_edited(world):
    world.stock(quantity=20)
    order = confirmed_order(world)
    with pytest.raises(InvalidStateError, match="can no longer be changed"):
        sales_order_update(
            order=order,
            user=world.sales,
            lines=[LineInput(product=world.product, quantity=1, unit_price=Decimal("1"))],
        )


def test_short_stock_names_the_shelf_life_and_reserves_nothing(world):
    world.customer.min_shelf_life_days = 180
    world.customer.save()
    world.stock(quantity=50, expiry_days=100)  # too short for this customer
    world.stock(quantity=4, expiry_days=400)
    order = draft_order(world, {world.product: 10})
    with pytest.raises(DomainError) as caught:
        sales_order_confirm(order=order, user=world.sales)
    text = str(caught.value)
    assert "10 wanted, only 4 available" in text
    assert "minimum remaining shelf life" in text
    order.refresh_from_db()
    assert order.status == SalesOrderStatus.DRAFT  # the whole confirmation rolled back
    assert not StockReservation.objects.filter(quantity__gt=0).exists()


def test_closing_releases_the_reservation(world):
    lot = world.stock(quantity=30)
    order = confirmed_order(world, {world.product: 12})
    with pytest.raises(DomainError, match="reason"):
        sales_order_close(order=order, user=world.sales, reason="")
    order = sales_order_close(order=order, user=world.sales, reason="customer changed plans")
    assert order.status == SalesOrderStatus.CLOSED
    assert StockBalance.objects.get(lot=lot).reserved == 0
    line = order.lines.get()
    assert (line.released_qty, line.open_qty) == (12, 0)


def test_cancel_releases_and_a_cancelled_order_stays_cancelled(world):
    lot = world.stock(quantity=30)
    order = confirmed_order(world, {world.product: 12})
    order = sales_order_cancel(order=order, user=world.sales, reason="duplicate")
    assert order.status == SalesOrderStatus.CANCELLED
    assert StockBalance.objects.get(lot=lot).reserved == 0
    with pytest.raises(InvalidStateError):
        sales_order_confirm(order=order, user=world.sales)
    with pytest.raises(InvalidStateError):
        sales_order_cancel(order=order, user=world.sales, reason="again")
