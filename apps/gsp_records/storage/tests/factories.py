"""Helpers for the warehouse GSP record tests: records are written through the services,
as the staff pages do."""

from __future__ import annotations

import datetime
from decimal import Decimal

from apps.catalog.models import StorageCondition
from apps.core.models import today
from apps.gsp_records import services
from apps.inventory.models import Zone
from apps.inventory.tests.factories import LocationFactory, LotFactory, put_stock

from ..models import InspectionLine, MaintenanceInspection, TemperatureLog


def location(code="A01", condition=StorageCondition.AMBIENT, zone=Zone.QUALIFIED, **kwargs):
    return LocationFactory(code=code, storage_condition=condition, zone=zone, **kwargs)


def temperature_log(user, loc, *, day=None, sign=False, **readings):
    values = {
        "am_temperature": Decimal("20.0"),
        "am_humidity": Decimal("50.0"),
        "pm_temperature": Decimal("22.0"),
        "pm_humidity": Decimal("55.0"),
    }
    values.update(readings)
    log = services.record_create(
        record=TemperatureLog(location=loc, record_date=day or today(), **values), user=user
    )
    if sign:
        log = services.record_sign(record=log, user=user)
    return log


def stocked_lot(loc, quantity=10, **lot_kwargs):
    lot = LotFactory(**lot_kwargs)
    put_stock(lot, loc, quantity)
    return lot


def inspection(user, lines, *, day=None, sign=False):
    """`lines`: (lot, location) pairs."""
    record = services.record_create(
        record=MaintenanceInspection(record_date=day or today()),
        user=user,
        lines=[
            InspectionLine(lot=lot, location=loc, quantity=1, appearance="外观良好")
            for lot, loc in lines
        ],
        line_fk="inspection",
    )
    if sign:
        record = services.record_sign(record=record, user=user)
    return record


def days_ago(n: int) -> datetime.date:
    return today() - datetime.timedelta(days=n)
