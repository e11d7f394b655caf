"""Sales staff pages: who may open them, the order form saving through the service and
refusing tampered input, the live (htmx) line check, the status buttons, costs shown only
to those allowed to see them, and the picking → double-check → shipment → return flow."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.core.models import today
from apps.core.tests.factories import user_with_role
from apps.customers.models import CustomerType
from apps.customers.tests.factories import tradeable_customer
from apps.inventory.models import StockBalance
from apps.sales.models import (
    Delivery,
    DeliveryStatus,
    HoldStatus,
    SalesOrder,
    SalesOrderStatus,
    SalesReturn,
    SalesType,
)
from apps.sales.services import order_reservations, sales_order_submit
from apps.sales.services.fulfilment import (
    CheckInput,
    delivery_check,
    delivery_create,
    delivery_ship,
)

from .factories import confirmed_order, days, draft_order

pytestmark = pytest.mark.django_db


def ship(world, order, quantity: int) -> Delivery:
    """Pick `quantity` of the order's (single) reservation, double-check and ship it."""
    reservation = order_reservations(order).get()
    delivery = delivery_create(
        order=order, user=world.keeper, quantities={reservation.pk: quantity}
    )
    line = delivery.lines.select_related("lot").get()
    delivery_check(
        delivery=delivery,
        user=world.checker,
        confirmations=[CheckInput(line.pk, line.lot.batch_number, quantity)],
    )
    return delivery_ship(delivery=delivery, user=world.keeper, transport_mode="ordinary")


def client_for(user) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if user is not None:
        client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def order_post(world, *, customer=None, sales_type=SalesType.WHOLESALE, lines=None, **header):
    """The order form as a browser posts it; `lines` are dicts of row fields."""
    lines = lines if lines is not None else [{"product": world.product.pk, "quantity": 10}]
    data = {
        "sales_type": sales_type,
        "customer": (customer or world.customer).pk,
        "order_date": today().isoformat(),
        "warehouse": world.warehouse.pk,
        "salesperson": "",
        "settlement_method": "bank_transfer",
        "payment_terms_days": "",
        "planned_delivery": "",
        "delivery_address": "",
        "note": "",
        "lines-TOTAL_FORMS": len(lines) + 1,
        "lines-INITIAL_FORMS": 0,
        "lines-MIN_NUM_FORMS": 1,
        "lines-MAX_NUM_FORMS": 200,
        **header,
    }
    for index, row in enumerate([*lines, {}]):  # the last row is an unused extra row
        values = {
            "product": "",
            "quantity": "",
            "unit_price": "90.00",
            "discount_pct": "",
            "tax_rate": "",
            "note": "",
        }
        if not row:
            values["unit_price"] = ""
        values.update(row)
        data.update({f"lines-{index}-{k}": v for k, v in values.items()})
    return data


# --- permissions --------------------------------------------------------------------------


def test_pages_render_for_the_roles_that_use_them(world):
    world.stock(quantity=50)
    order = confirmed_order(world, {world.product: 5})
    delivery = delivery_create(order=order, user=world.keeper)
    pages = {
        world.sales: [
            reverse("sales:salesorder_list"),
            reverse("sales:salesorder_create"),
            reverse("sales:salesorder_detail", args=[order.pk]),
            reverse("sales:delivery_list"),
            reverse("sales:delivery_detail", args=[delivery.pk]),
            reverse("sales:salesreturn_list"),
            reverse("sales:salesreturn_create"),
        ],
        world.keeper: [
            reverse("sales:delivery_detail", args=[delivery.pk]),
            reverse("sales:delivery_picking_list", args=[delivery.pk]),
        ],
        world.checker: [reverse("sales:delivery_check", args=[delivery.pk])],
        world.manager: [
            reverse("sales:approval_queue"),
            reverse("sales:salesorder_detail", args=[order.pk]),
        ],
    }
    for user, urls in pages.items():
        client = client_for(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (user.username, url, response.status_code)


def test_pages_refuse_roles_without_permission(world):
    order = draft_order(world)
    auditor = user_with_role("auditor")
    purchaser = user_with_role("purchaser")
    refused = [
        (purchaser, "get", reverse("sales:salesorder_list")),
        (world.checker, "get", reverse("sales:salesorder_create")),
        (auditor, "get", reverse("sales:salesorder_create")),
        (auditor, "get", reverse("sales:salesorder_update", args=[order.pk])),
        (auditor, "post", reverse("sales:salesorder_action", args=[order.pk, "submit"])),
        (auditor, "post", reverse("sales:salesorder_preview")),
        (world.sales, "post", reverse("sales:salesorder_action", args=[order.pk, "approve"])),
        (world.sales, "get", reverse("sales:approval_queue")),
        (world.sales, "get", reverse("sales:delivery_create", args=[order.pk])),
        (world.sales, "get", reverse("sales:delivery_check", args=[1])),
        (world.checker, "get", reverse("sales:delivery_ship", args=[1])),
        (world.sales, "get", reverse("sales:salesreturnline_inspect", args=[1])),
    ]
    for user, method, url in refused:
        response = getattr(client_for(user), method)(url)
        assert response.status_code == 403, (user.username, url, response.status_code)
    assert SalesOrder.objects.get(pk=order.pk).status == SalesOrderStatus.DRAFT
    anonymous = client_for(None).get(reverse("sales:salesorder_detail", args=[order.pk]))
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")


# --- the order form -----------------------------------------------------------------------


def test_the_form_saves_the_order_through_the_service(world):
    other = world.make_product()
    data = order_post(
        world,
        lines=[
            {"product": world.product.pk, "quantity": 10, "discount_pct": "5"},
            {"product": other.pk, "quantity": 3, "unit_price": "", "tax_rate": "6"},
        ],
        note="urgent",
    )
    response = client_for(world.sales).post(reverse("sales:salesorder_create"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    order = SalesOrder.objects.get()
    assert response["Location"] == order.get_absolute_url()
    assert order.number.startswith("SO")
    assert (order.status, order.created_by, order.salesperson) == (
        SalesOrderStatus.DRAFT,
        world.sales,
        world.sales,
    )
    assert order.note == "urgent"
    first, second = order.lines.order_by("pk")
    assert (first.product, first.quantity, first.unit_price, first.discount_pct) == (
        world.product,
        10,
        Decimal("90.0000"),
        Decimal("5.00"),
    )
    assert first.net_price == Decimal("85.5000")
    # An empty price takes the suggested price (national 100.00, no cross discount).
    assert (second.unit_price, second.tax_rate) == (Decimal("100.0000"), Decimal("6.00"))


def test_the_detail_page_shows_lines_totals_and_actions(world):
    order = draft_order(world, {world.product: 4}, price=Decimal("25.00"))
    page = client_for(world.sales).get(order.get_absolute_url()).content.decode()
    assert "100.00" in page  # 4 × 25.00
    assert reverse("sales:salesorder_action", args=[order.pk, "submit"]) in page
    assert reverse("sales:salesorder_action", args=[order.pk, "confirm"]) in page
    assert reverse("sales:salesorder_action", args=[order.pk, "approve"]) not in page
    assert reverse("sales:salesorder_update", args=[order.pk]) in page


@pytest.mark.parametrize(
    ("row", "header", "error"),
    [
        ({"quantity": "-5"}, {}, "Ensure this value is greater than or equal to 1."),
        ({"quantity": "0"}, {}, "Ensure this value is greater than or equal to 1."),
        ({"unit_price": "12.34567"}, {}, "Ensure that there are no more than 4 decimal places."),
        ({"unit_price": "-1"}, {}, "Ensure this value is greater than or equal to 0.0001."),
        ({"discount_pct": "150"}, {}, "Ensure this value is less than or equal to 100."),
        ({"discount_pct": "100"}, {}, "After the discount the price must stay above zero."),
        ({"product": "999999"}, {}, "Select a valid choice."),
        ({}, {"payment_terms_days": "-3"}, "Ensure this value is greater than or equal to 0."),
    ],
)
def test_tampered_lines_are_form_errors_and_nothing_is_saved(world, row, header, error):
    data = order_post(world, lines=[{"product": world.product.pk, "quantity": 10, **row}], **header)
    response = client_for(world.sales).post(reverse("sales:salesorder_create"), data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not SalesOrder.objects.exists()


def test_an_inactive_customer_cannot_be_chosen(world):
    world.customer.is_active = False
    world.customer.save()
    response = client_for(world.sales).post(reverse("sales:salesorder_create"), order_post(world))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not SalesOrder.objects.exists()


def test_an_inactive_product_cannot_be_chosen(world):
    world.product.is_active = False
    world.product.save()
    response = client_for(world.sales).post(reverse("sales:salesorder_create"), order_post(world))
    assert "Select a valid choice" in response.content.decode()
    assert not SalesOrder.objects.exists()


def licensed_branch(world):
    """One of our branches, holding the operating licences the world's products need."""
    branch = tradeable_customer(CustomerType.DISTRIBUTOR, categories=[world.category])
    branch.customer_type = CustomerType.BRANCH
    branch.save()
    return branch


def test_an_internal_transfer_goes_only_to_a_branch(world):
    branch = licensed_branch(world)
    client = client_for(world.sales)
    refused = client.post(
        reverse("sales:salesorder_create"),
        order_post(world, sales_type=SalesType.INTERNAL_TRANSFER),
    )
    assert refused.status_code == 200
    assert "Select a valid choice" in refused.content.decode()
    assert not SalesOrder.objects.exists()
    accepted = client.post(
        reverse("sales:salesorder_create"),
        order_post(world, customer=branch, sales_type=SalesType.INTERNAL_TRANSFER),
    )
    assert accepted.status_code == 302
    assert SalesOrder.objects.get().sales_type == SalesType.INTERNAL_TRANSFER


def test_a_control_refusal_is_shown_on_the_form(world):
    world.product.max_qty = 5
    world.product.max_qty_period = "order"
    world.product.save()
    response = client_for(world.sales).post(reverse("sales:salesorder_create"), order_post(world))
    assert response.status_code == 200
    assert "at most 5 per order; this order asks for 10" in response.content.decode()
    assert not SalesOrder.objects.exists()


def test_editing_replaces_the_lines_and_voids_an_approval(world):
    order = draft_order(world, price=Decimal("120.00"))
    order = sales_order_submit(order=order, user=world.sales)
    assert order.status == SalesOrderStatus.PENDING_APPROVAL
    client = client_for(world.sales)
    page = client.get(reverse("sales:salesorder_update", args=[order.pk]))
    assert page.status_code == 200
    assert "Will need manager approval" in page.content.decode()
    data = order_post(world, lines=[{"product": world.product.pk, "quantity": 7}])
    data["customer"] = world.distributor.pk  # the customer of an order is fixed
    response = client.post(reverse("sales:salesorder_update", args=[order.pk]), data)
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.customer == world.customer
    assert order.status == SalesOrderStatus.DRAFT
    assert [line.quantity for line in order.lines.all()] == [7]
    assert order.holds.get().status == HoldStatus.VOID


# --- the live line check (htmx) -----------------------------------------------------------


def preview(client, data, trigger="lines-0-quantity", url=None):
    return client.post(
        url or reverse("sales:salesorder_preview"),
        data,
        HTTP_HX_REQUEST="true",
        HTTP_HX_TRIGGER_NAME=trigger,
    )


def test_preview_prices_a_line_and_names_every_finding(world):
    world.stock(quantity=30)
    data = order_post(
        world, lines=[{"product": world.product.pk, "quantity": 10, "unit_price": "120"}]
    )
    response = preview(client_for(world.sales), data)
    assert response.status_code == 200
    html = response.content.decode()
    # The row that changed is the main fragment; the summary comes out of band.
    assert html.lstrip().startswith('<div id="lines-0-preview"')
    assert 'id="order-preview-summary" hx-swap-oob="true"' in html
    assert "Suggested price" in html and "100.00" in html
    assert "National ceiling" in html
    assert "above the national wholesale price" in html
    assert "Will need manager approval" in html
    assert "Free stock for this customer: 30" in html
    assert "1,200.00" in html or "1200.00" in html
    assert not SalesOrder.objects.exists()


def test_preview_shows_the_available_quantity_of_a_period_limit(world):
    world.product.max_qty = 2000
    world.product.max_qty_period = "quarter"
    world.product.save()
    world.stock(quantity=3000)
    first = confirmed_order(world, {world.product: 1300})
    ship(world, first, 1000)  # the worked example of DESIGN.md 4.4: 1000 of 1300 shipped
    client = client_for(world.sales)
    data = order_post(world, lines=[{"product": world.product.pk, "quantity": 800}])
    html = preview(client, data).content.decode()
    assert "available 700" in html
    assert 'data-rule="max_quantity"' in html
    data = order_post(world, lines=[{"product": world.product.pk, "quantity": 700}])
    html = preview(client, data).content.decode()
    assert 'data-rule="max_quantity"' not in html
    assert "data-line-ok" in html


def test_preview_of_a_header_change_answers_the_summary_and_branch_customers(world):
    branch = licensed_branch(world)
    data = order_post(world, sales_type=SalesType.INTERNAL_TRANSFER)
    html = preview(client_for(world.sales), data, trigger="sales_type").content.decode()
    assert html.lstrip().startswith('<div id="order-preview-summary"')
    assert re.search(r'<div id="lines-0-preview"[^>]* hx-swap-oob="true"', html)
    options = html[html.index('<select id="id_customer"') :]
    assert branch.name in options
    assert world.customer.name not in options


def test_preview_of_an_edit_does_not_count_the_order_against_itself(world):
    world.product.max_qty = 15
    world.product.max_qty_period = "quarter"
    world.product.save()
    order = sales_order_submit(order=draft_order(world, {world.product: 10}), user=world.sales)
    assert order.status == SalesOrderStatus.APPROVED  # open: its 10 count for the quarter
    client = client_for(world.sales)
    data = order_post(world, lines=[{"product": world.product.pk, "quantity": 12}])
    editing = preview(client, data, url=reverse("sales:salesorder_preview_for", args=[order.pk]))
    assert 'data-rule="max_quantity"' not in editing.content.decode()
    another = preview(client, data).content.decode()
    assert 'data-rule="max_quantity"' in another
    assert "available 5" in another


def test_preview_reports_bad_input_without_saving(world):
    data = order_post(world, lines=[{"product": world.product.pk, "quantity": "-3"}])
    html = preview(client_for(world.sales), data).content.decode()
    assert "Ensure this value is greater than or equal to 1." in html
    assert "Suggested price" in html
    no_customer = order_post(world)
    no_customer["customer"] = ""
    html = preview(client_for(world.sales), no_customer, trigger="customer").content.decode()
    assert "Choose the customer to price and check the lines." in html


# --- status actions -----------------------------------------------------------------------


def act(client, order, action, reason=""):
    return client.post(
        reverse("sales:salesorder_action", args=[order.pk, action]), {"reason": reason}
    )


def test_over_price_order_is_held_then_approved_by_another_manager(world):
    world.stock(quantity=50)
    order = draft_order(world, price=Decimal("120.00"))
    sales = client_for(world.sales)
    response = act(sales, order, "confirm")
    order.refresh_from_db()
    assert order.status == SalesOrderStatus.PENDING_APPROVAL
    assert any("a manager must approve it" in m for m in messages_of(response))
    manager = client_for(world.manager)
    page = manager.get(order.get_absolute_url()).content.decode()
    assert reverse("sales:salesorder_action", args=[order.pk, "approve"]) in page
    refused = act(manager, order, "approve", reason="")
    assert "Give the reason for the approval." in messages_of(refused)
    order.refresh_from_db()
    assert order.status == SalesOrderStatus.PENDING_APPROVAL
    act(manager, order, "approve", reason="tender price agreed")
    order.refresh_from_db()
    assert order.status == SalesOrderStatus.APPROVED
    hold = order.holds.get()
    assert (hold.status, hold.decided_by, hold.reason) == (
        HoldStatus.APPROVED,
        world.manager,
        "tender price agreed",
    )
    page = sales.get(order.get_absolute_url()).content.decode()
    assert "tender price agreed" in page
    act(sales, order, "confirm")
    order.refresh_from_db()
    assert order.status == SalesOrderStatus.CONFIRMED


def test_a_manager_may_not_approve_an_order_they_wrote(world):
    order = draft_order(world, price=Decimal("120.00"), user=world.manager)
    order = sales_order_submit(order=order, user=world.manager)
    client = client_for(world.manager)
    page = client.get(order.get_absolute_url()).content.decode()
    assert reverse("sales:salesorder_action", args=[order.pk, "approve"]) not in page
    response = act(client, order, "approve", reason="fine")
    assert any("another manager must approve it" in m for m in messages_of(response))
    order.refresh_from_db()
    assert order.status == SalesOrderStatus.PENDING_APPROVAL


def test_reject_and_cancel_need_a_reason(world):
    order = sales_order_submit(order=draft_order(world, price=Decimal("120.00")), user=world.sales)
    manager = client_for(world.manager)
    act(manager, order, "reject", reason="")
    order.refresh_from_db()
    assert order.status == SalesOrderStatus.PENDING_APPROVAL
    act(manager, order, "reject", reason="price too high")
    order.refresh_from_db()
    assert order.status == SalesOrderStatus.DRAFT
    assert order.holds.get().reason == "price too high"
    sales = client_for(world.sales)
    act(sales, order, "cancel", reason="")
    order.refresh_from_db()
    assert order.status == SalesOrderStatus.DRAFT
    act(sales, order, "cancel", reason="customer withdrew")
    order.refresh_from_db()
    assert (order.status, order.close_reason) == (SalesOrderStatus.CANCELLED, "customer withdrew")


# --- costs --------------------------------------------------------------------------------


def test_costs_and_margins_are_shown_only_to_those_allowed(world):
    world.stock(quantity=20, unit_cost=Decimal("61.37"))
    order = confirmed_order(world, {world.product: 10})
    delivery = delivery_create(order=order, user=world.keeper)
    finance = user_with_role("finance")
    urls = [order.get_absolute_url(), delivery.get_absolute_url()]
    for user in (world.sales, world.keeper, world.checker):
        for url in urls:
            page = client_for(user).get(url).content.decode()
            assert "data-cost-column" not in page, (user.username, url)
            assert "61.37" not in page, (user.username, url)
    for user in (world.manager, finance):
        for url in urls:
            page = client_for(user).get(url).content.decode()
            assert "data-cost-column" in page, (user.username, url)
            assert "61.37" in page, (user.username, url)
    # Margin on the order: 10 × 90.00 incl. 13 % VAT = 796.46 excl. tax, cost 613.70.
    page = client_for(world.manager).get(order.get_absolute_url()).content.decode()
    assert "182.76" in page
    export = client_for(world.sales).get(reverse("sales:salesorder_list"), {"_export": "xlsx"})
    assert export.status_code == 200


# --- lists --------------------------------------------------------------------------------


def test_order_list_searches_filters_and_costs_the_same_queries_for_more_rows(world):
    first = draft_order(world)
    other = draft_order(world, customer=world.distributor)
    client = client_for(world.sales)
    url = reverse("sales:salesorder_list")
    page = client.get(url, {"q": world.distributor.name}).content.decode()
    assert other.number in page and first.number not in page
    page = client.get(url, {"customer": world.customer.pk, "status": "draft"}).content.decode()
    assert first.number in page and other.number not in page
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(5):
        draft_order(world)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)
    export = client.get(url, {"_export": "xlsx"})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_list_total_rounds_each_line_like_the_order(world):
    # Two lines of 0.0050 round to 0.01 each: the order's total is 0.02, not 0.01.
    other = world.make_product()
    order = draft_order(world, {world.product: 1, other: 1}, price=Decimal("0.0050"))
    assert sum(line.amount for line in order.lines.all()) == Decimal("0.02")
    page = client_for(world.sales).get(reverse("sales:salesorder_list")).content.decode()
    row = page[page.index(order.number) :]
    assert "0.02" in row[: row.index("</tr>")]


# --- picking, double-check, shipment, returns ---------------------------------------------


def test_picking_double_check_and_shipment_through_the_pages(world):
    lot = world.stock(quantity=30, batch="B-777")
    order = confirmed_order(world, {world.product: 12})
    keeper = client_for(world.keeper)
    page = keeper.get(reverse("sales:delivery_create", args=[order.pk])).content.decode()
    assert "B-777" in page
    res = order_reservations(order).get()
    refused = keeper.post(reverse("sales:delivery_create", args=[order.pk]), {f"r{res.pk}": 13})
    assert "Ensure this value is less than or equal to 12." in refused.content.decode()
    assert not Delivery.objects.exists()
    response = keeper.post(reverse("sales:delivery_create", args=[order.pk]), {f"r{res.pk}": 12})
    delivery = Delivery.objects.get()
    assert response["Location"] == delivery.get_absolute_url()
    printable = keeper.get(reverse("sales:delivery_picking_list", args=[delivery.pk]))
    assert "B-777" in printable.content.decode()

    line = delivery.lines.get()
    check_url = reverse("sales:delivery_check", args=[delivery.pk])

    def check_data(batch, quantity, scan=""):
        return {
            "check-TOTAL_FORMS": 1,
            "check-INITIAL_FORMS": 0,
            "check-0-line_id": line.pk,
            "check-0-scan": scan,
            "check-0-batch_number": batch,
            "check-0-quantity": quantity,
            "note": "",
        }

    # The picker may not check their own picking list.
    own = client_for(world.keeper).post(check_url, check_data("B-777", 12))
    assert own.status_code == 403  # keepers lack sales.check_delivery
    checker = client_for(world.checker)
    wrong = checker.post(check_url, check_data("B-778", 12))
    assert wrong.status_code == 200
    assert "batch B-778 was entered, batch B-777 was picked" in wrong.content.decode()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PICKING
    checker.post(check_url, check_data("B-777", 12))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.checked_by) == (DeliveryStatus.CHECKED, world.checker)

    ship_url = reverse("sales:delivery_ship", args=[delivery.pk])
    response = keeper.post(
        ship_url, {"transport_mode": "ordinary", "carrier": "SF", "shipped_on": today()}
    )
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SHIPPED
    assert StockBalance.objects.get(lot=lot).on_hand == 18
    order.refresh_from_db()
    assert order.status == SalesOrderStatus.SHIPPED

    pdf = keeper.get(reverse("sales:delivery_note_pdf", args=[delivery.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == (
        f'attachment; filename="delivery-note-{delivery.number}.pdf"'
    )
    assert pdf.content.startswith(b"%PDF")


def test_a_shipment_form_error_is_shown_and_nothing_ships(world):
    world.stock(quantity=10)
    order = confirmed_order(world, {world.product: 5})
    delivery = delivery_create(order=order, user=world.keeper)
    line = delivery.lines.select_related("lot").get()
    delivery_check(
        delivery=delivery,
        user=world.checker,
        confirmations=[CheckInput(line.pk, line.lot.batch_number, 5)],
    )
    response = client_for(world.keeper).post(
        reverse("sales:delivery_ship", args=[delivery.pk]),
        {"transport_mode": "ordinary", "shipped_on": days(1).isoformat()},
    )
    assert response.status_code == 200
    assert "is in the future" in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.CHECKED


def shipped_delivery(world, quantity=10):
    world.stock(quantity=quantity + 5)
    order = confirmed_order(world, {world.product: quantity})
    return ship(world, order, quantity)


def test_a_return_from_a_shipped_delivery_and_its_reinspection(world):
    delivery = shipped_delivery(world, 10)
    line = delivery.lines.get()
    sales = client_for(world.sales)
    url = reverse("sales:salesreturn_create")
    page = sales.get(url, {"delivery": delivery.pk}).content.decode()
    assert line.lot.batch_number in page
    base = {
        "delivery": delivery.pk,
        "returned_on": today().isoformat(),
        "location": world.returns.pk,
        "reason": "damaged box",
    }
    too_many = sales.post(url, {**base, f"l{line.pk}": 11})
    assert "Ensure this value is less than or equal to 10." in too_many.content.decode()
    assert not SalesReturn.objects.exists()
    response = sales.post(url, {**base, f"l{line.pk}": 4})
    sales_return = SalesReturn.objects.get()
    assert response["Location"] == sales_return.get_absolute_url()
    return_line = sales_return.lines.get()
    assert return_line.quantity == 4

    inspector = client_for(world.inspector)
    detail = inspector.get(sales_return.get_absolute_url()).content.decode()
    assert reverse("sales:salesreturnline_inspect", args=[return_line.pk]) in detail
    prefix = f"inspect{return_line.pk}"
    inspect_url = reverse("sales:salesreturnline_inspect", args=[return_line.pk])
    over = inspector.post(
        inspect_url,
        {
            f"{prefix}-qualified_qty": 5,
            f"{prefix}-nonconforming_qty": 0,
            f"{prefix}-qualified_location": world.qualified.pk,
        },
    )
    assert "Only 4 of 4 returned units await re-inspection." in over.content.decode()
    inspector.post(
        inspect_url,
        {
            f"{prefix}-qualified_qty": 3,
            f"{prefix}-nonconforming_qty": 1,
            f"{prefix}-qualified_location": world.qualified.pk,
            f"{prefix}-nonconforming_location": world.nonconforming.pk,
            f"{prefix}-note": "one wet",
        },
    )
    return_line.refresh_from_db()
    assert (return_line.qualified_qty, return_line.nonconforming_qty) == (3, 1)
