"""The stock-ledger proof: balances agree with the moves and reservations behind them.

Each check is one SQL aggregate over the whole ledger (no per-move Python loop), so
`check_stock_ledger` stays fast however many moves there are. Only the rows that
disagree come back to Python, to be described.
"""

from __future__ import annotations

from django.db import connection
from django.utils.translation import gettext as _

from apps.catalog.models import Product

from .models import Location, Lot, StockBalance, StockMove, StockReservation, Warehouse

BALANCE = StockBalance._meta.db_table
MOVE = StockMove._meta.db_table
RESERVATION = StockReservation._meta.db_table
LOT = Lot._meta.db_table
LOCATION = Location._meta.db_table
WAREHOUSE = Warehouse._meta.db_table
PRODUCT = Product._meta.db_table

# Net quantity of each (lot, location) according to the ledger: moves in minus moves out.
_NET_FLOWS = f"""
    SELECT lot_id, location_id, SUM(quantity) AS net, COUNT(*) AS moves
    FROM (
        SELECT lot_id, to_location_id AS location_id, quantity
        FROM {MOVE} WHERE to_location_id IS NOT NULL
        UNION ALL
        SELECT lot_id, from_location_id, -quantity
        FROM {MOVE} WHERE from_location_id IS NOT NULL
    ) AS flows
    GROUP BY lot_id, location_id
"""

# The words that name a lot and a location in a message, joined once per discrepant row.
_LABEL_JOINS = f"""
    JOIN {LOT} AS lot ON lot.id = x.lot_id
    JOIN {PRODUCT} AS product ON product.id = lot.product_id
    JOIN {LOCATION} AS loc ON loc.id = x.location_id
    JOIN {WAREHOUSE} AS wh ON wh.id = loc.warehouse_id
"""
_LABEL_COLUMNS = """
    product.code || ' ' || lot.batch_number
        || CASE WHEN lot.serial_number <> '' THEN ' SN ' || lot.serial_number ELSE '' END,
    wh.code || '/' || loc.code
"""

_ON_HAND_SQL = f"""
    SELECT x.balance_id, x.on_hand, x.net, {_LABEL_COLUMNS}
    FROM (
        SELECT b.id AS balance_id, COALESCE(b.lot_id, t.lot_id) AS lot_id,
               COALESCE(b.location_id, t.location_id) AS location_id,
               b.on_hand, COALESCE(t.net, 0) AS net
        FROM {BALANCE} AS b
        FULL OUTER JOIN ({_NET_FLOWS}) AS t
            ON t.lot_id = b.lot_id AND t.location_id = b.location_id
        WHERE b.id IS NULL OR b.on_hand <> COALESCE(t.net, 0)
    ) AS x
    {_LABEL_JOINS}
    ORDER BY product.code, lot.batch_number, wh.code, loc.code
"""

_RESERVED_SQL = f"""
    SELECT x.reserved, x.total, {_LABEL_COLUMNS}
    FROM (
        SELECT b.lot_id, b.location_id, b.reserved, COALESCE(r.total, 0) AS total
        FROM {BALANCE} AS b
        LEFT JOIN (
            SELECT balance_id, SUM(quantity) AS total FROM {RESERVATION} GROUP BY balance_id
        ) AS r ON r.balance_id = b.id
        WHERE b.reserved <> COALESCE(r.total, 0)
    ) AS x
    {_LABEL_JOINS}
    ORDER BY product.code, lot.batch_number, wh.code, loc.code
"""

_BALANCE_PRODUCT_SQL = f"""
    SELECT other.code, {_LABEL_COLUMNS}
    FROM {BALANCE} AS x
    JOIN {PRODUCT} AS other ON other.id = x.product_id
    {_LABEL_JOINS}
    WHERE x.product_id <> lot.product_id
    ORDER BY product.code, lot.batch_number, wh.code, loc.code
"""

_BALANCE_EXPIRY_SQL = f"""
    SELECT x.expiry_date, {_LABEL_COLUMNS}
    FROM {BALANCE} AS x
    {_LABEL_JOINS}
    WHERE x.expiry_date <> lot.expiry_date
    ORDER BY product.code, lot.batch_number, wh.code, loc.code
"""

_MOVE_PRODUCT_SQL = f"""
    SELECT m.id, other.code, product.code || ' ' || lot.batch_number
    FROM {MOVE} AS m
    JOIN {LOT} AS lot ON lot.id = m.lot_id
    JOIN {PRODUCT} AS product ON product.id = lot.product_id
    JOIN {PRODUCT} AS other ON other.id = m.product_id
    WHERE m.product_id <> lot.product_id
    ORDER BY m.id
"""


def _rows(sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def ledger_discrepancies() -> list[str]:
    """Every way the balances disagree with the ledger, as translated sentences.

    - on hand of each (lot, location) == moves into it − moves out of it;
    - every (lot, location) with moves has a balance row;
    - reserved == the sum of the reservations on the balance;
    - the balance's (and each move's) product is its lot's product, and the balance's
      copy of the expiry date is the lot's.
    An empty list means the ledger proves every balance.
    """
    problems: list[str] = []
    for balance_id, on_hand, net, lot, location in _rows(_ON_HAND_SQL):
        if balance_id is None:
            problems.append(
                _("Lot %(lot)s in %(location)s: moves add up to %(net)s but there is no balance.")
                % {"lot": lot, "location": location, "net": net}
            )
        else:
            problems.append(
                _(
                    "Lot %(lot)s in %(location)s: on hand is %(on_hand)s but the moves add up "
                    "to %(net)s."
                )
                % {"lot": lot, "location": location, "on_hand": on_hand, "net": net}
            )
    for reserved, total, lot, location in _rows(_RESERVED_SQL):
        problems.append(
            _(
                "Lot %(lot)s in %(location)s: reserved is %(reserved)s but the reservations "
                "add up to %(total)s."
            )
            % {"lot": lot, "location": location, "reserved": reserved, "total": total}
        )
    for other, lot, location in _rows(_BALANCE_PRODUCT_SQL):
        problems.append(
            _("Lot %(lot)s in %(location)s: the balance names product %(other)s instead.")
            % {"lot": lot, "location": location, "other": other}
        )
    for expiry, lot, location in _rows(_BALANCE_EXPIRY_SQL):
        problems.append(
            _("Lot %(lot)s in %(location)s: the balance says it expires on %(expiry)s.")
            % {"lot": lot, "location": location, "expiry": expiry}
        )
    for move_id, other, lot in _rows(_MOVE_PRODUCT_SQL):
        problems.append(
            _("Stock move %(id)s of lot %(lot)s names product %(other)s instead.")
            % {"id": move_id, "lot": lot, "other": other}
        )
    return problems


def ledger_totals() -> tuple[int, int]:
    """(balances, moves) the check covers."""
    return StockBalance.objects.count(), StockMove.objects.count()
