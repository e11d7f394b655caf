"""Factories for pricing objects (and the customers and products they refer to). Every
factory builds a record that passes full_clean()."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from django.contrib.auth.models import User

from apps.catalog.tests.factories import CategoryFactory, ProductFactory
from apps.core.models import today
from apps.core.tests.factories import CleanFactory, user_with_role
from apps.customers.tests.factories import CustomerClassFactory, CustomerFactory
from apps.pricing.models import CrossDiscount, NationalPrice
from apps.pricing.services import NoticeLineInput, price_notice_create, price_notice_execute

__all__ = [
    "CategoryFactory",
    "CrossDiscountFactory",
    "CustomerClassFactory",
    "CustomerFactory",
    "NationalPriceFactory",
    "ProductFactory",
    "executed_notice",
    "notice",
    "role_user",
]


class NationalPriceFactory(CleanFactory):
    class Meta:
        model = NationalPrice

    product = factory.SubFactory(ProductFactory)
    price = Decimal("10.00")
    effective_from = factory.LazyFunction(lambda: today() - datetime.timedelta(days=30))


class CrossDiscountFactory(CleanFactory):
    """A customer × product row at 90 %; pass customer_class/category (and None for the
    other side) for the other levels."""

    class Meta:
        model = CrossDiscount

    customer = factory.SubFactory(CustomerFactory)
    customer_class = None
    product = factory.SubFactory(ProductFactory)
    category = None
    rate_pct = Decimal("90")


def role_user(role: str) -> User:
    username = f"pricing_{role}"
    return User.objects.filter(username=username).first() or user_with_role(role, username)


def notice(
    lines: list[tuple],
    *,
    effective_date: datetime.date | None = None,
    user: User | None = None,
    document_ref: str = "沪价〔2026〕12号",
):
    """A draft notice; each line is (product, new wholesale[, new purchase[, new retail]])."""
    inputs = []
    for product, wholesale, *rest in lines:
        purchase = rest[0] if len(rest) > 0 else None
        retail = rest[1] if len(rest) > 1 else None
        inputs.append(
            NoticeLineInput(
                product=product,
                new_wholesale_price=wholesale,
                new_purchase_price=purchase,
                new_retail_price=retail,
            )
        )
    return price_notice_create(
        user=user or role_user("purchaser"),
        document_ref=document_ref,
        effective_date=effective_date or today(),
        lines=inputs,
    )


def executed_notice(lines: list[tuple], *, effective_date=None):
    draft = notice(lines, effective_date=effective_date)
    return price_notice_execute(notice=draft, user=role_user("manager"))
