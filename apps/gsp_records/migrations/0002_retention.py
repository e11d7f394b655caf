"""Retention of the purchase, acceptance and sales records (DESIGN.md 9).

BEFORE DELETE triggers refuse, with SQLSTATE restrict_violation (an IntegrityError in
Django), to delete a row while it is under retention: until two years past the lot's
expiry and at least five years after the record was created (Asia/Shanghai dates);
forever for implantable products. The same rule in Python: `retention.retention_until`.

Protected: purchasing receipt lines, acceptances and rejection reports; sales deliveries,
delivery lines and return lines. No service deletes any of them (cancelling a picking
list only changes its status), so every row is protected, not only final ones. A
delivery (or receipt) without lines is no record and stays deletable; one with lines
cannot go either, since its lines cannot. TRUNCATE (test cleanup) fires no trigger.
"""

from django.db import migrations

SHANGHAI = "'Asia/Shanghai'"

FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION gsp_retention_until(expiry date, implantable boolean, created date)
RETURNS date LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN implantable THEN 'infinity'::date
        ELSE GREATEST(
            (COALESCE(expiry, created) + interval '2 years')::date,
            (created + interval '5 years')::date
        )
    END
$$;

CREATE OR REPLACE FUNCTION gsp_refuse_retained(what text, row_id bigint, until date)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF until IS NOT NULL AND until >= (now() AT TIME ZONE {SHANGHAI})::date THEN
        RAISE EXCEPTION '% % is under retention (%) and cannot be deleted', what, row_id,
            CASE WHEN until = 'infinity'::date THEN 'implantable device: kept forever'
                 ELSE 'kept until ' || until::text END
            USING ERRCODE = 'restrict_violation';
    END IF;
END
$$;
"""

FUNCTIONS_REVERSE = """
DROP FUNCTION IF EXISTS gsp_refuse_retained(text, bigint, date);
DROP FUNCTION IF EXISTS gsp_retention_until(date, boolean, date);
"""


def local_date(column: str) -> str:
    return f"({column} AT TIME ZONE {SHANGHAI})::date"


# Each trigger: (table, label, SELECT giving the retention date of OLD). A parent row
# deleted earlier in the same transaction falls back to "created today" (the longest
# keep), so deleting the parent first does not free the child.
TODAY = f"(now() AT TIME ZONE {SHANGHAI})::date"
TRIGGERS = (
    (
        "purchasing_receiptline",
        "receipt line",
        f"""SELECT gsp_retention_until(l.expiry_date, p.is_implantable,
                COALESCE((SELECT {local_date("r.created_at")} FROM purchasing_receipt r
                          WHERE r.id = OLD.receipt_id), {TODAY}))
            FROM inventory_lot l JOIN catalog_product p ON p.id = l.product_id
            WHERE l.id = OLD.lot_id""",
    ),
    (
        "purchasing_acceptance",
        "acceptance",
        f"""SELECT gsp_retention_until(l.expiry_date, p.is_implantable,
                {local_date("OLD.created_at")})
            FROM purchasing_receiptline rl
            JOIN inventory_lot l ON l.id = rl.lot_id
            JOIN catalog_product p ON p.id = rl.product_id
            WHERE rl.id = OLD.receipt_line_id""",
    ),
    (
        "purchasing_rejectionreport",
        "rejection report",
        f"""SELECT gsp_retention_until(l.expiry_date, p.is_implantable,
                {local_date("OLD.created_at")})
            FROM purchasing_acceptance a
            JOIN purchasing_receiptline rl ON rl.id = a.receipt_line_id
            JOIN inventory_lot l ON l.id = rl.lot_id
            JOIN catalog_product p ON p.id = rl.product_id
            WHERE a.id = OLD.acceptance_id""",
    ),
    (
        "sales_deliveryline",
        "delivery line",
        f"""SELECT gsp_retention_until(l.expiry_date, p.is_implantable,
                COALESCE((SELECT {local_date("d.created_at")} FROM sales_delivery d
                          WHERE d.id = OLD.delivery_id), {TODAY}))
            FROM inventory_lot l JOIN catalog_product p ON p.id = l.product_id
            WHERE l.id = OLD.lot_id""",
    ),
    (
        # A delivery is kept as long as the longest kept of its lines.
        "sales_delivery",
        "delivery",
        f"""SELECT MAX(gsp_retention_until(l.expiry_date, p.is_implantable,
                {local_date("OLD.created_at")}))
            FROM sales_deliveryline dl
            JOIN inventory_lot l ON l.id = dl.lot_id
            JOIN catalog_product p ON p.id = l.product_id
            WHERE dl.delivery_id = OLD.id""",
    ),
    (
        "sales_salesreturnline",
        "sales return line",
        f"""SELECT gsp_retention_until(l.expiry_date, p.is_implantable,
                COALESCE((SELECT {local_date("s.created_at")} FROM sales_salesreturn s
                          WHERE s.id = OLD.sales_return_id), {TODAY}))
            FROM inventory_lot l JOIN catalog_product p ON p.id = l.product_id
            WHERE l.id = OLD.lot_id""",
    ),
)


def trigger_sql(table: str, label: str, select: str) -> tuple[str, str]:
    function = f"{table}_retention"
    forward = f"""
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    until date;
BEGIN
    {select} INTO until;
    PERFORM gsp_refuse_retained('{label}', OLD.id, until);
    RETURN OLD;
END
$$;
CREATE TRIGGER {function} BEFORE DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {function}();
"""
    reverse = f"""
DROP TRIGGER IF EXISTS {function} ON {table};
DROP FUNCTION IF EXISTS {function}();
"""
    return forward, reverse


class Migration(migrations.Migration):
    dependencies = [
        ("gsp_records", "0001_initial"),
        ("catalog", "0003_product_purchase_price_min_sale_price"),
        ("inventory", "0003_balance_expiry_date"),
        ("purchasing", "0001_initial"),
        ("sales", "0002_delivery_cancellation"),
    ]

    operations = [
        migrations.RunSQL(FUNCTIONS, FUNCTIONS_REVERSE),
        *(migrations.RunSQL(*trigger_sql(*trigger)) for trigger in TRIGGERS),
    ]
