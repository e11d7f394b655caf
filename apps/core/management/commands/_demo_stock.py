"""Demo warehouse: WH01 with a location in every zone and storage condition, storage groups,
and lots of the demo products in every expiry band (green, yellow, red, black).

Stock is booked only through the stock service (`stock_receive` of opening stock), so the
balances agree with the ledger and every zone, storage, expiry and compatibility rule
holds. Loading again is a no-op: lots are found by product, batch and serial number (a
lot loaded earlier is kept as it is, even if its band has moved on since), and each
opening move has a fixed idempotency key. Batch numbers come from a random generator
seeded with the product code, so they do not depend on the day the demo is loaded.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from apps.catalog.models import Product, StorageCondition, StorageGroup
from apps.inventory.expiry import Band, Thresholds
from apps.inventory.models import Location, Lot, MoveType, StockMove, Warehouse, Zone
from apps.inventory.services import Source, lot_get_or_create, stock_receive

WAREHOUSE_CODE = "WH01"
WAREHOUSE_NAME = "上海浦东仓"
OPENING_SOURCE = Source("demo.opening", None, "期初库存")

ZONE_LETTER = {
    Zone.PENDING: "P",
    Zone.QUALIFIED: "Q",
    Zone.NONCONFORMING: "N",
    Zone.RETURNS: "R",
}
ZONE_NAME = {
    Zone.PENDING: "待验区",
    Zone.QUALIFIED: "合格品区",
    Zone.NONCONFORMING: "不合格品区",
    Zone.RETURNS: "退货区",
}
CONDITION_LETTER = {
    StorageCondition.AMBIENT: "A",
    StorageCondition.COOL: "L",
    StorageCondition.COLD: "C",
}
CONDITION_NAME = {
    StorageCondition.AMBIENT: "常温库",
    StorageCondition.COOL: "阴凉库",
    StorageCondition.COLD: "冷库",
}
# Shelves in the qualified zone per storage condition; the other zones have one each.
QUALIFIED_SHELVES = {
    StorageCondition.AMBIENT: 4,
    StorageCondition.COOL: 2,
    StorageCondition.COLD: 2,
}

# (code, name, product name fragments): latex products are damaged by the ozone that UV
# disinfection equipment gives off, so the two groups may not share a location.
STORAGE_GROUPS = (
    ("SG-IVD", "体外诊断试剂", ("试剂", "试纸")),
    ("SG-RUB", "橡胶制品", ("橡胶",)),
    ("SG-UV", "紫外线/臭氧消毒设备", ("紫外线消毒",)),
)
INCOMPATIBLE = (("SG-RUB", "SG-UV"),)

PRODUCTS_WITH_STOCK = 4  # every fourth product has stock, and all cold/controlled/grouped ones


@dataclass(frozen=True)
class PlannedLot:
    band: Band
    zone: str
    quantity: int
    serials: tuple[str, ...] = ()


def location_code(zone: str, condition: str, number: int, *, controlled: bool = False) -> str:
    area = "K" if controlled else ""
    return f"{ZONE_LETTER[zone]}-{area}{CONDITION_LETTER[condition]}{number:02d}"


class StockLoader:
    """Called by `Loader.run()` with the loader (for `upsert`, stats and `today`)."""

    def __init__(self, loader, users, *, address: str, without_stock: set[str]):
        self.loader = loader
        self.keeper = users["keeper"]
        self.address = address
        self.without_stock = without_stock  # product codes not yet approved
        self.today = loader.today
        self.thresholds = Thresholds.current()
        self.groups_in: dict[int, set[int]] = {}  # location pk -> storage group pks stored

    def run(self, products: list[Product]) -> Warehouse:
        warehouse = self.warehouse()
        locations = self.locations(warehouse)
        groups = self.storage_groups()
        products = self.group_products(products, groups)
        self.incompatible = {
            group.pk: {other.pk for other in group.incompatible_with.all()}
            for group in groups.values()
        }
        self.stock(products, locations)
        return warehouse

    # warehouse and locations ------------------------------------------------
    def warehouse(self) -> Warehouse:
        return self.loader.upsert(
            Warehouse,
            {"code": WAREHOUSE_CODE},
            {"name": WAREHOUSE_NAME, "address": self.address, "is_active": True},
        )

    def locations(self, warehouse: Warehouse) -> dict[tuple, list[Location]]:
        """(zone, storage condition, controlled area?) -> the locations of that kind."""
        result: dict[tuple, list[Location]] = {}
        for zone in ZONE_LETTER:
            for condition in CONDITION_LETTER:
                shelves = QUALIFIED_SHELVES[condition] if zone == Zone.QUALIFIED else 1
                areas = (False, True) if zone == Zone.QUALIFIED else (False,)
                for controlled in areas:
                    for number in range(1, (1 if controlled else shelves) + 1):
                        code = location_code(zone, condition, number, controlled=controlled)
                        name = f"{ZONE_NAME[zone]} {CONDITION_NAME[condition]} {number:02d}"
                        if controlled:
                            name = f"{ZONE_NAME[zone]} 特殊管理专区 {CONDITION_NAME[condition]}"
                        location = self.loader.upsert(
                            Location,
                            {"warehouse": warehouse, "code": code},
                            {
                                "name": name,
                                "zone": zone,
                                "storage_condition": condition,
                                "is_controlled_area": controlled,
                                "is_active": True,
                            },
                        )
                        result.setdefault((zone, condition, controlled), []).append(location)
        return result

    # storage groups ---------------------------------------------------------
    def storage_groups(self) -> dict[str, StorageGroup]:
        groups = {
            code: self.loader.upsert(StorageGroup, {"code": code}, {"name": name})
            for code, name, _fragments in STORAGE_GROUPS
        }
        for first, second in INCOMPATIBLE:
            if not groups[first].incompatible_with.filter(pk=groups[second].pk).exists():
                groups[first].incompatible_with.add(groups[second])
        return groups

    def group_products(self, products, groups) -> list[Product]:
        result = []
        for product in products:
            group = next(
                (
                    groups[code]
                    for code, _name, fragments in STORAGE_GROUPS
                    if any(fragment in product.name for fragment in fragments)
                ),
                None,
            )
            if group is not None:
                product = self.loader.upsert(
                    Product, {"code": product.code}, {"storage_group": group}
                )
            result.append(product)
        return result

    # lots and stock ---------------------------------------------------------
    def stock(self, products: list[Product], locations) -> None:
        tradeable = [p for p in products if p.code not in self.without_stock and p.barcode]
        chosen = [
            p
            for index, p in enumerate(tradeable)
            if index % PRODUCTS_WITH_STOCK == 0
            or p.is_controlled
            or p.storage_condition != StorageCondition.AMBIENT
            or p.storage_group_id is not None
        ]
        existing_lots = {
            (lot.product_id, lot.batch_number, lot.serial_number): lot
            for lot in Lot.objects.filter(product__in=chosen)
        }
        posted = set(
            StockMove.objects.filter(source_type=OPENING_SOURCE.type).values_list(
                "idempotency_key", flat=True
            )
        )
        for index, product in enumerate(chosen):
            rng = random.Random(f"demo-stock-{product.code}")
            for planned_index, planned in enumerate(self.plan(product, index, rng)):
                expiry = self.expiry(planned.band, product, rng)
                production = self.production(expiry, product, rng)
                batch = (
                    f"{rng.choice('ABCDEFGHJK')}{rng.randint(2022, 2025)}{rng.randint(100, 999)}"
                )
                batch += f"{planned_index}"
                location = self.location_for(product, planned, locations)
                for serial in planned.serials or ("",):
                    key = f"demo-opening-{product.code}-{batch}-{serial or '-'}-{location.code}"
                    if key in posted:
                        continue
                    lot = existing_lots.get((product.pk, batch, serial))
                    if lot is None:
                        lot = lot_get_or_create(
                            product=product,
                            batch_number=batch,
                            serial_number=serial,
                            expiry_date=expiry,
                            production_date=production,
                            udi=self.udi(product, expiry, batch, serial),
                        )
                        self.loader.stats["lot created"] += 1
                    stock_receive(
                        lot=lot,
                        location=location,
                        quantity=1 if serial else planned.quantity,
                        user=self.keeper,
                        source=OPENING_SOURCE,
                        key=key,
                        unit_cost=self.unit_cost(product),
                        move_type=MoveType.OPENING,
                        note="演示期初库存",
                    )
                    self.loader.stats["opening stock move created"] += 1

    def plan(self, product: Product, index: int, rng: random.Random) -> list[PlannedLot]:
        """The lots of one product: always a green one on the shelf, and by turns a
        yellow, a red, an expired one (in the nonconforming zone), one awaiting
        inspection and one returned by a customer. Products of a storage group with an
        incompatibility stay on their own qualified shelf."""
        serialised = product.is_serialised
        big = product.national_wholesale_price < 100

        def quantity(low: int, high: int) -> int:
            return rng.randint(low, high) if big else rng.randint(1, 4)

        def serials(count: int) -> tuple[str, ...]:
            if not serialised:
                return ()
            return tuple(f"SN{rng.randint(10**7, 10**8 - 1)}" for _ in range(count))

        lots = [PlannedLot(Band.GREEN, Zone.QUALIFIED, quantity(300, 2000), serials(2))]
        segregated = bool(self.incompatible.get(product.storage_group_id))
        if index % 2 == 0:
            lots.append(PlannedLot(Band.YELLOW, Zone.QUALIFIED, quantity(50, 400), serials(1)))
        if index % 3 == 1:
            lots.append(PlannedLot(Band.RED, Zone.QUALIFIED, quantity(20, 150), serials(1)))
        if index % 4 == 2 and not segregated:
            lots.append(PlannedLot(Band.BLACK, Zone.NONCONFORMING, quantity(5, 60), serials(1)))
        if index % 7 == 3 and not segregated:
            lots.append(PlannedLot(Band.GREEN, Zone.PENDING, quantity(100, 500), serials(1)))
        if index % 9 == 5 and not segregated:
            lots.append(PlannedLot(Band.GREEN, Zone.RETURNS, quantity(2, 20), serials(1)))
        return lots

    def expiry(self, band: Band, product: Product, rng: random.Random) -> datetime.date:
        red, yellow = self.thresholds.red_days, self.thresholds.yellow_days
        shelf_days = (product.shelf_life_months or 60) * 30
        if band == Band.BLACK:
            days = -rng.randint(5, 200)
        elif band == Band.RED:
            days = rng.randint(2, max(2, red - 2))
        elif band == Band.YELLOW:
            days = rng.randint(red + 3, max(red + 3, yellow - 3))
        else:
            low = yellow + 30
            days = rng.randint(low, max(low, min(shelf_days - 30, 1500)))
        return self.today + datetime.timedelta(days=days)

    def production(self, expiry: datetime.date, product: Product, rng) -> datetime.date:
        shelf_days = (product.shelf_life_months or 60) * 30
        made = expiry - datetime.timedelta(days=shelf_days)
        return min(made, self.today - datetime.timedelta(days=rng.randint(20, 60)), expiry)

    @staticmethod
    def udi(product: Product, expiry: datetime.date, batch: str, serial: str) -> str:
        """The GS1 human-readable UDI printed on the label."""
        gtin = product.barcode.rjust(14, "0")
        udi = f"(01){gtin}(17){expiry:%y%m%d}(10){batch}"
        return udi + (f"(21){serial}" if serial else "")

    @staticmethod
    def unit_cost(product: Product) -> Decimal:
        """Purchase cost excluding VAT: about 72 % of the national wholesale price."""
        gross = product.national_wholesale_price * Decimal("0.72")
        net = gross / (1 + product.tax_rate / 100)
        return max(net.quantize(Decimal("0.0001")), Decimal("0.0001"))

    def location_for(self, product: Product, planned: PlannedLot, locations) -> Location:
        condition = product.storage_condition
        controlled = planned.zone == Zone.QUALIFIED and product.is_controlled
        candidates = locations[(planned.zone, condition, controlled)]
        start = sum(map(ord, product.code)) % len(candidates)
        ordered = candidates[start:] + candidates[:start]
        group = product.storage_group_id
        if group is not None:
            # Keep a group together, on a shelf where nothing incompatible is stored.
            ordered.sort(key=lambda loc: group not in self.groups_in.get(loc.pk, set()))
        for location in ordered:
            stored = self.groups_in.setdefault(location.pk, set())
            if group is None or not (self.incompatible.get(group, set()) & stored):
                if group is not None:
                    stored.add(group)
                return location
        raise RuntimeError(f"no compatible location for {product.code} in {planned.zone}")
