"""The sales admin: read-only documents with filters and history, and the manager's action
"Approve over-price orders", which asks for a reason on an intermediate page and runs the
same service (and refusals) as the staff page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from apps.core.tests.factories import user_with_role
from apps.sales.models import HoldKind, HoldStatus, SalesOrder, SalesOrderStatus
from apps.sales.services import sales_order_submit

from .factories import draft_order

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:sales_salesorder_changelist"


def staff_client(user) -> Client:
    user.is_staff = True
    user.save()
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def held_order(world, user=None) -> SalesOrder:
    order = draft_order(world, price=Decimal("120.00"), user=user or world.sales)
    order = sales_order_submit(order=order, user=user or world.sales)
    assert order.status == SalesOrderStatus.PENDING_APPROVAL
    return order


def run_action(client, orders, **extra):
    return client.post(
        reverse(CHANGELIST),
        {"action": "approve_over_price", ACTION_CHECKBOX_NAME: [o.pk for o in orders], **extra},
        follow="apply" in extra,
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_action_asks_for_a_reason_then_approves_and_records_it(world):
    order = held_order(world)
    client = staff_client(world.manager)
    page = run_action(client, [order])
    assert page.status_code == 200
    html = page.content.decode()
    assert "Reason for the approval" in html
    assert order.number in html
    assert "above the national wholesale price" in html  # what the manager approves
    order.refresh_from_db()
    assert order.status == SalesOrderStatus.PENDING_APPROVAL

    blank = run_action(client, [order], apply="1", reason="   ")
    assert "Give the reason for the approval." in blank.content.decode()
    order.refresh_from_db()
    assert order.status == SalesOrderStatus.PENDING_APPROVAL

    done = run_action(client, [order], apply="1", reason="tender price 2026-Q3")
    assert done.redirect_chain[-1][0].endswith(reverse(CHANGELIST))
    assert f"{order.number}: approved." in messages_of(done)
    order.refresh_from_db()
    assert order.status == SalesOrderStatus.APPROVED
    hold = order.holds.get()
    assert (hold.kind, hold.status, hold.decided_by, hold.reason) == (
        HoldKind.OVER_PRICE,
        HoldStatus.APPROVED,
        world.manager,
        "tender price 2026-Q3",
    )


def test_the_action_refuses_the_author_and_reports_each_order(world):
    mine = held_order(world, user=world.manager)
    theirs = held_order(world)
    draft = draft_order(world)
    client = staff_client(world.manager)
    response = run_action(client, [mine, theirs, draft], apply="1", reason="agreed")
    notes = messages_of(response)
    assert any(
        n.startswith(f"{mine.number}: ") and "another manager must approve it" in n for n in notes
    ), notes
    assert f"{theirs.number}: approved." in notes
    assert any(n.startswith(f"{draft.number}: skipped") for n in notes), notes
    statuses = dict(SalesOrder.objects.values_list("pk", "status"))
    assert statuses == {
        mine.pk: SalesOrderStatus.PENDING_APPROVAL,
        theirs.pk: SalesOrderStatus.APPROVED,
        draft.pk: SalesOrderStatus.DRAFT,
    }
    assert mine.holds.get().status == HoldStatus.PENDING


def test_only_approvers_are_offered_the_action(world):
    held_order(world)
    auditor = staff_client(user_with_role("auditor"))
    page = auditor.get(reverse(CHANGELIST))
    assert page.status_code == 200
    assert "approve_over_price" not in page.content.decode()
    manager = staff_client(world.manager)
    assert "approve_over_price" in manager.get(reverse(CHANGELIST)).content.decode()


def test_documents_are_read_only_with_filters_and_history(admin_client, world):
    order = held_order(world)
    url = reverse(CHANGELIST)
    for params in (
        {"status__exact": "pending_approval"},
        {"sales_type__exact": "wholesale"},
        {"customer__id__exact": world.customer.pk},
        {"q": order.number},
    ):
        response = admin_client.get(url, params)
        assert response.status_code == 200
        assert order.number in response.content.decode(), params
    other = admin_client.get(url, {"status__exact": "shipped"}).content.decode()
    assert order.number not in other
    assert admin_client.get(reverse("admin:sales_salesorder_add")).status_code == 403
    change = admin_client.get(reverse("admin:sales_salesorder_change", args=[order.pk]))
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()
    delete = reverse("admin:sales_salesorder_delete", args=[order.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert SalesOrder.objects.filter(pk=order.pk).exists()
    history = reverse("admin:sales_salesorder_history", args=[order.pk])
    assert admin_client.get(history).status_code == 200
    for model in ("delivery", "salesreturn", "salesorderhold"):
        assert admin_client.get(reverse(f"admin:sales_{model}_changelist")).status_code == 200


def test_hold_admin_lists_holds_by_kind_and_status(admin_client, world):
    pending = held_order(world)
    approved = held_order(world)
    from apps.sales.services import sales_order_approve

    sales_order_approve(order=approved, user=world.manager, reason="ok")
    url = reverse("admin:sales_salesorderhold_changelist")
    page = admin_client.get(url, {"status__exact": "pending"}).content.decode()
    assert pending.number in page and approved.number not in page
    page = admin_client.get(url, {"kind__exact": "over_price"}).content.decode()
    assert pending.number in page and approved.number in page
    page = admin_client.get(url, {"kind__exact": "credit"}).content.decode()
    assert pending.number not in page
