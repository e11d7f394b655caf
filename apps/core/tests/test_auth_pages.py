"""Login, logout, password change, the language switch and the dashboard."""

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.urls import reverse

from apps.core.roles import ROLES
from apps.core.tests.factories import UserFactory, user_with_role

pytestmark = pytest.mark.django_db

PASSWORD = "Test-pass-2026!"  # the factory's password
LOGIN_URL = reverse("login")
DASHBOARD_URL = reverse("core:dashboard")
PASSWORD_URL = reverse("password_change")


def test_login_page_is_chinese_by_default(client):
    response = client.get(LOGIN_URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert '<html lang="zh-hans">' in content
    assert 'name="username"' in content
    assert 'name="password"' in content
    assert "登录" in content


def test_browser_language_does_not_override_the_company_language(client):
    content = client.get(LOGIN_URL, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in content


def test_login_page_in_english_when_the_user_chose_it(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    content = client.get(LOGIN_URL).content.decode()
    assert '<html lang="en">' in content
    assert "Log in to GSP-ERP" in content


def test_unknown_language_cookie_falls_back_to_chinese(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx"
    assert '<html lang="zh-hans">' in client.get(LOGIN_URL).content.decode()


def test_login_goes_to_the_dashboard(client):
    user = user_with_role("sales")
    response = client.post(LOGIN_URL, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == DASHBOARD_URL
    assert client.get(DASHBOARD_URL).status_code == 200


def test_login_follows_next(client):
    user = user_with_role("manager")
    target = reverse("core:company_settings")
    response = client.post(
        f"{LOGIN_URL}?next={target}",
        {"username": user.username, "password": PASSWORD, "next": target},
    )
    assert response.status_code == 302
    assert response.url == target


def test_wrong_password_is_refused(client, english):
    user = user_with_role("sales")
    response = client.post(
        LOGIN_URL, {"username": user.username, "password": "wrong-password"}, **english
    )
    assert response.status_code == 200
    assert "Wrong username or password." in response.content.decode()
    assert client.get(DASHBOARD_URL).status_code == 302


def test_inactive_user_cannot_log_in(client):
    user = user_with_role("sales")
    user.is_active = False
    user.save()
    response = client.post(LOGIN_URL, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 200
    assert client.get(DASHBOARD_URL).status_code == 302


def test_logout_by_post_goes_to_login(role_client):
    client = role_client("keeper")
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response.url == LOGIN_URL
    assert client.get(DASHBOARD_URL).status_code == 302


def test_logout_by_get_is_not_allowed(role_client):
    client = role_client("keeper")
    assert client.get(reverse("logout")).status_code == 405
    assert client.get(DASHBOARD_URL).status_code == 200


def test_password_change_requires_login(client):
    response = client.get(PASSWORD_URL)
    assert response.status_code == 302
    assert response.url.startswith(LOGIN_URL)


@pytest.mark.parametrize(
    ("new_password", "codes"),
    [
        ("12345678", {"password_too_short", "password_entirely_numeric", "password_too_common"}),
        ("password123", {"password_too_common"}),
        ("9876543210123", {"password_entirely_numeric"}),
        ("Abc-12", {"password_too_short"}),
    ],
)
def test_weak_password_is_refused(client, new_password, codes):
    user = user_with_role("sales")
    client.force_login(user)
    response = client.post(
        PASSWORD_URL,
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()["new_password2"]
    assert codes <= {error.code for error in errors}
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_like_the_username_is_refused(client):
    user = UserFactory(username="zhangwei_sales", roles=["sales"])
    client.force_login(user)
    response = client.post(
        PASSWORD_URL,
        {
            "old_password": PASSWORD,
            "new_password1": "zhangwei_sales1",
            "new_password2": "zhangwei_sales1",
        },
    )
    errors = response.context["form"].errors.as_data()["new_password2"]
    assert "password_too_similar" in {error.code for error in errors}


def test_wrong_old_password_is_refused(client):
    user = user_with_role("sales")
    client.force_login(user)
    response = client.post(
        PASSWORD_URL,
        {
            "old_password": "not-it",
            "new_password1": "Gsp-Erp-Str0ng-2026",
            "new_password2": "Gsp-Erp-Str0ng-2026",
        },
    )
    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_strong_password_is_accepted(client):
    user = user_with_role("sales")
    client.force_login(user)
    response = client.post(
        PASSWORD_URL,
        {
            "old_password": PASSWORD,
            "new_password1": "Gsp-Erp-Str0ng-2026",
            "new_password2": "Gsp-Erp-Str0ng-2026",
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("password_change_done")
    user.refresh_from_db()
    assert user.check_password("Gsp-Erp-Str0ng-2026")
    # The session survives the change.
    assert client.get(DASHBOARD_URL).status_code == 200


def test_language_switch(role_client):
    client = role_client("sales")
    assert '<html lang="zh-hans">' in client.get(DASHBOARD_URL).content.decode()
    response = client.post(reverse("set_language"), {"language": "en", "next": DASHBOARD_URL})
    assert response.status_code == 302
    assert response.url == DASHBOARD_URL
    assert '<html lang="en">' in client.get(DASHBOARD_URL).content.decode()
    client.post(reverse("set_language"), {"language": "zh-hans", "next": DASHBOARD_URL})
    assert '<html lang="zh-hans">' in client.get(DASHBOARD_URL).content.decode()


def test_dashboard_requires_login(client):
    response = client.get(DASHBOARD_URL)
    assert response.status_code == 302
    assert response.url == f"{LOGIN_URL}?next={DASHBOARD_URL}"


@pytest.mark.parametrize("role", [role.code for role in ROLES])
def test_dashboard_renders_for_every_role(role_client, role):
    response = role_client(role).get(DASHBOARD_URL)
    assert response.status_code == 200
    assert "navbar" in response.content.decode()


def test_dashboard_renders_for_a_user_without_role(client):
    client.force_login(User.objects.create_user("nobody", password=PASSWORD))
    assert client.get(DASHBOARD_URL).status_code == 200


def test_forbidden_page_is_chinese_by_default(role_client):
    response = role_client("keeper").get(reverse("core:company_settings_edit"))
    assert response.status_code == 403
    assert "您无权打开此页面。" in response.content.decode()
