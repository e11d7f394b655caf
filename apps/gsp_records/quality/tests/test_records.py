"""Quality inquiries, feedback, health checks and training: required fields, sign-off
rules, the health-check warning, PDFs and permissions."""

import datetime
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from apps.catalog.tests.factories import ProductFactory
from apps.core.exceptions import DomainError
from apps.core.models import today
from apps.core.tests.factories import user_with_role
from apps.gsp_records import services
from apps.gsp_records.models import PdfStatus

from ..models import (
    HealthCheck,
    InformationLevel,
    QualityFeedback,
    QualityInquiry,
    ReinspectionNotice,
    TrainingRecord,
)
from ..views import missing_health_checks
from .helpers import client_for, form_errors, messages_of, stocked_lot

pytestmark = pytest.mark.django_db


@pytest.fixture
def quality():
    return client_for("quality_manager")


def pdf_text(code, data, user) -> str:
    generated = services.pdf_request(form_code=code, data=data, user=user)
    generated = services.pdf_render(generated.pk)
    assert generated.status == PdfStatus.READY, generated.error
    reader = PdfReader(io.BytesIO(bytes(generated.content)))
    return "".join(page.extract_text() for page in reader.pages)


def test_quality_inquiry_needs_investigation_and_result_before_signing(quality):
    product = ProductFactory()
    data = {
        "record_date": today().isoformat(),
        "inquiring_unit": "上海市第一人民医院",
        "letter_number": "沪一医函〔2024〕12号",
        "letter_date": today().isoformat(),
        "product": product.pk,
        "quantity": 100,
        "amount": "1200.00",
        "batch_number": "B20240301",
        "origin": "江苏",
        "reason": "使用中发现漏液",
    }
    response = quality.post(reverse("gsp_quality:qualityinquiry_create"), data)
    assert response.status_code == 302
    inquiry = QualityInquiry.objects.get()
    response = quality.post(
        reverse("gsp_quality:qualityinquiry_sign", args=[inquiry.pk]), follow=True
    )
    assert any(
        "Enter before signing: investigation, result of the inquiry" in m
        for m in messages_of(response)
    )
    inquiry.investigation, inquiry.result = "留样检验合格", "答复来函单位"
    services.record_update(record=inquiry, user=quality.user)
    services.record_sign(record=inquiry, user=quality.user)
    assert QualityInquiry.objects.get().is_signed


def test_quality_inquiry_bad_input_saves_nothing(quality):
    product = ProductFactory()
    url = reverse("gsp_quality:qualityinquiry_create")
    base = {
        "record_date": today().isoformat(),
        "inquiring_unit": "某医院",
        "product": product.pk,
        "reason": "漏液",
    }
    tomorrow = (today() + datetime.timedelta(days=1)).isoformat()
    response = quality.post(url, {**base, "letter_date": tomorrow})
    assert "This date is in the future." in response.context["form"].errors["letter_date"]
    response = quality.post(url, {**base, "amount": "-5"})
    assert "amount" in response.context["form"].errors
    response = quality.post(url, {**base, "product": 987654})
    assert "product" in response.context["form"].errors
    response = quality.post(url, {**base, "inquiring_unit": ""})
    assert "inquiring_unit" in response.context["form"].errors
    assert not QualityInquiry.objects.exists()


def test_feedback_opinions_are_filled_in_as_a_draft_and_the_level_decides_what_is_needed(
    quality,
):
    reporter = user_with_role("keeper")
    data = {
        "record_date": today().isoformat(),
        "department": "储运科",
        "level": InformationLevel.SIGNIFICANT,
        "situation": "一批注射器外箱受潮",
        "reporter": reporter.pk,
        "report_date": today().isoformat(),
        "department_opinion": "建议复检",
        "department_handler": reporter.pk,
        "department_date": today().isoformat(),
        "copy_to": "业务科",
    }
    response = quality.post(reverse("gsp_quality:qualityfeedback_create"), data)
    assert response.status_code == 302, form_errors(response)
    feedback = QualityFeedback.objects.get()
    with pytest.raises(DomainError, match="opinion of the quality office"):
        services.record_sign(record=feedback, user=quality.user)
    # An opinion needs its handler.
    edit = reverse("gsp_quality:qualityfeedback_update", args=[feedback.pk])
    response = quality.post(edit, {**data, "quality_opinion": "同意复检"})
    assert "Name who handled the opinion of the quality office." in form_errors(response)
    response = quality.post(
        edit,
        {
            **data,
            "quality_opinion": "同意复检",
            "quality_handler": quality.user.pk,
            "quality_date": today().isoformat(),
        },
    )
    assert response.status_code == 302
    services.record_sign(record=QualityFeedback.objects.get(), user=quality.user)
    feedback = QualityFeedback.objects.get()
    assert feedback.is_signed and feedback.quality_opinion == "同意复检"
    # Signed: closed.
    response = quality.post(edit, {**data, "other_opinion": "x"}, follow=True)
    assert any("is signed" in m for m in messages_of(response))


def test_health_check_list_flags_quality_staff_without_a_check_this_year(
    quality, django_assert_max_num_queries
):
    year = today().year
    user_with_role("keeper", "keeper_zhang")
    checked = user_with_role("inspector", "inspector_li")
    user_with_role("sales", "sales_wang")  # not a quality post
    base = {"age": 35, "sex": "f", "post": "验收员", "status": "fit"}
    for number, (user, name, check_year) in enumerate(
        [(checked, "", year), (None, "赵六", year - 1), (None, "钱七", year)]
        + [(None, f"员工{i}", year) for i in range(5)]
    ):
        services.record_create(
            record=HealthCheck(
                file_number=f"JK{number}", user=user, name=name, check_year=check_year, **base
            ),
            user=quality.user,
        )
    missing = missing_health_checks(year)
    assert "keeper_zhang" in missing and "赵六" in missing
    assert "inspector_li" not in missing and "钱七" not in missing
    assert "sales_wang" not in missing
    with django_assert_max_num_queries(14):
        response = quality.get(reverse("gsp_quality:healthcheck_list"))
    page = response.content.decode()
    assert "keeper_zhang" in page and "赵六" in page


def test_health_check_rules(quality):
    url = reverse("gsp_quality:healthcheck_create")
    base = {
        "record_date": today().isoformat(),
        "file_number": "JK-001",
        "age": 30,
        "sex": "m",
        "post": "养护员",
        "quality_post": "on",
        "check_year": today().year,
        "status": "fit",
    }
    response = quality.post(url, base)
    assert "Choose a staff member or enter a name." in form_errors(response)
    response = quality.post(url, {**base, "name": "张三", "check_year": today().year + 1})
    assert "The check year is in the future." in form_errors(response)
    response = quality.post(url, {**base, "name": "张三", "status": "unfit"})
    assert "Describe why the person is unfit for the post." in form_errors(response)
    response = quality.post(url, {**base, "name": "张三", "age": -1})
    assert "age" in response.context["form"].errors
    assert not HealthCheck.objects.exists()
    member = user_with_role("keeper", "keeper_li")
    response = quality.post(url, {**base, "user": member.pk})
    assert response.status_code == 302
    assert HealthCheck.objects.get().name == "keeper_li"


def test_training_record_sign_needs_the_assessment_and_then_is_locked(quality):
    data = {
        "record_date": today().isoformat(),
        "topic": "医疗器械监督管理条例培训",
        "trainer": "质管部 王老师",
        "hours": "2.0",
        "attendees": "张三\n李四、王五",
    }
    response = quality.post(reverse("gsp_quality:trainingrecord_create"), data)
    assert response.status_code == 302
    record = TrainingRecord.objects.get()
    assert record.attendee_names == ["张三", "李四", "王五"]
    with pytest.raises(DomainError, match="Enter the assessment result"):
        services.record_sign(record=record, user=quality.user)
    record.assessment = "全部考核合格"
    services.record_update(record=record, user=quality.user)
    services.record_sign(record=record, user=quality.user)
    response = quality.post(reverse("gsp_quality:trainingrecord_create"), {**data, "hours": "0"})
    assert "hours" in response.context["form"].errors
    assert TrainingRecord.objects.count() == 1


def test_permissions_of_the_quality_office_records(quality):
    auditor = client_for("auditor")
    keeper = client_for("keeper")
    for name in ("qualityinquiry", "qualityfeedback", "healthcheck", "trainingrecord"):
        assert auditor.get(reverse(f"gsp_quality:{name}_list")).status_code == 200
        assert auditor.get(reverse(f"gsp_quality:{name}_create")).status_code == 403
        assert keeper.get(reverse(f"gsp_quality:{name}_list")).status_code == 403
        assert quality.get(reverse(f"gsp_quality:{name}_create")).status_code == 200
    record = services.record_create(
        record=TrainingRecord(
            topic="GSP", trainer="王", hours=1, attendees="张三", assessment="合格"
        ),
        user=quality.user,
    )
    sign = reverse("gsp_quality:trainingrecord_sign", args=[record.pk])
    assert auditor.post(sign).status_code == 403
    assert not TrainingRecord.objects.get().is_signed


def test_pdfs_carry_the_chinese_title_and_the_batch_number(quality):
    keeper = user_with_role("keeper")
    lot, shelf = stocked_lot()
    notice = services.record_create(
        record=ReinspectionNotice(lot=lot, location=shelf, quantity=3, problem="外包装破损"),
        user=keeper,
    )
    text = pdf_text("reinspection_notice", notice.pdf_params(), quality.user)
    assert "商品质量复检通知单" in text
    assert lot.batch_number in text and notice.number in text

    product = ProductFactory()
    services.record_create(
        record=QualityInquiry(
            inquiring_unit="某医院", product=product, batch_number="QB778899", reason="漏液"
        ),
        user=quality.user,
    )
    period = {"date_from": today().isoformat(), "date_to": today().isoformat()}
    text = pdf_text("quality_inquiry_list", period, quality.user)
    assert "质量查询登记表" in text and "QB778899" in text

    # Printing needs the record's view permission.
    with pytest.raises(DomainError):
        services.pdf_request(
            form_code="quality_inquiry_list", data=period, user=user_with_role("sales")
        )
