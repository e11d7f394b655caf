"""Single-row rules of catalog records, their database constraints and product trade rules."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.catalog.models import Category, Product, ProductKind
from apps.catalog.tests.factories import (
    CategoryFactory,
    ManufacturerFactory,
    ManufacturerLicenceFactory,
    ProductFactory,
    approve,
    approved_product,
)
from apps.core.models import ApprovalStatus, DeviceClass, LicenceType, today

pytestmark = pytest.mark.django_db


def errors_of(obj) -> dict:
    with pytest.raises(ValidationError) as info:
        obj.full_clean()
    return info.value.message_dict


# Registration certificate numbers -------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "国械注准20153150123",
        "沪械注准20192140012",
        "国械注进20173461234",
        "国械注许20163460001",
        "沪浦械备20190012号",
        "京械备20180001",
    ],
)
def test_valid_registration_numbers_pass(number):
    product = ProductFactory.build(
        category=CategoryFactory(), manufacturer=ManufacturerFactory(), registration_number=number
    )
    product.full_clean()


@pytest.mark.parametrize(
    "number",
    [
        "国械注准2015315012",  # 10 digits
        "国械注准201531501234",  # 12 digits
        "械注准20153150123",  # no issuing authority
        "国械注册20153150123",  # not 准/进/许
        "GX20153150123",
        "沪浦械备2019001号",  # 7 digits
    ],
)
def test_malformed_registration_numbers_are_refused(number):
    product = ProductFactory.build(
        category=CategoryFactory(), manufacturer=ManufacturerFactory(), registration_number=number
    )
    errors = errors_of(product)
    assert "registration_number" in errors
    assert number in errors["registration_number"][0]


def test_drug_approval_numbers_are_not_held_to_the_device_format():
    product = ProductFactory.build(
        category=CategoryFactory(kind=ProductKind.DRUG),
        manufacturer=ManufacturerFactory(),
        kind=ProductKind.DRUG,
        device_class=None,
        registration_number="国药准字H20051234",
    )
    product.full_clean()


@pytest.mark.parametrize("device_class", [DeviceClass.CLASS_II, DeviceClass.CLASS_III])
def test_class_ii_and_iii_registrations_need_an_expiry_date(device_class):
    product = ProductFactory.build(
        category=CategoryFactory(),
        manufacturer=ManufacturerFactory(),
        device_class=device_class,
        registration_valid_until=None,
    )
    assert "registration_valid_until" in errors_of(product)


def test_class_i_filing_needs_no_expiry_date():
    product = ProductFactory.build(
        category=CategoryFactory(),
        manufacturer=ManufacturerFactory(),
        device_class=DeviceClass.CLASS_I,
        registration_number="沪浦械备20190012号",
        registration_valid_until=None,
    )
    product.full_clean()


def test_a_device_needs_its_class_in_the_form_and_in_the_database():
    product = ProductFactory.build(
        category=CategoryFactory(), manufacturer=ManufacturerFactory(), device_class=None
    )
    errors = errors_of(product)
    assert "A medical device needs its class (I, II or III)." in errors["__all__"]
    with pytest.raises(IntegrityError), transaction.atomic():
        product.save()


def test_a_drug_has_no_device_class():
    product = ProductFactory.build(
        category=CategoryFactory(),
        manufacturer=ManufacturerFactory(),
        kind=ProductKind.DRUG,
        device_class=DeviceClass.CLASS_II,
        registration_number="国药准字H20051234",
    )
    assert "device_class" in errors_of(product)


# Quantities and prices ------------------------------------------------------------


@pytest.mark.parametrize(
    "max_qty,period", [(100, ""), (None, "month")], ids=["qty-without-period", "period-without-qty"]
)
def test_max_quantity_and_period_go_together(max_qty, period):
    product = ProductFactory.build(
        category=CategoryFactory(),
        manufacturer=ManufacturerFactory(),
        max_qty=max_qty,
        max_qty_period=period,
    )
    assert "max_qty_period" in errors_of(product)
    with pytest.raises(IntegrityError), transaction.atomic():
        product.save()


def test_max_quantity_with_period_is_accepted():
    ProductFactory(max_qty=2000, max_qty_period="quarter")


def test_minimum_stock_cannot_exceed_maximum_stock():
    product = ProductFactory.build(
        category=CategoryFactory(), manufacturer=ManufacturerFactory(), min_stock=50, max_stock=10
    )
    errors = errors_of(product)
    assert "below the minimum stock 50" in errors["max_stock"][0]
    with pytest.raises(IntegrityError), transaction.atomic():
        product.save()


@pytest.mark.parametrize("field", ["national_wholesale_price", "retail_price"])
def test_negative_prices_are_refused_by_validation_and_database(field):
    product = ProductFactory.build(
        category=CategoryFactory(), manufacturer=ManufacturerFactory(), **{field: Decimal("-1")}
    )
    assert field in errors_of(product)
    with pytest.raises(IntegrityError), transaction.atomic():
        product.save()


def test_negative_price_is_refused_by_the_database_even_through_update():
    product = ProductFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.filter(pk=product.pk).update(national_wholesale_price=Decimal("-0.01"))


def test_negative_stock_levels_are_refused():
    product = ProductFactory.build(
        category=CategoryFactory(), manufacturer=ManufacturerFactory(), min_stock=-5
    )
    assert "min_stock" in errors_of(product)


def test_auxiliary_unit_needs_its_conversion():
    product = ProductFactory.build(
        category=CategoryFactory(), manufacturer=ManufacturerFactory(), aux_unit="盒"
    )
    assert "aux_conversion" in errors_of(product)


def test_stopping_sales_needs_a_reason():
    product = ProductFactory.build(
        category=CategoryFactory(), manufacturer=ManufacturerFactory(), is_stopped=True
    )
    assert "stop_reason" in errors_of(product)


def test_duplicate_barcode_is_refused():
    ProductFactory(barcode="6901234567892")
    product = ProductFactory.build(
        category=CategoryFactory(), manufacturer=ManufacturerFactory(), barcode="6901234567892"
    )
    assert "Another product already has this barcode." in errors_of(product)["__all__"]


def test_mnemonic_is_derived_from_the_name():
    product = ProductFactory(name="一次性使用无菌注射器")
    assert product.mnemonic == "ycxsywjzsq"


# Categories ---------------------------------------------------------------------


@pytest.mark.parametrize("code", ["6815", "6815-01", "14-01-02"])
def test_catalogue_codes(code):
    Category(code=code, name="x").full_clean()


def test_bad_catalogue_code_is_refused():
    assert "code" in errors_of(Category(code="ABC", name="x"))


def test_sub_category_code_extends_the_parent_code():
    parent = CategoryFactory(code="6815")
    assert "code" in errors_of(Category(code="6866-01", name="x", parent=parent))
    Category(code="6815-01", name="x", parent=parent).full_clean()


def test_manufacturer_licence_number_format_is_checked():
    licence = ManufacturerLicenceFactory.build(
        manufacturer=ManufacturerFactory(),
        licence_type=LicenceType.DEVICE_PRODUCTION,
        number="123",
    )
    assert "number" in errors_of(licence)


# Trade blockers -------------------------------------------------------------------


def codes(product, on_date=None):
    return [b.code for b in product.trade_blockers(on_date or today())]


def test_approved_product_with_valid_registration_may_be_traded():
    assert codes(approved_product()) == []


def test_product_without_approved_first_time_file_is_blocked():
    product = ProductFactory()
    assert codes(product) == ["product_not_approved"]
    approval = approve(product)
    approval.status = ApprovalStatus.QUALITY_APPROVED
    approval.save()
    product.refresh_from_db()
    assert codes(product) == ["product_not_approved"]


def test_stopped_product_is_blocked_with_its_reason():
    product = approved_product(is_stopped=True, stop_reason="质量可疑")
    blockers = product.trade_blockers(today())
    assert [b.code for b in blockers] == ["product_stopped"]
    assert "质量可疑" in blockers[0].message


def test_expired_registration_blocks_and_names_number_and_date():
    product = approved_product(
        registration_valid_until=today() - datetime.timedelta(days=1),
        registration_number="国械注准20153150777",
    )
    blockers = product.trade_blockers(today())
    assert [b.code for b in blockers] == ["registration_expired"]
    assert "国械注准20153150777" in blockers[0].message
    assert (today() - datetime.timedelta(days=1)).isoformat() in blockers[0].message


def test_registration_is_valid_on_its_last_day():
    product = approved_product(registration_valid_until=today())
    assert codes(product) == []
    assert codes(product, today() + datetime.timedelta(days=1)) == ["registration_expired"]


def test_every_reason_is_listed():
    product = ProductFactory(
        is_stopped=True,
        stop_reason="召回",
        registration_valid_until=today() - datetime.timedelta(days=10),
    )
    assert sorted(codes(product)) == [
        "product_not_approved",
        "product_stopped",
        "registration_expired",
    ]
