"""Signing under real concurrency (threads with their own connections, PostgreSQL): a
record is signed once, and two notices racing to stop the same lot stop it once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.urls import reverse

from apps.core.exceptions import DomainError
from apps.gsp_records import services
from apps.inventory.models import HoldStatus, LotHold

from ..models import StopSaleNotice
from .helpers import client_for, is_sellable, stocked_lot
from .test_notices import stop_sale_data

pytestmark = pytest.mark.django_db(transaction=True)


def race(*calls) -> list:
    """Run the calls at the same moment; each one's result or exception."""
    barrier = threading.Barrier(len(calls), timeout=30)
    results: list = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:  # the outcome under test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results


def new_notice(author, lot, handler) -> StopSaleNotice:
    author.post(reverse("gsp_quality:stopsalenotice_create"), stop_sale_data(lot, handler))
    return StopSaleNotice.objects.latest("pk")


def test_two_heads_of_quality_signing_one_notice_sign_it_once():
    keeper = client_for("keeper", "keeper1")
    first, second = client_for("quality_manager", "q1"), client_for("quality_manager", "q2")
    lot, _shelf = stocked_lot()
    notice = new_notice(first, lot, keeper.user)

    results = race(
        lambda: services.record_sign(record=notice, user=first.user),
        lambda: services.record_sign(record=notice, user=second.user),
    )

    signed = [r for r in results if isinstance(r, StopSaleNotice)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(signed) == 1 and len(refused) == 1, results
    assert "already signed" in str(refused[0]) or "已" in str(refused[0])
    assert LotHold.objects.filter(lot=lot, status=HoldStatus.ACTIVE).count() == 1
    notice.refresh_from_db()
    assert notice.signed_by == signed[0].signed_by
    assert not is_sellable(lot)


def test_two_notices_racing_to_stop_one_lot_stop_it_once():
    keeper = client_for("keeper", "keeper1")
    first, second = client_for("quality_manager", "q1"), client_for("quality_manager", "q2")
    lot, _shelf = stocked_lot()
    one = new_notice(first, lot, keeper.user)
    other = new_notice(second, lot, keeper.user)

    results = race(
        lambda: services.record_sign(record=one, user=second.user),
        lambda: services.record_sign(record=other, user=first.user),
    )

    assert sum(isinstance(r, StopSaleNotice) for r in results) == 1, results
    assert sum(isinstance(r, DomainError) for r in results) == 1, results
    # Exactly one notice is signed, and it owns the one stop of the lot.
    assert StopSaleNotice.objects.signed().count() == 1
    hold = LotHold.objects.get(lot=lot)
    assert hold.status == HoldStatus.ACTIVE
    assert StopSaleNotice.objects.signed().get().hold_id == hold.pk
    assert StopSaleNotice.objects.drafts().get().hold_id is None
