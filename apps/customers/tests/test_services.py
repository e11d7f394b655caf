"""The customers services: full validation before saving, and the licence entry rules."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from apps.core.exceptions import DomainError
from apps.core.models import DeviceClass, LicenceType, today
from apps.customers.models import Customer, CustomerClass, CustomerLicence
from apps.customers.services import (
    customer_class_create,
    customer_create,
    customer_licence_create,
    customer_licence_update,
    customer_update,
)

from .factories import CustomerFactory, CustomerLicenceFactory, make_category

pytestmark = pytest.mark.django_db


@pytest.fixture
def sales(make_user):
    return make_user("sales")


def test_customer_create_validates_before_saving(sales):
    customer = CustomerFactory.build(unified_social_credit_code="91310000MA1FL0000X")

    with pytest.raises(ValidationError) as excinfo:
        customer_create(user=sales, instance=customer)

    assert "unified_social_credit_code" in excinfo.value.message_dict
    assert not Customer.objects.exists()


def test_customer_update_keeps_receivables_from_the_database(sales):
    customer = CustomerFactory()
    Customer.objects.filter(pk=customer.pk).update(receivables=123)
    customer.receivables = 0
    customer.contact_person = "新联系人"

    customer_update(user=sales, instance=customer)

    customer.refresh_from_db()
    assert customer.receivables == 123
    assert customer.contact_person == "新联系人"


def test_customer_class_create_refuses_duplicates(sales):
    customer_class_create(user=sales, instance=CustomerClass(code="A", name="甲"))

    with pytest.raises(ValidationError):
        customer_class_create(user=sales, instance=CustomerClass(code="A", name="乙"))
    assert CustomerClass.objects.count() == 1


def test_licence_create_sets_scope(sales):
    category = make_category()
    licence = CustomerLicence(
        customer=CustomerFactory(),
        licence_type=LicenceType.DEVICE_FILING,
        number=" 沪浦药监械经营备20200001号 ",
        holder="某药房",
        issued_on=today() - datetime.timedelta(days=1),
        valid_until=today() + datetime.timedelta(days=100),
        scope_classes=[DeviceClass.CLASS_II],
    )

    customer_licence_create(user=sales, instance=licence, scope_categories=[category])

    licence.refresh_from_db()
    assert licence.number == "沪浦药监械经营备20200001号"
    assert list(licence.scope_categories.all()) == [category]


def test_licence_create_refuses_expired_licence(sales):
    expired = today() - datetime.timedelta(days=1)
    licence = CustomerLicence(
        customer=CustomerFactory(),
        licence_type=LicenceType.DRUG_OPERATING,
        number="沪AA0210001",
        holder="某药房",
        issued_on=today() - datetime.timedelta(days=400),
        valid_until=expired,
    )

    with pytest.raises(DomainError) as excinfo:
        customer_licence_create(user=sales, instance=licence)

    assert excinfo.value.field == "valid_until"
    assert expired.isoformat() in excinfo.value.messages[0]
    assert not CustomerLicence.objects.exists()


def test_an_expired_licence_on_file_can_still_be_corrected(sales):
    licence = CustomerLicenceFactory(
        licence_type=LicenceType.DRUG_OPERATING,
        number="沪AA0210001",
        issued_on=today() - datetime.timedelta(days=400),
        valid_until=today() - datetime.timedelta(days=1),
    )
    licence.note = "已催换证"

    customer_licence_update(user=sales, instance=licence)

    licence.refresh_from_db()
    assert licence.note == "已催换证"


def test_licence_cannot_move_to_another_customer(sales):
    licence = CustomerLicenceFactory()
    licence.customer = CustomerFactory()

    with pytest.raises(DomainError):
        customer_licence_update(user=sales, instance=licence)
    assert CustomerLicence.objects.get().customer_id != licence.customer_id


def test_licence_duplicate_number_for_same_customer_is_refused(sales):
    existing = CustomerLicenceFactory()
    again = CustomerLicence(
        customer=existing.customer,
        licence_type=existing.licence_type,
        number=existing.number,
        holder=existing.holder,
        issued_on=existing.issued_on,
    )

    with pytest.raises(ValidationError) as excinfo:
        customer_licence_create(user=sales, instance=again)

    assert "This customer already has this licence." in str(excinfo.value)
