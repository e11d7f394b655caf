"""Purchasing staff pages: purchase orders (lines, status actions), receipts (from an order
or, in lenient mode, without one; GS1/UDI scan per row), acceptance of arrived batches,
rejection reports and purchase returns.

Views parse the request and call the services; a `DomainError` is shown on the form (or
as a message for the status buttons) and nothing is saved.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import F, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.timezone import localdate
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from apps.core.crud import CrudListView, StaffPermissionMixin, apply_domain_error
from apps.core.exceptions import DomainError
from apps.core.models import CompanySettings, OrderControlMode, today
from apps.inventory.expiry import BAND_CSS, band_for
from apps.inventory.gs1 import parse_gs1, product_for_gtin

from .forms import (
    AcceptanceForm,
    PurchaseOrderForm,
    PurchaseOrderLineFormSet,
    PurchaseReturnForm,
    PurchaseReturnLineFormSet,
    ReasonForm,
    ReceiptForm,
    ReceiptLineFormSet,
    ReturnChooseForm,
    ScanForm,
    returnable_stock,
    scan_mismatch_message,
)
from .models import (
    Acceptance,
    OrderStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReturn,
    PurchaseReturnLine,
    Receipt,
    ReceiptLine,
    RejectionReport,
)
from .selectors import open_order_lines, order_warnings, purchase_order_with_lines
from .services import (
    OrderLineInput,
    ReceiptLineInput,
    ReturnLineInput,
    acceptance_create,
    po_approve,
    po_cancel,
    po_close,
    po_create,
    po_reject,
    po_submit,
    po_update,
    purchase_return_create,
    receipt_create,
)

ZERO = Value(0)


def iso(day) -> str:
    """Dates of GSP records print as YYYY-MM-DD in every language."""
    return day.isoformat() if day else ""


def is_strict() -> bool:
    return CompanySettings.load().order_control_mode != OrderControlMode.LENIENT


def _sum_subquery(queryset, expression):
    """A correlated SUM as an integer annotation (0 when there are no rows)."""
    total = (
        queryset.order_by()
        .annotate(_one=Value(1))
        .values("_one")
        .annotate(total=Sum(expression))
        .values("total")
    )
    return Coalesce(Subquery(total, output_field=IntegerField()), ZERO)


# --- lists --------------------------------------------------------------------------------


class PurchasingListView(CrudListView):
    """A generic list whose "New" button leads to this app's own create page."""

    create_url_name: str | None = None
    select_related: tuple[str, ...] = ()

    def get_queryset(self):
        qs = super().get_queryset()
        return qs.select_related(*self.select_related) if self.select_related else qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if self.create_url_name and ctx["can_add"]:
            ctx["create_url"] = reverse(self.create_url_name)
        return ctx


class PurchaseOrderListView(PurchasingListView):
    create_url_name = "purchasing:purchaseorder_create"

    def get_queryset(self):
        lines = PurchaseOrderLine.objects.filter(order=OuterRef("pk")).order_by()
        total = lines.values("order").annotate(t=Sum(F("quantity") * F("unit_price"))).values("t")
        return (
            super()
            .get_queryset()
            .select_related("supplier", "warehouse", "created_by")
            .annotate(total_amount=Subquery(total))
        )


class ReceiptListView(PurchasingListView):
    create_url_name = "purchasing:receipt_create"

    def get_queryset(self):
        lines = ReceiptLine.objects.filter(receipt=OuterRef("pk"))
        return (
            super()
            .get_queryset()
            .select_related("order", "supplier", "warehouse", "received_by")
            .annotate(
                arrived=_sum_subquery(lines, F("quantity")),
                pending=_sum_subquery(lines, F("quantity") - F("accepted_qty") - F("rejected_qty")),
            )
        )


class PurchaseReturnListView(PurchasingListView):
    create_url_name = "purchasing:purchasereturn_create"

    def get_queryset(self):
        lines = PurchaseReturnLine.objects.filter(purchase_return=OuterRef("pk"))
        return (
            super()
            .get_queryset()
            .select_related("supplier", "order", "created_by")
            .annotate(quantity=_sum_subquery(lines, F("quantity")))
        )


# --- purchase orders ----------------------------------------------------------------------


def order_actions(order: PurchaseOrder, user) -> dict[str, bool]:
    """Which buttons the order page shows this user (the services check again)."""
    can_change = user.has_perm("purchasing.change_purchaseorder")
    status = order.status
    lines = list(order.lines.all())
    nothing_received = not any(line.settled_qty for line in lines)
    may_decide = (
        status == OrderStatus.PENDING_APPROVAL
        and user.has_perm("purchasing.approve_purchaseorder")
        and order.created_by_id != user.pk
    )
    return {
        "edit": can_change and status == OrderStatus.DRAFT,
        "submit": can_change and status == OrderStatus.DRAFT,
        "approve": may_decide,
        "reject": may_decide,
        "close": can_change and status == OrderStatus.OPEN,
        "cancel": can_change
        and status in (OrderStatus.DRAFT, OrderStatus.PENDING_APPROVAL, OrderStatus.OPEN)
        and nothing_received,
        "receive": status == OrderStatus.OPEN and user.has_perm("purchasing.add_receipt"),
        "return": status in (OrderStatus.OPEN, OrderStatus.CLOSED)
        and user.has_perm("purchasing.add_purchasereturn")
        and any(line.received_qty > 0 for line in lines),
    }


def purchaseorder_detail_context(request, order: PurchaseOrder) -> dict:
    order = purchase_order_with_lines(order.pk)
    lines = list(order.lines.all())
    receipt_lines = ReceiptLine.objects.filter(receipt=OuterRef("pk"))
    return_lines = PurchaseReturnLine.objects.filter(purchase_return=OuterRef("pk"))
    return {
        "order": order,
        "lines": lines,
        "total": sum((line.amount for line in lines), 0),
        "warnings": order_warnings(order),
        "receipts": order.receipts.select_related("warehouse", "received_by")
        .annotate(
            arrived=_sum_subquery(receipt_lines, F("quantity")),
            pending=_sum_subquery(
                receipt_lines, F("quantity") - F("accepted_qty") - F("rejected_qty")
            ),
        )
        .order_by("received_on", "pk"),
        "returns": order.returns.select_related("created_by")
        .annotate(quantity=_sum_subquery(return_lines, F("quantity")))
        .order_by("returned_on", "pk"),
        "actions": order_actions(order, request.user),
        "reason_form": ReasonForm(),
        "can_view_history": request.user.has_perm("core.view_history"),
    }


class PurchaseOrderFormView(StaffPermissionMixin, generic.TemplateView):
    """Create a draft order, or edit one while it is a draft, with its lines."""

    template_name = "purchasing/purchaseorder_form.html"
    prefix = "lines"

    def get_permission_required(self):
        if "pk" in self.kwargs:
            return ("purchasing.change_purchaseorder",)
        return ("purchasing.add_purchaseorder",)

    def get_order(self) -> PurchaseOrder | None:
        if "pk" not in self.kwargs:
            return None
        return get_object_or_404(PurchaseOrder, pk=self.kwargs["pk"])

    def not_editable(self, order):
        messages.error(
            self.request,
            _("Order %(number)s is %(status)s; only a draft can be changed.")
            % {"number": order.number, "status": order.get_status_display()},
        )
        return HttpResponseRedirect(order.get_absolute_url())

    def render(self, form, formset, order):
        return self.render_to_response(
            self.get_context_data(form=form, formset=formset, order=order)
        )

    def get(self, request, *args, **kwargs):
        order = self.get_order()
        if order is None:
            form = PurchaseOrderForm(initial={"order_date": today()})
            formset = PurchaseOrderLineFormSet(prefix=self.prefix)
        else:
            if order.status != OrderStatus.DRAFT:
                return self.not_editable(order)
            form = PurchaseOrderForm(
                initial={
                    "supplier": order.supplier_id,
                    "order_date": order.order_date,
                    "warehouse": order.warehouse_id,
                    "planned_arrival": order.planned_arrival,
                    "note": order.note,
                }
            )
            formset = PurchaseOrderLineFormSet(
                prefix=self.prefix,
                initial=[
                    {
                        "product": line.product_id,
                        "quantity": line.quantity,
                        "unit_price": line.unit_price,
                        "tax_rate": line.tax_rate,
                        "planned_arrival": line.planned_arrival,
                    }
                    for line in order.lines.order_by("pk")
                ],
            )
            formset.extra = 0
        return self.render(form, formset, order)

    def post(self, request, *args, **kwargs):
        order = self.get_order()
        form = PurchaseOrderForm(request.POST)
        formset = PurchaseOrderLineFormSet(request.POST, prefix=self.prefix)
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            lines = [
                OrderLineInput(
                    product=row.cleaned_data["product"],
                    quantity=row.cleaned_data["quantity"],
                    unit_price=row.cleaned_data["unit_price"],
                    tax_rate=row.cleaned_data.get("tax_rate"),
                    planned_arrival=row.cleaned_data.get("planned_arrival"),
                )
                for row in formset.filled_forms()
            ]
            header = {
                "user": request.user,
                "supplier": data["supplier"],
                "order_date": data["order_date"],
                "warehouse": data["warehouse"],
                "planned_arrival": data.get("planned_arrival"),
                "note": data.get("note", ""),
                "lines": lines,
            }
            try:
                if order is None:
                    order = po_create(**header)
                else:
                    order = po_update(order=order, **header)
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                messages.success(request, _("Saved %(obj)s.") % {"obj": order})
                return HttpResponseRedirect(order.get_absolute_url())
        return self.render(form, formset, order)


ORDER_ACTIONS = {
    # action: (service, permission, name of the text argument or None, success message)
    "submit": (
        po_submit,
        "purchasing.change_purchaseorder",
        None,
        gettext_lazy("Order submitted."),
    ),
    "approve": (
        po_approve,
        "purchasing.approve_purchaseorder",
        "note",
        gettext_lazy("Order approved."),
    ),
    "reject": (
        po_reject,
        "purchasing.approve_purchaseorder",
        "note",
        gettext_lazy("Order sent back to the purchaser."),
    ),
    "close": (po_close, "purchasing.change_purchaseorder", "reason", gettext_lazy("Order closed.")),
    "cancel": (
        po_cancel,
        "purchasing.change_purchaseorder",
        "reason",
        gettext_lazy("Order cancelled."),
    ),
}


class PurchaseOrderActionView(StaffPermissionMixin, generic.View):
    """POST a status change (submit, approve, reject, close, cancel) from the order page."""

    permission_required = "purchasing.view_purchaseorder"
    http_method_names = ["post"]

    def has_permission(self):
        # Users who may take none of the actions (auditors) are refused outright.
        user = self.request.user
        return super().has_permission() and any(
            user.has_perm(permission) for _s, permission, _a, _d in ORDER_ACTIONS.values()
        )

    def post(self, request, pk, action):
        if action not in ORDER_ACTIONS:
            raise Http404
        service, permission, argument, done = ORDER_ACTIONS[action]
        if not request.user.has_perm(permission):
            raise PermissionDenied
        order = get_object_or_404(PurchaseOrder, pk=pk)
        target = order.get_absolute_url()
        form = ReasonForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return HttpResponseRedirect(target)
        kwargs = {"order": order, "user": request.user}
        if argument:
            kwargs[argument] = form.cleaned_data.get("reason", "")
        try:
            service(**kwargs)
        except DomainError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            order.refresh_from_db()
            messages.success(request, done)
            if action == "submit" and order.status == OrderStatus.PENDING_APPROVAL:
                messages.info(request, _("The amount is above the threshold: a manager approves."))
        return HttpResponseRedirect(target)


# --- receipts -----------------------------------------------------------------------------


def receipt_detail_context(request, receipt: Receipt) -> dict:
    lines = list(
        receipt.lines.select_related("product", "lot", "location", "order_line").order_by("pk")
    )
    for line in lines:
        line.band = band_for(line.lot.expiry_date)
        line.band_css = BAND_CSS[line.band]
    acceptances = (
        Acceptance.objects.filter(receipt_line__receipt=receipt)
        .select_related("receipt_line__lot", "inspector", "rejection_report")
        .order_by("inspected_on", "pk")
    )
    return {
        "lines": lines,
        "acceptances": acceptances,
        "can_inspect": request.user.has_perm("purchasing.inspect_receipt")
        and request.user.has_perm("purchasing.add_acceptance"),
        "can_view_history": request.user.has_perm("core.view_history"),
    }


class ReceiptCreateView(StaffPermissionMixin, generic.TemplateView):
    """到货: from an open order (one row per open line) or, in lenient mode, without one."""

    template_name = "purchasing/receipt_form.html"
    permission_required = "purchasing.add_receipt"
    prefix = "lines"

    def get_order(self) -> PurchaseOrder | None:
        if "order_pk" not in self.kwargs:
            return None
        return get_object_or_404(
            PurchaseOrder.objects.select_related("supplier", "warehouse"),
            pk=self.kwargs["order_pk"],
        )

    def render(self, order, form=None, formset=None):
        if formset is not None and order is not None:
            lines = {line.pk: line for line in order.lines.select_related("product")}
            for row in formset.forms:
                key = row["order_line"].value()
                try:
                    row.order_line_obj = lines.get(int(key)) if key not in (None, "") else None
                except (TypeError, ValueError):
                    row.order_line_obj = None
        strict = is_strict()
        return self.render_to_response(
            self.get_context_data(
                order=order,
                form=form,
                formset=formset,
                strict=strict,
                open_orders=PurchaseOrder.objects.filter(status=OrderStatus.OPEN)
                .select_related("supplier")
                .order_by("-order_date", "-number")[:200]
                if order is None
                else (),
            )
        )

    def get(self, request, *args, **kwargs):
        order = self.get_order()
        if order is None:
            chosen = request.GET.get("order", "")
            if chosen.isdigit() and PurchaseOrder.objects.filter(pk=chosen).exists():
                return HttpResponseRedirect(
                    reverse("purchasing:receipt_create_for_order", args=[int(chosen)])
                )
            if is_strict():
                # Strict control: a receipt starts from an open order; choose one.
                return self.render(None)
            form = ReceiptForm(initial={"received_on": today()})
            formset = ReceiptLineFormSet(prefix=self.prefix, initial=[{}, {}, {}])
            return self.render(None, form, formset)
        if order.status != OrderStatus.OPEN:
            messages.error(
                request,
                _("Order %(number)s is %(status)s; goods can only be received on an open order.")
                % {"number": order.number, "status": order.get_status_display()},
            )
            return HttpResponseRedirect(order.get_absolute_url())
        form = ReceiptForm(
            order=order, initial={"received_on": today(), "warehouse": order.warehouse_id}
        )
        formset = ReceiptLineFormSet(
            prefix=self.prefix,
            order=order,
            initial=[
                {"order_line": line.pk, "unit_price": line.unit_price}
                for line in open_order_lines(order)
            ],
        )
        return self.render(order, form, formset)

    def post(self, request, *args, **kwargs):
        order = self.get_order()
        form = ReceiptForm(request.POST, order=order)
        formset = ReceiptLineFormSet(request.POST, prefix=self.prefix, order=order)
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            lines = [self.line_input(row.cleaned_data, order) for row in formset.filled_forms()]
            try:
                receipt = receipt_create(
                    user=request.user,
                    supplier=order.supplier if order is not None else data["supplier"],
                    warehouse=data["warehouse"],
                    received_on=data["received_on"],
                    lines=lines,
                    order=order,
                    transport_mode=data["transport_mode"],
                    delivery_note_number=data.get("delivery_note_number", ""),
                    note=data.get("note", ""),
                )
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                messages.success(request, _("Saved %(obj)s.") % {"obj": receipt})
                return HttpResponseRedirect(receipt.get_absolute_url())
        return self.render(order, form, formset)

    @staticmethod
    def line_input(data, order) -> ReceiptLineInput:
        order_line = data.get("order_line") if order is not None else None
        product = order_line.product if order_line is not None else data.get("product")
        return ReceiptLineInput(
            product=product,
            batch_number=data["batch_number"].strip(),
            expiry_date=data["expiry_date"],
            quantity=data["quantity"],
            unit_price=data.get("unit_price"),
            order_line=order_line,
            production_date=data.get("production_date"),
            serial_number=(data.get("serial_number") or "").strip(),
            udi=data.get("udi", ""),
            reasonable_loss_qty=data.get("reasonable_loss_qty") or 0,
            unreasonable_loss_qty=data.get("unreasonable_loss_qty") or 0,
            arrival_temperature=data.get("arrival_temperature"),
        )


class ReceiptScanView(StaffPermissionMixin, generic.View):
    """GET ?code=<GS1 string>[&product=|&order_line=]: the parsed values as JSON, or an
    error (malformed code, unknown GTIN, a code of another product than the row's)."""

    permission_required = "purchasing.add_receipt"

    def get(self, request):
        form = ScanForm(request.GET)
        if not form.is_valid():
            message = " ".join(e for errors in form.errors.values() for e in errors)
            return JsonResponse({"error": message}, status=400)
        data = form.cleaned_data
        try:
            parsed = parse_gs1(data["code"])
        except DomainError as error:
            return JsonResponse({"error": " ".join(error.messages)}, status=400)
        expected = data["order_line"].product if data.get("order_line") else data.get("product")
        result = {
            "batch": parsed.get("batch", ""),
            "serial": parsed.get("serial", ""),
            "expiry_date": parsed["expiry_date"].isoformat() if parsed.get("expiry_date") else "",
            "production_date": parsed["production_date"].isoformat()
            if parsed.get("production_date")
            else "",
            "gtin": parsed.get("gtin", ""),
        }
        if parsed.get("gtin"):
            scanned = product_for_gtin(parsed["gtin"])
            if scanned is None:
                return JsonResponse(
                    {
                        "error": _("No product has the barcode or UDI-DI %(gtin)s.")
                        % {"gtin": parsed["gtin"]}
                    },
                    status=400,
                )
            if expected is not None and expected.pk != scanned.pk:
                return JsonResponse({"error": scan_mismatch_message(scanned, expected)}, status=400)
            result.update(product=scanned.pk, product_label=f"{scanned.code} {scanned}")
        return JsonResponse(result)


# --- acceptance ---------------------------------------------------------------------------


class ReceiptLineInspectView(StaffPermissionMixin, generic.TemplateView):
    """验收 of one arrived batch: accepted and rejected quantities, checks, locations."""

    template_name = "purchasing/acceptance_form.html"
    permission_required = ("purchasing.inspect_receipt", "purchasing.add_acceptance")

    def get_line(self) -> ReceiptLine:
        return get_object_or_404(
            ReceiptLine.objects.select_related(
                "receipt__supplier",
                "receipt__warehouse",
                "receipt__order",
                "product__manufacturer",
                "lot",
                "location",
            ),
            pk=self.kwargs["pk"],
        )

    def render(self, line, form):
        line.band = band_for(line.lot.expiry_date)
        line.band_css = BAND_CSS[line.band]
        return self.render_to_response(self.get_context_data(line=line, form=form))

    def get(self, request, *args, **kwargs):
        line = self.get_line()
        if line.pending_qty <= 0:
            messages.info(request, _("Nothing of this batch awaits inspection."))
            return HttpResponseRedirect(line.receipt.get_absolute_url())
        form = AcceptanceForm(
            receipt_line=line,
            user=request.user,
            initial={"accepted_qty": line.pending_qty, "rejected_qty": 0, "sample_qty": 0},
        )
        return self.render(line, form)

    def post(self, request, *args, **kwargs):
        line = self.get_line()
        form = AcceptanceForm(request.POST, receipt_line=line, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                acceptance = acceptance_create(
                    receipt_line=line,
                    user=request.user,
                    accepted_qty=data["accepted_qty"],
                    rejected_qty=data["rejected_qty"],
                    appearance_ok=data["appearance_ok"],
                    packaging_ok=data["packaging_ok"],
                    label_ok=data["label_ok"],
                    certificate_ok=data["certificate_ok"],
                    qualified_location=data.get("qualified_location"),
                    nonconforming_location=data.get("nonconforming_location"),
                    sample_qty=data.get("sample_qty") or 0,
                    rejection_reason=data.get("rejection_reason", ""),
                    remarks=data.get("remarks", ""),
                    second_keeper=data.get("second_keeper"),
                    inspected_on=data["inspected_on"],
                )
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                messages.success(request, _("Saved %(obj)s.") % {"obj": acceptance})
                return HttpResponseRedirect(acceptance.get_absolute_url())
        return self.render(line, form)


def acceptance_record_rows(acceptance: Acceptance) -> list[tuple[str, object]]:
    """The fields of the GSP acceptance record (验收记录), in the record's order."""
    line = acceptance.receipt_line
    product, lot, receipt = line.product, line.lot, line.receipt
    checks = [
        (_("Appearance in order"), acceptance.appearance_ok),
        (_("Packaging in order"), acceptance.packaging_ok),
        (_("Labels and instructions in order"), acceptance.label_ok),
        (_("Certificate of conformity present"), acceptance.certificate_ok),
    ]
    return [
        (_("Product name"), product.name),
        (_("Specification / model"), product.spec),
        (_("Registration certificate number"), product.registration_number),
        (_("Manufacturer"), product.manufacturer),
        (_("Batch number"), lot.batch_number),
        (_("Serial number"), lot.serial_number),
        (_("Production date"), iso(lot.production_date)),
        (_("Expiry date"), iso(lot.expiry_date)),
        (_("Supplier"), receipt.supplier),
        (_("Arrival date"), iso(receipt.received_on)),
        (_("Arrived quantity"), line.quantity),
        (_("Sample quantity"), acceptance.sample_qty),
        (_("Accepted quantity"), acceptance.accepted_qty),
        (_("Rejected quantity"), acceptance.rejected_qty),
        *checks,
        (_("Conclusion"), acceptance.get_conclusion_display()),
        (_("Qualified location"), acceptance.qualified_location),
        (_("Nonconforming location"), acceptance.nonconforming_location),
        (_("Inspector"), acceptance.inspector.get_full_name() or acceptance.inspector.username),
        (_("Second keeper"), acceptance.second_keeper),
        (_("Inspection date"), iso(acceptance.inspected_on)),
        (_("Remarks"), acceptance.remarks),
    ]


def acceptance_detail_context(request, acceptance: Acceptance) -> dict:
    acceptance = Acceptance.objects.select_related(
        "receipt_line__receipt__supplier",
        "receipt_line__product__manufacturer",
        "receipt_line__lot",
        "inspector",
        "second_keeper",
        "qualified_location__warehouse",
        "nonconforming_location__warehouse",
    ).get(pk=acceptance.pk)
    band = band_for(acceptance.receipt_line.lot.expiry_date)
    return {
        "field_rows": acceptance_record_rows(acceptance),
        "receipt": acceptance.receipt_line.receipt,
        "rejection_report": RejectionReport.objects.filter(acceptance=acceptance).first(),
        "band": band,
        "band_css": BAND_CSS[band],
        "can_view_history": request.user.has_perm("core.view_history"),
    }


def rejectionreport_detail_context(request, report: RejectionReport) -> dict:
    report = RejectionReport.objects.select_related(
        "acceptance__receipt_line__receipt__supplier",
        "acceptance__receipt_line__product__manufacturer",
        "acceptance__receipt_line__lot",
        "acceptance__nonconforming_location__warehouse",
        "created_by",
    ).get(pk=report.pk)
    acceptance = report.acceptance
    line = acceptance.receipt_line
    return {
        "field_rows": [
            (_("Report number"), report.number),
            (_("Date"), iso(localdate(report.created_at))),
            (_("Acceptance"), acceptance),
            (_("Receipt"), line.receipt),
            (_("Supplier"), line.receipt.supplier),
            (_("Product name"), line.product.name),
            (_("Specification / model"), line.product.spec),
            (_("Registration certificate number"), line.product.registration_number),
            (_("Manufacturer"), line.product.manufacturer),
            (_("Batch number"), line.lot.batch_number),
            (_("Serial number"), line.lot.serial_number),
            (_("Expiry date"), iso(line.lot.expiry_date)),
            (_("Arrived quantity"), line.quantity),
            (_("Rejected quantity"), report.quantity),
            (_("Findings (quality, appearance, packaging)"), report.reason),
            (_("Nonconforming location"), acceptance.nonconforming_location),
            (_("Inspector"), report.created_by.get_full_name() or report.created_by.username),
        ],
        "acceptance": acceptance,
        "can_view_history": request.user.has_perm("core.view_history"),
    }


# --- purchase returns ---------------------------------------------------------------------


def purchasereturn_detail_context(request, purchase_return: PurchaseReturn) -> dict:
    lines = purchase_return.lines.select_related(
        "lot__product", "location__warehouse", "order_line"
    ).order_by("pk")
    return {
        "lines": lines,
        "can_view_history": request.user.has_perm("core.view_history"),
    }


class PurchaseReturnCreateView(StaffPermissionMixin, generic.TemplateView):
    """采购退货: choose the original order (strict) or supplier, then lots from stock."""

    template_name = "purchasing/purchasereturn_form.html"
    permission_required = "purchasing.add_purchasereturn"
    prefix = "lines"

    def render(self, choose, form=None, formset=None, order=None, supplier=None):
        return self.render_to_response(
            self.get_context_data(
                choose=choose,
                form=form,
                formset=formset,
                order=order,
                supplier=supplier,
                strict=is_strict(),
            )
        )

    def get(self, request, *args, **kwargs):
        strict = is_strict()
        bound = any(key in request.GET for key in ("order", "supplier"))
        choose = ReturnChooseForm(request.GET if bound else None, strict=strict)
        if not bound or not choose.is_valid():
            return self.render(choose)
        order = choose.cleaned_data.get("order")
        supplier = order.supplier if order else choose.cleaned_data.get("supplier")
        stock = returnable_stock(order=order, supplier=supplier)
        form = PurchaseReturnForm(user=request.user)
        formset = PurchaseReturnLineFormSet(prefix=self.prefix, stock=stock)
        return self.render(choose, form, formset, order, supplier)

    def post(self, request, *args, **kwargs):
        strict = is_strict()
        choose = ReturnChooseForm(request.POST, strict=strict)
        if not choose.is_valid():
            return self.render(choose)
        order = choose.cleaned_data.get("order")
        supplier = order.supplier if order else choose.cleaned_data.get("supplier")
        stock = returnable_stock(order=order, supplier=supplier)
        form = PurchaseReturnForm(request.POST, user=request.user)
        formset = PurchaseReturnLineFormSet(request.POST, prefix=self.prefix, stock=stock)
        if form.is_valid() and formset.is_valid():
            order_lines = {}
            if order is not None:
                order_lines = {line.product_id: line for line in order.lines.all()}
            lines = []
            for row in formset.filled_forms():
                balance = row.cleaned_data["stock"]
                lines.append(
                    ReturnLineInput(
                        lot=balance.lot,
                        location=balance.location,
                        quantity=row.cleaned_data["quantity"],
                        order_line=order_lines.get(balance.lot.product_id),
                    )
                )
            data = form.cleaned_data
            try:
                purchase_return = purchase_return_create(
                    user=request.user,
                    supplier=supplier,
                    returned_on=data["returned_on"],
                    reason=data["reason"],
                    lines=lines,
                    order=order,
                    second_keeper=data.get("second_keeper"),
                )
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                messages.success(request, _("Saved %(obj)s.") % {"obj": purchase_return})
                return HttpResponseRedirect(purchase_return.get_absolute_url())
        return self.render(choose, form, formset, order, supplier)
