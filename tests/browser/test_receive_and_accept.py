"""A keeper receives an open purchase order in the browser (one batch typed, one scanned
from its GS1 code), an inspector accepts the first batch and rejects part of the second,
and the stock report shows each quantity in the right zone with its expiry colour."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from apps.catalog.tests.factories import approved_product
from apps.core.models import today
from apps.core.tests.factories import licensed_company, user_with_role
from apps.inventory.models import StockBalance, Zone
from apps.inventory.tests.factories import LocationFactory, WarehouseFactory
from apps.purchasing.models import Acceptance, RejectionReport
from apps.purchasing.services import OrderLineInput, po_create, po_submit
from apps.suppliers.tests.factories import tradeable_supplier

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Test-pass-2026!"  # apps.core.tests.factories.UserFactory


def days(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


@pytest.fixture
def world():
    syringe = approved_product(name="一次性使用无菌注射器", barcode="06901234567892")
    catheter = approved_product(
        name="一次性使用导尿管", barcode="06901234567809", category=syringe.category
    )
    licensed_company([syringe.category])
    supplier = tradeable_supplier(categories=[syringe.category])
    warehouse = WarehouseFactory(code="WH1")
    locations = {
        zone: LocationFactory(warehouse=warehouse, code=code, zone=zone)
        for zone, code in (
            (Zone.PENDING, "P01"),
            (Zone.QUALIFIED, "Q01"),
            (Zone.NONCONFORMING, "N01"),
        )
    }
    purchaser = user_with_role("purchaser", "buyer")
    order = po_create(
        user=purchaser,
        supplier=supplier,
        order_date=today(),
        warehouse=warehouse,
        lines=[
            OrderLineInput(product=syringe, quantity=50, unit_price=Decimal("0.50")),
            OrderLineInput(product=catheter, quantity=40, unit_price=Decimal("3.20")),
        ],
    )
    order = po_submit(order=order, user=purchaser)
    user_with_role("keeper", "keeper")
    user_with_role("inspector", "inspector")
    return {
        "order": order,
        "syringe": syringe,
        "catheter": catheter,
        "locations": locations,
    }


def login_as(browser, live_server, username):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    return page


def submit(page):
    with page.expect_navigation():
        page.click("main form[method=post] button[type=submit]")


def test_receive_scan_accept_and_reject(browser, live_server, world):
    order, syringe, catheter = world["order"], world["syringe"], world["catheter"]
    syringe_line = order.lines.get(product=syringe)
    catheter_line = order.lines.get(product=catheter)

    keeper = login_as(browser, live_server, "keeper")
    keeper.goto(reverse("purchasing:receipt_create_for_order", args=[order.pk]))
    rows = {keeper.input_value(f"[name='lines-{i}-order_line']"): i for i in range(2)}
    first, second = rows[str(syringe_line.pk)], rows[str(catheter_line.pk)]
    keeper.fill(f"[name='lines-{first}-batch_number']", "S2026A")
    keeper.fill(f"[name='lines-{first}-production_date']", days(-30).isoformat())
    keeper.fill(f"[name='lines-{first}-expiry_date']", days(400).isoformat())
    keeper.fill(f"[name='lines-{first}-quantity']", "50")
    # The catheter batch is scanned: its GS1 code fills batch, dates and serial.
    expiry = days(60)
    code = f"(01)06901234567809(17){expiry:%y%m%d}(10)C2026B(11){days(-10):%y%m%d}"
    scan = keeper.locator(f"[name='lines-{second}-scan']")
    scan.fill(code)
    scan.press("Tab")
    expect(keeper.locator(f"[name='lines-{second}-batch_number']")).to_have_value("C2026B")
    expect(keeper.locator(f"[name='lines-{second}-expiry_date']")).to_have_value(expiry.isoformat())
    keeper.fill(f"[name='lines-{second}-quantity']", "40")
    submit(keeper)
    expect(keeper.locator("h1")).to_contain_text("RC-")

    inspector = login_as(browser, live_server, "inspector")
    locations = world["locations"]
    for batch, accepted, rejected in (("S2026A", 50, 0), ("C2026B", 30, 10)):
        inspector.goto(keeper.url)
        inspector.locator("tr", has_text=batch).locator("a[href*='inspect']").click()
        inspector.fill("[name='accepted_qty']", str(accepted))
        inspector.fill("[name='rejected_qty']", str(rejected))
        for check in ("appearance_ok", "packaging_ok", "label_ok", "certificate_ok"):
            inspector.check(f"[name='{check}']")
        inspector.select_option("[name='qualified_location']", str(locations[Zone.QUALIFIED].pk))
        if rejected:
            inspector.select_option(
                "[name='nonconforming_location']", str(locations[Zone.NONCONFORMING].pk)
            )
            inspector.fill("[name='rejection_reason']", "外包装破损，10支受潮")
        submit(inspector)
        expect(inspector.locator("h1")).to_contain_text("AC-")

    assert Acceptance.objects.count() == 2
    assert RejectionReport.objects.get().quantity == 10
    stock = {
        (b.lot.batch_number, b.location.zone): b.on_hand
        for b in StockBalance.objects.select_related("lot", "location").filter(on_hand__gt=0)
    }
    assert stock == {
        ("S2026A", Zone.QUALIFIED): 50,
        ("C2026B", Zone.QUALIFIED): 30,
        ("C2026B", Zone.NONCONFORMING): 10,
    }

    # The stock report shows each batch in its zone with its expiry colour: the syringes
    # (400 days left) green, the catheters (60 days left) yellow.
    inspector.goto(reverse("inventory:stock_report"))
    syringe_row = inspector.locator("tbody tr", has_text="S2026A")
    expect(syringe_row).to_have_count(1)
    expect(syringe_row.locator(".text-bg-success").first).to_be_visible()
    catheter_rows = inspector.locator("tbody tr", has_text="C2026B")
    expect(catheter_rows).to_have_count(2)
    qualified = catheter_rows.filter(has_text="Q01")
    nonconforming = catheter_rows.filter(has_text="N01")
    expect(qualified.locator(".text-bg-warning").first).to_be_visible()
    expect(qualified).to_contain_text("30")
    expect(nonconforming.locator(".text-bg-danger").first).to_be_visible()
    expect(nonconforming).to_contain_text("10")
