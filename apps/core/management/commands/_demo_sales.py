"""Demo sales orders in every stage: a draft, one held for a price above the national
wholesale price (waiting for the manager), one confirmed with its lots reserved, one
picked and waiting for the double-check, and one shipped with its delivery note.

Everything goes through the sales services, which run every control and post the stock
through the stock service. Each demo order is recognised again by its note, so loading
twice adds nothing. Orders are only placed where the controls allow them (a customer in
good standing, products in stock that the customer may buy).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from apps.catalog.models import Product, StorageCondition
from apps.core.models import ApprovalStatus, today
from apps.customers.models import Customer, CustomerType
from apps.inventory.models import Warehouse
from apps.inventory.services import sellable_balances
from apps.sales.models import SalesOrder, SalesOrderLine, SalesOrderStatus
from apps.sales.services import (
    LineInput,
    run_controls,
    sales_order_confirm,
    sales_order_create,
    sales_order_submit,
)
from apps.sales.services.controls import min_expiry_for
from apps.sales.services.fulfilment import (
    CheckInput,
    delivery_check,
    delivery_create,
    delivery_ship,
)


@dataclass(frozen=True)
class DemoSale:
    note: str
    stage: str  # draft / held / confirmed / picked / shipped
    lines: int
    quantity: int
    price_factor: Decimal  # of the national wholesale price


SALES = (
    DemoSale("演示：销售草稿，待业务员补充", "draft", 2, 5, Decimal("0.95")),
    DemoSale("演示：高于国批价，待经理审批", "held", 1, 3, Decimal("1.08")),
    DemoSale("演示：已确认，批号已按近效期先出锁定", "confirmed", 2, 4, Decimal("0.92")),
    DemoSale("演示：已拣货，待复核", "picked", 1, 2, Decimal("0.90")),
    DemoSale("演示：已出库，随货同行单已打印", "shipped", 2, 3, Decimal("0.93")),
)


class SalesLoader:
    def __init__(self, loader, users, warehouse: Warehouse):
        self.loader = loader
        self.users = users
        self.warehouse = warehouse

    def run(self) -> None:
        done = set(
            SalesOrder.objects.filter(note__in=[s.note for s in SALES]).values_list(
                "note", flat=True
            )
        )
        todo = [s for s in SALES if s.note not in done]
        if not todo:
            return
        seller = self.users["sales"]
        chosen = self.customer_and_products(seller)
        if chosen is None:
            self.loader.stats["sales demo skipped (no customer or stock)"] += 1
            return
        customer, products = chosen
        for index, sale in enumerate(todo):
            chosen = [products[(index + n) % len(products)] for n in range(sale.lines)]
            self.place(sale, customer, chosen)
            self.loader.stats["sales order created"] += 1

    def products(self, min_expiry: datetime.date) -> list[Product]:
        """Ambient, uncontrolled, approved products with plenty of sellable stock that
        expires late enough for the customer."""
        stocked = set(
            sellable_balances(warehouse=self.warehouse)
            .filter(on_hand__gte=60, expiry_date__gte=min_expiry)
            .values_list("product_id", flat=True)
        )
        return list(
            Product.objects.filter(
                pk__in=stocked,
                storage_condition=StorageCondition.AMBIENT,
                is_controlled=False,
                is_serialised=False,
                is_active=True,
                is_stopped=False,
                max_qty__isnull=True,
                first_approval__status=ApprovalStatus.APPROVED,
            )
            .select_related("category", "first_approval", "manufacturer")
            .order_by("code")[:6]
        )

    def customer_and_products(self, seller) -> tuple[Customer, list[Product]] | None:
        """The first hospital that may buy at least two stocked products today."""
        for customer in Customer.objects.filter(
            customer_type=CustomerType.HOSPITAL, is_active=True
        ).order_by("code"):
            products = self.products(min_expiry_for(customer, today()))
            if len(products) < 2:
                continue
            lines = [
                SalesOrderLine(
                    product=p, quantity=1, unit_price=p.national_wholesale_price, tax_rate=13
                )
                for p in products
            ]
            result = run_controls(
                customer=customer,
                lines=lines,
                on_date=today(),
                sales_type="wholesale",
                settlement_method="bank_transfer",
                users=[seller],
                enforce=True,
            )
            if not result.blocks:
                return customer, products
        return None

    def place(self, sale: DemoSale, customer: Customer, products: list[Product]) -> None:
        seller = self.users["sales"]
        order = sales_order_create(
            user=seller,
            customer=customer,
            warehouse=self.warehouse,
            planned_delivery=today() + _days(3),
            note=sale.note,
            lines=[
                LineInput(
                    product=p,
                    quantity=sale.quantity,
                    unit_price=(p.national_wholesale_price * sale.price_factor).quantize(
                        Decimal("0.01")
                    ),
                )
                for p in products
            ],
        )
        if sale.stage == "draft":
            return
        if sale.stage == "held":
            sales_order_submit(order=order, user=seller)
            return
        order = sales_order_confirm(order=order, user=seller)
        if order.status != SalesOrderStatus.CONFIRMED or sale.stage == "confirmed":
            return
        delivery = delivery_create(order=order, user=self.users["keeper"])
        if sale.stage == "picked":
            return
        delivery = delivery_check(
            delivery=delivery,
            user=self.users["checker"],
            confirmations=[
                CheckInput(line.pk, line.lot.batch_number, line.quantity)
                for line in delivery.lines.select_related("lot")
            ],
        )
        delivery_ship(
            delivery=delivery,
            user=self.users["keeper"],
            transport_mode="ordinary",
            carrier="顺丰医药",
        )


def _days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)
