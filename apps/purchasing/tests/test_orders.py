"""Purchase orders: entry rules, maximum purchase price, licence control at submit in both
control modes, the approval threshold with segregation of duties, closing and cancelling."""

import datetime
from decimal import Decimal

import pytest

from apps.core.exceptions import (
    DomainError,
    InvalidStateError,
    PermissionDeniedError,
    SegregationOfDutiesError,
    TradeNotAllowed,
)
from apps.core.models import today
from apps.purchasing.models import OrderStatus, PurchaseOrder, PurchaseOrderLine
from apps.purchasing.selectors import order_warnings
from apps.purchasing.services import (
    OrderLineInput,
    po_approve,
    po_cancel,
    po_close,
    po_create,
    po_reject,
    po_submit,
    po_update,
)
from apps.suppliers.models import SalesRepAuthorisation
from apps.suppliers.tests.factories import tradeable_supplier

from .factories import days, open_order, receive, set_company

pytestmark = pytest.mark.django_db


def create(world, lines=None, **kwargs):
    params = {
        "user": world.purchaser,
        "supplier": world.supplier,
        "order_date": today(),
        "warehouse": world.warehouse,
        "lines": lines
        if lines is not None
        else [OrderLineInput(product=world.product, quantity=10, unit_price=Decimal("12.5"))],
    }
    params.update(kwargs)
    return po_create(**params)


def test_create_numbers_the_order_and_takes_the_tax_rate_from_the_product(world):
    world.product.tax_rate = Decimal("6")
    world.product.save()
    order = create(world)
    assert order.status == OrderStatus.DRAFT
    assert order.number.startswith(f"PO-{today():%Y%m%d}-")
    line = order.lines.get()
    assert (line.quantity, line.unit_price, line.tax_rate) == (10, Decimal("12.5"), Decimal("6"))
    assert order.created_by == world.purchaser
    explicit = create(
        world,
        lines=[
            OrderLineInput(
                product=world.product, quantity=1, unit_price=Decimal(1), tax_rate=Decimal(13)
            )
        ],
    )
    assert explicit.lines.get().tax_rate == Decimal(13)


@pytest.mark.parametrize(
    ("quantity", "price", "message"),
    [
        (0, Decimal("1"), "at least 1"),
        (-5, Decimal("1"), "at least 1"),
        (10_000_001, Decimal("1"), "largest quantity"),
        (2.5, Decimal("1"), "whole number"),
        ("3", Decimal("1"), "whole number"),
        (True, Decimal("1"), "whole number"),
        (5, Decimal("-0.01"), "negative"),
        (5, Decimal("1.00001"), "four decimals"),
        (5, 1.5, "must be a number"),
        (5, "abc", "must be a number"),
        (5, Decimal("NaN"), "must be a number"),
    ],
)
def test_bad_lines_save_nothing(world, quantity, price, message):
    with pytest.raises(DomainError, match=message):
        create(
            world,
            lines=[OrderLineInput(product=world.product, quantity=quantity, unit_price=price)],
        )
    assert not PurchaseOrder.objects.exists()
    assert not PurchaseOrderLine.objects.exists()


def test_boundaries_are_accepted(world):
    other = world.make_product()
    order = create(
        world,
        lines=[
            OrderLineInput(product=world.product, quantity=1, unit_price=Decimal("0")),
            OrderLineInput(product=other, quantity=10_000_000, unit_price=Decimal("0.0001")),
        ],
    )
    assert order.lines.count() == 2


def test_order_needs_lines_unique_products_and_active_parties(world):
    with pytest.raises(DomainError, match="at least one line"):
        create(world, lines=[])
    line = OrderLineInput(product=world.product, quantity=1, unit_price=Decimal(1))
    with pytest.raises(DomainError, match="already on another line"):
        create(world, lines=[line, line])
    inactive = world.make_product(is_active=False)
    with pytest.raises(DomainError, match="not active"):
        create(world, lines=[OrderLineInput(product=inactive, quantity=1, unit_price=Decimal(1))])
    world.supplier.is_active = False
    world.supplier.save()
    with pytest.raises(DomainError, match="is not active"):
        create(world)
    assert not PurchaseOrder.objects.exists()


def test_dates_must_be_in_order(world):
    with pytest.raises(DomainError, match="before the order date"):
        create(world, planned_arrival=days(-1))
    with pytest.raises(DomainError, match="before the order date"):
        create(
            world,
            lines=[
                OrderLineInput(
                    product=world.product,
                    quantity=1,
                    unit_price=Decimal(1),
                    planned_arrival=days(-3),
                )
            ],
        )
    with pytest.raises(DomainError, match="valid date"):
        create(world, order_date="2026-01-01")
    assert not PurchaseOrder.objects.exists()


def test_max_purchase_price_block_names_product_price_and_ceiling(world):
    set_company(max_purchase_price_mode="block")
    world.product.max_purchase_price = Decimal("10.00")
    world.product.save()
    with pytest.raises(DomainError) as error:
        create(
            world,
            lines=[OrderLineInput(product=world.product, quantity=1, unit_price=Decimal("10.01"))],
        )
    assert str(world.product) in error.value.messages[0]
    assert "10.01" in error.value.messages[0] and "10.00" in error.value.messages[0]
    assert not PurchaseOrder.objects.exists()
    at_ceiling = create(
        world, lines=[OrderLineInput(product=world.product, quantity=1, unit_price=Decimal("10"))]
    )
    assert order_warnings(at_ceiling) == []


def test_max_purchase_price_warn_records_a_warning_and_off_ignores_it(world):
    world.product.max_purchase_price = Decimal("10.00")
    world.product.save()
    set_company(max_purchase_price_mode="warn")
    over = [OrderLineInput(product=world.product, quantity=1, unit_price=Decimal("11"))]
    order = create(world, lines=over)
    assert len(order_warnings(order)) == 1
    assert "maximum purchase price 10.00" in order_warnings(order)[0]
    set_company(max_purchase_price_mode="off")
    assert order_warnings(create(world, lines=over)) == []


def test_update_replaces_lines_only_in_draft(world):
    order = create(world)
    other = world.make_product()
    po_update(
        order=order,
        user=world.purchaser,
        supplier=world.supplier,
        order_date=today(),
        warehouse=world.warehouse,
        lines=[OrderLineInput(product=other, quantity=7, unit_price=Decimal("3"))],
        note="changed",
    )
    order.refresh_from_db()
    assert [(line.product, line.quantity) for line in order.lines.all()] == [(other, 7)]
    assert order.note == "changed"
    with pytest.raises(DomainError, match="at least one line"):
        po_update(
            order=order,
            user=world.purchaser,
            supplier=world.supplier,
            order_date=today(),
            warehouse=world.warehouse,
            lines=[],
        )
    assert order.lines.count() == 1
    po_submit(order=order, user=world.purchaser)
    with pytest.raises(InvalidStateError, match="only a draft"):
        po_update(
            order=order,
            user=world.purchaser,
            supplier=world.supplier,
            order_date=today(),
            warehouse=world.warehouse,
            lines=[OrderLineInput(product=other, quantity=9, unit_price=Decimal("3"))],
        )
    assert order.lines.get().quantity == 7


def test_only_author_or_a_purchaser_may_submit(world):
    order = create(world)
    with pytest.raises(PermissionDeniedError):
        po_submit(order=order, user=world.inspector)
    assert po_submit(order=order, user=world.purchaser2).status == OrderStatus.OPEN


def _break_supplier(world):
    SalesRepAuthorisation.objects.filter(supplier=world.supplier).update(
        valid_from=days(-400), valid_until=days(-10)
    )


def test_strict_submit_refuses_with_every_licence_reason(world):
    stopped = world.make_product(is_stopped=True, stop_reason="recall")
    _break_supplier(world)
    order = create(
        world,
        lines=[
            OrderLineInput(product=world.product, quantity=1, unit_price=Decimal(1)),
            OrderLineInput(product=stopped, quantity=1, unit_price=Decimal(1)),
        ],
    )
    with pytest.raises(TradeNotAllowed) as error:
        po_submit(order=order, user=world.purchaser)
    text = " ".join(error.value.messages)
    assert "sales representative" in text and "expired on" in text
    assert "stopped from sale" in text
    # the supplier's reason is listed once, not once per line
    assert sum("sales representative" in m for m in error.value.messages) == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.DRAFT and order.submitted_at is None


def test_licence_is_checked_on_the_order_date(world):
    world.product.registration_valid_until = days(-1)
    world.product.save()
    order = create(world, order_date=days(-5))
    assert po_submit(order=order, user=world.purchaser).status == OrderStatus.OPEN
    later = create(world)
    with pytest.raises(TradeNotAllowed, match="registration certificate"):
        po_submit(order=later, user=world.purchaser)


def test_lenient_submit_records_licence_warnings_and_proceeds(world):
    set_company(order_control_mode="lenient")
    _break_supplier(world)
    order = po_submit(order=create(world), user=world.purchaser)
    assert order.status == OrderStatus.OPEN
    warnings = order_warnings(PurchaseOrder.objects.get(pk=order.pk))
    assert any("sales representative" in w for w in warnings)


def test_threshold_decides_between_open_and_approval(world):
    set_company(purchase_approval_threshold=Decimal("1000.00"))
    at = create(
        world, lines=[OrderLineInput(product=world.product, quantity=100, unit_price=Decimal("10"))]
    )
    assert po_submit(order=at, user=world.purchaser).status == OrderStatus.OPEN
    above = create(
        world,
        lines=[OrderLineInput(product=world.product, quantity=100, unit_price=Decimal("10.0001"))],
    )
    assert po_submit(order=above, user=world.purchaser).status == OrderStatus.PENDING_APPROVAL


def _pending(world):
    set_company(purchase_approval_threshold=Decimal("0"))
    return po_submit(order=create(world), user=world.purchaser)


def test_approval_needs_the_permission_and_another_person(world, make_user):
    order = _pending(world)
    with pytest.raises(PermissionDeniedError):
        po_approve(order=order, user=world.purchaser2)
    # a manager who also wrote the order may not approve it
    own = create(world, user=world.manager)
    po_submit(order=own, user=world.purchaser)
    with pytest.raises(SegregationOfDutiesError):
        po_approve(order=own, user=world.manager)
    with pytest.raises(SegregationOfDutiesError):
        po_reject(order=own, user=world.manager, note="no")
    own.refresh_from_db()
    assert own.status == OrderStatus.PENDING_APPROVAL and own.approved_by is None
    approved = po_approve(order=order, user=world.manager, note="ok")
    assert approved.status == OrderStatus.OPEN
    assert approved.approved_by == world.manager and approved.approved_at is not None
    with pytest.raises(InvalidStateError):
        po_approve(order=order, user=world.manager2)


def test_reject_returns_to_draft_with_the_note(world):
    order = _pending(world)
    with pytest.raises(DomainError, match="reason"):
        po_reject(order=order, user=world.manager, note="  ")
    rejected = po_reject(order=order, user=world.manager, note="price too high")
    assert rejected.status == OrderStatus.DRAFT
    assert PurchaseOrder.objects.get(pk=order.pk).approval_note == "price too high"
    with pytest.raises(InvalidStateError):
        po_reject(order=order, user=world.manager, note="again")


def test_close_needs_a_reason_and_stops_receipts(world):
    order = open_order(world)
    with pytest.raises(DomainError, match="reason"):
        po_close(order=order, user=world.purchaser, reason="")
    draft = create(world)
    with pytest.raises(InvalidStateError):
        po_close(order=draft, user=world.purchaser, reason="done")
    closed = po_close(order=order, user=world.purchaser, reason="supplier out of stock")
    assert closed.status == OrderStatus.CLOSED and closed.closed_by == world.purchaser
    with pytest.raises(InvalidStateError, match="open order"):
        receive(world, order, world.product, 1)


def test_cancel_only_when_nothing_was_received(world):
    draft = create(world)
    assert po_cancel(order=draft, user=world.purchaser, reason="dup").status == (
        OrderStatus.CANCELLED
    )
    pending = _pending(world)
    assert po_cancel(order=pending, user=world.purchaser, reason="x").status == (
        OrderStatus.CANCELLED
    )
    set_company(purchase_approval_threshold=Decimal("50000"))
    order = open_order(world)
    with pytest.raises(DomainError, match="reason"):
        po_cancel(order=order, user=world.purchaser, reason="")
    receive(world, order, world.product, 1)
    with pytest.raises(InvalidStateError, match="close it instead"):
        po_cancel(order=order, user=world.purchaser, reason="late")
    order.refresh_from_db()
    assert order.status == OrderStatus.OPEN
    with pytest.raises(InvalidStateError):
        po_cancel(order=draft, user=world.purchaser, reason="again")


def test_order_date_may_be_in_the_past(world):
    order = create(world, order_date=today() - datetime.timedelta(days=3))
    assert order.order_date == days(-3)


def test_max_price_block_set_after_entry_is_enforced_at_submit(world):
    world.product.max_purchase_price = Decimal("10.00")
    world.product.save()
    order = create(
        world, lines=[OrderLineInput(product=world.product, quantity=1, unit_price=Decimal("12"))]
    )
    set_company(max_purchase_price_mode="block")
    with pytest.raises(DomainError, match="maximum purchase price 10.00"):
        po_submit(order=order, user=world.purchaser)
    assert PurchaseOrder.objects.get(pk=order.pk).status == OrderStatus.DRAFT


def test_update_to_an_inactive_supplier_is_refused(world):
    order = create(world)
    dormant = tradeable_supplier(categories=[world.category], is_active=False)
    with pytest.raises(DomainError, match="is not active"):
        po_update(
            order=order,
            user=world.purchaser,
            supplier=dormant,
            order_date=today(),
            warehouse=world.warehouse,
            lines=[OrderLineInput(product=world.product, quantity=3, unit_price=Decimal(1))],
        )
    order.refresh_from_db()
    assert order.supplier == world.supplier and order.lines.get().quantity == 10
