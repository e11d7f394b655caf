"""Inventory operation pages: warehouses, locations, lots, transfers, stop-sales, loss
reports and stocktakes. Views parse the request and call `operations.py`; a refused
operation shows its message on the form and nothing is saved."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Sum
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic
from django_tables2 import RequestConfig

from apps.core.crud import Crud, CrudListView, StaffPermissionMixin, apply_domain_error
from apps.core.exceptions import DomainError
from apps.core.views import ReviewForm

from . import operations
from .expiry import band_annotation
from .forms import (
    CountSheetForm,
    LossReportForm,
    LotHoldResolveForm,
    StocktakeAddLineForm,
    StocktakeStartForm,
    TransferForm,
)
from .models import (
    HoldStatus,
    LossReport,
    LossStatus,
    LotHold,
    StockBalance,
    Stocktake,
    StocktakeStatus,
)
from .tables import LotBalanceTable, MoveTable

# ---------------------------------------------------------------------------- generic pages


@dataclass
class OpsCrud(Crud):
    """A Crud whose list rows carry annotations, and whose "New" may be a custom page."""

    annotate: Callable | None = None  # (queryset) -> queryset
    create_url_name: str | None = None

    def queryset(self):
        qs = super().queryset()
        return self.annotate(qs) if self.annotate else qs

    def urls(self) -> list:
        patterns = super().urls()
        list_name = f"{self.model_name}_list"
        return [
            path(str(p.pattern), OpsListView.as_view(crud=self), name=p.name)
            if p.name == list_name
            else p
            for p in patterns
        ]


class OpsListView(CrudListView):
    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if self.crud.create_url_name and ctx["can_add"]:
            ctx["create_url"] = reverse(self.crud.create_url_name)
        return ctx


def _messages_from(request, error: DomainError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _config(request, *tables) -> None:
    config = RequestConfig(request, paginate=False)
    for table in tables:
        config.configure(table)


def balances_with_band(queryset):
    return queryset.select_related("lot__product", "location__warehouse").annotate(
        band=band_annotation(prefix="lot__")
    )


# ---------------------------------------------------------------------------- detail contexts


def warehouse_detail_context(request, warehouse) -> dict:
    from .tables import LocationTable

    locations = warehouse.locations.select_related("warehouse")
    table = LocationTable(locations, prefix="loc-")
    _config(request, table)
    return {"location_table": table}


def location_detail_context(request, location) -> dict:
    balances = balances_with_band(
        StockBalance.objects.filter(location=location, on_hand__gt=0)
    ).order_by("lot__expiry_date", "lot__batch_number")
    table = LotBalanceTable(balances, exclude=("location",), prefix="bal-")
    _config(request, table)
    return {"balance_table": table}


def lot_detail_context(request, lot) -> dict:
    balances = balances_with_band(StockBalance.objects.filter(lot=lot, on_hand__gt=0)).order_by(
        "location__warehouse__code", "location__code"
    )
    balance_table = LotBalanceTable(balances, exclude=("lot", "product"), prefix="bal-")
    moves = lot.moves.select_related(
        "from_location__warehouse", "to_location__warehouse", "user", "second_user"
    )
    move_table = MoveTable(moves[:200], prefix="mv-")
    _config(request, balance_table, move_table)
    holds = lot.holds.select_related("stopped_by", "resolved_by")
    return {
        "balance_table": balance_table,
        "move_table": move_table,
        "holds": holds,
        "can_stop": request.user.has_perm("inventory.add_lothold")
        and not any(h.status == HoldStatus.ACTIVE for h in holds),
    }


def lothold_detail_context(request, hold) -> dict:
    can_resolve = hold.status == HoldStatus.ACTIVE and request.user.has_perm(
        "inventory.change_lothold"
    )
    return {"can_resolve": can_resolve}


def lossreport_detail_context(request, report) -> dict:
    user = request.user
    lines = list(
        report.lines.select_related("balance__lot__product", "balance__location__warehouse")
    )
    for line in lines:
        line.amount = line.quantity * line.unit_cost
    total = sum((line.amount for line in lines), Decimal(0))
    perm = operations.loss_report_next_permission(report)
    editable = report.status in operations.LOSS_EDITABLE
    return {
        "lines": lines,
        "total_amount": total,
        "can_edit": editable and user.has_perm("inventory.change_lossreport"),
        "can_submit": editable and user.has_perm("inventory.add_lossreport"),
        "can_review": bool(perm and user.has_perm(perm)),
        "review_form": ReviewForm(),
    }


def stocktake_detail_context(request, stocktake) -> dict:
    user = request.user
    lines = list(
        stocktake.lines.select_related("lot__product", "location__warehouse").order_by(
            "location__code", "lot__product__code", "lot__batch_number"
        )
    )
    locations = {}
    for location in stocktake.locations.select_related("warehouse").order_by("code"):
        locations[location.pk] = {"location": location, "total": 0, "counted": 0}
    rows, value_total = [], Decimal(0)
    for line in lines:
        entry = locations.setdefault(
            line.location_id, {"location": line.location, "total": 0, "counted": 0}
        )
        entry["total"] += 1
        entry["counted"] += line.counted_qty is not None
        variance = line.variance
        value = None if variance is None else variance * line.lot.unit_cost
        value_total += value or 0
        rows.append({"line": line, "variance": variance, "value": value})
    is_counting = stocktake.status == StocktakeStatus.COUNTING
    is_open = stocktake.status in operations.STOCKTAKE_OPEN
    return {
        "sheets": list(locations.values()),
        "variance_rows": [r for r in rows if r["variance"]],
        "all_rows": rows,
        "value_total": value_total,
        "can_count": is_counting and user.has_perm("inventory.change_stocktake"),
        "can_approve": stocktake.status == StocktakeStatus.SUBMITTED
        and user.has_perm("inventory.approve_stocktake"),
        "can_cancel": is_open
        and (
            user.has_perm("inventory.change_stocktake")
            or user.has_perm("inventory.approve_stocktake")
        ),
    }


# ---------------------------------------------------------------------------- list annotations


def warehouse_rows(qs):
    return qs.annotate(location_count=Count("locations"))


def lot_rows(qs):
    return qs.select_related("product").annotate(
        on_hand=Sum("balances__on_hand"),
        reserved=Sum("balances__reserved"),
        band=band_annotation(),
    )


def lossreport_rows(qs):
    return qs.select_related("warehouse", "created_by", "quality_by", "manager_by").annotate(
        line_count=Count("lines"), total_quantity=Sum("lines__quantity")
    )


def stocktake_rows(qs):
    return qs.select_related("warehouse", "created_by", "approved_by").annotate(
        line_count=Count("lines"),
        counted_count=Count("lines", filter=Q(lines__counted_qty__isnull=False)),
    )


def stop_lot(*, user, instance, form):
    return operations.lot_stop(
        lot=form.cleaned_data["lot"], user=user, reason=form.cleaned_data["reason"]
    )


# ---------------------------------------------------------------------------- transfers


class TransferView(StaffPermissionMixin, generic.FormView):
    permission_required = "inventory.add_stockmove"
    form_class = TransferForm
    template_name = "inventory/ops/transfer_form.html"

    def get_initial(self):
        initial = super().get_initial()
        balance = self.request.GET.get("balance", "")
        if balance.isdigit():
            initial["balance"] = int(balance)
        return initial

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            move = operations.transfer_post(
                balance=data["balance"],
                to_location=data["to_location"],
                quantity=data["quantity"],
                user=self.request.user,
                token=data["token"],
                second_user=data["second_user"],
                note=data["note"],
            )
        except DomainError as error:
            apply_domain_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Transfer %(number)s: %(quantity)s of %(lot)s moved from %(src)s to %(dst)s.")
            % {
                "number": move.source_number,
                "quantity": move.quantity,
                "lot": move.lot,
                "src": move.from_location,
                "dst": move.to_location,
            },
        )
        return HttpResponseRedirect(move.lot.get_absolute_url())


# ---------------------------------------------------------------------------- stop-sale


class LotHoldResolveView(StaffPermissionMixin, generic.FormView):
    permission_required = "inventory.change_lothold"
    form_class = LotHoldResolveForm
    template_name = "inventory/ops/lothold_resolve.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated or not self.has_permission():
            # Login and permission first: an anonymous user must not learn which ids exist.
            return self.handle_no_permission()
        self.hold = get_object_or_404(
            LotHold.objects.select_related("lot__product"), pk=kwargs["pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["hold"] = self.hold
        return ctx

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            operations.lot_hold_resolve(
                hold=self.hold,
                user=self.request.user,
                conclusion=data["conclusion"],
                outcome=data["outcome"],
                nonconforming_location=data["nonconforming_location"],
                second_user=data["second_user"],
            )
        except DomainError as error:
            apply_domain_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Stop-sale %(number)s resolved.") % {"number": self.hold})
        return HttpResponseRedirect(self.hold.get_absolute_url())


# ---------------------------------------------------------------------------- loss reports


class LossReportFormView(StaffPermissionMixin, generic.FormView):
    form_class = LossReportForm
    template_name = "inventory/ops/lossreport_form.html"
    report = None

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["report"] = self.report
        return kwargs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["report"] = self.report
        return ctx

    def form_valid(self, form):
        try:
            report = operations.loss_report_save(
                user=self.request.user,
                warehouse=form.cleaned_data["warehouse"],
                reason=form.cleaned_data["reason"],
                lines=form.lines(),
                report=self.report,
            )
        except DomainError as error:
            apply_domain_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved %(obj)s.") % {"obj": report})
        return HttpResponseRedirect(report.get_absolute_url())


class LossReportCreateView(LossReportFormView):
    permission_required = "inventory.add_lossreport"


class LossReportUpdateView(LossReportFormView):
    permission_required = "inventory.change_lossreport"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated or not self.has_permission():
            # Login and permission first: an anonymous user must not learn which ids exist.
            return self.handle_no_permission()
        self.report = get_object_or_404(LossReport, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        if self.report.status not in operations.LOSS_EDITABLE:
            messages.error(
                request,
                _("Loss report %(number)s is %(status)s and can no longer be edited.")
                % {"number": self.report.number, "status": self.report.get_status_display()},
            )
            return HttpResponseRedirect(self.report.get_absolute_url())
        return super().get(request, *args, **kwargs)


class LossReportActionView(StaffPermissionMixin, generic.View):
    """POST: submit the report, or the next reviewer's approve/reject with an opinion."""

    http_method_names = ["post"]

    def has_permission(self):
        perms = ("add", "review_quality", "review_manager")
        return any(self.request.user.has_perm(f"inventory.{p}_lossreport") for p in perms)

    def post(self, request, pk, action):
        report = get_object_or_404(LossReport, pk=pk)
        try:
            if action == "submit":
                operations.loss_report_submit(report=report, user=request.user)
                messages.success(request, _("Submitted to the head of quality."))
            elif action == "review":
                form = ReviewForm(request.POST)
                if not form.is_valid():
                    raise DomainError(_("Choose approve or reject."))
                approve = form.cleaned_data["decision"] == "approve"
                report = operations.loss_report_review(
                    report=report,
                    user=request.user,
                    approve=approve,
                    opinion=form.cleaned_data["opinion"],
                )
                if report.status == LossStatus.APPROVED:
                    messages.success(request, _("Approved; the stock was scrapped."))
                else:
                    messages.success(request, _("Approved.") if approve else _("Rejected."))
            else:
                raise DomainError(_("Unknown action."))
        except DomainError as error:
            _messages_from(request, error)
        return HttpResponseRedirect(reverse("inventory:lossreport_detail", args=[pk]))


# ---------------------------------------------------------------------------- stocktakes


class StocktakeCreateView(StaffPermissionMixin, generic.FormView):
    permission_required = "inventory.add_stocktake"
    form_class = StocktakeStartForm
    template_name = "inventory/ops/stocktake_form.html"

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            stocktake = operations.stocktake_start(
                warehouse=data["warehouse"],
                locations=data["locations"],
                user=self.request.user,
                note=data["note"],
            )
        except DomainError as error:
            apply_domain_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Stocktake %(number)s started with %(count)s count lines.")
            % {"number": stocktake.number, "count": stocktake.lines.count()},
        )
        return HttpResponseRedirect(stocktake.get_absolute_url())


class StocktakeCountView(StaffPermissionMixin, generic.FormView):
    """The count sheet of one location: a box per line, plus a lot found off the books."""

    permission_required = "inventory.view_stocktake"
    form_class = CountSheetForm
    template_name = "inventory/ops/stocktake_count.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated or not self.has_permission():
            # Login and permission first: an anonymous user must not learn which ids exist.
            return self.handle_no_permission()
        self.stocktake = get_object_or_404(Stocktake, pk=kwargs["pk"])
        self.location = get_object_or_404(
            self.stocktake.locations.select_related("warehouse"), pk=kwargs["location_pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("inventory.change_stocktake"):
            raise PermissionDenied
        return super().post(request, *args, **kwargs)

    def lines(self):
        return (
            self.stocktake.lines.filter(location=self.location)
            .select_related("lot__product")
            .annotate(band=band_annotation(prefix="lot__"))
            .order_by("lot__product__code", "lot__batch_number")
        )

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["lines"] = self.lines()
        return kwargs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            stocktake=self.stocktake,
            location=self.location,
            can_count=self.stocktake.status == StocktakeStatus.COUNTING
            and self.request.user.has_perm("inventory.change_stocktake"),
            add_form=kwargs.get("add_form") or StocktakeAddLineForm(),
        )
        return ctx

    def form_valid(self, form):
        try:
            changed = operations.stocktake_count(
                stocktake=self.stocktake, user=self.request.user, counts=form.counts()
            )
        except DomainError as error:
            apply_domain_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("%(count)s counts saved.") % {"count": changed})
        return HttpResponseRedirect(self.stocktake.get_absolute_url())


class StocktakeAddLineView(StocktakeCountView):
    """POST: add a line for a lot found in this location that was not on the sheet."""

    http_method_names = ["post"]
    permission_required = "inventory.change_stocktake"

    def post(self, request, *args, **kwargs):
        add_form = StocktakeAddLineForm(request.POST)
        if add_form.is_valid():
            try:
                operations.stocktake_add_line(
                    stocktake=self.stocktake,
                    user=request.user,
                    lot=add_form.cleaned_data["lot"],
                    location=self.location,
                    counted_qty=add_form.cleaned_data["counted_qty"],
                )
            except DomainError as error:
                apply_domain_error(add_form, error)
            else:
                messages.success(request, _("Line added."))
                return HttpResponseRedirect(
                    reverse("inventory:stocktake_count", args=[self.stocktake.pk, self.location.pk])
                )
        form = CountSheetForm(lines=self.lines())
        return self.render_to_response(self.get_context_data(form=form, add_form=add_form))


class StocktakeActionView(StaffPermissionMixin, generic.View):
    """POST: submit the counts, approve (adjust the stock) or cancel."""

    http_method_names = ["post"]
    actions = {
        "submit": (operations.stocktake_submit, gettext_lazy("Submitted for approval.")),
        "approve": (
            operations.stocktake_approve,
            gettext_lazy("Approved; the stock was adjusted."),
        ),
        "cancel": (operations.stocktake_cancel, gettext_lazy("Stocktake cancelled.")),
    }

    def has_permission(self):
        user = self.request.user
        return user.has_perm("inventory.change_stocktake") or user.has_perm(
            "inventory.approve_stocktake"
        )

    def post(self, request, pk, action):
        stocktake = get_object_or_404(Stocktake, pk=pk)
        try:
            if action not in self.actions:
                raise DomainError(_("Unknown action."))
            service, done = self.actions[action]
            service(stocktake=stocktake, user=request.user)
            messages.success(request, str(done))
        except DomainError as error:
            _messages_from(request, error)
        return HttpResponseRedirect(stocktake.get_absolute_url())
