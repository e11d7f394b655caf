"""The first-time approval chain (apps/core/approvals.py) on a product approval."""

import pytest

from apps.catalog.models import ProductFirstApproval
from apps.core.approvals import approval_review, approval_submit, next_step_permission
from apps.core.exceptions import (
    InvalidStateError,
    PermissionDeniedError,
    SegregationOfDutiesError,
)
from apps.core.models import ApprovalStatus, DeviceClass, today
from apps.core.tests.factories import UserFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def approval(make_category, make_product) -> ProductFirstApproval:
    product = make_product(make_category("6815"), DeviceClass.CLASS_III, approved=False)
    return ProductFirstApproval.objects.create(product=product)


@pytest.fixture
def purchaser():
    return user_with_role("purchaser")


@pytest.fixture
def quality():
    return user_with_role("quality_manager")


@pytest.fixture
def manager():
    return user_with_role("manager")


def reload(approval):
    return ProductFirstApproval.objects.get(pk=approval.pk)


def test_full_chain(approval, purchaser, quality, manager):
    product = approval.product
    assert "product_not_approved" in [b.code for b in product.trade_blockers(today())]

    approval_submit(approval=approval, user=purchaser, note="新品种，医院需求")
    approval = reload(approval)
    assert approval.status == ApprovalStatus.SUBMITTED
    assert approval.submitted_by == purchaser
    assert approval.submitted_at is not None
    assert approval.application_note == "新品种，医院需求"
    assert next_step_permission(approval) == "catalog.review_quality_productfirstapproval"

    approval_review(approval=approval, user=quality, approve=True, opinion="资料齐全")
    approval = reload(approval)
    assert approval.status == ApprovalStatus.QUALITY_APPROVED
    assert (approval.quality_by, approval.quality_opinion) == (quality, "资料齐全")
    assert approval.quality_at is not None
    assert next_step_permission(approval) == "catalog.review_manager_productfirstapproval"

    approval_review(approval=approval, user=manager, approve=True, opinion="")
    approval = reload(approval)
    assert approval.status == ApprovalStatus.APPROVED
    assert approval.is_approved
    assert approval.manager_by == manager
    assert approval.manager_at is not None
    assert next_step_permission(approval) is None

    product.refresh_from_db()
    assert "product_not_approved" not in [b.code for b in product.trade_blockers(today())]
    # Every step is kept in history.
    assert [h.status for h in approval.history.order_by("history_date", "pk")] == [
        ApprovalStatus.DRAFT,
        ApprovalStatus.SUBMITTED,
        ApprovalStatus.QUALITY_APPROVED,
        ApprovalStatus.APPROVED,
    ]


def test_submitter_may_not_review_their_own_application(approval):
    both = UserFactory(username="purchaser_and_quality", roles=["purchaser", "quality_manager"])
    approval_submit(approval=approval, user=both)
    with pytest.raises(SegregationOfDutiesError):
        approval_review(approval=approval, user=both, approve=True, opinion="")
    assert reload(approval).status == ApprovalStatus.SUBMITTED


def test_manager_must_not_be_the_quality_reviewer(approval, purchaser):
    both = UserFactory(username="quality_and_manager", roles=["quality_manager", "manager"])
    approval_submit(approval=approval, user=purchaser)
    approval_review(approval=approval, user=both, approve=True, opinion="")
    with pytest.raises(SegregationOfDutiesError):
        approval_review(approval=approval, user=both, approve=True, opinion="")
    assert reload(approval).status == ApprovalStatus.QUALITY_APPROVED


def test_manager_cannot_do_the_quality_step(approval, purchaser, manager):
    approval_submit(approval=approval, user=purchaser)
    with pytest.raises(PermissionDeniedError) as exc:
        approval_review(approval=approval, user=manager, approve=True, opinion="")
    assert "head of quality" in exc.value.messages[0]
    assert reload(approval).status == ApprovalStatus.SUBMITTED


def test_quality_manager_cannot_do_the_manager_step(approval, purchaser, quality):
    approval_submit(approval=approval, user=purchaser)
    approval_review(approval=approval, user=quality, approve=True, opinion="")
    other_quality = user_with_role("quality_manager", "quality_2")
    with pytest.raises(PermissionDeniedError):
        approval_review(approval=approval, user=other_quality, approve=True, opinion="")
    assert reload(approval).status == ApprovalStatus.QUALITY_APPROVED


def test_keeper_cannot_submit(approval):
    with pytest.raises(PermissionDeniedError):
        approval_submit(approval=approval, user=user_with_role("keeper"))
    assert reload(approval).status == ApprovalStatus.DRAFT


@pytest.mark.parametrize("opinion", ["", "   "])
def test_rejection_needs_an_opinion(approval, purchaser, quality, opinion):
    approval_submit(approval=approval, user=purchaser)
    with pytest.raises(InvalidStateError) as exc:
        approval_review(approval=approval, user=quality, approve=False, opinion=opinion)
    assert exc.value.field == "opinion"
    assert reload(approval).status == ApprovalStatus.SUBMITTED


def test_manager_rejection_needs_an_opinion_too(approval, purchaser, quality, manager):
    approval_submit(approval=approval, user=purchaser)
    approval_review(approval=approval, user=quality, approve=True, opinion="")
    with pytest.raises(InvalidStateError):
        approval_review(approval=approval, user=manager, approve=False, opinion="")
    approval_review(approval=approval, user=manager, approve=False, opinion="价格过高")
    approval = reload(approval)
    assert approval.status == ApprovalStatus.REJECTED
    assert approval.manager_opinion == "价格过高"


def test_rejected_application_can_be_resubmitted(approval, purchaser, quality, manager):
    approval_submit(approval=approval, user=purchaser)
    approval_review(approval=approval, user=quality, approve=False, opinion="缺注册证复印件")
    approval = reload(approval)
    assert approval.status == ApprovalStatus.REJECTED
    assert approval.quality_opinion == "缺注册证复印件"
    assert not approval.is_approved

    approval_submit(approval=approval, user=purchaser, note="已补注册证")
    approval = reload(approval)
    assert approval.status == ApprovalStatus.SUBMITTED
    # The new round starts clean; the rejected round stays in history.
    assert approval.quality_by is None and approval.quality_opinion == ""
    assert approval.application_note == "已补注册证"
    assert approval.history.filter(
        status=ApprovalStatus.REJECTED, quality_opinion="缺注册证复印件"
    ).exists()

    approval_review(approval=approval, user=quality, approve=True, opinion="")
    approval_review(approval=approval, user=manager, approve=True, opinion="")
    assert reload(approval).status == ApprovalStatus.APPROVED


def test_draft_awaits_no_review(approval, quality):
    with pytest.raises(InvalidStateError):
        approval_review(approval=approval, user=quality, approve=True, opinion="")
    assert reload(approval).status == ApprovalStatus.DRAFT


@pytest.mark.parametrize("steps", [1, 2, 3])
def test_cannot_submit_twice(approval, purchaser, quality, manager, steps):
    approval_submit(approval=approval, user=purchaser)
    if steps >= 2:
        approval_review(approval=approval, user=quality, approve=True, opinion="")
    if steps >= 3:
        approval_review(approval=approval, user=manager, approve=True, opinion="")
    status = reload(approval).status
    with pytest.raises(InvalidStateError):
        approval_submit(approval=approval, user=purchaser)
    assert reload(approval).status == status


def test_approved_awaits_no_review(approval, purchaser, quality, manager):
    approval_submit(approval=approval, user=purchaser)
    approval_review(approval=approval, user=quality, approve=True, opinion="")
    approval_review(approval=approval, user=manager, approve=True, opinion="")
    with pytest.raises(InvalidStateError):
        approval_review(approval=approval, user=manager, approve=False, opinion="撤回")
    assert reload(approval).status == ApprovalStatus.APPROVED


def test_stale_object_is_reloaded_before_review(approval, purchaser, quality):
    """The service locks and re-reads the row, so a stale copy cannot skip a step."""
    stale = reload(approval)
    approval_submit(approval=approval, user=purchaser)
    approval_review(approval=stale, user=quality, approve=True, opinion="")
    assert reload(approval).status == ApprovalStatus.QUALITY_APPROVED
