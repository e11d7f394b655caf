"""Supplier staff pages: permissions, the list (filters, trade status, query count), the
detail page's trade status box and product check, and the approval steps in the UI."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.catalog.tests.factories import CategoryFactory, approved_product
from apps.core.models import ApprovalStatus, DeviceClass, LicenceType, today
from apps.core.tests.factories import licensed_company
from apps.suppliers.models import Supplier, SupplierFirstApproval
from apps.suppliers.selectors import standing_ok_q

from .factories import (
    SalesRepFactory,
    SupplierFactory,
    SupplierFirstApprovalFactory,
    SupplierLicenceFactory,
    approve_supplier,
    tradeable_supplier,
)
from .test_forms import supplier_data

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def list_url(**params):
    url = reverse("suppliers:supplier_list")
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return url


def listed_codes(response) -> list[str]:
    return [row.record.code for row in response.context["table"].paginated_rows]


def trade_status_items(html: str) -> list[str]:
    """The <li> texts of the #trade-status box (what the browser test reads)."""
    box = re.search(r'<div id="trade-status".*?</div>\s*$', html, re.S | re.M)
    assert box, "no trade status box"
    return [re.sub(r"\s+", " ", li).strip() for li in re.findall(r"<li[^>]*>(.*?)</li>", box[0])]


# --- permissions ----------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_login(client):
    supplier = SupplierFactory()
    for url in (
        list_url(),
        reverse("suppliers:supplier_detail", args=[supplier.pk]),
        reverse("suppliers:supplier_create"),
        reverse("suppliers:supplierlicence_create", args=[supplier.pk]),
        reverse("suppliers:supplierfirstapproval_list"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_purchaser_can_add_a_supplier(role_client):
    client = role_client("purchaser")
    assert client.get(reverse("suppliers:supplier_create")).status_code == 200

    response = client.post(reverse("suppliers:supplier_create"), supplier_data())

    assert response.status_code == 302
    assert Supplier.objects.filter(code="GYS0001").exists()


def test_salesperson_gets_403(role_client):
    client = role_client("sales")
    supplier = SupplierFactory()
    assert client.get(list_url()).status_code == 403
    assert client.get(reverse("suppliers:supplier_detail", args=[supplier.pk])).status_code == 403
    assert client.post(reverse("suppliers:supplier_create"), supplier_data()).status_code == 403
    assert Supplier.objects.count() == 1


def test_auditor_reads_but_cannot_write(role_client):
    client = role_client("auditor")
    supplier = SupplierFactory()
    licence = SupplierLicenceFactory(supplier=supplier)

    assert client.get(list_url()).status_code == 200
    detail = client.get(reverse("suppliers:supplier_detail", args=[supplier.pk]))
    assert detail.status_code == 200
    assert reverse("suppliers:supplier_update", args=[supplier.pk]) not in detail.content.decode()
    assert reverse("suppliers:supplierlicence_update", args=[licence.pk]) not in (
        detail.content.decode()
    )
    assert client.get(reverse("suppliers:supplier_history", args=[supplier.pk])).status_code == 200
    for url in (
        reverse("suppliers:supplier_create"),
        reverse("suppliers:supplier_update", args=[supplier.pk]),
        reverse("suppliers:supplierlicence_create", args=[supplier.pk]),
        reverse("suppliers:supplierlicence_update", args=[licence.pk]),
        reverse("suppliers:salesrepauthorisation_create", args=[supplier.pk]),
    ):
        assert client.get(url).status_code == 403, url
    response = client.post(
        reverse("suppliers:supplier_update", args=[supplier.pk]), supplier_data(code="HACK")
    )
    assert response.status_code == 403
    supplier.refresh_from_db()
    assert supplier.code != "HACK"


def test_quality_manager_may_add_licences_but_not_suppliers(role_client):
    client = role_client("quality_manager")
    supplier = SupplierFactory()
    assert client.get(reverse("suppliers:supplier_create")).status_code == 403
    url = reverse("suppliers:supplierlicence_create", args=[supplier.pk])
    assert client.get(url).status_code == 200


# --- list -----------------------------------------------------------------------------------


def test_list_shows_trade_status_with_reasons_and_red_rows(role_client):
    good = tradeable_supplier(code="A1")
    expired = tradeable_supplier(code="A2")
    expired.licences.filter(licence_type=LicenceType.BUSINESS).update(valid_until=today() - 2 * DAY)

    response = role_client("purchaser").get(list_url())
    html = response.content.decode()

    rows = re.findall(r"<tr[^>]*>.*?</tr>", html, re.S)
    good_row = next(r for r in rows if f">{good.code}<" in r)
    expired_row = next(r for r in rows if f">{expired.code}<" in r)
    assert "Tradeable" in good_row and "licence-expired" not in good_row
    assert "Not tradeable" in expired_row
    assert re.match(r'<tr class="[^"]*\blicence-expired\b', expired_row)
    assert (today() - 2 * DAY).isoformat() in expired_row  # the reason, in the title


def test_renewed_licence_does_not_colour_the_row(role_client):
    supplier = tradeable_supplier(code="R1")
    SupplierLicenceFactory(
        supplier=supplier,
        licence_type=LicenceType.DEVICE_OPERATING,
        number="沪药监械经营许20150001号",
        issued_on=today() - 2000 * DAY,
        valid_until=today() - 100 * DAY,
    )

    html = role_client("purchaser").get(list_url()).content.decode()

    row = next(r for r in re.findall(r"<tr[^>]*>.*?</tr>", html, re.S) if ">R1<" in r)
    assert "licence-expired" not in row


def test_list_query_count_does_not_grow_with_rows(role_client):
    client = role_client("purchaser")
    categories = [CategoryFactory(code="6815")]

    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(list_url())
        assert response.status_code == 200
        return len(ctx.captured_queries), len(response.context["table"].paginated_rows)

    for _ in range(5):
        tradeable_supplier(categories)
    few, rows = count_queries()
    assert rows == 5
    for _ in range(20):
        supplier = tradeable_supplier(categories)
        SalesRepFactory(supplier=supplier)
    many, rows = count_queries()
    assert rows == 25
    assert many == few


def test_search_by_name_initials_credit_code_and_contact(role_client):
    client = role_client("purchaser")
    a = SupplierFactory(code="X1", name="国药控股上海有限公司", contact_person="黄蓉")
    b = SupplierFactory(code="X2", name="上海医疗设备有限公司")

    assert listed_codes(client.get(list_url(q="gykg"))) == [a.code]
    assert listed_codes(client.get(list_url(q=b.unified_social_credit_code))) == [b.code]
    assert listed_codes(client.get(list_url(q="黄蓉"))) == [a.code]
    assert listed_codes(client.get(list_url(q="X2"))) == [b.code]


def test_filters_may_trade_approval_and_active(role_client):
    client = role_client("purchaser")
    ok = tradeable_supplier(code="F1")
    no_rep = tradeable_supplier(code="F2")
    no_rep.sales_reps.all().delete()
    pending = SupplierFactory(code="F3", is_active=False)
    SupplierFirstApprovalFactory(supplier=pending, status=ApprovalStatus.SUBMITTED)
    bare = SupplierFactory(code="F4")

    assert listed_codes(client.get(list_url(may_trade="yes"))) == ["F1"]
    assert listed_codes(client.get(list_url(may_trade="no"))) == ["F2", "F3", "F4"]
    assert listed_codes(client.get(list_url(approval_status="submitted"))) == ["F3"]
    assert listed_codes(client.get(list_url(approval_status="none"))) == ["F4"]
    assert listed_codes(client.get(list_url(is_active="no"))) == ["F3"]
    assert ok and bare


def test_expired_licence_filter(role_client):
    client = role_client("purchaser")
    tradeable_supplier(code="E1")
    expired = tradeable_supplier(code="E2")
    expired.licences.filter(licence_type=LicenceType.DEVICE_FILING).update(
        valid_until=today() - DAY
    )

    assert listed_codes(client.get(list_url(expired_licence="yes"))) == ["E2"]
    assert listed_codes(client.get(list_url(expired_licence="no"))) == ["E1"]


def test_sql_may_trade_filter_agrees_with_python_rule():
    on = today()
    tradeable_supplier(code="Q1")
    s = tradeable_supplier(code="Q2")
    s.licences.filter(licence_type=LicenceType.BUSINESS).update(valid_until=on - DAY)
    s = tradeable_supplier(code="Q3")
    s.licences.filter(licence_type=LicenceType.BUSINESS).update(valid_until=on)  # last day
    s = tradeable_supplier(code="Q4")
    s.sales_reps.update(valid_from=on + DAY)
    s = tradeable_supplier(code="Q5")
    SupplierFirstApproval.objects.filter(supplier=s).update(status=ApprovalStatus.REJECTED)
    s = tradeable_supplier(code="Q6")
    s.licences.filter(licence_type=LicenceType.BUSINESS).update(issued_on=on + DAY)
    s = SupplierFactory(code="Q7")
    SupplierLicenceFactory(
        supplier=s, licence_type=LicenceType.INSTITUTION, number="事证第131000001234号"
    )
    SalesRepFactory(supplier=s)
    approve_supplier(s)

    suppliers = Supplier.objects.prefetch_related("licences", "sales_reps").select_related(
        "first_approval"
    )
    python = {s.code for s in suppliers if not s.standing_blockers(on)}
    sql = set(Supplier.objects.filter(standing_ok_q(on)).values_list("code", flat=True))
    assert python == sql == {"Q1", "Q3", "Q7"}


def test_excel_export_lists_trade_status(role_client):
    tradeable_supplier(code="X9")
    response = role_client("purchaser").get(list_url(_export="csv"))
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    assert "X9" in text.decode("utf-8-sig")
    assert "Tradeable" in text.decode("utf-8-sig")


# --- detail page ----------------------------------------------------------------------------


@pytest.fixture
def syringes():
    return CategoryFactory(code="6815", name="注射穿刺器械")


def detail(client, supplier, **params):
    url = reverse("suppliers:supplier_detail", args=[supplier.pk])
    return client.get(url, params)


def test_detail_shows_green_box_when_tradeable(role_client, syringes):
    supplier = tradeable_supplier([syringes])

    html = detail(role_client("purchaser"), supplier).content.decode()

    assert 'id="trade-status" class="alert alert-success' in html
    assert "Can trade" in html
    assert trade_status_items(html) == []


def test_detail_lists_every_reason_in_the_red_box(role_client, syringes):
    supplier = tradeable_supplier([syringes])
    business = supplier.licences.get(licence_type=LicenceType.BUSINESS)
    expired_on = today() - 3 * DAY
    business.valid_until = expired_on
    business.save()
    supplier.sales_reps.all().delete()

    html = detail(role_client("purchaser"), supplier).content.decode()

    assert 'id="trade-status" class="alert alert-danger' in html
    assert "Cannot trade" in html
    items = trade_status_items(html)
    assert len(items) == 2
    assert business.number in items[0] and expired_on.isoformat() in items[0]
    assert "no valid sales representative authorisation" in items[1]


def test_detail_licence_table_marks_expired_rows_and_links(role_client, syringes):
    supplier = tradeable_supplier([syringes])
    old = SupplierLicenceFactory(
        supplier=supplier,
        licence_type=LicenceType.DEVICE_FILING,
        number="沪浦药监械经营备20100001号",
        issued_on=today() - 3000 * DAY,
        valid_until=today() - 10 * DAY,
    )

    html = detail(role_client("purchaser"), supplier).content.decode()

    row = next(r for r in re.findall(r"<tr[^>]*>.*?</tr>", html, re.S) if old.number in r)
    assert "licence-expired" in row
    assert reverse("suppliers:supplierlicence_update", args=[old.pk]) in row
    assert reverse("suppliers:supplierlicence_create", args=[supplier.pk]) in html
    assert reverse("suppliers:salesrepauthorisation_create", args=[supplier.pk]) in html


def test_product_check_with_htmx_lists_the_reasons(role_client, syringes):
    licensed_company([syringes])
    polymers = CategoryFactory(code="6866")
    supplier = tradeable_supplier([syringes])
    covered = approved_product(category=syringes, device_class=DeviceClass.CLASS_III)
    outside = approved_product(category=polymers, device_class=DeviceClass.CLASS_III)
    client = role_client("purchaser")
    url = reverse("suppliers:supplier_trade_check", args=[supplier.pk])

    ok = client.get(url, {"product": covered.pk}, HTTP_HX_REQUEST="true")
    blocked = client.get(url, {"product": outside.pk}, HTTP_HX_REQUEST="true")

    assert 'data-may-trade="yes"' in ok.content.decode()
    html = blocked.content.decode()
    assert 'data-may-trade="no"' in html
    assert "<html" not in html  # a fragment
    assert 'data-code="category_out_of_scope"' in html
    # Our own company is not licensed for 6866 either: both reasons are listed.
    assert html.count("<li") == 2


def test_product_check_without_htmx_renders_on_the_detail_page(role_client, syringes):
    licensed_company([syringes])
    supplier = tradeable_supplier([syringes])
    product = approved_product(category=syringes, device_class=DeviceClass.CLASS_II)
    client = role_client("purchaser")

    redirect = client.get(
        reverse("suppliers:supplier_trade_check", args=[supplier.pk]), {"product": product.pk}
    )
    assert redirect.status_code == 302
    page = client.get(redirect.url)
    assert 'id="trade-check-outcome"' in page.content.decode()
    assert page.context["trade_check"].ok


# --- approval in the UI ---------------------------------------------------------------------


def test_first_time_approval_through_the_pages(client, make_user, syringes):
    supplier = SupplierFactory()
    SupplierLicenceFactory(supplier=supplier)
    SalesRepFactory(supplier=supplier)
    purchaser, quality, manager = (
        make_user("purchaser"),
        make_user("quality_manager"),
        make_user("manager"),
    )

    client.force_login(purchaser)
    page = detail(client, supplier).content.decode()
    start_url = reverse("suppliers:supplier_approval_start", args=[supplier.pk])
    assert start_url in page
    client.post(start_url, {"note": "新开户"})
    approval = SupplierFirstApproval.objects.get(supplier=supplier)
    assert approval.status == ApprovalStatus.SUBMITTED
    review_url = reverse("suppliers:supplierfirstapproval_action", args=[approval.pk, "review"])

    # The applicant cannot review their own file.
    client.post(review_url, {"decision": "approve"})
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.SUBMITTED

    client.force_login(quality)
    assert review_url in detail(client, supplier).content.decode()
    client.post(review_url, {"decision": "approve", "opinion": "资质齐全"})
    client.force_login(manager)
    response = client.post(review_url, {"decision": "approve", "opinion": "同意"})
    assert response.url == reverse("suppliers:supplierfirstapproval_detail", args=[approval.pk])

    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.APPROVED
    assert "Can trade" in detail(client, supplier).content.decode()


def test_start_without_documents_shows_what_is_missing(role_client):
    supplier = SupplierFactory()
    client = role_client("purchaser")

    response = client.post(
        reverse("suppliers:supplier_approval_start", args=[supplier.pk]), follow=True
    )

    text = response.content.decode()
    assert "The first-time file cannot be submitted yet:" in text
    assert f"{supplier.name} has no business licence on file." in text
    assert not SupplierFirstApproval.objects.exists()


def test_resubmission_via_action_url_checks_documents(role_client):
    supplier = SupplierFactory()
    approval = SupplierFirstApprovalFactory(supplier=supplier, status=ApprovalStatus.REJECTED)
    client = role_client("purchaser")

    client.post(reverse("suppliers:supplierfirstapproval_action", args=[approval.pk, "submit"]))

    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.REJECTED


def test_approval_list_and_new_file_page(role_client):
    supplier = SupplierFactory(code="N1")
    SupplierLicenceFactory(supplier=supplier)
    SalesRepFactory(supplier=supplier)
    client = role_client("purchaser")

    response = client.post(
        reverse("suppliers:supplierfirstapproval_create"),
        {"supplier": supplier.pk, "application_note": "经营导管"},
    )
    approval = SupplierFirstApproval.objects.get()
    assert response.url == reverse("suppliers:supplierfirstapproval_detail", args=[approval.pk])
    assert approval.status == ApprovalStatus.SUBMITTED
    listing = client.get(reverse("suppliers:supplierfirstapproval_list"))
    assert [r.record for r in listing.context["table"].paginated_rows] == [approval]
    edit = client.post(
        reverse("suppliers:supplierfirstapproval_update", args=[approval.pk]),
        {"application_note": "改"},
    )
    assert "can no longer be edited" in edit.content.decode()


def test_licence_and_rep_detail_pages(role_client, syringes):
    supplier = tradeable_supplier([syringes])
    client = role_client("auditor")
    licence = supplier.licences.get(licence_type=LicenceType.DEVICE_OPERATING)
    rep = supplier.sales_reps.get()

    page = client.get(reverse("suppliers:supplierlicence_detail", args=[licence.pk]))
    html = page.content.decode()
    assert "Class III" in html and "6815" in html
    assert supplier.get_absolute_url() in html
    assert (
        client.get(reverse("suppliers:salesrepauthorisation_detail", args=[rep.pk])).status_code
        == 200
    )


def test_all_licences_list_filters_expired(role_client):
    supplier = tradeable_supplier(code="L1")
    SupplierLicenceFactory(
        supplier=supplier,
        licence_type=LicenceType.DEVICE_FILING,
        number="沪浦药监械经营备20100002号",
        issued_on=today() - 3000 * DAY,
        valid_until=today() - 10 * DAY,
    )
    response = role_client("purchaser").get(
        reverse("suppliers:supplierlicence_list"), {"status": "expired"}
    )
    assert [r.record.number for r in response.context["table"].paginated_rows] == [
        "沪浦药监械经营备20100002号"
    ]
    assert response.context["create_url"] is None
