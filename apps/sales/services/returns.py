"""Sales returns (销售退回) and their re-inspection (DESIGN.md 7).

Returned goods reference the delivery line (and so the lot) they left on, arrive in a
returns-zone location, and wait there until a re-inspection sends each unit back to a
qualified location or to the nonconforming zone. A return raises the returned counters
of the delivery line and the order line (returned <= shipped, a database constraint);
the period usage of 4.4 counts returns by `SalesReturnLine.returned_on`.

Lock order: the customer, the order, the delivery (`fulfilment.locked_delivery`), then
the return and its line, then stock balances inside the inventory service.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.exceptions import DomainError, InvalidStateError, SegregationOfDutiesError
from apps.core.models import today
from apps.core.numbering import next_number
from apps.inventory.models import Location, MoveType, Zone
from apps.inventory.services import Source, stock_receive, stock_transfer

from ..models import (
    Delivery,
    DeliveryLine,
    DeliveryStatus,
    SalesOrderLine,
    SalesReturn,
    SalesReturnLine,
    SalesReturnStatus,
)
from .fulfilment import (
    check_date,
    full_clean_or_raise,
    locked_delivery,
    require_perm,
    user_label,
    whole_number,
)

RETURN_SOURCE = "sales.salesreturn"
# Validated from the rows just read; only the values need full_clean.
RETURN_LINE_RELATIONS = [
    "sales_return",
    "delivery_line",
    "customer",
    "product",
    "lot",
    "location",
    "inspected_by",
]


@dataclass(frozen=True)
class ReturnLineInput:
    delivery_line: DeliveryLine
    quantity: int


def _location(location, *, zone: str, label: str, field: str) -> Location:
    if location is None:
        raise DomainError(_("Choose the %(label)s.") % {"label": label}, field=field)
    location = Location.objects.select_related("warehouse").get(pk=location.pk)
    if location.zone != zone:
        raise DomainError(
            _("%(location)s is in the %(zone)s zone, not a %(label)s.")
            % {"location": location, "zone": location.get_zone_display(), "label": label},
            field=field,
        )
    if not location.is_active:
        raise DomainError(
            _("Location %(location)s is not active.") % {"location": location}, field=field
        )
    return location


@transaction.atomic
def sales_return_create(
    *,
    delivery: Delivery,
    user,
    lines: Sequence[ReturnLineInput],
    location: Location,
    reason: str,
    returned_on: datetime.date | None = None,
) -> SalesReturn:
    """Take goods back from the customer into a returns-zone location (销售退回).

    At most what was shipped and not yet returned comes back, per delivery line.
    """
    require_perm(user, "sales.add_salesreturn", _("You may not record sales returns."))
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason:
        raise DomainError(_("Give the reason for the return."), field="reason")
    delivery = locked_delivery(delivery)
    if delivery.status != DeliveryStatus.SHIPPED:
        raise InvalidStateError(
            _("Delivery %(number)s is %(status)s; only shipped goods can be returned.")
            % {"number": delivery.number, "status": delivery.get_status_display()}
        )
    returned_on = today() if returned_on is None else returned_on
    check_date(
        returned_on, label=_("return date"), field="returned_on", not_before=delivery.shipped_on
    )
    location = _location(location, zone=Zone.RETURNS, label=_("returns location"), field="location")

    delivery_lines = {
        line.pk: line
        for line in DeliveryLine.objects.select_for_update(of=("self",))
        .filter(delivery=delivery)
        .select_related("lot", "product")
        .order_by("pk")
    }
    asked: dict[int, int] = defaultdict(int)
    errors: list[str] = []
    for number, item in enumerate(lines or [], 1):
        line_pk = getattr(getattr(item, "delivery_line", None), "pk", None)
        if line_pk not in delivery_lines:
            errors.append(
                _("Line %(n)s: it is not a line of delivery %(number)s.")
                % {"n": number, "number": delivery.number}
            )
            continue
        try:
            asked[line_pk] += whole_number(
                item.quantity, label=_("The returned quantity"), minimum=1
            )
        except DomainError as error:
            errors.extend(
                _("Line %(n)s: %(message)s") % {"n": number, "message": m} for m in error.messages
            )
    for line_pk, quantity in asked.items():
        line = delivery_lines[line_pk]
        left = line.quantity - line.returned_qty
        if quantity > left:
            errors.append(
                _(
                    "Lot %(lot)s: %(shipped)s shipped on delivery %(number)s, %(returned)s "
                    "already returned, %(asked)s asked; at most %(left)s can be returned."
                )
                % {
                    "lot": line.lot,
                    "shipped": line.quantity,
                    "number": delivery.number,
                    "returned": line.returned_qty,
                    "asked": quantity,
                    "left": left,
                }
            )
    if errors:
        raise DomainError(errors, field="lines")
    if not asked:
        raise DomainError(_("A return needs at least one line."), field="lines")

    sales_return = SalesReturn(
        number=next_number("SR"),
        delivery=delivery,
        customer=delivery.customer,
        returned_on=returned_on,
        reason=reason,
        status=SalesReturnStatus.RECEIVED,
        created_by=user,
    )
    full_clean_or_raise(sales_return)
    sales_return.save()
    source = Source(RETURN_SOURCE, sales_return.pk, sales_return.number)
    for line_pk, quantity in asked.items():
        delivery_line = delivery_lines[line_pk]
        row = SalesReturnLine(
            sales_return=sales_return,
            delivery_line=delivery_line,
            customer_id=delivery_line.customer_id,
            product_id=delivery_line.product_id,
            lot=delivery_line.lot,
            returned_on=returned_on,
            location=location,
            quantity=quantity,
        )
        full_clean_or_raise(row, exclude=RETURN_LINE_RELATIONS)
        row.save()
        stock_receive(
            lot=delivery_line.lot,
            location=location,
            quantity=quantity,
            user=user,
            source=source,
            key=f"{RETURN_SOURCE}-line:{row.pk}",
            # Valued at the cost it left with, so the ledger's value comes back unchanged.
            unit_cost=delivery_line.unit_cost,
            move_type=MoveType.SALES_RETURN,
        )
        DeliveryLine.objects.filter(pk=line_pk).update(returned_qty=F("returned_qty") + quantity)
        SalesOrderLine.objects.filter(pk=delivery_line.order_line_id).update(
            returned_qty=F("returned_qty") + quantity
        )
    return sales_return


@transaction.atomic
def sales_return_inspect(
    *,
    line: SalesReturnLine,
    user,
    qualified_qty: int,
    nonconforming_qty: int,
    qualified_location: Location | None = None,
    nonconforming_location: Location | None = None,
    note: str = "",
    second_user=None,
) -> SalesReturnLine:
    """Re-inspection (复检) of (part of) a returned line: qualified units go back to a
    qualified location, the rest to the nonconforming zone. `second_user` is the second
    keeper that moves of specially controlled products need."""
    require_perm(user, "sales.inspect_salesreturn", _("You may not re-inspect returned goods."))
    return_id = SalesReturnLine.objects.values_list("sales_return_id", flat=True).get(pk=line.pk)
    delivery_id = SalesReturn.objects.values_list("delivery_id", flat=True).get(pk=return_id)
    locked_delivery(Delivery(pk=delivery_id))
    sales_return = SalesReturn.objects.select_for_update().get(pk=return_id)
    line = (
        SalesReturnLine.objects.select_for_update(of=("self",))
        .select_related("lot__product", "location__warehouse")
        .get(pk=line.pk)
    )
    if sales_return.created_by_id == user.pk:
        raise SegregationOfDutiesError(
            _("You received return %(number)s; another person must re-inspect it.")
            % {"number": sales_return.number}
        )
    qualified = whole_number(qualified_qty, label=_("The qualified quantity"), minimum=0)
    nonconforming = whole_number(
        nonconforming_qty, label=_("The nonconforming quantity"), minimum=0
    )
    pending = line.pending_qty
    if qualified + nonconforming < 1:
        raise DomainError(
            _("Decide on at least one unit: qualified or nonconforming."), field="qualified_qty"
        )
    if qualified + nonconforming > pending:
        raise DomainError(
            _(
                "%(qualified)s qualified and %(nonconforming)s nonconforming is more than the "
                "%(pending)s of %(returned)s returned units of lot %(lot)s still awaiting "
                "re-inspection."
            )
            % {
                "qualified": qualified,
                "nonconforming": nonconforming,
                "pending": pending,
                "returned": line.quantity,
                "lot": line.lot,
            },
            field="qualified_qty",
        )
    note = note.strip() if isinstance(note, str) else ""
    if nonconforming and not note:
        raise DomainError(_("Describe what was found nonconforming."), field="note")
    warehouse = line.location.warehouse
    moves = []
    if qualified:
        qualified_location = _location(
            qualified_location,
            zone=Zone.QUALIFIED,
            label=_("qualified location"),
            field="qualified_location",
        )
        moves.append(("qualified", qualified, qualified_location, MoveType.PUTAWAY))
    if nonconforming:
        nonconforming_location = _location(
            nonconforming_location,
            zone=Zone.NONCONFORMING,
            label=_("nonconforming location"),
            field="nonconforming_location",
        )
        moves.append(("nonconforming", nonconforming, nonconforming_location, MoveType.TRANSFER))
    for kind, _quantity, destination, _move_type in moves:
        if destination.warehouse_id != warehouse.pk:
            raise DomainError(
                _("%(location)s is not in warehouse %(warehouse)s, where the returned goods are.")
                % {"location": destination, "warehouse": warehouse},
                field=f"{kind}_location",
            )

    source = Source(RETURN_SOURCE, sales_return.pk, sales_return.number)
    for kind, quantity, destination, move_type in moves:
        total = (line.qualified_qty if kind == "qualified" else line.nonconforming_qty) + quantity
        stock_transfer(
            lot=line.lot,
            from_location=line.location,
            to_location=destination,
            quantity=quantity,
            user=user,
            source=source,
            # The running total makes each partial re-inspection's key unique and stable.
            key=f"{RETURN_SOURCE}-line:{line.pk}:{kind}:{total}",
            move_type=move_type,
            second_user=second_user,
        )
    line.qualified_qty += qualified
    line.nonconforming_qty += nonconforming
    line.inspected_by = user
    line.inspected_at = timezone.now()
    if note:
        stamp = _("%(user)s, %(date)s: %(note)s") % {
            "user": user_label(user),
            "date": today().isoformat(),
            "note": note,
        }
        line.inspection_note = "\n".join(filter(None, [line.inspection_note, stamp]))
    full_clean_or_raise(line, exclude=RETURN_LINE_RELATIONS)
    line.save(
        update_fields=[
            "qualified_qty",
            "nonconforming_qty",
            "inspected_by",
            "inspected_at",
            "inspection_note",
        ]
    )
    if not any(other.pending_qty for other in sales_return.lines.all()):
        sales_return.status = SalesReturnStatus.INSPECTED
        sales_return.save(update_fields=["status", "updated_at"])
    return line
