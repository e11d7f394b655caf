"""Pricing staff pages: they render, are permission-guarded and go through the services."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.core.models import today
from apps.pricing.models import CrossDiscount, NationalPrice, NoticeStatus, PriceChangeNotice

from .factories import (
    CategoryFactory,
    CrossDiscountFactory,
    CustomerClassFactory,
    CustomerFactory,
    NationalPriceFactory,
    ProductFactory,
    executed_notice,
    notice,
)

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
LISTS = ["pricechangenotice_list", "nationalprice_list", "crossdiscount_list"]


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def product():
    return ProductFactory(
        code="P100",
        national_wholesale_price=Decimal("12.50"),
        retail_price=Decimal("15.00"),
        purchase_price=Decimal("8.88"),
    )


@pytest.mark.parametrize("name", LISTS)
@pytest.mark.parametrize("role", ["manager", "purchaser", "sales", "finance", "auditor"])
def test_lists_render_for_roles_that_may_view(role_client, product, role, name):
    executed_notice([(product, Decimal("13.00"))])
    CrossDiscountFactory(product=product)
    response = role_client(role).get(reverse(f"pricing:{name}"))
    assert response.status_code == 200
    assert len(response.context["table"].rows) >= 1


@pytest.mark.parametrize("name", [*LISTS, "suggested_price"])
@pytest.mark.parametrize("role", ["keeper", "checker", "inspector"])
def test_roles_without_pricing_get_403(role_client, role, name):
    assert role_client(role).get(reverse(f"pricing:{name}")).status_code == 403


@pytest.mark.parametrize("name", [*LISTS, "pricechangenotice_create", "suggested_price"])
def test_anonymous_users_go_to_login(client, name):
    response = client.get(reverse(f"pricing:{name}"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_menu_has_a_pricing_section_before_company(make_user):
    from apps.core.navigation import navigation_for

    sections = navigation_for(make_user("sales"))
    pricing = next(s for s in sections if s["label"] == "Pricing")
    assert pricing["icon"] == "tag"
    assert reverse("pricing:crossdiscount_list") in [item["url"] for item in pricing["items"]]
    labels = [str(s["label"]) for s in navigation_for(make_user("manager"))]
    assert labels.index("Sales") < labels.index("Pricing") < labels.index("Company")
    assert "Pricing" not in [str(s["label"]) for s in navigation_for(make_user("keeper"))]


def test_price_history_shows_the_price_in_force_on_a_date(role_client, product):
    NationalPriceFactory(product=product, price=Decimal("10.00"), effective_from=today() - 60 * DAY)
    NationalPriceFactory(product=product, price=Decimal("11.00"), effective_from=today() - 30 * DAY)
    other = ProductFactory()
    client = role_client("sales")
    url = reverse("pricing:nationalprice_list")
    on = (today() - 40 * DAY).isoformat()
    response = client.get(url, {"product": product.pk, "in_force_on": on})
    assert response.status_code == 200
    assert response.context["in_force"]["price"] == Decimal("10.00")
    assert [row.record.price for row in response.context["table"].rows] == [Decimal("10.00")]
    assert "in force on" in response.content.decode()
    # Without a product: the row in force that day for every product.
    response = client.get(url, {"in_force_on": on})
    assert {row.record.product_id for row in response.context["table"].rows} == {product.pk}
    response = client.get(url, {"in_force_on": today().isoformat()})
    assert {row.record.product_id for row in response.context["table"].rows} == {
        product.pk,
        other.pk,
    }
    # Before the product's first row: its own price.
    response = client.get(
        url, {"product": product.pk, "in_force_on": (today() - 90 * DAY).isoformat()}
    )
    assert response.context["in_force"]["price"] == Decimal("12.50")
    assert list(response.context["table"].rows) == []


def notice_post(product, **overrides):
    data = {
        "document_ref": "沪价〔2026〕7号",
        "effective_date": today().isoformat(),
        "reason": "国家集采",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "500",
        "lines-0-product": str(product.pk),
        "lines-0-new_purchase_price": "9.00",
        "lines-0-new_wholesale_price": "13.00",
        "lines-0-new_retail_price": "",
        "lines-1-product": "",
        "lines-1-new_purchase_price": "",
        "lines-1-new_wholesale_price": "",
        "lines-1-new_retail_price": "",
    }
    data.update(overrides)
    return data


def test_a_purchaser_prepares_a_notice_on_the_page(role_client, product):
    client = role_client("purchaser")
    url = reverse("pricing:pricechangenotice_create")
    assert client.get(url).status_code == 200
    response = client.post(url, notice_post(product))
    created = PriceChangeNotice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == created.get_absolute_url()
    line = created.lines.get()
    assert (line.old_purchase_price, line.new_purchase_price) == (
        Decimal("8.88"),
        Decimal("9.00"),
    )
    assert (line.new_wholesale_price, line.new_retail_price) == (Decimal("13.00"), None)
    assert created.created_by == client.user


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"lines-0-new_wholesale_price": "-1"}, "greater than or equal to 0"),
        ({"lines-0-new_wholesale_price": "1.234"}, "no more than 2 decimal places"),
        (
            {"lines-0-new_wholesale_price": "", "lines-0-new_purchase_price": ""},
            "Enter at least one new price",
        ),
        (
            {
                "lines-0-product": "",
                "lines-0-new_purchase_price": "",
                "lines-0-new_wholesale_price": "",
            },
            "Enter at least one product line.",
        ),
        ({"lines-0-product": ""}, "This field is required."),
        ({"lines-0-new_wholesale_price": "12.50", "lines-0-new_purchase_price": "8.88"}, "equal"),
    ],
)
def test_bad_notice_input_is_shown_and_nothing_saved(role_client, product, overrides, message):
    response = role_client("purchaser").post(
        reverse("pricing:pricechangenotice_create"), notice_post(product, **overrides)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not PriceChangeNotice.objects.exists()


@pytest.mark.parametrize("role", ["sales", "auditor", "finance"])
def test_viewers_may_not_prepare_notices(role_client, product, role):
    client = role_client(role)
    assert client.get(reverse("pricing:pricechangenotice_create")).status_code == 403
    assert (
        client.post(reverse("pricing:pricechangenotice_create"), notice_post(product)).status_code
        == 403
    )


def test_a_draft_is_edited_and_an_executed_notice_is_not(role_client, product):
    draft = notice([(product, Decimal("13.00"))])
    client = role_client("purchaser")
    url = reverse("pricing:pricechangenotice_update", args=[draft.pk])
    assert client.get(url).status_code == 200
    data = notice_post(product, **{"lines-0-new_wholesale_price": "14.00", "document_ref": "新"})
    assert client.post(url, data).status_code == 302
    draft.refresh_from_db()
    assert draft.document_ref == "新"
    assert draft.lines.get().new_wholesale_price == Decimal("14.00")
    done = executed_notice([(ProductFactory(), Decimal("1.00"))])
    response = client.get(reverse("pricing:pricechangenotice_update", args=[done.pk]), follow=True)
    assert "only a draft can be changed" in " ".join(messages_of(response))


def test_notice_page_hides_purchase_prices_from_sales(role_client, product):
    draft = notice([(product, Decimal("13.00"), Decimal("9.99"))])
    url = reverse("pricing:pricechangenotice_detail", args=[draft.pk])
    manager = role_client("manager").get(url)
    assert manager.status_code == 200
    assert "9.99" in manager.content.decode() and "8.88" in manager.content.decode()
    assert manager.context["actions"]["execute"]
    sales = role_client("sales", "sales_viewer").get(url)
    body = sales.content.decode()
    assert sales.status_code == 200
    assert "9.99" not in body and "8.88" not in body
    assert "13.00" in body and "+4.00 %" in body
    assert not any(sales.context["actions"].values())


def test_a_manager_executes_and_cancels_from_the_page(role_client, product):
    draft = notice([(product, Decimal("13.00"))])
    client = role_client("manager")
    execute = reverse("pricing:pricechangenotice_action", args=[draft.pk, "execute"])
    response = client.post(execute, follow=True)
    assert "Notice executed" in " ".join(messages_of(response))
    draft.refresh_from_db()
    product.refresh_from_db()
    assert (draft.status, product.national_wholesale_price) == (
        NoticeStatus.EXECUTED,
        Decimal("13.00"),
    )
    cancel = reverse("pricing:pricechangenotice_action", args=[draft.pk, "cancel"])
    response = client.post(cancel, {"reason": ""}, follow=True)
    assert "Give the reason for cancelling." in messages_of(response)
    response = client.post(cancel, {"reason": "文件撤回"}, follow=True)
    assert "Notice cancelled." in messages_of(response)
    draft.refresh_from_db()
    product.refresh_from_db()
    assert (draft.status, product.national_wholesale_price) == (
        NoticeStatus.CANCELLED,
        Decimal("12.50"),
    )


def test_a_refused_execution_is_shown_as_a_message(role_client, product):
    draft = notice([(product, Decimal("13.00"))], effective_date=today() + 3 * DAY)
    response = role_client("manager").post(
        reverse("pricing:pricechangenotice_action", args=[draft.pk, "execute"]), follow=True
    )
    assert any("can be executed on or after that day" in m for m in messages_of(response))
    draft.refresh_from_db()
    assert draft.status == NoticeStatus.DRAFT


@pytest.mark.parametrize(
    ("role", "action", "status"),
    [
        ("purchaser", "execute", 403),
        ("sales", "execute", 403),
        ("auditor", "cancel", 403),
        ("finance", "refresh", 403),
        ("manager", "nonsense", 404),
    ],
)
def test_notice_actions_are_permission_guarded(role_client, product, role, action, status):
    draft = notice([(product, Decimal("13.00"))])
    url = reverse("pricing:pricechangenotice_action", args=[draft.pk, action])
    assert role_client(role).post(url, {"reason": "x"}).status_code == status
    assert role_client(role).get(url).status_code in (403, 405)
    draft.refresh_from_db()
    assert draft.status == NoticeStatus.DRAFT


def test_an_executed_notice_cannot_be_cancelled_by_a_purchaser(role_client, product):
    done = executed_notice([(product, Decimal("13.00"))])
    url = reverse("pricing:pricechangenotice_action", args=[done.pk, "cancel"])
    response = role_client("purchaser").post(url, {"reason": "x"}, follow=True)
    assert any("a manager does" in m for m in messages_of(response))
    done.refresh_from_db()
    assert done.status == NoticeStatus.EXECUTED


def discount_post(**overrides):
    data = {
        "customer": "",
        "customer_class": "",
        "product": "",
        "category": "",
        "rate_pct": "95",
        "floor_price": "",
        "is_active": "on",
        "note": "",
    }
    data.update(overrides)
    return data


def test_cross_discounts_are_created_edited_and_deactivated_on_the_page(role_client, product):
    customer = CustomerFactory()
    client = role_client("purchaser")
    purchaser = client.user
    url = reverse("pricing:crossdiscount_create")
    response = client.post(url, discount_post(customer=customer.pk, product=product.pk))
    discount = CrossDiscount.objects.get()
    assert response.status_code == 302
    assert response["Location"] == discount.get_absolute_url()
    detail = client.get(discount.get_absolute_url())
    assert "Customer × product" in detail.content.decode()
    edit = reverse("pricing:crossdiscount_update", args=[discount.pk])
    client.post(edit, discount_post(customer=customer.pk, product=product.pk, rate_pct="90"))
    discount.refresh_from_db()
    assert discount.rate_pct == Decimal("90.00")
    deactivate = reverse("pricing:crossdiscount_action", args=[discount.pk])
    assert role_client("sales", "sales_d").post(deactivate).status_code == 403
    client.force_login(purchaser)
    client.post(deactivate)
    discount.refresh_from_db()
    assert not discount.is_active


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"rate_pct": "0"}, "must be above 0 and at most 100"),
        ({"rate_pct": "100.5"}, "must be above 0 and at most 100"),
        ({"floor_price": "-1"}, "greater than or equal to 0"),
        ({"customer_class": "class"}, "not both"),
        ({"category": "category"}, "not both"),
    ],
)
def test_bad_discount_input_is_shown_and_nothing_saved(role_client, product, overrides, message):
    refs = {"class": CustomerClassFactory().pk, "category": CategoryFactory().pk}
    data = discount_post(customer=CustomerFactory().pk, product=product.pk)
    data.update({k: refs.get(v, v) for k, v in overrides.items()})
    response = role_client("manager").post(reverse("pricing:crossdiscount_create"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CrossDiscount.objects.exists()


def test_discount_list_search_and_level_filter(role_client, product):
    klass = CustomerClassFactory(code="VIP", name="重点客户")
    CrossDiscountFactory(customer=CustomerFactory(code="K777"), product=product)
    CrossDiscountFactory(
        customer=None, customer_class=klass, product=None, category=CategoryFactory()
    )
    client = role_client("sales")
    url = reverse("pricing:crossdiscount_list")

    def levels(**params):
        response = client.get(url, params)
        return sorted(row.record.level for row in response.context["table"].rows)

    assert levels() == ["class_category", "customer_product"]
    assert levels(q="K777") == ["customer_product"]
    assert levels(level="class_category") == ["class_category"]
    assert levels(customer_class=klass.pk) == ["class_category"]


def test_suggested_price_page(role_client, product):
    customer = CustomerFactory()
    CrossDiscountFactory(customer=customer, product=product, rate_pct=Decimal("90"))
    response = role_client("sales").get(
        reverse("pricing:suggested_price"),
        {"customer": customer.pk, "product": product.pk, "on_date": today().isoformat()},
    )
    assert response.status_code == 200
    assert response.context["result"].price == Decimal("11.25")
    assert "Customer × product" in response.content.decode()


def list_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", LISTS)
def test_list_query_count_does_not_grow_with_rows(role_client, name):
    client = role_client("manager")
    url = reverse(f"pricing:{name}")

    def add_rows(n):
        for _ in range(n):
            product = ProductFactory()
            executed_notice([(product, Decimal("1.00"))])
            CrossDiscountFactory(product=product)
            CrossDiscountFactory(
                customer=None,
                customer_class=CustomerClassFactory(),
                product=None,
                category=product.category,
            )

    add_rows(2)
    client.get(url)  # warm up sessions and permission caches
    few = list_queries(client, url)
    add_rows(10)
    assert NationalPrice.objects.count() >= 12
    assert list_queries(client, url) == few


def test_catalog_product_form_has_the_new_prices(role_client, product):
    client = role_client("manager")
    form = client.get(reverse("catalog:product_update", args=[product.pk])).context["form"]
    assert {"purchase_price", "min_sale_price"} <= set(form.fields)
    detail = client.get(reverse("catalog:product_detail", args=[product.pk])).content.decode()
    assert "Reference purchase price (incl. tax)" in detail
    assert "Minimum sale price (incl. tax)" in detail


def test_action_messages_follow_the_users_language(role_client, product):
    """Messages defined at module level are translated per request, not at import."""
    client = role_client("manager")
    seen = []
    for language in ("zh-hans", "en"):
        draft = notice([(product, product.national_wholesale_price + Decimal("1.00"))])
        client.cookies["django_language"] = language
        url = reverse("pricing:pricechangenotice_action", args=[draft.pk, "execute"])
        seen.append(" ".join(messages_of(client.post(url, follow=True))))
        product.refresh_from_db()
    assert "通知单已执行" in seen[0]
    assert "Notice executed" in seen[1]
