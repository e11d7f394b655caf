"""Bad input on the customer, class and licence forms: a specific message, nothing saved."""

import datetime

import pytest
from django.urls import reverse

from apps.core.models import DeviceClass, LicenceType, today
from apps.customers.forms import CustomerClassForm, CustomerForm, CustomerLicenceForm
from apps.customers.models import Customer, CustomerLicence

from .factories import (
    CustomerClassFactory,
    CustomerFactory,
    CustomerLicenceFactory,
    make_category,
)
from .helpers import customer_post_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(make_user):
    return make_user("manager")


def customer_form(user, **overrides):
    return CustomerForm(data=customer_post_data(**overrides), user=user)


def test_valid_customer_form_saves_normalised_codes(manager):
    form = customer_form(manager, code=" h0001 ", unified_social_credit_code="123100004250107128 ")

    assert form.is_valid(), form.errors
    customer = form.save()
    assert customer.code == "H0001"
    assert customer.mnemonic == "shsdfyy"


def test_missing_code_is_refused(manager):
    form = customer_form(manager, code="  ")

    assert not form.is_valid()
    assert form.errors["code"] == ["This field is required."]


def test_duplicate_code_is_refused(manager):
    CustomerFactory(code="H0001")

    form = customer_form(manager)

    assert not form.is_valid()
    assert "already exists" in form.errors["code"][0]


def test_duplicate_credit_code_is_refused(manager):
    CustomerFactory(unified_social_credit_code="123100004250107128")

    form = customer_form(manager)

    assert not form.is_valid()
    assert "already exists" in form.errors["unified_social_credit_code"][0]


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("123100004250107129", "Unified social credit code 123100004250107129 fails its check"),
        ("12310000425010712", "A unified social credit code has 18 digits or capital letters"),
        ("1231000042501071I8", "A unified social credit code has 18 digits or capital letters"),
    ],
)
def test_malformed_credit_code_is_refused(manager, code, message):
    form = customer_form(manager, unified_social_credit_code=code)

    assert not form.is_valid()
    assert form.errors["unified_social_credit_code"][0].startswith(message)


def test_negative_credit_limit_is_refused(manager):
    form = customer_form(manager, credit_limit="-0.01")

    assert not form.is_valid()
    assert form.errors["credit_limit"] == ["The credit limit cannot be negative (-0.01)."]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("customer_type", "clinic", "Select a valid choice. clinic is not one of the"),
        ("customer_class", "999999", "Select a valid choice. That choice is not one of"),
        ("payment_terms_days", "-5", "Ensure this value is greater than or equal to 0."),
        ("min_shelf_life_days", "abc", "Enter a whole number."),
        ("phone", "call me", "Enter a telephone number"),
    ],
)
def test_bad_values_are_refused(manager, field, value, message):
    form = customer_form(manager, **{field: value})

    assert not form.is_valid()
    assert form.errors[field][0].startswith(message)


def test_customer_class_form_refuses_duplicate_code():
    CustomerClassFactory(code="A", name="甲类医院")

    form = CustomerClassForm(data={"code": "a", "name": "另一类"})

    assert not form.is_valid()
    assert "already exists" in form.errors["code"][0]


def test_bad_create_post_saves_nothing(role_client):
    client = role_client("sales")

    response = client.post(
        reverse("customers:customer_create"),
        customer_post_data(unified_social_credit_code="123100004250107129"),
    )

    assert response.status_code == 200
    assert "fails its check character" in response.content.decode()
    assert not Customer.objects.exists()


# licences ------------------------------------------------------------------------


def licence_data(**overrides):
    data = {
        "licence_type": LicenceType.DEVICE_OPERATING,
        "number": "沪药监械经营许20200001号",
        "holder": "上海市东方医院",
        "issuing_authority": "上海市药品监督管理局",
        "issued_on": (today() - datetime.timedelta(days=100)).isoformat(),
        "valid_until": (today() + datetime.timedelta(days=1000)).isoformat(),
        "scope_classes": [str(DeviceClass.CLASS_III)],
        "scope_categories": [],
        "drug_scope": "",
        "note": "",
    }
    data.update(overrides)
    return data


def licence_form(customer, **overrides):
    return CustomerLicenceForm(
        data=licence_data(**overrides), instance=CustomerLicence(customer=customer)
    )


def test_valid_licence_form(manager):
    customer = CustomerFactory()
    category = make_category()

    form = licence_form(customer, scope_categories=[str(category.pk)])

    assert form.is_valid(), form.errors


def test_new_licence_form_defaults_holder_to_customer_name():
    customer = CustomerFactory(name="上海市第六人民医院")

    form = CustomerLicenceForm(instance=CustomerLicence(customer=customer))

    assert form.initial["holder"] == "上海市第六人民医院"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"valid_until": (today() - datetime.timedelta(days=1)).isoformat()},
            "valid_until",
            "This licence expired on",
        ),
        (
            {
                "issued_on": (today() - datetime.timedelta(days=10)).isoformat(),
                "valid_until": (today() - datetime.timedelta(days=20)).isoformat(),
            },
            "valid_until",
            "This licence expired on",
        ),
        (
            {"issued_on": (today() + datetime.timedelta(days=5)).isoformat()},
            "issued_on",
            "The issue date",
        ),
        ({"number": "沪械经营20200001"}, "number", "沪械经营20200001 is not a valid number"),
        ({"scope_classes": ["2"]}, "scope_classes", "A Medical device operating licence"),
        ({"valid_until": ""}, "valid_until", "Only a business licence may be long-term"),
        ({"scope_categories": ["999999"]}, "scope_categories", "Select a valid choice."),
    ],
)
def test_bad_licence_input_is_refused(overrides, field, message):
    form = licence_form(CustomerFactory(), **overrides)

    assert not form.is_valid()
    assert form.errors[field][0].startswith(message), form.errors


def test_dates_out_of_order_on_an_existing_licence(manager):
    customer = CustomerFactory()
    licence = CustomerLicenceFactory(
        customer=customer,
        licence_type=LicenceType.DRUG_OPERATING,
        number="沪AA0210001",
        issued_on=today() - datetime.timedelta(days=10),
        valid_until=today() + datetime.timedelta(days=10),
    )
    data = licence_data(
        licence_type=LicenceType.DRUG_OPERATING,
        number="沪AA0210001",
        scope_classes=[],
        issued_on=(today() - datetime.timedelta(days=5)).isoformat(),
        valid_until=(today() - datetime.timedelta(days=6)).isoformat(),
    )

    form = CustomerLicenceForm(data=data, instance=licence)

    assert not form.is_valid()
    assert form.errors["valid_until"][0].startswith("The expiry date")
