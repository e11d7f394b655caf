"""Every page of every quality record renders for a draft and a signed record."""

import pytest
from django.urls import reverse

from apps.catalog.tests.factories import ProductFactory
from apps.core.tests.factories import user_with_role
from apps.gsp_records import services

from ..models import (
    HealthCheck,
    QualityFeedback,
    QualityInquiry,
    ReinspectionNotice,
    StopSaleNotice,
    TrainingRecord,
)
from ..services import reinspection_issue
from .helpers import client_for, stocked_lot

pytestmark = pytest.mark.django_db


def test_pages_render_for_drafts_and_signed_records():
    quality = client_for("quality_manager")
    quality.user.is_staff = True
    quality.user.save()
    keeper = user_with_role("keeper")
    lot, shelf = stocked_lot()
    notice = services.record_create(
        record=ReinspectionNotice(lot=lot, location=shelf, quantity=2, problem="破损"),
        user=keeper,
    )
    reinspection_issue(notice=notice, user=quality.user)
    records = [
        notice,
        services.record_create(
            record=StopSaleNotice(
                lot=lot, quantity=1, findings="破损", treatment="停售", handler=keeper
            ),
            user=quality.user,
        ),
        services.record_create(
            record=QualityInquiry(inquiring_unit="医院", product=ProductFactory(), reason="漏液"),
            user=quality.user,
        ),
        services.record_create(
            record=QualityFeedback(department="储运科", level=3, situation="受潮", reporter=keeper),
            user=quality.user,
        ),
        services.record_create(
            record=HealthCheck(
                file_number="1",
                name="张三",
                age=30,
                sex="m",
                post="养护",
                check_year=2024,
                status="fit",
            ),
            user=quality.user,
        ),
        services.record_create(
            record=TrainingRecord(
                topic="GSP", trainer="王", hours=1, attendees="张三", assessment="合格"
            ),
            user=quality.user,
        ),
    ]
    for record in records:
        name = record._meta.model_name
        for action in ("detail", "update", "history"):
            url = reverse(f"gsp_quality:{name}_{action}", args=[record.pk])
            assert quality.get(url).status_code == 200, url
        admin = reverse(f"admin:gsp_quality_{name}_change", args=[record.pk])
        assert quality.get(admin).status_code == 200, admin
        assert quality.get(reverse(f"admin:gsp_quality_{name}_changelist")).status_code == 200
    # The re-inspection's edit page offers the result to the head of quality once issued.
    page = quality.get(reverse("gsp_quality:reinspectionnotice_update", args=[notice.pk]))
    assert "result" in page.context["form"].fields
    assert page.context["form"].fields["lot"].disabled
    # Signed: the detail page offers a correction; the correction page renders.
    services.record_sign(record=records[-1], user=quality.user)
    detail = quality.get(reverse("gsp_quality:trainingrecord_detail", args=[records[-1].pk]))
    assert detail.context["can_correct"]
    correct = reverse("gsp_quality:trainingrecord_correct", args=[records[-1].pk])
    assert quality.get(correct).status_code == 200


def test_admin_saves_drafts_through_the_services_and_locks_signed_records():
    quality = client_for("quality_manager")
    quality.user.is_staff = True
    quality.user.save()
    data = {
        "record_date": "2024-05-06",
        "topic": "冷链管理培训",
        "trainer": "王",
        "hours": "1.5",
        "attendees": "张三",
        "assessment": "合格",
        "remarks": "",
    }
    response = quality.post(reverse("admin:gsp_quality_trainingrecord_add"), data)
    assert response.status_code == 302
    record = TrainingRecord.objects.get()
    assert record.number.startswith("PX-") and record.author == quality.user
    services.record_sign(record=record, user=quality.user)
    change = reverse("admin:gsp_quality_trainingrecord_change", args=[record.pk])
    assert quality.get(change).status_code == 200  # read-only view
    assert quality.post(change, {**data, "topic": "改"}).status_code == 403
    delete = reverse("admin:gsp_quality_trainingrecord_delete", args=[record.pk])
    assert quality.post(delete, {"post": "yes"}).status_code == 403
    assert TrainingRecord.objects.get().topic == "冷链管理培训"
