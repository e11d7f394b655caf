"""The admin uses the same forms and services: credit permission and licence rules hold."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.core.models import LicenceType, today
from apps.customers.models import Customer, CustomerLicence

from .factories import CustomerClassFactory, CustomerFactory, CustomerLicenceFactory
from .helpers import customer_post_data

pytestmark = pytest.mark.django_db


def inline_management(total=0, initial=0, prefix="licences"):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def admin_customer_data(customer=None, **overrides):
    data = customer_post_data(customer, **overrides)
    data.update(inline_management())
    return data


@pytest.fixture
def staff_sales(client, make_user):
    user = make_user("sales")
    user.is_staff = True
    user.save()
    client.force_login(user)
    return client


def test_admin_pages_open(admin_client):
    customer = CustomerFactory(customer_class=CustomerClassFactory())
    licence = CustomerLicenceFactory(customer=customer)
    urls = [
        reverse("admin:customers_customer_changelist"),
        reverse("admin:customers_customer_add"),
        reverse("admin:customers_customer_change", args=[customer.pk]),
        reverse("admin:customers_customer_history", args=[customer.pk]),
        reverse("admin:customers_customer_import"),
        reverse("admin:customers_customerlicence_changelist"),
        reverse("admin:customers_customerlicence_change", args=[licence.pk]),
        reverse("admin:customers_customerclass_changelist"),
    ]
    for url in urls:
        assert admin_client.get(url).status_code == 200, url


def test_admin_creates_customer_with_licence_through_services(admin_client):
    issued = today() - datetime.timedelta(days=30)
    data = admin_customer_data(credit_limit="1000")
    data.update(inline_management(total=1))
    data.update(
        {
            "licences-0-licence_type": LicenceType.BUSINESS,
            "licences-0-number": "123100004250107128",
            "licences-0-holder": "上海市东方医院",
            "licences-0-issued_on": issued.isoformat(),
            "licences-0-valid_until": "",
        }
    )

    response = admin_client.post(reverse("admin:customers_customer_add"), data)

    assert response.status_code == 302, response.context["errors"] if response.context else ""
    customer = Customer.objects.get(code="H0001")
    assert customer.credit_limit == Decimal("1000")
    assert customer.licences.get().issued_on == issued


def test_admin_refuses_expired_licence_in_inline(admin_client):
    customer = CustomerFactory()
    data = admin_customer_data(customer)
    data.update(inline_management(total=1))
    data.update(
        {
            "licences-0-licence_type": LicenceType.BUSINESS,
            "licences-0-number": customer.unified_social_credit_code,
            "licences-0-holder": customer.name,
            "licences-0-issued_on": (today() - datetime.timedelta(days=400)).isoformat(),
            "licences-0-valid_until": (today() - datetime.timedelta(days=1)).isoformat(),
        }
    )

    response = admin_client.post(
        reverse("admin:customers_customer_change", args=[customer.pk]), data
    )

    assert response.status_code == 200
    assert "This licence expired on" in response.content.decode()
    assert not CustomerLicence.objects.exists()


def test_admin_credit_limit_is_disabled_for_staff_without_permission(staff_sales):
    customer = CustomerFactory(credit_limit=Decimal("500"))
    url = reverse("admin:customers_customer_change", args=[customer.pk])

    form = staff_sales.get(url).context["adminform"].form
    assert form.fields["credit_limit"].disabled

    response = staff_sales.post(url, admin_customer_data(customer, credit_limit="99999", note="改"))

    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.note == "改"
    assert customer.credit_limit == Decimal("500")
