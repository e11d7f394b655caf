"""Dashboard panels of core: our expiring licences and the approvals queue."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from apps.catalog.models import Category, Manufacturer, Product, ProductFirstApproval
from apps.core.approvals import approval_submit
from apps.core.models import CompanyLicence, LicenceType, today

pytestmark = pytest.mark.django_db


def _product():
    category = Category.objects.create(code="6815", name="注射穿刺器械")
    maker = Manufacturer.objects.create(code="M1", name="江西洪达医疗器械集团有限公司")
    return Product.objects.create(
        code="P1",
        name="一次性使用无菌注射器",
        spec="5ml 带针",
        unit="支",
        registration_number="国械注准20153150123",
        registration_valid_until=today() + datetime.timedelta(days=400),
        device_class=3,
        category=category,
        manufacturer=maker,
        shelf_life_months=36,
        national_wholesale_price="0.50",
    )


def test_expiring_company_licence_is_on_the_dashboard(role_client):
    CompanyLicence.objects.create(
        licence_type=LicenceType.DEVICE_OPERATING,
        number="沪药监械经营许20190001号",
        holder="我司",
        issued_on=today() - datetime.timedelta(days=1000),
        valid_until=today() + datetime.timedelta(days=10),
        scope_classes=[3],
    )
    response = role_client("manager").get(reverse("core:dashboard"))
    assert response.status_code == 200
    assert "沪药监械经营许20190001号" in response.text
    assert "licence-expiring" in response.text


def test_far_future_licence_is_not_on_the_dashboard(role_client):
    CompanyLicence.objects.create(
        licence_type=LicenceType.DEVICE_OPERATING,
        number="沪药监械经营许20190002号",
        holder="我司",
        issued_on=today() - datetime.timedelta(days=10),
        valid_until=today() + datetime.timedelta(days=1000),
        scope_classes=[3],
    )
    response = role_client("manager").get(reverse("core:dashboard"))
    assert "沪药监械经营许20190002号" not in response.text


def test_approval_queue_shows_the_next_reviewer_only(client, make_user):
    purchaser = make_user("purchaser")
    quality = make_user("quality_manager")
    manager = make_user("manager")
    approval = ProductFirstApproval.objects.create(product=_product())
    approval_submit(approval=approval, user=purchaser)
    # The dashboard is rendered in the site language, not the English of these tests.
    with translation.override(settings.LANGUAGE_CODE):
        label = str(approval)
    assert "首营品种审批" in label

    client.force_login(quality)
    assert label in client.get(reverse("core:dashboard")).text
    client.force_login(manager)
    assert label not in client.get(reverse("core:dashboard")).text
    client.force_login(purchaser)
    assert label not in client.get(reverse("core:dashboard")).text
