"""The admin of core: company settings as a singleton, licences through the staff form."""

import datetime

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from apps.core.forms import CompanySettingsForm
from apps.core.models import CompanyLicence, CompanySettings, LicenceType, OrderControlMode, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def company() -> CompanySettings:
    company = CompanySettings.load()
    company.name = "上海示例医疗器械有限公司"
    company.save()
    return company


def settings_post(company, **changes) -> dict:
    data = {
        key: ("" if value is None else value)
        for key, value in model_to_dict(company, fields=CompanySettingsForm.Meta.fields).items()
    }
    data.update(changes, _save="Save")
    return data


def test_admin_titles(admin_client, english):
    content = admin_client.get(reverse("admin:index"), **english).content.decode()
    assert "GSP-ERP administration" in content


def test_admin_titles_in_chinese(admin_client):
    assert "GSP-ERP 管理后台" in admin_client.get(reverse("admin:index")).content.decode()


def test_changelist_opens_the_single_row(admin_client, company):
    response = admin_client.get(reverse("admin:core_companysettings_changelist"))
    assert response.status_code == 302
    assert response.url == reverse("admin:core_companysettings_change", args=[1])


def test_changelist_creates_the_row_when_missing(admin_client):
    CompanySettings.objects.all().delete()
    response = admin_client.get(reverse("admin:core_companysettings_changelist"))
    assert response.url == reverse("admin:core_companysettings_change", args=[1])
    assert CompanySettings.objects.count() == 1


def test_no_second_row_can_be_added(admin_client, company):
    assert admin_client.get(reverse("admin:core_companysettings_add")).status_code == 403
    response = admin_client.post(
        reverse("admin:core_companysettings_add"), settings_post(company, name="第二家公司")
    )
    assert response.status_code == 403
    assert CompanySettings.objects.count() == 1
    assert CompanySettings.load().name == company.name


def test_the_row_can_be_added_when_there_is_none(admin_client):
    CompanySettings.objects.all().delete()
    assert admin_client.get(reverse("admin:core_companysettings_add")).status_code == 200


def test_the_row_cannot_be_deleted(admin_client, company):
    url = reverse("admin:core_companysettings_delete", args=[1])
    assert admin_client.get(url).status_code == 403
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert CompanySettings.objects.count() == 1


def test_change_is_saved_with_history(admin_client, company):
    url = reverse("admin:core_companysettings_change", args=[1])
    response = admin_client.post(url, settings_post(company, order_control_mode="lenient"))
    assert response.status_code == 302
    company.refresh_from_db()
    assert company.order_control_mode == OrderControlMode.LENIENT
    latest = company.history.order_by("-history_date", "-pk").first()
    assert latest.history_user.is_superuser
    history_url = reverse("admin:core_companysettings_history", args=[1])
    assert admin_client.get(history_url).status_code == 200


def test_admin_applies_the_threshold_rule(admin_client, company, english):
    url = reverse("admin:core_companysettings_change", args=[1])
    response = admin_client.post(
        url, settings_post(company, expiry_red_days=95, expiry_yellow_days=90), **english
    )
    assert response.status_code == 200
    assert "The imminent-expiry threshold (95 days)" in response.content.decode()
    company.refresh_from_db()
    assert company.expiry_red_days == 30


def licence_post(**changes) -> dict:
    data = {
        "licence_type": LicenceType.DEVICE_FILING,
        "number": "沪浦药监械经营备20190001号",
        "holder": "上海示例医疗器械有限公司",
        "issuing_authority": "",
        "issued_on": (today() - datetime.timedelta(days=30)).isoformat(),
        "valid_until": (today() + datetime.timedelta(days=1000)).isoformat(),
        "scope_classes": ["2"],
        "drug_scope": "",
        "note": "",
        "_save": "Save",
    }
    data.update(changes)
    return data


def test_licence_admin_saves_a_valid_licence(admin_client):
    response = admin_client.post(reverse("admin:core_companylicence_add"), licence_post())
    assert response.status_code == 302
    lic = CompanyLicence.objects.get()
    assert lic.scope_classes == [2]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        # The staff form's own rule: no new licence that has already expired.
        (
            {"valid_until": (today() - datetime.timedelta(days=1)).isoformat()},
            "enter the current, renewed licence",
        ),
        ({"scope_classes": ["3"]}, "can only cover"),
        ({"number": "沪药监械经营许20190001号"}, "is not a valid number for a"),
    ],
)
def test_licence_admin_applies_the_licence_rules(admin_client, english, changes, message):
    response = admin_client.post(
        reverse("admin:core_companylicence_add"), licence_post(**changes), **english
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CompanyLicence.objects.exists()


def test_licence_admin_list(admin_client):
    CompanyLicence.objects.create(
        licence_type=LicenceType.DEVICE_FILING,
        number="沪浦药监械经营备20190001号",
        holder="我司",
        issued_on=today(),
        valid_until=today() + datetime.timedelta(days=100),
        scope_classes=[2],
    )
    response = admin_client.get(reverse("admin:core_companylicence_changelist"), {"q": "20190001"})
    assert response.status_code == 200
    assert "沪浦药监械经营备20190001号" in response.content.decode()
