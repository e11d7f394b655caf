"""DESIGN.md 4.4, the worked example of the spec, through the real services: quarterly
maximum 2000; order 1 ordered 1300 of which 1000 shipped (300 open); order 2 for 800 is
refused with "available 700", 700 is accepted; closing order 1 frees its 300; a return
in the period gives its quantity back too."""

import pytest

from apps.catalog.models import MaxQtyPeriod
from apps.core.models import today
from apps.sales.selectors import period_usages
from apps.sales.services import (
    ControlsRefused,
    order_reservations,
    sales_order_cancel,
    sales_order_close,
    sales_order_confirm,
)
from apps.sales.services.returns import ReturnLineInput, sales_return_create

from .factories import confirmed_order, draft_order
from .test_fulfilment import pick_and_check, ship

pytestmark = pytest.mark.django_db


@pytest.fixture
def limited(world):
    world.product.max_qty = 2000
    world.product.max_qty_period = MaxQtyPeriod.QUARTER
    world.product.save()
    world.stock(quantity=5000)
    return world.product


def usage(world):
    return period_usages(customer=world.customer, products=[world.product], on_date=today())[
        world.product.pk
    ]


def ship_part(world, order, quantity):
    reservation = order_reservations(order).first()
    return ship(world, pick_and_check(world, order, {reservation.pk: quantity}))


def test_the_worked_example(world, limited):
    first = confirmed_order(world, {limited: 1300})
    delivery = ship_part(world, first, 1000)
    used = usage(world)
    assert (used.shipped, used.returned, used.open, used.used) == (1000, 0, 300, 1300)

    with pytest.raises(ControlsRefused) as caught:
        confirmed_order(world, {limited: 800})
    assert "available 700" in str(caught.value)
    assert "this order asks for 800" in str(caught.value)

    second = confirmed_order(world, {limited: 700})
    assert usage(world).available == 0
    # Nothing more, not even one, while both orders are open.
    with pytest.raises(ControlsRefused, match="available 0"):
        confirmed_order(world, {limited: 1})

    sales_order_close(order=first, user=world.sales, reason="the hospital needs no more")
    assert usage(world).available == 300
    third = confirmed_order(world, {limited: 300})

    # A return in the period reduces the usage: 50 back from the first delivery.
    sales_return_create(
        delivery=delivery,
        user=world.keeper,
        lines=[ReturnLineInput(delivery_line=delivery.lines.get(), quantity=50)],
        location=world.returns,
        reason="wrong size",
    )
    used = usage(world)
    assert (used.shipped, used.returned, used.open) == (1000, 50, 1000)
    assert used.available == 50
    assert confirmed_order(world, {limited: 50}).pk
    assert second.pk and third.pk


def test_a_cancelled_order_and_a_draft_use_nothing(world, limited):
    order = confirmed_order(world, {limited: 2000})
    sales_order_cancel(order=order, user=world.sales, reason="duplicate")
    draft_order(world, {limited: 2000})  # a draft has passed no control yet
    assert usage(world).used == 0
    confirmed = sales_order_confirm(order=draft_order(world, {limited: 2000}), user=world.sales)
    assert confirmed.status == "confirmed"
