"""The admin uses the same forms and services; the dashboard panel of expiring documents."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from apps.core.models import ApprovalStatus, LicenceType, today
from apps.core.tests.factories import make_uscc, user_with_role
from apps.suppliers.models import Supplier, SupplierFirstApproval, SupplierLicence

from .factories import (
    USCC_BASE,
    SalesRepFactory,
    SupplierFactory,
    SupplierFirstApprovalFactory,
    SupplierLicenceFactory,
)

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def admin_client(client):
    user = User.objects.create_superuser("root", "root@example.com", "Test-pass-2026!")
    client.force_login(user)
    return client


def admin_supplier_data(**overrides):
    data = {
        "code": "ADM1",
        "name": "上海安泰医疗器械有限公司",
        "unified_social_credit_code": make_uscc(USCC_BASE + 6000),
        "address": "上海市长宁区1号",
        "contact_person": "吴杰",
        "phone": "021-62223333",
        "is_active": "on",
        "licences-TOTAL_FORMS": "0",
        "licences-INITIAL_FORMS": "0",
        "sales_reps-TOTAL_FORMS": "0",
        "sales_reps-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "model", ["supplier", "supplierlicence", "salesrepauthorisation", "supplierfirstapproval"]
)
def test_admin_pages_open(admin_client, model):
    SupplierFirstApprovalFactory()
    assert admin_client.get(reverse(f"admin:suppliers_{model}_changelist")).status_code == 200


def test_admin_import_and_export_pages_open(admin_client):
    assert admin_client.get(reverse("admin:suppliers_supplier_import")).status_code == 200
    assert admin_client.get(reverse("admin:suppliers_supplierlicence_export")).status_code == 200


def test_admin_refuses_a_malformed_credit_code(admin_client):
    response = admin_client.post(
        reverse("admin:suppliers_supplier_add"),
        admin_supplier_data(unified_social_credit_code="12345"),
    )
    assert response.status_code == 200
    assert "A unified social credit code has 18 digits" in response.content.decode()
    assert not Supplier.objects.exists()


def test_admin_adds_a_supplier_with_an_inline_business_licence(admin_client):
    code = make_uscc(USCC_BASE + 6000)
    data = admin_supplier_data(
        **{
            "licences-TOTAL_FORMS": "1",
            "licences-0-licence_type": LicenceType.BUSINESS,
            "licences-0-number": code,
            "licences-0-holder": "",
            "licences-0-issued_on": (today() - 30 * DAY).isoformat(),
            "licences-0-valid_until": "",
        }
    )

    response = admin_client.post(reverse("admin:suppliers_supplier_add"), data)

    assert response.status_code == 302, response.context["errors"] if response.context else ""
    licence = SupplierLicence.objects.get()
    assert licence.supplier.code == "ADM1"
    assert licence.holder == "上海安泰医疗器械有限公司"


def test_admin_inline_refuses_an_expired_licence(admin_client):
    data = admin_supplier_data(
        **{
            "licences-TOTAL_FORMS": "1",
            "licences-0-licence_type": LicenceType.BUSINESS,
            "licences-0-number": make_uscc(USCC_BASE + 6000),
            "licences-0-issued_on": (today() - 300 * DAY).isoformat(),
            "licences-0-valid_until": (today() - DAY).isoformat(),
        }
    )
    response = admin_client.post(reverse("admin:suppliers_supplier_add"), data)
    assert response.status_code == 200
    assert "This licence expired on" in response.content.decode()
    assert not Supplier.objects.exists()


def test_admin_approve_action_calls_the_review_chain(client, make_user):
    manager = make_user("manager")
    manager.is_staff = True
    manager.save()
    quality = user_with_role("quality_manager")
    purchaser = user_with_role("purchaser")
    waiting = SupplierFirstApprovalFactory(
        status=ApprovalStatus.QUALITY_APPROVED, submitted_by=purchaser, quality_by=quality
    )
    too_early = SupplierFirstApprovalFactory(
        status=ApprovalStatus.SUBMITTED, submitted_by=purchaser
    )
    client.force_login(manager)

    client.post(
        reverse("admin:suppliers_supplierfirstapproval_changelist"),
        {"action": "approve_selected", "_selected_action": [waiting.pk, too_early.pk]},
    )

    waiting.refresh_from_db()
    too_early.refresh_from_db()
    assert waiting.status == ApprovalStatus.APPROVED
    assert waiting.manager_by == manager
    assert too_early.status == ApprovalStatus.SUBMITTED  # needs the head of quality first


def test_admin_reject_action_asks_for_the_reason(admin_client):
    purchaser = user_with_role("purchaser")
    approval = SupplierFirstApprovalFactory(status=ApprovalStatus.SUBMITTED, submitted_by=purchaser)
    url = reverse("admin:suppliers_supplierfirstapproval_changelist")

    form = admin_client.post(url, {"action": "reject_selected", "_selected_action": [approval.pk]})
    assert form.status_code == 200
    assert "Reason for the rejection" in form.content.decode()
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.SUBMITTED

    admin_client.post(
        url,
        {
            "action": "reject_selected",
            "_selected_action": [approval.pk],
            "apply": "1",
            "opinion": "营业执照复印件不清晰",
        },
    )
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.REJECTED
    assert approval.quality_opinion == "营业执照复印件不清晰"


def test_admin_cannot_add_approvals_directly(admin_client):
    assert admin_client.get(reverse("admin:suppliers_supplierfirstapproval_add")).status_code == 403
    assert not SupplierFirstApproval.objects.exists()


# --- dashboard ------------------------------------------------------------------------------


def test_dashboard_lists_expired_and_expiring_documents(role_client):
    supplier = SupplierFactory(name="上海过期医疗器械有限公司")
    expired = SupplierLicenceFactory(
        supplier=supplier,
        licence_type=LicenceType.DEVICE_OPERATING,
        issued_on=today() - 900 * DAY,
        valid_until=today() - 5 * DAY,
    )
    soon = SalesRepFactory(supplier=supplier, valid_until=today() + 40 * DAY, rep_name="即将到期")
    SalesRepFactory(supplier=supplier, valid_until=today() + 200 * DAY, rep_name="长期有效")
    # Renewed: an old filing whose successor is valid well beyond the horizon.
    SupplierLicenceFactory(
        supplier=supplier,
        licence_type=LicenceType.DEVICE_FILING,
        number="沪浦药监械经营备20100009号",
        issued_on=today() - 2000 * DAY,
        valid_until=today() - 100 * DAY,
    )
    SupplierLicenceFactory(supplier=supplier, licence_type=LicenceType.DEVICE_FILING)

    response = role_client("purchaser").get(reverse("core:dashboard"))
    html = response.content.decode()

    panel = next(p for p in response.context["panels"] if "Supplier documents" in str(p["title"]))
    assert panel["alert"] is True
    assert list(panel["context"]["licences"]) == [expired]
    assert list(panel["context"]["reps"]) == [soon]
    assert expired.number in html
    assert "即将到期" in html and "长期有效" not in html
    assert "沪浦药监械经营备20100009号" not in html


def test_dashboard_panel_hidden_without_permission(role_client):
    SupplierLicenceFactory(issued_on=today() - 900 * DAY, valid_until=today() - 5 * DAY)
    response = role_client("sales").get(reverse("core:dashboard"))
    assert not any("Supplier documents" in str(p["title"]) for p in response.context["panels"])
