"""What the recall trace of a lot shows about sales documents (DESIGN.md 5, forward trace):
for each shipment the customer, its contact, the order and the date; for each customer
return the customer and the original delivery. Each provider runs one query for all the
ids the trace needs. Import it from `SalesConfig.ready()` and call `register()`."""

from __future__ import annotations

from django.utils.translation import gettext as _

from apps.inventory.selectors import register_trace_details

from .models import Delivery, SalesReturn
from .services.fulfilment import DELIVERY_SOURCE
from .services.returns import RETURN_SOURCE


def delivery_trace_details(delivery_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """Customer, contact, order, shipping date and address of deliveries (one query)."""
    rows = Delivery.objects.filter(pk__in=delivery_ids).select_related("customer", "order")
    details = {}
    for delivery in rows:
        customer = delivery.customer
        contact = " ".join(filter(None, [customer.contact_person, customer.phone]))
        address = delivery.order.delivery_address or customer.delivery_address or customer.address
        details[delivery.pk] = [
            (str(_("Customer")), customer.name),
            (str(_("Contact")), contact or "—"),
            (str(_("Sales order")), delivery.order.number),
            (
                str(_("Shipping date")),
                delivery.shipped_on.isoformat() if delivery.shipped_on else "—",
            ),
            (str(_("Delivery address")), address or "—"),
        ]
    return details


def return_trace_details(return_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """Customer, original delivery and reason of sales returns (one query)."""
    rows = SalesReturn.objects.filter(pk__in=return_ids).select_related("customer", "delivery")
    return {
        sales_return.pk: [
            (str(_("Customer")), sales_return.customer.name),
            (str(_("Original delivery")), sales_return.delivery.number),
            (str(_("Return date")), sales_return.returned_on.isoformat()),
            (str(_("Reason")), sales_return.reason),
        ]
        for sales_return in rows
    }


def register() -> None:
    register_trace_details(DELIVERY_SOURCE, delivery_trace_details)
    register_trace_details(RETURN_SOURCE, return_trace_details)
