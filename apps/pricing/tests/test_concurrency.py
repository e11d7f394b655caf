"""Races on PostgreSQL with real threads: one notice executed twice, a cancel racing a later
notice on the same product, and two users adding the same discount combination."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from apps.catalog.models import Product
from apps.core.exceptions import DomainError
from apps.pricing.models import CrossDiscount, NationalPrice, NoticeStatus
from apps.pricing.services import cross_discount_create, price_notice_cancel, price_notice_execute

from .factories import CustomerFactory, ProductFactory, executed_notice, notice, role_user


def race(*jobs) -> list[str]:
    """Run the jobs at the same moment, each in its own thread and connection."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(job):
        try:
            barrier.wait(timeout=10)
            job()
            result = "ok"
        except DomainError as error:
            result = "refused: " + "; ".join(error.messages)
        except Exception as error:  # noqa: BLE001 - reported through the assertions
            result = f"crashed: {error!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_a_notice_executed_twice_at_once_applies_once():
    product = ProductFactory(national_wholesale_price=Decimal("12.50"))
    draft = notice([(product, Decimal("13.00"))])
    manager = role_user("manager")

    def execute():
        price_notice_execute(notice=draft, user=manager)

    outcomes = race(execute, execute)
    assert sorted(o.split(":")[0] for o in outcomes) == ["ok", "refused"], outcomes
    assert "only a draft can be executed" in next(o for o in outcomes if o != "ok")
    assert NationalPrice.objects.filter(notice=draft).count() == 1
    assert Product.objects.get(pk=product.pk).national_wholesale_price == Decimal("13.00")


@pytest.mark.django_db(transaction=True)
def test_cancelling_a_notice_races_a_later_notice_on_the_same_product():
    product = ProductFactory(national_wholesale_price=Decimal("12.50"))
    earlier = executed_notice([(product, Decimal("13.00"))])
    later = notice([(product, Decimal("14.00"))])  # prepared against 13.00
    manager = role_user("manager")
    outcomes = race(
        lambda: price_notice_cancel(notice=earlier, user=manager, reason="撤回"),
        lambda: price_notice_execute(notice=later, user=manager),
    )
    # Whichever goes first wins; the other sees it and refuses.
    assert sorted(o.split(":")[0] for o in outcomes) == ["ok", "refused"], outcomes
    earlier.refresh_from_db()
    later.refresh_from_db()
    price = Product.objects.get(pk=product.pk).national_wholesale_price
    if earlier.status == NoticeStatus.CANCELLED:
        assert later.status == NoticeStatus.DRAFT
        assert price == Decimal("12.50")
    else:
        assert later.status == NoticeStatus.EXECUTED
        assert price == Decimal("14.00")


@pytest.mark.django_db(transaction=True)
def test_the_same_discount_added_twice_at_once_is_saved_once():
    customer, product = CustomerFactory(), ProductFactory()
    users = [role_user("purchaser"), role_user("manager")]

    def add(user, rate):
        def job():
            cross_discount_create(
                user=user,
                instance=CrossDiscount(customer=customer, product=product, rate_pct=rate),
            )

        return job

    outcomes = race(add(users[0], Decimal("90")), add(users[1], Decimal("80")))
    assert sorted(o.split(":")[0] for o in outcomes) == ["ok", "refused"], outcomes
    assert "already exists" in next(o for o in outcomes if o != "ok")
    assert CrossDiscount.objects.count() == 1
