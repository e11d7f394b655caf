"""The outbound flow in the browser.

1. A salesperson writes an order above the national wholesale price: the live line check
   says it will need a manager's approval, and confirming holds it. A manager approves it
   in the Django admin with a reason; the order is reserved, a keeper prints the picking
   list, a checker double-checks it by typing the batch, and the keeper ships it.
2. The maximum-quantity example of DESIGN.md 4.4 (quarterly maximum 2000; order 1 of 1300
   with 1000 shipped): order 2 for 800 is refused showing the 700 still available, order 2
   for 700 is accepted.

Selectors use names, ids and data attributes: the pages run in Chinese.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from apps.catalog.models import MaxQtyPeriod
from apps.inventory.models import StockBalance
from apps.sales.models import (
    Delivery,
    DeliveryStatus,
    HoldStatus,
    SalesOrder,
    SalesOrderStatus,
)
from apps.sales.services import order_reservations
from apps.sales.services.fulfilment import (
    CheckInput,
    delivery_check,
    delivery_create,
    delivery_ship,
)
from apps.sales.tests.factories import confirmed_order, sales_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Test-pass-2026!"  # apps.core.tests.factories.UserFactory


@pytest.fixture
def world():
    world = sales_world()
    world.manager.is_staff = True
    world.manager.save()
    return world


def login_as(browser, live_server, username):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    return page


def submit(page, form="main form[method=post]"):
    with page.expect_navigation():
        page.click(f"{form} button[type=submit]")


def start_order(page, world, product):
    page.goto(reverse("sales:salesorder_create"))
    page.select_option("#id_customer", str(world.customer.pk))
    page.select_option("#id_warehouse", str(world.warehouse.pk))
    page.select_option("[name='lines-0-product']", str(product.pk))
    # Choosing the product already prices the line: the suggestion and the ceiling.
    expect(page.locator("#lines-0-preview [data-suggested-price]")).to_contain_text("100.00")


def test_over_price_order_approved_in_admin_then_picked_checked_and_shipped(
    browser, live_server, world
):
    lot = world.stock(quantity=100, batch="BX2026A")

    seller = login_as(browser, live_server, world.sales.username)
    start_order(seller, world, world.product)
    seller.fill("[name='lines-0-quantity']", "10")
    seller.fill("[name='lines-0-unit_price']", "120")
    seller.press("[name='lines-0-unit_price']", "Tab")
    preview = seller.locator("#lines-0-preview")
    expect(preview.locator("[data-rule='price_ceiling']")).to_be_visible()
    expect(preview.locator("[data-needs-approval]")).to_be_visible()
    expect(preview.locator("[data-amount]")).to_contain_text("1200.00")
    expect(seller.locator("#order-preview-summary [data-order-held]")).to_be_visible()
    submit(seller, "#salesorder-form")
    order = SalesOrder.objects.get()
    assert order.status == SalesOrderStatus.DRAFT
    with seller.expect_navigation():
        seller.click("#order-actions button[name='confirm']")
    expect(seller.locator("#order-held")).to_be_visible()
    order.refresh_from_db()
    assert order.status == SalesOrderStatus.PENDING_APPROVAL
    assert not order_reservations(order).exists()

    manager = login_as(browser, live_server, world.manager.username)
    manager.goto(reverse("admin:sales_salesorder_changelist"))
    manager.check(f"input[name='_selected_action'][value='{order.pk}']")
    manager.select_option("select[name='action']", "approve_over_price")
    with manager.expect_navigation():
        manager.click("button[name='index']")
    expect(manager.locator("#approval-orders")).to_contain_text(order.number)
    manager.fill("textarea[name='reason']", "中标价，总经理同意")
    with manager.expect_navigation():
        manager.click("input[name='apply']")
    expect(manager.locator(".messagelist")).to_contain_text(order.number)
    order.refresh_from_db()
    assert order.status == SalesOrderStatus.APPROVED
    hold = order.holds.get()
    assert (hold.status, hold.decided_by, hold.reason) == (
        HoldStatus.APPROVED,
        world.manager,
        "中标价，总经理同意",
    )

    seller.goto(order.get_absolute_url())
    expect(seller.locator("#order-holds")).to_contain_text("中标价，总经理同意")
    with seller.expect_navigation():
        seller.click("#order-actions button[name='confirm']")
    order.refresh_from_db()
    assert order.status == SalesOrderStatus.CONFIRMED
    assert sum(r.quantity for r in order_reservations(order)) == 10

    keeper = login_as(browser, live_server, world.keeper.username)
    keeper.goto(order.get_absolute_url())
    expect(keeper.locator("#order-lines .reservations")).to_contain_text("BX2026A")
    with keeper.expect_navigation():
        keeper.click(f"a[href='{reverse('sales:delivery_create', args=[order.pk])}']")
    submit(keeper)
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.PICKING
    keeper.goto(reverse("sales:delivery_picking_list", args=[delivery.pk]))
    expect(keeper.locator("table")).to_contain_text("BX2026A")

    checker = login_as(browser, live_server, world.checker.username)
    checker.goto(delivery.get_absolute_url())
    with checker.expect_navigation():
        checker.click(f"a[href='{reverse('sales:delivery_check', args=[delivery.pk])}']")
    # A wrong batch is refused and nothing is checked.
    checker.fill("[name='check-0-batch_number']", "BX2026B")
    checker.fill("[name='check-0-quantity']", "10")
    submit(checker)
    expect(checker.locator("#check-errors")).to_contain_text("BX2026B")
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PICKING
    checker.fill("[name='check-0-batch_number']", "BX2026A")
    checker.fill("[name='check-0-quantity']", "10")
    submit(checker)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.checked_by) == (DeliveryStatus.CHECKED, world.checker)

    keeper.goto(reverse("sales:delivery_ship", args=[delivery.pk]))
    keeper.select_option("[name='transport_mode']", "ordinary")
    keeper.fill("[name='carrier']", "顺丰速运")
    submit(keeper)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SHIPPED
    order.refresh_from_db()
    assert order.status == SalesOrderStatus.SHIPPED
    assert StockBalance.objects.get(lot=lot).on_hand == 90
    expect(keeper.locator("a[href$='delivery-note.pdf']")).to_be_visible()


def test_max_quantity_worked_example_refuses_800_and_accepts_700(browser, live_server, world):
    product = world.make_product(max_qty=2000, max_qty_period=MaxQtyPeriod.QUARTER)
    world.stock(product, quantity=3000)
    first = confirmed_order(world, {product: 1300}, price=Decimal("90.00"))
    reservation = order_reservations(first).get()
    delivery = delivery_create(order=first, user=world.keeper, quantities={reservation.pk: 1000})
    line = delivery.lines.select_related("lot").get()
    delivery_check(
        delivery=delivery,
        user=world.checker,
        confirmations=[CheckInput(line.pk, line.lot.batch_number, 1000)],
    )
    delivery_ship(delivery=delivery, user=world.keeper, transport_mode="ordinary")

    seller = login_as(browser, live_server, world.sales.username)
    start_order(seller, world, product)
    # Typing the quantity checks the line after a short pause (no need to leave the field).
    seller.locator("[name='lines-0-quantity']").press_sequentially("800")
    finding = seller.locator("#lines-0-preview [data-rule='max_quantity']")
    expect(finding).to_contain_text("700")
    expect(seller.locator("#order-preview-summary [data-order-blocked]")).to_be_visible()
    submit(seller, "#salesorder-form")
    expect(seller.locator("#salesorder-form .alert-danger").first).to_contain_text("700")
    assert SalesOrder.objects.count() == 1

    seller.fill("[name='lines-0-quantity']", "700")
    seller.press("[name='lines-0-quantity']", "Tab")
    expect(seller.locator("#lines-0-preview [data-line-ok]")).to_be_visible()
    expect(finding).to_have_count(0)
    submit(seller, "#salesorder-form")
    second = SalesOrder.objects.exclude(pk=first.pk).get()
    assert [line.quantity for line in second.lines.all()] == [700]
    with seller.expect_navigation():
        seller.click("#order-actions button[name='confirm']")
    second.refresh_from_db()
    assert second.status == SalesOrderStatus.CONFIRMED
