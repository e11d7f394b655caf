"""The purchasing admin: read-only documents with search and history, and the approval
action running the same service (and refusals) as the staff page."""

from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from apps.core.models import today
from apps.purchasing.models import OrderStatus, PurchaseOrder
from apps.purchasing.services import OrderLineInput, acceptance_create, po_create, po_submit

from .factories import open_order, receive, set_company

pytestmark = pytest.mark.django_db


def pending_order(world, user=None):
    set_company(purchase_approval_threshold=Decimal("0"))
    order = po_create(
        user=user or world.purchaser,
        supplier=world.supplier,
        order_date=today(),
        warehouse=world.warehouse,
        lines=[OrderLineInput(product=world.product, quantity=5, unit_price=Decimal("2"))],
    )
    return po_submit(order=order, user=world.purchaser)


def approve_via_admin(client, *orders):
    return client.post(
        reverse("admin:purchasing_purchaseorder_changelist"),
        {"action": "approve_selected", ACTION_CHECKBOX_NAME: [o.pk for o in orders]},
        follow=True,
    )


def test_documents_are_listed_searchable_and_read_only(admin_client, world):
    order = open_order(world)
    line = receive(world, order, world.product, 5).lines.get()
    acceptance_create(
        receipt_line=line,
        user=world.inspector,
        accepted_qty=4,
        rejected_qty=1,
        appearance_ok=True,
        packaging_ok=True,
        label_ok=True,
        certificate_ok=True,
        qualified_location=world.qualified,
        nonconforming_location=world.nonconforming,
        rejection_reason="dented",
    )
    for model in ("purchaseorder", "receipt", "acceptance", "rejectionreport", "purchasereturn"):
        url = reverse(f"admin:purchasing_{model}_changelist")
        assert admin_client.get(url, {"q": "x"}).status_code == 200
        assert admin_client.get(reverse(f"admin:purchasing_{model}_add")).status_code == 403
    response = admin_client.get(
        reverse("admin:purchasing_purchaseorder_changelist"), {"q": order.number}
    )
    assert order.number in response.content.decode()
    change = admin_client.get(reverse("admin:purchasing_purchaseorder_change", args=[order.pk]))
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()
    delete = reverse("admin:purchasing_purchaseorder_delete", args=[order.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert PurchaseOrder.objects.filter(pk=order.pk).exists()
    history = reverse("admin:purchasing_purchaseorder_history", args=[order.pk])
    assert admin_client.get(history).status_code == 200


def test_approve_action_approves_and_reports_refusals(client, world):
    world.manager.is_staff = True
    world.manager.save()
    client.force_login(world.manager)
    mine = pending_order(world, user=world.manager)
    theirs = pending_order(world)
    draft = po_create(
        user=world.purchaser,
        supplier=world.supplier,
        order_date=today(),
        warehouse=world.warehouse,
        lines=[OrderLineInput(product=world.product, quantity=1, unit_price=Decimal("1"))],
    )
    response = approve_via_admin(client, mine, theirs, draft)
    content = response.content.decode()
    assert response.status_code == 200
    assert "another manager must approve it" in content
    assert "skipped" in content
    assert "Approved 1 purchase order(s)." in content
    assert PurchaseOrder.objects.get(pk=theirs.pk).status == OrderStatus.OPEN
    assert PurchaseOrder.objects.get(pk=theirs.pk).approved_by == world.manager
    assert PurchaseOrder.objects.get(pk=mine.pk).status == OrderStatus.PENDING_APPROVAL
    assert PurchaseOrder.objects.get(pk=draft.pk).status == OrderStatus.DRAFT


def test_approve_action_needs_the_approval_permission(client, world):
    world.purchaser2.is_staff = True
    world.purchaser2.save()
    client.force_login(world.purchaser2)
    order = pending_order(world)
    approve_via_admin(client, order)
    assert PurchaseOrder.objects.get(pk=order.pk).status == OrderStatus.PENDING_APPROVAL
