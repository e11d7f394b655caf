"""A purchaser enters a new supplier with its documents in the browser; the supplier may
trade until its business licence expires, then its page says why it may not."""

import datetime
import os
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from apps.catalog.models import Category
from apps.core.approvals import approval_review
from apps.core.models import ApprovalStatus, LicenceType, today
from apps.core.tests.factories import licensed_company, make_uscc, user_with_role
from apps.core.validators import id_number_check_char
from apps.suppliers.models import Supplier, SupplierFirstApproval, SupplierLicence

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Test-pass-2026!"  # apps.core.tests.factories.UserFactory
# Set to a directory to keep screenshots of the supplier page before and after the expiry.
SCREENSHOTS = os.environ.get("BROWSER_SCREENSHOT_DIR", "")


def screenshot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def id_number(body: str = "31011519850312123") -> str:
    return body + id_number_check_char(body)


@pytest.fixture
def category():
    category = Category(code="6815", name="注射穿刺器械")
    category.full_clean()
    category.save()
    licensed_company([category])
    return category


def add_child(page, supplier_url: str, link_href: str, fill) -> None:
    """Open a child form from the supplier page, fill it, save, and land back on the page."""
    page.goto(supplier_url)
    page.click(f"a[href='{link_href}']")
    fill()
    submit(page)
    assert page.url.endswith(supplier_url), form_errors(page)


def submit(page) -> None:
    with page.expect_navigation():
        page.click("main form button[type=submit]")


def form_errors(page) -> str:
    errors = page.locator(".invalid-feedback, .errorlist, .alert-danger").all_inner_texts()
    return f"the form was refused at {page.url}: {errors}"


def test_supplier_is_blocked_once_its_business_licence_expires(page, login, category):
    purchaser = user_with_role("purchaser")
    quality = user_with_role("quality_manager")
    manager = user_with_role("manager")
    uscc = make_uscc(4711)
    day = today()
    issued = (day - datetime.timedelta(days=400)).isoformat()

    login(purchaser.username, PASSWORD)
    expect(page).to_have_url(re.compile(re.escape(reverse("core:dashboard")) + "$"))

    # The supplier list, then New.
    page.goto(reverse("suppliers:supplier_list"))
    page.click(f"a[href='{reverse('suppliers:supplier_create')}']")
    page.fill("#id_code", "GYS9001")
    page.fill("#id_name", "上海浏览器测试医疗器械有限公司")
    page.fill("#id_unified_social_credit_code", uscc)
    page.fill("#id_address", "上海市浦东新区张江路100号")
    page.fill("#id_contact_person", "王伟")
    page.fill("#id_phone", "021-58880000")
    submit(page)

    supplier = Supplier.objects.filter(code="GYS9001").first()
    assert supplier is not None, form_errors(page)
    supplier_url = reverse("suppliers:supplier_detail", args=[supplier.pk])
    assert page.url.endswith(supplier_url)
    licence_url = reverse("suppliers:supplierlicence_create", args=[supplier.pk])
    rep_url = reverse("suppliers:salesrepauthorisation_create", args=[supplier.pk])

    def business_licence():
        page.select_option("#id_licence_type", LicenceType.BUSINESS)
        page.fill("#id_number", uscc)
        page.fill("#id_issuing_authority", "上海市浦东新区市场监督管理局")
        page.fill("#id_issued_on", issued)

    def operating_licence():
        page.select_option("#id_licence_type", LicenceType.DEVICE_OPERATING)
        page.fill("#id_number", "沪药监械经营许20240001号")
        page.fill("#id_issuing_authority", "上海市药品监督管理局")
        page.fill("#id_issued_on", issued)
        page.fill("#id_valid_until", (day + datetime.timedelta(days=1000)).isoformat())
        page.check("input[name=scope_classes][value='3']")
        page.select_option("#id_scope_categories", str(category.pk))

    def sales_rep():
        page.fill("#id_rep_name", "李娜")
        page.fill("#id_id_number", id_number())
        page.fill("#id_phone", "13800138000")
        page.fill("#id_valid_from", (day - datetime.timedelta(days=10)).isoformat())
        page.fill("#id_valid_until", (day + datetime.timedelta(days=355)).isoformat())

    add_child(page, supplier_url, licence_url, business_licence)
    add_child(page, supplier_url, licence_url, operating_licence)
    add_child(page, supplier_url, rep_url, sales_rep)
    assert supplier.licences.count() == 2
    assert supplier.sales_reps.count() == 1

    # The purchaser submits the first-time file on the page; the reviews are not what this
    # test is about, so the head of quality and the manager approve through the service.
    with page.expect_navigation():
        page.click("#approval form button[type=submit]")
    approval = SupplierFirstApproval.objects.get(supplier=supplier)
    assert approval.status == ApprovalStatus.SUBMITTED
    approval_review(approval=approval, user=quality, approve=True, opinion="资质齐全")
    approval_review(approval=approval, user=manager, approve=True, opinion="同意")

    page.goto(supplier_url)
    status = page.locator("#trade-status")
    expect(status).to_have_attribute("data-may-trade", "yes")
    expect(status.locator("li")).to_have_count(0)
    screenshot(page, "supplier-may-trade")

    # Time passes: the business licence ran out yesterday.
    yesterday = day - datetime.timedelta(days=1)
    SupplierLicence.objects.filter(supplier=supplier, licence_type=LicenceType.BUSINESS).update(
        issued_on=yesterday - datetime.timedelta(days=3 * 365), valid_until=yesterday
    )
    page.reload()
    expect(status).to_have_attribute("data-may-trade", "no")
    reasons = status.locator("li")
    expect(reasons).to_have_count(1)
    reason = status.locator("li[data-code='business_licence_expired']")
    expect(reason).to_contain_text(uscc)
    expect(reason).to_contain_text(yesterday.isoformat())
    screenshot(page, "supplier-blocked")
