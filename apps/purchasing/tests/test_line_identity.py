"""The order line identity (ordered = received + reasonable + unreasonable + returned + open)
and the stock ledger hold over a random mix of receipts, losses, inspections and returns,
including the attempts the rules refuse (which must change nothing)."""

import random
from decimal import Decimal

import pytest

from apps.core.exceptions import DomainError
from apps.core.models import today
from apps.inventory.models import StockBalance, StockMove, Zone
from apps.purchasing.models import PurchaseOrderLine, ReceiptLine
from apps.purchasing.services import (
    ReturnLineInput,
    acceptance_create,
    purchase_return_create,
    receipt_create,
)

from .factories import (
    ledger_mismatches,
    line_identity_problems,
    open_order,
    receipt_line_input,
    set_company,
)

pytestmark = pytest.mark.django_db

ALL_OK = {"appearance_ok": True, "packaging_ok": True, "label_ok": True, "certificate_ok": True}


def snapshot():
    counters = list(
        PurchaseOrderLine.objects.order_by("pk").values_list(
            "received_qty", "reasonable_loss_qty", "unreasonable_loss_qty", "returned_qty"
        )
    )
    inspected = list(ReceiptLine.objects.order_by("pk").values_list("accepted_qty", "rejected_qty"))
    return counters, inspected, StockMove.objects.count()


@pytest.mark.parametrize("seed", [7, 2024, 31337])
def test_identity_and_ledger_hold_over_a_random_sequence(world, seed):
    rng = random.Random(seed)
    set_company(over_receipt_tolerance_pct=Decimal("10"))
    products = [world.product, world.make_product(), world.make_product()]
    order = open_order(world, {p: rng.randint(20, 60) for p in products})
    lines = list(order.lines.order_by("pk"))
    expected_open = {line.pk: line.quantity for line in lines}
    refused = succeeded = 0

    for _step in range(45):
        action = rng.choice(["receive", "receive", "inspect", "inspect", "return"])
        before = snapshot()
        allowed = None
        try:
            if action == "receive":
                line = rng.choice(lines)
                arrived = rng.randint(1, 25)
                reasonable = rng.choice([0, 0, 1, 2])
                unreasonable = rng.choice([0, 0, 0, 1])
                tolerance = int(line.quantity * Decimal("0.10"))
                allowed = expected_open[line.pk] + tolerance >= arrived + reasonable + unreasonable
                receipt_create(
                    user=world.keeper,
                    supplier=world.supplier,
                    warehouse=world.warehouse,
                    received_on=today(),
                    order=order,
                    lines=[
                        receipt_line_input(
                            line.product,
                            arrived,
                            order_line=line,
                            reasonable_loss_qty=reasonable,
                            unreasonable_loss_qty=unreasonable,
                        )
                    ],
                )
                assert allowed, "an over-receipt beyond the tolerance was accepted"
                expected_open[line.pk] -= arrived + reasonable + unreasonable
            elif action == "inspect":
                waiting = [rl for rl in ReceiptLine.objects.order_by("pk") if rl.pending_qty > 0]
                if not waiting:
                    continue
                rl = rng.choice(waiting)
                accepted = rng.randint(0, rl.pending_qty + 1)
                rejected = rng.randint(0, max(0, rl.pending_qty + 1 - accepted))
                allowed = 1 <= accepted + rejected <= rl.pending_qty
                acceptance_create(
                    receipt_line=rl,
                    user=world.inspector,
                    accepted_qty=accepted,
                    rejected_qty=rejected,
                    qualified_location=world.qualified,
                    nonconforming_location=world.nonconforming,
                    rejection_reason="random finding",
                    **ALL_OK,
                )
                assert allowed, "an inspection beyond the pending quantity was accepted"
            else:
                stock = list(
                    StockBalance.objects.filter(
                        on_hand__gt=0, location__zone__in=[Zone.QUALIFIED, Zone.NONCONFORMING]
                    ).select_related("lot", "location")
                )
                if not stock:
                    continue
                balance = rng.choice(stock)
                quantity = rng.randint(1, balance.on_hand + 2)
                allowed = quantity <= balance.on_hand
                purchase_return_create(
                    user=world.purchaser,
                    supplier=world.supplier,
                    returned_on=today(),
                    reason="random return",
                    order=order,
                    lines=[
                        ReturnLineInput(
                            lot=balance.lot, location=balance.location, quantity=quantity
                        )
                    ],
                )
                assert allowed, "a return of more than the location holds was accepted"
            succeeded += 1
        except DomainError as error:
            assert allowed is False, f"{action} refused unexpectedly: {error.messages}"
            refused += 1
            assert snapshot() == before, f"a refused {action} changed something"

        for line in lines:
            assert line_identity_problems(line, expected_open[line.pk]) == []
        assert ledger_mismatches() == []

    # the stock of the order's lots equals what the lines say is still ours
    held = sum(StockBalance.objects.values_list("on_hand", flat=True))
    assert held == sum(
        PurchaseOrderLine.objects.filter(order=order).values_list("received_qty", flat=True)
    )
    assert succeeded > 10 and refused > 0
