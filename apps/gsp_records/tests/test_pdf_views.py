"""The PDF archive and downloads: who sees what, filters, the "new PDF" panel, the
period shortcut and the query count of the list."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.urls import reverse

from apps.core.tests.factories import user_with_role
from apps.gsp_records.models import GeneratedPdf, PdfStatus

from .pdf_helpers import CODE, TITLE, eager_celery, params, test_form  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("test_form", "eager_celery")]
LIST = reverse("gsp_records:pdf_list")
FAKE_PDF = b"%PDF-1.7\n% not rendered, stored as a ready file\n%%EOF"


def ready_pdf(number: str, *, user=None, form_code=CODE, day=datetime.date(2026, 1, 15), **kw):
    return GeneratedPdf.objects.create(
        number=number,
        form_code=form_code,
        title=TITLE,
        params={},
        date_from=day,
        date_to=day + datetime.timedelta(days=kw.pop("days", 0)),
        status=PdfStatus.READY,
        content=FAKE_PDF,
        sha256=hashlib.sha256(FAKE_PDF).hexdigest(),
        size=len(FAKE_PDF),
        pages=1,
        requested_by=user,
        **kw,
    )


def listed(response) -> set[str]:
    return {pdf.number for pdf in response.context["table"].page.object_list.data}


def test_auditor_lists_and_downloads_every_pdf(role_client):
    inspector = user_with_role("inspector")
    generated = ready_pdf("PDF-A-1", user=inspector)
    client = role_client("auditor")

    response = client.get(LIST)
    assert response.status_code == 200
    assert listed(response) == {"PDF-A-1"}
    download = reverse("gsp_records:pdf_download", args=[generated.pk])
    assert download in response.content.decode()

    response = client.get(download)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content == FAKE_PDF
    assert response["X-Content-SHA256"] == generated.sha256
    assert "attachment" in response["Content-Disposition"]


def test_salesperson_gets_403_on_the_archive_and_on_others_pdfs(role_client):
    generated = ready_pdf("PDF-A-2", user=user_with_role("inspector"))
    client = role_client("sales")

    assert client.get(LIST).status_code == 403
    assert client.get(reverse("gsp_records:pdf_detail", args=[generated.pk])).status_code == 403
    assert client.get(reverse("gsp_records:pdf_download", args=[generated.pk])).status_code == 403


def test_requester_downloads_own_pdf_of_a_form_they_may_print_only(role_client):
    client = role_client("inspector")
    own = ready_pdf("PDF-A-3", user=client.user)
    other = ready_pdf("PDF-A-4", user=user_with_role("purchaser"))
    unknown_form = ready_pdf("PDF-A-5", user=client.user, form_code="gone")

    assert client.get(reverse("gsp_records:pdf_download", args=[own.pk])).status_code == 200
    assert client.get(reverse("gsp_records:pdf_download", args=[other.pk])).status_code == 403
    assert (
        client.get(reverse("gsp_records:pdf_download", args=[unknown_form.pk])).status_code == 403
    )
    assert client.get(LIST).status_code == 403  # the archive is the auditor's


def test_anonymous_users_are_sent_to_login(client):
    generated = ready_pdf("PDF-A-6")
    for url in (
        LIST,
        reverse("gsp_records:pdf_detail", args=[generated.pk]),
        reverse("gsp_records:pdf_download", args=[generated.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    response = client.post(reverse("gsp_records:pdf_request"), {"form": CODE, **params()})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert GeneratedPdf.objects.count() == 1


def test_download_of_a_pdf_not_ready_is_404(role_client):
    client = role_client("auditor")
    queued = GeneratedPdf.objects.create(number="PDF-Q-1", form_code=CODE, title=TITLE)
    failed = GeneratedPdf.objects.create(
        number="PDF-F-1", form_code=CODE, title=TITLE, status=PdfStatus.FAILED, error="boom"
    )
    for generated in (queued, failed):
        assert (
            client.get(reverse("gsp_records:pdf_download", args=[generated.pk])).status_code == 404
        )
    # The status page polls while queued and shows the reason of a failure.
    page = client.get(reverse("gsp_records:pdf_detail", args=[queued.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in page
    page = client.get(reverse("gsp_records:pdf_detail", args=[failed.pk])).content.decode()
    assert "boom" in page and "hx-trigger" not in page


def test_archive_filters(role_client):
    client = role_client("auditor")
    inspector = user_with_role("inspector")
    january = ready_pdf("PDF-F-JAN", user=inspector, day=datetime.date(2026, 1, 10), days=20)
    ready_pdf("PDF-F-MAR", day=datetime.date(2026, 3, 5), record_number="TH-20260305-0001")
    ready_pdf("PDF-F-OTHER", form_code="other_form", day=datetime.date(2026, 1, 12))
    GeneratedPdf.objects.create(
        number="PDF-F-FAIL", form_code=CODE, title=TITLE, status=PdfStatus.FAILED, error="x"
    )
    GeneratedPdf.objects.filter(pk=january.pk).update(
        created_at=datetime.datetime(2026, 2, 1, 9, tzinfo=datetime.UTC)
    )

    def numbers(**query):
        response = client.get(LIST, query)
        assert response.status_code == 200
        return listed(response)

    assert numbers(form_code=CODE) == {"PDF-F-JAN", "PDF-F-MAR", "PDF-F-FAIL"}
    assert numbers(status="failed") == {"PDF-F-FAIL"}
    # The period filter finds PDFs whose period overlaps it.
    assert numbers(period_from="2026-01-25", period_to="2026-02-28") == {"PDF-F-JAN"}
    assert numbers(period_from="2026-03-01") == {"PDF-F-MAR"}
    assert numbers(requested_from="2026-02-01", requested_to="2026-02-01") == {"PDF-F-JAN"}
    assert numbers(record_number="0305") == {"PDF-F-MAR"}
    assert numbers(requested_by=inspector.pk) == {"PDF-F-JAN"}
    assert numbers(q="PDF-F-OTHER") == {"PDF-F-OTHER"}


def test_archive_query_count_does_not_grow_with_rows(role_client, django_assert_max_num_queries):
    client = role_client("auditor")
    users = [user_with_role(role) for role in ("inspector", "purchaser", "keeper")]
    for n in range(3):
        ready_pdf(f"PDF-N-{n}", user=users[n])
    with django_assert_max_num_queries(12) as few:
        client.get(LIST)
    for n in range(3, 30):
        ready_pdf(f"PDF-N-{n}", user=users[n % 3])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST)
    assert len(listed(response)) == 25  # one page


def test_new_pdf_panel_offers_printable_forms_and_queues_a_pdf(
    role_client, django_capture_on_commit_callbacks
):
    client = role_client("auditor")
    page = client.get(LIST, {"new": CODE}).content.decode()
    assert f'<option value="{CODE}" selected>' in page
    assert 'name="date_from"' in page and 'name="batches"' in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("gsp_records:pdf_request"), {"form": CODE, **params()})
    generated = GeneratedPdf.objects.get()
    assert response["Location"] == reverse("gsp_records:pdf_detail", args=[generated.pk])
    generated.refresh_from_db()
    assert (generated.status, generated.requested_by) == (PdfStatus.READY, client.user)
    assert generated.params["date_from"] == "2026-01-01"


def test_bad_parameters_show_the_error_and_queue_nothing(role_client):
    client = role_client("auditor")
    response = client.post(
        reverse("gsp_records:pdf_request"),
        {"form": CODE, "date_from": "2026-02-01", "date_to": "2026-01-01"},
        HTTP_REFERER="https://evil.example/steal",
        follow=True,
    )
    assert response.redirect_chain[0][0] == f"{LIST}?new={CODE}"  # not the foreign referer
    assert [str(m) for m in response.context["messages"]]
    assert not GeneratedPdf.objects.exists()


def test_period_shortcut_requests_one_pdf_of_the_form_for_the_period(role_client):
    client = role_client("auditor")
    page = client.get(
        LIST, {"form_code": CODE, "period_from": "2026-01-01", "period_to": "2026-03-31"}
    ).content.decode()
    assert 'id="period-shortcut"' in page
    assert 'name="date_from" value="2026-01-01"' in page
    assert 'name="date_to" value="2026-03-31"' in page
    # Without a period, or for a form the user may not print, there is no shortcut.
    assert 'id="period-shortcut"' not in client.get(LIST, {"form_code": CODE}).content.decode()
