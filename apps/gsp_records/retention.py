"""How long the purchase, acceptance and sales records must be kept (DESIGN.md 9).

At least two years past the product's expiry and never less than five years from the
record's creation; the records of implantable devices are kept forever. The same rule
is written in SQL by `retention_sql()`: the BEFORE DELETE triggers of migration 0002
refuse to delete a row while it is under retention, whatever the interface.

Dates are Asia/Shanghai calendar dates. Adding years to 29 February gives 28 February,
as PostgreSQL's `date + interval 'N years'` does, so Python and SQL agree to the day.
"""

from __future__ import annotations

import datetime

from apps.core.models import today

EXPIRY_YEARS = 2
MINIMUM_YEARS = 5


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year + years, day=28)


def retention_until(product, lot_expiry: datetime.date, created_on: datetime.date):
    """The last day a record must be kept, or None when it is kept forever."""
    if product.is_implantable:
        return None
    return max(add_years(lot_expiry, EXPIRY_YEARS), add_years(created_on, MINIMUM_YEARS))


def under_retention(until: datetime.date | None, on_date: datetime.date | None = None) -> bool:
    return until is None or until >= (on_date or today())
