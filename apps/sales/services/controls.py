"""The regulatory controls of a sales order (DESIGN.md 4.1-4.5, 4.7 and 7), one function each.

Each control takes the order's customer and its lines (saved `SalesOrderLine` rows or
unsaved ones built for the live preview) and returns `Finding`s:

- BLOCK: the order may not go on (strict mode) - licence, minimum price, period limit,
  controlled product, inactive party, internal transfer to a non-branch;
- HOLD: the order waits for a manager (price above the national ceiling, credit);
- WARN: informational (lenient mode turns BLOCKs into warnings at the order; the
  shipment enforces them).

Every message names the rule, the limit and what is still allowed. The controls only
read; `orders.py` and `fulfilment.py` call them inside their locked transactions.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from django.utils.translation import gettext as _

from apps.core.licences import (
    business_licence_blockers,
    company_licences,
    fmt,
    operating_scope_blockers,
)
from apps.core.models import CompanySettings, LicenceType, MinPriceRule, OrderControlMode
from apps.customers.models import CustomerType
from apps.pricing.selectors import national_prices_on, suggested_prices
from apps.purchasing.selectors import last_purchase_prices

from ..models import DeliveryLine, SalesType
from ..selectors import period_usages

BLOCK = "block"
HOLD = "hold"
WARN = "warn"

CONTROLLED_PERMISSION = "sales.sell_controlled"


@dataclass(frozen=True)
class Finding:
    """One result of one control. `rule` is a stable code; `message` is translated."""

    rule: str
    severity: str
    message: str
    product_id: int | None = None

    def as_warning(self) -> Finding:
        return replace(self, severity=WARN)


def _money(value) -> str:
    return f"{Decimal(value):,.2f}"


def _qty(value: int) -> str:
    return f"{value:,}"


# ------------------------------------------------------------------ parties and products


def check_parties(*, customer, lines: Sequence, sales_type: str) -> list[Finding]:
    findings = []
    if not customer.is_active:
        findings.append(
            Finding(
                "customer_inactive",
                BLOCK,
                _("Customer %(customer)s is inactive and cannot be sold to.")
                % {"customer": customer},
            )
        )
    if sales_type == SalesType.INTERNAL_TRANSFER and customer.customer_type != CustomerType.BRANCH:
        findings.append(
            Finding(
                "transfer_not_branch",
                BLOCK,
                _(
                    "An internal transfer goes to one of our own branches; %(customer)s is "
                    "not a branch."
                )
                % {"customer": customer},
            )
        )
    seen = set()
    for line in lines:
        product = line.product
        if product.pk in seen:
            continue
        seen.add(product.pk)
        if not product.is_active:
            findings.append(
                Finding(
                    "product_inactive",
                    BLOCK,
                    _("Product %(product)s is inactive and cannot be sold.") % {"product": product},
                    product.pk,
                )
            )
    return findings


def check_licences(
    *, customer, lines: Sequence, on_date: datetime.date, company=None
) -> list[Finding]:
    """4.1: our company, the customer and each product must be licensed on the date."""
    company = company or CompanySettings.load()
    holder_us = company.name or _("Our company")
    ours = company_licences()
    theirs = list(customer.licences.all())
    findings: list[Finding] = []
    seen_messages: set[str] = set()

    def add(blockers, product_id=None):
        for blocker in blockers:
            if blocker.message in seen_messages:
                continue
            seen_messages.add(blocker.message)
            findings.append(Finding("licence", BLOCK, blocker.message, product_id))

    add(business_licence_blockers(ours, holder=holder_us, on_date=on_date))
    add(customer.standing_blockers(on_date))
    products = {line.product.pk: line.product for line in lines}
    for product in products.values():
        add(
            operating_scope_blockers(ours, holder=holder_us, product=product, on_date=on_date),
            product.pk,
        )
        add(
            operating_scope_blockers(
                theirs,
                holder=customer.name,
                product=product,
                on_date=on_date,
                covers_everything_types=[LicenceType.MEDICAL_INSTITUTION],
            ),
            product.pk,
        )
        add(product.trade_blockers(on_date), product.pk)
    return findings


def check_controlled(*, users: Iterable, lines: Sequence) -> list[Finding]:
    """4.5: specially controlled products only by users holding `sales.sell_controlled`."""
    controlled = {line.product.pk: line.product for line in lines if line.product.is_controlled}
    if not controlled:
        return []
    findings = []
    for user in {u.pk: u for u in users if u is not None}.values():
        if user.has_perm(CONTROLLED_PERMISSION):
            continue
        for product in controlled.values():
            findings.append(
                Finding(
                    "controlled",
                    BLOCK,
                    _(
                        "%(product)s is a specially controlled product; %(user)s is not "
                        "authorised to sell controlled products."
                    )
                    % {"product": product, "user": user.get_full_name() or user.get_username()},
                    product.pk,
                )
            )
    return findings


# ------------------------------------------------------------------------------ prices


def check_price_ceiling(
    *, lines: Sequence, on_date: datetime.date, ceilings: dict | None = None
) -> list[Finding]:
    """4.2: a net price above the national wholesale price in force holds the order."""
    if ceilings is None:
        ceilings = national_prices_on(
            product_ids={line.product.pk for line in lines}, on_date=on_date
        )
    findings = []
    for line in lines:
        ceiling = ceilings.get(line.product.pk)
        line.ceiling_price = ceiling
        line.is_over_price = ceiling is not None and line.net_price > ceiling
        if line.is_over_price:
            findings.append(
                Finding(
                    "price_ceiling",
                    HOLD,
                    _(
                        "%(product)s: price %(price)s is above the national wholesale price "
                        "%(ceiling)s in force on %(date)s; the order needs a manager's approval."
                    )
                    % {
                        "product": line.product,
                        "price": _money(line.net_price),
                        "ceiling": _money(ceiling),
                        "date": fmt(on_date),
                    },
                    line.product.pk,
                )
            )
    return findings


@dataclass(frozen=True)
class Floor:
    price: Decimal
    reason: str
    explicit: bool = False


def price_floors(
    *, customer, lines: Sequence, on_date: datetime.date, company=None, suggestions=None
) -> dict[int, Floor]:
    """4.3: the minimum price per product. An explicit floor (special-price row, then the
    product's) wins; otherwise the company rule. The batch-cost rule needs the reserved
    lots and is checked by `check_batch_cost` after allocation."""
    products = {line.product.pk: line.product for line in lines}
    floors: dict[int, Floor] = {}
    if suggestions is None:
        suggestions = suggested_prices(
            customer=customer, products=list(products.values()), on_date=on_date
        )
    for pid, suggestion in suggestions.items():
        if suggestion.floor_price is not None:
            floors[pid] = Floor(
                suggestion.floor_price,
                _("the explicit minimum price of %(product)s") % {"product": products[pid]},
                explicit=True,
            )
    rule = (company or CompanySettings.load()).min_price_rule
    rest = [pid for pid in products if pid not in floors]
    if not rest:
        return floors
    if rule == MinPriceRule.LAST_PURCHASE_COST:
        for pid, price in last_purchase_prices(product_ids=rest).items():
            floors[pid] = Floor(price, _("the last purchase cost"))
    elif rule == MinPriceRule.LAST_CUSTOMER_PRICE:
        rows = (
            DeliveryLine.objects.filter(
                customer=customer, product_id__in=rest, shipped_on__isnull=False
            )
            .order_by("product_id", "-shipped_on", "-pk")
            .distinct("product_id")
            .values_list("product_id", "unit_price")
        )
        for pid, price in rows:
            floors[pid] = Floor(
                price, _("the last price shipped to %(customer)s") % {"customer": customer}
            )
    return floors


def check_min_price(
    *, customer, lines: Sequence, on_date: datetime.date, company=None, suggestions=None
) -> list[Finding]:
    floors = price_floors(
        customer=customer, lines=lines, on_date=on_date, company=company, suggestions=suggestions
    )
    findings = []
    for line in lines:
        floor = floors.get(line.product.pk)
        if floor is not None and line.net_price < floor.price:
            findings.append(_below_floor(line, floor.price, floor.reason))
    return findings


def _below_floor(line, floor: Decimal, reason: str) -> Finding:
    return Finding(
        "min_price",
        BLOCK,
        _(
            "%(product)s: price %(price)s is below the minimum price %(floor)s "
            "(%(reason)s); it may not be sold for less."
        )
        % {
            "product": line.product,
            "price": _money(line.net_price),
            "floor": _money(floor),
            "reason": reason,
        },
        line.product.pk,
    )


def check_batch_cost(
    *,
    customer,
    lines: Sequence,
    reserved_lots: dict[int, list],
    on_date: datetime.date,
    company=None,
) -> list[Finding]:
    """4.3 "not below this batch's cost": the tax-inclusive cost of every lot reserved for
    the line (`reserved_lots` maps line pk -> lots). An explicit floor replaces the rule."""
    company = company or CompanySettings.load()
    if company.min_price_rule != MinPriceRule.BATCH_COST:
        return []
    floors = price_floors(customer=customer, lines=lines, on_date=on_date, company=company)
    findings = []
    for line in lines:
        floor = floors.get(line.product.pk)
        if floor is not None and floor.explicit:
            continue
        for lot in reserved_lots.get(line.pk, []):
            if lot.unit_cost is None:
                continue
            cost = (lot.unit_cost * (1 + Decimal(line.tax_rate) / 100)).quantize(Decimal("0.0001"))
            if line.net_price < cost:
                findings.append(
                    _below_floor(
                        line, cost, _("the cost of batch %(batch)s") % {"batch": lot.batch_number}
                    )
                )
    return findings


# ---------------------------------------------------------------------------- quantity


def check_max_quantity(
    *, customer, lines: Sequence, on_date: datetime.date, exclude_order_id: int | None
) -> list[Finding]:
    """4.4: used + this order's quantity may not exceed the product's period maximum."""
    wanted: dict[int, int] = defaultdict(int)
    products = {}
    for line in lines:
        if line.product.max_qty:
            wanted[line.product.pk] += int(line.quantity)
            products[line.product.pk] = line.product
    if not wanted:
        return []
    usages = period_usages(
        customer=customer,
        products=list(products.values()),
        on_date=on_date,
        exclude_order_id=exclude_order_id,
    )
    findings = []
    for pid, quantity in wanted.items():
        usage = usages[pid]
        if usage.used + quantity <= usage.limit:
            continue
        product = products[pid]
        if usage.start is None:
            message = _(
                "%(product)s: at most %(limit)s per order; this order asks for %(quantity)s."
            ) % {"product": product, "limit": _qty(usage.limit), "quantity": _qty(quantity)}
        else:
            message = _(
                "%(product)s: %(customer)s may receive at most %(limit)s %(period)s "
                "(%(start)s to %(end)s); already used %(used)s (shipped %(shipped)s, "
                "returned %(returned)s, open orders %(open)s), available %(available)s; "
                "this order asks for %(quantity)s."
            ) % {
                "product": product,
                "customer": customer,
                "limit": _qty(usage.limit),
                "period": product.get_max_qty_period_display(),
                "start": fmt(usage.start),
                "end": fmt(usage.end),
                "used": _qty(usage.used),
                "shipped": _qty(usage.shipped),
                "returned": _qty(usage.returned),
                "open": _qty(usage.open),
                "available": _qty(usage.available),
                "quantity": _qty(quantity),
            }
        findings.append(Finding("max_quantity", BLOCK, message, pid))
    return findings


# ------------------------------------------------------------------------------ credit


def check_credit(*, customer, amount: Decimal, settlement_method: str) -> list[Finding]:
    """Receivables + this order above the credit limit holds the order for a manager.
    A limit of 0 means the customer has no credit control; cash on delivery extends none."""
    from ..models import SettlementMethod

    limit = customer.credit_limit or Decimal(0)
    if limit <= 0 or settlement_method == SettlementMethod.CASH:
        return []
    receivables = customer.receivables or Decimal(0)
    if receivables + amount <= limit:
        return []
    return [
        Finding(
            "credit",
            HOLD,
            _(
                "Credit limit of %(customer)s is %(limit)s; outstanding receivables "
                "%(receivables)s plus this order %(amount)s exceed it by %(excess)s "
                "(headroom %(headroom)s); the order needs a manager's approval."
            )
            % {
                "customer": customer,
                "limit": _money(limit),
                "receivables": _money(receivables),
                "amount": _money(amount),
                "excess": _money(receivables + amount - limit),
                "headroom": _money(max(limit - receivables, Decimal(0))),
            },
        )
    ]


# --------------------------------------------------------------------------- together


def min_expiry_for(customer, on_date: datetime.date, company=None) -> datetime.date:
    """The earliest expiry date the customer accepts (its minimum remaining shelf life)."""
    days = customer.min_shelf_life_days
    if days is None:
        days = (company or CompanySettings.load()).default_min_shelf_life_days
    return on_date + datetime.timedelta(days=days)


@dataclass
class ControlResult:
    blocks: list[Finding]
    holds: list[Finding]
    warnings: list[Finding]

    @property
    def all(self) -> list[Finding]:
        return self.blocks + self.holds + self.warnings

    def messages(self, severity: str | None = None) -> list[str]:
        return [f.message for f in self.all if severity is None or f.severity == severity]


def is_strict() -> bool:
    return CompanySettings.load().order_control_mode == OrderControlMode.STRICT


def run_controls(
    *,
    customer,
    lines: Sequence,
    on_date: datetime.date,
    sales_type: str,
    settlement_method: str,
    users: Iterable,
    exclude_order_id: int | None = None,
    enforce: bool | None = None,
    company=None,
) -> ControlResult:
    """Every control of the order. With `enforce` False (lenient mode at the order) the
    blocking findings come back as warnings; holds are holds in both modes."""
    company = company or CompanySettings.load()
    if enforce is None:
        enforce = company.order_control_mode == OrderControlMode.STRICT
    findings = check_parties(customer=customer, lines=lines, sales_type=sales_type)
    findings += check_licences(customer=customer, lines=lines, on_date=on_date, company=company)
    findings += check_controlled(users=users, lines=lines)
    if sales_type == SalesType.WHOLESALE:
        # One price lookup serves the ceiling (national price in force) and the floors.
        suggestions = suggested_prices(
            customer=customer,
            products=list({line.product.pk: line.product for line in lines}.values()),
            on_date=on_date,
        )
        ceilings = {
            pid: s.national_price for pid, s in suggestions.items() if s.national_price is not None
        }
        findings += check_price_ceiling(lines=lines, on_date=on_date, ceilings=ceilings)
        findings += check_min_price(
            customer=customer,
            lines=lines,
            on_date=on_date,
            company=company,
            suggestions=suggestions,
        )
        findings += check_max_quantity(
            customer=customer, lines=lines, on_date=on_date, exclude_order_id=exclude_order_id
        )
        amount = sum((line.amount for line in lines), Decimal("0.00"))
        findings += check_credit(
            customer=customer, amount=amount, settlement_method=settlement_method
        )
    else:
        for line in lines:
            line.ceiling_price = None
            line.is_over_price = False
    blocks = [f for f in findings if f.severity == BLOCK]
    holds = [f for f in findings if f.severity == HOLD]
    warnings = [f for f in findings if f.severity == WARN]
    if not enforce:
        warnings += [f.as_warning() for f in blocks]
        blocks = []
    return ControlResult(blocks, holds, warnings)
