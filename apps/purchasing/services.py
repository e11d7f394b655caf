"""Purchasing services: orders, approval, receipts, acceptance and returns (DESIGN.md 4.1,
4.7, 6). Every write of the purchasing app goes through these functions; the staff UI,
the admin and any importer call them. Each is atomic, locks the supplier row, then the
order, then (through the stock service) balances by pk, and raises a `DomainError` with a
translated, specific message when a rule refuses; nothing is saved then.

Line identity of every order line (models.py): ordered = received + reasonable loss +
unreasonable loss + returned + open. Receipts raise `received` and the losses, returns
move quantity from `received` to `returned`; acceptance only moves stock between zones.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.catalog.models import Product
from apps.core.exceptions import (
    DomainError,
    InvalidStateError,
    PermissionDeniedError,
    SegregationOfDutiesError,
    TradeNotAllowed,
)
from apps.core.licences import may_trade
from apps.core.models import CompanySettings, MaxPurchasePriceMode, OrderControlMode, today
from apps.core.numbering import next_number
from apps.inventory.models import Location, Lot, MoveType, Zone
from apps.inventory.services import (
    MAX_QUANTITY,
    Source,
    lot_get_or_create,
    stock_receive,
    stock_remove,
    stock_transfer,
)
from apps.suppliers.models import Supplier

from .models import (
    Acceptance,
    Conclusion,
    OrderStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReturn,
    PurchaseReturnLine,
    Receipt,
    ReceiptLine,
    RejectionReport,
    TransportMode,
)
from .selectors import last_receipt_price, pending_location_for, received_on_line

PRICE_STEP = Decimal("0.0001")
# A price column holds 14 digits, 4 of them decimals.
MAX_PRICE = Decimal("9999999999.9999")
HUNDRED = Decimal(100)
COLD_CHAIN_MIN = Decimal(2)
COLD_CHAIN_MAX = Decimal(8)
COLD_TRANSPORT = frozenset({TransportMode.REFRIGERATED_VEHICLE, TransportMode.COLD_BOX})
RECEIPT_SOURCE = "purchasing.receipt"
ACCEPTANCE_SOURCE = "purchasing.acceptance"
RETURN_SOURCE = "purchasing.purchasereturn"


@dataclass
class OrderLineInput:
    product: object  # catalog.Product
    quantity: int
    unit_price: Decimal  # tax-inclusive
    tax_rate: Decimal | None = None  # default: the product's
    planned_arrival: datetime.date | None = None


@dataclass
class ReceiptLineInput:
    product: object
    batch_number: str
    expiry_date: datetime.date
    quantity: int  # arrived
    unit_price: Decimal | None = None  # default: the order line's price
    order_line: PurchaseOrderLine | None = None  # required in strict mode
    production_date: datetime.date | None = None
    serial_number: str = ""
    udi: str = ""
    reasonable_loss_qty: int = 0
    unreasonable_loss_qty: int = 0
    arrival_temperature: Decimal | None = None  # required for cold-chain products
    location: Location | None = None  # default: a pending location that suits the product


@dataclass
class ReturnLineInput:
    lot: object  # inventory.Lot
    location: Location
    quantity: int
    order_line: PurchaseOrderLine | None = None  # required in strict mode


# --- input checks -------------------------------------------------------------------------


def _full_clean(instance, *, exclude=None) -> None:
    """full_clean() with its errors turned into a DomainError (field kept when single)."""
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            messages = [m for errs in exc.message_dict.values() for m in errs]
            fields = list(exc.message_dict)
            field = fields[0] if len(fields) == 1 and fields[0] != "__all__" else None
            raise DomainError(messages, field=field) from exc
        raise DomainError(exc.messages) from exc


def _line_error(number: int, product, message: str, *, field: str | None = None) -> DomainError:
    return DomainError(
        _("Line %(n)s (%(product)s): %(message)s")
        % {"n": number, "product": product, "message": message},
        field=field,
    )


def _whole(value, *, label: str, minimum: int, field: str | None = None) -> int:
    """A whole number between `minimum` and MAX_QUANTITY, or a DomainError naming `label`."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise DomainError(_("%(label)s must be a whole number.") % {"label": label}, field=field)
    if isinstance(value, Decimal):
        if not value.is_finite() or value != value.to_integral_value():
            raise DomainError(
                _("%(label)s must be a whole number.") % {"label": label}, field=field
            )
        value = int(value)
    if value < minimum:
        raise DomainError(
            _("%(label)s must be at least %(min)s; %(value)s was entered.")
            % {"label": label, "min": minimum, "value": value},
            field=field,
        )
    if value > MAX_QUANTITY:
        raise DomainError(
            _("%(label)s: %(value)s is more than the largest quantity allowed (%(max)s).")
            % {"label": label, "value": value, "max": MAX_QUANTITY},
            field=field,
        )
    return value


def _price(value, *, label: str, field: str | None = None) -> Decimal:
    """A non-negative price with at most four decimals."""
    if isinstance(value, bool) or isinstance(value, float) or value is None:
        raise DomainError(_("%(label)s must be a number.") % {"label": label}, field=field)
    try:
        price = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise DomainError(
            _("%(label)s must be a number.") % {"label": label}, field=field
        ) from None
    if not price.is_finite():
        raise DomainError(_("%(label)s must be a number.") % {"label": label}, field=field)
    if price < 0:
        raise DomainError(
            _("%(label)s cannot be negative (%(value)s).") % {"label": label, "value": price},
            field=field,
        )
    if price != price.quantize(PRICE_STEP, rounding=ROUND_HALF_UP):
        raise DomainError(
            _("%(label)s has more than four decimals (%(value)s).")
            % {"label": label, "value": price},
            field=field,
        )
    if price > MAX_PRICE:
        raise DomainError(
            _("%(label)s %(value)s is too large.") % {"label": label, "value": price},
            field=field,
        )
    return price.quantize(PRICE_STEP)


def _date(value, *, label: str, field: str, required: bool = True) -> datetime.date | None:
    if value is None and not required:
        return None
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        raise DomainError(_("Enter a valid date for %(label)s.") % {"label": label}, field=field)
    return value


def _not_in_future(day: datetime.date, *, label: str, field: str) -> None:
    if day > today():
        raise DomainError(
            _("%(label)s %(date)s is in the future.") % {"label": label, "date": day.isoformat()},
            field=field,
        )


def _reason(value, *, label: str, field: str) -> str:
    text = (value or "").strip() if isinstance(value, str) else ""
    if not text:
        raise DomainError(_("Enter the %(label)s.") % {"label": label}, field=field)
    return text


def _company() -> CompanySettings:
    return CompanySettings.load()


def _is_strict(company: CompanySettings) -> bool:
    return company.order_control_mode != OrderControlMode.LENIENT


def _lock_supplier(supplier) -> Supplier:
    return (
        Supplier.objects.select_for_update(of=("self",))
        .select_related("first_approval")
        .prefetch_related("licences__scope_categories", "sales_reps")
        .get(pk=supplier.pk)
    )


def _lock_order(order, *, other_supplier=None) -> PurchaseOrder:
    """Lock the order's supplier (and `other_supplier`, in pk order), then the order, and
    return the order as now stored."""
    supplier_id = PurchaseOrder.objects.values_list("supplier_id", flat=True).get(pk=order.pk)
    pks = {supplier_id} | ({other_supplier.pk} if other_supplier is not None else set())
    suppliers = {pk: _lock_supplier(Supplier(pk=pk)) for pk in sorted(pks)}
    locked = PurchaseOrder.objects.select_for_update().get(pk=order.pk)
    locked.supplier = suppliers[locked.supplier_id]
    if other_supplier is not None:
        locked.other_supplier = suppliers[other_supplier.pk]
    return locked


def _products(pks) -> dict[int, Product]:
    """Products with what the licence rules read, by pk."""
    return {
        p.pk: p
        for p in Product.objects.select_related("first_approval", "category").filter(pk__in=pks)
    }


def _trade_blockers(supplier: Supplier, product: Product, on_date: datetime.date) -> list:
    # The full rule of DESIGN.md 4.1: our own licences, the supplier's and the product's.
    return may_trade(supplier, product, on_date).blockers


def _unique_blockers(blockers) -> list:
    seen, unique = set(), []
    for blocker in blockers:
        if blocker.message not in seen:
            seen.add(blocker.message)
            unique.append(blocker)
    return unique


def _may_edit(order: PurchaseOrder, user) -> None:
    if order.created_by_id != user.pk and not user.has_perm("purchasing.change_purchaseorder"):
        raise PermissionDeniedError(
            _("Only the purchaser who wrote order %(number)s or another purchaser may do this.")
            % {"number": order.number}
        )


# --- purchase orders ----------------------------------------------------------------------


def _max_price_message(product: Product, price: Decimal) -> str:
    return _(
        "%(product)s: unit price %(price)s is above the maximum purchase price %(ceiling)s."
    ) % {"product": product, "price": price, "ceiling": product.max_purchase_price}


def _price_warnings(pairs, company: CompanySettings) -> list[str]:
    """Maximum purchase price (最高进价): raise in block mode, return warnings in warn mode."""
    if company.max_purchase_price_mode == MaxPurchasePriceMode.OFF:
        return []
    over = [
        _max_price_message(product, price)
        for product, price in pairs
        if product.max_purchase_price is not None and price > product.max_purchase_price
    ]
    if over and company.max_purchase_price_mode == MaxPurchasePriceMode.BLOCK:
        raise DomainError(over, field="lines", code="max_purchase_price")
    return over


def _check_header(*, supplier, order_date, warehouse, planned_arrival) -> None:
    if supplier is None:
        raise DomainError(_("Choose the supplier."), field="supplier")
    if not supplier.is_active:
        raise DomainError(
            _("Supplier %(supplier)s is not active.") % {"supplier": supplier}, field="supplier"
        )
    if warehouse is None:
        raise DomainError(_("Choose the warehouse."), field="warehouse")
    if not warehouse.is_active:
        raise DomainError(
            _("Warehouse %(warehouse)s is not active.") % {"warehouse": warehouse},
            field="warehouse",
        )
    _date(order_date, label=_("the order date"), field="order_date")
    _date(planned_arrival, label=_("the planned arrival"), field="planned_arrival", required=False)
    if planned_arrival is not None and planned_arrival < order_date:
        raise DomainError(
            _("The planned arrival %(arrival)s is before the order date %(date)s.")
            % {"arrival": planned_arrival.isoformat(), "date": order_date.isoformat()},
            field="planned_arrival",
        )


def _build_lines(order: PurchaseOrder, lines, company: CompanySettings) -> list[str]:
    """Validate and save the order's lines; return the maximum-price warnings."""
    lines = list(lines or [])
    if not lines:
        raise DomainError(_("An order needs at least one line."), field="lines")
    products = _products([getattr(line.product, "pk", None) for line in lines])
    seen: set[int] = set()
    built: list[PurchaseOrderLine] = []
    for number, line in enumerate(lines, 1):
        product = products.get(getattr(line.product, "pk", None))
        if product is None:
            raise DomainError(_("Line %(n)s: choose a product.") % {"n": number}, field="lines")
        if not product.is_active:
            raise _line_error(number, product, _("the product is not active."), field="lines")
        if product.pk in seen:
            raise _line_error(
                number,
                product,
                _("the product is already on another line; change that line's quantity."),
                field="lines",
            )
        seen.add(product.pk)
        quantity = _whole(line.quantity, label=_("The ordered quantity"), minimum=1)
        price = _price(line.unit_price, label=_("The unit price"))
        tax_rate = product.tax_rate if line.tax_rate is None else line.tax_rate
        if isinstance(tax_rate, bool | float):
            raise _line_error(number, product, _("the VAT rate must be a number."))
        _date(
            line.planned_arrival,
            label=_("the planned arrival"),
            field="lines",
            required=False,
        )
        if line.planned_arrival is not None and line.planned_arrival < order.order_date:
            raise _line_error(
                number,
                product,
                _("the planned arrival %(arrival)s is before the order date %(date)s.")
                % {
                    "arrival": line.planned_arrival.isoformat(),
                    "date": order.order_date.isoformat(),
                },
                field="lines",
            )
        row = PurchaseOrderLine(
            order=order,
            product=product,
            quantity=quantity,
            unit_price=price,
            tax_rate=tax_rate,
            planned_arrival=line.planned_arrival,
        )
        try:
            _full_clean(row)
        except DomainError as error:
            raise _line_error(number, product, " ".join(error.messages), field="lines") from error
        built.append(row)
    warnings = _price_warnings([(row.product, row.unit_price) for row in built], company)
    PurchaseOrderLine.objects.bulk_create(built)
    return warnings


def po_create(
    *,
    user,
    supplier,
    order_date,
    warehouse,
    lines: list[OrderLineInput],
    planned_arrival=None,
    note: str = "",
) -> PurchaseOrder:
    """A new draft order; max-price warnings are kept in `order.warnings`."""
    company = _company()
    with transaction.atomic():
        if supplier is not None:
            supplier = _lock_supplier(supplier)
        _check_header(
            supplier=supplier,
            order_date=order_date,
            warehouse=warehouse,
            planned_arrival=planned_arrival,
        )
        order = PurchaseOrder(
            number=next_number("PO"),
            supplier=supplier,
            order_date=order_date,
            planned_arrival=planned_arrival,
            warehouse=warehouse,
            status=OrderStatus.DRAFT,
            created_by=user,
            note=note or "",
        )
        _full_clean(order)
        order.save()
        warnings = _build_lines(order, lines, company)
        if warnings:
            order.warnings = "\n".join(warnings)
            order.save(update_fields=["warnings", "updated_at"])
    return order


def po_update(
    *,
    order: PurchaseOrder,
    user,
    supplier,
    order_date,
    warehouse,
    lines: list[OrderLineInput],
    planned_arrival=None,
    note: str = "",
) -> PurchaseOrder:
    """Change a draft order: header and the complete list of lines (replacing the old ones)."""
    company = _company()
    with transaction.atomic():
        locked = _lock_order(order, other_supplier=supplier)
        if supplier is not None:
            supplier = locked.other_supplier
        _may_edit(locked, user)
        if locked.status != OrderStatus.DRAFT:
            raise InvalidStateError(
                _("Order %(number)s is %(status)s; only a draft can be changed.")
                % {"number": locked.number, "status": locked.get_status_display()}
            )
        _check_header(
            supplier=supplier,
            order_date=order_date,
            warehouse=warehouse,
            planned_arrival=planned_arrival,
        )
        locked.supplier = supplier
        locked.order_date = order_date
        locked.warehouse = warehouse
        locked.planned_arrival = planned_arrival
        locked.note = note or ""
        _full_clean(locked)
        locked.lines.all().delete()
        locked.warnings = "\n".join(_build_lines(locked, lines, company))
        locked.save()
    return locked


def po_submit(*, order: PurchaseOrder, user) -> PurchaseOrder:
    """Send a draft on: licence rules (strict: refuse; lenient: warn), then OPEN or, above the
    company's approval threshold, PENDING_APPROVAL."""
    company = _company()
    with transaction.atomic():
        order = _lock_order(order)
        _may_edit(order, user)
        if order.status != OrderStatus.DRAFT:
            raise InvalidStateError(
                _("Order %(number)s is %(status)s; only a draft can be submitted.")
                % {"number": order.number, "status": order.get_status_display()}
            )
        supplier = order.supplier
        if not supplier.is_active:
            raise DomainError(
                _("Supplier %(supplier)s is not active.") % {"supplier": supplier},
                field="supplier",
            )
        lines = list(order.lines.order_by("pk"))
        if not lines:
            raise DomainError(_("An order needs at least one line."), field="lines")
        products = _products([line.product_id for line in lines])
        inactive = [str(p) for p in products.values() if not p.is_active]
        if inactive:
            raise DomainError(
                _("These products are not active: %(products)s.")
                % {"products": _(", ").join(inactive)}
            )
        warnings = _price_warnings(
            [(products[line.product_id], line.unit_price) for line in lines], company
        )
        blockers = _unique_blockers(
            b
            for line in lines
            for b in _trade_blockers(supplier, products[line.product_id], order.order_date)
        )
        if blockers and _is_strict(company):
            raise TradeNotAllowed(blockers)
        warnings += [b.message for b in blockers]
        total = sum((line.amount for line in lines), Decimal("0.00"))
        order.status = (
            OrderStatus.PENDING_APPROVAL
            if total > company.purchase_approval_threshold
            else OrderStatus.OPEN
        )
        order.submitted_at = timezone.now()
        order.warnings = "\n".join(warnings)
        order.save(update_fields=["status", "submitted_at", "warnings", "updated_at"])
    return order


def _decide(order, user, *, verb: str) -> PurchaseOrder:
    order = _lock_order(order)
    if not user.has_perm("purchasing.approve_purchaseorder"):
        raise PermissionDeniedError(
            _("You may not approve or reject purchase orders."), code="approve_purchaseorder"
        )
    if order.created_by_id == user.pk:
        raise SegregationOfDutiesError(
            _("You wrote order %(number)s; another manager must %(verb)s it.")
            % {"number": order.number, "verb": verb}
        )
    if order.status != OrderStatus.PENDING_APPROVAL:
        raise InvalidStateError(
            _("Order %(number)s is %(status)s, not awaiting approval.")
            % {"number": order.number, "status": order.get_status_display()}
        )
    return order


def po_approve(*, order: PurchaseOrder, user, note: str = "") -> PurchaseOrder:
    """A manager other than the author releases an order above the threshold."""
    with transaction.atomic():
        order = _decide(order, user, verb=_("approve"))
        order.status = OrderStatus.OPEN
        order.approved_by = user
        order.approved_at = timezone.now()
        order.approval_note = (note or "").strip()
        order.save(
            update_fields=["status", "approved_by", "approved_at", "approval_note", "updated_at"]
        )
    return order


def po_reject(*, order: PurchaseOrder, user, note: str) -> PurchaseOrder:
    """Send an order awaiting approval back to draft, with the reason."""
    with transaction.atomic():
        note = _reason(note, label=_("reason for the rejection"), field="note")
        order = _decide(order, user, verb=_("reject"))
        order.status = OrderStatus.DRAFT
        order.approval_note = note
        order.approved_by = None
        order.approved_at = None
        order.save(
            update_fields=["status", "approved_by", "approved_at", "approval_note", "updated_at"]
        )
    return order


def po_close(*, order: PurchaseOrder, user, reason: str) -> PurchaseOrder:
    """Close an open order; its open remainder will not be received any more."""
    with transaction.atomic():
        reason = _reason(reason, label=_("reason for closing"), field="reason")
        order = _lock_order(order)
        _may_edit(order, user)
        if order.status != OrderStatus.OPEN:
            raise InvalidStateError(
                _("Order %(number)s is %(status)s; only an open order can be closed.")
                % {"number": order.number, "status": order.get_status_display()}
            )
        _finish(order, user, OrderStatus.CLOSED, reason)
    return order


def po_cancel(*, order: PurchaseOrder, user, reason: str) -> PurchaseOrder:
    """Cancel an order on which nothing has been received."""
    with transaction.atomic():
        reason = _reason(reason, label=_("reason for cancelling"), field="reason")
        order = _lock_order(order)
        _may_edit(order, user)
        if order.status not in (
            OrderStatus.DRAFT,
            OrderStatus.PENDING_APPROVAL,
            OrderStatus.OPEN,
        ):
            raise InvalidStateError(
                _("Order %(number)s is %(status)s and cannot be cancelled.")
                % {"number": order.number, "status": order.get_status_display()}
            )
        if order.receipts.exists() or any(line.settled_qty for line in order.lines.all()):
            raise InvalidStateError(
                _("Goods have been received on order %(number)s; close it instead.")
                % {"number": order.number}
            )
        _finish(order, user, OrderStatus.CANCELLED, reason)
    return order


def _finish(order: PurchaseOrder, user, status: str, reason: str) -> None:
    order.status = status
    order.closed_by = user
    order.closed_at = timezone.now()
    order.close_reason = reason[:300]
    order.save(update_fields=["status", "closed_by", "closed_at", "close_reason", "updated_at"])


# --- receipts -----------------------------------------------------------------------------


def _net_cost(price: Decimal, tax_rate: Decimal) -> Decimal:
    """Unit cost excluding VAT, as the stock ledger values it."""
    return (price / (1 + Decimal(tax_rate) / HUNDRED)).quantize(PRICE_STEP, ROUND_HALF_UP)


def _receipt_location(line, number: int, product, warehouse) -> Location:
    location = line.location
    if location is None:
        location = pending_location_for(warehouse=warehouse, product=product)
        if location is None:
            raise _line_error(
                number,
                product,
                _(
                    "warehouse %(warehouse)s has no active pending-inspection location for "
                    "%(condition)s storage."
                )
                % {"warehouse": warehouse, "condition": product.get_storage_condition_display()},
                field="location",
            )
        return location
    location = Location.objects.select_related("warehouse").get(pk=location.pk)
    if location.warehouse_id != warehouse.pk:
        raise _line_error(
            number,
            product,
            _("location %(location)s is not in warehouse %(warehouse)s.")
            % {"location": location, "warehouse": warehouse},
            field="location",
        )
    if location.zone != Zone.PENDING:
        raise _line_error(
            number,
            product,
            _("received goods go to a pending-inspection location, not %(location)s.")
            % {"location": location},
            field="location",
        )
    return location


def _match_order_line(line, number, product, order, order_lines) -> PurchaseOrderLine:
    if line.order_line is not None:
        order_line = order_lines.get(line.order_line.pk)
        if order_line is None:
            raise _line_error(
                number,
                product,
                _("the line belongs to another order, not %(number)s.") % {"number": order.number},
                field="lines",
            )
        if order_line.product_id != product.pk:
            raise _line_error(
                number,
                product,
                _("the order line is for %(other)s.") % {"other": order_line.product},
                field="lines",
            )
        return order_line
    by_product = [ol for ol in order_lines.values() if ol.product_id == product.pk]
    if not by_product:
        raise _line_error(
            number,
            product,
            _("%(product)s is not on order %(number)s.")
            % {"product": product, "number": order.number},
            field="lines",
        )
    return by_product[0]


def receipt_create(
    *,
    user,
    supplier,
    warehouse,
    received_on,
    lines: list[ReceiptLineInput],
    order=None,
    transport_mode: str = "ordinary",
    delivery_note_number: str = "",
    note: str = "",
) -> Receipt:
    """Book arrived batches into pending-inspection locations (到货)."""
    company = _company()
    strict = _is_strict(company)
    with transaction.atomic():
        if order is not None:
            order = _lock_order(order)
            if supplier is not None and supplier.pk != order.supplier_id:
                raise DomainError(
                    _("Order %(number)s is from %(supplier)s, not from %(other)s.")
                    % {"number": order.number, "supplier": order.supplier, "other": supplier},
                    field="order",
                )
            supplier = order.supplier
        elif strict:
            raise DomainError(
                _("Strict order control: every receipt must reference an open purchase order."),
                field="order",
            )
        elif supplier is not None:
            supplier = _lock_supplier(supplier)
        if supplier is None:
            raise DomainError(_("Choose the supplier."), field="supplier")
        if order is not None and order.status != OrderStatus.OPEN:
            raise InvalidStateError(
                _("Order %(number)s is %(status)s; goods can only be received on an open order.")
                % {"number": order.number, "status": order.get_status_display()},
                field="order",
            )
        if warehouse is None or not warehouse.is_active:
            raise DomainError(
                _("Warehouse %(warehouse)s is not active.") % {"warehouse": warehouse},
                field="warehouse",
            )
        if strict and order is not None and warehouse.pk != order.warehouse_id:
            raise DomainError(
                _("Order %(number)s is to be received in warehouse %(warehouse)s.")
                % {"number": order.number, "warehouse": order.warehouse},
                field="warehouse",
            )
        _date(received_on, label=_("the arrival date"), field="received_on")
        _not_in_future(received_on, label=_("The arrival date"), field="received_on")
        if order is not None and received_on < order.order_date:
            raise DomainError(
                _("The arrival date %(date)s is before the order date %(order_date)s.")
                % {"date": received_on.isoformat(), "order_date": order.order_date.isoformat()},
                field="received_on",
            )
        if transport_mode not in TransportMode.values:
            raise DomainError(_("Choose a valid transport mode."), field="transport_mode")
        lines = list(lines or [])
        if not lines:
            raise DomainError(_("A receipt needs at least one line."), field="lines")

        order_lines = (
            {ol.pk: ol for ol in order.lines.select_related("product").order_by("pk")}
            if order is not None
            else {}
        )
        products = _products([getattr(line.product, "pk", None) for line in lines])
        planned = []
        added: dict[int, int] = defaultdict(int)
        blockers = []
        for number, line in enumerate(lines, 1):
            product = products.get(getattr(line.product, "pk", None))
            if product is None:
                raise DomainError(_("Line %(n)s: choose a product.") % {"n": number}, field="lines")
            planned.append(
                _plan_receipt_line(
                    line,
                    number,
                    product,
                    order=order,
                    order_lines=order_lines,
                    added=added,
                    company=company,
                    strict=strict,
                    warehouse=warehouse,
                    transport_mode=transport_mode,
                )
            )
            if not strict:
                blockers += _trade_blockers(supplier, product, received_on)
        blockers = _unique_blockers(blockers)
        if blockers:
            raise TradeNotAllowed(blockers)

        receipt = Receipt(
            number=next_number("RC"),
            order=order,
            supplier=supplier,
            warehouse=warehouse,
            received_on=received_on,
            received_by=user,
            transport_mode=transport_mode,
            delivery_note_number=(delivery_note_number or "").strip(),
            note=note or "",
        )
        _full_clean(receipt)
        receipt.save()
        source = Source(RECEIPT_SOURCE, receipt.pk, receipt.number)
        for number, (row, order_line) in enumerate(planned, 1):
            row.receipt = receipt
            try:
                _full_clean(row)
            except DomainError as error:
                raise _line_error(number, row.product, " ".join(error.messages)) from error
            row.save()
            stock_receive(
                lot=row.lot,
                location=row.location,
                quantity=row.quantity,
                user=user,
                source=source,
                key=f"{RECEIPT_SOURCE}-line:{row.pk}",
                unit_cost=_net_cost(row.unit_price, row.tax_rate),
            )
            if order_line is not None:
                order_line.received_qty += row.quantity
                order_line.reasonable_loss_qty += row.reasonable_loss_qty
                order_line.unreasonable_loss_qty += row.unreasonable_loss_qty
                order_line.save(
                    update_fields=["received_qty", "reasonable_loss_qty", "unreasonable_loss_qty"]
                )
    return receipt


def _plan_receipt_line(
    line,
    number: int,
    product: Product,
    *,
    order,
    order_lines,
    added,
    company,
    strict: bool,
    warehouse,
    transport_mode: str,
) -> tuple[ReceiptLine, PurchaseOrderLine | None]:
    """Check one arrived batch against the order and the rules; the lot is created here."""

    def fail(message, field="lines"):
        return _line_error(number, product, message, field=field)

    order_line = None
    if order is not None:
        order_line = _match_order_line(line, number, product, order, order_lines)
    elif line.order_line is not None:
        raise fail(_("an order line was given but the receipt references no order."))
    elif not product.is_active:
        raise fail(_("the product is not active."))
    quantity = _whole(line.quantity, label=_("The arrived quantity"), minimum=1)
    reasonable = _whole(line.reasonable_loss_qty, label=_("The reasonable loss"), minimum=0)
    unreasonable = _whole(line.unreasonable_loss_qty, label=_("The unreasonable loss"), minimum=0)
    if order_line is not None:
        settling = quantity + reasonable + unreasonable
        tolerance = int(Decimal(order_line.quantity) * company.over_receipt_tolerance_pct / HUNDRED)
        open_qty = order_line.open_qty - added[order_line.pk]
        if settling > open_qty + tolerance:
            raise fail(
                _(
                    "%(settling)s arrived and lost exceed what is open on the order: %(open)s "
                    "of %(ordered)s ordered, plus a tolerance of %(tolerance)s."
                )
                % {
                    "settling": settling,
                    "open": max(open_qty, 0),
                    "ordered": order_line.quantity,
                    "tolerance": tolerance,
                },
                field="quantity",
            )
        added[order_line.pk] += settling
    elif reasonable or unreasonable:
        raise fail(_("losses can only be recorded against an order line."))

    if line.unit_price is None:
        if order_line is None:
            raise fail(_("enter the unit price."), field="unit_price")
        price = order_line.unit_price
    else:
        price = _price(line.unit_price, label=_("The receipt price"), field="unit_price")
    if order_line is not None:
        allowed = (order_line.unit_price * company.receipt_price_tolerance_pct / HUNDRED).quantize(
            PRICE_STEP
        )
        if abs(price - order_line.unit_price) > allowed:
            raise fail(
                _(
                    "the receipt price %(price)s differs from the order price %(order_price)s "
                    "by more than the tolerance of %(pct)s%%."
                )
                % {
                    "price": price,
                    "order_price": order_line.unit_price,
                    "pct": company.receipt_price_tolerance_pct,
                },
                field="unit_price",
            )
    tax_rate = order_line.tax_rate if order_line is not None else product.tax_rate

    temperature = _temperature(line.arrival_temperature, fail)
    if product.is_cold_chain:
        if temperature is None:
            raise fail(
                _("a cold-chain product: enter the arrival temperature."),
                field="arrival_temperature",
            )
        if transport_mode not in COLD_TRANSPORT:
            raise fail(
                _("a cold-chain product must arrive by refrigerated vehicle or in a cold box."),
                field="transport_mode",
            )

    expiry = _date(line.expiry_date, label=_("the expiry date"), field="expiry_date")
    production = _date(
        line.production_date,
        label=_("the production date"),
        field="production_date",
        required=False,
    )
    if production is not None and expiry < production:
        raise fail(
            _("the expiry date %(expiry)s is before the production date %(production)s.")
            % {"expiry": expiry.isoformat(), "production": production.isoformat()},
            field="expiry_date",
        )
    location = _receipt_location(line, number, product, warehouse)
    try:
        lot = lot_get_or_create(
            product=product,
            batch_number=line.batch_number,
            expiry_date=expiry,
            production_date=production,
            serial_number=line.serial_number,
            udi=line.udi,
        )
    except ValidationError as exc:
        raise fail(" ".join(exc.messages), field="batch_number") from exc
    except DomainError as error:
        raise fail(" ".join(error.messages), field=error.field) from error
    row = ReceiptLine(
        order_line=order_line,
        product=product,
        lot=lot,
        location=location,
        quantity=quantity,
        reasonable_loss_qty=reasonable,
        unreasonable_loss_qty=unreasonable,
        unit_price=price,
        tax_rate=tax_rate,
        arrival_temperature=temperature,
    )
    return row, order_line


def _temperature(value, fail) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise fail(_("the arrival temperature must be a number."), field="arrival_temperature")
    try:
        temperature = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise fail(
            _("the arrival temperature must be a number."), field="arrival_temperature"
        ) from None
    if not temperature.is_finite():
        raise fail(_("the arrival temperature must be a number."), field="arrival_temperature")
    return temperature


# --- acceptance ---------------------------------------------------------------------------


def temperature_out_of_range(receipt_line: ReceiptLine) -> bool:
    """A cold-chain batch that arrived outside 2–8 °C (it can only be rejected)."""
    if not receipt_line.product.is_cold_chain:
        return False
    t = receipt_line.arrival_temperature
    return t is None or t < COLD_CHAIN_MIN or t > COLD_CHAIN_MAX


def _inspection_location(location, *, zone: str, warehouse, label: str, field: str) -> Location:
    if location is None:
        raise DomainError(_("Choose the %(label)s.") % {"label": label}, field=field)
    location = Location.objects.select_related("warehouse").get(pk=location.pk)
    if location.zone != zone:
        raise DomainError(
            _("%(location)s is in the %(zone)s zone, not a %(label)s.")
            % {"location": location, "zone": location.get_zone_display(), "label": label},
            field=field,
        )
    if location.warehouse_id != warehouse.pk:
        raise DomainError(
            _("%(location)s is not in warehouse %(warehouse)s, where the goods arrived.")
            % {"location": location, "warehouse": warehouse},
            field=field,
        )
    return location


def acceptance_create(
    *,
    receipt_line: ReceiptLine,
    user,
    accepted_qty: int,
    rejected_qty: int,
    appearance_ok: bool,
    packaging_ok: bool,
    label_ok: bool,
    certificate_ok: bool,
    qualified_location: Location | None = None,
    nonconforming_location: Location | None = None,
    sample_qty: int = 0,
    rejection_reason: str = "",
    remarks: str = "",
    second_keeper=None,
    inspected_on=None,
) -> Acceptance:
    """The inspector's verdict on (part of) an arrived batch (验收); moves the stock on."""
    with transaction.atomic():
        receipt = Receipt.objects.select_related("order").get(pk=receipt_line.receipt_id)
        if receipt.order_id is not None:
            order = _lock_order(receipt.order)
        else:
            _lock_supplier(Supplier(pk=receipt.supplier_id))
            order = None
        line = (
            ReceiptLine.objects.select_for_update(of=("self",))
            .select_related("product", "lot", "location", "receipt__warehouse")
            .get(pk=receipt_line.pk)
        )
        receipt = line.receipt
        if not user.has_perm("purchasing.inspect_receipt"):
            raise PermissionDeniedError(
                _("You may not inspect arrived goods."), code="inspect_receipt"
            )
        if order is not None and order.created_by_id == user.pk:
            raise SegregationOfDutiesError(
                _("You are the purchaser of order %(number)s; another person must inspect it.")
                % {"number": order.number}
            )
        if receipt.received_by_id == user.pk:
            raise SegregationOfDutiesError(
                _("You booked receipt %(number)s; another person must inspect it.")
                % {"number": receipt.number}
            )
        accepted = _whole(
            accepted_qty, label=_("The accepted quantity"), minimum=0, field="accepted_qty"
        )
        rejected = _whole(
            rejected_qty, label=_("The rejected quantity"), minimum=0, field="rejected_qty"
        )
        sample = _whole(sample_qty, label=_("The sample quantity"), minimum=0, field="sample_qty")
        pending = line.pending_qty
        if accepted + rejected < 1:
            raise DomainError(_("Accept or reject at least one unit."), field="accepted_qty")
        if accepted + rejected > pending:
            raise DomainError(
                _(
                    "Accepting more than received: %(accepted)s accepted and %(rejected)s "
                    "rejected, but only %(pending)s of %(arrived)s await inspection."
                )
                % {
                    "accepted": accepted,
                    "rejected": rejected,
                    "pending": pending,
                    "arrived": line.quantity,
                },
                field="accepted_qty",
            )
        if sample > line.quantity:
            raise DomainError(
                _("The sample (%(sample)s) is larger than the %(arrived)s that arrived.")
                % {"sample": sample, "arrived": line.quantity},
                field="sample_qty",
            )
        inspected_on = today() if inspected_on is None else inspected_on
        _date(inspected_on, label=_("the inspection date"), field="inspected_on")
        _not_in_future(inspected_on, label=_("The inspection date"), field="inspected_on")
        if inspected_on < receipt.received_on:
            raise DomainError(
                _("The inspection date %(date)s is before the arrival date %(arrival)s.")
                % {"date": inspected_on.isoformat(), "arrival": receipt.received_on.isoformat()},
                field="inspected_on",
            )
        checks = {
            _("appearance"): appearance_ok,
            _("packaging"): packaging_ok,
            _("labels and instructions"): label_ok,
            _("certificate of conformity"): certificate_ok,
        }
        failed = [name for name, ok in checks.items() if ok is not True]
        if accepted and failed:
            raise DomainError(
                _("The check of %(checks)s failed: nothing may be accepted; reject the goods.")
                % {"checks": _(", ").join(failed)},
                field="accepted_qty",
            )
        if accepted and temperature_out_of_range(line):
            raise DomainError(
                _(
                    "%(product)s arrived at %(temperature)s °C, outside 2–8 °C: nothing may "
                    "be accepted; reject the goods."
                )
                % {"product": line.product, "temperature": line.arrival_temperature},
                field="accepted_qty",
            )
        warehouse = receipt.warehouse
        if accepted:
            qualified_location = _inspection_location(
                qualified_location,
                zone=Zone.QUALIFIED,
                warehouse=warehouse,
                label=_("qualified location"),
                field="qualified_location",
            )
        else:
            qualified_location = None
        reason = ""
        if rejected:
            nonconforming_location = _inspection_location(
                nonconforming_location,
                zone=Zone.NONCONFORMING,
                warehouse=warehouse,
                label=_("nonconforming location"),
                field="nonconforming_location",
            )
            reason = _reason(
                rejection_reason, label=_("reason for the rejection"), field="rejection_reason"
            )
        else:
            nonconforming_location = None
        if accepted and rejected:
            conclusion = Conclusion.PARTIAL
        elif accepted:
            conclusion = Conclusion.ACCEPTED
        else:
            conclusion = Conclusion.REJECTED

        acceptance = Acceptance(
            number=next_number("AC"),
            receipt_line=line,
            inspector=user,
            inspected_on=inspected_on,
            sample_qty=sample,
            accepted_qty=accepted,
            rejected_qty=rejected,
            appearance_ok=bool(appearance_ok),
            packaging_ok=bool(packaging_ok),
            label_ok=bool(label_ok),
            certificate_ok=bool(certificate_ok),
            conclusion=conclusion,
            qualified_location=qualified_location,
            nonconforming_location=nonconforming_location,
            second_keeper=second_keeper,
            remarks=remarks or "",
        )
        _full_clean(acceptance)
        acceptance.save()
        source = Source(ACCEPTANCE_SOURCE, acceptance.pk, acceptance.number)
        if accepted:
            stock_transfer(
                lot=line.lot,
                from_location=line.location,
                to_location=qualified_location,
                quantity=accepted,
                user=user,
                source=source,
                key=f"{ACCEPTANCE_SOURCE}:{acceptance.pk}:accepted",
                move_type=MoveType.PUTAWAY,
                second_user=second_keeper,
            )
        if rejected:
            stock_transfer(
                lot=line.lot,
                from_location=line.location,
                to_location=nonconforming_location,
                quantity=rejected,
                user=user,
                source=source,
                key=f"{ACCEPTANCE_SOURCE}:{acceptance.pk}:rejected",
                move_type=MoveType.TRANSFER,
                second_user=second_keeper,
            )
            report = RejectionReport(
                number=next_number("RJ"),
                acceptance=acceptance,
                quantity=rejected,
                reason=reason,
                created_by=user,
            )
            _full_clean(report)
            report.save()
        line.accepted_qty += accepted
        line.rejected_qty += rejected
        line.save(update_fields=["accepted_qty", "rejected_qty"])
    return acceptance


# --- purchase returns ---------------------------------------------------------------------


def purchase_return_create(
    *,
    user,
    supplier,
    returned_on,
    reason: str,
    lines: list[ReturnLineInput],
    order=None,
    second_keeper=None,
) -> PurchaseReturn:
    """Send stock back to the supplier (采购退货). `second_keeper` confirms the moves of
    specially controlled products."""
    company = _company()
    strict = _is_strict(company)
    with transaction.atomic():
        reason = _reason(reason, label=_("reason for the return"), field="reason")
        if order is not None:
            order = _lock_order(order)
            if supplier is not None and supplier.pk != order.supplier_id:
                raise DomainError(
                    _("Order %(number)s is from %(supplier)s, not from %(other)s.")
                    % {"number": order.number, "supplier": order.supplier, "other": supplier},
                    field="order",
                )
            supplier = order.supplier
            if order.status not in (OrderStatus.OPEN, OrderStatus.CLOSED):
                raise InvalidStateError(
                    _("Order %(number)s is %(status)s; nothing was received on it.")
                    % {"number": order.number, "status": order.get_status_display()},
                    field="order",
                )
        elif strict:
            raise DomainError(
                _("Strict order control: a return must reference the original purchase order."),
                field="order",
            )
        elif supplier is not None:
            supplier = _lock_supplier(supplier)
        if supplier is None:
            raise DomainError(_("Choose the supplier."), field="supplier")
        _date(returned_on, label=_("the return date"), field="returned_on")
        _not_in_future(returned_on, label=_("The return date"), field="returned_on")
        if order is not None and returned_on < order.order_date:
            raise DomainError(
                _("The return date %(date)s is before the order date %(order_date)s.")
                % {"date": returned_on.isoformat(), "order_date": order.order_date.isoformat()},
                field="returned_on",
            )
        lines = list(lines or [])
        if not lines:
            raise DomainError(_("A return needs at least one line."), field="lines")
        order_lines = {ol.pk: ol for ol in order.lines.select_related("product")} if order else {}
        taken_line: dict[int, int] = defaultdict(int)
        taken_lot: dict[tuple[int, int], int] = defaultdict(int)
        planned: list[tuple[PurchaseReturnLine, PurchaseOrderLine | None]] = []
        for number, line in enumerate(lines, 1):
            if getattr(line, "lot", None) is None:
                raise DomainError(_("Line %(n)s: choose the lot.") % {"n": number}, field="lines")
            lot = Lot.objects.select_related("product").get(pk=line.lot.pk)
            product = lot.product

            def fail(message, field="lines", product=product, number=number):
                return _line_error(number, product, message, field=field)

            quantity = _whole(line.quantity, label=_("The returned quantity"), minimum=1)
            if line.location is None:
                raise fail(_("choose the location the goods leave from."), field="location")
            location = Location.objects.get(pk=line.location.pk)
            if location.zone == Zone.PENDING:
                raise fail(
                    _(
                        "goods in %(location)s are still awaiting inspection; inspect (reject) "
                        "them first."
                    )
                    % {"location": location},
                    field="location",
                )
            order_line = None
            if order is not None:
                if line.order_line is None:
                    # One line per product on an order: the product names the line.
                    matches = [ol for ol in order_lines.values() if ol.product_id == product.pk]
                    if not matches:
                        raise fail(
                            _("%(product)s is not on order %(number)s.")
                            % {"product": product, "number": order.number}
                        )
                    order_line = matches[0]
                else:
                    order_line = order_lines.get(line.order_line.pk)
                if order_line is None:
                    raise fail(
                        _("the line belongs to another order, not %(number)s.")
                        % {"number": order.number}
                    )
                if order_line.product_id != product.pk:
                    raise fail(
                        _("the order line is for %(other)s.") % {"other": order_line.product}
                    )
                received_lot = received_on_line(order_line=order_line, lot=lot)
                taken_lot[(order_line.pk, lot.pk)] += quantity
                if received_lot <= 0:
                    raise fail(
                        _("lot %(lot)s was not received on order %(number)s.")
                        % {"lot": lot, "number": order.number}
                    )
                if taken_lot[(order_line.pk, lot.pk)] > received_lot:
                    raise fail(
                        _(
                            "only %(left)s of lot %(lot)s received on order %(number)s can still "
                            "be returned; %(quantity)s requested."
                        )
                        % {
                            "left": received_lot,
                            "lot": lot,
                            "number": order.number,
                            "quantity": taken_lot[(order_line.pk, lot.pk)],
                        },
                        field="quantity",
                    )
                taken_line[order_line.pk] += quantity
                if taken_line[order_line.pk] > order_line.received_qty:
                    raise fail(
                        _("%(quantity)s to return, but only %(received)s received on the order.")
                        % {
                            "quantity": taken_line[order_line.pk],
                            "received": order_line.received_qty,
                        },
                        field="quantity",
                    )
                price = order_line.unit_price
            elif line.order_line is not None:
                raise fail(_("an order line was given but the return references no order."))
            else:
                last = last_receipt_price(lot=lot, supplier=supplier)
                price = last.unit_price if last is not None else lot.unit_cost
            planned.append(
                (
                    PurchaseReturnLine(
                        order_line=order_line,
                        lot=lot,
                        location=location,
                        quantity=quantity,
                        unit_price=price,
                    ),
                    order_line,
                )
            )

        purchase_return = PurchaseReturn(
            number=next_number("PR"),
            supplier=supplier,
            order=order,
            returned_on=returned_on,
            reason=reason,
            created_by=user,
        )
        _full_clean(purchase_return)
        purchase_return.save()
        source = Source(RETURN_SOURCE, purchase_return.pk, purchase_return.number)
        for number, (row, order_line) in enumerate(planned, 1):
            row.purchase_return = purchase_return
            try:
                _full_clean(row)
            except DomainError as error:
                raise _line_error(number, row.lot.product, " ".join(error.messages)) from error
            row.save()
            stock_remove(
                lot=row.lot,
                location=row.location,
                quantity=row.quantity,
                move_type=MoveType.PURCHASE_RETURN,
                user=user,
                source=source,
                key=f"{RETURN_SOURCE}-line:{row.pk}",
                second_user=second_keeper,
            )
            if order_line is not None:
                order_line.received_qty -= row.quantity
                order_line.returned_qty += row.quantity
                order_line.save(update_fields=["received_qty", "returned_qty"])
    return purchase_return
