"""Reads of the warehouse GSP records: missing and out-of-range temperature logs (for the
alerts) and the monthly maintenance worklist. Every function runs a fixed number of
queries whatever the number of locations, lots or logs.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from apps.catalog.models import StorageCondition
from apps.inventory.expiry import Thresholds
from apps.inventory.models import Location, StockBalance, Zone

from .models import HalfDay, InspectionLine, TemperatureLog, add_months

# Zones whose stock is saleable or about to be: they are logged twice a day and their
# lots are inspected. Cold-chain locations are logged in any zone (a cold returns or
# nonconforming area still holds product that must be kept cold).
LOGGED_ZONES = (Zone.QUALIFIED, Zone.PENDING)
INSPECTED_ZONES = (Zone.QUALIFIED, Zone.PENDING)


def logged_locations() -> QuerySet[Location]:
    """Active locations that need a temperature and humidity log every day."""
    return Location.objects.filter(is_active=True).filter(
        Q(zone__in=LOGGED_ZONES) | Q(storage_condition=StorageCondition.COLD)
    )


def temperature_gaps(on_date: datetime.date) -> list[tuple[Location, list[str]]]:
    """(location, missing half-days as HalfDay values) for every logged location whose log
    of `on_date` lacks the morning or afternoon reading (temperature and humidity), or
    that has no log at all. Any log of the day counts, draft or signed, original or
    correction. One query."""
    logs = TemperatureLog.objects.filter(location=OuterRef("pk"), record_date=on_date)
    locations = (
        logged_locations()
        .select_related("warehouse")
        .annotate(
            has_am=Exists(logs.filter(am_temperature__isnull=False, am_humidity__isnull=False)),
            has_pm=Exists(logs.filter(pm_temperature__isnull=False, pm_humidity__isnull=False)),
        )
        .filter(Q(has_am=False) | Q(has_pm=False))
        .order_by("warehouse__code", "code")
    )
    gaps = []
    for location in locations:
        missing = [HalfDay.MORNING.value] if not location.has_am else []
        if not location.has_pm:
            missing.append(HalfDay.AFTERNOON.value)
        gaps.append((location, missing))
    return gaps


def current_logs() -> QuerySet[TemperatureLog]:
    """Logs not replaced by a signed correction."""
    replaced = TemperatureLog.objects.filter(corrects=OuterRef("pk"), signed_at__isnull=False)
    return TemperatureLog.objects.exclude(Exists(replaced))


def temperature_out_of_range(on_date: datetime.date) -> list[TemperatureLog]:
    """The logs of `on_date` with a reading out of range (drafts included: the reading was
    taken), except those replaced by a signed correction. One query."""
    return list(
        current_logs()
        .filter(record_date=on_date, out_of_range=True)
        .select_related("location__warehouse", "author", "signed_by")
        .order_by("location__warehouse__code", "location__code")
    )


# ---------------------------------------------------------------------------- worklist


@dataclass(frozen=True)
class WorklistPeriod:
    month_start: datetime.date
    month_end: datetime.date
    monthly_since: datetime.date  # a monthly lot inspected on or after this is not due
    quarterly_since: datetime.date  # likewise for the others
    near_expiry_until: datetime.date  # expiring on or before this: inspected monthly


def worklist_period(month: datetime.date, thresholds: Thresholds | None = None) -> WorklistPeriod:
    start = month.replace(day=1)
    end = start.replace(day=calendar.monthrange(start.year, start.month)[1])
    thresholds = thresholds or Thresholds.current()
    return WorklistPeriod(
        month_start=start,
        month_end=end,
        monthly_since=start,
        quarterly_since=add_months(start, -2),
        near_expiry_until=end + datetime.timedelta(days=thresholds.yellow_days),
    )


def inspection_worklist(
    month: datetime.date, *, warehouse=None, thresholds: Thresholds | None = None
) -> QuerySet[StockBalance]:
    """Stock balances (lot and location) due for a maintenance inspection in `month`.

    The rule (also printed on the worklist page): a lot with stock in a qualified or
    pending location is inspected monthly when it is cold-chain, implantable, or near
    expiry (yellow or red, or expired, by the end of the month), and quarterly otherwise.
    It is due in the month unless a signed inspection line of the lot (any location) is
    dated on or after the 1st of the month (monthly) or the 1st of the month two months
    before (quarterly: inspected in January, due again in April).

    One query (plus the company settings when no thresholds are given); annotations:
    `last_inspected` (date or None) and `monthly` (bool).
    """
    period = worklist_period(month, thresholds)
    last = (
        InspectionLine.objects.filter(lot=OuterRef("lot_id"), inspection__signed_at__isnull=False)
        .order_by("-inspection__record_date")
        .values("inspection__record_date")[:1]
    )
    monthly_q = (
        Q(product__storage_condition=StorageCondition.COLD)
        | Q(product__is_implantable=True)
        | Q(expiry_date__lte=period.near_expiry_until)
    )
    balances = StockBalance.objects.filter(
        on_hand__gt=0, location__zone__in=INSPECTED_ZONES, location__is_active=True
    )
    if warehouse is not None:
        balances = balances.filter(location__warehouse=warehouse)
    return (
        balances.annotate(
            last_inspected=Subquery(last),
            monthly=Case(
                When(monthly_q, then=Value(True)), default=Value(False), output_field=BooleanField()
            ),
        )
        .filter(
            Q(last_inspected__isnull=True)
            | Q(monthly=True, last_inspected__lt=period.monthly_since)
            | Q(monthly=False, last_inspected__lt=period.quarterly_since)
        )
        .select_related("lot__product__manufacturer", "location__warehouse")
        .order_by("location__warehouse__code", "location__code", "expiry_date", "lot_id")
    )
