"""Expiry colour bands (效期色标, DESIGN.md 4.6), defined once for Python and SQL.

days_left = expiry_date − today (Asia/Shanghai, computed at call time):
green 正常 when days_left > yellow_days (90); yellow 近效期 when red_days (30) <
days_left <= yellow_days; red 临期 when 0 <= days_left <= red_days; black 过期 when
days_left < 0. The printed expiry date itself is still valid (0 days left is red).
The thresholds come from the company settings unless given.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils.translation import gettext_lazy as _

from apps.core.models import CompanySettings, today


class Band(models.TextChoices):
    GREEN = "green", _("Normal")
    YELLOW = "yellow", _("Near expiry")
    RED = "red", _("Imminent expiry")
    BLACK = "black", _("Expired")


# Bootstrap contextual classes for each band (black uses "dark").
BAND_CSS = {Band.GREEN: "success", Band.YELLOW: "warning", Band.RED: "danger", Band.BLACK: "dark"}
BAND_ORDER = (Band.BLACK, Band.RED, Band.YELLOW, Band.GREEN)


@dataclass(frozen=True)
class Thresholds:
    yellow_days: int
    red_days: int

    @classmethod
    def current(cls) -> Thresholds:
        company = CompanySettings.load()
        return cls(yellow_days=company.expiry_yellow_days, red_days=company.expiry_red_days)


def band_for(
    expiry_date: datetime.date,
    *,
    on_date: datetime.date | None = None,
    thresholds: Thresholds | None = None,
) -> Band:
    """The band of a lot expiring on `expiry_date`, as of `on_date` (default: today)."""
    thresholds = thresholds or Thresholds.current()
    days_left = (expiry_date - (on_date or today())).days
    if days_left < 0:
        return Band.BLACK
    if days_left <= thresholds.red_days:
        return Band.RED
    if days_left <= thresholds.yellow_days:
        return Band.YELLOW
    return Band.GREEN


def band_boundaries(
    *, on_date: datetime.date | None = None, thresholds: Thresholds | None = None
) -> dict[Band, Q]:
    """A `Q` on `expiry_date` for each band; the same arithmetic as `band_for`."""
    thresholds = thresholds or Thresholds.current()
    day = on_date or today()
    red_until = day + datetime.timedelta(days=thresholds.red_days)
    yellow_until = day + datetime.timedelta(days=thresholds.yellow_days)
    return {
        Band.BLACK: Q(expiry_date__lt=day),
        Band.RED: Q(expiry_date__gte=day, expiry_date__lte=red_until),
        Band.YELLOW: Q(expiry_date__gt=red_until, expiry_date__lte=yellow_until),
        Band.GREEN: Q(expiry_date__gt=yellow_until),
    }


def _prefixed(q: Q, prefix: str) -> Q:
    if not prefix:
        return q
    return Q(**{f"{prefix}{key}": value for key, value in q.children})


def band_q(
    band: Band | str,
    *,
    prefix: str = "",
    on_date: datetime.date | None = None,
    thresholds: Thresholds | None = None,
) -> Q:
    """Filter for one band; `prefix` reaches the lot from another model ("lot__")."""
    return _prefixed(band_boundaries(on_date=on_date, thresholds=thresholds)[Band(band)], prefix)


def band_annotation(
    *,
    prefix: str = "",
    on_date: datetime.date | None = None,
    thresholds: Thresholds | None = None,
) -> Case:
    """SQL `CASE` giving the band of each row: `.annotate(band=band_annotation())`."""
    bounds = band_boundaries(on_date=on_date, thresholds=thresholds)
    return Case(
        *(When(_prefixed(bounds[band], prefix), then=Value(band.value)) for band in BAND_ORDER),
        output_field=models.CharField(max_length=6),
    )


def not_expired_q(*, prefix: str = "", on_date: datetime.date | None = None) -> Q:
    return Q(**{f"{prefix}expiry_date__gte": on_date or today()})
