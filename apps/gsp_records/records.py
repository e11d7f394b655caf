"""Staff pages of an entered GSP record: the generic Crud pages plus sign, correct and
print. An app declares one `RecordCrud` per record model and adds `crud.urls()`:

    temperature_logs = RecordCrud(model=TemperatureLog, table=..., form=..., filterset=...,
                                  pdf_form="temperature_log")

Create and edit go through `services.record_create` / `record_update` (numbering,
author, drafts only); the edit page of a signed record redirects to its detail page
with a message. Sign needs `<app>.sign_<model>`; correct opens the record's form filled
with the signed values plus a reason and saves a new draft that references the old one.
Records with lines pass their own `create_service`/`update_service` and views.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from apps.core.crud import (
    Crud,
    CrudDetailView,
    CrudFormMixin,
    CrudMixin,
    CrudUpdateView,
    apply_domain_error,
)
from apps.core.exceptions import DomainError

from . import services

RECORD_ACTIONS = ("list", "detail", "create", "update", "history")


def _create(*, user, instance, form):
    return services.record_create(record=instance, user=user)


def _update(*, user, instance, form):
    return services.record_update(record=instance, user=user)


@dataclass
class RecordCrud(Crud):
    pdf_form: str | None = None  # code of the one-record PDF form
    detail_template: str = "gsp_records/record_detail.html"

    def __post_init__(self):
        super().__post_init__()
        if self.actions is None:
            self.actions = RECORD_ACTIONS
        self.create_service = self.create_service or _create
        self.update_service = self.update_service or _update

    def queryset(self):
        return super().queryset().select_related("author", "signed_by", "corrects")

    def urls(self) -> list:
        prefix = f"{self.model_name}s/"
        patterns = [
            p
            if p.name != f"{self.model_name}_update"
            else path(str(p.pattern), RecordUpdateView.as_view(crud=self), name=p.name)
            for p in super().urls()
        ]
        patterns = [
            path(str(p.pattern), RecordDetailView.as_view(crud=self), name=p.name)
            if p.name == f"{self.model_name}_detail"
            else p
            for p in patterns
        ]
        return patterns + [
            path(
                f"{prefix}<int:pk>/sign/",
                RecordSignView.as_view(crud=self),
                name=f"{self.model_name}_sign",
            ),
            path(
                f"{prefix}<int:pk>/correct/",
                RecordCorrectView.as_view(crud=self),
                name=f"{self.model_name}_correct",
            ),
            path(
                f"{prefix}<int:pk>/pdf/",
                RecordPdfView.as_view(crud=self),
                name=f"{self.model_name}_pdf",
            ),
        ]


class RecordDetailView(CrudDetailView):
    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        record = self.object
        user = self.request.user
        crud = self.crud
        ctx.update(
            record=record,
            can_sign=not record.is_signed and user.has_perm(crud.perm("sign")),
            can_correct=record.is_signed
            and user.has_perm(crud.perm("add"))
            and not record.corrections.signed().exists(),
            can_print=bool(crud.pdf_form),
            corrections=list(record.corrections.select_related("author", "signed_by")),
            sign_url=reverse(crud.url_name("sign"), args=[record.pk]),
            correct_url=reverse(crud.url_name("correct"), args=[record.pk]),
            pdf_url=reverse(crud.url_name("pdf"), args=[record.pk]),
        )
        return ctx


class RecordUpdateView(CrudUpdateView):
    def dispatch(self, request, *args, **kwargs):
        # Permission first (403 for the auditor even for an unknown pk), then the lock.
        if request.user.is_authenticated and request.user.has_perm(self.crud.perm("change")):
            record = get_object_or_404(self.crud.model, pk=kwargs["pk"])
            if record.is_signed:
                messages.error(request, str(services.locked_error(record)))
                return HttpResponseRedirect(reverse(self.crud.url_name("detail"), args=[record.pk]))
        return super().dispatch(request, *args, **kwargs)


class _RecordPostView(CrudMixin, generic.View):
    http_method_names = ["post"]

    def record(self):
        return get_object_or_404(self.crud.model, pk=self.kwargs["pk"])

    def detail_redirect(self, record):
        return HttpResponseRedirect(reverse(self.crud.url_name("detail"), args=[record.pk]))


class RecordSignView(_RecordPostView):
    action = "sign"

    def post(self, request, *args, **kwargs):
        record = self.record()
        try:
            record = services.record_sign(record=record, user=request.user)
        except (DomainError, ValidationError) as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Signed %(number)s.") % {"number": record.number})
        return self.detail_redirect(record)


class RecordPdfView(_RecordPostView):
    action = "view"

    def post(self, request, *args, **kwargs):
        record = self.record()
        try:
            generated = services.pdf_request(
                form_code=self.crud.pdf_form, data=record.pdf_params(), user=request.user
            )
        except DomainError as error:
            for message in error.messages:
                messages.error(request, message)
            return self.detail_redirect(record)
        return HttpResponseRedirect(reverse("gsp_records:pdf_detail", args=[generated.pk]))


class RecordCorrectView(CrudFormMixin, generic.CreateView):
    """A new draft with the signed record's values, a reason, and a link to the original."""

    action = "add"
    template_name = "gsp_records/record_correct.html"

    def dispatch(self, request, *args, **kwargs):
        self.original = None
        if request.user.is_authenticated and request.user.has_perm(self.crud.perm("add")):
            self.original = get_object_or_404(self.crud.model, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_class(self):
        base = self.crud.form

        class CorrectionForm(base):
            correction_reason = forms.CharField(
                label=gettext_lazy("Reason for the correction"),
                widget=forms.Textarea(attrs={"rows": 2}),
                max_length=2000,
            )

        return CorrectionForm

    def get_initial(self):
        fields = list(self.crud.form._meta.fields or [])
        return model_to_dict(self.original, fields=fields) if self.original else {}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["original"] = self.original
        return ctx

    def form_valid(self, form):
        record = form.instance
        try:
            with transaction.atomic():
                self.object = services.record_correct(
                    original=self.original,
                    user=self.request.user,
                    reason=form.cleaned_data["correction_reason"],
                    record=record,
                )
        except (DomainError, ValidationError) as error:
            apply_domain_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Saved correction %(number)s of %(original)s; sign it to make it effective.")
            % {"number": self.object.number, "original": self.original.number},
        )
        return HttpResponseRedirect(self.get_success_url())
