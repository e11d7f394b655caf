"""Catalog staff pages: permissions, forms, detail pages, lists, export and the dashboard."""

import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.catalog.models import (
    Category,
    Manufacturer,
    ManufacturerLicence,
    Product,
    ProductFirstApproval,
)
from apps.catalog.tests.factories import (
    CategoryFactory,
    ManufacturerFactory,
    ManufacturerLicenceFactory,
    ProductFactory,
    approved_product,
)
from apps.catalog.tests.helpers import product_data
from apps.core.models import ApprovalStatus, LicenceType, today
from apps.core.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


# Permissions --------------------------------------------------------------------


@pytest.mark.parametrize(
    "url_name,args",
    [
        ("catalog:product_list", []),
        ("catalog:product_create", []),
        ("catalog:category_list", []),
        ("catalog:manufacturer_list", []),
        ("catalog:productfirstapproval_list", []),
    ],
)
def test_anonymous_user_is_sent_to_login(client, url_name, args):
    url = reverse(url_name, args=args)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_purchaser_creates_a_product_with_a_draft_first_time_approval(role_client):
    client = role_client("purchaser")
    category, manufacturer = CategoryFactory(), ManufacturerFactory()
    response = client.post(reverse("catalog:product_create"), product_data(category, manufacturer))
    product = Product.objects.get(code="P-NEW-1")
    assert response.status_code == 302
    assert response.url == reverse("catalog:product_detail", args=[product.pk])
    assert product.mnemonic == "ycxsywjzsq"
    assert product.first_approval.status == ApprovalStatus.DRAFT
    assert product.history.count() == 1
    assert product.history.first().history_user == client.user


def test_sales_may_view_products_but_not_create_them(role_client):
    client = role_client("sales")
    category, manufacturer = CategoryFactory(), ManufacturerFactory()
    assert client.get(reverse("catalog:product_list")).status_code == 200
    assert client.get(reverse("catalog:product_create")).status_code == 403
    response = client.post(reverse("catalog:product_create"), product_data(category, manufacturer))
    assert response.status_code == 403
    assert not Product.objects.exists()


def test_auditor_can_view_but_not_edit(role_client):
    client = role_client("auditor")
    product = ProductFactory(name="原名")
    assert client.get(reverse("catalog:product_list")).status_code == 200
    detail = client.get(reverse("catalog:product_detail", args=[product.pk]))
    assert detail.status_code == 200
    assert reverse("catalog:product_update", args=[product.pk]) not in detail.content.decode()
    url = reverse("catalog:product_update", args=[product.pk])
    assert client.get(url).status_code == 403
    data = product_data(product.category, product.manufacturer, code=product.code, name="改名")
    assert client.post(url, data).status_code == 403
    product.refresh_from_db()
    assert product.name == "原名"


@pytest.mark.parametrize("role,status", [("manager", 200), ("auditor", 200), ("purchaser", 403)])
def test_history_page_is_for_managers_and_auditors(role_client, role, status):
    product = ProductFactory()
    response = role_client(role).get(reverse("catalog:product_history", args=[product.pk]))
    assert response.status_code == status


def test_history_lists_each_change(role_client):
    client = role_client("purchaser", "buyer")
    category, manufacturer = CategoryFactory(), ManufacturerFactory()
    client.post(reverse("catalog:product_create"), product_data(category, manufacturer))
    product = Product.objects.get(code="P-NEW-1")
    data = product_data(category, manufacturer, national_wholesale_price="1.35")
    response = client.post(reverse("catalog:product_update", args=[product.pk]), data)
    assert response.status_code == 302
    manager = role_client("manager")
    page = manager.get(reverse("catalog:product_history", args=[product.pk])).content.decode()
    assert "1.20" in page and "1.35" in page
    assert "buyer" in page


# Form rules ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides,field,message",
    [
        ({"national_wholesale_price": "-1"}, "national_wholesale_price", "greater than or equal"),
        ({"registration_number": "国械注准123"}, "registration_number", "国械注准123 is not"),
        ({"registration_valid_until": ""}, "registration_valid_until", "has an expiry date"),
        ({"device_class": ""}, None, "needs its class"),
        ({"min_stock": "600", "max_stock": "500"}, "max_stock", "below the minimum stock 600"),
        ({"max_qty": "100"}, "max_qty_period", "needs a period"),
        ({"min_stock": "-3"}, "min_stock", "greater than or equal"),
        ({"code": ""}, "code", "required"),
    ],
)
def test_product_form_refuses_bad_input_and_saves_nothing(role_client, overrides, field, message):
    client = role_client("purchaser")
    category, manufacturer = CategoryFactory(), ManufacturerFactory()
    data = product_data(category, manufacturer, **overrides)
    response = client.post(reverse("catalog:product_create"), data)
    assert response.status_code == 200
    form = response.context["form"]
    errors = form.errors.get(field or "__all__", [])
    assert any(message in e for e in errors), form.errors
    assert not Product.objects.exists()
    assert not ProductFirstApproval.objects.exists()


def test_duplicate_product_code_is_refused(role_client):
    existing = ProductFactory(code="DUP-1")
    client = role_client("purchaser")
    data = product_data(existing.category, existing.manufacturer, code="DUP-1")
    response = client.post(reverse("catalog:product_create"), data)
    assert "code" in response.context["form"].errors
    assert Product.objects.filter(code="DUP-1").count() == 1


def test_inactive_category_is_not_offered_for_new_products(role_client):
    active = CategoryFactory(name="在用类别")
    CategoryFactory(name="停用类别", is_active=False)
    page = role_client("purchaser").get(reverse("catalog:product_create")).content.decode()
    assert active.name in page
    assert "停用类别" not in page


def test_category_create_needs_the_permission(role_client):
    data = {"code": "6815", "name": "注射穿刺器械", "kind": "device", "is_active": "on"}
    assert (
        role_client("purchaser").post(reverse("catalog:category_create"), data).status_code == 403
    )
    response = role_client("quality_manager", "qm").post(reverse("catalog:category_create"), data)
    assert response.status_code == 302
    assert Category.objects.filter(code="6815").exists()


def test_category_form_refuses_bad_code(role_client):
    data = {"code": "ABC", "name": "x", "kind": "device"}
    response = role_client("manager").post(reverse("catalog:category_create"), data)
    assert "code" in response.context["form"].errors
    assert not Category.objects.exists()


def test_manufacturer_phone_is_validated(role_client):
    data = {"code": "M1", "name": "某厂", "country": "中国", "phone": "abc", "is_active": "on"}
    response = role_client("purchaser").post(reverse("catalog:manufacturer_create"), data)
    assert "phone" in response.context["form"].errors
    assert not Manufacturer.objects.exists()


# Detail pages -------------------------------------------------------------------


def test_product_detail_shows_registration_trade_status_and_approval(role_client):
    product = ProductFactory(registration_valid_until=today() - datetime.timedelta(days=3))
    page = role_client("purchaser").get(reverse("catalog:product_detail", args=[product.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Expired on" in html and "(3 days ago)" in html
    assert 'id="trade-status"' in html
    assert "registration certificate" in html and "expired on" in html
    assert "has no approved first-time product file" in html
    assert 'id="approval"' not in html  # no approval record yet
    assert reverse("catalog:product_first_approval_start", args=[product.pk]) in html


def test_approved_product_may_be_traded(role_client):
    product = approved_product(registration_valid_until=today() + datetime.timedelta(days=10))
    page = role_client("sales").get(reverse("catalog:product_detail", args=[product.pk]))
    html = page.content.decode()
    assert page.context["trade_blockers"] == []
    assert "(10 days left)" in html
    assert 'id="approval"' in html
    # Sales may not apply for approvals.
    assert reverse("catalog:product_first_approval_start", args=[product.pk]) not in html


def test_manufacturer_detail_lists_licences_with_add_and_edit_links(role_client):
    manufacturer = ManufacturerFactory()
    licence = ManufacturerLicenceFactory(manufacturer=manufacturer)
    ManufacturerLicenceFactory(
        manufacturer=manufacturer,
        issued_on=today() - datetime.timedelta(days=800),
        valid_until=today() - datetime.timedelta(days=1),
    )
    html = (
        role_client("quality_manager")
        .get(reverse("catalog:manufacturer_detail", args=[manufacturer.pk]))
        .content.decode()
    )
    assert licence.number in html
    assert reverse("catalog:manufacturerlicence_create", args=[manufacturer.pk]) in html
    assert reverse("catalog:manufacturerlicence_update", args=[licence.pk]) in html
    assert "licence-expired" in html


def test_manufacturer_detail_hides_licence_links_without_permission(role_client):
    manufacturer = ManufacturerFactory()
    licence = ManufacturerLicenceFactory(manufacturer=manufacturer)
    html = (
        role_client("auditor")
        .get(reverse("catalog:manufacturer_detail", args=[manufacturer.pk]))
        .content.decode()
    )
    assert licence.number in html
    assert reverse("catalog:manufacturerlicence_update", args=[licence.pk]) not in html
    assert reverse("catalog:manufacturerlicence_create", args=[manufacturer.pk]) not in html


def licence_data(**overrides):
    data = {
        "licence_type": LicenceType.DEVICE_PRODUCTION,
        "number": "沪药监械生产许20150099号",
        "holder": "某厂",
        "issuing_authority": "上海市药品监督管理局",
        "issued_on": (today() - datetime.timedelta(days=100)).isoformat(),
        "valid_until": (today() + datetime.timedelta(days=1000)).isoformat(),
        "scope_classes": ["2", "3"],
    }
    data.update(overrides)
    return data


def test_licence_is_added_from_the_manufacturer_page(role_client):
    manufacturer = ManufacturerFactory()
    client = role_client("purchaser")
    response = client.post(
        reverse("catalog:manufacturerlicence_create", args=[manufacturer.pk]), licence_data()
    )
    assert response.status_code == 302
    assert response.url == reverse("catalog:manufacturer_detail", args=[manufacturer.pk])
    licence = ManufacturerLicence.objects.get()
    assert licence.manufacturer == manufacturer
    assert licence.scope_classes == [2, 3]


@pytest.mark.parametrize(
    "overrides,field,message",
    [
        (
            {
                "issued_on": (today() - datetime.timedelta(days=900)).isoformat(),
                "valid_until": (today() - datetime.timedelta(days=1)).isoformat(),
            },
            "valid_until",
            "enter the current, renewed licence",
        ),
        (
            {
                "issued_on": (today() + datetime.timedelta(days=10)).isoformat(),
                "valid_until": (today() + datetime.timedelta(days=5)).isoformat(),
            },
            "valid_until",
            "before the issue date",
        ),
        (
            {"issued_on": (today() + datetime.timedelta(days=1)).isoformat()},
            "issued_on",
            "is in the future",
        ),
        ({"number": "沪123"}, "number", "is not a valid number"),
        ({"valid_until": ""}, "valid_until", "Only a business licence may be long-term"),
    ],
)
def test_bad_licence_is_refused(role_client, overrides, field, message):
    manufacturer = ManufacturerFactory()
    response = role_client("purchaser").post(
        reverse("catalog:manufacturerlicence_create", args=[manufacturer.pk]),
        licence_data(**overrides),
    )
    assert response.status_code == 200
    assert any(message in e for e in response.context["form"].errors[field])
    assert not ManufacturerLicence.objects.exists()


# Lists ---------------------------------------------------------------------------


def test_product_list_colours_registration_expiry(role_client):
    ProductFactory(code="EXP", registration_valid_until=today() - datetime.timedelta(days=1))
    ProductFactory(code="SOON", registration_valid_until=today() + datetime.timedelta(days=30))
    ProductFactory(code="OK", registration_valid_until=today() + datetime.timedelta(days=31))
    html = role_client("purchaser").get(reverse("catalog:product_list")).content.decode()
    assert html.count("registration-expired") == 1
    assert html.count("registration-expiring") == 1


def test_product_list_shows_approval_status_badge(role_client):
    approved_product(code="A1")
    ProductFactory(code="N1")
    html = role_client("purchaser").get(reverse("catalog:product_list")).content.decode()
    assert "Approved" in html
    assert "Not applied for" in html


def test_product_list_filters(role_client):
    cat_a, cat_b = CategoryFactory(), CategoryFactory()
    ProductFactory(code="IN-A", category=cat_a)
    ProductFactory(code="IN-B", category=cat_b, is_controlled=True)
    approved_product(code="APPROVED", category=cat_b)
    client = role_client("purchaser")

    def codes(**params):
        response = client.get(reverse("catalog:product_list"), params)
        return sorted(row.record.code for row in response.context["table"].rows)

    assert codes(category=cat_a.pk) == ["IN-A"]
    assert codes(is_controlled="True") == ["IN-B"]
    assert codes(approval_status="approved") == ["APPROVED"]
    assert codes(approval_status="none") == ["IN-A", "IN-B"]
    assert codes(q="APPROVED") == ["APPROVED"]


def list_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url_name", ["catalog:product_list", "catalog:productfirstapproval_list"])
def test_list_query_count_does_not_grow_with_rows(role_client, url_name):
    client = role_client("manager")
    url = reverse(url_name)
    for _ in range(5):
        approved_product()
    client.get(url)  # warm up sessions and permission caches
    few = list_queries(client, url)
    for _ in range(25):
        approved_product()
    assert Product.objects.count() == 30
    many = list_queries(client, url)
    assert few == many


def test_manufacturer_detail_query_count_does_not_grow_with_licences(role_client):
    client = role_client("manager")
    manufacturer = ManufacturerFactory()
    category = CategoryFactory()
    licence = ManufacturerLicenceFactory(manufacturer=manufacturer)
    licence.scope_categories.set([category])
    url = reverse("catalog:manufacturer_detail", args=[manufacturer.pk])
    client.get(url)
    few = list_queries(client, url)
    for _ in range(5):
        ManufacturerLicenceFactory(manufacturer=manufacturer).scope_categories.set([category])
    assert list_queries(client, url) == few


def test_product_list_exports_excel(role_client):
    approved_product(code="X-1", name="一次性使用无菌注射器")
    ProductFactory(code="X-2", registration_valid_until=today() - datetime.timedelta(days=2))
    response = role_client("auditor").get(reverse("catalog:product_list"), {"_export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 3
    body = "\n".join(str(cell) for row in rows[1:] for cell in row)
    assert "一次性使用无菌注射器" in body
    assert "<span" not in body  # values, not HTML
    assert "expired on" in body  # the trade column explains why X-2 may not be traded


# Dashboard ------------------------------------------------------------------------


def test_dashboard_lists_expiring_and_expired_registrations(role_client):
    ProductFactory(code="GONE", registration_valid_until=today() - datetime.timedelta(days=5))
    ProductFactory(code="SOON", registration_valid_until=today() + datetime.timedelta(days=60))
    ProductFactory(code="LATER", registration_valid_until=today() + datetime.timedelta(days=61))
    ProductFactory(
        code="FILING",
        device_class=1,
        registration_number="沪浦械备20190012号",
        registration_valid_until=None,
    )
    ProductFactory(
        code="OLD", is_active=False, registration_valid_until=today() - datetime.timedelta(days=5)
    )
    response = role_client("keeper").get(reverse("core:dashboard"))
    panels = [p for p in response.context["panels"] if p["template"].startswith("catalog/")]
    assert len(panels) == 1
    panel = panels[0]
    assert [row["product"].code for row in panel["context"]["rows"]] == ["GONE", "SOON"]
    assert panel["alert"] is True
    html = response.content.decode()
    assert "expired 5 d ago" in html
    assert "60 d left" in html


def test_dashboard_panel_needs_the_view_permission(client):
    ProductFactory(registration_valid_until=today() - datetime.timedelta(days=5))
    client.force_login(UserFactory(username="nobody"))
    response = client.get(reverse("core:dashboard"))
    assert response.status_code == 200
    assert not [p for p in response.context["panels"] if p["template"].startswith("catalog/")]


@pytest.mark.parametrize(
    "sort", ["approval", "-registration_valid_until", "category", "manufacturer", "code"]
)
def test_product_list_sorts_by_its_columns(role_client, sort):
    approved_product(code="B", registration_valid_until=today() + datetime.timedelta(days=90))
    ProductFactory(code="A", registration_valid_until=today() + datetime.timedelta(days=400))
    response = role_client("purchaser").get(reverse("catalog:product_list"), {"sort": sort})
    assert response.status_code == 200
    codes = [row.record.code for row in response.context["table"].rows]
    assert sorted(codes) == ["A", "B"]
    if sort == "-registration_valid_until":
        assert codes == ["A", "B"]


def test_the_purchase_price_is_hidden_from_sales_staff(db, role_client):
    from decimal import Decimal

    from apps.catalog.tests.factories import ProductFactory

    product = ProductFactory(purchase_price=Decimal("7.77"))
    from django.urls import reverse

    url = reverse("catalog:product_detail", args=[product.pk])
    assert "7.77" not in role_client("sales").get(url).content.decode()
    assert "7.77" in role_client("manager").get(url).content.decode()
