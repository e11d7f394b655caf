"""The admin applies the same forms, services and import rules as the staff pages."""

import datetime

import pytest
from django.urls import reverse

from apps.catalog.models import ManufacturerLicence, Product, ProductFirstApproval
from apps.catalog.tests.factories import (
    CategoryFactory,
    ManufacturerFactory,
    ManufacturerLicenceFactory,
    ProductFactory,
    ProductFirstApprovalFactory,
)
from apps.catalog.tests.helpers import PRODUCT_HEADERS, product_data, product_row, xlsx
from apps.core.models import ApprovalStatus, LicenceType, today
from apps.core.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    "model", ["category", "manufacturer", "manufacturerlicence", "product", "productfirstapproval"]
)
def test_admin_lists_and_forms_open(admin_client, model):
    ProductFirstApprovalFactory()
    ManufacturerLicenceFactory()
    assert admin_client.get(reverse(f"admin:catalog_{model}_changelist")).status_code == 200
    obj = {
        "category": lambda: CategoryFactory(),
        "manufacturer": lambda: ManufacturerFactory(),
        "manufacturerlicence": lambda: ManufacturerLicence.objects.first(),
        "product": lambda: Product.objects.first(),
        "productfirstapproval": lambda: ProductFirstApproval.objects.first(),
    }[model]()
    url = reverse(f"admin:catalog_{model}_change", args=[obj.pk])
    assert admin_client.get(url).status_code == 200
    history = reverse(f"admin:catalog_{model}_history", args=[obj.pk])
    assert admin_client.get(history).status_code == 200


def test_admin_product_search_and_approval_filter(admin_client):
    ProductFactory(code="S1", name="一次性使用无菌注射器")
    response = admin_client.get(reverse("admin:catalog_product_changelist"), {"q": "ycxsywjzsq"})
    # The code as a cell's text: a bare "S1" can also turn up inside the random CSRF token.
    assert ">S1<" in response.content.decode()
    response = admin_client.get(
        reverse("admin:catalog_product_changelist"), {"first_approval__status": "approved"}
    )
    assert ">S1<" not in response.content.decode()


def test_admin_adds_product_through_the_service(admin_client):
    category, manufacturer = CategoryFactory(), ManufacturerFactory()
    response = admin_client.post(
        reverse("admin:catalog_product_add"), product_data(category, manufacturer)
    )
    assert response.status_code == 302
    product = Product.objects.get(code="P-NEW-1")
    assert product.first_approval.status == ApprovalStatus.DRAFT


def test_admin_product_form_refuses_bad_registration_number(admin_client):
    category, manufacturer = CategoryFactory(), ManufacturerFactory()
    data = product_data(category, manufacturer, registration_number="XYZ")
    response = admin_client.post(reverse("admin:catalog_product_add"), data)
    assert response.status_code == 200
    assert "XYZ is not a registration certificate" in response.content.decode()
    assert not Product.objects.exists()


def test_admin_refuses_a_licence_that_is_already_expired(admin_client):
    manufacturer = ManufacturerFactory()
    data = {
        "manufacturer": manufacturer.pk,
        "licence_type": LicenceType.DEVICE_PRODUCTION,
        "number": "沪药监械生产许20150001号",
        "holder": manufacturer.name,
        "issued_on": (today() - datetime.timedelta(days=900)).isoformat(),
        "valid_until": (today() - datetime.timedelta(days=1)).isoformat(),
        "scope_classes": ["3"],
    }
    response = admin_client.post(reverse("admin:catalog_manufacturerlicence_add"), data)
    assert response.status_code == 200
    assert "enter the current, renewed licence" in response.content.decode()
    assert not ManufacturerLicence.objects.exists()
    data["valid_until"] = (today() + datetime.timedelta(days=900)).isoformat()
    response = admin_client.post(reverse("admin:catalog_manufacturerlicence_add"), data)
    assert response.status_code == 302
    assert ManufacturerLicence.objects.get().scope_classes == [3]


def test_approvals_cannot_be_added_edited_or_deleted_in_the_admin(admin_client):
    approval = ProductFirstApprovalFactory()
    assert admin_client.get(reverse("admin:catalog_productfirstapproval_add")).status_code == 403
    url = reverse("admin:catalog_productfirstapproval_delete", args=[approval.pk])
    assert admin_client.get(url).status_code == 403
    change = reverse("admin:catalog_productfirstapproval_change", args=[approval.pk])
    admin_client.post(change, {"status": ApprovalStatus.APPROVED})
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.DRAFT


def admin_import(admin_client, file):
    from django.contrib import admin

    formats = admin.site._registry[Product].get_import_formats()
    index = next(i for i, f in enumerate(formats) if f().get_title() == "xlsx")
    return admin_client.post(
        reverse("admin:catalog_product_import"),
        {"resource": "0", "format": str(index), "import_file": file},
    )


def test_admin_import_applies_the_same_rules(admin_client):
    CategoryFactory(code="6815")
    ManufacturerFactory(code="WG")
    rows = [product_row("P1"), product_row("P1")]
    response = admin_import(admin_client, xlsx(PRODUCT_HEADERS, rows))
    assert "Code P1 already appears in row 2 of this file." in response.content.decode()
    response = admin_import(admin_client, xlsx(["编号"], [["P1"]]))
    assert "Missing columns: code" in response.content.decode()
    assert not Product.objects.exists()
