"""The login page refuses a wrong password; the language switch turns the UI to English."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from apps.core.tests.factories import user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Test-pass-2026!"  # apps.core.tests.factories.UserFactory


def test_wrong_password_is_refused_with_a_message(page):
    user = user_with_role("purchaser")
    page.goto(reverse("core:dashboard"))
    expect(page).to_have_url(re.compile(re.escape(reverse("login"))))
    page.fill("#id_username", user.username)
    page.fill("#id_password", "not-the-password")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    expect(page).to_have_url(re.compile(re.escape(reverse("login"))))
    expect(page.locator("main .alert-danger")).to_be_visible()
    expect(page.locator("#id_username")).to_have_value(user.username)
    # Nothing behind the login is reachable.
    page.goto(reverse("suppliers:supplier_list"))
    expect(page).to_have_url(re.compile(re.escape(reverse("login"))))


def test_language_switch_to_english(page, login):
    user = user_with_role("purchaser")
    login(user.username, PASSWORD)
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "zh-hans")
    page.goto(reverse("suppliers:supplier_list"))
    chinese_heading = page.locator("main h1").inner_text()

    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    expect(html).to_have_attribute("lang", "en")
    # The switch returns to the same page, now in English, and the choice sticks.
    expect(page).to_have_url(re.compile(re.escape(reverse("suppliers:supplier_list")) + "$"))
    # Case-insensitive: the generic list heading prints the lower-case verbose name.
    expect(page.locator("main h1")).to_have_text(re.compile(r"^\s*suppliers\s*$", re.I))
    assert chinese_heading.strip().lower() != "suppliers"
    page.goto(reverse("core:dashboard"))
    expect(html).to_have_attribute("lang", "en")
