"""may_trade (DESIGN.md 4.1) with a supplier as the counterparty: every rule, its message and
its date boundary."""

import datetime

import pytest

from apps.catalog.models import Product
from apps.catalog.tests.factories import CategoryFactory, ProductFactory, approve, approved_product
from apps.core.exceptions import TradeNotAllowed
from apps.core.licences import assert_may_trade, may_trade
from apps.core.models import ApprovalStatus, CompanyLicence, DeviceClass, LicenceType, today
from apps.core.tests.factories import licensed_company
from apps.suppliers.models import SupplierFirstApproval

from .factories import (
    SalesRepFactory,
    SupplierFactory,
    SupplierLicenceFactory,
    approve_supplier,
    fresh,
    tradeable_supplier,
)

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def syringes():
    return CategoryFactory(code="6815", name="注射穿刺器械")


@pytest.fixture
def polymers():
    return CategoryFactory(code="6866", name="医用高分子材料及制品")


@pytest.fixture
def company(syringes, polymers):
    return licensed_company([syringes, polymers])


@pytest.fixture
def class_iii(company, syringes):
    return approved_product(category=syringes, device_class=DeviceClass.CLASS_III)


def codes(check):
    return [b.code for b in check.blockers]


def bare_supplier(*, business=True, rep=True, approved=True, **kwargs):
    """A supplier with only the standing documents asked for (no operating licences)."""
    supplier = SupplierFactory(**kwargs)
    if business:
        SupplierLicenceFactory(supplier=supplier)
    if rep:
        SalesRepFactory(supplier=supplier)
    if approved:
        approve_supplier(supplier)
    return supplier


def test_fully_documented_supplier_may_supply(class_iii, syringes):
    supplier = tradeable_supplier([syringes])

    check = may_trade(supplier, class_iii)

    assert check.ok, check.messages
    assert_may_trade(supplier, class_iii)  # does not raise


def test_no_business_licence_blocks(class_iii, syringes):
    supplier = tradeable_supplier([syringes])
    supplier.licences.filter(licence_type=LicenceType.BUSINESS).delete()

    check = may_trade(fresh(supplier), class_iii)

    assert codes(check) == ["business_licence_missing"]
    assert supplier.name in check.messages[0]
    assert "no business licence" in check.messages[0]


def test_expired_business_licence_names_number_and_date(class_iii, syringes):
    supplier = tradeable_supplier([syringes])
    expired_on = today() - 3 * DAY
    business = supplier.licences.get(licence_type=LicenceType.BUSINESS)
    business.valid_until = expired_on
    business.save()

    check = may_trade(fresh(supplier), class_iii)

    assert codes(check) == ["business_licence_expired"]
    assert business.number in check.messages[0]
    assert expired_on.isoformat() in check.messages[0]
    with pytest.raises(TradeNotAllowed) as raised:
        assert_may_trade(fresh(supplier), class_iii)
    assert raised.value.messages == check.messages


def test_long_term_business_licence_is_valid(class_iii, syringes):
    supplier = tradeable_supplier([syringes])
    assert supplier.licences.get(licence_type=LicenceType.BUSINESS).valid_until is None
    in_twenty_years = today() + datetime.timedelta(days=20 * 365)

    # The operating licence and the rep have expired by then, the business licence has not.
    assert "business_licence_expired" not in codes(may_trade(supplier, class_iii, in_twenty_years))
    assert "operating_licence_expired" in codes(may_trade(supplier, class_iii, in_twenty_years))


def test_business_licence_valid_until_today_is_valid_and_expired_the_day_after(class_iii, syringes):
    supplier = tradeable_supplier([syringes])
    last_day = today() + 10 * DAY
    supplier.licences.filter(licence_type=LicenceType.BUSINESS).update(valid_until=last_day)
    supplier = fresh(supplier)

    assert may_trade(supplier, class_iii, last_day).ok
    check = may_trade(supplier, class_iii, last_day + DAY)
    assert codes(check) == ["business_licence_expired"]
    assert last_day.isoformat() in check.messages[0]


def test_class_iii_product_with_only_a_class_ii_filing_is_refused(class_iii, syringes):
    supplier = bare_supplier()
    SupplierLicenceFactory(
        supplier=supplier, licence_type=LicenceType.DEVICE_FILING, categories=[syringes]
    )

    check = may_trade(fresh(supplier), class_iii)

    assert codes(check) == ["class_out_of_scope"]
    assert "Class III" in check.messages[0]


def test_class_ii_filing_covers_a_class_ii_product(company, syringes):
    product = approved_product(category=syringes, device_class=DeviceClass.CLASS_II)
    supplier = bare_supplier()
    SupplierLicenceFactory(
        supplier=supplier, licence_type=LicenceType.DEVICE_FILING, categories=[syringes]
    )

    assert may_trade(fresh(supplier), product).ok


def test_category_outside_the_scope_is_refused(company, polymers, syringes):
    product = approved_product(category=polymers, device_class=DeviceClass.CLASS_III)
    supplier = tradeable_supplier([syringes])

    check = may_trade(supplier, product)

    assert codes(check) == ["category_out_of_scope"]
    assert "6866" in check.messages[0]


def test_sub_category_is_covered_by_its_parent_scope_code(company, syringes):
    child = CategoryFactory(code="6815-03", name="一次性使用无菌注射器", parent=syringes)
    product = approved_product(category=child, device_class=DeviceClass.CLASS_III)
    supplier = tradeable_supplier([syringes])

    assert may_trade(supplier, product).ok


def test_scope_on_a_sub_category_does_not_cover_its_parent(company, syringes):
    child = CategoryFactory(code="6815-03", name="注射器", parent=syringes)
    product = approved_product(category=syringes, device_class=DeviceClass.CLASS_III)
    supplier = tradeable_supplier([child])

    assert codes(may_trade(supplier, product)) == ["category_out_of_scope"]


def test_expired_operating_licence_names_number_and_date(class_iii, syringes):
    supplier = tradeable_supplier([syringes])
    operating = supplier.licences.get(licence_type=LicenceType.DEVICE_OPERATING)
    expired_on = today() - DAY
    operating.valid_until = expired_on
    operating.save()

    check = may_trade(fresh(supplier), class_iii)

    assert codes(check) == ["operating_licence_expired"]
    assert operating.number in check.messages[0]
    assert expired_on.isoformat() in check.messages[0]


def test_operating_licence_boundary(class_iii, syringes):
    supplier = tradeable_supplier([syringes])
    last_day = today() + 5 * DAY
    supplier.licences.filter(licence_type=LicenceType.DEVICE_OPERATING).update(valid_until=last_day)
    supplier = fresh(supplier)

    assert may_trade(supplier, class_iii, last_day).ok
    assert codes(may_trade(supplier, class_iii, last_day + DAY)) == ["operating_licence_expired"]


def test_class_i_needs_no_operating_licence(company, syringes):
    product = approved_product(
        category=syringes,
        device_class=DeviceClass.CLASS_I,
        registration_number="沪浦械备20190012号",
        registration_valid_until=None,
    )
    supplier = bare_supplier()
    assert not supplier.licences.exclude(licence_type=LicenceType.BUSINESS).exists()

    assert may_trade(fresh(supplier), product).ok


def test_class_i_still_needs_the_business_licence(company, syringes):
    product = approved_product(
        category=syringes,
        device_class=DeviceClass.CLASS_I,
        registration_number="沪浦械备20190013号",
        registration_valid_until=None,
    )
    supplier = bare_supplier(business=False)

    assert codes(may_trade(fresh(supplier), product)) == ["business_licence_missing"]


def test_no_sales_rep_authorisation_blocks(class_iii, syringes):
    supplier = tradeable_supplier([syringes])
    supplier.sales_reps.all().delete()

    check = may_trade(fresh(supplier), class_iii)

    assert codes(check) == ["sales_rep_missing"]
    assert "no valid sales representative authorisation" in check.messages[0]


def test_expired_sales_rep_names_the_rep_and_date(class_iii, syringes):
    supplier = tradeable_supplier([syringes])
    rep = supplier.sales_reps.get()
    rep.valid_from = today() - 400 * DAY
    rep.valid_until = today() - 2 * DAY
    rep.save()

    check = may_trade(fresh(supplier), class_iii)

    assert codes(check) == ["sales_rep_missing"]
    assert rep.rep_name in check.messages[0]
    assert rep.valid_until.isoformat() in check.messages[0]


def test_sales_rep_boundary(class_iii, syringes):
    supplier = tradeable_supplier([syringes])
    last_day = today() + 7 * DAY
    supplier.sales_reps.update(valid_until=last_day)
    supplier = fresh(supplier)

    assert may_trade(supplier, class_iii, last_day).ok
    assert codes(may_trade(supplier, class_iii, last_day + DAY)) == ["sales_rep_missing"]


def test_sales_rep_not_yet_valid_blocks(class_iii, syringes):
    supplier = tradeable_supplier([syringes])
    supplier.sales_reps.update(valid_from=today() + DAY)

    check = may_trade(fresh(supplier), class_iii)
    assert codes(check) == ["sales_rep_missing"]
    # A future authorisation is not "expired": the message gives its start date.
    assert (today() + DAY).isoformat() in check.messages[0]
    assert "expired" not in check.messages[0]


@pytest.mark.parametrize(
    "status",
    [
        ApprovalStatus.DRAFT,
        ApprovalStatus.SUBMITTED,
        ApprovalStatus.QUALITY_APPROVED,
        ApprovalStatus.REJECTED,
    ],
)
def test_first_time_file_not_approved_blocks(class_iii, syringes, status):
    supplier = tradeable_supplier([syringes])
    SupplierFirstApproval.objects.filter(supplier=supplier).update(status=status)

    check = may_trade(fresh(supplier), class_iii)

    assert codes(check) == ["supplier_not_approved"]
    assert "首营企业审批" in check.messages[0]


def test_no_first_time_file_blocks(class_iii, syringes):
    supplier = tradeable_supplier([syringes])
    SupplierFirstApproval.objects.filter(supplier=supplier).delete()

    assert codes(may_trade(fresh(supplier), class_iii)) == ["supplier_not_approved"]


def test_stopped_product_is_refused(class_iii, syringes):
    supplier = tradeable_supplier([syringes])
    Product.objects.filter(pk=class_iii.pk).update(is_stopped=True, stop_reason="质量抽检不合格")
    class_iii.refresh_from_db()

    check = may_trade(supplier, class_iii)

    assert codes(check) == ["product_stopped"]
    assert "质量抽检不合格" in check.messages[0]


def test_product_without_approved_first_time_file_is_refused(company, syringes):
    product = ProductFactory(category=syringes)
    supplier = tradeable_supplier([syringes])

    assert codes(may_trade(supplier, product)) == ["product_not_approved"]


def test_our_company_lacking_the_operating_licence_blocks_too(company, class_iii, syringes):
    supplier = tradeable_supplier([syringes])
    CompanyLicence.objects.filter(licence_type=LicenceType.DEVICE_OPERATING).delete()

    check = may_trade(supplier, class_iii)

    assert codes(check) == ["class_out_of_scope"]
    assert company.name in check.messages[0]


def test_our_company_without_any_licence_blocks(syringes):
    product = ProductFactory(category=syringes)
    approve(product)
    supplier = tradeable_supplier([syringes])

    check = may_trade(supplier, product)

    assert "business_licence_missing" in codes(check)
    assert supplier.name not in " ".join(check.messages)


def test_every_reason_is_listed_at_once(class_iii):
    supplier = bare_supplier(business=False, rep=False, approved=False)

    check = may_trade(fresh(supplier), class_iii)

    assert set(codes(check)) == {
        "business_licence_missing",
        "supplier_not_approved",
        "sales_rep_missing",
        "class_out_of_scope",
    }
