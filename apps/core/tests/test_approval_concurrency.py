"""Two reviewers acting on one application at the same moment (real threads, PostgreSQL).

The approval services lock the application row, so exactly one review is recorded and
the other reviewer is told the application has moved on; without the lock both would
read "submitted" and both write a quality review.
"""

import threading

import pytest
from django.db import connection

from apps.catalog.models import ProductFirstApproval
from apps.catalog.tests.factories import ProductFactory
from apps.core.approvals import approval_review, approval_submit
from apps.core.exceptions import DomainError
from apps.core.models import ApprovalStatus
from apps.core.tests.factories import user_with_role


@pytest.mark.django_db(transaction=True)
def test_concurrent_quality_reviews_record_exactly_one():
    purchaser = user_with_role("purchaser", "buyer")
    reviewers = [user_with_role("quality_manager", f"qm{i}") for i in range(2)]
    approval = ProductFirstApproval.objects.create(product=ProductFactory())
    approval_submit(approval=approval, user=purchaser)

    barrier = threading.Barrier(len(reviewers))
    outcomes: list[str] = []
    lock = threading.Lock()

    def review(user):
        try:
            barrier.wait(timeout=10)
            approval_review(
                approval=ProductFirstApproval.objects.get(pk=approval.pk),
                user=user,
                approve=True,
                opinion=f"checked by {user.username}",
            )
            result = "ok"
        except DomainError as error:
            result = f"refused: {error}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=review, args=(user,)) for user in reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(o == "ok" for o in outcomes) == [False, True], outcomes
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.QUALITY_APPROVED
    quality_rows = approval.history.filter(status=ApprovalStatus.QUALITY_APPROVED)
    assert quality_rows.count() == 1
