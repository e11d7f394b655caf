"""The stock service: every change of stock goes through these functions.

Each function runs in one transaction, locks the `StockBalance` rows it touches in pk
order (after any counterparty and product rows its caller locked, DESIGN.md 3.4),
writes the `StockMove` that explains the change and updates the balance in the same
transaction. A move carries an idempotency key: calling again with the same key
returns the move already written and changes nothing, so a retried request or task
cannot post twice.

Rules that hold on every path:
- quantities are whole positive units, never more than is available;
- expired or stopped lots cannot be reserved, issued or moved into the qualified zone,
  but can always go to the nonconforming zone, back to the supplier, or be scrapped;
- a location's storage condition must suit the product (except nonconforming areas);
- specially controlled products live in dedicated areas and their moves need a second
  keeper;
- products of incompatible storage groups may not share a location.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, IntegerField, Q, Sum, Value, When, Window
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.catalog.models import Product
from apps.core.exceptions import DomainError, SegregationOfDutiesError
from apps.core.models import today

from .models import (
    INBOUND_TYPES,
    INTERNAL_TYPES,
    OUTBOUND_TYPES,
    Location,
    Lot,
    MoveType,
    StockBalance,
    StockMove,
    StockReservation,
    Zone,
)

# Quantities above this are typing mistakes, not stock (and stay far from int32 limits).
MAX_QUANTITY = 10_000_000
# Move types that do not need the second keeper for controlled products: goods arriving.
SINGLE_KEEPER_TYPES = frozenset({MoveType.RECEIVE, MoveType.SALES_RETURN, MoveType.OPENING})


class StockError(DomainError):
    """A stock rule refused the movement; nothing was written."""


@dataclass(frozen=True)
class Source:
    """The document a movement belongs to: "purchasing.receipt", its id and number."""

    type: str
    id: int | None = None
    number: str = ""


@dataclass(frozen=True)
class Shortfall:
    product: Product
    requested: int
    available: int

    @property
    def message(self) -> str:
        return _("%(product)s: %(requested)s requested, only %(available)s available.") % {
            "product": self.product,
            "requested": self.requested,
            "available": self.available,
        }


class InsufficientStock(StockError):
    """Allocation could not cover every line; `shortfalls` names each product short."""

    def __init__(self, shortfalls: Sequence[Shortfall]):
        self.shortfalls = list(shortfalls)
        super().__init__([s.message for s in self.shortfalls], code="insufficient_stock")


# ---------------------------------------------------------------------------- checks


def check_quantity(quantity, *, label: str | None = None) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int | Decimal):
        raise StockError(_("The quantity must be a whole number."), field="quantity")
    if isinstance(quantity, Decimal):
        if quantity != quantity.to_integral_value():
            raise StockError(_("The quantity must be a whole number."), field="quantity")
        quantity = int(quantity)
    if quantity <= 0:
        raise StockError(
            _("%(label)s must be greater than zero.") % {"label": label or _("The quantity")},
            field="quantity",
        )
    if quantity > MAX_QUANTITY:
        raise StockError(
            _("%(quantity)s is more than the largest quantity allowed (%(max)s).")
            % {"quantity": quantity, "max": MAX_QUANTITY},
            field="quantity",
        )
    return quantity


def lot_is_expired(lot: Lot, on_date: datetime.date | None = None) -> bool:
    return lot.expiry_date < (on_date or today())


def _check_destination(lot: Lot, location: Location, move_type: str) -> None:
    """Rules for stock arriving in `location`."""
    product = lot.product
    if not location.is_active:
        raise StockError(_("Location %(location)s is not active.") % {"location": location})
    if location.zone == Zone.QUALIFIED:
        if lot_is_expired(lot):
            raise StockError(
                _("Lot %(lot)s expired on %(date)s and cannot go to the qualified zone.")
                % {"lot": lot, "date": lot.expiry_date}
            )
        if lot.is_frozen:
            raise StockError(
                _("Lot %(lot)s is stopped from sale and cannot go to the qualified zone.")
                % {"lot": lot}
            )
        if product.is_controlled and not location.is_controlled_area:
            raise StockError(
                _("%(product)s is specially controlled and must be stored in a dedicated area.")
                % {"product": product}
            )
    if location.zone != Zone.NONCONFORMING and location.storage_condition != (
        product.storage_condition
    ):
        raise StockError(
            _(
                "%(product)s needs %(condition)s storage; location %(location)s is "
                "%(location_condition)s."
            )
            % {
                "product": product,
                "condition": product.get_storage_condition_display(),
                "location": location,
                "location_condition": location.get_storage_condition_display(),
            }
        )
    _check_compatibility(product, location)


def _check_compatibility(product: Product, location: Location) -> None:
    """Incompatible storage groups (药性/储存禁忌) may not share a location."""
    if product.storage_group_id is None:
        return
    incompatible = list(product.storage_group.incompatible_with.values_list("pk", flat=True))
    if not incompatible:
        return
    clash = (
        StockBalance.objects.filter(
            location=location,
            on_hand__gt=0,
            product__storage_group__in=incompatible,
        )
        .select_related("product__storage_group")
        .first()
    )
    if clash is not None:
        raise StockError(
            _(
                "%(product)s (%(group)s) may not be stored with %(other)s (%(other_group)s) "
                "in location %(location)s."
            )
            % {
                "product": product,
                "group": product.storage_group,
                "other": clash.product,
                "other_group": clash.product.storage_group,
                "location": location,
            }
        )


def storage_group_conflicts(sender, *, product: Product, group, **kwargs) -> list[str]:
    """Receiver of `catalog.signals.storage_group_changing`: the locations where the
    product's stock would then share a shelf with an incompatible group."""
    if group is None:
        return []
    incompatible = list(group.incompatible_with.values_list("pk", flat=True))
    if not incompatible:
        return []
    holding = StockBalance.objects.filter(product=product, on_hand__gt=0).values("location_id")
    clash = (
        StockBalance.objects.filter(
            location_id__in=holding,
            on_hand__gt=0,
            product__storage_group__in=incompatible,
        )
        .exclude(product=product)
        .select_related("product__storage_group", "location__warehouse")
        .first()
    )
    if clash is None:
        return []
    return [
        _(
            "%(product)s is stored in %(location)s with %(other)s (%(other_group)s), which "
            "%(group)s may not share a location with; move the stock first."
        )
        % {
            "product": product,
            "location": clash.location,
            "other": clash.product,
            "other_group": clash.product.storage_group,
            "group": group,
        }
    ]


def _check_keepers(product: Product, move_type: str, user, second_user) -> None:
    if not product.is_controlled or move_type in SINGLE_KEEPER_TYPES:
        return
    if second_user is None:
        raise StockError(
            _("%(product)s is specially controlled: a second keeper must confirm this move.")
            % {"product": product},
            field="second_user",
        )
    if user is not None and second_user.pk == user.pk:
        raise SegregationOfDutiesError(
            _("The second keeper must be a different person."), field="second_user"
        )
    if not second_user.has_perm("inventory.change_stockbalance"):
        raise StockError(
            _("%(user)s is not a warehouse keeper and cannot confirm the move.")
            % {"user": second_user},
            field="second_user",
        )


# ---------------------------------------------------------------------------- locking


def _locked_balances(keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], StockBalance]:
    """Lock (creating when missing) the balances of (lot_id, location_id) pairs, by pk."""
    keys = sorted(set(keys))
    if not keys:
        return {}
    lot_rows = {
        pk: (product_id, expiry)
        for pk, product_id, expiry in Lot.objects.filter(pk__in={k[0] for k in keys}).values_list(
            "pk", "product_id", "expiry_date"
        )
    }
    StockBalance.objects.bulk_create(
        [
            StockBalance(
                lot_id=lot_id,
                location_id=loc_id,
                product_id=lot_rows[lot_id][0],
                expiry_date=lot_rows[lot_id][1],
            )
            for lot_id, loc_id in keys
        ],
        ignore_conflicts=True,
    )
    condition = Q()
    for lot_id, loc_id in keys:
        condition |= Q(lot_id=lot_id, location_id=loc_id)
    rows = StockBalance.objects.select_for_update().filter(condition).order_by("pk")
    return {(b.lot_id, b.location_id): b for b in rows}


def _lock_balance(lot: Lot, location: Location) -> StockBalance:
    return _locked_balances([(lot.pk, location.pk)])[(lot.pk, location.pk)]


def _existing_move(key: str) -> StockMove | None:
    """The move already posted under `key`, if any.

    A transaction-scoped advisory lock on the key makes concurrent calls with the same
    key queue here, so the later ones see the first one's move instead of colliding on
    the unique index.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [key])
    return StockMove.objects.filter(idempotency_key=key).first()


def _write_move(
    *,
    lot: Lot,
    move_type: str,
    quantity: int,
    from_location: Location | None,
    to_location: Location | None,
    user,
    source: Source,
    key: str,
    unit_cost: Decimal | None = None,
    second_user=None,
    note: str = "",
) -> StockMove:
    if not key:
        raise ValueError("every stock move needs an idempotency key")
    try:
        with transaction.atomic():
            return StockMove.objects.create(
                product_id=lot.product_id,
                lot=lot,
                from_location=from_location,
                to_location=to_location,
                quantity=quantity,
                unit_cost=lot.unit_cost if unit_cost is None else unit_cost,
                move_type=move_type,
                source_type=source.type,
                source_id=source.id,
                source_number=source.number,
                user=user,
                second_user=second_user,
                created_at=timezone.now(),
                idempotency_key=key,
                note=note[:200],
            )
    except IntegrityError as error:
        raise StockError(_("This stock movement was already posted.")) from error


def _take(balance: StockBalance, quantity: int, *, from_reserved: int = 0) -> None:
    """Reduce a locked balance; `from_reserved` of the quantity was reserved for it."""
    free = balance.on_hand - balance.reserved
    if quantity - from_reserved > free:
        raise StockError(
            _("Lot %(lot)s in %(location)s has %(free)s available, %(quantity)s requested.")
            % {"lot": balance.lot, "location": balance.location, "free": free, "quantity": quantity}
        )
    balance.on_hand -= quantity
    balance.reserved -= from_reserved
    balance.save(update_fields=["on_hand", "reserved"])


def _put(balance: StockBalance, quantity: int) -> None:
    balance.on_hand += quantity
    balance.save(update_fields=["on_hand"])


# ---------------------------------------------------------------------------- movements


@transaction.atomic
def stock_receive(
    *,
    lot: Lot,
    location: Location,
    quantity: int,
    user,
    source: Source,
    key: str,
    unit_cost: Decimal | None = None,
    move_type: str = MoveType.RECEIVE,
    note: str = "",
) -> StockMove:
    """Stock arriving from outside: a receipt, a sales return, a stocktake gain, opening."""
    if move_type not in INBOUND_TYPES:
        raise ValueError(f"{move_type} is not an inbound move type")
    existing = _existing_move(key)
    if existing is not None:
        return existing
    quantity = check_quantity(quantity)
    if move_type == MoveType.RECEIVE and location.zone != Zone.PENDING:
        raise StockError(
            _("Received goods go to a pending-inspection location, not %(location)s.")
            % {"location": location}
        )
    if move_type == MoveType.SALES_RETURN and location.zone != Zone.RETURNS:
        raise StockError(
            _("Returned goods go to a returns location, not %(location)s.") % {"location": location}
        )
    lot = Lot.objects.select_related("product__storage_group").get(pk=lot.pk)
    _check_destination(lot, location, move_type)
    balance = _lock_balance(lot, location)
    if unit_cost is not None and move_type in (MoveType.RECEIVE, MoveType.OPENING):
        _blend_cost(lot, quantity, unit_cost)
    _put(balance, quantity)
    return _write_move(
        lot=lot,
        move_type=move_type,
        quantity=quantity,
        from_location=None,
        to_location=location,
        user=user,
        source=source,
        key=key,
        unit_cost=unit_cost,
        note=note,
    )


def _blend_cost(lot: Lot, quantity: int, unit_cost: Decimal) -> None:
    """Weighted average cost of the lot over everything on hand plus this receipt."""
    lot = Lot.objects.select_for_update().get(pk=lot.pk)
    on_hand = StockBalance.objects.filter(lot=lot).aggregate(total=Sum("on_hand"))["total"] or 0
    total = Decimal(on_hand) * lot.unit_cost + Decimal(quantity) * Decimal(unit_cost)
    lot.unit_cost = (total / Decimal(on_hand + quantity)).quantize(Decimal("0.0001"))
    lot.save(update_fields=["unit_cost"])


@transaction.atomic
def stock_transfer(
    *,
    lot: Lot,
    from_location: Location,
    to_location: Location,
    quantity: int,
    user,
    source: Source,
    key: str,
    move_type: str = MoveType.TRANSFER,
    second_user=None,
    note: str = "",
) -> StockMove:
    """Move free (unreserved) stock between locations: put-away after acceptance, transfers."""
    if move_type not in INTERNAL_TYPES:
        raise ValueError(f"{move_type} is not an internal move type")
    existing = _existing_move(key)
    if existing is not None:
        return existing
    quantity = check_quantity(quantity)
    if from_location.pk == to_location.pk:
        raise StockError(_("The source and destination locations are the same."))
    lot = Lot.objects.select_related("product__storage_group").get(pk=lot.pk)
    _check_destination(lot, to_location, move_type)
    _check_keepers(lot.product, move_type, user, second_user)
    balances = _locked_balances([(lot.pk, from_location.pk), (lot.pk, to_location.pk)])
    _take(balances[(lot.pk, from_location.pk)], quantity)
    _put(balances[(lot.pk, to_location.pk)], quantity)
    return _write_move(
        lot=lot,
        move_type=move_type,
        quantity=quantity,
        from_location=from_location,
        to_location=to_location,
        user=user,
        source=source,
        key=key,
        second_user=second_user,
        note=note,
    )


@transaction.atomic
def stock_remove(
    *,
    lot: Lot,
    location: Location,
    quantity: int,
    move_type: str,
    user,
    source: Source,
    key: str,
    second_user=None,
    unit_cost: Decimal | None = None,
    note: str = "",
) -> StockMove:
    """Free stock leaving the company: return to supplier, scrap, stocktake loss.

    Expired and stopped lots may leave this way. Shipments to customers use
    `stock_issue` on a reservation instead.
    """
    if move_type not in OUTBOUND_TYPES or move_type == MoveType.ISSUE:
        raise ValueError(f"{move_type} is not a removal move type")
    existing = _existing_move(key)
    if existing is not None:
        return existing
    quantity = check_quantity(quantity)
    lot = Lot.objects.select_related("product").get(pk=lot.pk)
    if move_type == MoveType.SCRAP and location.zone != Zone.NONCONFORMING:
        raise StockError(
            _("Only stock in the nonconforming zone can be scrapped; move it there first.")
        )
    _check_keepers(lot.product, move_type, user, second_user)
    _take(_lock_balance(lot, location), quantity)
    return _write_move(
        lot=lot,
        move_type=move_type,
        quantity=quantity,
        from_location=location,
        to_location=None,
        user=user,
        source=source,
        key=key,
        unit_cost=unit_cost,
        second_user=second_user,
        note=note,
    )


# ---------------------------------------------------------------------------- reservations


def _check_sellable(lot: Lot, location: Location, *, min_expiry: datetime.date | None) -> None:
    if location.zone != Zone.QUALIFIED:
        raise StockError(
            _("Only stock in the qualified zone can be reserved; %(location)s is %(zone)s.")
            % {"location": location, "zone": location.get_zone_display()}
        )
    if lot.is_frozen:
        raise StockError(_("Lot %(lot)s is stopped from sale.") % {"lot": lot})
    if lot_is_expired(lot):
        raise StockError(
            _("Lot %(lot)s expired on %(date)s.") % {"lot": lot, "date": lot.expiry_date}
        )
    if min_expiry and lot.expiry_date < min_expiry:
        raise StockError(
            _("Lot %(lot)s expires on %(date)s, before the required %(required)s.")
            % {"lot": lot, "date": lot.expiry_date, "required": min_expiry}
        )


@transaction.atomic
def stock_reserve(
    *,
    lot: Lot,
    location: Location,
    quantity: int,
    user,
    source: Source,
    source_line_id: int | None = None,
    min_expiry: datetime.date | None = None,
) -> StockReservation:
    """Reserve a chosen lot in a chosen location (manual allocation)."""
    quantity = check_quantity(quantity)
    lot = Lot.objects.select_related("product").get(pk=lot.pk)
    _check_sellable(lot, location, min_expiry=min_expiry)
    balance = _lock_balance(lot, location)
    if balance.on_hand - balance.reserved < quantity:
        raise InsufficientStock(
            [Shortfall(lot.product, quantity, balance.on_hand - balance.reserved)]
        )
    balance.reserved += quantity
    balance.save(update_fields=["reserved"])
    return StockReservation.objects.create(
        balance=balance,
        quantity=quantity,
        source_type=source.type,
        source_id=source.id,
        source_line_id=source_line_id,
        user=user,
    )


def _locked_reservation(reservation: StockReservation) -> tuple[StockReservation, StockBalance]:
    balance = StockBalance.objects.select_for_update().get(pk=reservation.balance_id)
    reservation = StockReservation.objects.select_for_update().get(pk=reservation.pk)
    return reservation, balance


@transaction.atomic
def stock_release(*, reservation: StockReservation, quantity: int | None = None) -> int:
    """Give back reserved stock (all of it by default); returns the quantity released."""
    reservation, balance = _locked_reservation(reservation)
    quantity = reservation.quantity if quantity is None else check_quantity(quantity)
    if quantity > reservation.quantity:
        raise StockError(
            _("Only %(reserved)s are reserved; %(quantity)s cannot be released.")
            % {"reserved": reservation.quantity, "quantity": quantity}
        )
    reservation.quantity -= quantity
    reservation.save(update_fields=["quantity"])
    balance.reserved -= quantity
    balance.save(update_fields=["reserved"])
    return quantity


@transaction.atomic
def stock_issue(
    *,
    reservation: StockReservation,
    quantity: int,
    user,
    source: Source,
    key: str,
    second_user=None,
    note: str = "",
) -> StockMove:
    """Ship reserved stock to a customer (on-hand and reserved both go down)."""
    existing = _existing_move(key)
    if existing is not None:
        return existing
    quantity = check_quantity(quantity)
    reservation, balance = _locked_reservation(reservation)
    lot = Lot.objects.select_related("product").get(pk=balance.lot_id)
    if quantity > reservation.quantity:
        raise StockError(
            _("Only %(reserved)s of lot %(lot)s are reserved; %(quantity)s cannot be shipped.")
            % {"reserved": reservation.quantity, "lot": lot, "quantity": quantity}
        )
    if lot.is_frozen:
        raise StockError(_("Lot %(lot)s is stopped from sale.") % {"lot": lot})
    if lot_is_expired(lot):
        raise StockError(
            _("Lot %(lot)s expired on %(date)s and cannot be shipped.")
            % {"lot": lot, "date": lot.expiry_date}
        )
    _check_keepers(lot.product, MoveType.ISSUE, user, second_user)
    reservation.quantity -= quantity
    reservation.save(update_fields=["quantity"])
    balance.lot = lot
    _take(balance, quantity, from_reserved=quantity)
    return _write_move(
        lot=lot,
        move_type=MoveType.ISSUE,
        quantity=quantity,
        from_location=balance.location,
        to_location=None,
        user=user,
        source=source,
        key=key,
        second_user=second_user,
        note=note,
    )


# ---------------------------------------------------------------------------- FEFO


@dataclass
class AllocationRequest:
    """One line to allocate: `min_expiry` is the earliest expiry the customer accepts."""

    product: Product
    quantity: int
    line_id: int | None = None
    min_expiry: datetime.date | None = None
    reservations: list[StockReservation] = field(default_factory=list)


def sellable_balances(*, on_date: datetime.date | None = None, warehouse=None):
    """Balances FEFO may take from: qualified, active, not stopped, not expired, free > 0."""
    qs = StockBalance.objects.filter(
        location__zone=Zone.QUALIFIED,
        location__is_active=True,
        lot__is_frozen=False,
        expiry_date__gte=on_date or today(),
        on_hand__gt=F("reserved"),
    )
    if warehouse is not None:
        qs = qs.filter(location__warehouse=warehouse)
    return qs


def _fefo_candidates(
    wanted: dict[tuple[int, datetime.date], int], warehouse, exclude: Iterable[int] = ()
) -> Q:
    """A filter on the balances FEFO would use for each (product, min expiry) and quantity.

    A window sum over the FEFO order keeps only the rows needed to cover the quantity,
    so the work does not grow with the number of lots a product has. It is a subquery
    of the locking query, so selecting and locking take one round trip.
    """
    by_expiry = defaultdict(dict)
    for (product_id, min_expiry), quantity in wanted.items():
        by_expiry[min_expiry][product_id] = quantity
    condition = Q(pk__in=[])
    for min_expiry, quantities in by_expiry.items():
        needed = Case(
            *(When(product_id=pid, then=Value(qty)) for pid, qty in quantities.items()),
            output_field=IntegerField(),
        )
        rows = (
            sellable_balances(warehouse=warehouse)
            .filter(product_id__in=list(quantities), expiry_date__gte=min_expiry)
            # Rows already locked are counted in `wanted`; rank only the others, or a
            # second round would pick the held rows again and find nothing new.
            .exclude(pk__in=list(exclude))
            .annotate(
                free=F("on_hand") - F("reserved"),
                running=Window(
                    Sum(F("on_hand") - F("reserved")),
                    partition_by=[F("product_id")],
                    order_by=[F("expiry_date").asc(), F("lot_id").asc(), F("pk").asc()],
                ),
                needed=needed,
            )
            .filter(running__lt=F("needed") + F("free"))
            .values_list("pk", flat=True)
        )
        condition |= Q(pk__in=rows)
    return condition


# Upper bound on lock rounds; each round that locks nothing re-reads a fresh snapshot.
_ALLOCATION_ROUNDS = 20


@transaction.atomic
def allocate_fefo(
    *,
    requests: Sequence[AllocationRequest],
    user,
    source: Source,
    warehouse=None,
) -> list[AllocationRequest]:
    """Reserve every request first-expiry-first-out, or nothing at all.

    Skips stopped, expired and too-short-dated lots and stock outside the qualified
    zone. Every line short is reported at once in one `InsufficientStock`.
    """
    for request in requests:
        request.quantity = check_quantity(request.quantity)
    base_expiry = today()
    wanted: dict[tuple[int, datetime.date], int] = defaultdict(int)
    for request in requests:
        floor = max(base_expiry, request.min_expiry or base_expiry)
        wanted[(request.product.pk, floor)] += request.quantity

    locked: dict[int, StockBalance] = {}
    # A concurrent transaction may take stock between the unlocked selection and the
    # lock. PostgreSQL then re-checks each waited-for row and drops one that has no free
    # stock left, so a round can lock fewer rows than it chose, or none at all; the next
    # round (a new statement, so a fresh snapshot) picks further rows. The search ends
    # when everything is covered or no candidate is left even without locking.
    for _round in range(_ALLOCATION_ROUNDS):
        remaining = _remaining(wanted, locked)
        if not remaining:
            break
        candidates = sellable_balances(warehouse=warehouse).filter(
            _fefo_candidates(remaining, warehouse, exclude=locked)
        )
        rows = list(candidates.select_related("lot").select_for_update(of=("self",)).order_by("pk"))
        if not rows and not candidates.exists():
            break
        for balance in rows:
            locked[balance.pk] = balance

    ordered = sorted(locked.values(), key=lambda b: (b.lot.expiry_date, b.lot_id, b.pk))
    taken: dict[int, int] = defaultdict(int)
    shortfalls: list[Shortfall] = []
    plan: list[tuple[AllocationRequest, StockBalance, int]] = []
    for request in requests:
        floor = max(base_expiry, request.min_expiry or base_expiry)
        need = request.quantity
        for balance in ordered:
            if need == 0:
                break
            if balance.product_id != request.product.pk or balance.lot.expiry_date < floor:
                continue
            free = balance.on_hand - balance.reserved - taken[balance.pk]
            if free <= 0:
                continue
            use = min(free, need)
            taken[balance.pk] += use
            plan.append((request, balance, use))
            need -= use
        if need:
            shortfalls.append(Shortfall(request.product, request.quantity, request.quantity - need))
    if shortfalls:
        raise InsufficientStock(shortfalls)

    for balance_pk, quantity in taken.items():
        locked[balance_pk].reserved += quantity
    _add_reserved(taken)
    reservations = StockReservation.objects.bulk_create(
        [
            StockReservation(
                balance=balance,
                quantity=quantity,
                source_type=source.type,
                source_id=source.id,
                source_line_id=request.line_id,
                user=user,
            )
            for request, balance, quantity in plan
        ]
    )
    for (request, _balance, _quantity), reservation in zip(plan, reservations, strict=True):
        request.reservations.append(reservation)
    return list(requests)


def _add_reserved(quantities: dict[int, int]) -> None:
    """Raise `reserved` of locked balances in one statement (bulk_update's CASE per row
    cost more in query building than the whole allocation spent in the database)."""
    if not quantities:
        return
    table = StockBalance._meta.db_table
    values = ", ".join(["(%s, %s)"] * len(quantities))
    params = [value for pair in quantities.items() for value in pair]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS b SET reserved = b.reserved + v.quantity "
            f"FROM (VALUES {values}) AS v(id, quantity) WHERE b.id = v.id",
            params,
        )


def _remaining(
    wanted: dict[tuple[int, datetime.date], int], locked: dict[int, StockBalance]
) -> dict[tuple[int, datetime.date], int]:
    """What is still uncovered by the rows locked so far (per product and expiry floor)."""
    remaining = {}
    for (product_id, floor), quantity in wanted.items():
        covered = sum(
            b.on_hand - b.reserved
            for b in locked.values()
            if b.product_id == product_id and b.lot.expiry_date >= floor
        )
        if covered < quantity:
            remaining[(product_id, floor)] = quantity - covered
    return remaining


# ---------------------------------------------------------------------------- lots


def lot_get_or_create(
    *,
    product: Product,
    batch_number: str,
    expiry_date: datetime.date,
    production_date: datetime.date | None = None,
    serial_number: str = "",
    udi: str = "",
) -> Lot:
    """The lot of this product and batch (and serial); its dates must agree if it exists."""
    batch_number = (batch_number or "").strip()
    serial_number = (serial_number or "").strip()
    if product.is_serialised and not serial_number:
        raise StockError(
            _("%(product)s is tracked by serial number; enter the serial number.")
            % {"product": product},
            field="serial_number",
        )
    lot = Lot.objects.filter(
        product=product, batch_number=batch_number, serial_number=serial_number
    ).first()
    if lot is not None:
        if lot.expiry_date != expiry_date or (
            production_date and lot.production_date and lot.production_date != production_date
        ):
            raise StockError(
                _(
                    "Batch %(batch)s of %(product)s is already on file with expiry %(expiry)s; "
                    "the dates entered differ."
                )
                % {"batch": batch_number, "product": product, "expiry": lot.expiry_date},
                field="expiry_date",
            )
        return lot
    lot = Lot(
        product=product,
        batch_number=batch_number,
        serial_number=serial_number,
        production_date=production_date,
        expiry_date=expiry_date,
        udi=udi,
    )
    lot.full_clean()
    try:
        with transaction.atomic():
            lot.save()
    except IntegrityError:
        return Lot.objects.get(
            product=product, batch_number=batch_number, serial_number=serial_number
        )
    return lot
