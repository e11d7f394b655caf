"""Cross discounts (交叉扣率) and the suggested price: precedence, category ancestors,
rounding, floors, query counts and bad input."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.core.exceptions import DomainError, InvalidStateError, PermissionDeniedError
from apps.core.models import today
from apps.pricing.models import CrossDiscount
from apps.pricing.selectors import (
    SuggestedPrice,
    resolve_discount,
    suggested_price,
    suggested_prices,
)
from apps.pricing.services import (
    cross_discount_create,
    cross_discount_deactivate,
    cross_discount_update,
)

from .factories import (
    CategoryFactory,
    CrossDiscountFactory,
    CustomerClassFactory,
    CustomerFactory,
    NationalPriceFactory,
    ProductFactory,
    role_user,
)

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def world():
    """A product in 6866-01-02 (below 6866-01, below 6866) and a customer of class A."""
    root = CategoryFactory(code="6866", name="医用高分子材料及制品")
    child = CategoryFactory(code="6866-01", name="输液器具", parent=root)
    leaf = CategoryFactory(code="6866-01-02", name="一次性输液器", parent=child)
    product = ProductFactory(category=leaf, national_wholesale_price=Decimal("100.00"))
    hospital_class = CustomerClassFactory(code="A", name="三级医院")
    customer = CustomerFactory(customer_class=hospital_class)
    return {
        "root": root,
        "child": child,
        "leaf": leaf,
        "product": product,
        "class": hospital_class,
        "customer": customer,
    }


def row(*, who, what, rate, **extra) -> CrossDiscount:
    """A discount for `who` (customer or class) on `what` (product or category)."""
    from apps.catalog.models import Category
    from apps.customers.models import CustomerClass

    kwargs = {"customer": None, "customer_class": None, "product": None, "category": None}
    kwargs["customer_class" if isinstance(who, CustomerClass) else "customer"] = who
    kwargs["category" if isinstance(what, Category) else "product"] = what
    return CrossDiscountFactory(rate_pct=Decimal(rate), **kwargs, **extra)


def resolved(world) -> tuple[str, Decimal | None]:
    discount, level = resolve_discount(customer=world["customer"], product=world["product"])
    return level, discount.rate_pct if discount else None


def test_without_a_row_the_suggested_price_is_the_national_price(world):
    result = suggested_price(customer=world["customer"], product=world["product"], on_date=today())
    assert result == SuggestedPrice(
        national_price=Decimal("100.00"),
        rate_pct=None,
        level="none",
        price=Decimal("100.00"),
        floor_price=None,
    )


def test_precedence_of_the_four_levels(world):
    customer, product = world["customer"], world["product"]
    row(who=world["class"], what=world["root"], rate="98")
    assert resolved(world) == ("class_category", Decimal("98.00"))
    row(who=world["class"], what=product, rate="97")
    assert resolved(world) == ("class_product", Decimal("97.00"))
    row(who=customer, what=world["root"], rate="96")
    assert resolved(world) == ("customer_category", Decimal("96.00"))
    row(who=customer, what=product, rate="95")
    assert resolved(world) == ("customer_product", Decimal("95.00"))
    result = suggested_price(customer=customer, product=product, on_date=today())
    assert (result.level, result.rate_pct, result.price) == (
        "customer_product",
        Decimal("95.00"),
        Decimal("95.00"),
    )


@pytest.mark.parametrize("who_key", ["customer", "class"])
def test_the_nearest_category_wins_within_a_level(world, who_key):
    who = world[who_key]
    level = "customer_category" if who_key == "customer" else "class_category"
    row(who=who, what=world["root"], rate="90")
    assert resolved(world) == (level, Decimal("90.00"))
    row(who=who, what=world["child"], rate="85")
    assert resolved(world) == (level, Decimal("85.00"))
    row(who=who, what=world["leaf"], rate="80")
    assert resolved(world) == (level, Decimal("80.00"))


def test_a_category_row_does_not_cover_siblings_or_parents(world):
    sibling = CategoryFactory(code="6866-02", name="输血器具", parent=world["root"])
    row(who=world["customer"], what=sibling, rate="50")
    assert resolved(world) == ("none", None)


def test_inactive_rows_and_other_customers_rows_are_ignored(world):
    row(who=world["customer"], what=world["product"], rate="80", is_active=False)
    row(who=CustomerFactory(customer_class=world["class"]), what=world["product"], rate="70")
    row(who=CustomerClassFactory(code="B", name="二级医院"), what=world["product"], rate="60")
    assert resolved(world) == ("none", None)


def test_a_customer_without_class_gets_only_its_own_rows(world):
    loner = CustomerFactory(customer_class=None)
    row(who=world["class"], what=world["product"], rate="90")
    discount, level = resolve_discount(customer=loner, product=world["product"])
    assert (discount, level) == (None, "none")
    row(who=loner, what=world["root"], rate="93")
    discount, level = resolve_discount(customer=loner, product=world["product"])
    assert (level, discount.rate_pct) == ("customer_category", Decimal("93.00"))


def test_no_customer_means_no_discount(world):
    result = suggested_price(customer=None, product=world["product"], on_date=today())
    assert (result.level, result.price) == ("none", Decimal("100.00"))


@pytest.mark.parametrize(
    ("national", "rate", "expected"),
    [
        ("10.05", "50", "5.03"),  # 5.025: half up, not to even
        ("12.35", "33.33", "4.12"),  # 4.116255
        ("99.99", "100", "99.99"),
        ("0.01", "0.01", "0.00"),
        ("100.00", "87.5", "87.50"),
    ],
)
def test_the_suggested_price_is_rounded_half_up_to_the_cent(world, national, rate, expected):
    product = world["product"]
    product.national_wholesale_price = Decimal(national)
    product.save()
    row(who=world["customer"], what=product, rate=rate)
    result = suggested_price(customer=world["customer"], product=product, on_date=today())
    assert result.price == Decimal(expected)
    assert result.national_price == Decimal(national)


def test_the_national_price_is_the_one_in_force_on_the_date(world):
    product = world["product"]
    NationalPriceFactory(product=product, price=Decimal("80.00"), effective_from=today() - 30 * DAY)
    row(who=world["class"], what=world["leaf"], rate="90")
    past = suggested_price(customer=world["customer"], product=product, on_date=today() - 10 * DAY)
    assert (past.national_price, past.price) == (Decimal("80.00"), Decimal("72.00"))
    now = suggested_price(customer=world["customer"], product=product, on_date=today())
    assert (now.national_price, now.price) == (Decimal("100.00"), Decimal("90.00"))


def test_the_floor_is_the_rows_floor_else_the_products(world):
    customer, product = world["customer"], world["product"]
    assert suggested_price(customer=customer, product=product, on_date=today()).floor_price is None
    product.min_sale_price = Decimal("70.00")
    product.save()
    assert suggested_price(
        customer=customer, product=product, on_date=today()
    ).floor_price == Decimal("70.00")
    row(who=world["class"], what=world["root"], rate="90")  # a row without its own floor
    assert suggested_price(
        customer=customer, product=product, on_date=today()
    ).floor_price == Decimal("70.00")
    row(who=customer, what=product, rate="85", floor_price=Decimal("60.00"))
    result = suggested_price(customer=customer, product=product, on_date=today())
    assert (result.price, result.floor_price) == (Decimal("85.00"), Decimal("60.00"))


def test_suggested_prices_take_the_same_queries_for_1_or_20_products(
    world, django_assert_num_queries
):
    customer = world["customer"]
    products = [world["product"]]
    for n in range(19):
        category = world["leaf"] if n % 2 else world["child"]
        products.append(ProductFactory(category=category, national_wholesale_price=Decimal(10 + n)))
    row(who=world["class"], what=world["root"], rate="90")
    row(who=world["class"], what=products[3], rate="80")
    row(who=customer, what=world["child"], rate="85")
    row(who=customer, what=products[5], rate="70", floor_price=Decimal("1.00"))
    with django_assert_num_queries(3):
        one = suggested_prices(customer=customer, products=products[:1], on_date=today())
    with django_assert_num_queries(3):
        many = suggested_prices(customer=customer, products=products, on_date=today())
    assert one[products[0].pk] == many[products[0].pk]
    assert len(many) == 20
    assert many[products[5].pk].level == "customer_product"
    assert many[products[5].pk].floor_price == Decimal("1.00")
    assert many[products[3].pk].level == "customer_category"  # beats class × product
    for product in products:
        assert many[product.pk] == suggested_price(
            customer=customer, product=product, on_date=today()
        )


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"rate_pct": Decimal("0")}, "rate_pct", "must be above 0 and at most 100"),
        ({"rate_pct": Decimal("100.01")}, "rate_pct", "must be above 0 and at most 100"),
        ({"rate_pct": Decimal("-5")}, "rate_pct", "must be above 0 and at most 100"),
        ({"floor_price": Decimal("-0.01")}, "floor_price", "cannot be negative"),
        ({"customer_class": "class"}, "customer", "not both"),
        ({"customer": None}, "customer", "Choose a customer or a customer class."),
        ({"category": "root"}, "product", "not both"),
        ({"product": None}, "product", "Choose a product or a product category."),
    ],
)
def test_bad_rows_are_refused_with_a_specific_message(world, changes, field, message):
    values = {
        "customer": world["customer"],
        "customer_class": None,
        "product": world["product"],
        "category": None,
        "rate_pct": Decimal("90"),
    }
    for key, value in changes.items():
        values[key] = world[value] if isinstance(value, str) else value
    discount = CrossDiscount(**values)
    with pytest.raises(DomainError) as refused:
        cross_discount_create(user=role_user("purchaser"), instance=discount)
    assert any(message in m for m in refused.value.messages), refused.value.messages
    assert not CrossDiscount.objects.exists()
    with pytest.raises(ValidationError) as invalid:
        discount.full_clean()
    assert field in invalid.value.message_dict


@pytest.mark.parametrize(
    "values",
    [
        {"rate_pct": Decimal("0")},
        {"rate_pct": Decimal("100.5")},
        {"floor_price": Decimal("-1")},
        {"customer_class": "class"},
        {"customer": None},
        {"category": "root"},
        {"product": None},
    ],
)
def test_the_database_refuses_bad_rows_too(world, values):
    data = {
        "customer": world["customer"],
        "product": world["product"],
        "rate_pct": Decimal("90"),
    }
    for key, value in values.items():
        data[key] = world[value] if isinstance(value, str) else value
    with pytest.raises(IntegrityError), transaction.atomic():
        CrossDiscount.objects.create(**data)


def test_a_combination_exists_once_even_inactive(world):
    row(who=world["customer"], what=world["product"], rate="90", is_active=False)
    duplicate = CrossDiscount(
        customer=world["customer"], product=world["product"], rate_pct=Decimal("80")
    )
    with pytest.raises(DomainError, match="already exists"):
        cross_discount_create(user=role_user("manager"), instance=duplicate)
    with pytest.raises(IntegrityError), transaction.atomic():
        CrossDiscount.objects.create(
            customer=world["customer"], product=world["product"], rate_pct=Decimal("80")
        )
    # The same product for the customer's class is another combination.
    row(who=world["class"], what=world["product"], rate="90")


def test_services_check_permissions_and_deactivate(world):
    discount = CrossDiscount(
        customer=world["customer"], product=world["product"], rate_pct=Decimal("90")
    )
    with pytest.raises(PermissionDeniedError):
        cross_discount_create(user=role_user("sales"), instance=discount)
    cross_discount_create(user=role_user("purchaser"), instance=discount)
    discount.rate_pct = Decimal("88")
    with pytest.raises(PermissionDeniedError):
        cross_discount_update(user=role_user("auditor"), instance=discount)
    cross_discount_update(user=role_user("manager"), instance=discount)
    assert resolved(world) == ("customer_product", Decimal("88.00"))
    cross_discount_deactivate(user=role_user("manager"), discount=discount)
    assert resolved(world) == ("none", None)
    with pytest.raises(InvalidStateError, match="already inactive"):
        cross_discount_deactivate(user=role_user("manager"), discount=discount)
