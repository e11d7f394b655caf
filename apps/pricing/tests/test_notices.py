"""Price-change notices (变价通知单): drafts, execute, and cancel as the exact inverse."""

import datetime
from decimal import Decimal

import pytest

from apps.catalog.models import Product
from apps.catalog.services import product_update
from apps.core.exceptions import DomainError, InvalidStateError, PermissionDeniedError
from apps.core.models import today
from apps.pricing.models import NationalPrice, NoticeStatus, PriceChangeLine
from apps.pricing.selectors import national_price_on
from apps.pricing.services import (
    NoticeLineInput,
    price_notice_cancel,
    price_notice_execute,
    price_notice_refresh,
    price_notice_update,
)

from .factories import NationalPriceFactory, ProductFactory, executed_notice, notice, role_user

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def aged(product: Product, days: int) -> Product:
    """Pretend the product (and its baseline price) exists since `days` days ago."""
    start = today() - days * DAY
    NationalPrice.objects.filter(product=product).update(effective_from=start)
    Product.objects.filter(pk=product.pk).update(
        created_at=datetime.datetime.combine(start, datetime.time(12), tzinfo=datetime.UTC)
    )
    product.refresh_from_db()
    return product


def prices(product: Product) -> tuple:
    product.refresh_from_db()
    return (product.purchase_price, product.national_wholesale_price, product.retail_price)


def history(*products) -> list[tuple]:
    """The non-voided price history as (product, price, effective_from)."""
    return list(
        NationalPrice.objects.filter(product__in=products, voided=False)
        .order_by("product_id", "effective_from")
        .values_list("product_id", "price", "effective_from")
    )


def in_force(product, days=(400, 61, 60, 31, 30, 10, 1, 0)) -> list:
    return [national_price_on(product=product, on_date=today() - d * DAY) for d in days]


@pytest.fixture
def manager():
    return role_user("manager")


@pytest.fixture
def products():
    first = aged(
        ProductFactory(
            national_wholesale_price=Decimal("12.50"),
            retail_price=Decimal("15.00"),
            purchase_price=Decimal("8.00"),
        ),
        90,
    )
    # 11.00 from 90 days ago, 12.50 (its current price) from 60 days ago.
    NationalPrice.objects.filter(product=first).update(price=Decimal("11.00"))
    NationalPriceFactory(product=first, price=Decimal("12.50"), effective_from=today() - 60 * DAY)
    second = aged(ProductFactory(national_wholesale_price=Decimal("20.00")), 90)
    return first, second


def test_a_draft_captures_the_old_prices_and_gets_a_number(products):
    first, second = products
    draft = notice([(first, Decimal("13.00"), Decimal("9.00"), Decimal("16.00"))])
    assert draft.status == NoticeStatus.DRAFT
    assert draft.number.startswith(f"PCN-{today():%Y%m%d}-")
    line = draft.lines.get()
    assert (line.old_purchase_price, line.old_wholesale_price, line.old_retail_price) == (
        Decimal("8.00"),
        Decimal("12.50"),
        Decimal("15.00"),
    )
    assert line.wholesale_change_pct == Decimal("4.00")
    assert line.purchase_change_pct == Decimal("12.50")
    assert line.retail_change_pct == Decimal("6.67")
    # Nothing changes before execution.
    assert prices(first) == (Decimal("8.00"), Decimal("12.50"), Decimal("15.00"))


def test_change_pct_is_none_when_not_computable(products):
    first, _second = products
    line = PriceChangeLine(old_purchase_price=None, new_purchase_price=Decimal("1"))
    assert line.purchase_change_pct is None
    line = PriceChangeLine(old_retail_price=Decimal("0"), new_retail_price=Decimal("1"))
    assert line.retail_change_pct is None
    line = PriceChangeLine(old_wholesale_price=Decimal("10"), new_wholesale_price=None)
    assert line.wholesale_change_pct is None
    line = PriceChangeLine(old_wholesale_price=Decimal("10"), new_wholesale_price=Decimal("8"))
    assert line.wholesale_change_pct == Decimal("-20.00")


def test_execute_applies_the_new_prices_and_writes_history(products, manager):
    first, second = products
    effective = today() - 5 * DAY
    draft = notice(
        [
            (first, Decimal("13.00"), Decimal("9.00"), Decimal("16.00")),
            (second, Decimal("19.50")),
        ],
        effective_date=effective,
    )
    rows_before = NationalPrice.objects.count()
    done = price_notice_execute(notice=draft, user=manager)
    assert done.status == NoticeStatus.EXECUTED
    assert done.executed_by == manager and done.executed_at is not None
    assert prices(first) == (Decimal("9.00"), Decimal("13.00"), Decimal("16.00"))
    # Only the given price changes; the others stay as they were.
    assert prices(second) == (None, Decimal("19.50"), Decimal("15.00"))
    # One row per product (the product signal did not record the change a second time).
    assert NationalPrice.objects.count() == rows_before + 2
    assert national_price_on(product=first, on_date=effective - DAY) == Decimal("12.50")
    assert national_price_on(product=first, on_date=effective) == Decimal("13.00")
    assert national_price_on(product=first, on_date=today()) == Decimal("13.00")
    row = NationalPrice.objects.get(product=second, notice=done)
    assert (row.price, row.effective_from, row.created_by) == (Decimal("19.50"), effective, manager)


def test_cancel_is_the_exact_inverse_of_execute(products, manager):
    first, second = products
    before = (
        prices(first),
        prices(second),
        history(first, second),
        in_force(first),
        in_force(second),
    )
    done = executed_notice(
        [(first, Decimal("13.00"), Decimal("9.00"), Decimal("16.00")), (second, Decimal("18.00"))],
        effective_date=today() - 10 * DAY,
    )
    assert in_force(first) != before[3]
    price_notice_cancel(notice=done, user=manager, reason="文件撤回")
    after = (
        prices(first),
        prices(second),
        history(first, second),
        in_force(first),
        in_force(second),
    )
    assert after == before
    done.refresh_from_db()
    assert done.status == NoticeStatus.CANCELLED
    assert done.cancelled_by == manager and done.cancel_reason == "文件撤回"
    # Its rows are kept, voided.
    assert NationalPrice.objects.filter(notice=done, voided=True).count() == 2


def test_a_same_day_price_is_replaced_and_revived_on_cancel(manager):
    """A product created today has its baseline row today; a notice effective today replaces
    it, and cancelling brings it back."""
    product = ProductFactory(national_wholesale_price=Decimal("12.50"))
    before = (prices(product), history(product))
    done = executed_notice([(product, Decimal("11.00"))])
    assert history(product) == [(product.pk, Decimal("11.00"), today())]
    baseline = NationalPrice.objects.get(product=product, notice=None)
    assert baseline.voided and baseline.superseded_by == done
    price_notice_cancel(notice=done, user=manager, reason="录入错误")
    assert (prices(product), history(product)) == before
    baseline.refresh_from_db()
    assert not baseline.voided and baseline.superseded_by is None


def test_cancel_is_refused_after_a_later_notice_on_the_same_product(products, manager):
    first, second = products
    earlier = executed_notice([(first, Decimal("13.00"))], effective_date=today() - 10 * DAY)
    later = executed_notice([(first, Decimal("14.00")), (second, Decimal("21.00"))])
    with pytest.raises(DomainError) as refused:
        price_notice_cancel(notice=earlier, user=manager, reason="撤回")
    assert refused.value.messages == [
        f"Notice {later.number}, executed after this one, also changed {first}; cancel "
        f"{later.number} first."
    ]
    earlier.refresh_from_db()
    assert earlier.status == NoticeStatus.EXECUTED
    assert prices(first)[1] == Decimal("14.00")
    # Undo in reverse order: both succeed and the original prices are back.
    price_notice_cancel(notice=later, user=manager, reason="撤回")
    price_notice_cancel(notice=earlier, user=manager, reason="撤回")
    assert prices(first)[1] == Decimal("12.50")
    assert prices(second)[1] == Decimal("20.00")


def test_cancel_is_refused_after_a_direct_price_edit(products, manager):
    first, _second = products
    done = executed_notice([(first, Decimal("13.00"))], effective_date=today() - 3 * DAY)
    first.refresh_from_db()
    first.national_wholesale_price = Decimal("13.50")
    product_update(product=first)
    with pytest.raises(DomainError) as refused:
        price_notice_cancel(notice=done, user=manager, reason="撤回")
    assert (
        f"{first}: the national wholesale price is now 13.50, not the 13.00 this notice set; "
        "it was changed since, so the notice cannot be undone." in refused.value.messages
    )
    assert prices(first)[1] == Decimal("13.50")


def test_execute_refuses_a_line_whose_product_changed_since_the_draft(products, manager):
    first, _second = products
    draft = notice([(first, Decimal("13.00"))])
    first.national_wholesale_price = Decimal("12.80")
    product_update(product=first)
    with pytest.raises(DomainError) as refused:
        price_notice_execute(notice=draft, user=manager)
    assert refused.value.messages == [
        f"{first}: the national wholesale price is now 12.80, but the notice was prepared when "
        "it was 12.50. Refresh the old prices, check the new ones and execute again."
    ]
    draft.refresh_from_db()
    assert draft.status == NoticeStatus.DRAFT
    price_notice_refresh(notice=draft, user=role_user("purchaser"))
    assert draft.lines.get().old_wholesale_price == Decimal("12.80")
    price_notice_execute(notice=draft, user=manager)
    assert prices(first)[1] == Decimal("13.00")


def test_execute_refuses_a_future_effective_date(products, manager):
    first, _second = products
    draft = notice([(first, Decimal("13.00"))], effective_date=today() + 2 * DAY)
    with pytest.raises(InvalidStateError, match="can be executed on or after that day"):
        price_notice_execute(notice=draft, user=manager)
    assert prices(first)[1] == Decimal("12.50")
    assert not NationalPrice.objects.filter(notice=draft).exists()


def test_execute_refuses_a_date_before_a_recorded_later_price(products, manager):
    first, _second = products
    executed_notice([(first, Decimal("13.00"))], effective_date=today() - 5 * DAY)
    draft = notice([(first, Decimal("14.00"))], effective_date=today() - 20 * DAY)
    with pytest.raises(DomainError) as refused:
        price_notice_execute(notice=draft, user=manager)
    later = (today() - 5 * DAY).isoformat()
    assert refused.value.messages == [
        f"{first} has a national price effective on {later}, after this notice's date "
        f"{(today() - 20 * DAY).isoformat()}; use an effective date on or after {later}."
    ]


def test_execute_refuses_a_new_price_below_the_products_floor(products, manager):
    first, _second = products
    first.min_sale_price = Decimal("12.00")
    product_update(product=first)
    draft = notice([(first, Decimal("11.00"))])
    with pytest.raises(DomainError, match="minimum sale price 12.00 is above"):
        price_notice_execute(notice=draft, user=manager)
    assert prices(first)[1] == Decimal("12.50")
    assert not NationalPrice.objects.filter(notice=draft).exists()


def test_only_a_manager_executes_and_cancels_executed_notices(products, manager):
    first, _second = products
    purchaser = role_user("purchaser")
    draft = notice([(first, Decimal("13.00"))], user=purchaser)
    with pytest.raises(PermissionDeniedError, match="manager does"):
        price_notice_execute(notice=draft, user=purchaser)
    with pytest.raises(PermissionDeniedError):
        price_notice_execute(notice=draft, user=role_user("sales"))
    price_notice_execute(notice=draft, user=manager)
    with pytest.raises(PermissionDeniedError, match="manager does"):
        price_notice_cancel(notice=draft, user=purchaser, reason="撤回")
    assert prices(first)[1] == Decimal("13.00")


def test_sales_may_not_prepare_notices(products):
    first, _second = products
    with pytest.raises(PermissionDeniedError):
        notice([(first, Decimal("13.00"))], user=role_user("sales"))


def test_a_draft_can_be_cancelled_by_its_preparer_and_then_not_executed(products, manager):
    first, _second = products
    draft = notice([(first, Decimal("13.00"))])
    with pytest.raises(DomainError, match="Give the reason"):
        price_notice_cancel(notice=draft, user=role_user("purchaser"), reason=" ")
    price_notice_cancel(notice=draft, user=role_user("purchaser"), reason="不执行")
    with pytest.raises(InvalidStateError, match="only a draft can be executed"):
        price_notice_execute(notice=draft, user=manager)
    with pytest.raises(InvalidStateError, match="already cancelled"):
        price_notice_cancel(notice=draft, user=manager, reason="x")
    assert prices(first)[1] == Decimal("12.50")


def test_update_replaces_the_lines_of_a_draft_only(products, manager):
    first, second = products
    purchaser = role_user("purchaser")
    draft = notice([(first, Decimal("13.00"))])
    price_notice_update(
        notice=draft,
        user=purchaser,
        document_ref="沪价〔2026〕13号",
        effective_date=today(),
        lines=[NoticeLineInput(product=second, new_retail_price=Decimal("25.00"))],
    )
    line = draft.lines.get()
    assert (line.product, line.old_retail_price, line.new_retail_price) == (
        second,
        Decimal("15.00"),
        Decimal("25.00"),
    )
    assert line.retail_change_pct == Decimal("66.67")
    price_notice_execute(notice=draft, user=manager)
    with pytest.raises(InvalidStateError, match="only a draft can be changed"):
        price_notice_update(
            notice=draft,
            user=purchaser,
            document_ref="x",
            effective_date=today(),
            lines=[NoticeLineInput(product=first, new_retail_price=Decimal("1.00"))],
        )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            NoticeLineInput(product=None, new_wholesale_price=Decimal("1")),
            "Line 1: choose a product.",
        ),
        ("no-new-price", "Enter at least one new price."),
        ("negative", "Ensure this value is greater than or equal to 0."),
        ("unchanged", "the new prices equal the current ones."),
    ],
)
def test_bad_lines_are_refused(products, line, message):
    first, _second = products
    if line == "no-new-price":
        line = NoticeLineInput(product=first)
    elif line == "negative":
        line = NoticeLineInput(product=first, new_wholesale_price=Decimal("-1.00"))
    elif line == "unchanged":
        line = NoticeLineInput(product=first, new_wholesale_price=Decimal("12.50"))
    with pytest.raises(DomainError) as refused:
        notice_with([line])
    assert any(message in m for m in refused.value.messages), refused.value.messages


def notice_with(lines):
    from apps.pricing.services import price_notice_create

    return price_notice_create(
        user=role_user("purchaser"), document_ref="X1", effective_date=today(), lines=lines
    )


def test_a_product_may_appear_once_and_a_notice_needs_a_document_ref(products):
    first, _second = products
    line = NoticeLineInput(product=first, new_wholesale_price=Decimal("13.00"))
    with pytest.raises(DomainError, match="already on another line"):
        notice_with([line, line])
    with pytest.raises(DomainError, match="at least one product line"):
        notice_with([])
    from apps.pricing.services import price_notice_create

    with pytest.raises(DomainError, match="执行文件号"):
        price_notice_create(
            user=role_user("purchaser"), document_ref=" ", effective_date=today(), lines=[line]
        )
