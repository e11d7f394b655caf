"""The public verification page the QR code leads to."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.core.tests.factories import user_with_role
from apps.gsp_records import services
from apps.gsp_records.models import GeneratedPdf, PdfStatus

from .pdf_helpers import CODE, TITLE, params, test_form  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("test_form")]


@pytest.fixture
def rendered():
    inspector = user_with_role("inspector", "inspector_wang")
    generated = GeneratedPdf.objects.create(
        number="PDF-V-1",
        form_code=CODE,
        title=TITLE,
        params=params(),
        requested_by=inspector,
    )
    generated = services.pdf_render(generated.pk)
    assert generated.status == PdfStatus.READY
    return generated


def verify_url(generated) -> str:
    return reverse("gsp_records:pdf_verify", args=[generated.token])


def upload(client, generated, content: bytes, name="copy.pdf"):
    return client.post(
        verify_url(generated), {"file": SimpleUploadedFile(name, content, "application/pdf")}
    )


def test_anonymous_visitor_sees_the_stored_hash_and_that_the_file_matches(client, rendered):
    response = client.get(verify_url(rendered))
    assert response.status_code == 200
    page = response.content.decode()
    assert rendered.sha256 in page and rendered.number in page and TITLE in page
    assert "2026-01-01" in page
    assert response.context["stored_matches"] is True
    # Nothing about who asked for it, nor the parameters or the file itself.
    assert "inspector_wang" not in page
    assert "B2026A" not in page
    assert reverse("gsp_records:pdf_download", args=[rendered.pk]) not in page


def test_tampered_stored_file_shows_a_mismatch(client, rendered):
    # Bypass every model method: what an attacker with database access would do.
    GeneratedPdf.objects.filter(pk=rendered.pk).update(content=b"%PDF-1.7 forged")
    response = client.get(verify_url(rendered))
    assert response.context["stored_matches"] is False
    assert 'id="stored-status"' in response.content.decode()


def test_uploaded_copy_matches_or_differs(client, rendered):
    original = bytes(rendered.content)

    response = upload(client, rendered, original)
    assert response.context["upload_matches"] is True
    assert response.context["uploaded_hash"] == rendered.sha256

    changed = original.replace(b"B2026A", b"B2026X", 1)
    response = upload(client, rendered, changed if changed != original else original + b"\n")
    assert response.context["upload_matches"] is False
    assert response.context["uploaded_hash"] != rendered.sha256


def test_upload_that_is_not_a_pdf_is_refused(client, rendered):
    response = upload(client, rendered, b"MZ\x90\x00 an executable", name="copy.pdf")
    assert response.context["upload_matches"] is None
    assert response.context["form"].errors["file"]


def test_upload_too_large_is_refused(client, rendered, monkeypatch):
    from apps.gsp_records import views

    monkeypatch.setattr(views, "MAX_VERIFY_UPLOAD", 100)
    response = upload(client, rendered, b"%PDF-" + b"x" * 200)
    assert response.context["upload_matches"] is None
    assert response.context["form"].errors["file"]


def test_unknown_or_unfinished_pdf_is_404(client):
    queued = GeneratedPdf.objects.create(
        number="PDF-V-2", form_code=CODE, title=TITLE, params=params()
    )
    assert client.get(verify_url(queued)).status_code == 404
    missing = GeneratedPdf(token="00000000-0000-0000-0000-000000000000")
    assert client.get(verify_url(missing)).status_code == 404


def test_stored_hash_helper(rendered):
    assert services.pdf_matches(rendered)
    assert services.pdf_matches(rendered, bytes(rendered.content))
    assert not services.pdf_matches(rendered, b"%PDF-other")
    assert hashlib.sha256(bytes(rendered.content)).hexdigest() == rendered.sha256
