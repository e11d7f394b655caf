"""Fixtures for the core tests: catalog objects (through the catalog factories), English pages."""

from decimal import Decimal

import pytest
from django.utils import translation

from apps.catalog.models import Category, Manufacturer, Product, ProductFirstApproval
from apps.catalog.tests.factories import (
    CategoryFactory,
    ManufacturerFactory,
    ProductFactory,
    device_registration,
)
from apps.core.models import ApprovalStatus, DeviceClass


@pytest.fixture(autouse=True)
def _english_messages():
    """Messages built outside requests are compared with the English source strings."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2 costs ~0.5 s per user created; these tests are not about hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def english(settings):
    """Pages rendered in English, so assertions can quote the source strings."""
    settings.LANGUAGE_CODE = "en"
    return {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def make_category(db):
    def _make(code: str, name: str = "", parent: Category | None = None) -> Category:
        if parent is None and "-" in code:
            parent = Category.objects.get(code=code.rsplit("-", 1)[0])
        return CategoryFactory(code=code, name=name or f"类别{code}", parent=parent)

    return _make


@pytest.fixture
def manufacturer(db) -> Manufacturer:
    return ManufacturerFactory(code="M001", name="示例医疗器械制造有限公司")


@pytest.fixture
def make_product(db, manufacturer):
    """A device product; `approved=True` also gives it an approved first-time file."""
    counter = iter(range(1, 10_000))

    def _make(
        category: Category,
        device_class: int = DeviceClass.CLASS_III,
        name: str = "一次性使用无菌注射器",
        approved: bool = True,
        **fields,
    ) -> Product:
        number = next(counter)
        values = {
            "code": f"P{number:04d}",
            "name": name,
            "generic_name": "",
            "spec": "5ml",
            "unit": "支",
            **device_registration(device_class, valid_days=1000),
            "device_class": device_class,
            "category": category,
            "manufacturer": manufacturer,
            "national_wholesale_price": Decimal("1.20"),
            "retail_price": None,
        }
        values.update(fields)
        product = ProductFactory(**values)
        if approved:
            ProductFirstApproval.objects.create(product=product, status=ApprovalStatus.APPROVED)
        return product

    return _make
