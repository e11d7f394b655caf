"""Test data for the derived GSP records, built through the real services: two products
bought (one batch partly rejected), sold and shipped to two customers, a return, qualified
stock in each expiry band and an approved loss report. No tests here; see test_derived*.

Batch numbers are distinct per form so a test can tell which rows a filter kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.core.tests.factories import user_with_role
from apps.inventory.models import Zone
from apps.inventory.operations import (
    LossLine,
    loss_report_review,
    loss_report_save,
    loss_report_submit,
)
from apps.inventory.tests.factories import LocationFactory
from apps.purchasing.services import acceptance_create
from apps.purchasing.tests.factories import World as PurchasingWorld
from apps.purchasing.tests.factories import open_order, receive
from apps.sales.models import DeliveryTransportMode
from apps.sales.services.fulfilment import (
    CheckInput,
    delivery_check,
    delivery_create,
    delivery_ship,
)
from apps.sales.services.returns import ReturnLineInput, sales_return_create
from apps.sales.tests.factories import confirmed_order, sales_world
from apps.suppliers.tests.factories import tradeable_supplier

ALL_OK = {"appearance_ok": True, "packaging_ok": True, "label_ok": True, "certificate_ok": True}


@dataclass
class Records:
    sales: object  # the sales World
    purchasing: object  # the purchasing World
    syringe: object  # product 1
    catheter: object  # product 2
    other_supplier: object
    rejected_line: object  # receipt line of batch PA-001 (50 accepted, 10 rejected)
    accepted_line: object  # receipt line of batch PB-002 (all accepted, other supplier)
    hospital_delivery: object  # SA-001 to the hospital
    distributor_delivery: object  # SB-002 to the distributor
    sales_return: object
    loss_report: object
    quality_manager: object


def ship(world, order):
    delivery = delivery_create(order=order, user=world.keeper)
    delivery = delivery_check(
        delivery=delivery,
        user=world.checker,
        confirmations=[
            CheckInput(line.pk, line.lot.batch_number, line.quantity)
            for line in delivery.lines.select_related("lot")
        ],
    )
    return delivery_ship(
        delivery=delivery, user=world.keeper, transport_mode=DeliveryTransportMode.ORDINARY
    )


def build_records() -> Records:
    sw = sales_world()
    syringe = sw.product
    syringe.name, syringe.spec = "一次性使用无菌注射器", "5ml"
    syringe.save()
    catheter = sw.make_product(name="导尿管", spec="F16")
    pending = LocationFactory(warehouse=sw.warehouse, code="P-A", zone=Zone.PENDING)
    pw = PurchasingWorld(
        category=sw.category,
        supplier=tradeable_supplier(categories=[sw.category]),
        product=syringe,
        warehouse=sw.warehouse,
        pending=pending,
        pending_cold=pending,
        qualified=sw.qualified,
        qualified_cold=sw.qualified_cold,
        qualified_controlled=sw.qualified_controlled,
        nonconforming=sw.nonconforming,
        purchaser=user_with_role("purchaser", "buyer1"),
        purchaser2=user_with_role("purchaser", "buyer2"),
        keeper=sw.keeper,
        keeper2=sw.keeper2,
        inspector=sw.inspector,
        manager=sw.manager,
        manager2=sw.manager2,
    )
    other_supplier = tradeable_supplier(categories=[sw.category])

    # Purchasing: PA-001 partly rejected (a rejection report), PB-002 from another supplier.
    order = open_order(pw, {syringe: 100})
    rejected_line = receive(pw, order, syringe, 60, batch_number="PA-001").lines.get()
    acceptance_create(
        receipt_line=rejected_line,
        user=sw.inspector,
        accepted_qty=50,
        rejected_qty=10,
        sample_qty=2,
        qualified_location=sw.qualified,
        nonconforming_location=sw.nonconforming,
        rejection_reason="外包装破损",
        **ALL_OK,
    )
    pw.supplier = other_supplier
    order2 = open_order(pw, {catheter: 20})
    accepted_line = receive(pw, order2, catheter, 20, batch_number="PB-002").lines.get()
    acceptance_create(
        receipt_line=accepted_line,
        user=sw.inspector,
        accepted_qty=20,
        rejected_qty=0,
        qualified_location=sw.qualified,
        **ALL_OK,
    )

    # Sales: SA-001 to the hospital, SB-002 to the distributor; 2 of SA-001 come back.
    # The purchased lots expire in 700 days, these sooner, so FEFO picks these.
    sw.stock(syringe, 30, batch="SA-001", expiry_days=300)
    sw.stock(catheter, 30, batch="SB-002", expiry_days=300)
    hospital_delivery = ship(sw, confirmed_order(sw, {syringe: 10}))
    distributor_delivery = ship(sw, confirmed_order(sw, {catheter: 5}, customer=sw.distributor))
    sales_return = sales_return_create(
        delivery=hospital_delivery,
        user=sw.sales,
        lines=[ReturnLineInput(hospital_delivery.lines.get(), 2)],
        location=sw.returns,
        reason="包装破损",
    )

    # Qualified stock in each band (after the sales, so FEFO did not take it).
    sw.stock(syringe, 7, batch="EY-001", expiry_days=60)  # yellow
    sw.stock(catheter, 3, batch="ER-001", expiry_days=10)  # red
    sw.stock(syringe, 9, batch="EG-001", expiry_days=200)  # green

    # The 10 rejected units of PA-001 are scrapped through an approved loss report.
    quality_manager = user_with_role("quality_manager", "qm1")
    balance = rejected_line.lot.balances.get(location=sw.nonconforming)
    report = loss_report_save(
        user=sw.keeper, warehouse=sw.warehouse, reason="外包装破损", lines=[LossLine(balance, 4)]
    )
    loss_report_submit(report=report, user=sw.keeper)
    loss_report_review(report=report, user=quality_manager, approve=True, opinion="同意报损")
    report = loss_report_review(report=report, user=sw.manager, approve=True, opinion="同意")

    return Records(
        sales=sw,
        purchasing=pw,
        syringe=syringe,
        catheter=catheter,
        other_supplier=other_supplier,
        rejected_line=rejected_line,
        accepted_line=accepted_line,
        hospital_delivery=hospital_delivery,
        distributor_delivery=distributor_delivery,
        sales_return=sales_return,
        loss_report=report,
        quality_manager=quality_manager,
    )
