"""The trade rules of DESIGN.md 4.1 on our own company's side (licences.may_trade)."""

import datetime

import pytest

from apps.catalog.models import ProductKind
from apps.core.exceptions import TradeNotAllowed
from apps.core.licences import Blocker, assert_may_trade, company_blockers, may_trade
from apps.core.models import CompanyLicence, CompanySettings, DeviceClass, LicenceType, today
from apps.core.tests.factories import make_uscc

pytestmark = pytest.mark.django_db

COMPANY = "上海示例医疗器械有限公司"
CLASS_III_NUMBER = "沪药监械经营许20190001号"
CLASS_II_NUMBER = "沪浦药监械经营备20190001号"


class FakeCounterparty:
    """A supplier or customer with nothing against it (or the blockers given)."""

    def __init__(self, blockers=()):
        self.blockers = list(blockers)

    def standing_blockers(self, on_date):
        return []

    def trade_blockers(self, product, on_date):
        return list(self.blockers)


def add_licence(licence_type, number, *, categories=(), classes=(), **fields) -> CompanyLicence:
    values = {
        "licence_type": licence_type,
        "number": number,
        "holder": COMPANY,
        "issued_on": today() - datetime.timedelta(days=365),
        "valid_until": today() + datetime.timedelta(days=3 * 365),
        "scope_classes": list(classes),
    }
    values.update(fields)
    lic = CompanyLicence(**values)
    lic.full_clean()
    lic.save()
    lic.scope_categories.set(categories)
    return lic


@pytest.fixture
def company(db):
    company = CompanySettings.load()
    company.name = COMPANY
    company.save()
    return company


@pytest.fixture
def business(company):
    return add_licence(LicenceType.BUSINESS, make_uscc(1), valid_until=None)


@pytest.fixture
def cat_6815(make_category):
    return make_category("6815", "注射穿刺器械")


@pytest.fixture
def cat_6866(make_category):
    return make_category("6866", "医用高分子材料及制品")


def codes(blockers: list[Blocker]) -> list[str]:
    return [b.code for b in blockers]


def test_fully_licensed_trade_is_allowed(business, cat_6815, make_product):
    add_licence(LicenceType.DEVICE_OPERATING, CLASS_III_NUMBER, categories=[cat_6815], classes=[3])
    product = make_product(cat_6815, DeviceClass.CLASS_III)
    check = may_trade(FakeCounterparty(), product, today())
    assert check.ok, check.messages
    assert bool(check) is True
    assert_may_trade(FakeCounterparty(), product)


def test_company_without_business_licence_is_blocked(company, cat_6815, make_product):
    add_licence(LicenceType.DEVICE_OPERATING, CLASS_III_NUMBER, categories=[cat_6815], classes=[3])
    product = make_product(cat_6815, DeviceClass.CLASS_III)
    check = may_trade(FakeCounterparty(), product, today())
    assert not check.ok
    assert codes(check.blockers) == ["business_licence_missing"]
    assert check.messages == [f"{COMPANY} has no business licence on file."]


def test_expired_business_licence_names_number_and_date(company, cat_6815, make_product):
    number = make_uscc(2)
    expired = today() - datetime.timedelta(days=1)
    add_licence(
        LicenceType.BUSINESS,
        number,
        issued_on=today() - datetime.timedelta(days=400),
        valid_until=expired,
    )
    product = make_product(cat_6815, DeviceClass.CLASS_I)
    blockers = company_blockers(product, today())
    assert codes(blockers) == ["business_licence_expired"]
    assert number in blockers[0].message
    assert expired.isoformat() in blockers[0].message


def test_class_three_product_needs_a_class_three_licence(business, cat_6815, make_product):
    add_licence(LicenceType.DEVICE_FILING, CLASS_II_NUMBER, categories=[cat_6815], classes=[2])
    product = make_product(cat_6815, DeviceClass.CLASS_III)
    blockers = company_blockers(product, today())
    assert codes(blockers) == ["class_out_of_scope"]
    assert "Class III" in blockers[0].message
    # The same Class II filing is enough for a Class II product of that category.
    assert company_blockers(make_product(cat_6815, DeviceClass.CLASS_II), today()) == []


def test_class_three_licence_must_cover_the_category(business, cat_6815, cat_6866, make_product):
    add_licence(LicenceType.DEVICE_OPERATING, CLASS_III_NUMBER, categories=[cat_6866], classes=[3])
    product = make_product(cat_6815, DeviceClass.CLASS_III)
    blockers = company_blockers(product, today())
    assert codes(blockers) == ["category_out_of_scope"]
    assert "6815" in blockers[0].message


def test_sub_category_is_covered_by_its_parent(business, cat_6815, make_category, make_product):
    add_licence(LicenceType.DEVICE_OPERATING, CLASS_III_NUMBER, categories=[cat_6815], classes=[3])
    sub = make_category("6815-01", "注射器")
    assert company_blockers(make_product(sub, DeviceClass.CLASS_III), today()) == []


def test_sibling_code_prefix_is_not_covered(business, make_category, make_product):
    # A sub-category extends its parent's code with "-": 68 covers 68-01, not 6815,
    # which merely starts with the same digits.
    cat_68 = make_category("68")
    add_licence(LicenceType.DEVICE_OPERATING, CLASS_III_NUMBER, categories=[cat_68], classes=[3])
    product = make_product(make_category("6815"), DeviceClass.CLASS_III)
    assert codes(company_blockers(product, today())) == ["category_out_of_scope"]


def test_parent_is_not_covered_by_its_sub_category(business, cat_6815, make_category, make_product):
    sub = make_category("6815-01")
    add_licence(LicenceType.DEVICE_OPERATING, CLASS_III_NUMBER, categories=[sub], classes=[3])
    product = make_product(cat_6815, DeviceClass.CLASS_III)
    assert codes(company_blockers(product, today())) == ["category_out_of_scope"]


def test_class_one_product_needs_no_operating_licence(business, cat_6815, make_product):
    product = make_product(cat_6815, DeviceClass.CLASS_I)
    assert may_trade(FakeCounterparty(), product, today()).ok


def test_class_one_product_still_needs_a_business_licence(company, cat_6815, make_product):
    product = make_product(cat_6815, DeviceClass.CLASS_I)
    assert codes(company_blockers(product, today())) == ["business_licence_missing"]


def test_licence_is_valid_through_its_last_day(business, cat_6815, make_product):
    last_day = today() + datetime.timedelta(days=10)
    add_licence(
        LicenceType.DEVICE_OPERATING,
        CLASS_III_NUMBER,
        categories=[cat_6815],
        classes=[3],
        valid_until=last_day,
    )
    product = make_product(cat_6815, DeviceClass.CLASS_III)
    assert company_blockers(product, last_day) == []

    blockers = company_blockers(product, last_day + datetime.timedelta(days=1))
    assert codes(blockers) == ["operating_licence_expired"]
    assert CLASS_III_NUMBER in blockers[0].message
    assert last_day.isoformat() in blockers[0].message
    assert "expired on" in blockers[0].message


def test_licence_is_not_valid_before_its_issue_date(business, cat_6815, make_product):
    issued = today() - datetime.timedelta(days=5)
    add_licence(
        LicenceType.DEVICE_OPERATING,
        CLASS_III_NUMBER,
        categories=[cat_6815],
        classes=[3],
        issued_on=issued,
    )
    product = make_product(cat_6815, DeviceClass.CLASS_III)
    blockers = company_blockers(product, issued - datetime.timedelta(days=1))
    assert codes(blockers) == ["operating_licence_expired"]
    assert f"only valid from {issued.isoformat()}" in blockers[0].message
    assert company_blockers(product, issued) == []


def test_renewed_licence_replaces_the_expired_one(business, cat_6815, make_product):
    add_licence(
        LicenceType.DEVICE_OPERATING,
        CLASS_III_NUMBER,
        categories=[cat_6815],
        classes=[3],
        issued_on=today() - datetime.timedelta(days=2000),
        valid_until=today() - datetime.timedelta(days=1),
    )
    product = make_product(cat_6815, DeviceClass.CLASS_III)
    assert codes(company_blockers(product, today())) == ["operating_licence_expired"]
    add_licence(
        LicenceType.DEVICE_OPERATING, "沪药监械经营许20240007号", categories=[cat_6815], classes=[3]
    )
    assert company_blockers(product, today()) == []


def test_drug_needs_a_drug_operating_licence(business, make_category, make_product):
    category = make_category("01", "化学药品")
    drug = make_product(
        category,
        device_class=None,
        kind=ProductKind.DRUG,
        registration_number="国药准字H20000001",
        registration_valid_until=None,
    )
    blockers = company_blockers(drug, today())
    assert codes(blockers) == ["drug_licence_missing"]
    add_licence(LicenceType.DRUG_OPERATING, "沪AA0210001")
    assert company_blockers(drug, today()) == []


def test_product_that_is_neither_device_nor_drug_needs_no_operating_licence(
    business, make_category, make_product
):
    product = make_product(
        make_category("99", "其他商品"),
        device_class=None,
        kind=ProductKind.OTHER,
        registration_number="无",
        registration_valid_until=None,
    )
    assert company_blockers(product, today()) == []


def test_counterparty_and_product_blockers_are_all_listed(company, cat_6815, make_product):
    product = make_product(cat_6815, DeviceClass.CLASS_III, approved=False)
    theirs = Blocker("supplier_licence_missing", "供应商没有经营许可证")
    check = may_trade(FakeCounterparty([theirs]), product, today())
    assert codes(check.blockers) == [
        "business_licence_missing",
        "class_out_of_scope",
        "supplier_licence_missing",
        "product_not_approved",
    ]
    with pytest.raises(TradeNotAllowed) as exc:
        assert_may_trade(FakeCounterparty([theirs]), product, today())
    assert exc.value.messages == check.messages
    assert [b.code for b in exc.value.blockers] == codes(check.blockers)


def test_may_trade_defaults_to_today(business, cat_6815, make_product):
    add_licence(
        LicenceType.DEVICE_OPERATING,
        CLASS_III_NUMBER,
        categories=[cat_6815],
        classes=[3],
        valid_until=today() - datetime.timedelta(days=1),
        issued_on=today() - datetime.timedelta(days=30),
    )
    product = make_product(cat_6815, DeviceClass.CLASS_III)
    assert codes(may_trade(FakeCounterparty(), product).blockers) == ["operating_licence_expired"]


def test_company_blockers_query_count_does_not_grow_with_licences(
    business, cat_6815, make_product, django_assert_max_num_queries
):
    for n in range(5):
        add_licence(
            LicenceType.DEVICE_OPERATING,
            f"沪药监械经营许2019000{n}号",
            categories=[cat_6815],
            classes=[3],
            valid_until=today() - datetime.timedelta(days=1),
            issued_on=today() - datetime.timedelta(days=30),
        )
    product = make_product(cat_6815, DeviceClass.CLASS_III)
    with django_assert_max_num_queries(3):
        company_blockers(product, today())
