"""The delivery note (随货同行单) that travels with every shipment, as a PDF (DESIGN.md 7, 9).

It lists, per lot: product, specification, registration number, manufacturer, batch,
production and expiry dates, quantity, unit, price and amount; with our company's name
and licence numbers, the customer and delivery address, the cold-chain transport record
and the people who picked, double-checked and shipped it. WeasyPrint renders it on A4
landscape with the CJK font shipped in static/fonts (embedded, so it prints anywhere).
The builder runs a fixed number of queries whatever the number of lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from apps.core.licences import company_valid_licences
from apps.core.models import CompanySettings, LicenceType, today

from .models import CENT, Delivery, DeliveryLine
from .services.fulfilment import user_label

FONT_FILE = settings.BASE_DIR / "static" / "fonts" / "NotoSansSC-GB2312.otf"
TEMPLATE = "sales/pdf/delivery_note.html"
# Our licences printed on the note, in this order (Class III licence, Class II filing).
LICENCE_TYPES = (LicenceType.DEVICE_OPERATING, LicenceType.DEVICE_FILING)


@dataclass
class NoteLine:
    line: DeliveryLine
    amount: Decimal


def _licences(on_date) -> list[tuple[str, str]]:
    """(label, number) of our valid device operating licence and filing."""
    found = company_valid_licences(LICENCE_TYPES, on_date)
    return [
        (found[kind].get_licence_type_display(), found[kind].number)
        for kind in LICENCE_TYPES
        if kind in found
    ]


def delivery_note_context(delivery: Delivery) -> dict:
    delivery = Delivery.objects.select_related(
        "order__salesperson", "customer", "warehouse", "picked_by", "checked_by", "shipped_by"
    ).get(pk=delivery.pk)
    lines = list(
        delivery.lines.select_related("product__manufacturer", "lot", "order_line").order_by(
            "order_line_id", "pk"
        )
    )
    note_lines = [NoteLine(line=line, amount=line.amount) for line in lines]
    on_date = delivery.shipped_on or today()
    customer = delivery.customer
    cold_chain = any(line.product.is_cold_chain for line in lines)
    return {
        "company": CompanySettings.load(),
        "licences": _licences(on_date),
        "delivery": delivery,
        "order": delivery.order,
        "customer": customer,
        "address": delivery.order.delivery_address or customer.delivery_address or customer.address,
        "date": on_date,
        "lines": note_lines,
        "total_quantity": sum(line.quantity for line in lines),
        "total_amount": sum((n.amount for n in note_lines), Decimal("0.00")).quantize(CENT),
        "cold_chain": cold_chain,
        "show_temperatures": cold_chain
        or delivery.departure_temperature is not None
        or delivery.arrival_temperature is not None,
        "picker": user_label(delivery.picked_by),
        "checker": user_label(delivery.checked_by),
        "shipper": user_label(delivery.shipped_by),
        "font_url": FONT_FILE.as_uri(),
        "title": _("Delivery note"),
    }


def render_delivery_note(delivery: Delivery) -> bytes:
    """The delivery note of `delivery` as PDF bytes (in the active language)."""
    # WeasyPrint takes a while to import; only the processes that print need it.
    from weasyprint import HTML

    html = render_to_string(TEMPLATE, delivery_note_context(delivery))
    return HTML(string=html, base_url=settings.BASE_DIR.as_uri() + "/").write_pdf()
