"""The national price in force on a date, and the history kept when a product's price is
edited directly (DESIGN.md 8)."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError

from apps.catalog.services import product_update
from apps.core.models import today
from apps.pricing.models import NationalPrice
from apps.pricing.selectors import national_price_on, national_prices_on

from .factories import NationalPriceFactory, ProductFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def product_with_history():
    """Created today at 12.50 (its baseline row), with 10.00 from D1 and 11.00 from D2."""
    product = ProductFactory(national_wholesale_price=Decimal("12.50"))
    d1, d2 = today() - 60 * DAY, today() - 30 * DAY
    NationalPriceFactory(product=product, price=Decimal("10.00"), effective_from=d1)
    NationalPriceFactory(product=product, price=Decimal("11.00"), effective_from=d2)
    return product, d1, d2


def test_a_new_product_starts_its_history_today():
    product = ProductFactory(national_wholesale_price=Decimal("9.90"))
    rows = list(
        NationalPrice.objects.filter(product=product).values_list("price", "effective_from")
    )
    assert rows == [(Decimal("9.90"), today())]


def test_price_in_force_before_on_and_after_each_row(product_with_history):
    product, d1, d2 = product_with_history
    # Before the first row: the product's own price.
    assert national_price_on(product=product, on_date=d1 - DAY) == Decimal("12.50")
    assert national_price_on(product=product, on_date=d1) == Decimal("10.00")
    assert national_price_on(product=product, on_date=d2 - DAY) == Decimal("10.00")
    assert national_price_on(product=product, on_date=d2) == Decimal("11.00")
    assert national_price_on(product=product, on_date=today() - DAY) == Decimal("11.00")
    assert national_price_on(product=product, on_date=today()) == Decimal("12.50")
    assert national_price_on(product=product, on_date=today() + 400 * DAY) == Decimal("12.50")


def test_voided_rows_are_not_in_force(product_with_history):
    product, d1, d2 = product_with_history
    NationalPrice.objects.filter(product=product, effective_from=d2).update(voided=True)
    assert national_price_on(product=product, on_date=d2) == Decimal("10.00")


def test_many_products_in_one_query(product_with_history, django_assert_num_queries):
    product, d1, d2 = product_with_history
    other = ProductFactory(national_wholesale_price=Decimal("7.00"))
    with django_assert_num_queries(1):
        prices = national_prices_on(product_ids=[product.pk, other.pk, 999999], on_date=d2)
    # `other` has no row before today: its own price.
    assert prices == {product.pk: Decimal("11.00"), other.pk: Decimal("7.00")}
    assert national_prices_on(product_ids=[], on_date=d2) == {}


def test_one_active_price_per_product_and_day_is_a_database_rule(product_with_history):
    product, d1, _d2 = product_with_history
    with pytest.raises(IntegrityError):
        NationalPrice.objects.create(product=product, price=Decimal("1.00"), effective_from=d1)


def test_a_voided_row_may_share_its_day(product_with_history):
    product, d1, _d2 = product_with_history
    NationalPrice.objects.create(
        product=product, price=Decimal("1.00"), effective_from=d1, voided=True
    )
    assert national_price_on(product=product, on_date=d1) == Decimal("10.00")


def test_direct_edit_of_the_product_writes_a_row_effective_today(product_with_history):
    product, _d1, d2 = product_with_history
    product.national_wholesale_price = Decimal("13.00")
    product_update(product=product)
    assert national_price_on(product=product, on_date=today()) == Decimal("13.00")
    # The past is untouched and the replaced baseline of today is kept, voided.
    assert national_price_on(product=product, on_date=d2) == Decimal("11.00")
    today_rows = NationalPrice.objects.filter(product=product, effective_from=today())
    assert sorted((r.price, r.voided, r.notice_id) for r in today_rows) == [
        (Decimal("12.50"), True, None),
        (Decimal("13.00"), False, None),
    ]


def test_saving_a_product_without_a_price_change_writes_nothing(product_with_history):
    product, _d1, _d2 = product_with_history
    before = NationalPrice.objects.count()
    product.name = "新名称"
    product_update(product=product)
    assert NationalPrice.objects.count() == before


def test_a_product_without_history_keeps_its_old_price_for_the_past():
    """A product bulk-created without history (legacy data) gets its old price from its
    creation day and the new one from today when its price is first edited."""
    product = ProductFactory(national_wholesale_price=Decimal("5.00"))
    NationalPrice.objects.filter(product=product).delete()
    created = today() - 100 * DAY
    type(product).objects.filter(pk=product.pk).update(
        created_at=datetime.datetime.combine(created, datetime.time(12), tzinfo=datetime.UTC)
    )
    product.refresh_from_db()
    product.national_wholesale_price = Decimal("6.00")
    product_update(product=product)
    assert national_price_on(product=product, on_date=created) == Decimal("5.00")
    assert national_price_on(product=product, on_date=today() - DAY) == Decimal("5.00")
    assert national_price_on(product=product, on_date=today()) == Decimal("6.00")


def test_the_data_migration_gives_existing_products_a_baseline():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("apps.pricing.migrations.0002_national_price_baseline")
    with_history = ProductFactory(national_wholesale_price=Decimal("3.00"))
    legacy = ProductFactory(national_wholesale_price=Decimal("4.00"))
    NationalPrice.objects.filter(product=legacy).delete()
    migration.baseline(apps, None)
    assert list(
        NationalPrice.objects.filter(product=legacy).values_list("price", "effective_from")
    ) == [(Decimal("4.00"), today())]
    assert NationalPrice.objects.filter(product=with_history).count() == 1
