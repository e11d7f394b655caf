"""Each regulatory control of DESIGN.md 4 on a sales order: refused or held, and the
message names the rule, the limit and what is still allowed."""

import datetime
from decimal import Decimal

import pytest

from apps.catalog.models import MaxQtyPeriod
from apps.core.models import LicenceType, MinPriceRule, OrderControlMode, today
from apps.customers.models import Customer, CustomerLicence, CustomerType
from apps.customers.tests.factories import tradeable_customer
from apps.inventory.models import StockReservation
from apps.purchasing.models import Receipt, ReceiptLine
from apps.purchasing.tests.factories import set_company
from apps.sales.models import HoldKind, SalesOrderStatus, SalesType
from apps.sales.selectors import period_bounds
from apps.sales.services import (
    ControlsRefused,
    LineInput,
    sales_order_confirm,
    sales_order_create,
    sales_order_preview,
    sales_order_submit,
)
from apps.suppliers.tests.factories import tradeable_supplier

from .factories import confirmed_order, days, draft_order

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------------ 4.1 licences


def test_an_expired_customer_licence_refuses_the_order_and_names_it(world):
    licence = CustomerLicence.objects.get(
        customer=world.customer, licence_type=LicenceType.MEDICAL_INSTITUTION
    )
    licence.valid_until = days(-1)
    licence.save()
    with pytest.raises(ControlsRefused) as caught:
        draft_order(world)
    message = str(caught.value)
    assert licence.number in message
    assert f"expired on {days(-1):%Y-%m-%d}" in message


def test_a_category_outside_the_customers_scope_is_refused(world):
    from apps.catalog.tests.factories import CategoryFactory, approved_product

    elsewhere = CategoryFactory()
    from apps.core.tests.factories import licensed_company  # noqa: F401

    product = approved_product(category=elsewhere, national_wholesale_price=Decimal("100"))
    with pytest.raises(ControlsRefused, match="no operating licence covers category"):
        draft_order(world, {product: 1}, customer=world.distributor)


def test_a_stopped_product_is_refused(world):
    world.product.is_stopped = True
    world.product.stop_reason = "recall"
    world.product.save()
    with pytest.raises(ControlsRefused, match="stopped from sale: recall"):
        draft_order(world)


# ------------------------------------------------------------------- 4.2 price ceiling


def test_the_ceiling_is_the_national_price_in_force_on_the_order_date(world):
    from apps.pricing.models import NationalPrice

    NationalPrice.objects.create(
        product=world.product, price=Decimal("80.00"), effective_from=days(-400)
    )
    NationalPrice.objects.create(
        product=world.product, price=Decimal("120.00"), effective_from=days(-10)
    )
    # Dated before the rise: 100 is above the 80 then in force.
    old = sales_order_submit(
        order=draft_order(world, price=Decimal("100"), order_date=days(-20)), user=world.sales
    )
    assert old.status == SalesOrderStatus.PENDING_APPROVAL
    assert "national wholesale price 80.00" in old.holds.get().detail
    line = old.lines.get()
    assert (line.ceiling_price, line.is_over_price) == (Decimal("80.00"), True)
    new = sales_order_submit(order=draft_order(world, price=Decimal("100")), user=world.sales)
    assert new.status == SalesOrderStatus.APPROVED


def test_the_ceiling_applies_to_the_price_after_the_line_discount(world):
    order = sales_order_create(
        user=world.sales,
        customer=world.customer,
        warehouse=world.warehouse,
        lines=[
            LineInput(
                product=world.product,
                quantity=1,
                unit_price=Decimal("110"),
                discount_pct=Decimal("10"),
            )
        ],
    )
    assert sales_order_submit(order=order, user=world.sales).status == SalesOrderStatus.APPROVED


# --------------------------------------------------------------------- 4.3 minimum price


def _receipt(world, product, price):
    from apps.inventory.tests.factories import LocationFactory, LotFactory

    supplier = tradeable_supplier(categories=[world.category])
    receipt = Receipt.objects.create(
        number=f"R-{price}",
        supplier=supplier,
        warehouse=world.warehouse,
        received_on=today(),
        received_by=world.keeper,
    )
    ReceiptLine.objects.create(
        receipt=receipt,
        product=product,
        lot=LotFactory(product=product),
        location=LocationFactory(warehouse=world.warehouse, zone="pending"),
        quantity=1,
        unit_price=price,
        tax_rate=Decimal("13"),
    )


def test_not_below_the_last_purchase_cost_by_default(world):
    _receipt(world, world.product, Decimal("70.00"))
    with pytest.raises(ControlsRefused) as caught:
        draft_order(world, price=Decimal("69.99"))
    assert "below the minimum price 70.00 (the last purchase cost)" in str(caught.value)
    assert draft_order(world, price=Decimal("70.00")).pk


def test_an_explicit_product_floor_wins_over_the_company_rule(world):
    _receipt(world, world.product, Decimal("70.00"))
    world.product.min_sale_price = Decimal("60.00")
    world.product.save()
    assert draft_order(world, price=Decimal("65.00")).pk
    with pytest.raises(ControlsRefused, match="minimum price 60.00"):
        draft_order(world, price=Decimal("59.00"))


def test_no_control_means_no_floor(world):
    set_company(min_price_rule=MinPriceRule.NONE)
    _receipt(world, world.product, Decimal("70.00"))
    assert draft_order(world, price=Decimal("1.00")).pk


def test_not_below_the_batch_cost_checks_the_reserved_lots(world):
    set_company(min_price_rule=MinPriceRule.BATCH_COST)
    world.stock(quantity=10, unit_cost=Decimal("50.00"))  # 56.50 with 13 % VAT
    order = draft_order(world, {world.product: 5}, price=Decimal("56.00"))
    with pytest.raises(ControlsRefused, match=r"minimum price 56\.50 \(the cost of batch SB"):
        sales_order_confirm(order=order, user=world.sales)
    assert not StockReservation.objects.filter(quantity__gt=0).exists()
    ok = draft_order(world, {world.product: 5}, price=Decimal("56.50"))
    assert sales_order_confirm(order=ok, user=world.sales).status == SalesOrderStatus.CONFIRMED


# --------------------------------------------------------------- 4.4 maximum quantity


def limited(world, maximum=2000, period=MaxQtyPeriod.QUARTER):
    world.product.max_qty = maximum
    world.product.max_qty_period = period
    world.product.save()
    return world.product


def test_period_bounds_are_calendar_periods():
    day = datetime.date(2026, 11, 23)
    assert period_bounds(MaxQtyPeriod.MONTH, day) == (
        datetime.date(2026, 11, 1),
        datetime.date(2026, 11, 30),
    )
    assert period_bounds(MaxQtyPeriod.QUARTER, day) == (
        datetime.date(2026, 10, 1),
        datetime.date(2026, 12, 31),
    )
    assert period_bounds(MaxQtyPeriod.QUARTER, datetime.date(2026, 2, 28)) == (
        datetime.date(2026, 1, 1),
        datetime.date(2026, 3, 31),
    )
    assert period_bounds(MaxQtyPeriod.YEAR, day) == (
        datetime.date(2026, 1, 1),
        datetime.date(2026, 12, 31),
    )
    assert period_bounds(MaxQtyPeriod.ORDER, day) is None


def test_open_orders_count_against_the_limit_and_closing_gives_it_back(world):
    from apps.sales.services import sales_order_close

    limited(world)
    world.stock(quantity=5000)
    first = confirmed_order(world, {world.product: 1300})
    with pytest.raises(ControlsRefused) as caught:
        draft_order(world, {world.product: 800})
    assert "available 700" in str(caught.value)
    assert "at most 2,000" in str(caught.value)
    sales_order_close(order=first, user=world.sales, reason="not needed")
    assert draft_order(world, {world.product: 2000}).pk


def test_drafts_do_not_count_but_confirmation_rechecks_under_the_lock(world):
    limited(world)
    world.stock(quantity=5000)
    a = draft_order(world, {world.product: 1500})
    b = draft_order(world, {world.product: 1500})
    sales_order_confirm(order=a, user=world.sales)
    with pytest.raises(ControlsRefused, match="available 500"):
        sales_order_confirm(order=b, user=world.sales)


def test_the_limit_is_per_customer(world):
    limited(world)
    world.stock(quantity=5000)
    confirmed_order(world, {world.product: 2000})
    assert confirmed_order(world, {world.product: 2000}, customer=world.distributor).pk


def test_orders_dated_in_another_period_do_not_count(world):
    limited(world, 100, MaxQtyPeriod.MONTH)
    start, _end = period_bounds(MaxQtyPeriod.MONTH, today())
    last_month = start - datetime.timedelta(days=1)
    sales_order_submit(
        order=draft_order(world, {world.product: 100}, order_date=last_month), user=world.sales
    )
    assert draft_order(world, {world.product: 100}).pk


def test_a_per_order_limit_sums_the_lines_of_one_order(world):
    limited(world, 10, MaxQtyPeriod.ORDER)
    with pytest.raises(ControlsRefused, match="at most 10 per order; this order asks for 12"):
        sales_order_create(
            user=world.sales,
            customer=world.customer,
            warehouse=world.warehouse,
            lines=[
                LineInput(product=world.product, quantity=6, unit_price=Decimal("90")),
                LineInput(product=world.product, quantity=6, unit_price=Decimal("90")),
            ],
        )
    # Other orders do not count for a per-order limit.
    sales_order_submit(order=draft_order(world, {world.product: 10}), user=world.sales)
    assert draft_order(world, {world.product: 10}).pk


# ------------------------------------------------------------------- 4.5 controlled


def test_controlled_products_need_the_permission(world):
    world.product.is_controlled = True
    world.product.save()
    with pytest.raises(ControlsRefused, match="not authorised to sell controlled products"):
        draft_order(world)
    world.stock(quantity=10)
    order = draft_order(world, user=world.manager, salesperson=world.manager)
    assert sales_order_confirm(order=order, user=world.manager).status == "confirmed"


def test_a_controlled_order_needs_the_permission_from_its_salesperson_too(world):
    world.product.is_controlled = True
    world.product.save()
    with pytest.raises(ControlsRefused, match="seller1 is not authorised"):
        draft_order(world, user=world.manager, salesperson=world.sales)


# --------------------------------------------------------------------------- credit


def test_receivables_plus_the_order_above_the_limit_hold_it(world):
    Customer.objects.filter(pk=world.customer.pk).update(
        credit_limit=Decimal("1000"), receivables=Decimal("500")
    )
    fits = sales_order_submit(
        order=draft_order(world, {world.product: 5}, price=Decimal("100")), user=world.sales
    )
    assert fits.status == SalesOrderStatus.APPROVED
    over = sales_order_submit(
        order=draft_order(world, {world.product: 6}, price=Decimal("100")), user=world.sales
    )
    assert over.status == SalesOrderStatus.PENDING_APPROVAL
    hold = over.holds.get()
    assert hold.kind == HoldKind.CREDIT
    assert "exceed it by 100.00 (headroom 500.00)" in hold.detail


def test_cash_on_delivery_and_a_zero_limit_are_not_credit(world):
    Customer.objects.filter(pk=world.customer.pk).update(
        credit_limit=Decimal("100"), receivables=Decimal("500")
    )
    cash = draft_order(world, settlement_method="cash")
    assert sales_order_submit(order=cash, user=world.sales).status == "approved"
    Customer.objects.filter(pk=world.customer.pk).update(credit_limit=Decimal("0"))
    assert sales_order_submit(order=draft_order(world), user=world.sales).status == "approved"


# -------------------------------------------------------------------- 4.7 lenient mode


def test_lenient_mode_warns_at_the_order(world):
    set_company(order_control_mode=OrderControlMode.LENIENT)
    _receipt(world, world.product, Decimal("70.00"))
    world.stock(quantity=10, unit_cost=Decimal("10"))
    order = draft_order(world, {world.product: 2}, price=Decimal("50"))
    assert "below the minimum price 70.00" in order.warnings
    order = sales_order_confirm(order=order, user=world.sales)
    assert order.status == SalesOrderStatus.CONFIRMED


# ----------------------------------------------------------------- internal transfer


def test_internal_transfers_go_to_branches_at_a_transfer_price(world):
    branch = tradeable_customer(CustomerType.BRANCH)
    from apps.customers.models import CustomerLicence as CL

    # A branch is a licensed operator like any other customer.
    hospital_licence = CL.objects.filter(customer=world.customer).exclude(
        licence_type=LicenceType.BUSINESS
    )[0]
    CL.objects.create(
        customer=branch,
        licence_type=hospital_licence.licence_type,
        number="BR-1",
        holder=branch.name,
        issued_on=hospital_licence.issued_on,
        valid_until=hospital_licence.valid_until,
    )
    world.stock(quantity=10)
    order = draft_order(
        world,
        {world.product: 3},
        price=Decimal("130"),
        customer=branch,
        sales_type=SalesType.INTERNAL_TRANSFER,
    )
    assert sales_order_confirm(order=order, user=world.sales).status == "confirmed"
    with pytest.raises(ControlsRefused, match="not a branch"):
        draft_order(world, sales_type=SalesType.INTERNAL_TRANSFER)


# ------------------------------------------------------------------------ preview


def test_the_preview_shows_price_findings_and_stock_without_saving(
    world, django_assert_max_num_queries
):
    limited(world, 5, MaxQtyPeriod.MONTH)
    world.stock(quantity=7)
    preview = sales_order_preview(
        user=world.sales,
        customer=world.customer,
        warehouse=world.warehouse,
        lines=[LineInput(product=world.product, quantity=6, unit_price=Decimal("120"))],
    )
    line = preview.lines[0]
    assert line.suggestion.price == Decimal("100.00")
    assert line.available == 7
    rules = {f.rule for f in line.findings}
    assert rules == {"price_ceiling", "max_quantity"}
    assert not preview.findings
    from apps.sales.models import SalesOrder

    assert not SalesOrder.objects.exists()


def test_the_preview_warns_when_the_chosen_salesperson_may_not_sell_controlled(world):
    world.product.is_controlled = True
    world.product.save()
    line = LineInput(product=world.product, quantity=1, unit_price=Decimal("90"))
    alone = sales_order_preview(user=world.manager, customer=world.customer, lines=[line])
    assert not alone.lines[0].findings
    for_seller = sales_order_preview(
        user=world.manager, customer=world.customer, lines=[line], salesperson=world.sales
    )
    assert [f.rule for f in for_seller.lines[0].findings] == ["controlled"]
    assert "seller1 is not authorised" in for_seller.lines[0].findings[0].message
