"""Each job finds exactly the right subjects, in a number of queries that does not grow
with the number of lots."""

from __future__ import annotations

import datetime
import sys
import types
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.catalog.tests.factories import ManufacturerLicenceFactory, ProductFactory
from apps.core.models import CompanyLicence, LicenceType, today
from apps.core.tests.factories import make_uscc
from apps.customers.tests.factories import CustomerFactory, CustomerLicenceFactory
from apps.gsp_records.alerts import jobs, services
from apps.gsp_records.alerts.models import Alert, AlertJob, JobRun, RunStatus, Severity
from apps.inventory.models import Zone
from apps.inventory.tests.factories import LocationFactory, LotFactory, WarehouseFactory, put_stock
from apps.suppliers.tests.factories import SalesRepFactory, SupplierFactory, SupplierLicenceFactory

from .world import days_from_today, expiry_world, moved_at

pytestmark = pytest.mark.django_db


def keys(result) -> set[str]:
    return {finding.subject_key for finding in result.findings}


def by_key(result) -> dict:
    return {finding.subject_key: finding for finding in result.findings}


def count_queries(work) -> int:
    work()  # warm up (company settings cache)
    with CaptureQueriesContext(connection) as ctx:
        work()
    return len(ctx.captured_queries)


# ------------------------------------------------------------------------ expiry


def test_expiry_digest_reports_yellow_red_black_per_warehouse_with_quantity_and_amount():
    world = expiry_world(lots_per_band=2)
    other = WarehouseFactory(code="WH2", name="北京仓")
    returns = LocationFactory(warehouse=other, code="R01", zone=Zone.RETURNS)
    put_stock(
        LotFactory(expiry_date=days_from_today(-1), production_date=days_from_today(-400)),
        returns,
        3,
    )

    result = jobs.expiry_digest(today())

    wh1, wh2 = world["warehouse"].pk, other.pk
    assert keys(result) == {
        f"warehouse:{wh1}:black",
        f"warehouse:{wh1}:red",
        f"warehouse:{wh1}:yellow",
        f"warehouse:{wh2}:black",
    }
    found = by_key(result)
    red = found[f"warehouse:{wh1}:red"]
    # Two lots of 10 units at 12.50: quantity 20, amount 250.00.
    assert "20" in red.message and "250.00" in red.message
    assert red.severity == Severity.DANGER
    assert found[f"warehouse:{wh1}:yellow"].severity == Severity.WARNING
    # The expired lot already in the nonconforming zone is not counted: 2 lots, 20 units.
    black = found[f"warehouse:{wh1}:black"]
    assert "20" in black.message and "250.00" in black.message
    assert f"warehouse={wh1}" in black.link and "band=black" in black.link


def test_expiry_digest_query_count_does_not_grow_with_lots():
    expiry_world(lots_per_band=1)
    few = count_queries(lambda: jobs.expiry_digest(today()))
    expiry_world(lots_per_band=4)
    many = count_queries(lambda: jobs.expiry_digest(today()))
    assert many == few <= 3


# ---------------------------------------------------------------------- licences


def licence_world():
    day = today()
    supplier = SupplierFactory()
    soon = SupplierLicenceFactory(
        supplier=supplier,
        licence_type=LicenceType.DEVICE_OPERATING,
        valid_until=day + datetime.timedelta(days=20),
    )
    later = SupplierLicenceFactory(
        supplier=supplier,
        licence_type=LicenceType.DEVICE_FILING,
        valid_until=day + datetime.timedelta(days=50),
    )
    SupplierLicenceFactory(
        supplier=supplier,
        licence_type=LicenceType.DRUG_OPERATING,
        valid_until=day + datetime.timedelta(days=61),
    )  # beyond 60 days: nothing
    # An expired licence renewed by a newer one of the same type: nothing.
    renewed = SupplierFactory()
    old = SupplierLicenceFactory(
        supplier=renewed,
        licence_type=LicenceType.DEVICE_OPERATING,
        issued_on=day - datetime.timedelta(days=900),
        valid_until=day - datetime.timedelta(days=3),
    )
    SupplierLicence = type(old)
    SupplierLicence.objects.create(
        supplier=renewed,
        licence_type=LicenceType.DEVICE_OPERATING,
        number="沪药监械经营许20249999号",
        holder=renewed.name,
        issued_on=day - datetime.timedelta(days=10),
        valid_until=day + datetime.timedelta(days=1800),
    )
    # An inactive supplier's expired licence: nothing.
    gone = SupplierFactory(is_active=False)
    SupplierLicenceFactory(
        supplier=gone,
        licence_type=LicenceType.DEVICE_OPERATING,
        valid_until=day - datetime.timedelta(days=3),
    )
    customer = CustomerFactory()
    expired = CustomerLicenceFactory(
        customer=customer,
        licence_type=LicenceType.MEDICAL_INSTITUTION,
        number="PDY12345678901",
        valid_until=day - datetime.timedelta(days=1),
    )
    maker_licence = ManufacturerLicenceFactory(valid_until=day + datetime.timedelta(days=5))
    rep = SalesRepFactory(supplier=supplier, valid_until=day)
    product = ProductFactory(registration_valid_until=day + datetime.timedelta(days=45))
    ProductFactory()  # registration valid for three years
    company = CompanyLicence.objects.create(
        licence_type=LicenceType.DEVICE_OPERATING,
        number="沪药监械经营许20190001号",
        holder="上海示例医疗器械有限公司",
        issued_on=day - datetime.timedelta(days=1000),
        valid_until=day + datetime.timedelta(days=30),
        scope_classes=[3],
    )
    CompanyLicence.objects.create(
        licence_type=LicenceType.BUSINESS,
        number=make_uscc(1),
        holder="上海示例医疗器械有限公司",
        issued_on=day - datetime.timedelta(days=1000),
        valid_until=None,
    )
    return {
        "soon": soon,
        "later": later,
        "expired": expired,
        "maker": maker_licence,
        "rep": rep,
        "product": product,
        "company": company,
        "old": old,
    }


def test_licence_job_finds_expired_and_expiring_documents_not_renewed_ones():
    world = licence_world()
    result = jobs.licence_expiries(today())
    assert keys(result) == {
        f"suppliers.supplierlicence:{world['soon'].pk}",
        f"suppliers.supplierlicence:{world['later'].pk}",
        f"customers.customerlicence:{world['expired'].pk}",
        f"catalog.manufacturerlicence:{world['maker'].pk}",
        f"suppliers.salesrepauthorisation:{world['rep'].pk}",
        f"catalog.product:{world['product'].pk}",
        f"core.companylicence:{world['company'].pk}",
    }
    found = by_key(result)
    assert found[f"customers.customerlicence:{world['expired'].pk}"].severity == Severity.DANGER
    assert found[f"suppliers.supplierlicence:{world['soon'].pk}"].severity == Severity.WARNING
    assert found[f"suppliers.supplierlicence:{world['later'].pk}"].severity == Severity.INFO
    # 30 days exactly is still "within 30 days"; the rep's last valid day is today.
    assert found[f"core.companylicence:{world['company'].pk}"].severity == Severity.WARNING
    assert found[f"suppliers.salesrepauthorisation:{world['rep'].pk}"].severity == Severity.WARNING
    assert world["soon"].number in found[f"suppliers.supplierlicence:{world['soon'].pk}"].message
    assert found[f"catalog.product:{world['product'].pk}"].link.endswith(f"/{world['product'].pk}/")


def test_licence_job_query_count_is_fixed():
    licence_world()
    few = count_queries(lambda: jobs.licence_expiries(today()))
    licence_world()
    licence_world()
    assert count_queries(lambda: jobs.licence_expiries(today())) == few <= 6


# ----------------------------------------------------------------------- min/max


def test_minmax_job_compares_qualified_stock_with_the_product_limits():
    warehouse = WarehouseFactory()
    shelf = LocationFactory(warehouse=warehouse, code="Q01", zone=Zone.QUALIFIED)
    bad = LocationFactory(warehouse=warehouse, code="N01", zone=Zone.NONCONFORMING)
    low = ProductFactory(min_stock=100)
    high = ProductFactory(max_stock=10)
    fine = ProductFactory(min_stock=10, max_stock=100)
    empty = ProductFactory(min_stock=5)
    ProductFactory()  # no limits
    put_stock(LotFactory(product=low), shelf, 50)
    put_stock(LotFactory(product=low), bad, 500)  # nonconforming stock does not count
    put_stock(LotFactory(product=high), shelf, 50)
    put_stock(LotFactory(product=fine), shelf, 50)

    result = jobs.minmax_stock(today())

    assert keys(result) == {
        f"product:{low.pk}:below",
        f"product:{high.pk}:above",
        f"product:{empty.pk}:below",
    }
    found = by_key(result)
    assert found[f"product:{empty.pk}:below"].severity == Severity.DANGER
    assert found[f"product:{low.pk}:below"].severity == Severity.WARNING
    assert "50" in found[f"product:{low.pk}:below"].message


# ----------------------------------------------------------------- nonconforming


def test_nonconforming_job_finds_stock_waiting_more_than_six_months():
    from apps.inventory.selectors import day_start

    warehouse = WarehouseFactory()
    bad = LocationFactory(warehouse=warehouse, code="N01", zone=Zone.NONCONFORMING)
    shelf = LocationFactory(warehouse=warehouse, code="Q01", zone=Zone.QUALIFIED)
    old_lot, recent_lot, refilled_lot, good_lot, boundary = (LotFactory() for _n in range(5))
    with moved_at(day_start(days_from_today(-200))):
        put_stock(old_lot, bad, 3)
        put_stock(refilled_lot, bad, 3)
        put_stock(good_lot, shelf, 3)  # old, but not nonconforming
    with moved_at(day_start(days_from_today(-100))):
        put_stock(recent_lot, bad, 3)
        put_stock(refilled_lot, bad, 2)  # the last arrival counts
    with moved_at(day_start(days_from_today(-184))):
        put_stock(boundary, bad, 1)

    result = jobs.nonconforming_stock(today())

    balances = {b.lot_id: b.pk for b in bad.balances.all()}
    assert keys(result) == {f"balance:{balances[old_lot.pk]}", f"balance:{balances[boundary.pk]}"}
    assert old_lot.batch_number in by_key(result)[f"balance:{balances[old_lot.pk]}"].message


def test_nonconforming_job_query_count_is_fixed():
    from apps.inventory.selectors import day_start

    bad = LocationFactory(warehouse=WarehouseFactory(), code="N01", zone=Zone.NONCONFORMING)

    def add(n):
        lots = [LotFactory() for _n in range(n)]
        with moved_at(day_start(days_from_today(-200))):
            for lot in lots:
                put_stock(lot, bad, 1)

    add(1)
    few = count_queries(lambda: jobs.nonconforming_stock(today()))
    add(5)
    assert count_queries(lambda: jobs.nonconforming_stock(today())) == few == 1


# ------------------------------------------------------------------- temperature


def fake_storage(monkeypatch, gaps=(), out_of_range=()):
    module = types.ModuleType(jobs.STORAGE_SELECTORS)
    seen = []

    def temperature_gaps(on_date):
        seen.append(on_date)
        return list(gaps)

    def temperature_out_of_range(on_date):
        seen.append(on_date)
        return list(out_of_range)

    module.temperature_gaps = temperature_gaps
    module.temperature_out_of_range = temperature_out_of_range
    monkeypatch.setitem(sys.modules, jobs.STORAGE_SELECTORS, module)
    return seen


def test_temperature_job_reports_gaps_and_out_of_range_values_of_the_day_before(monkeypatch):
    # A fake of the storage selectors with their shapes: (location, missing half-days)
    # and logs; the real ones are used in the next test.
    shelf = LocationFactory(warehouse=WarehouseFactory(), code="Q01", zone=Zone.QUALIFIED)
    log = types.SimpleNamespace(
        location=shelf,
        location_id=shelf.pk,
        number="WSD-1",
        out_of_range_text=lambda: "31.5 (0–30)",
        get_absolute_url=lambda: "/gsp/storage/logs/1/",
    )
    seen = fake_storage(monkeypatch, gaps=[(shelf, ["am", "pm"])], out_of_range=[log])
    result = jobs.temperature_records(today())
    assert seen == [today() - datetime.timedelta(days=1)] * 2
    found = by_key(result)
    assert set(found) == {f"gap:{shelf.pk}", f"range:{shelf.pk}"}
    assert found[f"gap:{shelf.pk}"].severity == Severity.WARNING
    assert found[f"range:{shelf.pk}"].severity == Severity.DANGER
    assert "31.5" in found[f"range:{shelf.pk}"].message
    assert found[f"range:{shelf.pk}"].link == "/gsp/storage/logs/1/"


def test_temperature_job_with_the_storage_records():
    """Against the real selectors of apps.gsp_records.storage (another part's code)."""
    storage = pytest.importorskip("apps.gsp_records.storage.tests.factories")
    from apps.core.tests.factories import user_with_role

    keeper = user_with_role("keeper")
    yesterday = today() - datetime.timedelta(days=1)
    complete = storage.location(code="A01")
    hot = storage.location(code="A02")
    storage.location(code="A03")  # no log at all
    half = storage.location(code="A04")
    storage.temperature_log(keeper, complete, day=yesterday)
    storage.temperature_log(keeper, hot, day=yesterday, pm_temperature=Decimal("33.0"))
    storage.temperature_log(keeper, half, day=yesterday, pm_temperature=None, pm_humidity=None)
    storage.temperature_log(keeper, complete, day=today(), am_temperature=Decimal("40.0"))

    result = jobs.temperature_records(today())

    a03 = type(complete).objects.get(code="A03")
    assert keys(result) == {f"gap:{a03.pk}", f"gap:{half.pk}", f"range:{hot.pk}"}
    assert "33.0" in by_key(result)[f"range:{hot.pk}"].message


def test_temperature_job_is_not_available_without_the_storage_records(monkeypatch):
    monkeypatch.setattr(jobs, "STORAGE_SELECTORS", "apps.gsp_records.alerts.no_such_module")
    services.ensure_jobs()
    job = AlertJob.objects.get(code="temperature")
    Alert.objects.create(
        kind="temperature",
        subject_key="gap:1",
        severity=Severity.WARNING,
        message="old",
        first_seen=today(),
        last_seen=today(),
    )
    run = services.run_job(job, today())
    assert run.status == RunStatus.UNAVAILABLE
    assert "not available" in run.note.lower() or run.note
    # Nothing was checked, so the open alert is not resolved.
    assert Alert.objects.get(subject_key="gap:1").resolved_at is None


def test_a_failing_job_is_recorded_and_does_not_stop_the_others(monkeypatch):
    def broken(run_date):
        raise RuntimeError("boom")

    monkeypatch.setitem(jobs.JOBS, "minmax", broken)
    monkeypatch.setitem(services.JOBS, "minmax", broken)
    expiry_world()
    runs = {run.job.code: run for run in services.run_jobs(today())}
    assert runs["minmax"].status == RunStatus.FAILED and "boom" in runs["minmax"].note
    assert runs["expiry"].status == RunStatus.DONE and runs["expiry"].findings == 3
    assert JobRun.objects.filter(run_date=today()).count() == 5
