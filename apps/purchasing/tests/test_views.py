"""Staff pages of purchasing: permissions, the order → receipt → acceptance → return flow
through the forms, refusals of bad or tampered input, and list query counts."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.catalog.tests.factories import approved_product
from apps.core.models import today
from apps.core.tests.factories import licensed_company, user_with_role
from apps.inventory.models import StockBalance, StockMove, Zone
from apps.inventory.tests.factories import LocationFactory, WarehouseFactory
from apps.purchasing.models import (
    Acceptance,
    OrderStatus,
    PurchaseOrder,
    PurchaseReturn,
    Receipt,
    RejectionReport,
)
from apps.purchasing.services import (
    OrderLineInput,
    ReceiptLineInput,
    po_create,
    po_submit,
    receipt_create,
)
from apps.suppliers.tests.factories import tradeable_supplier

pytestmark = pytest.mark.django_db

TODAY = today()
EXPIRY = TODAY + datetime.timedelta(days=700)
PRODUCTION = TODAY - datetime.timedelta(days=30)


def client_for(user) -> Client:
    client = Client()
    # Assertions read the English source messages.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if user is not None:
        client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


class World:
    def __init__(self):
        self.product = approved_product(barcode="06901234567892", tax_rate=Decimal("13"))
        self.other_product = approved_product(
            barcode="06901234567809", category=self.product.category
        )
        self.supplier = tradeable_supplier(categories=[self.product.category])
        licensed_company(categories=[self.product.category])
        self.warehouse = WarehouseFactory(code="WH1")
        self.pending = LocationFactory(warehouse=self.warehouse, code="P01", zone=Zone.PENDING)
        self.qualified = LocationFactory(warehouse=self.warehouse, code="Q01", zone=Zone.QUALIFIED)
        self.nonconforming = LocationFactory(
            warehouse=self.warehouse, code="N01", zone=Zone.NONCONFORMING
        )
        self.other_warehouse = WarehouseFactory(code="WH2", name="北京仓")
        self.other_qualified = LocationFactory(
            warehouse=self.other_warehouse, code="Q01", zone=Zone.QUALIFIED
        )
        self.purchaser = user_with_role("purchaser")
        self.manager = user_with_role("manager")
        self.inspector = user_with_role("inspector")
        self.keeper = user_with_role("keeper")
        self.auditor = user_with_role("auditor")
        self.sales = user_with_role("sales")

    def order(self, *, quantity=100, price="12.50", submit=True, user=None, products=None):
        order = po_create(
            user=user or self.purchaser,
            supplier=self.supplier,
            order_date=TODAY,
            warehouse=self.warehouse,
            lines=[
                OrderLineInput(product=p, quantity=quantity, unit_price=Decimal(price))
                for p in (products or [self.product])
            ],
        )
        if submit:
            order = po_submit(order=order, user=user or self.purchaser)
        return order

    def receipt(self, order, *, quantity=100, batch="B2026A"):
        return receipt_create(
            user=self.keeper,
            supplier=self.supplier,
            warehouse=self.warehouse,
            received_on=TODAY,
            order=order,
            lines=[
                ReceiptLineInput(
                    product=line.product,
                    order_line=line,
                    batch_number=batch,
                    expiry_date=EXPIRY,
                    production_date=PRODUCTION,
                    quantity=quantity,
                )
                for line in order.lines.all()
            ],
        )


@pytest.fixture
def world(db):
    return World()


def order_post(world, **line):
    row = {
        "lines-0-product": world.product.pk,
        "lines-0-quantity": 5000,
        "lines-0-unit_price": "12.50",
        "lines-0-tax_rate": "",
        "lines-0-planned_arrival": "",
        **{f"lines-0-{k}": v for k, v in line.items()},
    }
    return {
        "supplier": world.supplier.pk,
        "order_date": TODAY.isoformat(),
        "warehouse": world.warehouse.pk,
        "planned_arrival": "",
        "note": "",
        "lines-TOTAL_FORMS": 2,
        "lines-INITIAL_FORMS": 0,
        "lines-MIN_NUM_FORMS": 1,
        "lines-MAX_NUM_FORMS": 200,
        **row,
        # An empty extra row: ignored.
        "lines-1-product": "",
        "lines-1-quantity": "",
        "lines-1-unit_price": "",
        "lines-1-tax_rate": "",
        "lines-1-planned_arrival": "",
    }


def receipt_post(order, rows, **header):
    data = {
        "warehouse": order.warehouse_id,
        "received_on": TODAY.isoformat(),
        "transport_mode": "ordinary",
        "delivery_note_number": "SH-001",
        "note": "",
        "lines-TOTAL_FORMS": len(rows),
        "lines-INITIAL_FORMS": len(rows),
        "lines-MIN_NUM_FORMS": 0,
        "lines-MAX_NUM_FORMS": 200,
        **header,
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"lines-{index}-{key}"] = value
    return data


def receipt_row(order_line, **values):
    return {
        "order_line": order_line.pk,
        "scan": "",
        "batch_number": "B2026A",
        "serial_number": "",
        "production_date": PRODUCTION.isoformat(),
        "expiry_date": EXPIRY.isoformat(),
        "quantity": 100,
        "reasonable_loss_qty": "",
        "unreasonable_loss_qty": "",
        "unit_price": str(order_line.unit_price),
        "arrival_temperature": "",
        **values,
    }


def inspect_post(world, **values):
    return {
        "accepted_qty": 70,
        "rejected_qty": 30,
        "sample_qty": 2,
        "appearance_ok": "on",
        "packaging_ok": "on",
        "label_ok": "on",
        "certificate_ok": "on",
        "qualified_location": world.qualified.pk,
        "nonconforming_location": world.nonconforming.pk,
        "inspected_on": TODAY.isoformat(),
        "rejection_reason": "外包装破损",
        "remarks": "",
        **values,
    }


# --- permissions --------------------------------------------------------------------------

LISTS = [
    "purchasing:purchaseorder_list",
    "purchasing:receipt_list",
    "purchasing:acceptance_list",
    "purchasing:rejectionreport_list",
    "purchasing:purchasereturn_list",
]


@pytest.mark.parametrize("name", LISTS)
def test_lists_need_login_and_permission(world, name):
    url = reverse(name)
    anonymous = client_for(None).get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("login"))
    assert client_for(world.sales).get(url).status_code == 403
    for user in (world.purchaser, world.inspector, world.auditor):
        assert client_for(user).get(url).status_code == 200
    assert client_for(world.auditor).get(url + "?_export=xlsx").status_code == 200


def documents(world):
    order = world.order()
    receipt = world.receipt(order)
    line = receipt.lines.get()
    inspector = client_for(world.inspector)
    inspector.post(reverse("purchasing:receiptline_inspect", args=[line.pk]), inspect_post(world))
    acceptance = Acceptance.objects.get()
    return order, receipt, line, acceptance


def test_detail_and_form_pages_by_role(world):
    order, receipt, line, acceptance = documents(world)
    report = RejectionReport.objects.get()
    details = [
        reverse("purchasing:purchaseorder_detail", args=[order.pk]),
        reverse("purchasing:receipt_detail", args=[receipt.pk]),
        reverse("purchasing:acceptance_detail", args=[acceptance.pk]),
        reverse("purchasing:rejectionreport_detail", args=[report.pk]),
    ]
    for url in details:
        assert client_for(None).get(url).status_code == 302
        assert client_for(world.sales).get(url).status_code == 403
        assert client_for(world.auditor).get(url).status_code == 200

    # (url, allowed user, refused user)
    forms = [
        (reverse("purchasing:purchaseorder_create"), world.purchaser, world.inspector),
        (reverse("purchasing:receipt_create"), world.keeper, world.inspector),
        (
            reverse("purchasing:receipt_create_for_order", args=[order.pk]),
            world.keeper,
            world.auditor,
        ),
        (reverse("purchasing:purchasereturn_create"), world.purchaser, world.keeper),
        (
            reverse("purchasing:purchaseorder_history", args=[order.pk]),
            world.manager,
            world.purchaser,
        ),
        (reverse("purchasing:receipt_scan") + "?code=x", world.keeper, world.auditor),
    ]
    for url, allowed, refused in forms:
        assert client_for(None).get(url).status_code == 302, url
        assert client_for(refused).get(url).status_code == 403, url
        assert client_for(allowed).get(url).status_code in (200, 400), url

    second = world.receipt(world.order(products=[world.other_product]), batch="B2")
    inspect = reverse("purchasing:receiptline_inspect", args=[second.lines.get().pk])
    assert client_for(None).get(inspect).status_code == 302
    assert client_for(world.purchaser).get(inspect).status_code == 403
    assert client_for(world.inspector).get(inspect).status_code == 200


def test_status_actions_need_their_permission(world):
    order = world.order(quantity=5000)  # 62,500 CNY: above the approval threshold
    assert order.status == OrderStatus.PENDING_APPROVAL
    url = reverse("purchasing:purchaseorder_action", args=[order.pk, "approve"])
    assert client_for(None).post(url).status_code == 302
    assert client_for(world.purchaser).post(url).status_code == 403
    assert client_for(world.auditor).post(url).status_code == 403
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_APPROVAL


# --- the flow through the forms -----------------------------------------------------------


def test_order_form_submit_approve_receive_inspect(world):
    purchaser = client_for(world.purchaser)
    page = purchaser.get(reverse("purchasing:purchaseorder_create"))
    assert page.status_code == 200
    response = purchaser.post(reverse("purchasing:purchaseorder_create"), order_post(world))
    order = PurchaseOrder.objects.get()
    assert response.status_code == 302
    assert response["Location"] == order.get_absolute_url()
    line = order.lines.get()
    assert (line.quantity, line.unit_price, line.tax_rate) == (5000, Decimal("12.5"), 13)
    assert order.status == OrderStatus.DRAFT

    detail = purchaser.get(order.get_absolute_url())
    assert detail.context["actions"]["submit"] and detail.context["actions"]["edit"]
    purchaser.post(reverse("purchasing:purchaseorder_action", args=[order.pk, "submit"]))
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_APPROVAL

    manager = client_for(world.manager)
    detail = manager.get(order.get_absolute_url())
    assert detail.context["actions"]["approve"]
    manager.post(
        reverse("purchasing:purchaseorder_action", args=[order.pk, "approve"]),
        {"reason": "价格已核"},
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.OPEN
    assert order.approved_by == world.manager

    keeper = client_for(world.keeper)
    page = keeper.get(reverse("purchasing:receipt_create_for_order", args=[order.pk]))
    assert page.status_code == 200
    rows = page.context["formset"].forms
    assert [row.initial["order_line"] for row in rows] == [line.pk]
    response = keeper.post(
        reverse("purchasing:receipt_create_for_order", args=[order.pk]),
        receipt_post(order, [receipt_row(line, quantity=100)]),
    )
    receipt = Receipt.objects.get()
    assert response.status_code == 302, response.context and response.context["form"].errors
    receipt_line = receipt.lines.get()
    assert receipt_line.location == world.pending
    line.refresh_from_db()
    assert (line.received_qty, line.open_qty) == (100, 4900)

    inspector = client_for(world.inspector)
    receipt_page = inspector.get(receipt.get_absolute_url())
    inspect_url = reverse("purchasing:receiptline_inspect", args=[receipt_line.pk])
    assert inspect_url in receipt_page.content.decode()
    response = inspector.post(inspect_url, inspect_post(world))
    acceptance = Acceptance.objects.get()
    assert response.status_code == 302
    assert response["Location"] == acceptance.get_absolute_url()
    assert acceptance.conclusion == "partial"
    assert RejectionReport.objects.get().quantity == 30
    stock = dict(
        StockBalance.objects.filter(lot=receipt_line.lot).values_list("location__zone", "on_hand")
    )
    assert stock == {Zone.PENDING: 0, Zone.QUALIFIED: 70, Zone.NONCONFORMING: 30}
    page = inspector.get(acceptance.get_absolute_url())
    content = page.content.decode()
    for value in (world.product.registration_number, "B2026A", EXPIRY.isoformat(), "70", "30"):
        assert value in content


def test_author_may_not_approve_own_order(world):
    both = user_with_role("purchaser", "purchasing_manager")
    both.groups.add(Group.objects.get(name="manager"))
    order = world.order(quantity=5000, user=both)
    client = client_for(both)
    assert not client.get(order.get_absolute_url()).context["actions"]["approve"]
    response = client.post(
        reverse("purchasing:purchaseorder_action", args=[order.pk, "approve"]), follow=True
    )
    assert any("another manager must" in m for m in messages_of(response))
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_APPROVAL
    assert order.approved_by is None


def test_reject_needs_reason_and_returns_to_draft(world):
    order = world.order(quantity=5000)
    manager = client_for(world.manager)
    url = reverse("purchasing:purchaseorder_action", args=[order.pk, "reject"])
    response = manager.post(url, {"reason": "  "}, follow=True)
    assert any("Enter the reason for the rejection" in m for m in messages_of(response))
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_APPROVAL
    manager.post(url, {"reason": "数量过大"})
    order.refresh_from_db()
    assert (order.status, order.approval_note) == (OrderStatus.DRAFT, "数量过大")


def test_close_and_cancel_from_the_order_page(world):
    order = world.order()
    purchaser = client_for(world.purchaser)
    purchaser.post(reverse("purchasing:purchaseorder_action", args=[order.pk, "cancel"]), {})
    order.refresh_from_db()
    assert order.status == OrderStatus.OPEN  # no reason given
    purchaser.post(
        reverse("purchasing:purchaseorder_action", args=[order.pk, "close"]),
        {"reason": "供应商缺货"},
    )
    order.refresh_from_db()
    assert (order.status, order.close_reason) == (OrderStatus.CLOSED, "供应商缺货")
    detail = purchaser.get(order.get_absolute_url())
    assert not any(detail.context["actions"][a] for a in ("close", "cancel", "receive", "edit"))


def test_edit_replaces_lines_only_while_draft(world):
    order = world.order(submit=False)
    purchaser = client_for(world.purchaser)
    url = reverse("purchasing:purchaseorder_update", args=[order.pk])
    page = purchaser.get(url)
    assert page.context["formset"].forms[0].initial["quantity"] == 100
    data = order_post(world, quantity=80)
    data["lines-INITIAL_FORMS"] = 1
    assert purchaser.post(url, data).status_code == 302
    assert order.lines.get().quantity == 80
    po_submit(order=order, user=world.purchaser)
    response = purchaser.get(url, follow=True)
    assert any("only a draft can be changed" in m for m in messages_of(response))


# --- bad input saves nothing --------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "field", "message"),
    [
        ({"quantity": 0}, "quantity", "greater than or equal to 1"),
        ({"quantity": -5}, "quantity", "greater than or equal to 1"),
        ({"quantity": 10_000_001}, "quantity", "less than or equal to 10000000"),
        ({"unit_price": "-1"}, "unit_price", "greater than or equal to 0"),
        ({"product": 999999}, "product", "Select a valid choice"),
        ({"tax_rate": "150"}, "tax_rate", "less than or equal to 99"),
    ],
)
def test_order_form_refuses_bad_lines(world, line, field, message):
    response = client_for(world.purchaser).post(
        reverse("purchasing:purchaseorder_create"), order_post(world, **line)
    )
    assert response.status_code == 200
    errors = response.context["formset"].forms[0].errors
    assert message in " ".join(errors[field])
    assert not PurchaseOrder.objects.exists()


def test_order_form_refuses_inactive_product_and_empty_order(world):
    world.other_product.is_active = False
    world.other_product.save()
    client = client_for(world.purchaser)
    response = client.post(
        reverse("purchasing:purchaseorder_create"),
        order_post(world, product=world.other_product.pk),
    )
    assert response.context["formset"].forms[0].errors["product"]
    data = order_post(world, product="", quantity="", unit_price="")
    data["lines-0-DELETE"] = "on"
    response = client.post(reverse("purchasing:purchaseorder_create"), data)
    assert "Enter at least one line." in response.context["formset"].non_form_errors()
    assert not PurchaseOrder.objects.exists()


def test_order_service_error_is_shown_on_the_form(world):
    data = order_post(world)
    data["planned_arrival"] = (TODAY - datetime.timedelta(days=1)).isoformat()
    response = client_for(world.purchaser).post(reverse("purchasing:purchaseorder_create"), data)
    assert "before the order date" in " ".join(response.context["form"].errors["planned_arrival"])
    data = order_post(world)
    data.update(
        {
            "lines-1-product": world.product.pk,
            "lines-1-quantity": 1,
            "lines-1-unit_price": "1",
        }
    )
    response = client_for(world.purchaser).post(reverse("purchasing:purchaseorder_create"), data)
    assert "already on another line" in " ".join(response.context["form"].non_field_errors())
    assert not PurchaseOrder.objects.exists()


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"quantity": 0}, "quantity", "greater than or equal to 1"),
        ({"quantity": -3}, "quantity", "greater than or equal to 1"),
        (
            {"production_date": "2026-05-01", "expiry_date": "2026-01-01"},
            "expiry_date",
            "before the production date",
        ),
        ({"batch_number": ""}, "batch_number", "Enter the batch number."),
        ({"expiry_date": ""}, "expiry_date", "Enter the expiry date."),
        ({"reasonable_loss_qty": -1}, "reasonable_loss_qty", "greater than or equal to 0"),
    ],
)
def test_receipt_form_refuses_bad_rows(world, values, field, message):
    order = world.order()
    line = order.lines.get()
    response = client_for(world.keeper).post(
        reverse("purchasing:receipt_create_for_order", args=[order.pk]),
        receipt_post(order, [receipt_row(line, **values)]),
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["formset"].forms[0].errors[field])
    assert not Receipt.objects.exists()
    assert not StockMove.objects.exists()


def test_receipt_form_refuses_tampered_ids(world):
    order = world.order()
    other = world.order(products=[world.other_product])
    keeper = client_for(world.keeper)
    url = reverse("purchasing:receipt_create_for_order", args=[order.pk])
    # An order line of another order.
    response = keeper.post(url, receipt_post(order, [receipt_row(other.lines.get())]))
    assert response.context["formset"].forms[0].has_error("order_line", "invalid_choice")
    # A warehouse that does not exist.
    response = keeper.post(
        url, receipt_post(order, [receipt_row(order.lines.get())], warehouse=999999)
    )
    assert response.context["form"].has_error("warehouse", "invalid_choice")
    # An order that does not exist.
    missing = reverse("purchasing:receipt_create_for_order", args=[999999])
    assert keeper.post(missing, receipt_post(order, [])).status_code == 404
    # More than is open on the order: the service's message, nothing saved.
    too_many = receipt_row(order.lines.get(), quantity=101)
    response = keeper.post(url, receipt_post(order, [too_many]))
    errors = " ".join(response.context["form"].non_field_errors())
    assert "exceed what is open on the order" in errors
    assert not Receipt.objects.exists()
    assert not StockMove.objects.exists()


def test_receipt_skips_rows_left_empty_and_needs_one(world):
    order = world.order(products=[world.product, world.other_product])
    first, second = order.lines.order_by("pk")
    keeper = client_for(world.keeper)
    url = reverse("purchasing:receipt_create_for_order", args=[order.pk])
    empty = {"order_line": second.pk, "unit_price": str(second.unit_price)}
    response = keeper.post(url, receipt_post(order, [empty]))
    assert "Enter at least one arrived batch." in response.context["formset"].non_form_errors()
    response = keeper.post(url, receipt_post(order, [receipt_row(first, quantity=40), empty]))
    assert response.status_code == 302
    assert Receipt.objects.get().lines.get().order_line == first


def test_receipt_without_order_refused_in_strict_mode(world):
    keeper = client_for(world.keeper)
    page = keeper.get(reverse("purchasing:receipt_create"))
    assert page.context["form"] is None  # strict: choose an order first
    data = receipt_post(
        PurchaseOrder(warehouse=world.warehouse),
        [
            {
                "product": world.product.pk,
                "batch_number": "X1",
                "expiry_date": EXPIRY.isoformat(),
                "quantity": 5,
                "unit_price": "10",
            }
        ],
        supplier=world.supplier.pk,
    )
    response = keeper.post(reverse("purchasing:receipt_create"), data)
    assert "must reference an open purchase order" in " ".join(
        response.context["form"].non_field_errors()
    )
    assert not Receipt.objects.exists()


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"accepted_qty": 90, "rejected_qty": 20}, "accepted_qty", "Accepting more than received"),
        ({"accepted_qty": 0, "rejected_qty": 0}, "accepted_qty", "at least one unit"),
        ({"accepted_qty": -1}, "accepted_qty", "greater than or equal to 0"),
        ({"rejection_reason": ""}, "rejection_reason", "reason for the rejection"),
    ],
)
def test_acceptance_form_refuses_bad_quantities(world, values, field, message):
    receipt = world.receipt(world.order())
    line = receipt.lines.get()
    response = client_for(world.inspector).post(
        reverse("purchasing:receiptline_inspect", args=[line.pk]), inspect_post(world, **values)
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Acceptance.objects.exists()
    assert StockBalance.objects.get(lot=line.lot, location=world.pending).on_hand == 100


@pytest.mark.parametrize(
    "values",
    [
        {"qualified_location": "other_warehouse"},
        {"qualified_location": "nonconforming"},
        {"nonconforming_location": "qualified"},
        {"qualified_location": 999999},
    ],
)
def test_acceptance_form_refuses_tampered_locations(world, values):
    receipt = world.receipt(world.order())
    line = receipt.lines.get()
    field, value = next(iter(values.items()))
    if isinstance(value, str):
        value = {
            "other_warehouse": world.other_qualified,
            "nonconforming": world.nonconforming,
            "qualified": world.qualified,
        }[value].pk
    response = client_for(world.inspector).post(
        reverse("purchasing:receiptline_inspect", args=[line.pk]),
        inspect_post(world, **{field: value}),
    )
    assert response.status_code == 200
    assert response.context["form"].has_error(field, "invalid_choice")
    assert not Acceptance.objects.exists()


def test_failed_check_refuses_acceptance(world):
    receipt = world.receipt(world.order())
    line = receipt.lines.get()
    data = inspect_post(world, accepted_qty=100, rejected_qty=0)
    del data["label_ok"]
    response = client_for(world.inspector).post(
        reverse("purchasing:receiptline_inspect", args=[line.pk]), data
    )
    assert "labels and instructions" in " ".join(response.context["form"].errors["accepted_qty"])
    assert not Acceptance.objects.exists()


# --- purchase returns ---------------------------------------------------------------------


def test_purchase_return_from_the_order_lots(world):
    order, receipt, line, _acceptance = documents(world)
    purchaser = client_for(world.purchaser)
    url = reverse("purchasing:purchasereturn_create")
    page = purchaser.get(url, {"order": order.pk})
    stock = list(page.context["formset"].forms[0].fields["stock"].queryset)
    assert {b.location.zone for b in stock} == {Zone.QUALIFIED, Zone.NONCONFORMING}
    nonconforming = next(b for b in stock if b.location.zone == Zone.NONCONFORMING)
    data = {
        "order": order.pk,
        "returned_on": TODAY.isoformat(),
        "reason": "不合格退回",
        "lines-TOTAL_FORMS": 1,
        "lines-INITIAL_FORMS": 0,
        "lines-MIN_NUM_FORMS": 1,
        "lines-MAX_NUM_FORMS": 200,
        "lines-0-stock": nonconforming.pk,
        "lines-0-quantity": 31,
    }
    response = purchaser.post(url, data)
    assert "Only 30 of lot" in " ".join(response.context["formset"].forms[0].errors["quantity"])
    # Stock of a lot not received on this order (tampered id).
    other = world.receipt(world.order(products=[world.other_product]), batch="B9")
    foreign = StockBalance.objects.get(lot=other.lines.get().lot)
    response = purchaser.post(url, {**data, "lines-0-stock": foreign.pk, "lines-0-quantity": 1})
    assert response.context["formset"].forms[0].has_error("stock", "invalid_choice")
    assert not PurchaseReturn.objects.exists()

    response = purchaser.post(url, {**data, "lines-0-quantity": 30})
    purchase_return = PurchaseReturn.objects.get()
    assert response["Location"] == purchase_return.get_absolute_url()
    assert StockBalance.objects.get(pk=nonconforming.pk).on_hand == 0
    order_line = order.lines.get()
    assert (order_line.received_qty, order_line.returned_qty) == (70, 30)
    assert client_for(world.auditor).get(purchase_return.get_absolute_url()).status_code == 200


def test_purchase_return_needs_the_order_in_strict_mode(world):
    response = client_for(world.purchaser).get(
        reverse("purchasing:purchasereturn_create"), {"order": ""}
    )
    assert response.context["form"] is None
    assert response.context["choose"].errors["order"]


# --- query counts -------------------------------------------------------------------------


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_order_and_receipt_lists_do_not_query_per_row(world):
    auditor = client_for(world.auditor)
    order = world.order()
    world.receipt(order, quantity=10, batch="Q1")
    orders_url = reverse("purchasing:purchaseorder_list")
    receipts_url = reverse("purchasing:receipt_list")
    few_orders = count_queries(auditor, orders_url)
    few_receipts = count_queries(auditor, receipts_url)
    for n in range(4):
        order = world.order(products=[world.product, world.other_product])
        world.receipt(order, quantity=5, batch=f"Q{n + 2}")
    page = auditor.get(orders_url)
    assert len(page.context["table"].rows) == 5
    # The newest order: 2 lines × 100 × 12.50.
    assert page.context["table"].rows[0].get_cell("total_amount") == "2,500.00"
    assert count_queries(auditor, orders_url) == few_orders
    assert count_queries(auditor, receipts_url) == few_receipts


# --- GS1/UDI scan -------------------------------------------------------------------------

LABEL = "(01)06901234567892(17)271231(10)B2026A(11)250101(21)SN001"
RAW = "]d20106901234567892172712311125010110B2026A<GS>21SN001"
RAW_FNC1 = "0106901234567892172712311125010110B2026A\x1d21SN001"


@pytest.mark.parametrize("code", [LABEL, RAW, RAW_FNC1])
def test_scan_fills_the_receipt_row(world, code):
    order = world.order()
    line = order.lines.get()
    row = receipt_row(
        line, scan=code, batch_number="", production_date="", expiry_date="", quantity=10
    )
    response = client_for(world.keeper).post(
        reverse("purchasing:receipt_create_for_order", args=[order.pk]),
        receipt_post(order, [row]),
    )
    assert response.status_code == 302
    lot = Receipt.objects.get().lines.get().lot
    assert (lot.product, lot.batch_number, lot.serial_number) == (world.product, "B2026A", "SN001")
    assert (lot.expiry_date, lot.production_date) == (
        datetime.date(2027, 12, 31),
        datetime.date(2025, 1, 1),
    )


def test_scan_of_another_product_is_refused(world):
    order = world.order()
    line = order.lines.get()
    other_label = LABEL.replace("06901234567892", world.other_product.barcode)
    keeper = client_for(world.keeper)
    response = keeper.post(
        reverse("purchasing:receipt_create_for_order", args=[order.pk]),
        receipt_post(order, [receipt_row(line, scan=other_label, batch_number="")]),
    )
    assert "Batch scanned for another product" in " ".join(
        response.context["formset"].forms[0].errors["scan"]
    )
    # A typed batch that contradicts the scanned one.
    response = keeper.post(
        reverse("purchasing:receipt_create_for_order", args=[order.pk]),
        receipt_post(order, [receipt_row(line, scan=LABEL, batch_number="OTHER")]),
    )
    assert "does not match the scanned code" in " ".join(
        response.context["formset"].forms[0].errors["batch_number"]
    )
    # A malformed code: the parser's own message.
    response = keeper.post(
        reverse("purchasing:receipt_create_for_order", args=[order.pk]),
        receipt_post(order, [receipt_row(line, scan="(01)06901234567891")]),
    )
    assert "check digit" in " ".join(response.context["formset"].forms[0].errors["scan"])
    assert not Receipt.objects.exists()


def test_scan_endpoint(world):
    order = world.order()
    line = order.lines.get()
    keeper = client_for(world.keeper)
    url = reverse("purchasing:receipt_scan")
    data = keeper.get(url, {"code": LABEL, "order_line": line.pk}).json()
    assert data == {
        "batch": "B2026A",
        "serial": "SN001",
        "expiry_date": "2027-12-31",
        "production_date": "2025-01-01",
        "gtin": "06901234567892",
        "product": world.product.pk,
        "product_label": f"{world.product.code} {world.product}",
    }
    response = keeper.get(url, {"code": LABEL, "product": world.other_product.pk})
    assert response.status_code == 400
    assert "Batch scanned for another product" in response.json()["error"]
    response = keeper.get(url, {"code": "(99)"})
    assert response.status_code == 400 and response.json()["error"]


def test_lenient_receipt_without_order_takes_the_product_from_the_scan(world):
    from apps.core.models import CompanySettings, OrderControlMode

    company = CompanySettings.load()
    company.order_control_mode = OrderControlMode.LENIENT
    company.save()
    keeper = client_for(world.keeper)
    url = reverse("purchasing:receipt_create")
    page = keeper.get(url)
    assert len(page.context["formset"].forms) == 3
    rows = [
        {"product": "", "scan": LABEL, "quantity": 12, "unit_price": "11.00"},
        {"product": "", "scan": "", "quantity": "", "unit_price": ""},  # unused row
    ]
    data = {
        "supplier": world.supplier.pk,
        "warehouse": world.warehouse.pk,
        "received_on": TODAY.isoformat(),
        "transport_mode": "ordinary",
        "lines-TOTAL_FORMS": 2,
        "lines-INITIAL_FORMS": 2,
        "lines-MIN_NUM_FORMS": 0,
        "lines-MAX_NUM_FORMS": 200,
    }
    for index, row in enumerate(rows):
        data.update({f"lines-{index}-{k}": v for k, v in row.items()})
    response = keeper.post(url, data)
    assert response.status_code == 302
    line = Receipt.objects.get().lines.get()
    assert (line.product, line.order_line, line.quantity) == (world.product, None, 12)
    assert line.lot.batch_number == "B2026A"


def test_list_search_and_filters(world):
    draft = world.order(submit=False)
    open_order = world.order(products=[world.other_product])
    world.receipt(open_order, quantity=10, batch="FIND-ME")
    auditor = client_for(world.auditor)

    def numbers(name, **query):
        page = auditor.get(reverse(name), query)
        return {row.record.number for row in page.context["table"].rows}

    assert numbers("purchasing:purchaseorder_list", q=draft.number) == {draft.number}
    assert numbers("purchasing:purchaseorder_list", status="open") == {open_order.number}
    assert numbers("purchasing:purchaseorder_list", q=world.supplier.name) == {
        draft.number,
        open_order.number,
    }
    receipt = Receipt.objects.get()
    assert numbers("purchasing:receipt_list", q="FIND-ME") == {receipt.number}
    assert numbers("purchasing:receipt_list", awaiting="true") == {receipt.number}
    assert numbers("purchasing:receipt_list", awaiting="false") == set()
