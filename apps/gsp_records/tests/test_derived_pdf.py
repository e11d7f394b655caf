"""The PDFs of the derived GSP records: each prints its Chinese title and the batch
numbers of the filtered rows, in a fixed number of queries; the list page's PDF button
queues the PDF of the page's filters."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.urls import reverse

from apps.core.models import today
from apps.gsp_records import pdf
from apps.gsp_records.derived import RECORDS
from apps.gsp_records.models import GeneratedPdf, PdfStatus

from .pdf_helpers import eager_celery, pdf_text  # noqa: F401  (fixture)
from .test_derived_world import build_records

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(db):
    return build_records()


# Batches each PDF must print with the default period / as-of date, and one it must not.
EXPECTED = {
    "purchase_records": ({"PA-001", "PB-002"}, "SA-001"),
    "acceptance_records": ({"PA-001", "PB-002"}, "SA-001"),
    "rejection_records": ({"PA-001"}, "PB-002"),
    "outbound_check_records": ({"SA-001", "SB-002"}, "PA-001"),
    "sales_records": ({"SA-001", "SB-002"}, "PA-001"),
    "expiry_push_list": ({"EY-001", "ER-001"}, "EG-001"),
    "return_notices": ({"SA-001"}, "SB-002"),
    "loss_approvals": ({"PA-001"}, "SA-001"),
}


def test_every_derived_record_is_registered_with_its_view_permission():
    for record in RECORDS:
        form = pdf.get_form(record.code)
        assert form is not None and form.title == record.pdf_title
        assert form.permission == record.permission
    assert set(EXPECTED) == {record.code for record in RECORDS}


def test_each_pdf_prints_its_title_and_the_batches_of_its_rows(
    records, django_assert_max_num_queries
):
    for record in RECORDS:
        form = pdf.get_form(record.code)
        params = form.clean_params(record.filter_form.defaults())
        with django_assert_max_num_queries(2):  # the rows (+ the band thresholds)
            built = form.build(params)
        html = pdf.render_html(form, built, token=uuid.uuid4(), number="PDF-TEST")
        content, pages = pdf.render_pdf_bytes(html)
        text = pdf_text(content)
        present, absent = EXPECTED[record.code]
        assert record.pdf_title in text.replace(" ", ""), record.code
        for batch in present:
            assert batch in text, (record.code, batch)
        assert absent not in text, (record.code, absent)
        assert pages >= 1


def test_the_loss_approval_prints_the_approval_chain(records):
    record = next(r for r in RECORDS if r.code == "loss_approvals")
    built = record.build(pdf.get_form(record.code).clean_params(record.filter_form.defaults()))
    [section] = built.sections
    assert section.number == records.loss_report.number
    names = [name for _label, name, _date in section.signatures]
    sw = records.sales
    assert names == [
        sw.keeper.get_username(),
        records.quality_manager.get_username(),
        sw.manager.get_username(),
    ]
    assert any("同意报损" in value for _label, value in section.notes)


@pytest.mark.usefixtures("eager_celery")
def test_the_pdf_button_queues_the_pdf_of_the_page_filters(
    records, role_client, django_capture_on_commit_callbacks
):
    client = role_client("auditor")
    start = (today() - datetime.timedelta(days=5)).isoformat()
    page = client.get(reverse("gsp_records:acceptance_records"), {"date_from": start})
    assert b'name="form" value="acceptance_records"' in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("gsp_records:pdf_request"),
            {
                "form": "acceptance_records",
                "date_from": start,
                "date_to": today().isoformat(),
                "batch": "PB",
            },
        )
    generated = GeneratedPdf.objects.get()
    assert response.url == reverse("gsp_records:pdf_detail", args=[generated.pk])
    generated.refresh_from_db()
    assert generated.status == PdfStatus.READY, generated.error
    assert generated.params["batch"] == "PB"
    text = pdf_text(bytes(generated.content))
    assert "医疗器械质量验收记录" in text.replace(" ", "")
    assert "PB-002" in text and "PA-001" not in text


def test_a_role_without_the_view_permission_cannot_print(records, role_client):
    client = role_client("purchaser")
    client.post(
        reverse("gsp_records:pdf_request"),
        {"form": "sales_records", "date_from": "2026-01-01", "date_to": "2026-01-31"},
    )
    assert not GeneratedPdf.objects.exists()
