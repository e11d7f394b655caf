"""Two receipts racing for the last open quantity of an order line: exactly one wins."""

import threading

import pytest
from django.db import connection

from apps.core.exceptions import DomainError
from apps.inventory.models import StockMove
from apps.purchasing.models import Receipt

from .factories import ledger_mismatches, open_order, order_line, purchasing_world, receive


@pytest.mark.django_db(transaction=True)
def test_concurrent_receipts_cannot_exceed_the_open_quantity():
    world = purchasing_world()
    order = open_order(world, {world.product: 10})
    receive(world, order, world.product, 4)  # 6 left open, no tolerance
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def book():
        try:
            barrier.wait(timeout=10)
            receive(world, order, world.product, 6)
            result = "ok"
        except DomainError as error:
            result = "refused: " + "; ".join(error.messages)
        except Exception as error:  # noqa: BLE001 - reported through the assertion below
            result = f"crashed: {error!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=book) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(o.split(":")[0] for o in outcomes) == ["ok", "refused"], outcomes
    assert "exceed what is open" in next(o for o in outcomes if o.startswith("refused"))
    line = order_line(order, world.product)
    assert line.received_qty == 10 and line.open_qty == 0
    assert Receipt.objects.count() == 2
    assert StockMove.objects.count() == 2
    assert ledger_mismatches() == []
