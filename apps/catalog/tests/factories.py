"""Factories for catalog objects. Every factory builds a record that passes full_clean()."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from django.contrib.auth.models import User
from django.utils import timezone

from apps.catalog.models import (
    Category,
    Manufacturer,
    ManufacturerLicence,
    Product,
    ProductFirstApproval,
    ProductKind,
)
from apps.core.models import ApprovalStatus, DeviceClass, LicenceType, today
from apps.core.tests.factories import CleanFactory, user_with_role


class CategoryFactory(CleanFactory):
    class Meta:
        model = Category

    # 6800-00, 6800-01, ...: catalogue-shaped codes that never collide.
    code = factory.Sequence(lambda n: f"68{n // 100 % 100:02d}-{n % 100:02d}")
    name = factory.Sequence(lambda n: f"医用器械类别{n}")
    kind = ProductKind.DEVICE


class ManufacturerFactory(CleanFactory):
    class Meta:
        model = Manufacturer

    code = factory.Sequence(lambda n: f"M{n:04d}")
    name = factory.Sequence(lambda n: f"上海示例医疗器械制造有限公司{n}")
    country = "中国"
    contact_person = "王工"
    phone = "021-12345678"


class ManufacturerLicenceFactory(CleanFactory):
    class Meta:
        model = ManufacturerLicence

    manufacturer = factory.SubFactory(ManufacturerFactory)
    licence_type = LicenceType.DEVICE_PRODUCTION
    number = factory.Sequence(lambda n: f"沪药监械生产许2015{n:04d}号")
    holder = factory.LazyAttribute(lambda o: o.manufacturer.name)
    issued_on = factory.LazyFunction(lambda: today() - datetime.timedelta(days=365))
    valid_until = factory.LazyFunction(lambda: today() + datetime.timedelta(days=3 * 365))
    scope_classes = factory.LazyFunction(lambda: [DeviceClass.CLASS_II, DeviceClass.CLASS_III])


class ProductFactory(CleanFactory):
    """A Class III device with a valid registration (no first-time approval yet)."""

    class Meta:
        model = Product

    code = factory.Sequence(lambda n: f"P{n:05d}")
    name = factory.Sequence(lambda n: f"医用导管{n}")
    generic_name = factory.LazyAttribute(lambda o: o.name)
    spec = "Fr16"
    kind = ProductKind.DEVICE
    unit = "支"
    registration_number = factory.Sequence(lambda n: f"国械注准2015315{n % 10000:04d}")
    registration_valid_until = factory.LazyFunction(
        lambda: today() + datetime.timedelta(days=3 * 365)
    )
    device_class = DeviceClass.CLASS_III
    category = factory.SubFactory(CategoryFactory)
    manufacturer = factory.SubFactory(ManufacturerFactory)
    shelf_life_months = 36
    national_wholesale_price = Decimal("12.50")
    retail_price = Decimal("15.00")
    tax_rate = Decimal("13")


def device_registration(device_class: int | None, valid_days: int) -> dict:
    """Registration fields of a device product: a Class I filing (备案) has no expiry date,
    a Class II/III registration certificate is valid for `valid_days`."""
    if device_class == DeviceClass.CLASS_I:
        return {"registration_number": "沪浦械备20190012号", "registration_valid_until": None}
    return {
        "registration_number": "国械注准20153150123",
        "registration_valid_until": today() + datetime.timedelta(days=valid_days),
    }


class ProductFirstApprovalFactory(CleanFactory):
    """A draft approval; pass status=... and the users for later steps."""

    class Meta:
        model = ProductFirstApproval

    product = factory.SubFactory(ProductFactory)
    status = ApprovalStatus.DRAFT


def _signer(role: str) -> User:
    username = f"approval_{role}"
    return User.objects.filter(username=username).first() or user_with_role(role, username)


def approve(product: Product) -> ProductFirstApproval:
    """Give `product` an approved first-time file (as if the three roles had signed)."""
    now = timezone.now()
    approval, _created = ProductFirstApproval.objects.get_or_create(product=product)
    approval.status = ApprovalStatus.APPROVED
    approval.submitted_by = _signer("purchaser")
    approval.quality_by = _signer("quality_manager")
    approval.manager_by = _signer("manager")
    approval.submitted_at = approval.quality_at = approval.manager_at = now
    approval.full_clean()
    approval.save()
    product.first_approval = approval
    return approval


def approved_product(**kwargs) -> Product:
    """A product that may be traded: valid registration and an approved first-time file."""
    product = ProductFactory(**kwargs)
    approve(product)
    return product
