"""The admin is read-mostly: history rows and notices cannot be written there."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from apps.pricing.models import CrossDiscount

from .factories import CrossDiscountFactory, ProductFactory, executed_notice

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.create_superuser("root", "root@example.com", "x"))
    return client


@pytest.mark.parametrize("model", ["nationalprice", "pricechangenotice", "crossdiscount"])
def test_changelists_and_change_pages_render(admin_client, model):
    done = executed_notice([(ProductFactory(), Decimal("9.00"))])
    discount = CrossDiscountFactory()
    obj = {"pricechangenotice": done, "crossdiscount": discount}.get(model)
    if obj is None:
        obj = done.national_prices.get()
    assert admin_client.get(reverse(f"admin:pricing_{model}_changelist")).status_code == 200
    assert (
        admin_client.get(reverse(f"admin:pricing_{model}_change", args=[obj.pk])).status_code == 200
    )


@pytest.mark.parametrize("model", ["nationalprice", "pricechangenotice"])
def test_history_and_notices_cannot_be_added_or_deleted(admin_client, model):
    assert admin_client.get(reverse(f"admin:pricing_{model}_add")).status_code == 403


def test_a_discount_saved_in_the_admin_goes_through_the_service(admin_client):
    discount = CrossDiscountFactory(rate_pct=Decimal("90"))
    url = reverse("admin:pricing_crossdiscount_change", args=[discount.pk])
    data = {
        "customer": discount.customer_id,
        "customer_class": "",
        "product": discount.product_id,
        "category": "",
        "rate_pct": "0",
        "floor_price": "",
        "is_active": "on",
        "note": "",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200  # the form shows the error
    assert "must be above 0 and at most 100" in response.content.decode()
    data["rate_pct"] = "85"
    assert admin_client.post(url, data).status_code == 302
    assert CrossDiscount.objects.get().rate_pct == Decimal("85.00")
    assert (
        admin_client.post(
            reverse("admin:pricing_crossdiscount_delete", args=[discount.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
