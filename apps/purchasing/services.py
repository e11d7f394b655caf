"""Purchasing services: orders, approval, receipts, acceptance and returns (DESIGN.md 4.1,
4.7, 6). Every write of the purchasing app goes through these functions; the staff UI,
the admin and any importer call them. Each is atomic, locks the supplier row, then the
order, then product rows by pk, then balances (through the stock service), and raises a
`DomainError` with a translated, specific message when a rule refuses.

CONTRACT (signatures fixed; bodies being implemented):
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from apps.inventory.models import Location

from .models import (
    Acceptance,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReturn,
    Receipt,
    ReceiptLine,
)


@dataclass
class OrderLineInput:
    product: object  # catalog.Product
    quantity: int
    unit_price: Decimal  # tax-inclusive
    tax_rate: Decimal | None = None  # default: the product's
    planned_arrival: datetime.date | None = None


@dataclass
class ReceiptLineInput:
    product: object
    batch_number: str
    expiry_date: datetime.date
    quantity: int  # arrived
    unit_price: Decimal | None = None  # default: the order line's price
    order_line: PurchaseOrderLine | None = None  # required in strict mode
    production_date: datetime.date | None = None
    serial_number: str = ""
    udi: str = ""
    reasonable_loss_qty: int = 0
    unreasonable_loss_qty: int = 0
    arrival_temperature: Decimal | None = None  # required for cold-chain products
    location: Location | None = None  # default: a pending location that suits the product


@dataclass
class ReturnLineInput:
    lot: object  # inventory.Lot
    location: Location
    quantity: int
    order_line: PurchaseOrderLine | None = None  # required in strict mode


def po_create(
    *,
    user,
    supplier,
    order_date,
    warehouse,
    lines: list[OrderLineInput],
    planned_arrival=None,
    note: str = "",
) -> PurchaseOrder: ...


def po_update(
    *,
    order: PurchaseOrder,
    user,
    supplier,
    order_date,
    warehouse,
    lines: list[OrderLineInput],
    planned_arrival=None,
    note: str = "",
) -> PurchaseOrder: ...


def po_submit(*, order: PurchaseOrder, user) -> PurchaseOrder: ...


def po_approve(*, order: PurchaseOrder, user, note: str = "") -> PurchaseOrder: ...


def po_reject(*, order: PurchaseOrder, user, note: str) -> PurchaseOrder: ...


def po_close(*, order: PurchaseOrder, user, reason: str) -> PurchaseOrder: ...


def po_cancel(*, order: PurchaseOrder, user, reason: str) -> PurchaseOrder: ...


def receipt_create(
    *,
    user,
    supplier,
    warehouse,
    received_on,
    lines: list[ReceiptLineInput],
    order=None,
    transport_mode: str = "ordinary",
    delivery_note_number: str = "",
    note: str = "",
) -> Receipt: ...


def acceptance_create(
    *,
    receipt_line: ReceiptLine,
    user,
    accepted_qty: int,
    rejected_qty: int,
    appearance_ok: bool,
    packaging_ok: bool,
    label_ok: bool,
    certificate_ok: bool,
    qualified_location: Location | None = None,
    nonconforming_location: Location | None = None,
    sample_qty: int = 0,
    rejection_reason: str = "",
    remarks: str = "",
    second_keeper=None,
    inspected_on=None,
) -> Acceptance: ...


def purchase_return_create(
    *,
    user,
    supplier,
    returned_on,
    reason: str,
    lines: list[ReturnLineInput],
    order=None,
) -> PurchaseReturn: ...
