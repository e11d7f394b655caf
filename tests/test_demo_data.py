"""`manage.py load_demo` and `manage.py demo_logins`."""

import io
import time

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import models, transaction
from django.test import override_settings
from simple_history.models import HistoricalChanges

from apps.catalog.models import (
    Category,
    Manufacturer,
    Product,
    ProductFirstApproval,
    StorageCondition,
    StorageGroup,
)
from apps.core.licences import company_blockers
from apps.core.management.commands._demo_data import DEMO_PASSWORD
from apps.core.models import ApprovalStatus, CompanyLicence, CompanySettings, today
from apps.core.roles import ROLES
from apps.customers.models import Customer, CustomerLicence, CustomerType
from apps.inventory.expiry import Band, band_annotation
from apps.inventory.models import (
    Location,
    Lot,
    StockBalance,
    StockMove,
    Warehouse,
    Zone,
)
from apps.inventory.selectors_ledger import ledger_discrepancies
from apps.purchasing.models import Acceptance, PurchaseOrder, Receipt
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
    Warehouse,
    Location,
    StorageGroup,
    Lot,
    StockBalance,
    StockMove,
    PurchaseOrder,
    Receipt,
    Acceptance,
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
        started = time.monotonic()
        load()
        assert time.monotonic() - started < 60, "the demo must load in under a minute"
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


def test_warehouse_has_every_zone_and_storage_condition(demo):
    warehouse = Warehouse.objects.get(code="WH01")
    assert str(warehouse) == "WH01 上海浦东仓"
    kinds = set(warehouse.locations.values_list("zone", "storage_condition"))
    assert kinds == {(zone, condition) for zone in Zone.values for condition in StorageCondition}
    controlled = warehouse.locations.filter(is_controlled_area=True)
    assert controlled.exists()
    assert set(controlled.values_list("zone", flat=True)) == {Zone.QUALIFIED}


def test_storage_groups_with_one_incompatibility_kept_apart(demo):
    groups = StorageGroup.objects.prefetch_related("incompatible_with")
    pairs = {
        frozenset((group.code, other.code))
        for group in groups
        for other in group.incompatible_with.all()
    }
    assert len(groups) >= 3
    assert len(pairs) == 1
    first, second = tuple(next(iter(pairs)))
    for location in Location.objects.all():
        stored = set(
            StockBalance.objects.filter(location=location, on_hand__gt=0).values_list(
                "product__storage_group__code", flat=True
            )
        )
        assert not {first, second} <= stored, location
    assert StockBalance.objects.filter(product__storage_group__code=first, on_hand__gt=0).exists()
    assert StockBalance.objects.filter(product__storage_group__code=second, on_hand__gt=0).exists()


def test_lots_in_every_expiry_band(demo):
    bands = dict(
        Lot.objects.filter(balances__on_hand__gt=0)
        .annotate(band=band_annotation())
        .values_list("band")
        .annotate(count=models.Count("id", distinct=True))
        .values_list("band", "count")
    )
    assert set(bands) == {band.value for band in Band}
    assert all(count >= 5 for count in bands.values()), bands
    assert bands[Band.GREEN] > bands[Band.BLACK]


def test_expired_stock_sits_in_the_nonconforming_zone(demo):
    expired = StockBalance.objects.filter(on_hand__gt=0, lot__expiry_date__lt=today())
    assert expired.exists()
    assert set(expired.values_list("location__zone", flat=True)) == {Zone.NONCONFORMING}


def test_stock_in_every_zone_and_condition_and_controlled_area(demo):
    stocked = StockBalance.objects.filter(on_hand__gt=0)
    assert set(stocked.values_list("location__zone", flat=True)) == set(Zone.values)
    assert set(stocked.values_list("location__storage_condition", flat=True)) == set(
        StorageCondition.values
    )
    controlled = stocked.filter(product__is_controlled=True, location__zone=Zone.QUALIFIED)
    assert controlled.exists()
    assert not controlled.filter(location__is_controlled_area=False).exists()
    assert (
        not stocked.exclude(location__zone=Zone.NONCONFORMING)
        .exclude(location__storage_condition=models.F("product__storage_condition"))
        .exists()
    )
    serial_lots = Lot.objects.filter(product__is_serialised=True, balances__on_hand__gt=0)
    assert serial_lots.exists()
    assert not serial_lots.filter(serial_number="").exists()


def test_stock_was_posted_through_the_stock_service(demo):
    assert StockMove.objects.count() > 100
    assert ledger_discrepancies() == []
    out = io.StringIO()
    call_command("check_stock_ledger", stdout=out)
    assert out.getvalue().startswith("OK: ")
    # Not yet approved products have no stock.
    assert not StockBalance.objects.filter(product__code__in=["SP0233", "SP0236"]).exists()


def test_purchase_orders_in_every_stage(demo):
    statuses = set(PurchaseOrder.objects.values_list("status", flat=True))
    assert {"draft", "pending_approval", "open"} <= statuses
    received = Receipt.objects.get().order
    assert received.status == "open"
    line = received.lines.order_by("pk").first()
    assert 0 < line.received_qty < line.quantity
    acceptance = Acceptance.objects.get()
    assert acceptance.accepted_qty > 0
    assert StockBalance.objects.filter(
        lot__receipt_lines__receipt__order=received,
        location__zone=Zone.QUALIFIED,
        on_hand=acceptance.accepted_qty,
    ).exists()


def test_sales_orders_in_every_stage(demo):
    from apps.sales.models import Delivery, SalesOrder

    statuses = set(SalesOrder.objects.values_list("status", flat=True))
    assert {"draft", "pending_approval", "confirmed", "shipped"} <= statuses
    held = SalesOrder.objects.get(status="pending_approval")
    assert held.holds.get().kind == "over_price"
    assert set(Delivery.objects.values_list("status", flat=True)) == {"picking", "shipped"}
    assert ledger_discrepancies() == []
