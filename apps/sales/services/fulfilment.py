"""Picking, double-check (复核) and shipment of confirmed sales orders (DESIGN.md 7).

A delivery takes stock the order has reserved: the picker lists lots and quantities
(拣货单), another person confirms every batch and quantity by scan or entry, and the
shipment issues the stock (on hand and reserved both go down), raises the order lines'
shipped counters and records the transport (cold chain: mode and temperatures).

Lock order, as everywhere in sales: the customer row, then the order row, then the
delivery row, then stock balances inside the inventory service. Deliveries and the
order's line counters change only under the order lock, so two deliveries of one order
never take the same reserved unit twice, and a delivery is shipped at most once.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.exceptions import (
    DomainError,
    InvalidStateError,
    PermissionDeniedError,
    SegregationOfDutiesError,
)
from apps.core.models import today
from apps.core.numbering import next_number
from apps.inventory.gs1 import GS1Error, gtin_variants, parse_gs1
from apps.inventory.models import Lot, StockReservation
from apps.inventory.services import MAX_QUANTITY, Source, lot_is_expired, stock_issue

from ..models import (
    RESERVING_STATUSES,
    Delivery,
    DeliveryLine,
    DeliveryStatus,
    DeliveryTransportMode,
    SalesOrder,
    SalesOrderLine,
    SalesOrderStatus,
)
from .orders import (
    _locked_order,
    assert_approvals_valid,
    enforce_at_shipment,
    order_reservations,
)

DELIVERY_SOURCE = "sales.delivery"
OPEN_DELIVERY_STATUSES = (DeliveryStatus.PICKING, DeliveryStatus.CHECKED)
COLD_TRANSPORT = frozenset(
    {DeliveryTransportMode.REFRIGERATED_VEHICLE, DeliveryTransportMode.COLD_BOX}
)
COLD_CHAIN_MIN = Decimal(2)
COLD_CHAIN_MAX = Decimal(8)
# What a scanner or a typed human-readable GS1 line starts with (gs1.py module docstring).
GS1_MARKERS = ("(", "]")
GS1_SEPARATORS = ("\x1d", "<GS>", "<gs>", "{GS}", "␝")
LINE_RELATIONS = ["delivery", "order_line", "customer", "product", "reservation", "lot", "location"]


class CheckMismatch(DomainError):
    """The double-check found differences from the picking list; `mismatches` names each
    (line, what was expected, what was confirmed). Nothing was saved."""

    def __init__(self, mismatches: Sequence[str]):
        self.mismatches = list(mismatches)
        super().__init__(self.mismatches, field="confirmations", code="check_mismatch")


@dataclass(frozen=True)
class CheckInput:
    """The checker's confirmation of one delivery line: the batch as typed or scanned
    (a GS1 element string is parsed) and the quantity counted."""

    line_id: int
    batch_number: str
    quantity: int


# --------------------------------------------------------------------------- helpers


def require_perm(user, perm: str, message: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDeniedError(message, code=perm.split(".", 1)[-1])


def full_clean_or_raise(instance, *, exclude=None) -> None:
    """full_clean() with its errors turned into one DomainError."""
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            messages = [m for errs in error.message_dict.values() for m in errs]
            fields = [f for f in error.message_dict if f != "__all__"]
            field = fields[0] if len(fields) == 1 else None
        else:
            messages, field = error.messages, None
        raise DomainError(messages, field=field) from error


def whole_number(value, *, label: str, minimum: int) -> int:
    """`value` as an int between `minimum` and MAX_QUANTITY, else a DomainError naming it."""
    if isinstance(value, str):
        value = value.strip()
        try:
            value = Decimal(value)
        except InvalidOperation:
            raise DomainError(_("%(label)s must be a whole number.") % {"label": label}) from None
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise DomainError(_("%(label)s must be a whole number.") % {"label": label})
    if isinstance(value, Decimal):
        if not value.is_finite() or value != value.to_integral_value():
            raise DomainError(_("%(label)s must be a whole number.") % {"label": label})
        value = int(value)
    if value < minimum:
        raise DomainError(
            _("%(label)s must be at least %(min)s; %(value)s was entered.")
            % {"label": label, "min": minimum, "value": value}
        )
    if value > MAX_QUANTITY:
        raise DomainError(
            _("%(label)s: %(value)s is more than the largest quantity allowed (%(max)s).")
            % {"label": label, "value": value, "max": MAX_QUANTITY}
        )
    return value


def check_date(value, *, label: str, field: str, not_before: datetime.date | None = None):
    """A real date, not in the future and not before `not_before`."""
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        raise DomainError(_("Enter a valid date for %(label)s.") % {"label": label}, field=field)
    if value > today():
        raise DomainError(
            _("The %(label)s %(date)s is in the future.")
            % {"label": label, "date": value.isoformat()},
            field=field,
        )
    if not_before is not None and value < not_before:
        raise DomainError(
            _("The %(label)s %(date)s is before %(earliest)s.")
            % {"label": label, "date": value.isoformat(), "earliest": not_before.isoformat()},
            field=field,
        )
    return value


def user_label(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def locked_delivery(delivery: Delivery) -> Delivery:
    """Lock the delivery's customer and order (the project lock order), then the delivery;
    the returned delivery carries the locked order."""
    order_id = Delivery.objects.values_list("order_id", flat=True).get(pk=delivery.pk)
    order = _locked_order(SalesOrder(pk=order_id))
    locked = (
        Delivery.objects.select_for_update(of=("self",))
        .select_related("picked_by", "checked_by", "warehouse")
        .get(pk=delivery.pk)
    )
    locked.order = order
    locked.customer = order.customer
    return locked


def _check_order_fulfilling(order: SalesOrder) -> None:
    if order.status not in RESERVING_STATUSES:
        raise InvalidStateError(
            _(
                "Order %(number)s is %(status)s; only a confirmed (reserved) order that is "
                "not fully shipped can be picked and shipped."
            )
            % {"number": order.number, "status": order.get_status_display()}
        )


def _on_open_deliveries(order: SalesOrder) -> dict[int, int]:
    """Reservation pk -> quantity already on the order's picking lists not yet shipped."""
    rows = DeliveryLine.objects.filter(
        delivery__order=order, delivery__status__in=OPEN_DELIVERY_STATUSES
    )
    return dict(
        rows.values("reservation_id")
        .annotate(total=Sum("quantity"))
        .values_list("reservation_id", "total")
    )


def _unusable(lot: Lot) -> str:
    """Why a reserved lot may not leave now ("" when it may)."""
    if lot.is_frozen:
        return _("lot %(lot)s is stopped from sale") % {"lot": lot}
    if lot_is_expired(lot):
        return _("lot %(lot)s expired on %(date)s") % {"lot": lot, "date": lot.expiry_date}
    return ""


# --------------------------------------------------------------------------- picking


def _plan_everything_free(order, reservations, on_lists) -> list[tuple[StockReservation, int]]:
    """Every reserved unit not on an open picking list, except stopped and expired lots."""
    plan = []
    skipped = []
    for reservation in reservations:
        free = reservation.quantity - on_lists.get(reservation.pk, 0)
        if free <= 0:
            continue
        problem = _unusable(reservation.balance.lot)
        if problem:
            skipped.append(problem)
            continue
        plan.append((reservation, free))
    if not plan:
        message = _(
            "Nothing is left to pick on order %(number)s: every reserved lot is shipped "
            "or already on an open picking list."
        ) % {"number": order.number}
        if skipped:
            message = _("Nothing can be picked on order %(number)s: %(reasons)s.") % {
                "number": order.number,
                "reasons": _("; ").join(skipped),
            }
        raise DomainError(message)
    return plan


def _plan_chosen(order, reservations, on_lists, quantities) -> list[tuple[StockReservation, int]]:
    """The picker's choice (reservation pk -> quantity), each checked against what is free."""
    by_pk = {r.pk: r for r in reservations}
    plan = []
    errors = []
    for key in sorted(quantities, key=str):
        try:
            pk = int(key)
        except (TypeError, ValueError):
            errors.append(_("%(key)s is not a reservation.") % {"key": key})
            continue
        reservation = by_pk.get(pk)
        if reservation is None:
            errors.append(
                _("Reservation %(pk)s is not an open reservation of order %(number)s.")
                % {"pk": pk, "number": order.number}
            )
            continue
        lot = reservation.balance.lot
        try:
            quantity = whole_number(
                quantities[key],
                label=_("The quantity to pick of lot %(lot)s") % {"lot": lot},
                minimum=0,
            )
        except DomainError as error:
            errors.extend(error.messages)
            continue
        if quantity == 0:
            continue
        picked = on_lists.get(pk, 0)
        free = reservation.quantity - picked
        if quantity > free:
            errors.append(
                _(
                    "Lot %(lot)s in %(location)s: %(reserved)s reserved for order "
                    "%(number)s, %(picked)s already on open picking lists, %(asked)s "
                    "asked; at most %(free)s can be picked."
                )
                % {
                    "lot": lot,
                    "location": reservation.balance.location,
                    "reserved": reservation.quantity,
                    "number": order.number,
                    "picked": picked,
                    "asked": quantity,
                    "free": max(free, 0),
                }
            )
            continue
        problem = _unusable(lot)
        if problem:
            errors.append(_("Cannot pick: %(reason)s.") % {"reason": problem})
            continue
        plan.append((reservation, quantity))
    if errors:
        raise DomainError(errors, field="quantities")
    if not plan:
        raise DomainError(_("Enter the quantity to pick of at least one lot."), field="quantities")
    return plan


@transaction.atomic
def delivery_create(
    *, order: SalesOrder, user, quantities: Mapping[int, int] | None = None
) -> Delivery:
    """A picking list (拣货单) from the order's reservations not yet on an open delivery.

    `quantities` maps reservation pk -> quantity to pick (0 skips it); None takes all that
    is free, leaving out stopped and expired lots. The picker is `user`.
    """
    require_perm(user, "sales.pick_delivery", _("You may not prepare picking lists."))
    order = _locked_order(order)
    _check_order_fulfilling(order)
    assert_approvals_valid(order)
    reservations = list(
        order_reservations(order).select_related("balance__lot__product", "balance__location")
    )
    on_lists = _on_open_deliveries(order)

    if quantities is None:
        plan = _plan_everything_free(order, reservations, on_lists)
    else:
        plan = _plan_chosen(order, reservations, on_lists, quantities)

    order_lines = {line.pk: line for line in order.lines.all()}
    delivery = Delivery(
        number=next_number("DN"),
        order=order,
        customer=order.customer,
        warehouse=order.warehouse,
        status=DeliveryStatus.PICKING,
        picked_by=user,
    )
    full_clean_or_raise(delivery)
    delivery.save()
    rows = []
    plan.sort(
        key=lambda item: (item[0].source_line_id, item[0].balance.lot.expiry_date, item[0].pk)
    )
    for reservation, quantity in plan:
        order_line = order_lines.get(reservation.source_line_id)
        if order_line is None:  # a reservation of the order always names one of its lines
            raise DomainError(
                _("Reservation %(pk)s names no line of order %(number)s.")
                % {"pk": reservation.pk, "number": order.number}
            )
        row = DeliveryLine(
            delivery=delivery,
            order_line=order_line,
            customer=order.customer,
            product_id=order_line.product_id,
            reservation=reservation,
            lot=reservation.balance.lot,
            location=reservation.balance.location,
            quantity=quantity,
            unit_price=order_line.net_price,
        )
        # The related rows were just read from the database; validate the values only.
        full_clean_or_raise(row, exclude=LINE_RELATIONS)
        rows.append(row)
    DeliveryLine.objects.bulk_create(rows)
    return delivery


# --------------------------------------------------------------------------- double-check


def _looks_like_gs1(text: str) -> bool:
    if text.startswith(GS1_MARKERS) or any(s in text for s in GS1_SEPARATORS):
        return True
    # A raw scan without a symbology prefix starts with (01) and its 14-digit GTIN.
    return text.startswith("01") and len(text) > 16 and text[:16].isdigit()


def _batch_problems(entry, line: DeliveryLine) -> tuple[str, list[str]]:
    """The batch the checker confirmed and what does not match the picked lot."""
    lot, product = line.lot, line.product
    text = entry.strip() if isinstance(entry, str) else ""
    if not text:
        return "", [_("no batch was scanned or entered")]
    if text.casefold() == lot.batch_number.casefold():
        return lot.batch_number, []
    if not _looks_like_gs1(text):
        return text, [
            _("batch %(entered)s was entered, batch %(batch)s was picked")
            % {"entered": text, "batch": lot.batch_number}
        ]
    try:
        data = parse_gs1(text)
    except GS1Error as error:
        return "", error.messages
    problems = []
    gtin = data.get("gtin")
    known = {code for code in (product.barcode, product.udi_di) if code}
    if gtin and known and not known & set(gtin_variants(gtin)):
        problems.append(
            _("the scanned GTIN %(gtin)s is not that of %(product)s")
            % {"gtin": gtin, "product": product}
        )
    batch = data.get("batch", "")
    if not batch:
        problems.append(_("the scanned code carries no batch number (10)"))
    elif batch != lot.batch_number:
        problems.append(
            _("batch %(entered)s was scanned, batch %(batch)s was picked")
            % {"entered": batch, "batch": lot.batch_number}
        )
    serial = data.get("serial")
    if lot.serial_number and serial and serial != lot.serial_number:
        problems.append(
            _("serial number %(entered)s was scanned, %(serial)s was picked")
            % {"entered": serial, "serial": lot.serial_number}
        )
    expiry = data.get("expiry_date")
    if expiry and expiry != lot.expiry_date:
        problems.append(
            _("the scanned expiry date %(entered)s differs from the lot's %(expiry)s")
            % {"entered": expiry.isoformat(), "expiry": lot.expiry_date.isoformat()}
        )
    return batch, problems


@transaction.atomic
def delivery_check(
    *, delivery: Delivery, user, confirmations: Sequence[CheckInput], note: str = ""
) -> Delivery:
    """The double-check (复核) by someone other than the picker: every line's batch and
    quantity must match the picking list, or `CheckMismatch` names each difference and
    nothing is saved."""
    require_perm(user, "sales.check_delivery", _("You may not double-check outbound goods."))
    delivery = locked_delivery(delivery)
    if delivery.picked_by_id == user.pk:
        raise SegregationOfDutiesError(
            _("You picked delivery %(number)s; another person must double-check it.")
            % {"number": delivery.number}
        )
    if delivery.status != DeliveryStatus.PICKING:
        raise InvalidStateError(
            _(
                "Delivery %(number)s is %(status)s; only a picking list awaiting its "
                "double-check can be checked."
            )
            % {"number": delivery.number, "status": delivery.get_status_display()}
        )
    lines = list(delivery.lines.select_related("lot", "product", "location").order_by("pk"))
    line_numbers = {line.pk: n for n, line in enumerate(lines, 1)}
    mismatches: list[str] = []
    given: dict[int, CheckInput] = {}
    for confirmation in confirmations or []:
        line_id = getattr(confirmation, "line_id", None)
        if line_id not in line_numbers:
            mismatches.append(
                _("Line %(id)s is not on delivery %(number)s.")
                % {"id": line_id, "number": delivery.number}
            )
        elif line_id in given:
            mismatches.append(_("Line %(n)s is confirmed twice.") % {"n": line_numbers[line_id]})
        else:
            given[line_id] = confirmation

    for number, line in enumerate(lines, 1):
        label = _("Line %(n)s (%(product)s, batch %(batch)s, %(quantity)s picked)") % {
            "n": number,
            "product": line.product,
            "batch": line.lot.batch_number,
            "quantity": line.quantity,
        }
        confirmation = given.get(line.pk)
        if confirmation is None:
            mismatches.append(_("%(line)s: not confirmed.") % {"line": label})
            continue
        batch, problems = _batch_problems(confirmation.batch_number, line)
        try:
            counted = whole_number(
                confirmation.quantity, label=_("the counted quantity"), minimum=0
            )
        except DomainError as error:
            problems.extend(error.messages)
        else:
            if counted != line.quantity:
                problems.append(
                    _("%(counted)s counted, %(picked)s picked")
                    % {"counted": counted, "picked": line.quantity}
                )
        if problems:
            mismatches.append(
                _("%(line)s: %(problems)s.") % {"line": label, "problems": _("; ").join(problems)}
            )
            continue
        line.checked_qty = counted
        line.checked_batch = batch[:50]
    if mismatches:
        raise CheckMismatch(mismatches)

    DeliveryLine.objects.bulk_update(lines, ["checked_qty", "checked_batch"])
    delivery.status = DeliveryStatus.CHECKED
    delivery.checked_by = user
    delivery.checked_at = timezone.now()
    delivery.check_note = (note or "").strip()
    full_clean_or_raise(delivery)
    delivery.save(update_fields=["status", "checked_by", "checked_at", "check_note", "updated_at"])
    return delivery


# --------------------------------------------------------------------------- shipment


def _temperature(value, *, label: str, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise DomainError(_("%(label)s must be a number.") % {"label": label}, field=field)
    try:
        temperature = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise DomainError(
            _("%(label)s must be a number.") % {"label": label}, field=field
        ) from None
    if not temperature.is_finite():
        raise DomainError(_("%(label)s must be a number.") % {"label": label}, field=field)
    return temperature


def _check_transport(lines, *, transport_mode, departure) -> None:
    if transport_mode not in DeliveryTransportMode.values:
        raise DomainError(_("Choose a valid transport mode."), field="transport_mode")
    cold = sorted({str(line.product) for line in lines if line.product.is_cold_chain})
    if not cold:
        return
    products = _(", ").join(cold)
    if transport_mode not in COLD_TRANSPORT:
        raise DomainError(
            _(
                "Cold-chain products (%(products)s) must travel by refrigerated vehicle or in "
                "an insulated cold box, not by %(mode)s."
            )
            % {"products": products, "mode": DeliveryTransportMode(transport_mode).label},
            field="transport_mode",
        )
    if departure is None:
        raise DomainError(
            _("Cold-chain products (%(products)s): record the temperature at departure.")
            % {"products": products},
            field="departure_temperature",
        )
    if not COLD_CHAIN_MIN <= departure <= COLD_CHAIN_MAX:
        raise DomainError(
            _(
                "Cold-chain products (%(products)s) may leave only at 2–8 °C; the temperature "
                "at departure is %(temperature)s °C."
            )
            % {"products": products, "temperature": departure},
            field="departure_temperature",
        )


def _check_reserved(lines: list[DeliveryLine], order: SalesOrder) -> None:
    """Refuse, naming each lot, to ship more than the order still has reserved."""
    wanted: dict[int, int] = defaultdict(int)
    for line in lines:
        wanted[line.reservation_id] += line.quantity
    reserved = dict(
        StockReservation.objects.filter(pk__in=list(wanted)).values_list("pk", "quantity")
    )
    errors = []
    for line in lines:
        have = reserved.get(line.reservation_id, 0)
        if wanted.get(line.reservation_id, 0) > have:
            errors.append(
                _(
                    "Lot %(lot)s in %(location)s: %(reserved)s reserved for order %(number)s, "
                    "%(asked)s to ship; ship at most the reserved quantity."
                )
                % {
                    "lot": line.lot,
                    "location": line.location,
                    "reserved": have,
                    "number": order.number,
                    "asked": wanted[line.reservation_id],
                }
            )
            wanted.pop(line.reservation_id)
    if errors:
        raise DomainError(errors, code="over_reserved")


@transaction.atomic
def delivery_ship(
    *,
    delivery: Delivery,
    user,
    transport_mode: str,
    carrier: str = "",
    departure_temperature=None,
    arrival_temperature=None,
    second_user=None,
    shipped_on: datetime.date | None = None,
) -> Delivery:
    """Ship a double-checked delivery: issue every line's reserved stock, count it as
    shipped on the order lines and move the order to partly shipped or shipped.

    `second_user` is the second keeper that moves of specially controlled products need
    (the inventory service refuses them without one). A delivery ships once; a second
    call raises InvalidStateError and posts nothing (each move also carries the
    idempotency key "sales.delivery:<line pk>").
    """
    require_perm(user, "sales.ship_delivery", _("You may not ship outbound goods."))
    delivery = locked_delivery(delivery)
    order = delivery.order
    if delivery.status == DeliveryStatus.SHIPPED:
        raise InvalidStateError(
            _("Delivery %(number)s was already shipped on %(date)s; it cannot ship twice.")
            % {"number": delivery.number, "date": delivery.shipped_on}
        )
    if delivery.status != DeliveryStatus.CHECKED:
        raise InvalidStateError(
            _("Delivery %(number)s is %(status)s; only a double-checked delivery can ship.")
            % {"number": delivery.number, "status": delivery.get_status_display()}
        )
    _check_order_fulfilling(order)
    lines = list(
        delivery.lines.select_related(
            "lot__product", "product", "location", "order_line", "reservation"
        ).order_by("pk")
    )
    unchecked = [
        str(line.lot)
        for line in lines
        if line.checked_qty != line.quantity or not line.checked_batch
    ]
    if unchecked:
        raise InvalidStateError(
            _("Delivery %(number)s has lines nobody double-checked: %(lots)s.")
            % {"number": delivery.number, "lots": _(", ").join(unchecked)}
        )
    assert_approvals_valid(order)
    repriced = [line for line in lines if line.unit_price != line.order_line.net_price]
    if repriced:
        raise InvalidStateError(
            _(
                "The price of %(products)s on order %(number)s changed after picking; cancel "
                "delivery %(delivery)s and pick again."
            )
            % {
                "products": _(", ").join(str(line.product) for line in repriced),
                "number": order.number,
                "delivery": delivery.number,
            }
        )
    departure = _temperature(
        departure_temperature,
        label=_("The temperature at departure"),
        field="departure_temperature",
    )
    arrival = _temperature(
        arrival_temperature, label=_("The temperature on arrival"), field="arrival_temperature"
    )
    _check_transport(lines, transport_mode=transport_mode, departure=departure)
    shipped_on = today() if shipped_on is None else shipped_on
    check_date(
        shipped_on, label=_("shipping date"), field="shipped_on", not_before=order.order_date
    )
    # Lenient mode: the controls only warned at the order; here they are enforced.
    enforce_at_shipment(order=order, user=user)
    _check_reserved(lines, order)
    shipped: dict[int, int] = defaultdict(int)
    for line in lines:
        shipped[line.order_line_id] += line.quantity
    for line in {line.order_line_id: line for line in lines}.values():
        order_line = line.order_line
        if shipped[order_line.pk] > order_line.open_qty:
            raise DomainError(
                _(
                    "%(product)s: %(quantity)s to ship, but only %(open)s of %(ordered)s "
                    "ordered are still open on order %(number)s."
                )
                % {
                    "product": line.product,
                    "quantity": shipped[order_line.pk],
                    "open": order_line.open_qty,
                    "ordered": order_line.quantity,
                    "number": order.number,
                }
            )

    delivery.status = DeliveryStatus.SHIPPED
    delivery.shipped_by = user
    delivery.shipped_at = timezone.now()
    delivery.shipped_on = shipped_on
    delivery.transport_mode = transport_mode
    delivery.carrier = (carrier or "").strip()
    delivery.departure_temperature = departure
    delivery.arrival_temperature = arrival
    full_clean_or_raise(delivery)
    delivery.save()
    source = Source(DELIVERY_SOURCE, delivery.pk, delivery.number)
    for line in lines:
        move = stock_issue(
            reservation=line.reservation,
            quantity=line.quantity,
            user=user,
            source=source,
            key=f"{DELIVERY_SOURCE}:{line.pk}",
            second_user=second_user,
            note=order.number,
        )
        line.unit_cost = move.unit_cost
        line.shipped_on = shipped_on
    DeliveryLine.objects.bulk_update(lines, ["unit_cost", "shipped_on"])
    for order_line_id, quantity in shipped.items():
        SalesOrderLine.objects.filter(pk=order_line_id).update(
            shipped_qty=F("shipped_qty") + quantity
        )
    still_open = any(line.open_qty > 0 for line in order.lines.all())
    order.status = SalesOrderStatus.PARTIALLY_SHIPPED if still_open else SalesOrderStatus.SHIPPED
    order.save(update_fields=["status", "updated_at"])
    return delivery


# --------------------------------------------------------------------------- cancel


@transaction.atomic
def delivery_cancel(*, delivery: Delivery, user, reason: str) -> Delivery:
    """Cancel a picking list not yet shipped; its lots stay reserved for the order."""
    require_perm(user, "sales.pick_delivery", _("You may not cancel picking lists."))
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason:
        raise DomainError(_("Give the reason for cancelling the picking list."), field="reason")
    delivery = locked_delivery(delivery)
    if delivery.status not in OPEN_DELIVERY_STATUSES:
        raise InvalidStateError(
            _(
                "Delivery %(number)s is %(status)s; only a picking list not yet shipped can be "
                "cancelled."
            )
            % {"number": delivery.number, "status": delivery.get_status_display()}
        )
    delivery.status = DeliveryStatus.CANCELLED
    delivery.cancelled_by = user
    delivery.cancelled_at = timezone.now()
    delivery.cancel_reason = reason
    full_clean_or_raise(delivery)
    delivery.save(
        update_fields=["status", "cancelled_by", "cancelled_at", "cancel_reason", "updated_at"]
    )
    return delivery
