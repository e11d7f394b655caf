"""The list pages of the derived GSP records: each filter keeps the right rows, a role
without the source model's view permission gets 403, the Excel export works, and the
number of queries does not depend on the number of rows."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.core.models import today
from apps.core.tests.factories import UserFactory
from apps.purchasing.models import Acceptance, Receipt
from apps.sales.models import Delivery, DeliveryLine, SalesReturnLine

from .test_derived_world import build_records

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(db):
    return build_records()


# The lot of a row of each list.
LOT_OF = {
    "purchase_records": lambda r: r.lot,
    "acceptance_records": lambda r: r.receipt_line.lot,
    "rejection_records": lambda r: r.acceptance.receipt_line.lot,
    "outbound_check_records": lambda r: r.lot,
    "sales_records": lambda r: r.lot,
    "expiry_push_list": lambda r: r.lot,
    "return_notices": lambda r: r.lot,
    "loss_approvals": lambda r: r.balance.lot,
}


def days(n: int) -> str:
    return (today() + datetime.timedelta(days=n)).isoformat()


def batches(client, name: str, **params) -> set[str]:
    response = client.get(reverse(f"gsp_records:{name}"), params)
    assert response.status_code == 200
    assert not response.context["form"].errors, response.context["form"].errors
    return {LOT_OF[name](row).batch_number for row in response.context["table"].data}


@pytest.fixture
def auditor(role_client):
    return role_client("auditor")


def test_purchase_records_filter_by_date_supplier_product_and_batch(records, auditor):
    name = "purchase_records"
    assert batches(auditor, name) == {"PA-001", "PB-002"}
    assert batches(auditor, name, party=records.other_supplier.name) == {"PB-002"}
    assert batches(auditor, name, product="导尿") == {"PB-002"}
    assert batches(auditor, name, batch="pa-0") == {"PA-001"}
    Receipt.objects.filter(pk=records.rejected_line.receipt_id).update(received_on=days(-40))
    assert batches(auditor, name) == {"PB-002"}  # the page opens on the last 30 days
    assert batches(auditor, name, date_from=days(-45), date_to=days(-35)) == {"PA-001"}


def test_acceptance_records_show_the_regulatory_fields(records, auditor):
    name = "acceptance_records"
    assert batches(auditor, name) == {"PA-001", "PB-002"}
    assert batches(auditor, name, party=records.other_supplier.code) == {"PB-002"}
    assert batches(auditor, name, product=records.syringe.code) == {"PA-001"}
    Acceptance.objects.filter(receipt_line=records.accepted_line).update(inspected_on=days(-3))
    assert batches(auditor, name, date_from=days(-5), date_to=days(-1)) == {"PB-002"}

    page = auditor.get(reverse("gsp_records:acceptance_records"), {"batch": "PA-001"})
    html = page.content.decode()
    product = records.syringe
    for text in (product.registration_number, product.manufacturer.name, "5ml"):
        assert text in html
    row = next(iter(page.context["table"].data))
    assert (row.sample_qty, row.accepted_qty, row.rejected_qty) == (2, 50, 10)


def test_rejection_reports_list_the_rejected_batch_only(records, auditor):
    name = "rejection_records"
    assert batches(auditor, name) == {"PA-001"}
    assert batches(auditor, name, party=records.other_supplier.name) == set()
    assert batches(auditor, name, product="导尿") == set()
    assert batches(auditor, name, batch="PA") == {"PA-001"}
    html = auditor.get(reverse(f"gsp_records:{name}")).content.decode()
    assert "外包装破损" in html
    assert batches(auditor, name, date_from=days(1), date_to=days(2)) == set()


def test_outbound_check_records_filter_by_customer_and_check_date(records, auditor):
    name = "outbound_check_records"
    sw = records.sales
    assert batches(auditor, name) == {"SA-001", "SB-002"}
    assert batches(auditor, name, party=sw.distributor.name) == {"SB-002"}
    assert batches(auditor, name, product="注射器") == {"SA-001"}
    assert batches(auditor, name, batch="SB") == {"SB-002"}
    Delivery.objects.filter(pk=records.hospital_delivery.pk).update(
        checked_at=timezone.now() - datetime.timedelta(days=40)
    )
    assert batches(auditor, name) == {"SB-002"}
    html = auditor.get(reverse(f"gsp_records:{name}"), {"batch": "SB"}).content.decode()
    assert sw.checker.get_username() in html and sw.keeper.get_username() in html


def test_sales_records_filter_by_customer_and_shipping_date(records, auditor):
    name = "sales_records"
    sw = records.sales
    assert batches(auditor, name) == {"SA-001", "SB-002"}
    assert batches(auditor, name, party=sw.customer.name) == {"SA-001"}
    assert batches(auditor, name, product="F16") == {"SB-002"}
    DeliveryLine.objects.filter(delivery=records.distributor_delivery).update(shipped_on=days(-60))
    assert batches(auditor, name) == {"SA-001"}
    assert batches(auditor, name, date_from=days(-61), date_to=days(-59)) == {"SB-002"}


def test_expiry_push_list_shows_the_yellow_and_red_lots_as_of_the_date(records, auditor):
    name = "expiry_push_list"
    assert batches(auditor, name) == {"EY-001", "ER-001"}
    assert batches(auditor, name, product="导尿") == {"ER-001"}
    assert batches(auditor, name, batch="EY") == {"EY-001"}
    # 150 days on: EY/ER have expired (black), EG-001 has 50 days left (yellow).
    assert batches(auditor, name, date_to=days(150)) == {"EG-001"}


def test_return_notices_filter_by_customer_and_return_date(records, auditor):
    name = "return_notices"
    sw = records.sales
    assert batches(auditor, name) == {"SA-001"}
    assert batches(auditor, name, party=sw.distributor.name) == set()
    assert batches(auditor, name, party=sw.customer.code) == {"SA-001"}
    html = auditor.get(reverse(f"gsp_records:{name}")).content.decode()
    assert records.hospital_delivery.number in html and "包装破损" in html
    SalesReturnLine.objects.update(returned_on=days(-50))
    assert batches(auditor, name) == set()


def test_loss_approvals_list_the_lines_with_the_approval_chain(records, auditor):
    name = "loss_approvals"
    assert batches(auditor, name) == {"PA-001"}
    assert batches(auditor, name, batch="SA") == set()
    assert batches(auditor, name, product="注射器") == {"PA-001"}
    html = auditor.get(reverse(f"gsp_records:{name}")).content.decode()
    assert records.quality_manager.get_username() in html and records.loss_report.number in html


def test_a_date_range_in_the_wrong_order_shows_an_error_and_no_rows(records, auditor):
    response = auditor.get(
        reverse("gsp_records:purchase_records"), {"date_from": days(0), "date_to": days(-5)}
    )
    assert response.context["form"].non_field_errors()
    assert list(response.context["table"].data) == []


def test_roles_without_the_source_view_permission_get_403(records, client):
    nobody = UserFactory(username="no-role")
    client.force_login(nobody)
    for name in LOT_OF:
        assert client.get(reverse(f"gsp_records:{name}")).status_code == 403, name
    client.logout()
    response = client.get(reverse("gsp_records:purchase_records"))
    assert response.status_code == 302  # to the login page


def test_excel_export_has_every_filtered_row(records, auditor):
    response = auditor.get(
        reverse("gsp_records:purchase_records"), {"_export": "xlsx", "batch": "PB"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert any(str(v).startswith("PB-002") for v in values)
    assert not any(str(v).startswith("PA-001") for v in values)


def _queries(client, name, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse(f"gsp_records:{name}"), params).status_code == 200
    return len(captured)


def test_query_count_does_not_depend_on_the_number_of_rows(records, auditor):
    # Two rows against one (a batch filter), for the lists that have two rows.
    pairs = {
        "purchase_records": "PA",
        "acceptance_records": "PA",
        "outbound_check_records": "SA",
        "sales_records": "SA",
        "expiry_push_list": "EY",
    }
    _queries(auditor, "purchase_records")  # warm the session and permission caches
    for name, batch in pairs.items():
        assert _queries(auditor, name) == _queries(auditor, name, batch=batch), name
    for name in LOT_OF:
        assert _queries(auditor, name) <= 12, name
