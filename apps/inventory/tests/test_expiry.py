"""Expiry colour bands (DESIGN.md 4.6): the Python function and the SQL CASE / Q agree at
every boundary, read the company thresholds, and use today's date in Asia/Shanghai."""

import datetime

import pytest
from django.utils import timezone

from apps.core.models import CompanySettings, today
from apps.inventory.expiry import Band, Thresholds, band_annotation, band_for, band_q
from apps.inventory.models import Lot

from .factories import LotFactory

pytestmark = pytest.mark.django_db

DEFAULT_CASES = [
    (91, Band.GREEN),
    (90, Band.YELLOW),
    (31, Band.YELLOW),
    (30, Band.RED),
    (0, Band.RED),
    (-1, Band.BLACK),
]


def lots_expiring_in(days_list, on_date):
    """One lot per days-left value, keyed by days left (production date kept before)."""
    lots = {}
    for days in days_list:
        expiry = on_date + datetime.timedelta(days=days)
        lots[days] = LotFactory(
            expiry_date=expiry, production_date=expiry - datetime.timedelta(days=700)
        )
    return lots


def sql_bands(lots, **kwargs):
    """band_annotation evaluated by PostgreSQL for each lot pk."""
    return dict(
        Lot.objects.filter(pk__in=[lot.pk for lot in lots])
        .annotate(band=band_annotation(**kwargs))
        .values_list("pk", "band")
    )


def q_members(band, lots, **kwargs):
    return set(
        Lot.objects.filter(pk__in=[lot.pk for lot in lots])
        .filter(band_q(band, **kwargs))
        .values_list("pk", flat=True)
    )


@pytest.mark.parametrize(("days", "band"), DEFAULT_CASES)
def test_band_for_boundaries_with_default_thresholds(days, band):
    on_date = today()
    assert band_for(on_date + datetime.timedelta(days=days), on_date=on_date) == band


def test_sql_case_and_q_agree_with_band_for_on_real_rows():
    on_date = today()
    lots = lots_expiring_in([d for d, _band in DEFAULT_CASES], on_date)
    by_sql = sql_bands(lots.values())
    for days, expected in DEFAULT_CASES:
        lot = lots[days]
        assert band_for(lot.expiry_date) == expected, days
        assert by_sql[lot.pk] == expected.value, days
    for band in Band:
        expected_pks = {lots[d].pk for d, b in DEFAULT_CASES if b == band}
        assert q_members(band, lots.values()) == expected_pks, band


def test_prefixed_q_and_case_reach_the_lot_from_another_model():
    from apps.inventory.models import StockBalance

    from .factories import LocationFactory, put_stock

    on_date = today()
    lots = lots_expiring_in([30, 31], on_date)
    location = LocationFactory()
    for lot in lots.values():
        put_stock(lot, location, 1)
    rows = dict(
        StockBalance.objects.annotate(band=band_annotation(prefix="lot__")).values_list(
            "lot_id", "band"
        )
    )
    assert rows == {lots[30].pk: "red", lots[31].pk: "yellow"}
    assert list(
        StockBalance.objects.filter(band_q(Band.RED, prefix="lot__")).values_list(
            "lot_id", flat=True
        )
    ) == [lots[30].pk]


def test_thresholds_come_from_company_settings():
    company = CompanySettings.load()
    company.expiry_yellow_days = 60
    company.expiry_red_days = 10
    company.save()
    assert Thresholds.current() == Thresholds(yellow_days=60, red_days=10)
    cases = [
        (61, Band.GREEN),
        (60, Band.YELLOW),
        (11, Band.YELLOW),
        (10, Band.RED),
        (0, Band.RED),
        (-1, Band.BLACK),
        # 90 and 30 days left are no longer yellow and red.
        (90, Band.GREEN),
        (30, Band.YELLOW),
    ]
    on_date = today()
    lots = lots_expiring_in([d for d, _band in cases], on_date)
    by_sql = sql_bands(lots.values())
    for days, expected in cases:
        lot = lots[days]
        assert band_for(lot.expiry_date) == expected, days
        assert by_sql[lot.pk] == expected.value, days
    for band in Band:
        assert q_members(band, lots.values()) == {lots[d].pk for d, b in cases if b == band}, band


def test_explicit_thresholds_override_the_settings():
    on_date = today()
    custom = Thresholds(yellow_days=180, red_days=60)
    assert band_for(on_date + datetime.timedelta(days=100), thresholds=custom) == Band.YELLOW
    assert band_for(on_date + datetime.timedelta(days=60), thresholds=custom) == Band.RED
    lots = lots_expiring_in([100, 60, 181], on_date)
    by_sql = sql_bands(lots.values(), thresholds=custom)
    assert by_sql == {lots[100].pk: "yellow", lots[60].pk: "red", lots[181].pk: "green"}


@pytest.fixture
def shanghai_morning(monkeypatch):
    """2026-03-01 16:30 UTC, which is already 2026-03-02 00:30 in Shanghai."""
    frozen = datetime.datetime(2026, 3, 1, 16, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: frozen)
    return frozen


def test_today_is_the_shanghai_date_computed_at_call_time(shanghai_morning, monkeypatch):
    assert today() == datetime.date(2026, 3, 2)
    # Expiring on the UTC date: already expired in Shanghai.
    assert band_for(datetime.date(2026, 3, 1)) == Band.BLACK
    assert band_for(datetime.date(2026, 3, 2)) == Band.RED
    # 90 days after the Shanghai date is yellow, 91 green (the UTC date would say otherwise).
    assert band_for(datetime.date(2026, 5, 31)) == Band.YELLOW
    assert band_for(datetime.date(2026, 6, 1)) == Band.GREEN
    # Nothing is captured at import: moving the clock moves the bands.
    later = datetime.datetime(2026, 3, 2, 16, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert band_for(datetime.date(2026, 3, 2)) == Band.BLACK


def test_sql_bands_use_the_shanghai_date(shanghai_morning):
    dates = [datetime.date(2026, 3, 1), datetime.date(2026, 3, 2), datetime.date(2026, 6, 1)]
    lots = [LotFactory(expiry_date=d, production_date=datetime.date(2025, 1, 1)) for d in dates]
    by_sql = sql_bands(lots)
    assert [by_sql[lot.pk] for lot in lots] == ["black", "red", "green"]
    assert q_members(Band.BLACK, lots) == {lots[0].pk}
    assert q_members(Band.RED, lots) == {lots[1].pk}
