"""Reads of the sales app: period usage for the maximum-quantity control, queues, lists."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import F, Prefetch, Sum

from apps.catalog.models import MaxQtyPeriod

from .models import (
    OPEN_STATUSES,
    DeliveryLine,
    HoldStatus,
    SalesOrder,
    SalesOrderHold,
    SalesOrderLine,
    SalesOrderStatus,
    SalesReturnLine,
)


def period_bounds(
    period: str, on_date: datetime.date
) -> tuple[datetime.date, datetime.date] | None:
    """The calendar period (Asia/Shanghai dates) containing `on_date`; None per order."""
    year = on_date.year
    if period == MaxQtyPeriod.MONTH:
        start = on_date.replace(day=1)
        next_start = (start + datetime.timedelta(days=32)).replace(day=1)
    elif period == MaxQtyPeriod.QUARTER:
        first_month = 3 * ((on_date.month - 1) // 3) + 1
        start = datetime.date(year, first_month, 1)
        next_start = (
            datetime.date(year + 1, 1, 1)
            if first_month == 10
            else datetime.date(year, first_month + 3, 1)
        )
    elif period == MaxQtyPeriod.YEAR:
        start = datetime.date(year, 1, 1)
        next_start = datetime.date(year + 1, 1, 1)
    else:
        return None
    return start, next_start - datetime.timedelta(days=1)


@dataclass(frozen=True)
class PeriodUsage:
    """DESIGN.md 4.4 for one customer, product and period:
    used = shipped − returned (in the period) + open (ordered − shipped − released on
    open orders dated in the period)."""

    product_id: int
    period: str
    start: datetime.date | None
    end: datetime.date | None
    limit: int
    shipped: int = 0
    returned: int = 0
    open: int = 0

    @property
    def used(self) -> int:
        return self.shipped - self.returned + self.open

    @property
    def available(self) -> int:
        return max(self.limit - self.used, 0)


def period_usages(
    *, customer, products, on_date: datetime.date, exclude_order_id: int | None = None
) -> dict[int, PeriodUsage]:
    """Usage of every limited product in `products` for `customer` (three aggregate
    queries whatever the number of products or past orders)."""
    limited = [p for p in products if p.max_qty]
    by_bounds: dict[tuple, list] = {}
    for product in limited:
        by_bounds.setdefault(period_bounds(product.max_qty_period, on_date), []).append(product)
    usages: dict[int, PeriodUsage] = {}
    for bounds, group in by_bounds.items():
        ids = [p.pk for p in group]
        if bounds is None:
            for p in group:
                usages[p.pk] = PeriodUsage(p.pk, p.max_qty_period, None, None, p.max_qty)
            continue
        start, end = bounds
        shipped = dict(
            DeliveryLine.objects.filter(
                customer=customer, product_id__in=ids, shipped_on__range=(start, end)
            )
            .values_list("product_id")
            .annotate(q=Sum("quantity"))
        )
        returned = dict(
            SalesReturnLine.objects.filter(
                customer=customer, product_id__in=ids, returned_on__range=(start, end)
            )
            .values_list("product_id")
            .annotate(q=Sum("quantity"))
        )
        open_lines = SalesOrderLine.objects.filter(
            order__customer=customer,
            product_id__in=ids,
            order__status__in=OPEN_STATUSES,
            order__order_date__range=(start, end),
        )
        if exclude_order_id is not None:
            open_lines = open_lines.exclude(order_id=exclude_order_id)
        open_ = dict(
            open_lines.values_list("product_id").annotate(
                q=Sum(F("quantity") - F("shipped_qty") - F("released_qty"))
            )
        )
        for p in group:
            usages[p.pk] = PeriodUsage(
                p.pk,
                p.max_qty_period,
                start,
                end,
                p.max_qty,
                shipped=shipped.get(p.pk) or 0,
                returned=returned.get(p.pk) or 0,
                open=open_.get(p.pk) or 0,
            )
    return usages


def sales_order_with_lines(pk: int) -> SalesOrder:
    return (
        SalesOrder.objects.select_related(
            "customer", "salesperson", "created_by", "warehouse", "confirmed_by", "closed_by"
        )
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=SalesOrderLine.objects.select_related(
                    "product", "product__manufacturer"
                ).order_by("pk"),
            ),
            Prefetch("holds", queryset=SalesOrderHold.objects.select_related("decided_by")),
        )
        .get(pk=pk)
    )


def sales_order_list():
    """The order list: one query with customer and salesperson, amount summed in SQL."""
    return SalesOrder.objects.select_related("customer", "salesperson", "warehouse")


def held_orders():
    """Sales orders waiting for a manager, with their pending holds."""
    return (
        SalesOrder.objects.filter(status=SalesOrderStatus.PENDING_APPROVAL)
        .select_related("customer", "salesperson", "created_by")
        .prefetch_related(
            Prefetch(
                "holds",
                queryset=SalesOrderHold.objects.filter(status=HoldStatus.PENDING),
                to_attr="pending_holds",
            )
        )
        .order_by("submitted_at", "pk")
    )
