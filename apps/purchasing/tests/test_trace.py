"""The recall trace of a lot names the supplier and purchase order behind its receipt."""

import pytest

from apps.inventory.selectors import lot_trace

from .factories import open_order, receive

pytestmark = pytest.mark.django_db


def test_backward_trace_names_supplier_and_order(world):
    order = open_order(world)
    receipt = receive(world, order, world.product, 40)
    lot = receipt.lines.get().lot

    trace = lot_trace(lot=lot)

    [row] = trace.backward
    assert row.move.source_number == receipt.number
    details = dict(row.details)
    assert details["Supplier"] == world.supplier.name
    assert details["Purchase order"] == order.number
