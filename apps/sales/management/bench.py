"""The sales figures of `make bench` (apps/inventory/management/commands/bench.py).

Seeds once, on top of the inventory seed and in the same database, what the sales
controls need and a customer with a long history, all set-based where volume matters:

- our company's business licence and Class II/III operating licences covering the
  bench category, approved first-time product files (首营品种) for every bench product;
- the hospital customer BENCH-C1 (the seed's marker) with a business licence and a
  medical institution practice licence;
- 10,000 past sales orders of that customer over the last two years (two lines each:
  the quarterly-limited product and one of the order products), shipped, partly
  shipped, confirmed or closed, with their shipped deliveries and delivery lines, and a
  sales return (re-inspected) on every tenth delivery.

Figures (same line format as the inventory ones):

- confirming a 20-line order: all controls + FEFO reservation, timed around
  `sales_order_confirm` only (the draft is written untimed before each run, and every
  run is rolled back);
- the maximum-quantity check (4.4) for the customer with 10,000 past orders;
- the sales order list page, rendered.
"""

from __future__ import annotations

import statistics
import time

from django.db import connection, reset_queries, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

CUSTOMER_CODE = "BENCH-C1"
PAST_ORDERS = 10_000
HISTORY_DAYS = 730
RECENT_DAYS = 60  # older orders are all shipped or closed
LINE_QUANTITY = 150
LIMIT = 50_000  # the limited product's quarterly maximum for one customer
PAGE = 25


# ------------------------------------------------------------------------------ seed


def insert_select(model, values: dict[str, str], source: str, params: dict) -> int:
    """INSERT INTO the model's table every concrete column, SELECTed FROM `source`.

    `values` gives the SQL of columns by column name; the others take the field's
    default, now() for automatic timestamps, '' when blank is allowed, else NULL when
    nullable (a column with none of these must be given, so a new required field fails
    loudly here instead of seeding nonsense)."""
    columns, expressions = [], []
    params = dict(params)
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        column = field.column
        if column in values:
            expression = values[column]
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            expression = "now()"
        elif field.has_default():
            key = f"default_{column}"
            params[key] = field.get_db_prep_save(field.get_default(), connection)
            expression = f"%({key})s"
        elif field.blank and field.empty_strings_allowed and not field.null:
            expression = "''"
        elif field.null:
            expression = "NULL"
        else:
            raise ValueError(f"{model.__name__}.{field.name}: the bench seed gives no value")
        columns.append(connection.ops.quote_name(column))
        expressions.append(expression)
    sql = (
        f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({', '.join(columns)}) "
        f"SELECT {', '.join(expressions)} FROM {source}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def customer():
    from apps.customers.models import Customer

    return Customer.objects.filter(code=CUSTOMER_CODE).first()


def is_seeded() -> bool:
    return customer() is not None


def _uscc(seq: int) -> str:
    from apps.core.validators import uscc_check_char

    body = f"91310000{seq:09d}"
    return body + uscc_check_char(body)


def _company_licences(category) -> None:
    import datetime

    from apps.core.models import CompanyLicence, CompanySettings, DeviceClass, LicenceType, today

    company = CompanySettings.load()
    if not company.name:
        company.name = "上海基准测试医疗器械有限公司"
        company.save(update_fields=["name"])
    issued = today() - datetime.timedelta(days=365)
    until = today() + datetime.timedelta(days=3 * 365)
    CompanyLicence.objects.get_or_create(
        licence_type=LicenceType.BUSINESS,
        number=_uscc(900_001),
        defaults={"holder": company.name, "issued_on": issued, "valid_until": None},
    )
    for licence_type, device_class, number in (
        (LicenceType.DEVICE_OPERATING, DeviceClass.CLASS_III, "沪药监械经营许20199001号"),
        (LicenceType.DEVICE_FILING, DeviceClass.CLASS_II, "沪浦药监械经营备20199001号"),
    ):
        licence, _created = CompanyLicence.objects.get_or_create(
            licence_type=licence_type,
            number=number,
            defaults={
                "holder": company.name,
                "issued_on": issued,
                "valid_until": until,
                "scope_classes": [device_class],
            },
        )
        licence.scope_categories.add(category)


def _customer():
    import datetime

    from apps.core.models import LicenceType, today
    from apps.customers.models import Customer, CustomerLicence, CustomerType

    uscc = _uscc(900_002)
    bench_customer = Customer.objects.create(
        code=CUSTOMER_CODE,
        name="基准测试第一人民医院",
        customer_type=CustomerType.HOSPITAL,
        unified_social_credit_code=uscc,
        address="上海市浦东新区基准路1号",
        contact_person="李明",
        phone="021-58880000",
        payment_terms_days=60,
    )
    issued = today() - datetime.timedelta(days=365)
    CustomerLicence.objects.create(
        customer=bench_customer,
        licence_type=LicenceType.BUSINESS,
        number=uscc,
        holder=bench_customer.name,
        issued_on=issued,
        valid_until=None,
        scope_classes=[],
    )
    CustomerLicence.objects.create(
        customer=bench_customer,
        licence_type=LicenceType.MEDICAL_INSTITUTION,
        number="PDY90002031011512A1001",
        holder=bench_customer.name,
        issued_on=issued,
        valid_until=today() + datetime.timedelta(days=3 * 365),
        scope_classes=[],
    )
    return bench_customer


@transaction.atomic
def seed(*, user, products) -> None:
    """Everything the sales figures need (see the module docstring). `products` are the
    20 products of the benchmark order; the first one gets the quarterly limit."""
    from apps.catalog.models import MaxQtyPeriod, Product, ProductFirstApproval
    from apps.core.models import ApprovalStatus
    from apps.inventory.models import Location, StockReservation, Warehouse, Zone

    from .. import models as sales

    limited, others = products[0], products[1:]
    _company_licences(limited.category)
    warehouse = Warehouse.objects.get(code="BW1")
    returns = Location.objects.get_or_create(
        warehouse=warehouse,
        code="R01",
        defaults={"zone": Zone.RETURNS, "storage_condition": limited.storage_condition},
    )[0]
    insert_select(
        ProductFirstApproval,
        {
            "product_id": "p.id",
            "status": "%(approved)s",
            "submitted_by_id": "%(user)s",
            "submitted_at": "now()",
            "quality_by_id": "%(user)s",
            "quality_at": "now()",
            "manager_by_id": "%(user)s",
            "manager_at": "now()",
        },
        "catalog_product p WHERE p.code LIKE 'BP%%' AND NOT EXISTS "
        "(SELECT 1 FROM catalog_productfirstapproval a WHERE a.product_id = p.id)",
        {"approved": ApprovalStatus.APPROVED, "user": user.pk},
    )
    Product.objects.filter(pk=limited.pk).update(max_qty=LIMIT, max_qty_period=MaxQtyPeriod.QUARTER)
    bench_customer = _customer()
    params = {
        "customer": bench_customer.pk,
        "user": user.pk,
        "warehouse": warehouse.pk,
        "limited": limited.pk,
        "others": [p.pk for p in others],
        "count": len(others),
        "products": [p.pk for p in products],
        "returns": returns.pk,
        "orders": PAST_ORDERS,
        "history": HISTORY_DAYS,
        "recent": RECENT_DAYS,
        "address": bench_customer.address,
    }
    mine = "o.customer_id = %(customer)s AND o.number LIKE 'SOB-%%'"
    # Orders: dates spread over two years; recent ones in every open and closed state.
    insert_select(
        sales.SalesOrder,
        {
            "number": "'SOB-' || lpad(g::text, 6, '0')",
            "sales_type": "'wholesale'",
            "customer_id": "%(customer)s",
            "salesperson_id": "%(user)s",
            "created_by_id": "%(user)s",
            "order_date": "x.day",
            "planned_delivery": "x.day + 3",
            "warehouse_id": "%(warehouse)s",
            "settlement_method": "'bank_transfer'",
            "payment_terms_days": "60",
            "delivery_address": "%(address)s",
            "status": "x.status",
            "submitted_at": "x.day + time '09:00'",
            "confirmed_by_id": "%(user)s",
            "confirmed_at": "x.day + time '10:00'",
            "closed_by_id": "CASE WHEN x.status = 'closed' THEN %(user)s::bigint END",
            "closed_at": "CASE WHEN x.status = 'closed' THEN x.day + time '18:00' END",
            "close_reason": "CASE WHEN x.status = 'closed' THEN '客户不再需要剩余数量' ELSE '' END",
            "created_at": "x.day + time '09:00'",
            "updated_at": "x.day + time '18:00'",
        },
        """generate_series(1, %(orders)s) g
        CROSS JOIN LATERAL (
            SELECT current_date - (g %% %(history)s) AS day,
                   CASE WHEN g %% %(history)s > %(recent)s
                        THEN CASE WHEN g %% 5 = 0 THEN 'closed' ELSE 'shipped' END
                        ELSE (ARRAY['shipped', 'partially_shipped', 'confirmed',
                                    'closed'])[1 + g %% 4] END AS status
        ) x""",
        params,
    )
    # Two lines per order: the limited product and one of the other order products.
    insert_select(
        sales.SalesOrderLine,
        {
            "order_id": "o.id",
            "product_id": "p.id",
            "quantity": "q.qty",
            "unit_price": "p.national_wholesale_price",
            "discount_pct": "0",
            "tax_rate": "p.tax_rate",
            "suggested_price": "p.national_wholesale_price",
            "ceiling_price": "p.national_wholesale_price",
            "is_over_price": "false",
            "shipped_qty": "CASE o.status WHEN 'shipped' THEN q.qty WHEN 'confirmed' THEN 0 "
            "ELSE q.qty / 2 END",
            "released_qty": "CASE o.status WHEN 'closed' THEN q.qty - q.qty / 2 ELSE 0 END",
            "returned_qty": "0",
        },
        f"""sales_salesorder o
        CROSS JOIN generate_series(1, 2) k
        CROSS JOIN LATERAL (SELECT substr(o.number, 5)::int AS g) n
        CROSS JOIN LATERAL (
            SELECT CASE WHEN k = 1 THEN %(limited)s
                        ELSE (%(others)s::bigint[])[1 + n.g %% %(count)s] END AS product_id,
                   10 + (n.g + k) %% 20 AS qty
        ) q
        JOIN catalog_product p ON p.id = q.product_id
        WHERE {mine}""",
        params,
    )
    # The (used up) reservation each shipped line was picked from: a delivery line
    # refers to one.
    insert_select(
        StockReservation,
        {
            "balance_id": "b.id",
            "quantity": "0",
            "source_type": "'sales.order'",
            "source_id": "o.id",
            "source_line_id": "l.id",
            "created_at": "o.confirmed_at",
            "user_id": "%(user)s",
        },
        f"""sales_salesorderline l
        JOIN sales_salesorder o ON o.id = l.order_id
        JOIN (SELECT DISTINCT ON (product_id) product_id, id FROM inventory_stockbalance
              WHERE product_id = ANY(%(products)s) ORDER BY product_id, id) b
          ON b.product_id = l.product_id
        WHERE {mine} AND l.shipped_qty > 0""",
        params,
    )
    insert_select(
        sales.Delivery,
        {
            "number": "'DLB-' || substr(o.number, 5)",
            "order_id": "o.id",
            "customer_id": "o.customer_id",
            "warehouse_id": "o.warehouse_id",
            "status": "'shipped'",
            "picked_by_id": "%(user)s",
            "checked_by_id": "%(user)s",
            "checked_at": "s.day + time '11:00'",
            "shipped_by_id": "%(user)s",
            "shipped_at": "s.day + time '14:00'",
            "shipped_on": "s.day",
            "transport_mode": "'ordinary'",
            "created_at": "s.day + time '10:30'",
            "updated_at": "s.day + time '14:00'",
        },
        f"""sales_salesorder o
        CROSS JOIN LATERAL (SELECT least(o.order_date + 2, current_date) AS day) s
        WHERE {mine} AND o.status IN ('shipped', 'partially_shipped', 'closed')""",
        params,
    )
    insert_select(
        sales.DeliveryLine,
        {
            "delivery_id": "d.id",
            "order_line_id": "l.id",
            "customer_id": "d.customer_id",
            "product_id": "l.product_id",
            "reservation_id": "r.id",
            "lot_id": "b.lot_id",
            "location_id": "b.location_id",
            "quantity": "l.shipped_qty",
            "checked_qty": "l.shipped_qty",
            "checked_batch": "lot.batch_number",
            "unit_price": "l.unit_price",
            "unit_cost": "lot.unit_cost",
            "shipped_on": "d.shipped_on",
            "returned_qty": "0",
        },
        """sales_delivery d
        JOIN sales_salesorderline l ON l.order_id = d.order_id AND l.shipped_qty > 0
        JOIN inventory_stockreservation r
          ON r.source_type = 'sales.order' AND r.source_line_id = l.id
        JOIN inventory_stockbalance b ON b.id = r.balance_id
        JOIN inventory_lot lot ON lot.id = b.lot_id
        WHERE d.customer_id = %(customer)s AND d.number LIKE 'DLB-%%'""",
        params,
    )
    # One unit of the limited product comes back from every tenth delivery.
    insert_select(
        sales.SalesReturn,
        {
            "number": "'SRB-' || substr(d.number, 5)",
            "delivery_id": "d.id",
            "customer_id": "d.customer_id",
            "returned_on": "least(d.shipped_on + 7, current_date)",
            "reason": "'包装破损（基准测试）'",
            "status": "'inspected'",
            "created_by_id": "%(user)s",
            "created_at": "least(d.shipped_on + 7, current_date) + time '09:00'",
            "updated_at": "least(d.shipped_on + 7, current_date) + time '15:00'",
        },
        """sales_delivery d
        WHERE d.customer_id = %(customer)s AND d.number LIKE 'DLB-%%'
          AND substr(d.number, 5)::int %% 10 = 0""",
        params,
    )
    insert_select(
        sales.SalesReturnLine,
        {
            "sales_return_id": "sr.id",
            "delivery_line_id": "dl.id",
            "customer_id": "sr.customer_id",
            "product_id": "dl.product_id",
            "lot_id": "dl.lot_id",
            "returned_on": "sr.returned_on",
            "location_id": "%(returns)s",
            "quantity": "1",
            "qualified_qty": "1",
            "nonconforming_qty": "0",
            "inspected_by_id": "%(user)s",
            "inspected_at": "sr.updated_at",
        },
        """sales_salesreturn sr
        JOIN sales_deliveryline dl ON dl.delivery_id = sr.delivery_id
             AND dl.product_id = %(limited)s
        WHERE sr.customer_id = %(customer)s AND sr.number LIKE 'SRB-%%'""",
        params,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """UPDATE sales_deliveryline dl SET returned_qty = rl.quantity
               FROM sales_salesreturnline rl
               WHERE rl.delivery_line_id = dl.id AND rl.customer_id = %(customer)s""",
            params,
        )
        cursor.execute(
            """UPDATE sales_salesorderline l SET returned_qty = dl.returned_qty
               FROM sales_deliveryline dl
               WHERE dl.order_line_id = l.id AND dl.customer_id = %(customer)s
                 AND dl.returned_qty > 0""",
            params,
        )
    transaction.on_commit(analyze)


def analyze() -> None:
    with connection.cursor() as cursor:
        for table in (
            "catalog_product",
            "catalog_productfirstapproval",
            "inventory_stockreservation",
            "sales_salesorder",
            "sales_salesorderline",
            "sales_delivery",
            "sales_deliveryline",
            "sales_salesreturn",
            "sales_salesreturnline",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")


def counts() -> str:
    from .. import models as sales

    bench_customer = customer()
    orders = sales.SalesOrder.objects.filter(customer=bench_customer).count()
    deliveries = sales.DeliveryLine.objects.filter(customer=bench_customer).count()
    returns = sales.SalesReturnLine.objects.filter(customer=bench_customer).count()
    return (
        f"customer {CUSTOMER_CODE}: {orders:,} past orders, {deliveries:,} delivery lines, "
        f"{returns:,} return lines"
    )


# ---------------------------------------------------------------------------- figures


def report(command, *, user, products, runs: int) -> None:
    """Print the three sales figures through `command.emit` / `command.emit_bare`."""
    from apps.catalog.models import Product

    bench_customer = customer()
    warehouse = _warehouse()
    limited = Product.objects.get(pk=products[0].pk)
    command.stdout.write(counts())

    name = "confirm a 20-line sales order (all controls + FEFO)"
    median, queries = measure_confirm(user, bench_customer, warehouse, products, runs)
    command.emit(name, median, 100, queries)
    command.emit_bare(
        name, measure_confirm_bare(user, bench_customer, warehouse, products, limited, runs)
    )
    _median, queries5 = measure_confirm(user, bench_customer, warehouse, products[:5], 3)
    command.stdout.write(
        f"confirm query count: {queries5} for 5 lines, {queries} for 20 lines "
        "(constant in the number of lots: apps/sales/tests/test_query_counts.py)"
    )

    command.line(
        "max-quantity check, customer with 10,000 past orders",
        lambda: max_quantity(bench_customer, limited),
        lambda: max_quantity_bare(bench_customer, limited),
        20,
        runs,
    )
    command.line(
        "sales order list page (rendered)",
        lambda: list_page(user),
        list_page_bare,
        150,
        runs,
    )


def _warehouse():
    from apps.inventory.models import Warehouse

    return Warehouse.objects.get(code="BW1")


# confirm ---------------------------------------------------------------------------


def _draft(user, bench_customer, warehouse, products):
    from ..services import LineInput, sales_order_create

    return sales_order_create(
        user=user,
        customer=bench_customer,
        warehouse=warehouse,
        # No price: the suggested (national) price, so no over-price hold.
        lines=[LineInput(product=p, quantity=LINE_QUANTITY) for p in products],
    )


def measure_confirm(user, bench_customer, warehouse, products, runs: int) -> tuple[float, int]:
    """Median time of `sales_order_confirm` alone: each run writes a draft (untimed),
    confirms it and rolls everything back. The first run warms caches and plans."""
    from ..models import SalesOrderStatus
    from ..services import sales_order_confirm

    timings = []
    queries = 0
    for run in range(runs + 1):
        with transaction.atomic():
            order = _draft(user, bench_customer, warehouse, products)
            reset_queries()  # the query log is capped (9,000); count from empty
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                confirmed = sales_order_confirm(order=order, user=user)
                elapsed = (time.perf_counter() - started) * 1000
            if confirmed.status != SalesOrderStatus.CONFIRMED:
                raise RuntimeError(f"bench order not confirmed: {confirmed.status}")
            transaction.set_rollback(True)
        if run:
            timings.append(elapsed)
            queries = len(ctx.captured_queries)
    return statistics.median(timings), queries


def measure_confirm_bare(user, bench_customer, warehouse, products, limited, runs) -> float:
    """The floor: the reads and writes a confirmation needs, by hand - lock the customer
    and the order, read the lines with their products, the licences, the period usage
    and the national prices, reserve by FEFO in one statement, mark the order."""
    timings = []
    for run in range(runs + 1):
        with transaction.atomic():
            order = _draft(user, bench_customer, warehouse, products)
            started = time.perf_counter()
            confirm_bare(order, limited)
            elapsed = (time.perf_counter() - started) * 1000
            transaction.set_rollback(True)
        if run:
            timings.append(elapsed)
    return statistics.median(timings)


def confirm_bare(order, limited) -> None:
    import datetime

    from apps.core.models import CompanySettings, today
    from apps.sales.selectors import period_bounds

    start, end = period_bounds(limited.max_qty_period, order.order_date)
    min_expiry = today() + datetime.timedelta(
        days=CompanySettings.load().default_min_shelf_life_days
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT * FROM customers_customer WHERE id = %s FOR UPDATE", [order.customer_id]
        )
        cursor.fetchall()
        cursor.execute("SELECT * FROM sales_salesorder WHERE id = %s FOR UPDATE", [order.pk])
        cursor.fetchall()
        cursor.execute(
            """SELECT l.*, p.*, c.code, a.status
               FROM sales_salesorderline l
               JOIN catalog_product p ON p.id = l.product_id
               JOIN catalog_category c ON c.id = p.category_id
               LEFT JOIN catalog_productfirstapproval a ON a.product_id = p.id
               WHERE l.order_id = %s ORDER BY l.id""",
            [order.pk],
        )
        cursor.fetchall()
        cursor.execute(
            """SELECT l.licence_type, l.valid_until, l.scope_classes, s.category_id
               FROM core_companylicence l
               LEFT JOIN core_companylicence_scope_categories s ON s.companylicence_id = l.id
               UNION ALL
               SELECT l.licence_type, l.valid_until, l.scope_classes, s.category_id
               FROM customers_customerlicence l
               LEFT JOIN customers_customerlicence_scope_categories s
                 ON s.customerlicence_id = l.id
               WHERE l.customer_id = %s""",
            [order.customer_id],
        )
        cursor.fetchall()
        cursor.execute(
            """SELECT p.id, coalesce((SELECT n.price FROM pricing_nationalprice n
                                      WHERE n.product_id = p.id AND NOT n.voided
                                        AND n.effective_from <= %s
                                      ORDER BY n.effective_from DESC LIMIT 1),
                                     p.national_wholesale_price)
               FROM catalog_product p
               WHERE p.id IN (SELECT product_id FROM sales_salesorderline WHERE order_id = %s)""",
            [order.order_date, order.pk],
        )
        cursor.fetchall()
        _usage_bare(cursor, order.customer_id, limited.pk, start, end, exclude=order.pk)
        cursor.execute(
            """
            WITH want AS (
                SELECT id AS line_id, product_id, quantity AS qty
                FROM sales_salesorderline WHERE order_id = %(order)s
            ),
            cand AS (
                SELECT b.id, w.line_id, b.on_hand - b.reserved AS free, w.qty,
                       sum(b.on_hand - b.reserved) OVER (PARTITION BY w.line_id
                           ORDER BY l.expiry_date, l.id, b.id) AS running
                FROM inventory_stockbalance b
                JOIN want w ON w.product_id = b.product_id
                JOIN inventory_lot l ON l.id = b.lot_id
                JOIN inventory_location loc ON loc.id = b.location_id
                WHERE loc.zone = 'qualified' AND loc.is_active AND NOT l.is_frozen
                  AND loc.warehouse_id = %(warehouse)s
                  AND l.expiry_date >= %(min_expiry)s AND b.on_hand > b.reserved
            ),
            pick AS (
                SELECT id, line_id, least(free, qty - (running - free)) AS take
                FROM cand WHERE running - free < qty
            ),
            locked AS (
                SELECT b.id FROM inventory_stockbalance b
                WHERE b.id IN (SELECT id FROM pick) ORDER BY b.id FOR UPDATE
            ),
            upd AS (
                UPDATE inventory_stockbalance b SET reserved = b.reserved + pick.take
                FROM pick JOIN locked ON locked.id = pick.id
                WHERE b.id = pick.id RETURNING b.id, pick.line_id, pick.take
            )
            INSERT INTO inventory_stockreservation (balance_id, quantity, source_type,
                source_id, source_line_id, created_at)
            SELECT id, take, 'sales.order', %(order)s, line_id, now() FROM upd
            """,
            {"order": order.pk, "warehouse": order.warehouse_id, "min_expiry": min_expiry},
        )
        cursor.execute(
            "UPDATE sales_salesorder SET status = 'confirmed', confirmed_at = now(), "
            "submitted_at = now(), updated_at = now() WHERE id = %s",
            [order.pk],
        )


# maximum quantity --------------------------------------------------------------------


def max_quantity(bench_customer, limited):
    from apps.core.models import today

    from ..models import SalesOrderLine
    from ..services.controls import check_max_quantity

    line = SalesOrderLine(product=limited, quantity=10, unit_price=1, tax_rate=13)
    return check_max_quantity(
        customer=bench_customer, lines=[line], on_date=today(), exclude_order_id=None
    )


def _usage_bare(cursor, customer_id, product_id, start, end, exclude=None):
    from ..models import OPEN_STATUSES

    cursor.execute(
        """SELECT
             (SELECT coalesce(sum(quantity), 0) FROM sales_deliveryline
              WHERE customer_id = %(customer)s AND product_id = %(product)s
                AND shipped_on BETWEEN %(start)s AND %(end)s),
             (SELECT coalesce(sum(quantity), 0) FROM sales_salesreturnline
              WHERE customer_id = %(customer)s AND product_id = %(product)s
                AND returned_on BETWEEN %(start)s AND %(end)s),
             (SELECT coalesce(sum(l.quantity - l.shipped_qty - l.released_qty), 0)
              FROM sales_salesorderline l JOIN sales_salesorder o ON o.id = l.order_id
              WHERE o.customer_id = %(customer)s AND l.product_id = %(product)s
                AND o.status = ANY(%(open)s) AND o.order_date BETWEEN %(start)s AND %(end)s
                AND o.id <> %(exclude)s)""",
        {
            "customer": customer_id,
            "product": product_id,
            "start": start,
            "end": end,
            "open": [str(s) for s in OPEN_STATUSES],
            "exclude": exclude or 0,
        },
    )
    return cursor.fetchone()


def max_quantity_bare(bench_customer, limited):
    from apps.core.models import today

    from ..selectors import period_bounds

    start, end = period_bounds(limited.max_qty_period, today())
    with connection.cursor() as cursor:
        return _usage_bare(cursor, bench_customer.pk, limited.pk, start, end)


# order list --------------------------------------------------------------------------


def list_page(user):
    """The staff order list as a user gets it: filter form, first page, layout."""
    from django.urls import resolve, reverse

    url = reverse("sales:salesorder_list")
    request = RequestFactory().get(url)
    request.user = user
    match = resolve(url)
    response = match.func(request, *match.args, **match.kwargs)
    response.render()
    if response.status_code != 200:
        raise RuntimeError(f"order list answered {response.status_code}")
    return response


def list_page_bare():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sales_salesorder")
        cursor.fetchone()
        cursor.execute(
            f"""SELECT o.*, c.name, u.username, w.name,
                       (SELECT sum(l.quantity * l.unit_price * (100 - l.discount_pct) / 100)
                        FROM sales_salesorderline l WHERE l.order_id = o.id)
                FROM sales_salesorder o
                JOIN customers_customer c ON c.id = o.customer_id
                JOIN auth_user u ON u.id = o.salesperson_id
                JOIN inventory_warehouse w ON w.id = o.warehouse_id
                ORDER BY o.order_date DESC, o.number DESC LIMIT {PAGE}"""
        )
        return cursor.fetchall()
