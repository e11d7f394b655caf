"""The delivery note (随货同行单) PDF: the text a reader sees, the embedded CJK font, the
page count and a query count that does not grow with the lines.

Neither pdftotext nor pypdf is installed, so `pdf_text` reads the PDF itself: it inflates
the streams, reads the fonts' ToUnicode maps and decodes the text-showing operators."""

import re
import zlib
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.catalog.models import StorageCondition
from apps.sales.documents import FONT_FILE, render_delivery_note
from apps.sales.models import DeliveryTransportMode
from apps.sales.services.fulfilment import (
    CheckInput,
    delivery_check,
    delivery_create,
    delivery_ship,
)

from .factories import confirmed_order

pytestmark = pytest.mark.django_db

_STREAM = re.compile(rb"\d+ 0 obj\s*(<<(?:(?!endobj).)*?>>)\s*stream\r?\n", re.S)
_HEX_PAIR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>")
_HEX_TRIPLE = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>")
UNMAPPED = "\ufffd"
_SHOW = re.compile(rb"\[(.*?)\]\s*TJ|<([0-9a-fA-F]*)>\s*Tj", re.S)


def pdf_streams(pdf: bytes) -> list[tuple[bytes, bytes]]:
    """(dictionary, inflated data) of every stream object, in file order."""
    streams, position = [], 0
    while match := _STREAM.search(pdf, position):
        header = match.group(1)
        length = int(re.search(rb"/Length (\d+)", header).group(1))
        data = pdf[match.end() : match.end() + length]
        if b"/FlateDecode" in header:
            data = zlib.decompress(data)
        streams.append((header, data))
        position = match.end() + length
    return streams


def _to_unicode(streams) -> dict[int, str]:
    """Glyph code -> text from every ToUnicode CMap. All the note's fonts are subsets of
    the one shipped font (asserted by the tests), so their codes agree."""
    mapping: dict[int, str] = {}
    for _header, data in streams:
        if b"begincmap" not in data:
            continue
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
            for code, text in _HEX_PAIR.findall(block):
                mapping[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
        for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
            for low, high, start in _HEX_TRIPLE.findall(block):
                first = int(start, 16)
                for offset in range(int(high, 16) - int(low, 16) + 1):
                    mapping[int(low, 16) + offset] = chr(first + offset)
    return mapping


def pdf_text(pdf: bytes) -> str:
    """The text of the page content, one text-showing operator per line."""
    streams = pdf_streams(pdf)
    mapping = _to_unicode(streams)
    shown = []
    for _header, data in streams:
        if b"BT" not in data or b"Tf" not in data:
            continue
        for array, single in _SHOW.findall(data):
            hexes = re.findall(rb"<([0-9a-fA-F]*)>", array) if array else [single]
            codes = b"".join(hexes).decode()
            shown.append(
                "".join(
                    mapping.get(int(codes[i : i + 4], 16), UNMAPPED)
                    for i in range(0, len(codes), 4)
                )
            )
    return "\n".join(shown)


def pdf_objects_text(pdf: bytes) -> str:
    """The PDF's object dictionaries (top level and inside object streams) as text."""
    parts = [pdf.decode("latin-1")]
    parts += [data.decode("latin-1") for header, data in pdf_streams(pdf) if b"/ObjStm" in header]
    return "\n".join(parts)


def shipped_delivery(world, lines: dict, **ship_kwargs):
    order = confirmed_order(world, lines)
    delivery = delivery_create(order=order, user=world.keeper)
    delivery = delivery_check(
        delivery=delivery,
        user=world.checker,
        confirmations=[
            CheckInput(line.pk, line.lot.batch_number, line.quantity)
            for line in delivery.lines.select_related("lot")
        ],
    )
    ship_kwargs.setdefault("transport_mode", DeliveryTransportMode.ORDINARY)
    return delivery_ship(delivery=delivery, user=world.keeper, **ship_kwargs)


@pytest.fixture
def world(world):
    world.keeper.first_name = "张三"
    world.keeper.save()
    return world


def test_the_note_lists_every_lot_in_chinese_with_the_font_embedded(world):
    world.product.manufacturer.name = "深圳迈瑞生物医疗电子股份有限公司"
    world.product.manufacturer.save()
    fridge = world.make_product(storage_condition=StorageCondition.COLD, name="胰岛素笔用针头")
    first = world.stock(quantity=100, batch="LOT-A1")
    cold = world.stock(fridge, quantity=100, batch="COLD-7")
    world.customer.contact_person = "李四"
    world.customer.save()
    delivery = shipped_delivery(
        world,
        {world.product: 10, fridge: 3},
        transport_mode=DeliveryTransportMode.REFRIGERATED_VEHICLE,
        carrier="冷链物流",
        departure_temperature=Decimal("4.5"),
    )

    pdf = render_delivery_note(delivery)

    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    for expected in (
        "随货同行单",
        "上海示例医疗器械有限公司",  # our company (licensed_company)
        "沪药监械经营许20190001号",  # our Class III operating licence
        delivery.number,
        delivery.order.number,
        world.customer.name,
        "李四",
        "LOT-A1",
        "COLD-7",
        world.product.name,
        world.product.spec,
        world.product.registration_number,
        "深圳迈瑞生物医疗电子股份有限公司",
        "胰岛素笔用针头",
        first.expiry_date.isoformat(),
        cold.production_date.isoformat(),
        "900.00",  # 10 × 90.00
        "270.00",
        "1170.00",
        "冷链物流",
        "4.5 ℃",
        "Refrigerated vehicle",
        "Page 1 / 1",
        "张三",  # picker and shipper
    ):
        assert expected in text, expected
    assert UNMAPPED not in text  # every glyph maps back to text

    # The shipped font is embedded (a subset of it), and it is the only font.
    objects = pdf_objects_text(pdf)
    assert "/FontFile3" in objects
    fonts = set(re.findall(r"/BaseFont /([A-Z]{6}\+[\w-]+)", objects))
    assert fonts and all(name.split("+")[1].startswith("Noto-Sans-SC-GB2312") for name in fonts)
    assert FONT_FILE.exists() and FONT_FILE.stat().st_size < 4_000_000


def test_a_long_note_repeats_pages_with_a_constant_number_of_queries(world):
    world.stock(quantity=1)
    one = shipped_delivery(world, {world.product: 1})
    many_product = world.make_product()
    for n in range(40):
        world.stock(many_product, quantity=1, expiry_days=400 + n, batch=f"MANY{n:02d}")
    many = shipped_delivery(world, {many_product: 40})
    assert many.lines.count() == 40

    with CaptureQueriesContext(connection) as small:
        render_delivery_note(one)
    with CaptureQueriesContext(connection) as large:
        pdf = render_delivery_note(many)
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]

    text = pdf_text(pdf)
    pages = sorted(set(re.findall(r"Page (\d+) / (\d+)", text)))
    total = pages[-1][1]
    assert int(total) >= 2 and pages == [(str(n), total) for n in range(1, int(total) + 1)]
    assert all(f"MANY{n:02d}" in text for n in range(40))
    assert "Ordinary transport" in text and "Temperature at departure" not in text
