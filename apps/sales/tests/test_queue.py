"""The manager's queue: the dashboard panel "Waiting for you" (held sales orders and
purchase orders above the approval threshold) and the approvals page with its filters."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from apps.core.models import today
from apps.core.tests.factories import user_with_role
from apps.purchasing.models import OrderStatus
from apps.purchasing.services import OrderLineInput, po_create, po_submit
from apps.purchasing.tests.factories import set_company
from apps.sales.models import HoldKind, SalesOrderStatus
from apps.sales.services import sales_order_submit
from apps.suppliers.tests.factories import tradeable_supplier

from .factories import days, draft_order

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


@pytest.fixture
def queue(world):
    """An over-price order, a credit-limit order, one the manager wrote, and a purchase
    order above the approval threshold."""
    over_price = sales_order_submit(
        order=draft_order(world, price=Decimal("120.00")), user=world.sales
    )
    world.distributor.credit_limit = Decimal("500.00")
    world.distributor.save()
    credit = sales_order_submit(
        order=draft_order(world, customer=world.distributor), user=world.sales
    )
    own = sales_order_submit(
        order=draft_order(world, price=Decimal("120.00"), user=world.manager),
        user=world.manager,
    )
    for order in (over_price, credit, own):
        assert order.status == SalesOrderStatus.PENDING_APPROVAL
    assert credit.holds.get().kind == HoldKind.CREDIT
    set_company(purchase_approval_threshold=Decimal("0"))
    purchaser = user_with_role("purchaser", "buyer1")
    purchase = po_create(
        user=purchaser,
        supplier=tradeable_supplier(categories=[world.category]),
        order_date=today(),
        warehouse=world.warehouse,
        lines=[OrderLineInput(product=world.product, quantity=5, unit_price=Decimal("2"))],
    )
    purchase = po_submit(order=purchase, user=purchaser)
    assert purchase.status == OrderStatus.PENDING_APPROVAL
    return {"over_price": over_price, "credit": credit, "own": own, "purchase": purchase}


def test_the_dashboard_shows_a_manager_what_waits_for_them(world, queue):
    html = client_for(world.manager).get(reverse("core:dashboard")).content.decode()
    assert "Waiting for you (3)" in html
    for key in ("over_price", "credit", "purchase"):
        document = queue[key]
        assert f'href="{document.get_absolute_url()}"' in html, key
    # An order the manager wrote waits for another manager.
    assert queue["own"].number not in html
    assert "Credit limit exceeded" in html
    assert "Price above the national wholesale price" in html


def test_the_dashboard_panel_is_not_for_sales_staff(world, queue):
    html = client_for(world.sales).get(reverse("core:dashboard")).content.decode()
    assert "Waiting for you" not in html
    assert queue["over_price"].number not in html


def test_the_approvals_page_filters_by_kind_customer_and_date(world, queue):
    client = client_for(world.manager)
    url = reverse("sales:approval_queue")
    html = client.get(url).content.decode()
    for key in ("over_price", "credit", "own", "purchase"):
        assert queue[key].number in html, key
    html = client.get(url, {"kind": "credit"}).content.decode()
    assert queue["credit"].number in html
    assert queue["over_price"].number not in html
    assert queue["purchase"].number not in html
    html = client.get(url, {"kind": "purchase_order"}).content.decode()
    assert queue["purchase"].number in html
    assert queue["credit"].number not in html
    html = client.get(url, {"customer": world.distributor.pk}).content.decode()
    assert queue["credit"].number in html
    assert queue["over_price"].number not in html
    assert queue["purchase"].number not in html  # purchase orders have no customer
    html = client.get(url, {"date_from": days(1).isoformat()}).content.decode()
    assert queue["credit"].number not in html
    assert queue["purchase"].number not in html


def test_the_approvals_page_is_for_approvers_only(world, queue):
    assert client_for(world.sales).get(reverse("sales:approval_queue")).status_code == 403
    assert client_for(world.manager).get(reverse("sales:approval_queue")).status_code == 200
