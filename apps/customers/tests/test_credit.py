"""Only finance and managers (customers.change_credit_customer) change credit limits,
whichever path they take: the customer form, finance's credit page or the services."""

from decimal import Decimal

import pytest
from django.urls import reverse

from apps.core.exceptions import PermissionDeniedError
from apps.customers.forms import CustomerForm
from apps.customers.models import Customer
from apps.customers.services import customer_create, customer_set_credit, customer_update

from .factories import CustomerFactory
from .helpers import customer_post_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer():
    return CustomerFactory(credit_limit=Decimal("10000.00"))


def test_sales_tampered_credit_limit_post_is_ignored(role_client, customer):
    client = role_client("sales")
    url = reverse("customers:customer_update", args=[customer.pk])

    response = client.post(
        url, customer_post_data(customer, credit_limit="999999", contact_person="赵强")
    )

    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.contact_person == "赵强"
    assert customer.credit_limit == Decimal("10000.00")


def test_sales_sees_credit_limit_disabled(role_client, customer):
    response = role_client("sales").get(reverse("customers:customer_update", args=[customer.pk]))

    assert response.context["form"].fields["credit_limit"].disabled
    assert "Only finance or a manager can change the credit limit." in response.content.decode()


def test_sales_creating_a_customer_cannot_set_a_credit_limit(role_client):
    client = role_client("sales")

    response = client.post(
        reverse("customers:customer_create"), customer_post_data(credit_limit=5000)
    )

    assert response.status_code == 302
    assert Customer.objects.get(code="H0001").credit_limit == 0


def test_sales_cannot_change_credit_limit_through_the_service(make_user, customer):
    sales = make_user("sales")
    customer.credit_limit = Decimal("50000")

    with pytest.raises(PermissionDeniedError) as excinfo:
        customer_update(user=sales, instance=customer)

    assert excinfo.value.field == "credit_limit"
    assert "10000.00" in str(excinfo.value)
    customer.refresh_from_db()
    assert customer.credit_limit == Decimal("10000.00")


def test_sales_cannot_create_with_credit_limit_through_the_service(make_user):
    sales = make_user("sales")
    new = CustomerFactory.build(credit_limit=Decimal("100"))

    with pytest.raises(PermissionDeniedError):
        customer_create(user=sales, instance=new)

    assert not Customer.objects.filter(code=new.code).exists()


def test_sales_may_change_other_fields_through_the_service(make_user, customer):
    customer.payment_terms_days = 45

    customer_update(user=make_user("sales"), instance=customer)

    customer.refresh_from_db()
    assert customer.payment_terms_days == 45


def test_sales_cannot_use_the_credit_service(make_user, customer):
    with pytest.raises(PermissionDeniedError):
        customer_set_credit(user=make_user("sales"), customer=customer, credit_limit=Decimal(1))
    customer.refresh_from_db()
    assert customer.credit_limit == Decimal("10000.00")


def test_manager_changes_credit_limit_in_the_customer_form(role_client, customer):
    client = role_client("manager")

    response = client.post(
        reverse("customers:customer_update", args=[customer.pk]),
        customer_post_data(customer, credit_limit="25000.50"),
    )

    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.credit_limit == Decimal("25000.50")


@pytest.mark.parametrize("role", ["finance", "manager"])
def test_finance_and_manager_change_credit_in_the_service(make_user, customer, role):
    customer.credit_limit = Decimal("30000")

    customer_update(user=make_user(role), instance=customer)

    customer.refresh_from_db()
    assert customer.credit_limit == Decimal("30000")


def test_finance_sets_credit_on_the_credit_page(role_client, customer):
    client = role_client("finance")
    url = reverse("customers:customer_credit_edit", args=[customer.pk])

    assert client.get(url).status_code == 200
    response = client.post(url, {"credit_limit": "80000", "payment_terms_days": "60"})

    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.credit_limit == Decimal("80000")


def test_finance_cannot_edit_the_rest_of_the_customer(role_client, customer):
    client = role_client("finance")

    assert client.get(reverse("customers:customer_update", args=[customer.pk])).status_code == 403


def test_credit_page_refuses_negative_limit(role_client, customer):
    client = role_client("finance")
    url = reverse("customers:customer_credit_edit", args=[customer.pk])

    response = client.post(url, {"credit_limit": "-1", "payment_terms_days": "60"})

    assert response.status_code == 200
    assert "The credit limit cannot be negative (-1)." in response.content.decode()
    customer.refresh_from_db()
    assert customer.credit_limit == Decimal("10000.00")


@pytest.mark.parametrize("role", ["sales", "auditor", "keeper"])
def test_others_cannot_open_the_credit_page(role_client, customer, role):
    url = reverse("customers:customer_credit_edit", args=[customer.pk])

    assert role_client(role).get(url).status_code == 403


def test_form_without_user_disables_credit_limit():
    assert CustomerForm().fields["credit_limit"].disabled


def test_inactive_user_with_permission_cannot_change_credit(make_user, customer):
    finance = make_user("finance")
    finance.is_active = False
    finance.save()
    customer.credit_limit = Decimal("1")

    with pytest.raises(PermissionDeniedError):
        customer_update(user=finance, instance=customer)
