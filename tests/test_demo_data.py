"""`manage.py load_demo` and `manage.py demo_logins`."""

import io

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from simple_history.models import HistoricalChanges

from apps.catalog.models import Category, Manufacturer, Product, ProductFirstApproval
from apps.core.licences import company_blockers
from apps.core.management.commands._demo_data import DEMO_PASSWORD
from apps.core.models import ApprovalStatus, CompanyLicence, CompanySettings, today
from apps.core.roles import ROLES
from apps.customers.models import Customer, CustomerLicence, CustomerType
from apps.suppliers.models import (
    SalesRepAuthorisation,
    Supplier,
    SupplierFirstApproval,
    SupplierLicence,
)

pytestmark = pytest.mark.django_db

BOTH_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.MD5PasswordHasher",
]

MODELS = (
    Category,
    Manufacturer,
    Product,
    ProductFirstApproval,
    CompanyLicence,
    Supplier,
    SupplierLicence,
    SalesRepAuthorisation,
    SupplierFirstApproval,
    Customer,
    CustomerLicence,
    User,
)


def load() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    """Rows of every demo model and of every history table (a re-run must add none)."""
    result = {model.__name__: model.objects.count() for model in MODELS}
    for model in apps.get_models():
        if issubclass(model, HistoricalChanges):
            result[model.__name__] = model.objects.count()
    return result


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo loaded twice, shared by the tests of this module (loading takes seconds).

    It lives in a transaction rolled back after the module; each test's own transaction
    nests inside it as a savepoint."""
    with django_db_blocker.unblock(), transaction.atomic():
        load()
        first = counts()
        load()
        second = counts()
        yield first, second
        transaction.set_rollback(True)


def test_a_second_run_changes_nothing(demo):
    first, second = demo
    assert second == first


def test_master_data_volumes(demo):
    assert Supplier.objects.count() >= 30
    assert Customer.objects.count() >= 60
    assert Product.objects.count() >= 200
    assert Manufacturer.objects.count() >= 40
    assert Category.objects.filter(parent=None).count() >= 25
    assert Category.objects.exclude(parent=None).exists()
    assert set(Product.objects.values_list("device_class", flat=True)) == {1, 2, 3}
    assert {CustomerType.HOSPITAL, CustomerType.DISTRIBUTOR, CustomerType.PHARMACY} <= set(
        Customer.objects.values_list("customer_type", flat=True)
    )
    assert Product.objects.filter(storage_condition="cold").exists()
    assert Product.objects.filter(is_controlled=True).exists()
    assert Product.objects.exclude(max_qty=None).exists()
    assert not Customer.objects.filter(customer_class=None).exists()


def test_company_may_trade_every_product(demo):
    company = CompanySettings.load()
    assert company.name == "上海瑞康医疗器械有限公司"
    assert CompanyLicence.objects.filter(licence_type="business", valid_until=None).exists()
    blocked = {
        product.code: [b.message for b in company_blockers(product, today())]
        for product in Product.objects.select_related("category")
    }
    assert {code: msgs for code, msgs in blocked.items() if msgs} == {}


def test_some_licences_are_expired_and_some_expiring(demo):
    statuses = [lic.status for lic in SupplierLicence.objects.all()] + [
        lic.status for lic in CustomerLicence.objects.all()
    ]
    assert "expired" in statuses
    assert "expiring" in statuses
    assert statuses.count("valid") > len(statuses) * 0.9


def test_one_supplier_is_blocked_by_an_expired_business_licence(demo):
    blocked = [
        supplier.code
        for supplier in Supplier.objects.all()
        if "business_licence_expired" in {b.code for b in supplier.standing_blockers(today())}
    ]
    assert blocked == ["GYS005"]


def test_most_suppliers_and_products_are_approved_some_pending(demo):
    supplier_status = list(SupplierFirstApproval.objects.values_list("status", flat=True))
    product_status = list(ProductFirstApproval.objects.values_list("status", flat=True))
    assert len(supplier_status) == Supplier.objects.count()
    assert len(product_status) == Product.objects.count()
    for statuses in (supplier_status, product_status):
        assert statuses.count(ApprovalStatus.APPROVED) > len(statuses) * 0.8
        assert ApprovalStatus.SUBMITTED in statuses
        assert ApprovalStatus.QUALITY_APPROVED in statuses
    approved = SupplierFirstApproval.objects.filter(status=ApprovalStatus.APPROVED).first()
    assert approved.submitted_by.username == "purchaser"
    assert approved.quality_by.username == "quality_manager"
    assert approved.manager_by.username == "manager"


def test_a_user_per_role_with_the_demo_password(demo):
    for role in ROLES:
        user = User.objects.get(username=role.code)
        assert list(user.groups.values_list("name", flat=True)) == [role.code]
        assert user.is_staff == (role.code == "manager")
        assert not user.is_superuser
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    # One shared hash (checking each would cost half a second per user).
    hashes = set(User.objects.values_list("password", flat=True))
    assert len(hashes) == 1
    # Whichever hasher the test settings use, the hash must be the demo password's.
    with override_settings(PASSWORD_HASHERS=BOTH_HASHERS):
        assert admin.check_password(DEMO_PASSWORD)
    assert User.objects.count() == len(ROLES) + 1


def test_demo_logins_lists_every_role(demo):
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    lines = text.splitlines()
    for username in [role.code for role in ROLES] + ["admin"]:
        row = next(line for line in lines if line.split()[:1] == [username])
        assert DEMO_PASSWORD in row
        assert "load_demo" not in row  # the note on a missing user
    assert "http://127.0.0.1:8000/" in text
    assert "http://127.0.0.1:8000/admin/" in text


def test_demo_logins_flags_a_missing_user(demo):
    User.objects.filter(username="auditor").delete()
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    row = next(line for line in out.getvalue().splitlines() if line.startswith("auditor "))
    assert "load_demo" in row
