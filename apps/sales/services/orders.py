"""The life of a sales order: write, submit (controls and holds), approve, confirm
(FEFO reservation), close and cancel. One function per state change, each atomic.

Lock order (DESIGN.md 3.4): the customer row, then the order row, then stock balances
(inside the inventory service). Locking the customer serialises every order of that
customer through its controls, so two orders cannot both take the last of a period
limit (4.4) or of a credit line.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.exceptions import (
    DomainError,
    InvalidStateError,
    PermissionDeniedError,
    SegregationOfDutiesError,
)
from apps.core.licences import fmt
from apps.core.models import CompanySettings, MinPriceRule, OrderControlMode, today
from apps.core.numbering import next_number
from apps.customers.models import Customer
from apps.inventory.models import StockBalance, StockReservation
from apps.inventory.services import (
    AllocationRequest,
    InsufficientStock,
    Source,
    allocate_fefo,
    sellable_balances,
    stock_release,
)
from apps.pricing.selectors import SuggestedPrice, suggested_prices

from ..models import (
    DeliveryStatus,
    HoldKind,
    HoldStatus,
    SalesOrder,
    SalesOrderHold,
    SalesOrderLine,
    SalesOrderStatus,
    SalesType,
    SettlementMethod,
)
from . import controls
from .controls import ControlResult, Finding

ORDER_SOURCE = "sales.order"
EDITABLE_STATUSES = (
    SalesOrderStatus.DRAFT,
    SalesOrderStatus.PENDING_APPROVAL,
    SalesOrderStatus.APPROVED,
)
HOLD_KIND_BY_RULE = {"price_ceiling": HoldKind.OVER_PRICE, "credit": HoldKind.CREDIT}


class ControlsRefused(DomainError):
    """One or more controls refused the order; `findings` names each rule and limit."""

    def __init__(self, findings: Sequence[Finding]):
        self.findings = list(findings)
        super().__init__([f.message for f in self.findings], code="controls_refused")


@dataclass
class LineInput:
    product: object
    quantity: int
    unit_price: Decimal | None = None
    discount_pct: Decimal = Decimal(0)
    tax_rate: Decimal | None = None
    note: str = ""


def _source(order: SalesOrder) -> Source:
    return Source(ORDER_SOURCE, order.pk, order.number)


def _user_label(user) -> str:
    return user.get_full_name() or user.get_username()


def _require(user, perm: str, message: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDeniedError(message)


def _validation_messages(error: ValidationError, prefix: str = "") -> list[str]:
    if hasattr(error, "message_dict"):
        return [f"{prefix}{m}" for messages in error.message_dict.values() for m in messages]
    return [f"{prefix}{m}" for m in error.messages]


def _build_lines(
    order: SalesOrder, inputs: Sequence[LineInput], prices: dict[int, SuggestedPrice]
) -> list[SalesOrderLine]:
    """Unsaved, validated lines. Every problem of every line is reported at once."""
    if not inputs:
        raise DomainError(_("An order needs at least one line."), field="lines")
    lines, errors = [], []
    for number, item in enumerate(inputs, start=1):
        prefix = _("Line %(n)s: ") % {"n": number}
        suggestion = prices.get(item.product.pk)
        unit_price = item.unit_price
        if unit_price is None or unit_price == "":
            unit_price = suggestion.price if suggestion else None
            if unit_price is None:
                errors.append(
                    prefix
                    + _("enter a price; %(product)s has no national price.")
                    % {"product": item.product}
                )
                continue
        try:
            line = SalesOrderLine(
                order=order,
                product=item.product,
                quantity=item.quantity,
                unit_price=Decimal(str(unit_price)),
                discount_pct=Decimal(str(item.discount_pct or 0)),
                tax_rate=item.product.tax_rate if item.tax_rate is None else item.tax_rate,
                suggested_price=suggestion.price if suggestion else None,
                note=item.note or "",
            )
        except (InvalidOperation, TypeError, ValueError):
            errors.append(prefix + _("the price or discount is not a number."))
            continue
        try:
            line.full_clean(exclude=["order"])
        except ValidationError as error:
            errors += _validation_messages(error, prefix)
            continue
        lines.append(line)
    if errors:
        raise DomainError(errors, field="lines")
    return lines


def _order_lines(order: SalesOrder) -> list[SalesOrderLine]:
    return list(
        SalesOrderLine.objects.filter(order=order)
        .select_related("product__category", "product__first_approval")
        .order_by("pk")
    )


def _customer_for_controls(customer_id: int, *, lock: bool) -> Customer:
    qs = Customer.objects.prefetch_related("licences__scope_categories")
    if lock:
        qs = qs.select_for_update(of=("self",))
    return qs.get(pk=customer_id)


def _run(order: SalesOrder, lines, *, user, enforce=None, company=None) -> ControlResult:
    return controls.run_controls(
        customer=order.customer,
        lines=lines,
        on_date=order.order_date,
        sales_type=order.sales_type,
        settlement_method=order.settlement_method,
        users=[user, order.salesperson],
        exclude_order_id=order.pk,
        enforce=enforce,
        company=company,
    )


def _header(order: SalesOrder, fields: dict) -> None:
    allowed = {
        "order_date",
        "planned_delivery",
        "warehouse",
        "settlement_method",
        "payment_terms_days",
        "delivery_address",
        "note",
        "salesperson",
        "sales_type",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"unknown order fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(order, name, value)
    if order.planned_delivery and order.order_date and order.planned_delivery < order.order_date:
        raise DomainError(
            _("The planned delivery date is before the order date."), field="planned_delivery"
        )
    if order.warehouse_id and not order.warehouse.is_active:
        raise DomainError(
            _("Warehouse %(warehouse)s is inactive.") % {"warehouse": order.warehouse},
            field="warehouse",
        )


def _save_checked(order: SalesOrder, lines: list[SalesOrderLine], *, user) -> SalesOrder:
    """Pre-check a draft (friendly, unlocked): in strict mode the blocking controls refuse
    it; in lenient mode they are saved as warnings."""
    result = _run(order, lines, user=user)
    if result.blocks:
        raise ControlsRefused(result.blocks)
    order.warnings = "\n".join(result.messages(controls.WARN))
    try:
        order.full_clean(exclude=["number"] if not order.number else None)
    except ValidationError as error:
        raise DomainError(_validation_messages(error)) from error
    order.save()
    for line in lines:
        line.order = order
    SalesOrderLine.objects.bulk_create(lines)
    return order


@transaction.atomic
def sales_order_create(
    *,
    user,
    customer,
    warehouse,
    lines: Sequence[LineInput],
    order_date: datetime.date | None = None,
    sales_type: str = SalesType.WHOLESALE,
    salesperson=None,
    settlement_method: str = SettlementMethod.BANK_TRANSFER,
    payment_terms_days: int | None = None,
    planned_delivery: datetime.date | None = None,
    delivery_address: str = "",
    note: str = "",
) -> SalesOrder:
    _require(user, "sales.add_salesorder", _("You may not write sales orders."))
    customer = _customer_for_controls(customer.pk, lock=False)
    order = SalesOrder(
        number="",
        customer=customer,
        created_by=user,
        salesperson=salesperson or user,
        sales_type=sales_type,
        order_date=order_date or today(),
        warehouse=warehouse,
        settlement_method=settlement_method,
        payment_terms_days=(
            customer.payment_terms_days if payment_terms_days is None else payment_terms_days
        ),
        planned_delivery=planned_delivery,
        delivery_address=delivery_address or customer.delivery_address or customer.address,
        note=note,
    )
    _header(order, {})
    prices = suggested_prices(
        customer=customer, products=[i.product for i in lines], on_date=order.order_date
    )
    built = _build_lines(order, lines, prices)
    order.number = next_number("SO")
    return _save_checked(order, built, user=user)


def _locked_order(order: SalesOrder, *, lock_customer: bool = True) -> SalesOrder:
    """Lock the customer (first, per the project lock order), then the order."""
    customer_id = SalesOrder.objects.values_list("customer_id", flat=True).get(pk=order.pk)
    customer = _customer_for_controls(customer_id, lock=lock_customer)
    locked = (
        SalesOrder.objects.select_for_update(of=("self",))
        .select_related("salesperson", "created_by", "warehouse")
        .get(pk=order.pk)
    )
    locked.customer = customer
    return locked


def _void_holds(order: SalesOrder) -> None:
    order.holds.filter(status__in=[HoldStatus.PENDING, HoldStatus.APPROVED]).update(
        status=HoldStatus.VOID, updated_at=timezone.now()
    )


@transaction.atomic
def sales_order_update(
    *, order: SalesOrder, user, lines: Sequence[LineInput], **header
) -> SalesOrder:
    """Replace the lines (and header fields). An order waiting for or holding an approval
    goes back to draft and its approvals become void: a changed order is approved anew."""
    _require(user, "sales.change_salesorder", _("You may not change sales orders."))
    order = _locked_order(order)
    if order.status not in EDITABLE_STATUSES:
        raise InvalidStateError(
            _("Order %(number)s is %(status)s and can no longer be changed.")
            % {"number": order.number, "status": order.get_status_display()}
        )
    _header(order, header)
    prices = suggested_prices(
        customer=order.customer, products=[i.product for i in lines], on_date=order.order_date
    )
    built = _build_lines(order, lines, prices)
    _void_holds(order)
    order.status = SalesOrderStatus.DRAFT
    order.submitted_at = None
    SalesOrderLine.objects.filter(order=order).delete()
    return _save_checked(order, built, user=user)


# ---------------------------------------------------------------------------- submit


def _raise_holds(order: SalesOrder, holds: list[Finding], lines) -> None:
    fingerprint = order.price_fingerprint(lines)
    by_kind: dict[str, list[str]] = defaultdict(list)
    for finding in holds:
        by_kind[HOLD_KIND_BY_RULE[finding.rule]].append(finding.message)
    for kind, messages in by_kind.items():
        hold = SalesOrderHold(
            order=order, kind=kind, detail="\n".join(messages), fingerprint=fingerprint
        )
        hold.full_clean()
        hold.save()


def _persist_line_flags(lines: list[SalesOrderLine]) -> None:
    """Store what the ceiling check saw on each line, in one statement (bulk_update's
    per-row CASE costs more to build than the update itself)."""
    if not lines:
        return
    table = SalesOrderLine._meta.db_table
    values = ", ".join(["(%s, %s::numeric, %s)"] * len(lines))
    params = []
    for line in lines:
        params += [line.pk, line.ceiling_price, bool(line.is_over_price)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS l SET ceiling_price = v.ceiling, is_over_price = v.over "
            f"FROM (VALUES {values}) AS v(id, ceiling, over) WHERE l.id = v.id",
            params,
        )


def _submit_locked(
    order: SalesOrder, *, user, company=None
) -> tuple[SalesOrder, list[SalesOrderLine]]:
    if order.status != SalesOrderStatus.DRAFT:
        raise InvalidStateError(
            _("Order %(number)s is %(status)s; only a draft can be submitted.")
            % {"number": order.number, "status": order.get_status_display()}
        )
    lines = _order_lines(order)
    if not lines:
        raise DomainError(_("An order needs at least one line."))
    result = _run(order, lines, user=user, company=company)
    if result.blocks:
        raise ControlsRefused(result.blocks)
    _persist_line_flags(lines)
    order.warnings = "\n".join(result.messages(controls.WARN))
    order.submitted_at = timezone.now()
    if result.holds:
        _raise_holds(order, result.holds, lines)
        order.status = SalesOrderStatus.PENDING_APPROVAL
    else:
        order.status = SalesOrderStatus.APPROVED
    order.save(update_fields=["warnings", "submitted_at", "status", "updated_at"])
    return order, lines


@transaction.atomic
def sales_order_submit(*, order: SalesOrder, user) -> SalesOrder:
    """Run every control under the customer lock. Blocking findings refuse (strict mode);
    over-price and credit findings hold the order for a manager; otherwise it is
    approved and ready to confirm."""
    _require(user, "sales.change_salesorder", _("You may not submit sales orders."))
    order, _lines = _submit_locked(_locked_order(order), user=user)
    return order


# -------------------------------------------------------------------------- approvals


def approvals_problem(order: SalesOrder, lines=None) -> str | None:
    """Why the order's approvals do not cover it now (None when they do)."""
    holds = list(order.holds.exclude(status__in=[HoldStatus.VOID, HoldStatus.REJECTED]))
    if any(h.status == HoldStatus.PENDING for h in holds):
        return _("Order %(number)s still waits for a manager's approval.") % {
            "number": order.number
        }
    fingerprint = order.price_fingerprint(lines if lines is not None else _order_lines(order))
    if any(h.fingerprint != fingerprint for h in holds):
        return _(
            "Order %(number)s changed after it was approved; its prices or quantities "
            "must be approved again."
        ) % {"number": order.number}
    return None


def assert_approvals_valid(order: SalesOrder, lines=None) -> None:
    problem = approvals_problem(order, lines)
    if problem:
        raise InvalidStateError(problem)


@transaction.atomic
def sales_order_approve(*, order: SalesOrder, user, reason: str) -> SalesOrder:
    """A manager approves every pending hold, with a reason; not the order's author."""
    _require(user, "sales.approve_salesorder", _("Only a manager may approve held sales orders."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for the approval."), field="reason")
    order = _locked_order(order)
    if order.status != SalesOrderStatus.PENDING_APPROVAL:
        raise InvalidStateError(
            _("Order %(number)s is %(status)s and waits for no approval.")
            % {"number": order.number, "status": order.get_status_display()}
        )
    if user.pk in (order.created_by_id, order.salesperson_id):
        raise SegregationOfDutiesError(
            _("You wrote or sell order %(number)s; another manager must approve it.")
            % {"number": order.number}
        )
    fingerprint = order.price_fingerprint(_order_lines(order))
    pending = list(order.holds.select_for_update().filter(status=HoldStatus.PENDING))
    if not pending or any(h.fingerprint != fingerprint for h in pending):
        raise InvalidStateError(
            _("Order %(number)s changed since it was submitted; it must be submitted again.")
            % {"number": order.number}
        )
    now = timezone.now()
    for hold in pending:
        hold.status = HoldStatus.APPROVED
        hold.decided_by = user
        hold.decided_at = now
        hold.reason = reason
        hold.save()
    order.status = SalesOrderStatus.APPROVED
    order.save(update_fields=["status", "updated_at"])
    return order


@transaction.atomic
def sales_order_reject(*, order: SalesOrder, user, reason: str) -> SalesOrder:
    """A manager refuses the held order; it returns to draft for the salesperson."""
    _require(user, "sales.approve_salesorder", _("Only a manager may reject held sales orders."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for the rejection."), field="reason")
    order = _locked_order(order)
    if order.status != SalesOrderStatus.PENDING_APPROVAL:
        raise InvalidStateError(
            _("Order %(number)s is %(status)s and waits for no approval.")
            % {"number": order.number, "status": order.get_status_display()}
        )
    if user.pk in (order.created_by_id, order.salesperson_id):
        raise SegregationOfDutiesError(
            _("You wrote or sell order %(number)s; another manager must decide on it.")
            % {"number": order.number}
        )
    order.holds.filter(status=HoldStatus.PENDING).update(
        status=HoldStatus.REJECTED, decided_by=user, decided_at=timezone.now(), reason=reason
    )
    order.status = SalesOrderStatus.DRAFT
    order.submitted_at = None
    order.save(update_fields=["status", "submitted_at", "updated_at"])
    return order


# --------------------------------------------------------------------------- confirm


def _shortfall_messages(error: InsufficientStock, order: SalesOrder, min_expiry) -> list[str]:
    messages = []
    for shortfall in error.shortfalls:
        messages.append(
            _(
                "%(product)s: %(wanted)s wanted, only %(available)s available in "
                "warehouse %(warehouse)s in qualified, unexpired lots expiring on or after "
                "%(min_expiry)s (the customer's minimum remaining shelf life)."
            )
            % {
                "product": shortfall.product,
                "wanted": shortfall.requested,
                "available": shortfall.available,
                "warehouse": order.warehouse,
                "min_expiry": fmt(min_expiry),
            }
        )
    return messages


@transaction.atomic
def sales_order_confirm(*, order: SalesOrder, user) -> SalesOrder:
    """Reserve the order's lots by FEFO. A draft is submitted first (and may stop at
    "awaiting approval"); an approved order is checked again under the customer lock -
    approvals still match the prices, every blocking control still passes - and then
    reserved, or nothing is."""
    _require(user, "sales.confirm_salesorder", _("You may not confirm sales orders."))
    order = _locked_order(order)
    company = CompanySettings.load()
    if order.status == SalesOrderStatus.DRAFT:
        # Submitted just now under the same locks: the controls have run, no approval
        # is involved, so there is nothing to check a second time.
        order, lines = _submit_locked(order, user=user, company=company)
        if order.status != SalesOrderStatus.APPROVED:
            return order
    elif order.status == SalesOrderStatus.APPROVED:
        lines = _order_lines(order)
        assert_approvals_valid(order, lines)
        result = _run(order, lines, user=user, company=company)
        if result.blocks:
            raise ControlsRefused(result.blocks)
    else:
        raise InvalidStateError(
            _("Order %(number)s is %(status)s and cannot be confirmed.")
            % {"number": order.number, "status": order.get_status_display()}
        )
    min_expiry = controls.min_expiry_for(order.customer, today(), company=company)
    requests = [
        AllocationRequest(
            product=line.product, quantity=line.quantity, line_id=line.pk, min_expiry=min_expiry
        )
        for line in lines
    ]
    try:
        allocate_fefo(
            requests=requests, user=user, source=_source(order), warehouse=order.warehouse
        )
    except InsufficientStock as error:
        raise DomainError(_shortfall_messages(error, order, min_expiry)) from error
    if (
        order.sales_type == SalesType.WHOLESALE
        and company.min_price_rule == MinPriceRule.BATCH_COST
    ):
        below = controls.check_batch_cost(
            customer=order.customer,
            lines=lines,
            reserved_lots=_reserved_lots(requests),
            on_date=order.order_date,
            company=company,
        )
        if below and company.order_control_mode == OrderControlMode.STRICT:
            raise ControlsRefused(below)
        if below:
            order.warnings = "\n".join(filter(None, [order.warnings, *[f.message for f in below]]))
    order.status = SalesOrderStatus.CONFIRMED
    order.confirmed_by = user
    order.confirmed_at = timezone.now()
    order.save(update_fields=["status", "confirmed_by", "confirmed_at", "warnings", "updated_at"])
    return order


def _reserved_lots(requests: Sequence[AllocationRequest]) -> dict[int, list]:
    """Line pk -> the lots reserved for it (one query)."""
    balance_ids = [r.balance_id for req in requests for r in req.reservations]
    lots = {
        balance.pk: balance.lot
        for balance in StockBalance.objects.filter(pk__in=balance_ids).select_related("lot")
    }
    result: dict[int, list] = defaultdict(list)
    for request in requests:
        for reservation in request.reservations:
            result[request.line_id].append(lots[reservation.balance_id])
    return result


# ------------------------------------------------------------------ close and cancel


def order_reservations(order: SalesOrder):
    """The order's reservations still holding stock."""
    return StockReservation.objects.filter(
        source_type=ORDER_SOURCE, source_id=order.pk, quantity__gt=0
    ).order_by("balance_id", "pk")


def _release_all(order: SalesOrder) -> None:
    for reservation in order_reservations(order):
        stock_release(reservation=reservation)


def _open_deliveries_exist(order: SalesOrder) -> bool:
    return order.deliveries.filter(
        status__in=[DeliveryStatus.PICKING, DeliveryStatus.CHECKED]
    ).exists()


@transaction.atomic
def sales_order_close(*, order: SalesOrder, user, reason: str) -> SalesOrder:
    """Close an order early: its reservations are released and its unshipped quantity no
    longer counts against the customer's period limit (4.4)."""
    _require(user, "sales.change_salesorder", _("You may not close sales orders."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for closing the order."), field="reason")
    order = _locked_order(order)
    if order.status not in (
        SalesOrderStatus.PENDING_APPROVAL,
        SalesOrderStatus.APPROVED,
        SalesOrderStatus.CONFIRMED,
        SalesOrderStatus.PARTIALLY_SHIPPED,
    ):
        raise InvalidStateError(
            _("Order %(number)s is %(status)s and cannot be closed.")
            % {"number": order.number, "status": order.get_status_display()}
        )
    if _open_deliveries_exist(order):
        raise InvalidStateError(
            _(
                "Order %(number)s has a picking list not yet shipped; ship or cancel it "
                "before closing the order."
            )
            % {"number": order.number}
        )
    _finish(order, user=user, reason=reason, status=SalesOrderStatus.CLOSED)
    return order


@transaction.atomic
def sales_order_cancel(*, order: SalesOrder, user, reason: str) -> SalesOrder:
    """Cancel an order of which nothing has shipped."""
    _require(user, "sales.change_salesorder", _("You may not cancel sales orders."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for cancelling the order."), field="reason")
    order = _locked_order(order)
    if order.status not in (*EDITABLE_STATUSES, SalesOrderStatus.CONFIRMED):
        raise InvalidStateError(
            _("Order %(number)s is %(status)s and cannot be cancelled; close it instead.")
            % {"number": order.number, "status": order.get_status_display()}
        )
    if _open_deliveries_exist(order):
        raise InvalidStateError(
            _("Order %(number)s has a picking list; cancel the picking list first.")
            % {"number": order.number}
        )
    _void_holds(order)
    _finish(order, user=user, reason=reason, status=SalesOrderStatus.CANCELLED)
    return order


def _finish(order: SalesOrder, *, user, reason: str, status: str) -> None:
    _release_all(order)
    lines = _order_lines(order)
    for line in lines:
        line.released_qty += line.open_qty
    SalesOrderLine.objects.bulk_update(lines, ["released_qty"])
    order.status = status
    order.closed_by = user
    order.closed_at = timezone.now()
    order.close_reason = reason
    order.save(update_fields=["status", "closed_by", "closed_at", "close_reason", "updated_at"])


# --------------------------------------------------------------------------- preview


@dataclass
class LinePreview:
    line: SalesOrderLine | None
    suggestion: SuggestedPrice | None
    available: int | None = None
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class Preview:
    lines: list[LinePreview]
    findings: list[Finding]
    total: Decimal
    tax: Decimal

    @property
    def holds(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == controls.HOLD]

    @property
    def blocks(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == controls.BLOCK]


def sales_order_preview(
    *,
    user,
    customer,
    lines: Sequence[LineInput],
    order_date: datetime.date | None = None,
    sales_type: str = SalesType.WHOLESALE,
    settlement_method: str = SettlementMethod.BANK_TRANSFER,
    warehouse=None,
    order: SalesOrder | None = None,
    salesperson=None,
) -> Preview:
    """What the controls would say about these lines, without writing anything: the
    suggested price, the ceiling, every finding per line, and the free stock that meets
    the customer's shelf-life requirement (for the live order form)."""
    order_date = order_date or today()
    customer = _customer_for_controls(customer.pk, lock=False)
    products = [i.product for i in lines]
    prices = suggested_prices(customer=customer, products=products, on_date=order_date)
    draft = SalesOrder(
        customer=customer,
        order_date=order_date,
        sales_type=sales_type,
        settlement_method=settlement_method,
    )
    previews: list[LinePreview] = []
    valid: list[SalesOrderLine] = []
    for item in lines:
        suggestion = prices.get(item.product.pk)
        preview = LinePreview(line=None, suggestion=suggestion)
        previews.append(preview)
        try:
            line = _build_lines(draft, [item], prices)[0]
        except DomainError as error:
            preview.errors = [m.split(": ", 1)[-1] for m in error.messages]
            continue
        preview.line = line
        valid.append(line)
    findings: list[Finding] = []
    if valid:
        result = controls.run_controls(
            customer=customer,
            lines=valid,
            on_date=order_date,
            sales_type=sales_type,
            settlement_method=settlement_method,
            # Whoever submits and the order's salesperson both need the controlled permission.
            users=[user, salesperson or (order.salesperson if order else None)],
            exclude_order_id=order.pk if order else None,
            enforce=True,
        )
        findings = result.all
    by_product: dict[int, list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.product_id is not None:
            by_product[finding.product_id].append(finding)
    free = _free_stock(
        products, warehouse=warehouse, min_expiry=controls.min_expiry_for(customer, today())
    )
    for preview, item in zip(previews, lines, strict=True):
        preview.findings = by_product.get(item.product.pk, [])
        preview.available = free.get(item.product.pk, 0)
    total = sum((line.amount for line in valid), Decimal("0.00"))
    tax = sum((line.tax_amount for line in valid), Decimal("0.00"))
    order_findings = [f for f in findings if f.product_id is None]
    return Preview(previews, order_findings, total, tax)


def _free_stock(products, *, warehouse, min_expiry) -> dict[int, int]:
    ids = [p.pk for p in products]
    if not ids:
        return {}
    rows = (
        sellable_balances(warehouse=warehouse)
        .filter(product_id__in=ids, expiry_date__gte=min_expiry)
        .values_list("product_id")
        .annotate(free=Sum(F("on_hand") - F("reserved")))
    )
    return dict(rows)


def enforce_at_shipment(*, order: SalesOrder, user) -> None:
    """Lenient mode enforces at the delivery what only warned at the order (4.7): the
    blocking controls run again, on the shipping date, and refuse the shipment. The
    caller holds the order lock; strict mode already enforced them at the order."""
    if controls.is_strict():
        return
    lines = []
    for line in _order_lines(order):
        # Shipped quantities already count as shipped in the period usage.
        line.quantity = line.open_qty
        if line.quantity > 0:
            lines.append(line)
    customer = _customer_for_controls(order.customer_id, lock=False)
    result = controls.run_controls(
        customer=customer,
        lines=lines,
        on_date=today(),
        sales_type=order.sales_type,
        settlement_method=order.settlement_method,
        # The keeper ships; the sale of a controlled product is the salesperson's.
        users=[order.salesperson],
        exclude_order_id=order.pk,
        enforce=True,
    )
    if result.blocks:
        raise ControlsRefused(result.blocks)
