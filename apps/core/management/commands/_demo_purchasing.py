"""Demo purchase orders in every stage: a draft, one awaiting the manager, an open one and
one partly received and inspected (its goods in the qualified zone, the rest still due).

Everything goes through the purchasing services (`po_create`, `po_submit`,
`receipt_create`, `acceptance_create`), which post the stock through the stock service.
Each demo order is recognised again by its note, so loading twice adds nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from apps.catalog.models import Product, StorageCondition
from apps.core.models import ApprovalStatus, CompanySettings, today
from apps.inventory.models import Location, Warehouse, Zone
from apps.purchasing.models import PurchaseOrder
from apps.purchasing.services import (
    OrderLineInput,
    ReceiptLineInput,
    acceptance_create,
    po_create,
    po_submit,
    receipt_create,
)
from apps.suppliers.models import Supplier

# Categories every demo supplier is licensed for (see CORE in _demo_data).
SAFE_CATEGORIES = ("6815", "6864", "6866")


@dataclass(frozen=True)
class DemoOrder:
    note: str
    lines: int
    stage: str  # draft / pending_approval / open / partly_received
    days_ago: int
    quantity: int


ORDERS = (
    DemoOrder("演示：补货草稿，待采购员确认数量", 3, "draft", 1, 200),
    DemoOrder("演示：大额订单，待总经理审批", 2, "pending_approval", 4, 0),
    DemoOrder("演示：已下达订单，等待到货", 3, "open", 6, 300),
    DemoOrder("演示：部分到货，已验收入合格品区", 2, "partly_received", 12, 400),
)


class PurchasingLoader:
    def __init__(self, loader, users, warehouse: Warehouse):
        self.loader = loader
        self.users = users
        self.warehouse = warehouse
        self.today = loader.today

    def run(self) -> None:
        done = set(
            PurchaseOrder.objects.filter(note__in=[o.note for o in ORDERS]).values_list(
                "note", flat=True
            )
        )
        if done == {o.note for o in ORDERS}:
            return
        products = self.products()
        suppliers = self.suppliers(self.days(-max(o.days_ago for o in ORDERS)))
        threshold = CompanySettings.load().purchase_approval_threshold
        for index, order in enumerate(ORDERS):
            if order.note in done:
                continue
            chosen = products[index * 3 : index * 3 + order.lines]
            self.order(order, suppliers[index % len(suppliers)], chosen, threshold)
            self.loader.stats["purchase order created"] += 1

    @staticmethod
    def suppliers(since: datetime.date) -> list[Supplier]:
        """Suppliers in good standing from `since` until today (licences, authorisation)."""
        result = []
        for supplier in Supplier.objects.filter(
            is_active=True, first_approval__status=ApprovalStatus.APPROVED
        ).order_by("code"):
            if not supplier.standing_blockers(since) and not supplier.standing_blockers(today()):
                result.append(supplier)
            if len(result) == len(ORDERS):
                break
        return result

    def products(self) -> list[Product]:
        """Approved ambient consumables every demo supplier may sell."""
        return list(
            Product.objects.filter(
                category__code__regex=rf"^({'|'.join(SAFE_CATEGORIES)})",
                storage_condition=StorageCondition.AMBIENT,
                is_controlled=False,
                is_serialised=False,
                is_active=True,
                first_approval__status=ApprovalStatus.APPROVED,
                registration_valid_until__gt=self.today + datetime.timedelta(days=60),
            ).order_by("code")[:12]
        )

    def days(self, n: int) -> datetime.date:
        return self.today + datetime.timedelta(days=n)

    def order(
        self, demo: DemoOrder, supplier: Supplier, products: list[Product], threshold: Decimal
    ) -> None:
        purchaser = self.users["purchaser"]
        price_factor = Decimal("0.75")
        lines = []
        for product in products:
            price = (product.national_wholesale_price * price_factor).quantize(Decimal("0.01"))
            quantity = demo.quantity
            if demo.stage == "pending_approval":
                # Just above the approval threshold, spread over the lines.
                quantity = int(threshold / len(products) / price) + 1
            lines.append(OrderLineInput(product=product, quantity=quantity, unit_price=price))
        order = po_create(
            user=purchaser,
            supplier=supplier,
            order_date=self.days(-demo.days_ago),
            planned_arrival=self.days(-demo.days_ago + 7),
            warehouse=self.warehouse,
            lines=lines,
            note=demo.note,
        )
        if demo.stage == "draft":
            return
        order = po_submit(order=order, user=purchaser)
        if demo.stage != "partly_received":
            return
        order_line = order.lines.order_by("pk").first()
        product = order_line.product
        arrived = order_line.quantity // 2
        receipt = receipt_create(
            user=self.users["keeper"],
            supplier=order.supplier,
            warehouse=self.warehouse,
            received_on=self.days(-3),
            order=order,
            delivery_note_number="SH-DEMO-0001",
            lines=[
                ReceiptLineInput(
                    product=product,
                    batch_number="PO2025A01",
                    expiry_date=self.days(700),
                    production_date=self.days(-60),
                    quantity=arrived,
                    order_line=order_line,
                )
            ],
        )
        qualified = (
            Location.objects.filter(
                warehouse=self.warehouse,
                zone=Zone.QUALIFIED,
                storage_condition=product.storage_condition,
                is_controlled_area=False,
                is_active=True,
            )
            .order_by("code")
            .first()
        )
        acceptance_create(
            receipt_line=receipt.lines.get(),
            user=self.users["inspector"],
            accepted_qty=arrived,
            rejected_qty=0,
            appearance_ok=True,
            packaging_ok=True,
            label_ok=True,
            certificate_ok=True,
            qualified_location=qualified,
            sample_qty=2,
            remarks="外观、包装、标签、合格证明文件均符合要求。",
            inspected_on=self.days(-2),
        )
