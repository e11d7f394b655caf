"""may_trade (DESIGN.md 4.1) for customers of each kind."""

import datetime

import pytest

from apps.catalog.models import ProductKind
from apps.core.licences import may_trade
from apps.core.models import CompanyLicence, DeviceClass, LicenceType, today
from apps.core.tests.factories import licensed_company
from apps.customers.models import CustomerType

from .factories import (
    CustomerFactory,
    CustomerLicenceFactory,
    make_category,
    make_product,
    tradeable_customer,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def syringes():
    return make_category("6815", "注射穿刺器械")


@pytest.fixture
def dressings():
    return make_category("6864", "医用卫生材料及敷料")


@pytest.fixture
def company(syringes, dressings):
    return licensed_company([syringes, dressings])


@pytest.fixture
def drug_company(company):
    """Our company also holds a drug operating licence."""
    CompanyLicence.objects.create(
        licence_type=LicenceType.DRUG_OPERATING,
        number="沪AA0210001",
        holder=company.name,
        issued_on=today() - datetime.timedelta(days=365),
        valid_until=today() + datetime.timedelta(days=900),
    )
    return company


def codes(check):
    return [b.code for b in check.blockers]


def test_hospital_with_valid_practice_licence_may_buy_class_iii(company, syringes):
    hospital = tradeable_customer(CustomerType.HOSPITAL)
    product = make_product(syringes, DeviceClass.CLASS_III)

    check = may_trade(hospital, product)

    assert check.ok, check.messages


def test_hospital_practice_licence_expired_blocks_class_iii(company, syringes):
    hospital = CustomerFactory(customer_type=CustomerType.HOSPITAL)
    CustomerLicenceFactory(customer=hospital)
    CustomerLicenceFactory(
        customer=hospital,
        licence_type=LicenceType.MEDICAL_INSTITUTION,
        number="PDY0000131011512A1001",
        issued_on=today() - datetime.timedelta(days=800),
        valid_until=today() - datetime.timedelta(days=1),
    )
    product = make_product(syringes, DeviceClass.CLASS_III)

    check = may_trade(hospital, product)

    assert not check.ok
    assert "PDY0000131011512A1001" in " ".join(check.messages)


def test_distributor_needs_class_iii_licence_covering_the_category(company, syringes, dressings):
    distributor = tradeable_customer(CustomerType.DISTRIBUTOR, categories=[syringes])
    covered = make_product(syringes, DeviceClass.CLASS_III)
    not_covered = make_product(dressings, DeviceClass.CLASS_III, name="医用敷料")

    assert may_trade(distributor, covered).ok
    check = may_trade(distributor, not_covered)
    assert codes(check) == ["category_out_of_scope"]
    assert "6864" in check.messages[0]


def test_distributor_without_class_iii_licence_cannot_buy_class_iii(company, syringes):
    distributor = CustomerFactory(customer_type=CustomerType.DISTRIBUTOR)
    CustomerLicenceFactory(customer=distributor)
    CustomerLicenceFactory(
        customer=distributor,
        licence_type=LicenceType.DEVICE_FILING,
        number="沪浦药监械经营备20200001号",
        valid_until=today() + datetime.timedelta(days=300),
        scope_classes=[DeviceClass.CLASS_II],
        scope_categories=[syringes],
    )
    class_ii = make_product(syringes, DeviceClass.CLASS_II)
    class_iii = make_product(syringes, DeviceClass.CLASS_III)

    assert may_trade(distributor, class_ii).ok
    assert codes(may_trade(distributor, class_iii)) == ["class_out_of_scope"]


def test_pharmacy_with_only_class_ii_filing_cannot_buy_class_iii(company, syringes):
    pharmacy = tradeable_customer(CustomerType.PHARMACY, categories=[syringes])
    class_ii = make_product(syringes, DeviceClass.CLASS_II)
    class_iii = make_product(syringes, DeviceClass.CLASS_III)

    assert may_trade(pharmacy, class_ii).ok
    check = may_trade(pharmacy, class_iii)
    assert codes(check) == ["class_out_of_scope"]
    assert pharmacy.name in check.messages[0]


def test_class_i_needs_no_operating_licence(company, syringes):
    other = tradeable_customer(CustomerType.OTHER)
    product = make_product(syringes, DeviceClass.CLASS_I)

    assert may_trade(other, product).ok


def test_expired_business_licence_blocks_with_number_and_date(company, syringes):
    customer = tradeable_customer(CustomerType.HOSPITAL)
    business = customer.licences.get(licence_type=LicenceType.BUSINESS)
    expired_on = today() - datetime.timedelta(days=3)
    business.valid_until = expired_on
    business.save()
    product = make_product(syringes, DeviceClass.CLASS_III)

    check = may_trade(customer, product)

    assert codes(check) == ["business_licence_expired"]
    assert business.number in check.messages[0]
    assert expired_on.isoformat() in check.messages[0]
    assert customer.standing_blockers(today())[0].code == "business_licence_expired"


def test_customer_without_any_licence_is_blocked(company, syringes):
    customer = CustomerFactory(customer_type=CustomerType.DISTRIBUTOR)
    product = make_product(syringes, DeviceClass.CLASS_II)

    assert codes(may_trade(customer, product)) == [
        "business_licence_missing",
        "class_out_of_scope",
    ]


def test_drug_needs_a_drug_operating_licence(drug_company, syringes):
    distributor = tradeable_customer(CustomerType.DISTRIBUTOR, categories=[syringes])
    pharmacy = tradeable_customer(CustomerType.PHARMACY, categories=[syringes])
    drug = make_product(syringes, kind=ProductKind.DRUG)

    check = may_trade(distributor, drug)
    assert codes(check) == ["drug_licence_missing"]
    assert may_trade(pharmacy, drug).ok


def test_expired_drug_licence_names_number_and_date(drug_company, syringes):
    pharmacy = tradeable_customer(CustomerType.PHARMACY, categories=[syringes])
    drug_licence = pharmacy.licences.get(licence_type=LicenceType.DRUG_OPERATING)
    drug_licence.valid_until = today() - datetime.timedelta(days=10)
    drug_licence.save()
    drug = make_product(syringes, kind=ProductKind.DRUG)

    check = may_trade(pharmacy, drug)

    assert codes(check) == ["drug_licence_expired"]
    assert drug_licence.number in check.messages[0]
    assert drug_licence.valid_until.isoformat() in check.messages[0]
