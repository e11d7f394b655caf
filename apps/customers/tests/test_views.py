"""Staff pages of customers: permissions, list (search, filters, red rows, query count),
detail (trade status, licences, credit, shelf life, product check), licences, dashboard."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.core.models import CompanySettings, DeviceClass, LicenceType, today
from apps.core.tests.factories import licensed_company
from apps.customers.models import Customer, CustomerClass, CustomerLicence, CustomerType

from .factories import (
    CustomerClassFactory,
    CustomerFactory,
    CustomerLicenceFactory,
    make_category,
    make_product,
    tradeable_customer,
)
from .helpers import customer_post_data

pytestmark = pytest.mark.django_db

LIST = reverse("customers:customer_list")
CREATE = reverse("customers:customer_create")


# permissions -----------------------------------------------------------------------


def test_sales_can_add_a_customer(role_client):
    client = role_client("sales")

    assert client.get(CREATE).status_code == 200
    response = client.post(CREATE, customer_post_data())

    customer = Customer.objects.get(code="H0001")
    assert response["Location"] == reverse("customers:customer_detail", args=[customer.pk])
    assert customer.history.first().history_user == client.user


def test_keeper_gets_403_on_create(role_client):
    client = role_client("keeper")

    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, customer_post_data()).status_code == 403
    assert not Customer.objects.exists()


def test_anonymous_is_sent_to_login(client):
    customer = CustomerFactory()
    for url in (LIST, CREATE, reverse("customers:customer_detail", args=[customer.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_auditor_reads_but_cannot_write(role_client):
    customer = CustomerFactory()
    licence = CustomerLicenceFactory(customer=customer)
    client = role_client("auditor")

    assert client.get(LIST).status_code == 200
    detail = client.get(reverse("customers:customer_detail", args=[customer.pk]))
    assert detail.status_code == 200
    assert reverse("customers:customer_update", args=[customer.pk]) not in detail.content.decode()
    assert client.get(reverse("customers:customer_history", args=[customer.pk])).status_code == 200
    assert (
        client.get(reverse("customers:customerlicence_detail", args=[licence.pk])).status_code
        == 200
    )
    for url in (
        CREATE,
        reverse("customers:customer_update", args=[customer.pk]),
        reverse("customers:customer_import"),
        reverse("customers:customerlicence_create", args=[customer.pk]),
        reverse("customers:customerlicence_update", args=[licence.pk]),
        reverse("customers:customerlicence_import"),
        reverse("customers:customerclass_create"),
    ):
        assert client.get(url).status_code == 403, url
    response = client.post(
        reverse("customers:customer_update", args=[customer.pk]),
        customer_post_data(customer, name="改名医院"),
    )
    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.name != "改名医院"


def test_sales_cannot_create_customer_classes(role_client):
    client = role_client("sales")

    assert client.get(reverse("customers:customerclass_list")).status_code == 200
    assert client.get(reverse("customers:customerclass_create")).status_code == 403


def test_manager_creates_a_customer_class(role_client):
    client = role_client("manager")

    response = client.post(
        reverse("customers:customerclass_create"), {"code": "a1", "name": "三甲医院"}
    )

    assert response.status_code == 302
    assert CustomerClass.objects.get(code="A1").name == "三甲医院"


# list ------------------------------------------------------------------------------


def _customers_with_licences(count: int):
    klass = CustomerClassFactory()
    for _ in range(count):
        customer = CustomerFactory(customer_class=klass)
        CustomerLicenceFactory(customer=customer)
        CustomerLicenceFactory(
            customer=customer,
            licence_type=LicenceType.MEDICAL_INSTITUTION,
            number=f"PDY{customer.pk:06d}310115",
            valid_until=today() + datetime.timedelta(days=400),
            scope_categories=[make_category()],
        )


def test_list_query_count_does_not_grow_with_customers(role_client, django_assert_num_queries):
    client = role_client("sales")
    _customers_with_licences(5)
    client.get(LIST)  # warm per-process caches (content types)
    with CaptureQueriesContext(connection) as small:
        assert client.get(LIST).content.decode().count('data-customer="') == 5
    _customers_with_licences(20)

    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(LIST)

    assert response.content.decode().count('data-customer="') == 25


def test_list_search_by_mnemonic_credit_code_and_contact(role_client):
    east = CustomerFactory(name="上海市东方医院", contact_person="周文")
    CustomerFactory(name="华山医院", contact_person="陈红")
    client = role_client("sales")

    for term in ("dfyy", east.unified_social_credit_code, "周文", east.code.lower()):
        content = client.get(LIST, {"q": term}).content.decode()
        assert f'data-customer="{east.code}"' in content, term
        assert "华山医院" not in content, term


def test_list_filters_by_type_class_and_active(role_client):
    klass = CustomerClassFactory(name="连锁药房")
    pharmacy = CustomerFactory(customer_type=CustomerType.PHARMACY, customer_class=klass)
    hospital = CustomerFactory(customer_type=CustomerType.HOSPITAL)
    inactive = CustomerFactory(customer_type=CustomerType.HOSPITAL, is_active=False)
    client = role_client("sales")

    def shown(params):
        content = client.get(LIST, params).content.decode()
        return {
            c.code for c in (pharmacy, hospital, inactive) if f'data-customer="{c.code}"' in content
        }

    assert shown({"customer_type": "pharmacy"}) == {pharmacy.code}
    assert shown({"customer_class": klass.pk}) == {pharmacy.code}
    assert shown({"is_active": "false"}) == {inactive.code}
    assert shown({"customer_type": "hospital", "is_active": "true"}) == {hospital.code}


def test_list_marks_customers_with_expired_licences_red(role_client):
    ok = CustomerFactory()
    CustomerLicenceFactory(customer=ok)
    lapsed = CustomerFactory()
    CustomerLicenceFactory(
        customer=lapsed,
        licence_type=LicenceType.MEDICAL_INSTITUTION,
        number="PDY00001310115",
        issued_on=today() - datetime.timedelta(days=900),
        valid_until=today() - datetime.timedelta(days=1),
    )
    content = role_client("sales").get(LIST).content.decode()

    pattern = r'<tr class="([^"]*)" data-customer="([^"]+)"'
    rows = {code: css.split() for css, code in re.findall(pattern, content)}
    assert "licence-expired" in rows[lapsed.code]
    assert "licence-expired" not in rows[ok.code]


def test_list_exports_to_excel(role_client):
    CustomerFactory(name="上海市东方医院")

    response = role_client("sales").get(LIST, {"_export": "xlsx"})

    assert response.status_code == 200
    assert response.content[:2] == b"PK"


# detail ----------------------------------------------------------------------------


@pytest.fixture
def syringes():
    return make_category("6815", "注射穿刺器械")


def detail(client, customer, **params):
    return client.get(reverse("customers:customer_detail", args=[customer.pk]), params)


def test_detail_trade_status_lists_reasons(role_client):
    customer = CustomerFactory()
    business = CustomerLicenceFactory(
        customer=customer,
        issued_on=today() - datetime.timedelta(days=900),
        valid_until=today() - datetime.timedelta(days=2),
    )

    content = detail(role_client("sales"), customer).content.decode()

    box = content.split('id="trade-status"', 1)[1].split("</div>", 1)[0]
    assert "alert-danger" in content.split('id="trade-status"', 1)[0].rsplit("<div", 1)[1] + box
    assert f"<li>{customer.name}: Business licence {business.number} expired on" in box
    assert (today() - datetime.timedelta(days=2)).isoformat() in box


def test_detail_trade_status_ok(role_client):
    customer = tradeable_customer(CustomerType.HOSPITAL)

    content = detail(role_client("sales"), customer).content.decode()

    box = content.split('id="trade-status"', 1)[1].split("</div>", 1)[0]
    assert "<li>" not in box
    assert "business licence is valid today" in box


def test_detail_licence_table_marks_expired_rows(role_client):
    customer = CustomerFactory()
    CustomerLicenceFactory(customer=customer)
    CustomerLicenceFactory(
        customer=customer,
        licence_type=LicenceType.MEDICAL_INSTITUTION,
        number="PDY00001310115",
        issued_on=today() - datetime.timedelta(days=900),
        valid_until=today() - datetime.timedelta(days=1),
    )

    content = detail(role_client("sales"), customer).content.decode()

    licences = content.split('id="licences"', 1)[1]
    assert len(re.findall(r'<tr class="licence-expired[ "]', licences)) == 1
    assert len(re.findall(r'<tr class="licence-valid[ "]', licences)) == 1


def test_detail_credit_and_default_shelf_life(role_client):
    settings = CompanySettings.load()
    settings.default_min_shelf_life_days = 200
    settings.save()
    customer = CustomerFactory(credit_limit=Decimal("10000.00"))
    Customer.objects.filter(pk=customer.pk).update(receivables=Decimal("2500.00"))

    response = detail(role_client("sales"), customer)

    assert response.context["credit_available"] == Decimal("7500.00")
    content = response.content.decode()
    credit = content.split('id="credit"', 1)[1].split('id="shelf-life"', 1)[0]
    assert "10000.00" in credit and "2500.00" in credit and "7500.00" in credit
    shelf = content.split('id="shelf-life"', 1)[1].split('id="licences"', 1)[0]
    assert "200" in shelf and "company default" in shelf


def test_detail_customer_shelf_life_overrides_default(role_client):
    customer = CustomerFactory(min_shelf_life_days=365)

    response = detail(role_client("sales"), customer)

    assert response.context["min_shelf_life_days"] == 365
    shelf = response.content.decode().split('id="shelf-life"', 1)[1].split('id="licences"', 1)[0]
    assert "set for this customer" in shelf


def test_product_check_shows_may_trade_reasons(role_client, syringes):
    licensed_company([syringes])
    pharmacy = tradeable_customer(CustomerType.PHARMACY, categories=[syringes])
    product = make_product(syringes, DeviceClass.CLASS_III)

    response = detail(role_client("sales"), pharmacy, product=product.code)

    assert not response.context["trade_check"].ok
    box = response.content.decode().split('id="trade-check"', 1)[1]
    assert f"<li>{pharmacy.name} has no operating licence for Class III devices" in box


def test_product_check_hospital_practice_licence_covers_all(role_client, syringes):
    licensed_company([syringes])
    hospital = tradeable_customer(CustomerType.HOSPITAL)
    product = make_product(syringes, DeviceClass.CLASS_III, name="心脏起搏器")

    response = detail(role_client("sales"), hospital, product="心脏起搏器")

    assert response.context["checked_product"] == product
    assert response.context["trade_check"].ok
    assert "may be sold to this customer today" in response.content.decode()


def test_product_check_unknown_product(role_client):
    customer = CustomerFactory()

    response = detail(role_client("sales"), customer, product="NOPE")

    assert response.context["trade_check"] is None
    assert "No product matches NOPE." in response.content.decode()


# licences --------------------------------------------------------------------------


def test_sales_adds_a_licence_with_scope(role_client, syringes):
    customer = CustomerFactory()
    client = role_client("sales")
    url = reverse("customers:customerlicence_create", args=[customer.pk])

    response = client.post(
        url,
        {
            "licence_type": LicenceType.DEVICE_OPERATING,
            "number": "沪药监械经营许20200001号",
            "holder": customer.name,
            "issued_on": (today() - datetime.timedelta(days=30)).isoformat(),
            "valid_until": (today() + datetime.timedelta(days=700)).isoformat(),
            "scope_classes": ["3"],
            "scope_categories": [str(syringes.pk)],
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("customers:customer_detail", args=[customer.pk])
    licence = customer.licences.get()
    assert licence.scope_classes == [3]
    assert list(licence.scope_categories.all()) == [syringes]


def test_expired_licence_is_refused_on_entry(role_client):
    customer = CustomerFactory()
    client = role_client("sales")
    expired = today() - datetime.timedelta(days=1)

    response = client.post(
        reverse("customers:customerlicence_create", args=[customer.pk]),
        {
            "licence_type": LicenceType.BUSINESS,
            "number": customer.unified_social_credit_code,
            "holder": customer.name,
            "issued_on": (today() - datetime.timedelta(days=400)).isoformat(),
            "valid_until": expired.isoformat(),
        },
    )

    assert response.status_code == 200
    assert f"This licence expired on {expired.isoformat()}" in response.content.decode()
    assert not CustomerLicence.objects.exists()


def test_licence_detail_links_back_to_customer(role_client):
    licence = CustomerLicenceFactory()

    content = (
        role_client("sales")
        .get(reverse("customers:customerlicence_detail", args=[licence.pk]))
        .content.decode()
    )

    assert reverse("customers:customer_detail", args=[licence.customer_id]) in content


# dashboard -------------------------------------------------------------------------


def test_dashboard_lists_expired_and_expiring_customer_licences(role_client):
    expiring = CustomerLicenceFactory(
        licence_type=LicenceType.MEDICAL_INSTITUTION,
        number="PDY00001310115",
        valid_until=today() + datetime.timedelta(days=45),
    )
    expired = CustomerLicenceFactory(
        licence_type=LicenceType.MEDICAL_INSTITUTION,
        number="PDY00002310115",
        issued_on=today() - datetime.timedelta(days=900),
        valid_until=today() - datetime.timedelta(days=3),
    )
    later = CustomerLicenceFactory(
        licence_type=LicenceType.MEDICAL_INSTITUTION,
        number="PDY00003310115",
        valid_until=today() + datetime.timedelta(days=61),
    )
    CustomerLicenceFactory()  # long-term business licence

    content = role_client("sales").get(reverse("core:dashboard")).content.decode()

    panel = content.split('id="customer-licence-alerts"', 1)[1].split("</table>", 1)[0]
    assert expiring.number in panel and expired.number in panel
    assert later.number not in panel
    assert panel.index(expired.number) < panel.index(expiring.number)
    assert panel.count('class="licence-expired"') == 1


def test_dashboard_panel_hidden_without_permission(client, make_user):
    from django.contrib.auth.models import User

    CustomerLicenceFactory(
        licence_type=LicenceType.MEDICAL_INSTITUTION,
        number="PDY00001310115",
        valid_until=today() + datetime.timedelta(days=5),
    )
    client.force_login(User.objects.create_user("nobody"))

    content = client.get(reverse("core:dashboard")).content.decode()

    assert "customer-licence-alerts" not in content
