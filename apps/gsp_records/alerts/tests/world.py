"""A small world for the alert tests: users with email addresses, stock in each band."""

from __future__ import annotations

import contextlib
import datetime
from unittest import mock

from django.utils import timezone

from apps.core.models import today
from apps.core.tests.factories import user_with_role
from apps.inventory.models import Zone
from apps.inventory.tests.factories import LocationFactory, LotFactory, WarehouseFactory, put_stock


def staff(role: str, username: str | None = None, email: str | None = "auto"):
    user = user_with_role(role, username)
    user.email = f"{user.username}@example.com" if email == "auto" else (email or "")
    user.save(update_fields=["email"])
    return user


@contextlib.contextmanager
def moved_at(when: datetime.datetime):
    """Stock moves booked inside get `when` as their time (the ledger is append-only)."""
    with mock.patch("apps.inventory.services.timezone.now", return_value=when):
        yield


def days_from_today(days: int) -> datetime.date:
    return today() + datetime.timedelta(days=days)


def expiry_world(lots_per_band: int = 1):
    """WH1 with a qualified and a nonconforming location; per band (black, red, yellow,
    green) `lots_per_band` lots of 10 units at the product's national price 12.50, plus an
    expired lot in the nonconforming zone (left to the nonconforming job)."""
    warehouse = WarehouseFactory(code="WH1", name="上海浦东仓")
    shelf = LocationFactory(warehouse=warehouse, code="Q01", zone=Zone.QUALIFIED)
    bad = LocationFactory(warehouse=warehouse, code="N01", zone=Zone.NONCONFORMING)
    lots = {}
    for band, days in (("black", -5), ("red", 10), ("yellow", 60), ("green", 400)):
        lots[band] = []
        for _n in range(lots_per_band):
            lot = LotFactory(
                expiry_date=days_from_today(days),
                production_date=days_from_today(days - 700),
            )
            if days < 0:
                # An expired lot cannot enter the qualified zone: it came in while valid.
                with moved_at(timezone.now() + datetime.timedelta(days=days - 10)):
                    put_stock(lot, shelf, 10)
            else:
                put_stock(lot, shelf, 10)
            lots[band].append(lot)
    stale = LotFactory(expiry_date=days_from_today(-30), production_date=days_from_today(-700))
    put_stock(stale, bad, 4)
    return {"warehouse": warehouse, "shelf": shelf, "bad": bad, "lots": lots, "stale": stale}


def local_time(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))
