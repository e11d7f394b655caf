"""The PDF pipeline: request, render by the task, text, font, page numbers, QR code,
hash, failures with their reason, and a task that runs twice renders once."""

from __future__ import annotations

import datetime
import hashlib
import io

import pytest
from django import forms
from pypdf import PdfReader

from apps.core.exceptions import DomainError, PermissionDeniedError
from apps.core.tests.factories import user_with_role
from apps.gsp_records import pdf, services
from apps.gsp_records.models import GeneratedPdf, PdfStatus
from apps.gsp_records.tasks import render_pdf

from .pdf_helpers import (  # noqa: F401 - fixtures
    CODE,
    FORM_NUMBER,
    TITLE,
    eager_celery,
    params,
    pdf_text,
    test_form,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("test_form", "eager_celery")]


@pytest.fixture
def inspector():
    return user_with_role("inspector")


def request_and_render(user, django_capture_on_commit_callbacks, **data) -> GeneratedPdf:
    with django_capture_on_commit_callbacks(execute=True):
        generated = services.pdf_request(form_code=CODE, data=params(**data), user=user)
    generated.refresh_from_db()
    return generated


def fonts(reader: PdfReader) -> list[tuple[str, object]]:
    """(BaseFont, FontDescriptor) of every descendant font used on any page."""
    found = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descendant = descendant.get_object()
                found.append(
                    (str(descendant["/BaseFont"]), descendant["/FontDescriptor"].get_object())
                )
    return found


def test_requested_pdf_is_rendered_after_commit_with_text_font_pages_and_qr(
    inspector, django_capture_on_commit_callbacks
):
    generated = request_and_render(
        inspector, django_capture_on_commit_callbacks, batches=("B2026A", "SN-77"), rows=60
    )

    assert generated.status == PdfStatus.READY, generated.error
    content = bytes(generated.content)
    assert content.startswith(b"%PDF-")
    assert generated.sha256 == hashlib.sha256(content).hexdigest()
    assert (generated.size, generated.attempts) == (len(content), 1)
    assert (generated.date_from, generated.date_to) == (
        datetime.date(2026, 1, 1),
        datetime.date(2026, 1, 31),
    )
    reader = PdfReader(io.BytesIO(content))
    assert generated.pages == len(reader.pages) > 1  # 62 rows do not fit on one page
    text = pdf_text(content)
    for expected in (TITLE, "上海示例医疗器械有限公司", "沪药监械经营许20190001号", FORM_NUMBER):
        assert expected in text
    assert "B2026A" in text and "SN-77" in text and "R00059" in text
    assert generated.number in text
    total = generated.pages
    for number, page in enumerate(reader.pages, 1):
        page_text = page.extract_text()
        assert f"{number} / {total}" in page_text
        # The footer of every page names the verification page the QR code links to.
        assert pdf.verify_url(generated.token) in page_text
        images = [
            xobject.get_object()
            for xobject in page["/Resources"].get("/XObject", {}).values()
            if xobject.get_object()["/Subtype"] == "/Image"
        ]
        assert images, f"page {number} has no QR code image"
    used = fonts(reader)
    assert used
    for base_font, descriptor in used:
        # Embedded (a subset: "ABCDEF+" prefix) and ours, not a system font.
        assert "+Noto-Sans-SC-GB2312" in base_font, base_font
        assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


def test_params_survive_the_json_round_trip():
    class Params(forms.Form):
        day = forms.DateField()
        count = forms.IntegerField()
        amount = forms.DecimalField()
        note = forms.CharField(required=False)

    first = Params(data={"day": "2026-03-04", "count": "7", "amount": "1.50", "note": ""})
    assert first.is_valid()
    as_json = pdf.json_params(first.cleaned_data)
    assert as_json == {"day": "2026-03-04", "count": 7, "amount": "1.50"}
    again = Params(data=as_json)
    assert again.is_valid()
    assert again.cleaned_data["day"] == datetime.date(2026, 3, 4)
    assert again.cleaned_data["count"] == 7


def test_build_error_fails_the_pdf_with_its_reason(inspector, django_capture_on_commit_callbacks):
    generated = request_and_render(inspector, django_capture_on_commit_callbacks, fail="on")

    assert generated.status == PdfStatus.FAILED
    assert "批号不存在：XYZ" in generated.error
    assert generated.content is None and generated.sha256 == ""
    assert generated.finished_at is not None


def test_unexpected_error_and_database_error_in_build_are_recorded(inspector):
    from django.db import connection

    def broken(params):
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table")

    generated = GeneratedPdf.objects.create(
        number="PDF-T-1", form_code=CODE, title=TITLE, params=params(), requested_by=inspector
    )
    pdf.REGISTRY[CODE] = pdf.PdfForm(
        code=CODE, title=TITLE, form_number="X", permission="x.y", build=broken
    )
    services.pdf_render(generated.pk)  # the savepoint keeps the failure writable

    generated.refresh_from_db()
    assert generated.status == PdfStatus.FAILED
    assert "ProgrammingError" in generated.error and "no_such_table" in generated.error


def test_invalid_parameters_are_refused_and_nothing_is_saved(inspector):
    with pytest.raises(DomainError) as caught:
        services.pdf_request(
            form_code=CODE,
            data={"date_from": "2026-02-01", "date_to": "2026-01-01"},
            user=inspector,
        )
    assert "The start date is after the end date." in caught.value.messages[0] or (
        "开始日期" in caught.value.messages[0]
    )
    with pytest.raises(DomainError):
        services.pdf_request(form_code="nope", data=params(), user=inspector)
    with pytest.raises(PermissionDeniedError):
        services.pdf_request(form_code=CODE, data=params(), user=user_with_role("sales"))
    assert not GeneratedPdf.objects.exists()


def test_running_the_task_twice_renders_once(
    inspector, django_capture_on_commit_callbacks, monkeypatch
):
    generated = request_and_render(inspector, django_capture_on_commit_callbacks)
    assert generated.status == PdfStatus.READY
    first = (generated.attempts, generated.finished_at, generated.sha256)
    calls = []
    monkeypatch.setattr(pdf, "render_pdf_bytes", lambda html: calls.append(html))

    assert render_pdf.delay(generated.pk).get() == PdfStatus.READY  # redelivered

    generated.refresh_from_db()
    assert (generated.attempts, generated.finished_at, generated.sha256) == first
    assert calls == []
    assert GeneratedPdf.objects.count() == 1


def test_a_failed_pdf_is_not_rendered_again(inspector):
    generated = GeneratedPdf.objects.create(
        number="PDF-T-2",
        form_code=CODE,
        title=TITLE,
        params=params(fail="on"),
        requested_by=inspector,
    )
    services.pdf_render(generated.pk)
    generated.refresh_from_db()
    assert (generated.status, generated.attempts) == (PdfStatus.FAILED, 1)

    services.pdf_render(generated.pk)
    generated.refresh_from_db()
    assert generated.attempts == 1


def test_broker_down_fails_the_pdf_instead_of_the_request(
    inspector, django_capture_on_commit_callbacks, monkeypatch
):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("redis down")

    monkeypatch.setattr(render_pdf, "delay", refuse)
    generated = request_and_render(inspector, django_capture_on_commit_callbacks)

    assert generated.status == PdfStatus.FAILED
    assert "ConnectionRefusedError" in generated.error


def test_css_strings_escape_quotes_and_keep_chinese():
    assert pdf.css_string('上海"A"\\B</style>') == '"上海\\22 A\\22 \\5c B\\3c /style\\3e "'
