"""`make bench`: time the hot inventory paths on a realistic volume of data.

Seeds once, into a separate database on the same server (default gsp_erp_bench: created
when missing, migrated, reused later; a warehouse coded BENCH marks a complete seed),
200,000 lots across 2,000 products and 1,000,000 stock moves with balances consistent
with the moves, all with set-based SQL (INSERT ... SELECT generate_series). Then prints,
for each figure, the median of several runs through the application code and the same
work done by bare hand-written SQL (the floor), so the framework cost shows:

    <name>  <median ms>  target <ms>  <queries> queries  OK|SLOW
    <name> (bare SQL)  <median ms>

The sales figures (confirming a 20-line order, the maximum-quantity check over a
customer's 10,000 past orders, the order list page) come from apps/sales/management/
bench.py, whose own seed (marker: customer BENCH-C1) is added once to the seeded database.

This is a benchmark, not a test: nothing fails, SLOW is only reported.
"""

from __future__ import annotations

import datetime
import statistics
import time
from collections.abc import Callable

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection, connections, reset_queries, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

PRODUCTS = 2_000
LOTS_PER_PRODUCT = 100
MOVES_PER_LOT = 5
QUALIFIED_LOCATIONS = 20
MARKER = "BENCH"
PAGE = 25


class Command(BaseCommand):
    help = "Seed (once) a large separate database and time the hot inventory and sales paths."

    def add_arguments(self, parser):
        parser.add_argument("--database-name", default="gsp_erp_bench")
        parser.add_argument("--runs", type=int, default=9)

    def handle(self, *args, database_name: str, runs: int, **options):
        from apps.sales.management import bench as sales_bench

        self.use_database(database_name)
        if not self.is_seeded():
            self.stdout.write(f"seeding {database_name} (once; a few minutes)...")
            started = time.perf_counter()
            self.seed()
            self.stdout.write(f"seeded in {time.perf_counter() - started:.0f} s")
        else:
            self.stdout.write(f"reusing the seeded database {database_name}")
        if not sales_bench.is_seeded():
            self.stdout.write("seeding the sales history (once)...")
            started = time.perf_counter()
            sales_bench.seed(user=self.bench_user(), products=self.order_products())
            self.stdout.write(f"seeded in {time.perf_counter() - started:.0f} s")
        self.report(runs)
        sales_bench.report(self, user=self.bench_user(), products=self.order_products(), runs=runs)
        from apps.gsp_records import bench as gsp_bench

        gsp_bench.report(self)
        from apps.gsp_records.alerts import bench as alerts_bench

        alerts_bench.report(self, runs=min(runs, 5))

    def bench_user(self):
        from django.contrib.auth.models import User

        user, _created = User.objects.get_or_create(
            username="bench", defaults={"is_superuser": True, "is_staff": True}
        )
        return user

    def order_products(self) -> list:
        """The 20 products of the benchmark orders (FEFO allocation and sales confirm)."""
        from apps.catalog.models import Product

        return list(Product.objects.order_by("code")[100 : 100 + 20 * 37 : 37])

    # ------------------------------------------------------------------ database

    def use_database(self, name: str) -> None:
        """Point the default connection at `name`, creating and migrating it when needed
        (the test runner switches databases the same way)."""
        with connection._nodb_cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
        connections["default"].close()
        settings.DATABASES["default"]["NAME"] = name
        connections["default"].settings_dict["NAME"] = name
        call_command("migrate", verbosity=0, interactive=False)

    def is_seeded(self) -> bool:
        from apps.inventory.models import Lot, Warehouse

        return (
            Warehouse.objects.filter(code=MARKER).exists()
            and Lot.objects.count() >= PRODUCTS * LOTS_PER_PRODUCT
        )

    @transaction.atomic
    def seed(self) -> None:
        from decimal import Decimal

        from apps.catalog.models import Category, Manufacturer, Product, StorageCondition
        from apps.core.models import today
        from apps.inventory.models import Location, Warehouse, Zone

        category = Category.objects.create(code="68BENCH", name="基准测试类别")
        maker = Manufacturer.objects.create(code="MBENCH", name="基准测试制造商")
        template = Product.objects.create(
            code="BP00001",
            name="基准测试导管1",
            generic_name="基准测试导管",
            spec="Fr16",
            unit="支",
            registration_number="国械注准20153150000",
            registration_valid_until=today() + datetime.timedelta(days=3 * 365),
            device_class=3,
            category=category,
            manufacturer=maker,
            shelf_life_months=36,
            national_wholesale_price=Decimal("12.50"),
            retail_price=Decimal("15.00"),
            tax_rate=Decimal("13"),
            storage_condition=StorageCondition.AMBIENT,
        )
        warehouse = Warehouse.objects.create(code="BW1", name="基准测试仓")
        pending = Location.objects.create(
            warehouse=warehouse,
            code="P01",
            zone=Zone.PENDING,
            storage_condition=StorageCondition.AMBIENT,
        )
        qualified = [
            Location.objects.create(
                warehouse=warehouse,
                code=f"Q{n:02d}",
                zone=Zone.QUALIFIED,
                storage_condition=StorageCondition.AMBIENT,
            ).pk
            for n in range(1, QUALIFIED_LOCATIONS + 1)
        ]
        columns = [f.column for f in Product._meta.concrete_fields if f.column != "id"]
        override = {
            "code": "'BP' || lpad(g::text, 5, '0')",
            "name": "'基准测试导管' || g",
            "mnemonic": "'jzcsdg' || g",
            "national_wholesale_price": "(5 + g %% 200)::numeric",
            "created_at": "now()",
            "updated_at": "now()",
        }
        select = ", ".join(override.get(c, f"t.{c}") for c in columns)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO catalog_product ({', '.join(columns)}) "
                f"SELECT {select} FROM catalog_product t, generate_series(2, %s) g "
                "WHERE t.id = %s",
                [PRODUCTS, template.pk],
            )
            # Expiry spread over -100 .. +899 days: about 10 % expired, 3 % red,
            # 6 % yellow, the rest green.
            cursor.execute(
                """
                INSERT INTO inventory_lot (product_id, batch_number, serial_number,
                    production_date, expiry_date, udi, unit_cost, is_frozen, frozen_reason,
                    created_at, updated_at)
                SELECT p.id, 'B' || lpad(n::text, 4, '0'), '',
                       current_date + ((p.id * 7 + n * 13) %% 1000 - 100)::int - 730,
                       current_date + ((p.id * 7 + n * 13) %% 1000 - 100)::int,
                       '', 10, false, '', now(), now()
                FROM catalog_product p, generate_series(1, %s) n
                """,
                [LOTS_PER_PRODUCT],
            )
            # Per lot: received 100 into pending, put away into a qualified location,
            # then three shipments; the qualified balance is 70 - id %% 7.
            cursor.execute(
                """
                INSERT INTO inventory_stockmove (product_id, lot_id, from_location_id,
                    to_location_id, quantity, unit_cost, move_type, source_type, source_id,
                    source_number, user_id, second_user_id, created_at, idempotency_key, note)
                SELECT l.product_id, l.id,
                       CASE WHEN k = 1 THEN NULL WHEN k = 2 THEN %(pending)s ELSE q.loc END,
                       CASE WHEN k = 1 THEN %(pending)s WHEN k = 2 THEN q.loc ELSE NULL END,
                       CASE k WHEN 1 THEN 100 WHEN 2 THEN 100 WHEN 3 THEN 10 + l.id %% 7
                              WHEN 4 THEN 15 ELSE 5 END,
                       10,
                       CASE k WHEN 1 THEN 'receive' WHEN 2 THEN 'putaway' ELSE 'issue' END,
                       CASE WHEN k <= 2 THEN 'purchasing.receipt' ELSE 'sales.delivery' END,
                       CASE WHEN k <= 2 THEN l.id ELSE l.id * 10 + k END,
                       CASE WHEN k <= 2 THEN 'RC-B' || l.id ELSE 'DL-B' || l.id || '-' || k END,
                       NULL, NULL,
                       now() - make_interval(days => (30 + l.id %% 700)::int)
                             + CASE k WHEN 1 THEN interval '0' WHEN 2 THEN interval '2 hours'
                                      WHEN 3 THEN interval '5 days'
                                      WHEN 4 THEN interval '12 days'
                                      ELSE interval '20 days' END,
                       'bench-' || l.id || '-' || k, ''
                FROM inventory_lot l
                CROSS JOIN LATERAL (
                    SELECT (%(qualified)s::bigint[])[1 + l.id %% %(count)s] AS loc
                ) q
                CROSS JOIN generate_series(1, %(moves)s) k
                """,
                {
                    "pending": pending.pk,
                    "qualified": qualified,
                    "count": len(qualified),
                    "moves": MOVES_PER_LOT,
                },
            )
            cursor.execute(
                """
                INSERT INTO inventory_stockbalance (lot_id, location_id, product_id, on_hand,
                    reserved, expiry_date)
                SELECT l.id, (%(qualified)s::bigint[])[1 + l.id %% %(count)s], l.product_id,
                       70 - l.id %% 7, 0, l.expiry_date
                FROM inventory_lot l
                """,
                {"qualified": qualified, "count": len(qualified)},
            )
        Warehouse.objects.create(code=MARKER, name="benchmark data complete")
        transaction.on_commit(self.analyze)

    def analyze(self) -> None:
        with connection.cursor() as cursor:
            for table in (
                "catalog_product",
                "inventory_lot",
                "inventory_stockmove",
                "inventory_stockbalance",
            ):
                cursor.execute(f"VACUUM ANALYZE {table}")

    # ------------------------------------------------------------------ figures

    def measure(self, work: Callable[[], object], runs: int) -> tuple[float, int]:
        work()  # warm up caches and plans
        timings = []
        queries = 0
        for _run in range(runs):
            reset_queries()  # the query log is capped (9,000); count from empty
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                work()
                timings.append((time.perf_counter() - started) * 1000)
            queries = len(ctx.captured_queries)
        return statistics.median(timings), queries

    def line(self, name: str, work, bare, target: float, runs: int) -> None:
        median, queries = self.measure(work, runs)
        self.emit(name, median, target, queries)
        bare_median, _queries = self.measure(bare, runs)
        self.emit_bare(name, bare_median)

    def emit(self, name: str, median: float, target: float, queries: int) -> None:
        status = "OK" if median <= target else "SLOW"
        self.stdout.write(f"{name}  {median:.1f}  target {target:g}  {queries} queries  {status}")

    def emit_bare(self, name: str, median: float) -> None:
        self.stdout.write(f"{name} (bare SQL)  {median:.1f}")

    def report(self, runs: int) -> None:
        from apps.catalog.models import Product

        user = self.bench_user()
        product = Product.objects.order_by("code")[PRODUCTS // 2]
        order_products = self.order_products()
        self.stdout.write(
            f"{PRODUCTS * LOTS_PER_PRODUCT:,} lots, {PRODUCTS * LOTS_PER_PRODUCT * MOVES_PER_LOT:,}"
            f" moves; median of {runs} runs in ms"
        )
        self.line(
            "colour-band query",
            self.expiry_query,
            self.expiry_bare,
            200,
            runs,
        )
        self.line(
            "batch ledger of one product over a year",
            lambda: self.ledger_query(product),
            lambda: self.ledger_bare(product),
            200,
            runs,
        )
        self.line(
            "FEFO allocation of a 20-line order",
            lambda: self.allocate(order_products),
            lambda: self.allocate_bare(order_products),
            50,
            runs,
        )
        # The same reports as whole pages (form, table and layout rendered): what a user
        # waits for; the difference to the query figures is template rendering.
        self.line(
            "colour-band page (rendered)",
            lambda: self.expiry_page(user),
            self.expiry_bare,
            200,
            runs,
        )
        self.line(
            "batch ledger page (rendered)",
            lambda: self.ledger_page(user, product),
            lambda: self.ledger_bare(product),
            200,
            runs,
        )

    # colour bands -------------------------------------------------------------

    def expiry_query(self):
        """What the report asks the database: first page of rows plus the band totals
        (which also give the row count for the paginator)."""
        from apps.core.models import today
        from apps.inventory import selectors
        from apps.inventory.expiry import Thresholds

        on_date, thresholds = today(), Thresholds.current()
        rows = list(
            selectors.stock_by_lot(on_date=on_date, thresholds=thresholds).order_by(
                "expiry_date", "pk"
            )[:PAGE]
        )
        return rows, selectors.band_totals(on_date=on_date, thresholds=thresholds, count_lots=False)

    def expiry_page(self, user):
        """The whole report page: form, first page of rows, band totals, rendering."""
        from apps.inventory.reports import ExpiryReportView

        request = RequestFactory().get("/inventory/reports/expiry/")
        request.user = user
        response = ExpiryReportView.as_view()(request)
        response.render()
        assert response.status_code == 200
        return response

    def expiry_bare(self):
        from apps.core.models import today

        day = today()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT expiry_yellow_days, expiry_red_days FROM core_companysettings WHERE id = 1"
            )
            yellow, red = cursor.fetchone()
            params = {
                "today": day,
                "red": day + datetime.timedelta(days=red),
                "yellow": day + datetime.timedelta(days=yellow),
            }
            band = """CASE WHEN b.expiry_date < %(today)s THEN 'black'
                           WHEN b.expiry_date <= %(red)s THEN 'red'
                           WHEN b.expiry_date <= %(yellow)s THEN 'yellow'
                           ELSE 'green' END"""
            cursor.execute(
                f"""SELECT b.id, b.on_hand, b.reserved, l.batch_number, l.expiry_date,
                           p.code, p.name, p.spec, p.national_wholesale_price,
                           loc.code, loc.zone, w.code, {band},
                           p.national_wholesale_price * b.on_hand
                    FROM inventory_stockbalance b
                    JOIN inventory_lot l ON l.id = b.lot_id
                    JOIN catalog_product p ON p.id = b.product_id
                    JOIN inventory_location loc ON loc.id = b.location_id
                    JOIN inventory_warehouse w ON w.id = loc.warehouse_id
                    WHERE b.on_hand > 0 ORDER BY b.expiry_date, b.id LIMIT {PAGE}""",
                params,
            )
            cursor.fetchall()
            per_band = {
                "black": "b.expiry_date < %(today)s",
                "red": "b.expiry_date >= %(today)s AND b.expiry_date <= %(red)s",
                "yellow": "b.expiry_date > %(red)s AND b.expiry_date <= %(yellow)s",
                "green": "b.expiry_date > %(yellow)s",
            }
            columns = ", ".join(
                f"count(*) FILTER (WHERE {c}), "
                f"sum(b.on_hand) FILTER (WHERE {c}), "
                f"sum(p.national_wholesale_price * b.on_hand) FILTER (WHERE {c})"
                for c in per_band.values()
            )
            cursor.execute(
                f"""SELECT {columns}
                    FROM inventory_stockbalance b
                    JOIN catalog_product p ON p.id = b.product_id
                    WHERE b.on_hand > 0""",
                params,
            )
            return cursor.fetchall()

    # batch ledger -------------------------------------------------------------

    def ledger_query(self, product):
        """First page of the ledger and its row count, as the report's paginator asks."""
        from apps.core.models import today
        from apps.inventory import selectors

        day = today()
        rows = selectors.batch_ledger(
            date_from=day - datetime.timedelta(days=365), date_to=day, product=product
        )
        return rows.count(), list(rows[:PAGE])

    def ledger_page(self, user, product):
        from apps.core.models import today
        from apps.inventory.reports import BatchLedgerView

        day = today()
        request = RequestFactory().get(
            "/inventory/reports/batch-ledger/",
            {
                "date_from": (day - datetime.timedelta(days=365)).isoformat(),
                "date_to": day.isoformat(),
                "q": product.code,
            },
        )
        request.user = user
        response = BatchLedgerView.as_view()(request)
        response.render()
        assert response.status_code == 200
        return response

    def ledger_bare(self, product):
        from apps.core.models import today
        from apps.inventory.selectors import day_start

        day = today()
        start = day_start(day - datetime.timedelta(days=365))
        end = day_start(day + datetime.timedelta(days=1))
        inbound = "('receive', 'sales_return', 'adjust_in', 'opening')"
        outbound = "('issue', 'purchase_return', 'adjust_out', 'scrap')"
        with connection.cursor() as cursor:
            cursor.execute(
                f"""SELECT m.lot_id, l.batch_number, l.expiry_date,
                      coalesce(sum(m.quantity) FILTER (WHERE m.created_at < %(start)s
                               AND m.move_type IN {inbound}), 0)
                    - coalesce(sum(m.quantity) FILTER (WHERE m.created_at < %(start)s
                               AND m.move_type IN {outbound}), 0) AS opening,
                      coalesce(sum(m.quantity) FILTER (WHERE m.created_at >= %(start)s
                               AND m.move_type IN {inbound}), 0) AS received,
                      coalesce(sum(m.quantity) FILTER (WHERE m.created_at >= %(start)s
                               AND m.move_type IN {outbound}), 0) AS issued
                    FROM inventory_stockmove m JOIN inventory_lot l ON l.id = m.lot_id
                    WHERE m.product_id = %(product)s AND m.created_at < %(end)s
                    GROUP BY m.lot_id, l.batch_number, l.expiry_date
                    ORDER BY l.expiry_date, l.batch_number LIMIT {PAGE}""",
                {"start": start, "end": end, "product": product.pk},
            )
            rows = cursor.fetchall()
            cursor.execute(
                "SELECT count(DISTINCT lot_id) FROM inventory_stockmove "
                "WHERE product_id = %s AND created_at < %s",
                [product.pk, end],
            )
            return cursor.fetchone(), rows

    # FEFO ---------------------------------------------------------------------

    def allocate(self, products):
        from apps.inventory.services import AllocationRequest, Source, allocate_fefo

        with transaction.atomic():
            done = allocate_fefo(
                requests=[AllocationRequest(product=p, quantity=150) for p in products],
                user=None,
                source=Source("bench.order", 1, "BENCH-1"),
            )
            transaction.set_rollback(True)
        return done

    def allocate_bare(self, products):
        from apps.core.models import today

        wanted = ", ".join(f"({p.pk}, 150)" for p in products)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"""
                WITH want(product_id, qty) AS (VALUES {wanted}),
                cand AS (
                    SELECT b.id, b.on_hand - b.reserved AS free, w.qty,
                           sum(b.on_hand - b.reserved) OVER (PARTITION BY b.product_id
                               ORDER BY l.expiry_date, l.id, b.id) AS running
                    FROM inventory_stockbalance b
                    JOIN want w ON w.product_id = b.product_id
                    JOIN inventory_lot l ON l.id = b.lot_id
                    JOIN inventory_location loc ON loc.id = b.location_id
                    WHERE loc.zone = 'qualified' AND loc.is_active AND NOT l.is_frozen
                      AND l.expiry_date >= %(today)s AND b.on_hand > b.reserved
                ),
                pick AS (
                    SELECT id, least(free, qty - (running - free)) AS take
                    FROM cand WHERE running - free < qty
                ),
                locked AS (
                    SELECT b.id FROM inventory_stockbalance b
                    WHERE b.id IN (SELECT id FROM pick) ORDER BY b.id FOR UPDATE
                ),
                upd AS (
                    UPDATE inventory_stockbalance b SET reserved = b.reserved + pick.take
                    FROM pick JOIN locked ON locked.id = pick.id
                    WHERE b.id = pick.id RETURNING b.id, pick.take
                )
                INSERT INTO inventory_stockreservation (balance_id, quantity, source_type,
                    source_id, created_at)
                SELECT id, take, 'bench.order', 1, now() FROM upd
                """,
                {"today": today()},
            )
            transaction.set_rollback(True)
