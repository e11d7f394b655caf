"""Our licences' staff pages: list, create, detail, change history, the 403 page."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.core.models import CompanyLicence, LicenceType, today
from apps.core.tests.factories import make_uscc

pytestmark = pytest.mark.django_db

NUMBER = "沪药监械经营许20190001号"


def add_business_licence(seq: int) -> CompanyLicence:
    lic = CompanyLicence(
        licence_type=LicenceType.BUSINESS,
        number=make_uscc(seq),
        holder="上海示例医疗器械有限公司",
        issued_on=today() - datetime.timedelta(days=10),
    )
    lic.full_clean()
    lic.save()
    return lic


def licence_post(category, **changes) -> dict:
    data = {
        "licence_type": LicenceType.DEVICE_OPERATING,
        "number": NUMBER,
        "holder": "上海示例医疗器械有限公司",
        "issuing_authority": "上海市药品监督管理局",
        "issued_on": (today() - datetime.timedelta(days=30)).isoformat(),
        "valid_until": (today() + datetime.timedelta(days=1000)).isoformat(),
        "scope_classes": ["3"],
        "scope_categories": [str(category.pk)],
        "drug_scope": "",
        "note": "",
    }
    data.update(changes)
    return data


def test_licence_list_renders(role_client):
    add_business_licence(1)
    response = role_client("manager").get(reverse("core:companylicence_list"))
    assert response.status_code == 200
    assert make_uscc(1) in response.content.decode()


def test_licence_list_query_count_does_not_grow(role_client, django_assert_num_queries):
    client = role_client("manager")
    url = reverse("core:companylicence_list")
    add_business_licence(1)
    with CaptureQueriesContext(connection) as one_row:
        assert client.get(url).status_code == 200
    for seq in range(2, 8):
        add_business_licence(seq)
    with django_assert_num_queries(len(one_row.captured_queries)):
        assert client.get(url).status_code == 200


def test_manager_creates_a_licence(role_client, make_category):
    category = make_category("6815")
    client = role_client("manager")
    response = client.post(reverse("core:companylicence_create"), licence_post(category))
    lic = CompanyLicence.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("core:companylicence_detail", args=[lic.pk])
    assert lic.number == NUMBER
    assert lic.scope_classes == [3]
    assert list(lic.scope_categories.all()) == [category]
    # Saving the scope categories adds a second history row; both name the user.
    assert {record.history_user for record in lic.history.all()} == {client.user}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"valid_until": (today() - datetime.timedelta(days=1)).isoformat()},
            "valid_until",
            "enter the current, renewed licence",
        ),
        ({"number": "沪药监械经营备20190001号"}, "number", "is not a valid number for a"),
        ({"scope_classes": ["2"]}, "scope_classes", "can only cover"),
        ({"valid_until": ""}, "valid_until", "Only a business licence may be long-term"),
    ],
)
def test_bad_licence_is_refused_and_nothing_saved(
    role_client, make_category, english, changes, field, message
):
    category = make_category("6815")
    client = role_client("manager")
    response = client.post(
        reverse("core:companylicence_create"), licence_post(category, **changes), **english
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert message in errors[field][0]
    assert not CompanyLicence.objects.exists()


def test_keeper_may_not_create_licences(role_client, make_category):
    category = make_category("6815")
    client = role_client("keeper")
    response = client.post(reverse("core:companylicence_create"), licence_post(category))
    assert response.status_code == 403
    assert not CompanyLicence.objects.exists()


def test_company_settings_page_lists_our_licences(role_client):
    lic = add_business_licence(1)
    response = role_client("keeper").get(reverse("core:company_settings"))
    assert response.status_code == 200
    content = response.content.decode()
    assert lic.number in content
    assert reverse("core:companylicence_detail", args=[lic.pk]) in content


def test_detail_page(role_client):
    lic = add_business_licence(1)
    response = role_client("keeper").get(reverse("core:companylicence_detail", args=[lic.pk]))
    assert response.status_code == 200
    assert lic.number in response.content.decode()


def test_history_page_for_manager(role_client, english):
    lic = add_business_licence(1)
    lic.note = "原件存档于质量部"
    lic.save()
    response = role_client("manager").get(
        reverse("core:companylicence_history", args=[lic.pk]), **english
    )
    assert response.status_code == 200
    rows = response.context["history_rows"]
    assert [row["type"] for row in rows] == ["Changed", "Created"]
    assert rows[0]["changes"][0]["new"] == "原件存档于质量部"
    assert "原件存档于质量部" in response.content.decode()


def test_history_page_forbidden_for_purchaser(role_client):
    lic = add_business_licence(1)
    client = role_client("purchaser")
    # The purchaser may see the licence, just not its history.
    assert client.get(reverse("core:companylicence_detail", args=[lic.pk])).status_code == 200
    assert client.get(reverse("core:companylicence_history", args=[lic.pk])).status_code == 403


def test_history_page_sends_anonymous_users_to_login(client):
    lic = add_business_licence(1)
    response = client.get(reverse("core:companylicence_history", args=[lic.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_forbidden_page_is_the_project_template(role_client, english):
    response = role_client("keeper").get(reverse("core:company_settings_edit"), **english)
    assert response.status_code == 403
    content = response.content.decode()
    assert "You do not have permission to open this page." in content
    assert "Ask a manager if your role should include it." in content
    # It extends base.html: the navigation bar is there.
    assert "navbar" in content
