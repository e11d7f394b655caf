"""The company settings singleton: model rules, the settings pages and their history."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from django.urls import reverse

from apps.core.forms import CompanySettingsForm
from apps.core.models import CompanySettings, OrderControlMode
from apps.core.tests.factories import user_with_role

pytestmark = pytest.mark.django_db

SETTINGS_URL = reverse("core:company_settings")
EDIT_URL = reverse("core:company_settings_edit")


@pytest.fixture(autouse=True)
def company(db) -> CompanySettings:
    company = CompanySettings.load()
    company.name = "上海示例医疗器械有限公司"
    company.save()
    return company


def form_data(company: CompanySettings, **changes) -> dict:
    data = {
        key: ("" if value is None else value)
        for key, value in model_to_dict(company, fields=CompanySettingsForm.Meta.fields).items()
    }
    data.update(changes)
    return data


# model ---------------------------------------------------------------------------------


def test_saving_twice_keeps_one_row():
    CompanySettings.objects.all().delete()
    CompanySettings(name="A").save()
    CompanySettings(name="B").save()
    assert CompanySettings.objects.count() == 1
    assert CompanySettings.load().name == "B"


def test_primary_key_is_forced_to_one():
    company = CompanySettings(pk=7, name="A")
    company.save()
    assert company.pk == CompanySettings.SINGLETON_PK == 1
    assert list(CompanySettings.objects.values_list("pk", flat=True)) == [1]


def test_load_creates_the_row_once():
    CompanySettings.objects.all().delete()
    first = CompanySettings.load()
    second = CompanySettings.load()
    assert first.pk == second.pk == 1
    assert CompanySettings.objects.count() == 1


def test_database_refuses_a_second_row():
    CompanySettings.load()
    with pytest.raises(IntegrityError), transaction.atomic():
        CompanySettings.objects.bulk_create([CompanySettings(pk=2, name="second")])


@pytest.mark.parametrize(("red", "yellow"), [(95, 90), (90, 90)])
def test_red_not_below_yellow_is_refused_by_clean(red, yellow):
    company = CompanySettings.load()
    company.expiry_red_days, company.expiry_yellow_days = red, yellow
    with pytest.raises(ValidationError) as exc:
        company.clean()
    assert list(exc.value.message_dict) == ["expiry_red_days"]
    assert f"({red} days)" in exc.value.message_dict["expiry_red_days"][0]


def test_red_below_yellow_is_accepted():
    company = CompanySettings.load()
    company.expiry_red_days, company.expiry_yellow_days = 29, 30
    company.full_clean()


@pytest.mark.parametrize(("red", "yellow"), [(95, 90), (90, 90)])
def test_red_not_below_yellow_is_refused_by_the_database(red, yellow):
    CompanySettings.load()
    with pytest.raises(IntegrityError), transaction.atomic():
        CompanySettings.objects.filter(pk=1).update(expiry_red_days=red, expiry_yellow_days=yellow)
    company = CompanySettings.load()
    assert (company.expiry_red_days, company.expiry_yellow_days) == (30, 90)


def test_negative_approval_threshold_is_refused_by_the_database():
    CompanySettings.load()
    with pytest.raises(IntegrityError), transaction.atomic():
        CompanySettings.objects.filter(pk=1).update(purchase_approval_threshold=-1)


def test_invalid_credit_code_is_refused():
    company = CompanySettings.load()
    company.unified_social_credit_code = "913100000000000000"
    with pytest.raises(ValidationError) as exc:
        company.full_clean()
    assert "unified_social_credit_code" in exc.value.message_dict


def test_history_records_the_change_and_the_user():
    user = user_with_role("manager")
    company = CompanySettings.load()
    company.order_control_mode = OrderControlMode.LENIENT
    company._history_user = user
    company.save()
    latest = company.history.order_by("-history_date", "-pk").first()
    assert latest.history_user == user
    assert latest.history_type == "~"
    assert latest.order_control_mode == OrderControlMode.LENIENT
    previous = latest.prev_record
    assert previous.order_control_mode == OrderControlMode.STRICT


# pages ---------------------------------------------------------------------------------


def test_manager_sees_settings_and_edit_form(role_client):
    client = role_client("manager")
    page = client.get(SETTINGS_URL)
    assert page.status_code == 200
    assert EDIT_URL.encode() in page.content
    assert client.get(EDIT_URL).status_code == 200


def test_manager_changes_order_control_mode(role_client):
    client = role_client("manager")
    company = CompanySettings.load()
    before = company.history.count()
    response = client.post(EDIT_URL, form_data(company, order_control_mode="lenient"))
    assert response.status_code == 302
    assert response.url == SETTINGS_URL
    company.refresh_from_db()
    assert company.order_control_mode == OrderControlMode.LENIENT
    assert company.history.count() == before + 1
    latest = company.history.order_by("-history_date", "-pk").first()
    assert latest.history_user == client.user
    assert latest.order_control_mode == OrderControlMode.LENIENT


def test_settings_page_shows_the_change_history_to_a_manager(role_client):
    client = role_client("manager")
    client.post(EDIT_URL, form_data(CompanySettings.load(), name="上海新名称医疗器械有限公司"))
    page = client.get(SETTINGS_URL)
    assert "上海新名称医疗器械有限公司" in page.content.decode()
    assert page.context["history_rows"][0]["user"] == client.user


def test_keeper_may_view_but_not_edit(role_client):
    client = role_client("keeper")
    company = CompanySettings.load()
    page = client.get(SETTINGS_URL)
    assert page.status_code == 200
    assert EDIT_URL.encode() not in page.content
    assert page.context["history_rows"] == []
    assert client.get(EDIT_URL).status_code == 403
    response = client.post(EDIT_URL, form_data(company, order_control_mode="lenient"))
    assert response.status_code == 403
    assert CompanySettings.load().order_control_mode == OrderControlMode.STRICT


@pytest.mark.parametrize("url", [SETTINGS_URL, EDIT_URL])
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"


def test_invalid_thresholds_show_the_error_and_save_nothing(role_client, english):
    client = role_client("manager")
    company = CompanySettings.load()
    before = company.history.count()
    response = client.post(
        EDIT_URL,
        form_data(company, expiry_red_days=95, expiry_yellow_days=90, order_control_mode="lenient"),
        **english,
    )
    assert response.status_code == 200
    assert response.context["form"].errors["expiry_red_days"] == [
        "The imminent-expiry threshold (95 days) must be smaller than the near-expiry "
        "threshold (90 days)."
    ]
    assert "The imminent-expiry threshold (95 days)" in response.content.decode()
    company.refresh_from_db()
    assert (company.expiry_red_days, company.expiry_yellow_days) == (30, 90)
    assert company.order_control_mode == OrderControlMode.STRICT
    assert company.history.count() == before
