"""Reads of the purchasing app: the queries services and pages share."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import F, Prefetch, Sum
from django.utils.translation import gettext as _

from apps.inventory.models import Location, Zone

from .models import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReturn,
    PurchaseReturnLine,
    Receipt,
    ReceiptLine,
)


def purchase_order_with_lines(pk: int) -> PurchaseOrder:
    """One order with its supplier, warehouse and lines (products prefetched)."""
    return (
        PurchaseOrder.objects.select_related("supplier", "warehouse", "created_by", "approved_by")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=PurchaseOrderLine.objects.select_related("product").order_by("pk"),
            )
        )
        .get(pk=pk)
    )


def order_warnings(order: PurchaseOrder) -> list[str]:
    """What the controls warned about (maximum purchase price, licences in lenient mode)."""
    return [line for line in (order.warnings or "").splitlines() if line.strip()]


def open_order_lines(order: PurchaseOrder):
    """Lines of an order that still expect goods (open quantity above zero)."""
    return (
        PurchaseOrderLine.objects.filter(order=order)
        .annotate(
            open=F("quantity")
            - F("received_qty")
            - F("reasonable_loss_qty")
            - F("unreasonable_loss_qty")
            - F("returned_qty")
        )
        .filter(open__gt=0)
        .select_related("product")
        .order_by("pk")
    )


def receipt_lines_awaiting_inspection(*, warehouse=None):
    """Arrived batches with a quantity not yet accepted or rejected."""
    qs = ReceiptLine.objects.filter(quantity__gt=F("accepted_qty") + F("rejected_qty"))
    if warehouse is not None:
        qs = qs.filter(receipt__warehouse=warehouse)
    return qs.select_related(
        "receipt__supplier", "receipt__order", "product", "lot", "location"
    ).order_by("receipt__received_on", "pk")


def pending_location_for(*, warehouse, product) -> Location | None:
    """An active pending-inspection location of the warehouse that suits the product."""
    return (
        Location.objects.filter(
            warehouse=warehouse,
            zone=Zone.PENDING,
            is_active=True,
            storage_condition=product.storage_condition,
        )
        .order_by("code")
        .first()
    )


def received_on_line(*, order_line: PurchaseOrderLine, lot) -> int:
    """How much of `lot` arrived on `order_line`, less what already went back from it."""
    arrived = (
        ReceiptLine.objects.filter(order_line=order_line, lot=lot).aggregate(n=Sum("quantity"))["n"]
        or 0
    )
    returned = (
        PurchaseReturnLine.objects.filter(order_line=order_line, lot=lot).aggregate(
            n=Sum("quantity")
        )["n"]
        or 0
    )
    return arrived - returned


def last_receipt_price(*, lot, supplier) -> ReceiptLine | None:
    """The latest receipt line of `lot` from `supplier` (for return prices without an order)."""
    return (
        ReceiptLine.objects.filter(lot=lot, receipt__supplier=supplier)
        .order_by("-receipt__received_on", "-pk")
        .first()
    )


def receipt_trace_details(receipt_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """Supplier, order and arrival date of receipts, for the recall trace (one query)."""
    rows = Receipt.objects.filter(pk__in=receipt_ids).select_related("supplier", "order")
    return {
        receipt.pk: [
            (str(_("Supplier")), receipt.supplier.name),
            (str(_("Purchase order")), receipt.order.number if receipt.order else "—"),
            (str(_("Arrival date")), receipt.received_on.isoformat()),
        ]
        for receipt in rows
    }


def return_trace_details(return_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """Supplier and original order of purchase returns, for the recall trace (one query)."""
    rows = PurchaseReturn.objects.filter(pk__in=return_ids).select_related("supplier", "order")
    return {
        ret.pk: [
            (str(_("Supplier")), ret.supplier.name),
            (str(_("Purchase order")), ret.order.number if ret.order else "—"),
        ]
        for ret in rows
    }


def last_purchase_prices(*, product_ids) -> dict[int, Decimal]:
    """The tax-inclusive unit price of each product's latest receipt (one query), for the
    minimum-price rule "not below the last purchase cost" (DESIGN.md 4.3)."""
    rows = (
        ReceiptLine.objects.filter(product_id__in=list(product_ids))
        .order_by("product_id", "-receipt__received_on", "-pk")
        .distinct("product_id")
        .values_list("product_id", "unit_price")
    )
    return dict(rows)
