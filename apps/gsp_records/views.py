"""PDF pages: request, status, download, and the public verification page."""

from __future__ import annotations

import hashlib

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from apps.core.crud import StaffPermissionMixin
from apps.core.exceptions import DomainError

from . import pdf as pdf_forms
from . import services
from .models import GeneratedPdf, PdfStatus

MAX_VERIFY_UPLOAD = 50 * 1024 * 1024


def may_download(user, generated: GeneratedPdf) -> bool:
    form = pdf_forms.get_form(generated.form_code)
    return user.has_perm("gsp_records.view_generatedpdf") or (
        form is not None and user.has_perm(form.permission) and generated.requested_by_id == user.pk
    )


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
            return HttpResponseRedirect(
                request.META.get("HTTP_REFERER") or reverse("core:dashboard")
            )
        return HttpResponseRedirect(reverse("gsp_records:pdf_detail", args=[generated.pk]))


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
        return ctx


class PdfDownloadView(PdfDetailView):
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
        return response


class VerifyForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("PDF to check"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_VERIFY_UPLOAD:
            raise forms.ValidationError(_("The file is larger than 50 MB."))
        return upload


def pdf_verify(request, token):
    """Public (the QR code on paper leads here): the stored hash, whether the stored file
    still matches it, and optionally whether an uploaded copy is the same file."""
    generated = get_object_or_404(GeneratedPdf, token=token, status=PdfStatus.READY)
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
