"""Factories for customers, their classes and licences, plus shortcuts for the few catalog
objects the customer tests need (built with the catalog factories)."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

import factory

from apps.catalog.models import Category, Manufacturer, Product, ProductFirstApproval, ProductKind
from apps.catalog.tests.factories import (
    CategoryFactory,
    ManufacturerFactory,
    ProductFactory,
    device_registration,
)
from apps.core.models import ApprovalStatus, DeviceClass, LicenceType, today
from apps.core.tests.factories import make_uscc
from apps.customers.models import Customer, CustomerClass, CustomerLicence, CustomerType

ISSUED = datetime.timedelta(days=365)
VALID = datetime.timedelta(days=3 * 365)


class CustomerClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerClass
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"CLS{n:03d}")
    name = factory.Sequence(lambda n: f"客户类别{n:03d}")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    code = factory.Sequence(lambda n: f"K{n:04d}")
    name = factory.Sequence(lambda n: f"上海市第{n}医疗机构")
    customer_type = CustomerType.HOSPITAL
    unified_social_credit_code = factory.Sequence(lambda n: make_uscc(500_000 + n))
    address = "上海市浦东新区张江路100号"
    contact_person = "王敏"
    phone = "021-58881234"
    credit_limit = Decimal("0")
    payment_terms_days = 60


class CustomerLicenceFactory(factory.django.DjangoModelFactory):
    """A long-term business licence by default; pass licence_type/number/scope for others.

    `scope_categories` takes a list of Category objects."""

    class Meta:
        model = CustomerLicence
        skip_postgeneration_save = True

    customer = factory.SubFactory(CustomerFactory)
    licence_type = LicenceType.BUSINESS
    number = factory.LazyAttribute(lambda o: o.customer.unified_social_credit_code)
    holder = factory.LazyAttribute(lambda o: o.customer.name)
    issued_on = factory.LazyFunction(lambda: today() - ISSUED)
    valid_until = None
    scope_classes = factory.LazyFunction(list)

    @factory.post_generation
    def scope_categories(self, create, extracted, **kwargs):
        if create and extracted:
            self.scope_categories.set(extracted)


_numbers = itertools.count(1)


def _licence(customer, licence_type, number, classes=(), categories=(), **fields):
    return CustomerLicenceFactory(
        customer=customer,
        licence_type=licence_type,
        number=number,
        valid_until=fields.pop("valid_until", today() + VALID),
        scope_classes=list(classes),
        scope_categories=list(categories),
        **fields,
    )


def tradeable_customer(kind: str = CustomerType.HOSPITAL, categories=(), **fields) -> Customer:
    """A customer with a valid business licence and the operating licences its kind needs:

    - hospital: a medical institution practice licence (covers every device and drug);
    - distributor: Class III operating licence and Class II filing covering `categories`;
    - pharmacy: Class II filing covering `categories` and a drug operating licence;
    - other: the business licence only.
    """
    customer = CustomerFactory(customer_type=kind, **fields)
    CustomerLicenceFactory(customer=customer)
    seq = next(_numbers)
    if kind == CustomerType.HOSPITAL:
        _licence(customer, LicenceType.MEDICAL_INSTITUTION, f"PDY{seq:05d}31011512A1001")
    elif kind == CustomerType.DISTRIBUTOR:
        _licence(
            customer,
            LicenceType.DEVICE_OPERATING,
            f"沪药监械经营许2020{seq:04d}号",
            classes=[DeviceClass.CLASS_III],
            categories=categories,
        )
        _licence(
            customer,
            LicenceType.DEVICE_FILING,
            f"沪浦药监械经营备2020{seq:04d}号",
            classes=[DeviceClass.CLASS_II],
            categories=categories,
        )
    elif kind == CustomerType.PHARMACY:
        _licence(
            customer,
            LicenceType.DEVICE_FILING,
            f"沪徐药监械经营备2021{seq:04d}号",
            classes=[DeviceClass.CLASS_II],
            categories=categories,
        )
        _licence(customer, LicenceType.DRUG_OPERATING, f"沪AA{seq:07d}")
    return customer


# catalog objects -------------------------------------------------------------------


def make_category(code: str = "6815", name: str = "注射穿刺器械") -> Category:
    return Category.objects.filter(code=code).first() or CategoryFactory(code=code, name=name)


_products = itertools.count(1)


def make_product(
    category: Category | None = None,
    device_class: int | None = DeviceClass.CLASS_III,
    kind: str = ProductKind.DEVICE,
    approved: bool = True,
    **fields,
) -> Product:
    """A valid product with an approved first-time file (unless `approved=False`)."""
    number = next(_products)
    manufacturer = Manufacturer.objects.filter(code="M-CUST").first() or ManufacturerFactory(
        code="M-CUST", name="客户测试医疗器械制造有限公司"
    )
    is_device = kind == ProductKind.DEVICE
    values = {
        "code": f"CP{number:05d}",
        "name": "一次性使用无菌注射器" if is_device else "阿莫西林胶囊",
        "generic_name": "",
        "spec": "5ml" if is_device else "0.25g*24粒",
        "kind": kind,
        "unit": "支" if is_device else "盒",
        **(
            device_registration(device_class, valid_days=VALID.days)
            if is_device
            else {"registration_number": "国药准字H20000001", "registration_valid_until": None}
        ),
        "device_class": device_class if is_device else None,
        "category": category or make_category(),
        "manufacturer": manufacturer,
        "national_wholesale_price": Decimal("1.20"),
        "retail_price": None,
    }
    values.update(fields)
    product = ProductFactory(**values)
    if approved:
        ProductFirstApproval.objects.create(product=product, status=ApprovalStatus.APPROVED)
    return product
