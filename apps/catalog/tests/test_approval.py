"""首营品种审批 through the staff pages, the service and the admin actions."""

import pytest
from django.urls import reverse

from apps.catalog.models import ProductFirstApproval
from apps.catalog.services import product_create, product_first_approval_start
from apps.catalog.tests.factories import (
    CategoryFactory,
    ManufacturerFactory,
    ProductFactory,
    ProductFirstApprovalFactory,
    approve,
)
from apps.core.exceptions import InvalidStateError, PermissionDeniedError
from apps.core.models import ApprovalStatus, today
from apps.core.tests.factories import UserFactory, user_with_role

pytestmark = pytest.mark.django_db


def apply(client, product, note="新品种引进"):
    return client.post(
        reverse("catalog:product_first_approval_start", args=[product.pk]), {"note": note}
    )


def review(client, approval, decision="approve", opinion=""):
    return client.post(
        reverse("catalog:productfirstapproval_action", args=[approval.pk, "review"]),
        {"decision": decision, "opinion": opinion},
        follow=True,
    )


def status_of(product):
    return ProductFirstApproval.objects.get(product=product).status


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def test_full_chain_purchaser_quality_manager_then_manager(client):
    product = ProductFactory()
    assert product.trade_blockers(today())

    purchaser = user_with_role("purchaser", "buyer")
    client.force_login(purchaser)
    response = apply(client, product)
    assert response.status_code == 302
    approval = ProductFirstApproval.objects.get(product=product)
    assert approval.status == ApprovalStatus.SUBMITTED
    assert approval.submitted_by == purchaser
    assert approval.application_note == "新品种引进"

    client.force_login(user_with_role("quality_manager", "qm"))
    detail = client.get(reverse("catalog:productfirstapproval_detail", args=[approval.pk]))
    assert detail.context["can_review_approval"] is True
    review(client, approval, opinion="资料齐全")
    assert status_of(product) == ApprovalStatus.QUALITY_APPROVED

    client.force_login(user_with_role("manager", "boss"))
    review(client, approval, opinion="同意")
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.APPROVED
    assert (approval.quality_by.username, approval.manager_by.username) == ("qm", "boss")
    assert approval.quality_opinion == "资料齐全"
    product.refresh_from_db()
    assert product.trade_blockers(today()) == []
    # Each step is a history record.
    statuses = [h.status for h in approval.history.order_by("history_date")]
    assert statuses[-3:] == ["submitted", "quality_approved", "approved"]


def test_apply_button_goes_through_the_staff_page_of_a_new_product(role_client):
    client = role_client("purchaser")
    product = product_create(
        product=ProductFactory.build(category=CategoryFactory(), manufacturer=ManufacturerFactory())
    )
    assert status_of(product) == ApprovalStatus.DRAFT
    apply(client, product)
    assert status_of(product) == ApprovalStatus.SUBMITTED
    # Applying again while under review is refused with a message.
    response = client.post(
        reverse("catalog:product_first_approval_start", args=[product.pk]), follow=True
    )
    assert any("already under review" in m for m in messages_of(response))


def test_manager_cannot_approve_before_quality(client):
    product = ProductFactory()
    client.force_login(user_with_role("purchaser"))
    apply(client, product)
    client.force_login(user_with_role("manager"))
    response = review(client, ProductFirstApproval.objects.get(product=product))
    assert any("head of quality" in m for m in messages_of(response))
    assert status_of(product) == ApprovalStatus.SUBMITTED


def test_submitter_cannot_review_their_own_application(client):
    both = UserFactory(username="buyer_and_qm", roles=["purchaser", "quality_manager"])
    product = ProductFactory()
    client.force_login(both)
    apply(client, product)
    response = review(client, ProductFirstApproval.objects.get(product=product))
    assert any("someone else must review" in m for m in messages_of(response))
    assert status_of(product) == ApprovalStatus.SUBMITTED


def test_manager_who_submitted_cannot_give_final_approval(client):
    product = ProductFactory()
    client.force_login(user_with_role("manager", "boss"))
    apply(client, product)
    approval = ProductFirstApproval.objects.get(product=product)
    client.force_login(user_with_role("quality_manager"))
    review(client, approval)
    client.force_login(user_with_role("manager", "boss"))
    response = review(client, approval)
    assert any("someone else must review" in m for m in messages_of(response))
    assert status_of(product) == ApprovalStatus.QUALITY_APPROVED


def test_sales_can_neither_apply_nor_review(client):
    product = ProductFactory()
    approval = ProductFirstApprovalFactory(product=product)
    client.force_login(user_with_role("sales"))
    assert apply(client, product).status_code == 403
    response = client.post(
        reverse("catalog:productfirstapproval_action", args=[approval.pk, "review"]),
        {"decision": "approve"},
    )
    assert response.status_code == 403
    assert status_of(product) == ApprovalStatus.DRAFT


def test_purchaser_cannot_review(client):
    product = ProductFactory()
    client.force_login(user_with_role("purchaser", "p1"))
    apply(client, product)
    client.force_login(user_with_role("purchaser", "p2"))
    response = review(client, ProductFirstApproval.objects.get(product=product))
    assert any("Only the head of quality" in m for m in messages_of(response))
    assert status_of(product) == ApprovalStatus.SUBMITTED


def test_rejection_needs_a_reason_and_allows_resubmission(client):
    product = ProductFactory()
    client.force_login(user_with_role("purchaser"))
    apply(client, product)
    approval = ProductFirstApproval.objects.get(product=product)
    client.force_login(user_with_role("quality_manager"))
    response = review(client, approval, decision="reject")
    assert any("reason for the rejection" in m for m in messages_of(response))
    assert status_of(product) == ApprovalStatus.SUBMITTED
    review(client, approval, decision="reject", opinion="缺注册证复印件")
    assert status_of(product) == ApprovalStatus.REJECTED
    client.force_login(user_with_role("purchaser"))
    apply(client, product, note="已补充注册证")
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.SUBMITTED
    assert approval.quality_by is None and approval.quality_opinion == ""


def test_service_refuses_an_already_approved_product():
    product = ProductFactory()
    approve(product)
    with pytest.raises(InvalidStateError, match="already has an approved"):
        product_first_approval_start(product=product, user=user_with_role("purchaser"))


def test_service_refuses_users_who_may_not_apply_and_creates_nothing():
    product = ProductFactory()
    with pytest.raises(PermissionDeniedError):
        product_first_approval_start(product=product, user=user_with_role("sales"))
    assert not ProductFirstApproval.objects.exists()


def test_start_form_on_the_approvals_list_creates_and_submits(role_client):
    product = ProductFactory()
    approved = ProductFactory()
    approve(approved)
    client = role_client("purchaser")
    page = client.get(reverse("catalog:productfirstapproval_create"))
    offered = list(page.context["form"].fields["product"].queryset)
    assert product in offered and approved not in offered
    response = client.post(
        reverse("catalog:productfirstapproval_create"),
        {"product": product.pk, "application_note": "首次经营"},
    )
    approval = ProductFirstApproval.objects.get(product=product)
    assert response.status_code == 302
    assert response.url == reverse("catalog:productfirstapproval_detail", args=[approval.pk])
    assert approval.status == ApprovalStatus.SUBMITTED


def test_approval_has_no_edit_page(role_client):
    approval = ProductFirstApprovalFactory()
    client = role_client("manager")
    page = client.get(reverse("catalog:productfirstapproval_detail", args=[approval.pk]))
    assert page.status_code == 200
    assert "/edit/" not in page.content.decode()
    assert client.get(f"/catalog/productfirstapprovals/{approval.pk}/edit/").status_code in (
        404,
        405,
    )


# Admin actions ----------------------------------------------------------------------


@pytest.fixture
def admin_user():
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def admin_action(client, action, approvals):
    return client.post(
        reverse("admin:catalog_productfirstapproval_changelist"),
        {"action": action, "_selected_action": [a.pk for a in approvals]},
        follow=True,
    )


def test_admin_actions_run_the_chain_and_report_errors(client, admin_user):
    purchaser = user_with_role("purchaser")
    product = ProductFactory()
    approval = product_first_approval_start(product=product, user=purchaser)
    client.force_login(admin_user)

    response = admin_action(client, "approve_as_manager", [approval])
    assert any("skipped" in m for m in messages_of(response))
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.SUBMITTED

    admin_action(client, "approve_as_quality", [approval])
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.QUALITY_APPROVED
    assert approval.quality_by == admin_user

    # The same person may not give the manager's approval too.
    response = admin_action(client, "approve_as_manager", [approval])
    assert any("someone other than the quality reviewer" in m for m in messages_of(response))
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.QUALITY_APPROVED


def test_admin_submit_action_refuses_approved_records(client, admin_user):
    product = ProductFactory()
    approval = approve(product)
    client.force_login(admin_user)
    response = admin_action(client, "submit_selected", [approval])
    assert any("already" in m for m in messages_of(response))
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.APPROVED
