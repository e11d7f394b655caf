"""Sales order pages: list, detail (lines, holds, reservations, deliveries, returns, costs
for those allowed to see them), the create/edit form whose lines are priced and checked
live (htmx), and the status buttons (submit, confirm, approve, reject, close, cancel).

Views parse the request and call the services; a `DomainError` is shown on the form (or
as a message for the status buttons) and nothing is saved.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import F, OuterRef, Subquery, Sum
from django.db.models.functions import Round
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from apps.core.crud import StaffPermissionMixin, apply_domain_error
from apps.core.exceptions import DomainError
from apps.core.models import today
from apps.inventory.models import StockReservation

from ..forms import (
    ReasonForm,
    SalesOrderForm,
    SalesOrderLineFormSet,
    customers_for,
    preview_url_for,
)
from ..models import (
    CENT,
    DeliveryLine,
    DeliveryStatus,
    HoldStatus,
    SalesOrder,
    SalesOrderLine,
    SalesOrderStatus,
    SalesReturn,
    SalesType,
)
from ..selectors import sales_order_with_lines
from ..services import (
    ORDER_SOURCE,
    LineInput,
    sales_order_approve,
    sales_order_cancel,
    sales_order_close,
    sales_order_confirm,
    sales_order_create,
    sales_order_preview,
    sales_order_reject,
    sales_order_submit,
    sales_order_update,
)
from ..services.controls import BLOCK, HOLD
from .common import SalesListView, error_messages, form_error_messages, quantity_of, with_band

LINES_PREFIX = "lines"
EDITABLE = (
    SalesOrderStatus.DRAFT,
    SalesOrderStatus.PENDING_APPROVAL,
    SalesOrderStatus.APPROVED,
)
DISCOUNT_LEVELS = {
    "customer_product": gettext_lazy("customer × product"),
    "customer_category": gettext_lazy("customer × category"),
    "class_product": gettext_lazy("customer class × product"),
    "class_category": gettext_lazy("customer class × category"),
    "none": gettext_lazy("no cross discount"),
}


# --- list ---------------------------------------------------------------------------------


class SalesOrderListView(SalesListView):
    create_url_name = "sales:salesorder_create"

    def get_queryset(self):
        amount = (
            SalesOrderLine.objects.filter(order=OuterRef("pk"))
            .order_by()
            .values("order")
            # Rounded as SalesOrderLine.amount: net price to 0.0001, line amount to 0.01.
            .annotate(
                t=Sum(
                    Round(
                        Round(F("unit_price") * (100 - F("discount_pct")) / 100, 4) * F("quantity"),
                        2,
                    )
                )
            )
            .values("t")
        )
        return (
            super()
            .get_queryset()
            .select_related("customer", "salesperson", "warehouse")
            .annotate(total_amount=Subquery(amount))
        )


# --- detail -------------------------------------------------------------------------------


def order_actions(order: SalesOrder, user, lines) -> dict[str, bool]:
    """Which buttons the order page shows this user (the services check again)."""
    status = order.status
    can_change = user.has_perm("sales.change_salesorder")
    may_decide = (
        status == SalesOrderStatus.PENDING_APPROVAL
        and user.has_perm("sales.approve_salesorder")
        and user.pk not in (order.created_by_id, order.salesperson_id)
    )
    nothing_shipped = not any(line.shipped_qty for line in lines)
    return {
        "edit": can_change and status in EDITABLE,
        "submit": can_change and status == SalesOrderStatus.DRAFT,
        "confirm": user.has_perm("sales.confirm_salesorder")
        and status in (SalesOrderStatus.DRAFT, SalesOrderStatus.APPROVED),
        "approve": may_decide,
        "reject": may_decide,
        "close": can_change
        and status
        in (
            SalesOrderStatus.PENDING_APPROVAL,
            SalesOrderStatus.APPROVED,
            SalesOrderStatus.CONFIRMED,
            SalesOrderStatus.PARTIALLY_SHIPPED,
        ),
        "cancel": can_change
        and status in (*EDITABLE, SalesOrderStatus.CONFIRMED)
        and nothing_shipped,
        "pick": user.has_perm("sales.pick_delivery")
        and status in (SalesOrderStatus.CONFIRMED, SalesOrderStatus.PARTIALLY_SHIPPED),
    }


def _excl_tax(price: Decimal, tax_rate: Decimal) -> Decimal:
    return price / (1 + Decimal(tax_rate) / 100)


def line_costs(order: SalesOrder, lines, reservations) -> dict[int, dict]:
    """Cost (excl. tax) and margin per order line: shipped delivery lines at their booked
    unit cost, still-reserved stock at its lot's cost. Only for users with core.view_cost."""
    shipped = defaultdict(list)
    for row in DeliveryLine.objects.filter(
        order_line__order=order, delivery__status=DeliveryStatus.SHIPPED
    ).values("order_line_id", "quantity", "unit_cost"):
        shipped[row["order_line_id"]].append((row["quantity"], row["unit_cost"]))
    reserved = defaultdict(list)
    for reservation in reservations:
        reserved[reservation.source_line_id].append(
            (reservation.quantity, reservation.balance.lot.unit_cost)
        )
    result = {}
    for line in lines:
        parts = shipped[line.pk] + reserved[line.pk]
        quantity = sum(q for q, _c in parts)
        if not parts or any(cost is None for _q, cost in parts):
            result[line.pk] = {"cost": None, "margin": None, "margin_pct": None}
            continue
        cost = sum((Decimal(q) * cost for q, cost in parts), Decimal(0)).quantize(CENT)
        revenue = (_excl_tax(line.net_price, line.tax_rate) * quantity).quantize(CENT)
        margin = revenue - cost
        pct = (margin * 100 / revenue).quantize(Decimal("0.1"), ROUND_HALF_UP) if revenue else None
        result[line.pk] = {"cost": cost, "margin": margin, "margin_pct": pct, "quantity": quantity}
    return result


def salesorder_detail_context(request, order: SalesOrder) -> dict:
    order = sales_order_with_lines(order.pk)
    lines = list(order.lines.all())
    reservations = list(
        StockReservation.objects.filter(
            source_type=ORDER_SOURCE, source_id=order.pk, quantity__gt=0
        )
        .select_related("balance__lot", "balance__location")
        .order_by("balance__lot__expiry_date", "pk")
    )
    by_line = defaultdict(list)
    for reservation in reservations:
        with_band(reservation, reservation.balance.lot.expiry_date)
        by_line[reservation.source_line_id].append(reservation)
    can_view_cost = request.user.has_perm("core.view_cost")
    costs = line_costs(order, lines, reservations) if can_view_cost else {}
    for line in lines:
        line.reservations = by_line.get(line.pk, [])
        line.reserved_qty = sum(r.quantity for r in line.reservations)
        line.costing = costs.get(line.pk)
    holds = sorted(order.holds.all(), key=lambda h: h.pk)
    deliveries = (
        order.deliveries.select_related("picked_by", "checked_by")
        .annotate(quantity=quantity_of(DeliveryLine, "delivery"))
        .order_by("created_at", "pk")
    )
    returns = (
        SalesReturn.objects.filter(delivery__order=order)
        .select_related("delivery", "created_by")
        .order_by("returned_on", "pk")
    )
    total = sum((line.amount for line in lines), Decimal("0.00"))
    return {
        "order": order,
        "lines": lines,
        "total": total,
        "tax_total": sum((line.tax_amount for line in lines), Decimal("0.00")),
        "total_excl_tax": total - sum((line.tax_amount for line in lines), Decimal("0.00")),
        "holds": holds,
        "pending_holds": [h for h in holds if h.status == HoldStatus.PENDING],
        "warnings": [w for w in order.warnings.splitlines() if w.strip()],
        "deliveries": deliveries,
        "returns": returns,
        "actions": order_actions(order, request.user, lines),
        "can_view_cost": can_view_cost,
        "cost_total": sum((c["cost"] for c in costs.values() if c["cost"] is not None), Decimal(0))
        if costs
        else None,
        "can_view_history": request.user.has_perm("core.view_history"),
    }


# --- live preview -------------------------------------------------------------------------


@dataclass
class RowPreview:
    """What the order form shows under one line: price suggestion, ceiling, amounts and
    every control's finding for that line."""

    prefix: str
    product: object = None
    deleted: bool = False
    line: SalesOrderLine | None = None
    suggestion: object = None
    available: int | None = None
    findings: list = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    hint: str = ""

    @property
    def level_label(self):
        return DISCOUNT_LEVELS.get(getattr(self.suggestion, "level", ""), "")

    @property
    def ceiling(self):
        if self.line is not None and self.line.ceiling_price is not None:
            return self.line.ceiling_price
        return getattr(self.suggestion, "national_price", None)

    @property
    def needs_approval(self) -> bool:
        return any(f.severity == HOLD for f in self.findings)


@dataclass
class OrderPreview:
    rows: list[RowPreview]
    findings: list = field(default_factory=list)
    total: Decimal | None = None
    tax: Decimal | None = None
    hint: str = ""
    customer_options: object = None

    @property
    def all_findings(self):
        return [f for row in self.rows for f in row.findings] + list(self.findings)

    @property
    def holds(self) -> bool:
        return any(f.severity == HOLD for f in self.all_findings)

    @property
    def blocks(self) -> bool:
        return any(f.severity == BLOCK for f in self.all_findings)


def _field_errors(form) -> list[str]:
    """What is wrong with what was typed; a field not filled in yet is not an error here."""
    errors = []
    for name, problems in form.errors.as_data().items():
        label = form.fields[name].label if name in form.fields else ""
        for problem in problems:
            if problem.code == "required":
                continue
            for message in problem.messages:
                errors.append(f"{label}: {message}" if label else message)
    return errors


def live_preview(*, user, data, order: SalesOrder | None = None) -> OrderPreview:
    """Parse the (partial) form as typed and ask the service what every control says.
    Nothing is written; rows with errors still show their suggested price."""
    form = SalesOrderForm(data, order=order)
    form.is_valid()
    header = form.cleaned_data
    formset = SalesOrderLineFormSet(data, prefix=LINES_PREFIX)
    rows: list[RowPreview] = []
    inputs: list[tuple[RowPreview, LineInput]] = []
    for row_form in formset.forms:
        row_form.is_valid()
        cleaned = getattr(row_form, "cleaned_data", {}) or {}
        row = RowPreview(prefix=row_form.prefix)
        rows.append(row)
        if cleaned.get("DELETE"):
            row.deleted = True
            continue
        if not row_form.has_changed():
            continue
        row.errors = _field_errors(row_form)
        row.product = cleaned.get("product")
        if row.product is None:
            if "product" not in row_form.errors:
                row.hint = _("Choose a product.")
            continue
        quantity = cleaned.get("quantity")
        if row.errors:
            quantity = None  # priced for the suggestion only, not checked
        elif quantity is None:
            row.hint = _("Enter the quantity to check this line.")
        inputs.append(
            (
                row,
                LineInput(
                    product=row.product,
                    quantity=quantity,
                    unit_price=cleaned.get("unit_price"),
                    discount_pct=cleaned.get("discount_pct") or Decimal(0),
                    tax_rate=cleaned.get("tax_rate"),
                ),
            )
        )
    result = OrderPreview(rows=rows)
    result.customer_options = customers_for(header.get("sales_type"))
    customer = order.customer if order is not None else header.get("customer")
    if customer is None:
        result.hint = _("Choose the customer to price and check the lines.")
        return result
    if not inputs:
        return result
    preview = sales_order_preview(
        user=user,
        customer=customer,
        lines=[line_input for _row, line_input in inputs],
        order_date=header.get("order_date") or today(),
        sales_type=header.get("sales_type") or SalesType.WHOLESALE,
        settlement_method=header.get("settlement_method")
        or form.fields["settlement_method"].initial,
        warehouse=header.get("warehouse") or (order.warehouse if order is not None else None),
        order=order,
        salesperson=header.get("salesperson"),
    )
    for (row, line_input), line_preview in zip(inputs, preview.lines, strict=True):
        row.suggestion = line_preview.suggestion
        row.available = line_preview.available
        if line_input.quantity is None:
            continue
        row.line = line_preview.line
        row.findings = list(line_preview.findings)
        row.errors += line_preview.errors
    result.findings = list(preview.findings)
    if any(row.line is not None for row in rows):
        result.total = preview.total
        result.tax = preview.tax
    return result


def preview_for_form(request, form, formset, order) -> OrderPreview | None:
    """The preview shown when the form page is (re)rendered with data."""
    if form.is_bound:
        return live_preview(user=request.user, data=request.POST, order=order)
    if order is None:
        return None
    initial = formset.initial or []
    data = {
        "sales_type": order.sales_type,
        "order_date": order.order_date.isoformat(),
        "warehouse": order.warehouse_id,
        "settlement_method": order.settlement_method,
        f"{LINES_PREFIX}-TOTAL_FORMS": len(initial),
        f"{LINES_PREFIX}-INITIAL_FORMS": 0,
    }
    for index, values in enumerate(initial):
        for name, value in values.items():
            data[f"{LINES_PREFIX}-{index}-{name}"] = "" if value is None else str(value)
    return live_preview(user=request.user, data=data, order=order)


class SalesOrderPreviewView(StaffPermissionMixin, generic.View):
    """htmx: POST the order form as typed; answers the fragment of the row that changed
    (or the order summary) and swaps every other row's fragment out of band."""

    http_method_names = ["post"]

    def get_permission_required(self):
        if "pk" in self.kwargs:
            return ("sales.change_salesorder",)
        return ("sales.add_salesorder",)

    def post(self, request, pk=None):
        order = (
            get_object_or_404(SalesOrder.objects.select_related("customer"), pk=pk) if pk else None
        )
        try:
            preview = live_preview(user=request.user, data=request.POST, order=order)
        except DomainError as error:
            return HttpResponseBadRequest("; ".join(error.messages))
        trigger = request.headers.get("HX-Trigger-Name", "")
        main = next((row for row in preview.rows if trigger.startswith(f"{row.prefix}-")), None)
        context = {
            "preview": preview,
            "main": main,
            "trigger_customer_options": trigger == "sales_type" and order is None,
            "chosen_customer": request.POST.get("customer", ""),
        }
        return HttpResponse(
            render_to_string("sales/includes/preview_response.html", context, request)
        )


# --- create / edit ------------------------------------------------------------------------


class SalesOrderFormView(StaffPermissionMixin, generic.TemplateView):
    """Create a draft order, or edit one that is not yet reserved, with its lines."""

    template_name = "sales/salesorder_form.html"

    def get_permission_required(self):
        if "pk" in self.kwargs:
            return ("sales.change_salesorder",)
        return ("sales.add_salesorder",)

    def get_order(self) -> SalesOrder | None:
        if "pk" not in self.kwargs:
            return None
        return get_object_or_404(
            SalesOrder.objects.select_related("customer", "warehouse"), pk=self.kwargs["pk"]
        )

    def not_editable(self, order):
        messages.error(
            self.request,
            _("Order %(number)s is %(status)s and can no longer be changed.")
            % {"number": order.number, "status": order.get_status_display()},
        )
        return HttpResponseRedirect(order.get_absolute_url())

    def render(self, form, formset, order):
        preview = preview_for_form(self.request, form, formset, order)
        if preview is not None:
            rows = {row.prefix: row for row in preview.rows}
            for row_form in formset.forms:
                row_form.live = rows.get(row_form.prefix)
        return self.render_to_response(
            self.get_context_data(form=form, formset=formset, order=order, preview=preview)
        )

    def get(self, request, *args, **kwargs):
        order = self.get_order()
        url = preview_url_for(order)
        if order is None:
            form = SalesOrderForm(initial={"order_date": today()}, preview_url=url)
            formset = SalesOrderLineFormSet(prefix=LINES_PREFIX, preview_url=url)
            return self.render(form, formset, None)
        if order.status not in EDITABLE:
            return self.not_editable(order)
        form = SalesOrderForm(
            order=order,
            preview_url=url,
            initial={
                "sales_type": order.sales_type,
                "order_date": order.order_date,
                "warehouse": order.warehouse_id,
                "salesperson": order.salesperson_id,
                "settlement_method": order.settlement_method,
                "payment_terms_days": order.payment_terms_days,
                "planned_delivery": order.planned_delivery,
                "delivery_address": order.delivery_address,
                "note": order.note,
            },
        )
        formset = SalesOrderLineFormSet(
            prefix=LINES_PREFIX,
            preview_url=url,
            initial=[
                {
                    "product": line.product_id,
                    "quantity": line.quantity,
                    "unit_price": line.unit_price,
                    "discount_pct": line.discount_pct,
                    "tax_rate": line.tax_rate,
                    "note": line.note,
                }
                for line in order.lines.order_by("pk")
            ],
        )
        formset.extra = 0
        return self.render(form, formset, order)

    def post(self, request, *args, **kwargs):
        order = self.get_order()
        if order is not None and order.status not in EDITABLE:
            return self.not_editable(order)
        url = preview_url_for(order)
        form = SalesOrderForm(request.POST, order=order, preview_url=url)
        formset = SalesOrderLineFormSet(request.POST, prefix=LINES_PREFIX, preview_url=url)
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            lines = [
                LineInput(
                    product=row.cleaned_data["product"],
                    quantity=row.cleaned_data["quantity"],
                    unit_price=row.cleaned_data.get("unit_price"),
                    discount_pct=row.cleaned_data.get("discount_pct") or Decimal(0),
                    tax_rate=row.cleaned_data.get("tax_rate"),
                    note=row.cleaned_data.get("note", ""),
                )
                for row in formset.filled_forms()
            ]
            header = {
                "sales_type": data["sales_type"],
                "order_date": data["order_date"],
                "warehouse": data["warehouse"],
                "salesperson": data.get("salesperson") or (order.salesperson if order else None),
                "settlement_method": data["settlement_method"],
                "planned_delivery": data.get("planned_delivery"),
                "delivery_address": data.get("delivery_address", ""),
                "note": data.get("note", ""),
            }
            try:
                if order is None:
                    order = sales_order_create(
                        user=request.user,
                        customer=data["customer"],
                        lines=lines,
                        payment_terms_days=data.get("payment_terms_days"),
                        **header,
                    )
                else:
                    if header["salesperson"] is None:
                        del header["salesperson"]
                    if data.get("payment_terms_days") is not None:
                        header["payment_terms_days"] = data["payment_terms_days"]
                    order = sales_order_update(
                        order=order, user=request.user, lines=lines, **header
                    )
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                messages.success(request, _("Saved %(obj)s.") % {"obj": order})
                return HttpResponseRedirect(order.get_absolute_url())
        return self.render(form, formset, order)


# --- status actions -----------------------------------------------------------------------

ORDER_ACTIONS = {
    # action: (service, permission, takes a reason, success message)
    "submit": (
        sales_order_submit,
        "sales.change_salesorder",
        False,
        gettext_lazy("Order submitted."),
    ),
    "confirm": (
        sales_order_confirm,
        "sales.confirm_salesorder",
        False,
        gettext_lazy("Order confirmed: stock reserved."),
    ),
    "approve": (
        sales_order_approve,
        "sales.approve_salesorder",
        True,
        gettext_lazy("Order approved."),
    ),
    "reject": (
        sales_order_reject,
        "sales.approve_salesorder",
        True,
        gettext_lazy("Order sent back to the salesperson."),
    ),
    "close": (sales_order_close, "sales.change_salesorder", True, gettext_lazy("Order closed.")),
    "cancel": (
        sales_order_cancel,
        "sales.change_salesorder",
        True,
        gettext_lazy("Order cancelled."),
    ),
}


class SalesOrderActionView(StaffPermissionMixin, generic.View):
    """POST a status change from the order page."""

    permission_required = "sales.view_salesorder"
    http_method_names = ["post"]

    def has_permission(self):
        # Users who may take none of the actions (auditors) are refused outright.
        user = self.request.user
        return super().has_permission() and any(
            user.has_perm(permission) for _s, permission, _r, _d in ORDER_ACTIONS.values()
        )

    def post(self, request, pk, action):
        if action not in ORDER_ACTIONS:
            raise Http404
        service, permission, takes_reason, done = ORDER_ACTIONS[action]
        if not request.user.has_perm(permission):
            raise PermissionDenied
        order = get_object_or_404(SalesOrder, pk=pk)
        target = order.get_absolute_url()
        form = ReasonForm(request.POST)
        if not form.is_valid():
            form_error_messages(request, form)
            return HttpResponseRedirect(target)
        kwargs = {"order": order, "user": request.user}
        if takes_reason:
            kwargs["reason"] = form.cleaned_data.get("reason", "")
        try:
            order = service(**kwargs)
        except DomainError as error:
            error_messages(request, error)
            return HttpResponseRedirect(target)
        order.refresh_from_db()
        if order.status == SalesOrderStatus.PENDING_APPROVAL:
            messages.warning(
                request,
                _("Order %(number)s is held: a manager must approve it before stock is reserved.")
                % {"number": order.number},
            )
        else:
            messages.success(request, done)
        return HttpResponseRedirect(target)
