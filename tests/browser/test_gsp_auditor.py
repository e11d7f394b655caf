"""An auditor requests the acceptance record (医疗器械质量验收记录) of a period in the PDF
archive and downloads it: the file is a PDF with the title and the accepted batch.

Celery runs eagerly here, so the PDF is rendered when the request commits and the status
page shows it ready (with a broker it would poll until then)."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from playwright.sync_api import expect
from pypdf import PdfReader

from apps.core.models import today
from apps.core.tests.factories import user_with_role
from apps.gsp_records import pdf
from apps.gsp_records.models import GeneratedPdf, PdfStatus
from apps.gsp_records.tests.pdf_helpers import eager_celery  # noqa: F401 - fixture
from apps.purchasing.services import acceptance_create
from apps.purchasing.tests.factories import open_order, purchasing_world, receive

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("eager_celery"),
]

PASSWORD = "Test-pass-2026!"  # apps.core.tests.factories.UserFactory
FORM_CODE = "acceptance_records"
TITLE = "医疗器械质量验收记录"


@pytest.fixture
def accepted_batch():
    world = purchasing_world()
    order = open_order(world, {world.product: 50})
    line = receive(world, order, world.product, 50, batch_number="AUD2026B7").lines.get()
    acceptance_create(
        receipt_line=line,
        user=world.inspector,
        accepted_qty=50,
        rejected_qty=0,
        appearance_ok=True,
        packaging_ok=True,
        label_ok=True,
        certificate_ok=True,
        qualified_location=world.qualified,
        nonconforming_location=world.nonconforming,
    )
    return "AUD2026B7"


def test_auditor_downloads_an_acceptance_record_pdf(page, login, accepted_batch, tmp_path):
    assert FORM_CODE in pdf.REGISTRY, "the acceptance record PDF form is not registered"
    auditor = user_with_role("auditor", "auditor_li")
    login(auditor.username, PASSWORD)

    page.goto(reverse("gsp_records:pdf_list"))
    page.select_option("#new-form-choice", FORM_CODE)  # htmx swaps in its parameters
    expect(page.locator("#new-pdf-form input[name='form']")).to_have_value(FORM_CODE)
    start = today() - datetime.timedelta(days=7)
    page.fill("#new-pdf-form input[name='date_from']", start.isoformat())
    page.fill("#new-pdf-form input[name='date_to']", today().isoformat())
    with page.expect_navigation():
        page.click("#new-pdf-form button[type=submit]")

    generated = GeneratedPdf.objects.get()
    assert generated.status == PdfStatus.READY, generated.error
    assert generated.requested_by == auditor
    with page.expect_download() as download_info:
        page.click(f"a[href='{reverse('gsp_records:pdf_download', args=[generated.pk])}']")
    target = tmp_path / "download.pdf"
    download_info.value.save_as(target)
    content = target.read_bytes()
    assert content.startswith(b"%PDF-")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert TITLE in text
    assert accepted_batch in text

    # The archive lists it with its download link.
    page.goto(reverse("gsp_records:pdf_list"))
    expect(page.locator(f"[data-download='{generated.number}']")).to_be_visible()
