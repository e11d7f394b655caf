"""Reads of pricing: the national price in force on a date, the cross discount that applies
to a customer and product, and the suggested sale price built from both.

This is the interface the sales app calls when a line is added (DESIGN.md 7):
`suggested_price` for one product, `suggested_prices` for many at a constant number of
queries. The discount precedence is customer × product > customer × category > class ×
product > class × category > none; a category row also covers the product's sub-categories,
the nearest category winning within a level.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from apps.catalog.models import Category, Product

from .models import CENT, HUNDRED, CrossDiscount, DiscountLevel, NationalPrice

# A category tree deeper than this is a data error (a cycle); the walk stops there.
MAX_CATEGORY_DEPTH = 20


@dataclass(frozen=True)
class SuggestedPrice:
    national_price: Decimal | None  # price in force on the date
    rate_pct: Decimal | None  # resolved cross discount, None = no discount row
    # "customer_product" | "customer_category" | "class_product" | "class_category" | "none"
    level: str
    price: Decimal | None  # national_price * rate_pct / 100, rounded to 0.01 (ROUND_HALF_UP)
    floor_price: Decimal | None  # the discount row's floor, else product.min_sale_price, else None


def prices_in_force(on_date: datetime.date) -> QuerySet:
    """National price rows that may be in force on `on_date` (not voided, already started)."""
    return NationalPrice.objects.filter(voided=False, effective_from__lte=on_date)


def national_price_on(*, product, on_date) -> Decimal | None:
    """The national wholesale price of `product` in force on `on_date`: the latest
    non-voided row starting on or before it; before the first row, the product's price."""
    price = (
        prices_in_force(on_date)
        .filter(product=product)
        .order_by("-effective_from")
        .values_list("price", flat=True)
        .first()
    )
    if price is not None:
        return price
    return product.national_wholesale_price


def national_prices_on(*, product_ids, on_date) -> dict[int, Decimal]:
    """`national_price_on` for many products in one query: {product id: price}. Unknown ids
    are left out."""
    ids = list(product_ids)
    if not ids:
        return {}
    latest = (
        prices_in_force(on_date)
        .filter(product=OuterRef("pk"))
        .order_by("-effective_from")
        .values("price")[:1]
    )
    rows = (
        Product.objects.filter(pk__in=ids)
        .annotate(in_force=Coalesce(Subquery(latest), F("national_wholesale_price")))
        .values_list("pk", "in_force")
    )
    return dict(rows)


def category_chains(category_ids: Iterable[int]) -> dict[int, list[int]]:
    """{category id: [the category, its parent, ..., the root]} in one recursive query."""
    ids = sorted({pk for pk in category_ids if pk is not None})
    if not ids:
        return {}
    table = connection.ops.quote_name(Category._meta.db_table)
    sql = f"""
        WITH RECURSIVE chain(start_id, id, parent_id, depth) AS (
            SELECT c.id, c.id, c.parent_id, 0 FROM {table} c WHERE c.id = ANY(%s)
            UNION ALL
            SELECT chain.start_id, p.id, p.parent_id, chain.depth + 1
            FROM chain JOIN {table} p ON p.id = chain.parent_id
            WHERE chain.depth < %s
        )
        SELECT start_id, id FROM chain ORDER BY start_id, depth
    """
    chains: dict[int, list[int]] = {pk: [] for pk in ids}
    with connection.cursor() as cursor:
        cursor.execute(sql, [ids, MAX_CATEGORY_DEPTH])
        for start_id, category_id in cursor.fetchall():
            chains[start_id].append(category_id)
    return chains


class _DiscountIndex:
    """The active discount rows of one customer, indexed by level, for many products."""

    def __init__(self, customer, products: list, chains: dict[int, list[int]]):
        self.by_level: dict[str, dict[int, CrossDiscount]] = {
            level: {} for level in DiscountLevel.values
        }
        if customer is None or not products:
            return
        who = Q(customer_id=customer.pk)
        if customer.customer_class_id:
            who |= Q(customer_class_id=customer.customer_class_id)
        category_ids = {pk for chain in chains.values() for pk in chain}
        what = Q(product_id__in=[p.pk for p in products]) | Q(category_id__in=category_ids)
        for row in CrossDiscount.objects.filter(who, what, is_active=True):
            key = row.product_id if row.product_id is not None else row.category_id
            self.by_level[row.level][key] = row

    def resolve(self, product, chain: list[int]) -> tuple[CrossDiscount | None, str]:
        levels = (
            (DiscountLevel.CUSTOMER_PRODUCT, [product.pk]),
            (DiscountLevel.CUSTOMER_CATEGORY, chain),
            (DiscountLevel.CLASS_PRODUCT, [product.pk]),
            (DiscountLevel.CLASS_CATEGORY, chain),
        )
        for level, keys in levels:
            rows = self.by_level[level]
            for key in keys:  # the product, or its category nearest first
                if key in rows:
                    return rows[key], level.value
        return None, DiscountLevel.NONE.value


def _resolver(customer, products: list) -> tuple[_DiscountIndex, dict[int, list[int]]]:
    if customer is None:
        return _DiscountIndex(None, [], {}), {}
    chains = category_chains(p.category_id for p in products)
    return _DiscountIndex(customer, products, chains), chains


def resolve_discount(*, customer, product) -> tuple[CrossDiscount | None, str]:
    """The active cross discount row for `customer` and `product` and its level; (None,
    "none") when no row applies."""
    index, chains = _resolver(customer, [product])
    return index.resolve(product, chains.get(product.category_id, []))


def discounted(national_price: Decimal | None, rate_pct: Decimal | None) -> Decimal | None:
    """`rate_pct` % of the national price to the cent (half up); the national price itself
    without a rate."""
    if national_price is None:
        return None
    if rate_pct is None:
        return national_price
    return (national_price * rate_pct / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)


def _suggest(product, national: Decimal | None, row: CrossDiscount | None, level: str):
    rate = row.rate_pct if row is not None else None
    floor = row.floor_price if row is not None and row.floor_price is not None else None
    if floor is None:
        floor = product.min_sale_price
    return SuggestedPrice(
        national_price=national,
        rate_pct=rate,
        level=level,
        price=discounted(national, rate),
        floor_price=floor,
    )


def suggested_prices(*, customer, products, on_date) -> dict[int, SuggestedPrice]:
    """{product id: SuggestedPrice} for `customer` on `on_date`; three queries however many
    products (national prices, category chains, discount rows)."""
    products = list(products)
    if not products:
        return {}
    national = national_prices_on(product_ids=[p.pk for p in products], on_date=on_date)
    index, chains = _resolver(customer, products)
    result = {}
    for product in products:
        row, level = index.resolve(product, chains.get(product.category_id, []))
        result[product.pk] = _suggest(product, national.get(product.pk), row, level)
    return result


def suggested_price(*, customer, product, on_date) -> SuggestedPrice:
    """National price in force on `on_date` × the cross discount for this customer and
    product, with the explicit floor that applies."""
    return suggested_prices(customer=customer, products=[product], on_date=on_date)[product.pk]


def price_history(*, product, limit: int | None = None) -> QuerySet:
    """Every national price row of a product, newest first (voided rows included)."""
    rows = (
        NationalPrice.objects.filter(product=product)
        .select_related("notice", "superseded_by", "created_by")
        .order_by("-effective_from", "-pk")
    )
    return rows[:limit] if limit else rows
