"""Factories for warehouses, locations and lots, plus helpers to put stock on a shelf."""

import datetime
import itertools

import factory

from apps.catalog.models import StorageCondition
from apps.catalog.tests.factories import ProductFactory
from apps.core.models import today
from apps.core.tests.factories import CleanFactory
from apps.inventory.models import Location, Lot, MoveType, Warehouse, Zone
from apps.inventory.services import Source, stock_receive

_keys = itertools.count(1)


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warehouse
        django_get_or_create = ("code",)

    code = "WH1"
    name = "上海浦东仓"


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location
        django_get_or_create = ("warehouse", "code")

    warehouse = factory.SubFactory(WarehouseFactory)
    code = factory.Sequence(lambda n: f"L{n:03d}")
    zone = Zone.QUALIFIED
    storage_condition = StorageCondition.AMBIENT


class LotFactory(CleanFactory):
    class Meta:
        model = Lot

    product = factory.SubFactory(ProductFactory)
    batch_number = factory.Sequence(lambda n: f"B{n:06d}")
    production_date = factory.LazyFunction(lambda: today() - datetime.timedelta(days=100))
    expiry_date = factory.LazyFunction(lambda: today() + datetime.timedelta(days=400))


def put_stock(lot: Lot, location: Location, quantity: int, *, user=None, unit_cost=None):
    """Book opening stock of a lot into any location (tests only; no zone rules apply
    beyond those of an opening balance)."""
    return stock_receive(
        lot=lot,
        location=location,
        quantity=quantity,
        user=user,
        source=Source("test.opening"),
        key=f"test-opening-{next(_keys)}-{lot.pk}-{location.pk}",
        unit_cost=unit_cost,
        move_type=MoveType.OPENING,
    )
