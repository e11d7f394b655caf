"""Sales test data: a tradeable hospital and distributor, products with a national price,
qualified stock in known lots, the people of the outbound process, and orders built
through the services (so every factory-made order passed the same rules as a real one)."""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass, field
from decimal import Decimal

from apps.catalog.models import StorageCondition
from apps.catalog.tests.factories import CategoryFactory, approved_product
from apps.core.models import today
from apps.core.tests.factories import licensed_company, user_with_role
from apps.customers.models import CustomerType
from apps.customers.tests.factories import tradeable_customer
from apps.inventory.models import Zone
from apps.inventory.tests.factories import LocationFactory, LotFactory, WarehouseFactory, put_stock
from apps.sales.models import SalesOrder, SalesOrderStatus
from apps.sales.services import LineInput, sales_order_confirm, sales_order_create

_batches = itertools.count(1)


def days(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


@dataclass
class World:
    """Everything an outbound flow needs; see `sales_world`."""

    category: object
    customer: object
    distributor: object
    product: object
    warehouse: object
    qualified: object
    qualified_cold: object
    qualified_controlled: object
    returns: object
    nonconforming: object
    sales: object
    sales2: object
    keeper: object
    keeper2: object
    checker: object
    inspector: object
    manager: object
    manager2: object
    extra: dict = field(default_factory=dict)

    def make_product(self, **kwargs):
        """Another approved product in the licensed category (national price 100.00)."""
        kwargs.setdefault("national_wholesale_price", Decimal("100.00"))
        return approved_product(category=self.category, **kwargs)

    def stock(
        self,
        product=None,
        quantity: int = 100,
        *,
        expiry_days: int = 400,
        location=None,
        unit_cost: Decimal | None = Decimal("50.00"),
        batch: str | None = None,
    ):
        """A new lot of `product` with `quantity` on hand in a qualified location."""
        product = product or self.product
        if location is None:
            if product.is_controlled:
                location = self.qualified_controlled
            elif product.storage_condition == StorageCondition.COLD:
                location = self.qualified_cold
            else:
                location = self.qualified
        lot = LotFactory(
            product=product,
            batch_number=batch or f"SB{next(_batches):05d}",
            expiry_date=days(expiry_days),
            production_date=days(expiry_days - 700),
        )
        put_stock(lot, location, quantity, unit_cost=unit_cost)
        return lot


def sales_world() -> World:
    category = CategoryFactory()
    licensed_company([category])
    warehouse = WarehouseFactory()

    def location(code, zone, condition=StorageCondition.AMBIENT, **kwargs):
        return LocationFactory(
            warehouse=warehouse, code=code, zone=zone, storage_condition=condition, **kwargs
        )

    return World(
        category=category,
        customer=tradeable_customer(CustomerType.HOSPITAL, categories=[category]),
        distributor=tradeable_customer(CustomerType.DISTRIBUTOR, categories=[category]),
        product=approved_product(category=category, national_wholesale_price=Decimal("100.00")),
        warehouse=warehouse,
        qualified=location("Q-A", Zone.QUALIFIED),
        qualified_cold=location("Q-C", Zone.QUALIFIED, StorageCondition.COLD),
        qualified_controlled=location("Q-X", Zone.QUALIFIED, is_controlled_area=True),
        returns=location("R-A", Zone.RETURNS),
        nonconforming=location("N-A", Zone.NONCONFORMING),
        sales=user_with_role("sales", "seller1"),
        sales2=user_with_role("sales", "seller2"),
        keeper=user_with_role("keeper", "keeper1"),
        keeper2=user_with_role("keeper", "keeper2"),
        checker=user_with_role("checker", "checker1"),
        inspector=user_with_role("inspector", "inspector1"),
        manager=user_with_role("manager", "manager1"),
        manager2=user_with_role("manager", "manager2"),
    )


def draft_order(
    world: World,
    lines: dict | None = None,
    *,
    price: Decimal = Decimal("90.00"),
    customer=None,
    user=None,
    order_date: datetime.date | None = None,
    **kwargs,
) -> SalesOrder:
    """A draft order through the service: `lines` maps product -> quantity (default:
    10 of the world's product) at `price` (below the national price of 100.00)."""
    lines = lines or {world.product: 10}
    return sales_order_create(
        user=user or world.sales,
        customer=customer or world.customer,
        order_date=order_date or today(),
        warehouse=world.warehouse,
        lines=[LineInput(product=p, quantity=q, unit_price=price) for p, q in lines.items()],
        **kwargs,
    )


def confirmed_order(world: World, lines: dict | None = None, **kwargs) -> SalesOrder:
    """A CONFIRMED order (stock reserved by FEFO): the caller provides the stock."""
    user = kwargs.get("user") or world.sales
    order = draft_order(world, lines, **kwargs)
    order = sales_order_confirm(order=order, user=user)
    assert order.status == SalesOrderStatus.CONFIRMED, order.status
    return order
