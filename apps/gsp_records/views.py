"""PDF pages: the archive, request, status, download, and the public verification page.

The archive lists every generated PDF to whoever has `gsp_records.view_generatedpdf`
(the auditor); its "new PDF" panel offers the registered forms the user may print.
Anyone else may open and download only the PDFs they requested, of forms they may still
print. The verification page is public: the QR code on paper leads there.
"""

from __future__ import annotations

import hashlib

import django_filters
import django_tables2 as tables
from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic
from django.views.decorators.http import require_http_methods
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from apps.core.crud import StaffPermissionMixin
from apps.core.exceptions import DomainError
from apps.core.filters import SearchFilterSet
from apps.core.forms import style_form
from apps.core.tables import badge

from . import pdf as pdf_forms
from . import services
from .models import GeneratedPdf, PdfStatus

ARCHIVE_PERMISSION = "gsp_records.view_generatedpdf"
MAX_VERIFY_UPLOAD = 20 * 1024 * 1024
STATUS_BADGES = {PdfStatus.QUEUED: "secondary", PdfStatus.READY: "success", "failed": "danger"}


def may_download(user, generated: GeneratedPdf) -> bool:
    if user.has_perm(ARCHIVE_PERMISSION):
        return True
    form = pdf_forms.get_form(generated.form_code)
    return (
        form is not None
        and generated.requested_by_id is not None
        and generated.requested_by_id == user.pk
        and user.has_perm(form.permission)
    )


def printable_forms(user) -> list[pdf_forms.PdfForm]:
    """The registered forms `user` may print, by title."""
    return sorted(
        (form for form in pdf_forms.REGISTRY.values() if user.has_perm(form.permission)),
        key=lambda form: str(form.title),
    )


def takes_date_range(form: pdf_forms.PdfForm) -> bool:
    """Whether a period alone is enough to print `form` (its other parameters optional)."""
    fields = form.params_form.base_fields
    return {"date_from", "date_to"} <= fields.keys() and not any(
        field.required for name, field in fields.items() if name not in {"date_from", "date_to"}
    )


# ---------------------------------------------------------------------------- archive


def _form_choices():
    return sorted(((code, form.title) for code, form in pdf_forms.REGISTRY.items()), key=str)


class PdfFilter(SearchFilterSet):
    search_fields = ("number", "record_number", "title", "sha256")

    form_code = django_filters.ChoiceFilter(label=gettext_lazy("Form"), choices=_form_choices)
    status = django_filters.ChoiceFilter(label=gettext_lazy("Status"), choices=PdfStatus.choices)
    period_from = django_filters.DateFilter(
        label=gettext_lazy("Period from"), method="filter_period_from"
    )
    period_to = django_filters.DateFilter(
        label=gettext_lazy("Period to"), method="filter_period_to"
    )
    requested_from = django_filters.DateFilter(
        label=gettext_lazy("Requested from"), field_name="created_at", lookup_expr="date__gte"
    )
    requested_to = django_filters.DateFilter(
        label=gettext_lazy("Requested to"), field_name="created_at", lookup_expr="date__lte"
    )
    record_number = django_filters.CharFilter(
        label=gettext_lazy("Record number"), lookup_expr="icontains"
    )
    requested_by = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Requested by"),
        queryset=lambda request: (
            get_user_model()
            .objects.filter(pk__in=GeneratedPdf.objects.values("requested_by"))
            .order_by("username")
        ),
    )

    class Meta:
        model = GeneratedPdf
        fields = ()

    # A PDF belongs to the period filter when its own period overlaps it; a one-record
    # PDF has its record's date as its period.
    def filter_period_from(self, queryset, name, value):
        return queryset.filter(
            Q(date_to__gte=value) | Q(date_to__isnull=True, date_from__gte=value)
        )

    def filter_period_to(self, queryset, name, value):
        return queryset.filter(date_from__lte=value)


class PdfTable(tables.Table):
    number = tables.Column(
        verbose_name=gettext_lazy("number"),
        linkify=lambda record: reverse("gsp_records:pdf_detail", args=[record.pk]),
    )
    title = tables.Column(verbose_name=gettext_lazy("form"))
    record_number = tables.Column(verbose_name=gettext_lazy("record number"))
    period = tables.Column(
        verbose_name=gettext_lazy("period"), accessor="date_from", order_by=("date_from", "date_to")
    )
    status = tables.Column(verbose_name=gettext_lazy("status"))
    pages = tables.Column(verbose_name=gettext_lazy("pages"))
    requested_by = tables.Column(verbose_name=gettext_lazy("requested by"))
    created_at = tables.DateTimeColumn(
        verbose_name=gettext_lazy("requested at"), format="Y-m-d H:i"
    )
    download = tables.Column(
        verbose_name="", accessor="pk", orderable=False, exclude_from_export=True
    )

    class Meta:
        model = GeneratedPdf
        fields = ()
        sequence = (
            "number",
            "title",
            "record_number",
            "period",
            "status",
            "pages",
            "requested_by",
            "created_at",
            "download",
        )
        empty_text = gettext_lazy("No PDFs.")
        attrs = {"class": "table table-sm table-hover align-middle", "id": "pdf-table"}

    def render_period(self, record):
        if record.date_to and record.date_to != record.date_from:
            return f"{record.date_from:%Y-%m-%d} – {record.date_to:%Y-%m-%d}"
        return f"{record.date_from:%Y-%m-%d}"

    def render_status(self, record):
        label = badge(record.get_status_display(), STATUS_BADGES.get(record.status, "secondary"))
        if record.status == PdfStatus.FAILED and record.error:
            return format_html('{} <span class="small text-danger">{}</span>', label, record.error)
        return label

    def render_download(self, record):
        if record.status != PdfStatus.READY:
            return ""
        return format_html(
            '<a class="btn btn-outline-primary btn-sm" data-download="{}" href="{}">'
            '<i class="bi bi-download"></i> {}</a>',
            record.number,
            reverse("gsp_records:pdf_download", args=[record.pk]),
            _("Download"),
        )


class PdfListView(StaffPermissionMixin, SingleTableMixin, FilterView):
    """The archive: every generated PDF, filtered, with the "new PDF" panel."""

    permission_required = ARCHIVE_PERMISSION
    template_name = "gsp_records/pdf_list.html"
    filterset_class = PdfFilter
    table_class = PdfTable
    table_pagination = {"per_page": 25}

    def get_queryset(self):
        return GeneratedPdf.objects.defer("content", "params").select_related("requested_by")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        choices = printable_forms(user)
        chosen = pdf_forms.get_form(self.request.GET.get("new", ""))
        if chosen not in choices:
            chosen = choices[0] if choices else None
        ctx.update(
            printable=choices,
            chosen=chosen,
            params_form=style_form(chosen.params_form(auto_id="new_%s")) if chosen else None,
            period_shortcut=self.period_shortcut(choices),
        )
        return ctx

    def period_shortcut(self, choices) -> dict | None:
        """One PDF of the filtered form over the filtered period, when both are given and
        the form prints from a period alone."""
        data = self.filterset.form.cleaned_data if self.filterset.is_bound else {}
        form = pdf_forms.get_form(data.get("form_code") or "")
        start, end = data.get("period_from"), data.get("period_to")
        if form is None or form not in choices or not (start and end) or start > end:
            return None
        if not takes_date_range(form):
            return None
        return {"form": form, "date_from": start, "date_to": end}


class PdfRequestView(StaffPermissionMixin, generic.View):
    """POST form=<code> plus the form's parameters: queue the PDF, show its page."""

    http_method_names = ["post"]

    def has_permission(self):
        return True  # checked by the service against the form's own permission

    def post(self, request, *args, **kwargs):
        data = request.POST.dict()
        code = data.pop("form", "")
        data.pop("csrfmiddlewaretoken", None)
        try:
            generated = services.pdf_request(form_code=code, data=data, user=request.user)
        except DomainError as error:
            for message in error.messages:
                messages.error(request, message)
            return HttpResponseRedirect(self.back_url(code))
        return HttpResponseRedirect(reverse("gsp_records:pdf_detail", args=[generated.pk]))

    def back_url(self, code: str) -> str:
        referer = self.request.META.get("HTTP_REFERER", "")
        if referer and url_has_allowed_host_and_scheme(
            referer, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        ):
            return referer
        if self.request.user.has_perm(ARCHIVE_PERMISSION):
            return f"{reverse('gsp_records:pdf_list')}?new={code}"
        return reverse("core:dashboard")


class PdfDetailView(StaffPermissionMixin, generic.DetailView):
    template_name = "gsp_records/pdf_detail.html"
    context_object_name = "generated"

    def has_permission(self):
        return self.request.user.is_authenticated

    def get_queryset(self):
        return GeneratedPdf.objects.defer("content").select_related("requested_by")

    def get_object(self, queryset=None):
        generated = super().get_object(queryset)
        if not may_download(self.request.user, generated):
            raise PermissionDenied
        return generated

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["verify_url"] = reverse("gsp_records:pdf_verify", args=[self.object.token])
        ctx["pending"] = self.object.status == PdfStatus.QUEUED
        ctx["archive"] = self.request.user.has_perm(ARCHIVE_PERMISSION)
        return ctx


class PdfDownloadView(PdfDetailView):
    """The stored file, byte for byte (its hash in a header); 404 until it is ready."""

    def get_queryset(self):
        return GeneratedPdf.objects.all()

    def render_to_response(self, context, **response_kwargs):
        generated = self.object
        if generated.status != PdfStatus.READY:
            raise Http404(_("This PDF is not ready."))
        response = HttpResponse(bytes(generated.content), content_type="application/pdf")
        disposition = "inline" if self.request.GET.get("inline") else "attachment"
        response["Content-Disposition"] = f'{disposition}; filename="{generated.filename}"'
        response["X-Content-SHA256"] = generated.sha256
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


class VerifyForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("PDF to check"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_VERIFY_UPLOAD:
            raise forms.ValidationError(
                _("The file is larger than %(size)d MB.") % {"size": MAX_VERIFY_UPLOAD // 2**20}
            )
        upload.seek(0)
        head = upload.read(5)
        upload.seek(0)
        if head != b"%PDF-":
            raise forms.ValidationError(_("This is not a PDF file."))
        return upload


@require_http_methods(["GET", "HEAD", "POST"])
def pdf_verify(request, token):
    """Public (the QR code on paper leads here): what the document is, its stored hash,
    whether the stored file still matches it, and optionally whether an uploaded copy is
    the same file. Nothing else (no requester, no parameters, no file)."""
    generated = get_object_or_404(
        GeneratedPdf.objects.only(
            "token",
            "number",
            "title",
            "record_number",
            "date_from",
            "date_to",
            "status",
            "sha256",
            "pages",
            "finished_at",
            "content",
        ),
        token=token,
        status=PdfStatus.READY,
    )
    upload_matches = None
    uploaded_hash = ""
    form = VerifyForm()
    if request.method == "POST":
        form = VerifyForm(request.POST, request.FILES)
        if form.is_valid():
            digest = hashlib.sha256()
            for chunk in form.cleaned_data["file"].chunks():
                digest.update(chunk)
            uploaded_hash = digest.hexdigest()
            upload_matches = uploaded_hash == generated.sha256
    return render(
        request,
        "gsp_records/pdf_verify.html",
        {
            "generated": generated,
            "stored_matches": services.pdf_matches(generated),
            "form": form,
            "upload_matches": upload_matches,
            "uploaded_hash": uploaded_hash,
        },
    )
