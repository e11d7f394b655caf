"""Purchasing test data: a tradeable supplier and products, a warehouse with one location
per zone and storage condition, the people of the process, and open orders built through
the services (so every factory-made order passed the same rules as a real one)."""

from __future__ import annotations

import datetime
import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, Sum

from apps.catalog.models import StorageCondition
from apps.catalog.tests.factories import CategoryFactory, approved_product
from apps.core.models import CompanySettings, today
from apps.core.tests.factories import licensed_company, user_with_role
from apps.inventory.models import StockBalance, StockMove, Zone
from apps.inventory.tests.factories import LocationFactory, WarehouseFactory
from apps.purchasing.models import OrderStatus, PurchaseOrder, PurchaseOrderLine
from apps.purchasing.services import (
    OrderLineInput,
    ReceiptLineInput,
    po_create,
    po_submit,
    receipt_create,
)
from apps.suppliers.tests.factories import tradeable_supplier

_batches = itertools.count(1)


def days(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


def set_company(**fields) -> CompanySettings:
    """Change the company's control switches (order_control_mode, thresholds, ...)."""
    company = CompanySettings.load()
    company.name = company.name or "上海示例医疗器械有限公司"
    for name, value in fields.items():
        setattr(company, name, value)
    company.full_clean()
    company.save()
    return company


@dataclass
class World:
    """Everything a purchasing flow needs; see `purchasing_world`."""

    category: object
    supplier: object
    product: object
    warehouse: object
    pending: object
    pending_cold: object
    qualified: object
    qualified_cold: object
    qualified_controlled: object
    nonconforming: object
    purchaser: object
    purchaser2: object
    keeper: object
    keeper2: object
    inspector: object
    manager: object
    manager2: object
    extra: dict = field(default_factory=dict)

    def make_product(self, **kwargs):
        """Another approved product in the supplier's licensed category."""
        return approved_product(category=self.category, **kwargs)


def purchasing_world() -> World:
    category = CategoryFactory()
    licensed_company([category])  # our own licences cover what we buy (DESIGN.md 4.1)
    warehouse = WarehouseFactory()

    def location(code, zone, condition=StorageCondition.AMBIENT, **kwargs):
        return LocationFactory(
            warehouse=warehouse, code=code, zone=zone, storage_condition=condition, **kwargs
        )

    return World(
        category=category,
        supplier=tradeable_supplier(categories=[category]),
        product=approved_product(category=category),
        warehouse=warehouse,
        pending=location("P-A", Zone.PENDING),
        pending_cold=location("P-C", Zone.PENDING, StorageCondition.COLD),
        qualified=location("Q-A", Zone.QUALIFIED),
        qualified_cold=location("Q-C", Zone.QUALIFIED, StorageCondition.COLD),
        qualified_controlled=location("Q-X", Zone.QUALIFIED, is_controlled_area=True),
        nonconforming=location("N-A", Zone.NONCONFORMING),
        purchaser=user_with_role("purchaser", "buyer1"),
        purchaser2=user_with_role("purchaser", "buyer2"),
        keeper=user_with_role("keeper", "keeper1"),
        keeper2=user_with_role("keeper", "keeper2"),
        inspector=user_with_role("inspector", "inspector1"),
        manager=user_with_role("manager", "manager1"),
        manager2=user_with_role("manager", "manager2"),
    )


def open_order(
    world: World,
    lines: dict | None = None,
    *,
    price: Decimal = Decimal("10.00"),
    user=None,
    order_date: datetime.date | None = None,
) -> PurchaseOrder:
    """An OPEN order written and submitted through the services: `lines` maps product ->
    quantity (default: 100 of the world's product). Stays below the approval threshold
    unless the caller lowered it."""
    lines = lines or {world.product: 100}
    order = po_create(
        user=user or world.purchaser,
        supplier=world.supplier,
        order_date=order_date or today(),
        warehouse=world.warehouse,
        lines=[OrderLineInput(product=p, quantity=q, unit_price=price) for p, q in lines.items()],
    )
    order = po_submit(order=order, user=user or world.purchaser)
    assert order.status == OrderStatus.OPEN, order.status
    return order


def order_line(order: PurchaseOrder, product) -> PurchaseOrderLine:
    return PurchaseOrderLine.objects.get(order=order, product=product)


def receipt_line_input(product, quantity: int, **kwargs) -> ReceiptLineInput:
    defaults = {
        "batch_number": f"RB{next(_batches):05d}",
        "production_date": days(-30),
        "expiry_date": days(700),
    }
    if product.is_cold_chain:
        defaults["arrival_temperature"] = Decimal("5.0")
    defaults.update(kwargs)
    return ReceiptLineInput(product=product, quantity=quantity, **defaults)


def receive(world: World, order, product, quantity: int, *, user=None, **kwargs):
    """A receipt of one batch of `product` on `order` (booked by the keeper)."""
    transport = kwargs.pop("transport_mode", "cold_box" if product.is_cold_chain else "ordinary")
    return receipt_create(
        user=user or world.keeper,
        supplier=order.supplier if order else world.supplier,
        warehouse=world.warehouse,
        received_on=today(),
        order=order,
        transport_mode=transport,
        lines=[receipt_line_input(product, quantity, **kwargs)],
    )


def line_identity_problems(line: PurchaseOrderLine, expected_open: int) -> list[str]:
    """What breaks the line identity: ordered = received + reasonable + unreasonable +
    returned + open, with each counter recomputed from the documents (receipt and return
    lines) and `open` as the test itself tracked it."""
    line.refresh_from_db()
    arrived = line.receipt_lines.aggregate(
        q=Sum("quantity"), r=Sum("reasonable_loss_qty"), u=Sum("unreasonable_loss_qty")
    )
    returned = line.return_lines.aggregate(q=Sum("quantity"))["q"] or 0
    problems = []
    if line.received_qty != (arrived["q"] or 0) - returned:
        problems.append(f"received {line.received_qty} != {(arrived['q'] or 0) - returned}")
    if line.reasonable_loss_qty != (arrived["r"] or 0):
        problems.append(f"reasonable loss {line.reasonable_loss_qty} != {arrived['r']}")
    if line.unreasonable_loss_qty != (arrived["u"] or 0):
        problems.append(f"unreasonable loss {line.unreasonable_loss_qty} != {arrived['u']}")
    if line.returned_qty != returned:
        problems.append(f"returned {line.returned_qty} != {returned}")
    total = (
        line.received_qty
        + line.reasonable_loss_qty
        + line.unreasonable_loss_qty
        + line.returned_qty
        + expected_open
    )
    if line.quantity != total:
        problems.append(f"ordered {line.quantity} != {total}")
    if line.open_qty != expected_open:
        problems.append(f"open {line.open_qty} != {expected_open}")
    return problems


def ledger_mismatches() -> list[str]:
    """Balances whose on-hand differs from the moves in minus the moves out."""
    net: dict[tuple[int, int], int] = defaultdict(int)
    for lot, location, quantity in (
        StockMove.objects.filter(to_location__isnull=False)
        .values_list("lot", "to_location")
        .annotate(n=Sum("quantity"))
    ):
        net[(lot, location)] += quantity
    for lot, location, quantity in (
        StockMove.objects.filter(from_location__isnull=False)
        .values_list("lot", "from_location")
        .annotate(n=Sum("quantity"))
    ):
        net[(lot, location)] -= quantity
    problems = []
    balances = {
        (lot, location): on_hand
        for lot, location, on_hand in StockBalance.objects.values_list("lot", "location", "on_hand")
    }
    for key in set(net) | set(balances):
        if balances.get(key, 0) != net.get(key, 0):
            problems.append(
                f"lot/location {key}: {balances.get(key, 0)} on hand, ledger {net[key]}"
            )
    return problems


def on_hand(lot, location) -> int:
    return (
        StockBalance.objects.filter(Q(lot=lot) & Q(location=location))
        .values_list("on_hand", flat=True)
        .first()
        or 0
    )
