"""Staff pages of the warehouse GSP records that `RecordCrud` does not generate: the list
with its date-range PDF, the maintenance inspection form with lines (create, edit a
draft, correct a signed one) and the monthly inspection worklist."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from apps.core.crud import CrudListView, StaffPermissionMixin, apply_domain_error
from apps.core.exceptions import DomainError
from apps.core.forms import style_form
from apps.core.models import today
from apps.gsp_records import services
from apps.gsp_records.records import RecordCrud
from apps.inventory.expiry import Thresholds
from apps.inventory.models import StockBalance, Warehouse

from .forms import (
    InspectionLineFormSet,
    MaintenanceInspectionForm,
    inspectable_balances,
)
from .models import InspectionLine, MaintenanceInspection
from .selectors import inspection_worklist, worklist_period

WORKLIST_PAGE_SIZE = 200


class StorageListView(CrudListView):
    template_name = "gsp_storage/record_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["range_pdf_form"] = self.crud.range_pdf_form
        first = today().replace(day=1)
        ctx["range_default_from"] = first.isoformat()
        ctx["range_default_to"] = today().isoformat()
        return ctx


@dataclass
class StorageCrud(RecordCrud):
    """A RecordCrud whose list offers the date-range PDF and whose queryset can be
    annotated (line counts, last calibration)."""

    range_pdf_form: str | None = None
    annotate: Callable | None = None  # queryset -> queryset

    def queryset(self):
        qs = super().queryset()
        return self.annotate(qs) if self.annotate else qs

    def urls(self) -> list:
        list_name = f"{self.model_name}_list"
        return [
            path(str(p.pattern), StorageListView.as_view(crud=self), name=p.name)
            if p.name == list_name
            else p
            for p in super().urls()
        ]


# ---------------------------------------------------------------------------- inspections


def inspection_detail_context(request, inspection: MaintenanceInspection) -> dict:
    lines = (
        InspectionLine.objects.filter(inspection=inspection)
        .select_related("lot__product__manufacturer", "location__warehouse")
        .order_by("pk")
    )
    return {"lines": list(lines)}


class CorrectionReasonForm(forms.Form):
    correction_reason = forms.CharField(
        label=gettext_lazy("Reason for the correction"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class InspectionFormView(StaffPermissionMixin, generic.TemplateView):
    """New inspection (optionally pre-filled with ?stock=<balance ids> from the worklist),
    edit of a draft, or correction of a signed inspection (mode "correct")."""

    template_name = "gsp_storage/inspection_form.html"
    prefix = "lines"
    mode = "create"  # "create" | "update" | "correct"

    def get_permission_required(self):
        action = "change" if self.mode == "update" else "add"
        return (f"gsp_storage.{action}_maintenanceinspection",)

    def record(self) -> MaintenanceInspection | None:
        if self.mode == "create":
            return None
        if not hasattr(self, "_record"):
            self._record = get_object_or_404(MaintenanceInspection, pk=self.kwargs["pk"])
        return self._record

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated or not self.has_permission():
            return self.handle_no_permission()
        record = self.record()
        detail = (
            None
            if record is None
            else reverse("gsp_storage:maintenanceinspection_detail", args=[record.pk])
        )
        if self.mode == "update" and record.is_signed:
            messages.error(request, str(services.locked_error(record)))
            return HttpResponseRedirect(detail)
        if self.mode == "correct" and not record.is_signed:
            messages.error(
                request,
                _("%(number)s is not signed yet; edit it instead of correcting it.")
                % {"number": record.number},
            )
            return HttpResponseRedirect(detail)
        return super().dispatch(request, *args, **kwargs)

    # data ------------------------------------------------------------------------------
    def existing_balances(self, record) -> dict[tuple[int, int], StockBalance]:
        pairs = list(record.lines.values_list("lot_id", "location_id"))
        if not pairs:
            return {}
        q = Q()
        for lot_id, location_id in pairs:
            q |= Q(lot_id=lot_id, location_id=location_id)
        return {(b.lot_id, b.location_id): b for b in StockBalance.objects.filter(q)}

    def balances_queryset(self):
        record = self.record()
        extra = [b.pk for b in self.existing_balances(record).values()] if record else []
        return inspectable_balances(extra)

    def initial_lines(self) -> list[dict]:
        record = self.record()
        if record is not None:
            by_pair = self.existing_balances(record)
            return [
                {
                    "stock": getattr(by_pair.get((line.lot_id, line.location_id)), "pk", None),
                    "quantity": line.quantity,
                    "appearance": line.appearance,
                    "treatment": line.treatment,
                    "remarks": line.remarks,
                }
                for line in record.lines.order_by("pk")
            ]
        ids = [int(v) for v in self.request.GET.getlist("stock") if v.isdigit()][:500]
        if not ids:
            return [{}]
        chosen = inspectable_balances().filter(pk__in=ids)
        return [{"stock": b.pk, "quantity": b.on_hand} for b in chosen]

    def header_form(self, data=None):
        record = self.record()
        if self.mode == "update":
            instance = record
        else:
            instance = MaintenanceInspection()
        initial = {}
        if self.mode == "correct":
            initial = {
                "warehouse": record.warehouse_id,
                "remarks": record.remarks,
                "record_date": record.record_date,
            }
        elif self.mode == "create" and self.request.GET.get("warehouse", "").isdigit():
            initial = {"warehouse": int(self.request.GET["warehouse"])}
        return MaintenanceInspectionForm(data, instance=instance, initial=initial)

    def render(self, form, formset, reason_form=None):
        return self.render_to_response(
            self.get_context_data(
                form=form,
                formset=formset,
                reason_form=reason_form,
                record=self.record(),
                mode=self.mode,
            )
        )

    # handlers --------------------------------------------------------------------------
    def get(self, request, *args, **kwargs):
        formset = InspectionLineFormSet(
            prefix=self.prefix, initial=self.initial_lines(), balances=self.balances_queryset()
        )
        reason_form = CorrectionReasonForm() if self.mode == "correct" else None
        return self.render(self.header_form(), formset, reason_form)

    def post(self, request, *args, **kwargs):
        form = self.header_form(request.POST)
        formset = InspectionLineFormSet(
            request.POST, prefix=self.prefix, balances=self.balances_queryset()
        )
        reason_form = CorrectionReasonForm(request.POST) if self.mode == "correct" else None
        valid = form.is_valid() & formset.is_valid()
        if reason_form is not None:
            valid &= reason_form.is_valid()
        if valid:
            lines = [row.to_line() for row in formset.filled_forms()]
            try:
                record = self.save(form.instance, lines, reason_form)
            except (DomainError, ValidationError) as error:
                apply_domain_error(form, error)
            else:
                messages.success(request, _("Saved %(obj)s.") % {"obj": record.number})
                return HttpResponseRedirect(record.get_absolute_url())
        return self.render(form, formset, reason_form)

    def save(self, record, lines, reason_form):
        user = self.request.user
        if self.mode == "update":
            return services.record_update(
                record=record, user=user, lines=lines, line_fk="inspection"
            )
        if self.mode == "correct":
            return services.record_correct(
                original=self.record(),
                user=user,
                reason=reason_form.cleaned_data["correction_reason"],
                record=record,
                lines=lines,
                line_fk="inspection",
            )
        return services.record_create(record=record, user=user, lines=lines, line_fk="inspection")


# ---------------------------------------------------------------------------- worklist


class WorklistForm(forms.Form):
    month = forms.DateField(
        label=gettext_lazy("Month"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(format="%Y-%m", attrs={"type": "month"}),
    )
    warehouse = forms.ModelChoiceField(
        label=gettext_lazy("Warehouse"), queryset=Warehouse.objects.all(), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)
        self.fields["month"].widget.input_type = "month"


class InspectionWorklistView(StaffPermissionMixin, generic.TemplateView):
    template_name = "gsp_storage/inspection_worklist.html"
    permission_required = "gsp_storage.view_maintenanceinspection"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = WorklistForm(self.request.GET or None)
        month = today().replace(day=1)
        warehouse = None
        if form.is_bound and form.is_valid():
            month = (form.cleaned_data.get("month") or month).replace(day=1)
            warehouse = form.cleaned_data.get("warehouse")
        thresholds = Thresholds.current()
        period = worklist_period(month, thresholds)
        rows = inspection_worklist(month, warehouse=warehouse, thresholds=thresholds)
        page = Paginator(rows, WORKLIST_PAGE_SIZE).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        ctx.update(
            form=form,
            month=month,
            period=period,
            thresholds=thresholds,
            page=page,
            rows=list(page.object_list),
            query=query.urlencode(),
            warehouse=warehouse,
            can_add=self.request.user.has_perm("gsp_storage.add_maintenanceinspection"),
            previous_month=(month - datetime.timedelta(days=1)).strftime("%Y-%m"),
            next_month=(period.month_end + datetime.timedelta(days=1)).strftime("%Y-%m"),
        )
        return ctx
