"""Inventory operations: transfers, stop-sales (停售), nonconforming loss reports (报损审批)
and stocktakes (盘点).

Each function is one state change in one transaction. Stock itself only ever changes
through the stock service (`services.py`: stock_transfer / stock_remove / stock_receive),
which locks balances, writes the ledger and enforces the zone, expiry, storage and
controlled-product rules; this module adds the documents and their workflow rules
(permissions, who may approve what, states). A refused operation raises a `DomainError`
with a specific message and writes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.exceptions import (
    DomainError,
    InvalidStateError,
    PermissionDeniedError,
    SegregationOfDutiesError,
)
from apps.core.numbering import next_number

from .models import (
    HoldStatus,
    Location,
    LossReport,
    LossReportLine,
    LossStatus,
    Lot,
    LotHold,
    MoveType,
    StockBalance,
    StockMove,
    Stocktake,
    StocktakeLine,
    StocktakeStatus,
    Warehouse,
    Zone,
)
from .services import (
    MAX_QUANTITY,
    Source,
    StockError,
    check_quantity,
    stock_receive,
    stock_remove,
    stock_transfer,
)

TRANSFER_SOURCE = "inventory.transfer"
HOLD_SOURCE = "inventory.lothold"
LOSS_SOURCE = "inventory.lossreport"
STOCKTAKE_SOURCE = "inventory.stocktake"

# The hidden per-form token that makes a transfer form post at most once.
TRANSFER_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# Loss reports under review: their quantities are promised to the scrap.
LOSS_IN_REVIEW = (LossStatus.SUBMITTED, LossStatus.QUALITY_APPROVED)
LOSS_EDITABLE = (LossStatus.DRAFT, LossStatus.REJECTED)
STOCKTAKE_OPEN = (StocktakeStatus.COUNTING, StocktakeStatus.SUBMITTED)


def _require(user, perm: str, message: str) -> None:
    if user is None or not user.has_perm(perm):
        raise PermissionDeniedError(message)


def _text(value, *, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(message, field=field)
    return value


def _history_user(obj, user):
    """Name the user in the django-simple-history record of this save."""
    obj._history_user = user
    return obj


# ---------------------------------------------------------------------------- transfers


def transfer_key(*, user, token: str) -> str:
    return f"{TRANSFER_SOURCE}:{user.pk}:{token}"


def transfer_post(
    *,
    balance: StockBalance,
    to_location: Location,
    quantity,
    user,
    token: str,
    second_user=None,
    note: str = "",
) -> StockMove:
    """Move free stock of one lot from its location to another (调拨/移库).

    `token` comes from the form (one per rendering): submitting the same form twice
    returns the move already posted instead of moving the stock again.
    """
    _require(user, "inventory.add_stockmove", _("You may not transfer stock."))
    if not token or not TRANSFER_TOKEN_RE.match(token):
        raise StockError(_("This form is no longer valid; open the transfer page again."))
    key = transfer_key(user=user, token=token)
    existing = StockMove.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    balance = StockBalance.objects.select_related("lot", "location").get(pk=balance.pk)
    with transaction.atomic():
        number = next_number("TR")
        return stock_transfer(
            lot=balance.lot,
            from_location=balance.location,
            to_location=to_location,
            quantity=quantity,
            user=user,
            source=Source(TRANSFER_SOURCE, None, number),
            key=key,
            second_user=second_user,
            note=(note or "").strip(),
        )


# ---------------------------------------------------------------------------- stop-sale


def lot_stop(*, lot: Lot, user, reason: str, source_type: str = "", source_id=None) -> LotHold:
    """Stop a lot from sale everywhere (停售) until a re-inspection resolves the hold.

    FEFO allocation, reservations and shipments skip frozen lots, and a frozen lot
    cannot go to the qualified zone. One active hold per lot.
    """
    _require(user, "inventory.add_lothold", _("Only the head of quality may stop a lot."))
    reason = _text(reason, field="reason", message=_("Give the reason for the stop-sale."))
    with transaction.atomic():
        # The lot row serialises concurrent stops: the second one waits, then finds the
        # first one's hold and is refused with the message below.
        lot = Lot.objects.select_for_update(of=("self",)).select_related("product").get(pk=lot.pk)
        if LotHold.objects.filter(lot=lot, status=HoldStatus.ACTIVE).exists():
            raise InvalidStateError(
                _("Lot %(lot)s is already stopped from sale.") % {"lot": lot}, field="lot"
            )
        hold = LotHold(
            number=next_number("SS"),
            lot=lot,
            reason=reason,
            stopped_by=user,
            source_type=source_type or "",
            source_id=source_id,
        )
        hold.full_clean()
        try:
            with transaction.atomic():
                _history_user(hold, user).save()
        except IntegrityError as error:  # a concurrent stop of the same lot won
            raise InvalidStateError(
                _("Lot %(lot)s is already stopped from sale.") % {"lot": lot}, field="lot"
            ) from error
        lot.is_frozen = True
        lot.frozen_reason = reason[:200]
        _history_user(lot, user).save(update_fields=["is_frozen", "frozen_reason", "updated_at"])
    return hold


def lot_hold_resolve(
    *,
    hold: LotHold,
    user,
    conclusion: str,
    outcome: str,
    nonconforming_location: Location | None = None,
    second_user=None,
) -> LotHold:
    """End a stop-sale with the re-inspection's conclusion.

    "released": the lot may be sold again. "nonconforming": all its qualified and
    pending-inspection stock moves to `nonconforming_location` and the lot stays frozen
    (it leaves later through a loss report or a return to the supplier). Controlled
    products need `second_user` (a second keeper) for those moves.
    """
    _require(user, "inventory.change_lothold", _("Only the head of quality may resolve a stop."))
    conclusion = _text(
        conclusion, field="conclusion", message=_("Enter the re-inspection conclusion.")
    )
    if outcome not in (HoldStatus.RELEASED, HoldStatus.NONCONFORMING):
        raise DomainError(_("Choose release or nonconforming."), field="outcome")
    with transaction.atomic():
        hold = LotHold.objects.select_for_update().select_related("lot").get(pk=hold.pk)
        if hold.status != HoldStatus.ACTIVE:
            raise InvalidStateError(
                _("Stop-sale %(number)s was already resolved (%(status)s).")
                % {"number": hold.number, "status": hold.get_status_display()}
            )
        lot = hold.lot
        if outcome == HoldStatus.NONCONFORMING:
            _move_to_nonconforming(hold, user, nonconforming_location, second_user, conclusion)
        else:
            lot.is_frozen = False
            lot.frozen_reason = ""
            _history_user(lot, user).save(
                update_fields=["is_frozen", "frozen_reason", "updated_at"]
            )
        hold.status = outcome
        hold.conclusion = conclusion
        hold.resolved_by = user
        hold.resolved_at = timezone.now()
        hold.full_clean()
        _history_user(hold, user).save()
    return hold


def _move_to_nonconforming(hold, user, location, second_user, conclusion) -> None:
    if location is None or location.zone != Zone.NONCONFORMING:
        raise StockError(
            _("Choose a location in the nonconforming zone for the stock of this lot."),
            field="nonconforming_location",
        )
    balances = list(
        StockBalance.objects.select_for_update()
        .filter(lot=hold.lot, location__zone__in=(Zone.QUALIFIED, Zone.PENDING), on_hand__gt=0)
        .order_by("pk")
    )
    locations = Location.objects.in_bulk({b.location_id for b in balances})
    reserved = [b for b in balances if b.reserved]
    if reserved:
        raise StockError(
            [
                _(
                    "%(reserved)s of lot %(lot)s in %(location)s are reserved for sales "
                    "orders; release them before moving the stock."
                )
                % {"reserved": b.reserved, "lot": hold.lot, "location": locations[b.location_id]}
                for b in reserved
            ]
        )
    source = Source(HOLD_SOURCE, hold.pk, hold.number)
    for balance in balances:
        stock_transfer(
            lot=hold.lot,
            from_location=locations[balance.location_id],
            to_location=location,
            quantity=balance.on_hand,
            user=user,
            source=source,
            key=f"{HOLD_SOURCE}:{hold.pk}:balance:{balance.pk}",
            second_user=second_user,
            note=conclusion,
        )


# ---------------------------------------------------------------------------- loss reports


@dataclass(frozen=True)
class LossLine:
    balance: StockBalance
    quantity: int


def _in_review_elsewhere(balance_ids: Iterable[int], exclude_report_id) -> dict[int, int]:
    rows = (
        LossReportLine.objects.filter(
            balance_id__in=list(balance_ids), report__status__in=LOSS_IN_REVIEW
        )
        .exclude(report_id=exclude_report_id)
        .values("balance_id")
        .annotate(total=Sum("quantity"))
    )
    return {row["balance_id"]: row["total"] for row in rows}


def _checked_loss_lines(
    warehouse: Warehouse, lines: Sequence[LossLine], report_id
) -> list[LossLine]:
    """Every line in a nonconforming location of the warehouse, within the free stock."""
    if not lines:
        raise DomainError(_("Add at least one line to scrap."), field="lines")
    ids = [line.balance.pk for line in lines]
    if len(set(ids)) != len(ids):
        raise DomainError(_("The same stock appears on two lines; merge them."), field="lines")
    balances = StockBalance.objects.select_related("lot__product", "location__warehouse").in_bulk(
        ids
    )
    promised = _in_review_elsewhere(ids, report_id)
    checked, errors = [], []
    for line in lines:
        balance = balances.get(line.balance.pk)
        quantity = check_quantity(line.quantity)
        if balance is None:
            raise DomainError(_("That stock no longer exists."), field="lines")
        where = {"lot": balance.lot, "location": balance.location}
        if balance.location.zone != Zone.NONCONFORMING:
            errors.append(
                _(
                    "Lot %(lot)s in %(location)s is not in the nonconforming zone; only "
                    "nonconforming stock can be scrapped."
                )
                % where
            )
            continue
        if balance.location.warehouse_id != warehouse.pk:
            errors.append(
                _("Location %(location)s is not in warehouse %(warehouse)s.")
                % {**where, "warehouse": warehouse}
            )
            continue
        free = balance.on_hand - balance.reserved - promised.get(balance.pk, 0)
        if quantity > free:
            errors.append(
                _(
                    "Lot %(lot)s in %(location)s: %(quantity)s to scrap, only %(free)s "
                    "available (on hand less reserved and other loss reports under review)."
                )
                % {**where, "quantity": quantity, "free": max(free, 0)}
            )
            continue
        checked.append(LossLine(balance, quantity))
    if errors:
        raise StockError(errors, field="lines")
    return checked


def loss_report_save(
    *,
    user,
    warehouse: Warehouse,
    reason: str,
    lines: Sequence[LossLine],
    report: LossReport | None = None,
) -> LossReport:
    """Create a draft loss report, or replace the reason and lines of a draft/rejected one."""
    if report is None or report.pk is None:
        _require(user, "inventory.add_lossreport", _("You may not prepare loss reports."))
    else:
        _require(user, "inventory.change_lossreport", _("You may not edit loss reports."))
    reason = _text(reason, field="reason", message=_("Describe the nonconformity."))
    with transaction.atomic():
        if report is not None and report.pk is not None:
            report = LossReport.objects.select_for_update().get(pk=report.pk)
            if report.status not in LOSS_EDITABLE:
                raise InvalidStateError(
                    _("Loss report %(number)s is %(status)s and can no longer be edited.")
                    % {"number": report.number, "status": report.get_status_display()}
                )
        else:
            report = LossReport(number=next_number("BS"), created_by=user)
        checked = _checked_loss_lines(warehouse, lines, report.pk)
        report.warehouse = warehouse
        report.reason = reason
        report.full_clean()
        _history_user(report, user).save()
        report.lines.all().delete()
        new_lines = [
            LossReportLine(
                report=report,
                balance=line.balance,
                quantity=line.quantity,
                unit_cost=line.balance.lot.unit_cost,
            )
            for line in checked
        ]
        for line in new_lines:
            line.full_clean()
        LossReportLine.objects.bulk_create(new_lines)
    return report


def _locked_report(report: LossReport) -> LossReport:
    return LossReport.objects.select_for_update().get(pk=report.pk)


def loss_report_submit(*, report: LossReport, user) -> LossReport:
    """Send a draft (or rejected and corrected) report to the head of quality."""
    _require(user, "inventory.add_lossreport", _("You may not submit loss reports."))
    with transaction.atomic():
        report = _locked_report(report)
        if report.status not in LOSS_EDITABLE:
            raise InvalidStateError(
                _("Loss report %(number)s is already %(status)s.")
                % {"number": report.number, "status": report.get_status_display()}
            )
        lines = [LossLine(line.balance, line.quantity) for line in report.lines.all()]
        _checked_loss_lines(report.warehouse, lines, report.pk)
        report.status = LossStatus.SUBMITTED
        report.quality_by = report.manager_by = None
        report.quality_at = report.manager_at = None
        report.quality_opinion = report.manager_opinion = ""
        report.full_clean()
        _history_user(report, user).save()
    return report


def loss_report_review(*, report: LossReport, user, approve: bool, opinion: str) -> LossReport:
    """The next reviewer's decision: head of quality, then manager. The manager's
    approval scraps every line (stock_remove, SCRAP) in the same transaction."""
    opinion = (opinion or "").strip()
    with transaction.atomic():
        report = _locked_report(report)
        if report.status == LossStatus.SUBMITTED:
            step = "quality"
        elif report.status == LossStatus.QUALITY_APPROVED:
            step = "manager"
        else:
            raise InvalidStateError(
                _("Loss report %(number)s is %(status)s and awaits no review.")
                % {"number": report.number, "status": report.get_status_display()}
            )
        _require(
            user,
            f"inventory.review_{step}_lossreport",
            _("Only the head of quality may review at this step.")
            if step == "quality"
            else _("Only a manager may approve at this step."),
        )
        if user.pk == report.created_by_id:
            raise SegregationOfDutiesError(
                _("You prepared this loss report, so someone else must review it.")
            )
        if step == "manager" and user.pk == report.quality_by_id:
            raise SegregationOfDutiesError(
                _("The manager's approval must come from someone other than the quality reviewer.")
            )
        if not approve and not opinion:
            raise InvalidStateError(_("Give the reason for the rejection."), field="opinion")
        now = timezone.now()
        if step == "quality":
            report.quality_by, report.quality_at, report.quality_opinion = user, now, opinion
            report.status = LossStatus.QUALITY_APPROVED if approve else LossStatus.REJECTED
        else:
            report.manager_by, report.manager_at, report.manager_opinion = user, now, opinion
            report.status = LossStatus.APPROVED if approve else LossStatus.REJECTED
            if approve:
                _scrap(report, user)
        report.full_clean()
        _history_user(report, user).save()
    return report


def _scrap(report: LossReport, user) -> None:
    source = Source(LOSS_SOURCE, report.pk, report.number)
    lines = report.lines.select_related("balance__lot__product", "balance__location").order_by(
        "balance_id"
    )
    for line in lines:
        balance = line.balance
        # Controlled products need two keepers: the one who prepared the report confirms.
        second = report.created_by if balance.lot.product.is_controlled else None
        stock_remove(
            lot=balance.lot,
            location=balance.location,
            quantity=line.quantity,
            move_type=MoveType.SCRAP,
            user=user,
            source=source,
            key=f"{LOSS_SOURCE}:{report.pk}:line:{line.pk}",
            second_user=second,
            unit_cost=line.unit_cost,
            note=report.reason[:200],
        )


def loss_report_next_permission(report: LossReport) -> str | None:
    if report.status == LossStatus.SUBMITTED:
        return "inventory.review_quality_lossreport"
    if report.status == LossStatus.QUALITY_APPROVED:
        return "inventory.review_manager_lossreport"
    return None


# ---------------------------------------------------------------------------- stocktakes


def stocktake_start(
    *, warehouse: Warehouse, locations: Iterable[Location], user, note: str = ""
) -> Stocktake:
    """Open a stocktake of some locations of a warehouse: one count line per balance on
    hand (book quantity = on hand now). A location is in at most one open stocktake."""
    _require(user, "inventory.add_stocktake", _("You may not start stocktakes."))
    locations = list(locations)
    if not locations:
        raise DomainError(_("Choose at least one location to count."), field="locations")
    foreign = [loc for loc in locations if loc.warehouse_id != warehouse.pk]
    if foreign:
        raise DomainError(
            _("%(locations)s not in warehouse %(warehouse)s.")
            % {"locations": ", ".join(str(loc) for loc in foreign), "warehouse": warehouse},
            field="locations",
        )
    with transaction.atomic():
        # Serialise stocktake starts of one warehouse, so two cannot claim a location.
        Warehouse.objects.select_for_update().get(pk=warehouse.pk)
        busy = (
            Stocktake.objects.filter(status__in=STOCKTAKE_OPEN, locations__in=locations)
            .distinct()
            .first()
        )
        if busy is not None:
            raise InvalidStateError(
                _("Some of these locations are already being counted in stocktake %(number)s.")
                % {"number": busy.number},
                field="locations",
            )
        stocktake = Stocktake(
            number=next_number("PD"),
            warehouse=warehouse,
            created_by=user,
            note=(note or "").strip(),
        )
        stocktake.full_clean()
        _history_user(stocktake, user).save()
        stocktake.locations.set(locations)
        balances = StockBalance.objects.filter(location__in=locations, on_hand__gt=0)
        StocktakeLine.objects.bulk_create(
            [
                StocktakeLine(
                    stocktake=stocktake,
                    lot_id=b.lot_id,
                    location_id=b.location_id,
                    book_qty=b.on_hand,
                )
                for b in balances.order_by("pk")
            ]
        )
    return stocktake


def _locked_stocktake(stocktake: Stocktake, *, status=StocktakeStatus.COUNTING) -> Stocktake:
    stocktake = Stocktake.objects.select_for_update().get(pk=stocktake.pk)
    if stocktake.status != status:
        raise InvalidStateError(
            _("Stocktake %(number)s is %(status)s.")
            % {"number": stocktake.number, "status": stocktake.get_status_display()}
        )
    return stocktake


def _counted(value, label) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError(_("%(line)s: enter a whole number.") % {"line": label})
    if value < 0 or value > MAX_QUANTITY:
        raise DomainError(
            _("%(line)s: the counted quantity must be between 0 and %(max)s.")
            % {"line": label, "max": MAX_QUANTITY}
        )
    return value


def stocktake_count(*, stocktake: Stocktake, user, counts: dict[int, int | None]) -> int:
    """Record counted quantities {line id: quantity or None}; returns lines changed."""
    _require(user, "inventory.change_stocktake", _("You may not enter counts."))
    with transaction.atomic():
        stocktake = _locked_stocktake(stocktake)
        lines = StocktakeLine.objects.filter(stocktake=stocktake, pk__in=list(counts)).in_bulk()
        unknown = set(counts) - set(lines)
        if unknown:
            raise DomainError(_("Some count lines do not belong to this stocktake."))
        changed = []
        for pk, value in counts.items():
            line = lines[pk]
            counted = _counted(value, line)
            if line.counted_qty != counted:
                line.counted_qty = counted
                changed.append(line)
        StocktakeLine.objects.bulk_update(changed, ["counted_qty"])
    return len(changed)


def stocktake_add_line(
    *, stocktake: Stocktake, user, lot: Lot, location: Location, counted_qty
) -> StocktakeLine:
    """A lot found in a counted location that is not on the count sheet."""
    _require(user, "inventory.change_stocktake", _("You may not enter counts."))
    with transaction.atomic():
        stocktake = _locked_stocktake(stocktake)
        if not stocktake.locations.filter(pk=location.pk).exists():
            raise DomainError(
                _("Location %(location)s is not part of this stocktake.") % {"location": location},
                field="location",
            )
        if stocktake.lines.filter(lot=lot, location=location).exists():
            raise DomainError(
                _("Lot %(lot)s in %(location)s is already on the count sheet.")
                % {"lot": lot, "location": location},
                field="lot",
            )
        counted = _counted(counted_qty, lot)
        if counted is None:
            raise DomainError(_("Enter the counted quantity."), field="counted_qty")
        book = (
            StockBalance.objects.filter(lot=lot, location=location).values_list(
                "on_hand", flat=True
            )
        ).first() or 0
        line = StocktakeLine(
            stocktake=stocktake, lot=lot, location=location, book_qty=book, counted_qty=counted
        )
        line.full_clean()
        line.save()
    return line


def stocktake_submit(*, stocktake: Stocktake, user) -> Stocktake:
    _require(user, "inventory.change_stocktake", _("You may not submit stocktakes."))
    with transaction.atomic():
        stocktake = _locked_stocktake(stocktake)
        missing = stocktake.lines.filter(counted_qty__isnull=True).count()
        if missing:
            raise InvalidStateError(
                _("%(count)s count lines have no counted quantity yet.") % {"count": missing}
            )
        stocktake.status = StocktakeStatus.SUBMITTED
        stocktake.full_clean()
        _history_user(stocktake, user).save()
    return stocktake


def stocktake_approve(*, stocktake: Stocktake, user) -> Stocktake:
    """Approve the counts: adjust every balance to its counted quantity.

    The adjustment is computed against the on-hand quantity at approval (rows locked),
    so moves made since the count started are not undone twice. Stock reserved for
    orders cannot be counted away: a count below the reserved quantity is refused.
    """
    _require(user, "inventory.approve_stocktake", _("Only a manager may approve stocktakes."))
    with transaction.atomic():
        stocktake = _locked_stocktake(stocktake, status=StocktakeStatus.SUBMITTED)
        if user.pk == stocktake.created_by_id:
            raise SegregationOfDutiesError(
                _("You started this stocktake, so someone else must approve it.")
            )
        lines = list(
            stocktake.lines.select_related("lot__product", "location").order_by(
                "lot_id", "location_id"
            )
        )
        condition = Q(pk__in=[])
        for line in lines:
            condition |= Q(lot_id=line.lot_id, location_id=line.location_id)
        locked = {
            (b.lot_id, b.location_id): b
            for b in StockBalance.objects.select_for_update().filter(condition).order_by("pk")
        }
        errors = []
        for line in lines:
            balance = locked.get((line.lot_id, line.location_id))
            if balance is not None and line.counted_qty < balance.reserved:
                errors.append(
                    _(
                        "Lot %(lot)s in %(location)s: counted %(counted)s, but %(reserved)s "
                        "are reserved for orders; release them before adjusting."
                    )
                    % {
                        "lot": line.lot,
                        "location": line.location,
                        "counted": line.counted_qty,
                        "reserved": balance.reserved,
                    }
                )
        if errors:
            raise StockError(errors)
        source = Source(STOCKTAKE_SOURCE, stocktake.pk, stocktake.number)
        for line in lines:
            balance = locked.get((line.lot_id, line.location_id))
            difference = line.counted_qty - (balance.on_hand if balance else 0)
            key = f"{STOCKTAKE_SOURCE}:{stocktake.pk}:line:{line.pk}"
            if difference > 0:
                stock_receive(
                    lot=line.lot,
                    location=line.location,
                    quantity=difference,
                    user=user,
                    source=source,
                    key=key,
                    move_type=MoveType.ADJUST_IN,
                )
            elif difference < 0:
                second = stocktake.created_by if line.lot.product.is_controlled else None
                stock_remove(
                    lot=line.lot,
                    location=line.location,
                    quantity=-difference,
                    move_type=MoveType.ADJUST_OUT,
                    user=user,
                    source=source,
                    key=key,
                    second_user=second,
                )
        stocktake.status = StocktakeStatus.APPROVED
        stocktake.approved_by = user
        stocktake.approved_at = timezone.now()
        stocktake.full_clean()
        _history_user(stocktake, user).save()
    return stocktake


def stocktake_cancel(*, stocktake: Stocktake, user) -> Stocktake:
    """Abandon an open stocktake; nothing is adjusted."""
    if not (
        user.has_perm("inventory.change_stocktake") or user.has_perm("inventory.approve_stocktake")
    ):
        raise PermissionDeniedError(_("You may not cancel stocktakes."))
    with transaction.atomic():
        stocktake = Stocktake.objects.select_for_update().get(pk=stocktake.pk)
        if stocktake.status not in STOCKTAKE_OPEN:
            raise InvalidStateError(
                _("Stocktake %(number)s is %(status)s and cannot be cancelled.")
                % {"number": stocktake.number, "status": stocktake.get_status_display()}
            )
        stocktake.status = StocktakeStatus.CANCELLED
        stocktake.full_clean()
        _history_user(stocktake, user).save()
    return stocktake
