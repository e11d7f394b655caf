"""Maintenance inspections with lines, the monthly worklist, and the PDFs."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import translation

from apps.catalog.models import StorageCondition
from apps.catalog.tests.factories import ProductFactory
from apps.core.models import today
from apps.core.tests.factories import licensed_company, user_with_role
from apps.gsp_records import services
from apps.gsp_records.models import GeneratedPdf, PdfStatus, RecordLocked
from apps.gsp_records.tests.pdf_helpers import pdf_text
from apps.inventory.expiry import Thresholds
from apps.inventory.models import Zone

from ..models import InspectionLine, MaintenanceInspection, add_months
from ..selectors import inspection_worklist
from .factories import inspection, location, stocked_lot, temperature_log

pytestmark = pytest.mark.django_db

FAR = today() + datetime.timedelta(days=900)


@pytest.fixture
def keeper():
    return user_with_role("keeper")


def line_data(rows, **management):
    data = {
        "lines-TOTAL_FORMS": str(len(rows)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"lines-{i}-{key}"] = value
    data.update(management)
    return data


def test_inspection_with_lines_lifecycle(client, keeper):
    shelf = location("A01")
    lot_a = stocked_lot(shelf, 20, batch_number="YH2026A", expiry_date=FAR)
    lot_b = stocked_lot(shelf, 5, batch_number="YH2026B", expiry_date=FAR)
    balance_a, balance_b = lot_a.balances.get(), lot_b.balances.get()
    client.force_login(keeper)
    url = reverse("gsp_storage:maintenanceinspection_create")
    data = {"record_date": today().isoformat(), "remarks": ""}
    data |= line_data(
        [
            {
                "stock": balance_a.pk,
                "quantity": "20",
                "appearance": "外观良好",
                "treatment": "normal",
            },
            {
                "stock": balance_b.pk,
                "quantity": "5",
                "appearance": "包装破损",
                "treatment": "reinspect",
            },
        ]
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["formset"].errors
    record = MaintenanceInspection.objects.get()
    assert record.number.startswith("YH-")
    assert [(line.lot_id, line.treatment) for line in record.lines.order_by("pk")] == [
        (lot_a.pk, "normal"),
        (lot_b.pk, "reinspect"),
    ]

    # edit the draft: drop the second line
    edit = reverse("gsp_storage:maintenanceinspection_update", args=[record.pk])
    assert client.get(edit).status_code == 200
    data = {"record_date": today().isoformat(), "remarks": "月度养护"} | line_data(
        [{"stock": balance_a.pk, "quantity": "18", "appearance": "外观良好", "treatment": "normal"}]
    )
    assert client.post(edit, data).status_code == 302
    assert list(record.lines.values_list("quantity", flat=True)) == [18]

    client.post(reverse("gsp_storage:maintenanceinspection_sign", args=[record.pk]))
    record.refresh_from_db()
    assert record.is_signed
    # the edit page redirects; a POST changes nothing
    assert client.get(edit).status_code == 302
    client.post(edit, data | {"lines-0-quantity": "1"})
    assert list(record.lines.values_list("quantity", flat=True)) == [18]

    # lines of a signed inspection: ORM and raw SQL refused
    line = record.lines.get()
    line.quantity = 3
    with pytest.raises(RecordLocked):
        line.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        InspectionLine.objects.filter(pk=line.pk).update(quantity=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        InspectionLine.objects.filter(pk=line.pk).delete()
    for sql, args in (
        ("UPDATE gsp_storage_inspectionline SET quantity = 1 WHERE id = %s", [line.pk]),
        ("DELETE FROM gsp_storage_maintenanceinspection WHERE id = %s", [record.pk]),
        (
            "INSERT INTO gsp_storage_inspectionline (inspection_id, lot_id, location_id, quantity,"
            " appearance, treatment, remarks) VALUES (%s, %s, %s, 1, 'x', 'normal', '')",
            [record.pk, lot_b.pk, shelf.pk],
        ),
    ):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, args)
    assert record.lines.get().quantity == 18


def test_bad_line_input_saves_nothing(client, keeper):
    shelf = location("A01")
    stocked_lot(shelf, 20)
    nonconforming = location("N01", zone=Zone.NONCONFORMING)
    bad_lot = stocked_lot(nonconforming, 3)
    client.force_login(keeper)
    data = {"record_date": today().isoformat()} | line_data(
        [{"stock": bad_lot.balances.get().pk, "quantity": "3", "appearance": "ok"}]
    )
    response = client.post(reverse("gsp_storage:maintenanceinspection_create"), data)
    assert response.status_code == 200
    errors = response.context["formset"].forms[0].errors["stock"]
    # The staff UI speaks Chinese by default.
    assert "合格品或待验" in errors[0]
    assert not MaintenanceInspection.objects.exists()


def test_correction_of_an_inspection_copies_lines_and_keeps_the_original(client, keeper):
    shelf = location("A01")
    lot = stocked_lot(shelf, 20)
    original = inspection(keeper, [(lot, shelf)], sign=True)
    client.force_login(keeper)
    url = reverse("gsp_storage:maintenanceinspection_correct", args=[original.pk])
    page = client.get(url)
    assert page.context["formset"].initial[0]["stock"] == lot.balances.get().pk
    data = {"record_date": today().isoformat(), "correction_reason": "外观记录有误"} | line_data(
        [
            {
                "stock": lot.balances.get().pk,
                "quantity": "20",
                "appearance": "标签模糊",
                "treatment": "reinspect",
            }
        ]
    )
    assert client.post(url, data).status_code == 302
    correction = MaintenanceInspection.objects.exclude(pk=original.pk).get()
    assert correction.corrects == original and correction.correction_reason == "外观记录有误"
    assert correction.lines.get().appearance == "标签模糊"
    assert original.lines.get().appearance == "外观良好"


def worklist_world(keeper):
    """Returns (shelf, {name: lot}) with a known set of due lots."""
    shelf = location("W01")
    fridge = location("W02", condition=StorageCondition.COLD)
    month_start = today().replace(day=1)
    cold = ProductFactory(storage_condition=StorageCondition.COLD)
    implant = ProductFactory(is_implantable=True)
    lots = {
        "cold_never": stocked_lot(fridge, product=cold, expiry_date=FAR),
        "implant_last_month": stocked_lot(shelf, product=implant, expiry_date=FAR),
        "near_expiry": stocked_lot(shelf, expiry_date=today() + datetime.timedelta(days=40)),
        "normal_recent": stocked_lot(shelf, expiry_date=FAR),
        "normal_old": stocked_lot(shelf, expiry_date=FAR),
        "cold_this_month": stocked_lot(fridge, product=cold, expiry_date=FAR),
        "normal_draft_only": stocked_lot(shelf, expiry_date=FAR),
    }
    stocked_lot(location("N01", zone=Zone.NONCONFORMING), expiry_date=FAR)  # not inspected
    last_month = add_months(month_start, -1)
    inspection(
        keeper,
        [(lots["implant_last_month"], shelf), (lots["normal_recent"], shelf)],
        day=last_month,
        sign=True,
    )
    inspection(keeper, [(lots["normal_old"], shelf)], day=add_months(month_start, -3), sign=True)
    inspection(keeper, [(lots["cold_this_month"], fridge)], day=month_start, sign=True)
    inspection(keeper, [(lots["normal_draft_only"], shelf)], day=month_start)  # not signed
    return shelf, lots


def test_worklist_picks_exactly_the_due_lots(
    client, keeper, django_assert_num_queries, django_assert_max_num_queries
):
    shelf, lots = worklist_world(keeper)
    month = today().replace(day=1)
    with django_assert_num_queries(1):
        due = list(inspection_worklist(month, thresholds=Thresholds(yellow_days=90, red_days=30)))
    assert {row.lot_id for row in due} == {
        lots[name].pk
        for name in (
            "cold_never",
            "implant_last_month",
            "near_expiry",
            "normal_old",
            "normal_draft_only",
        )
    }
    assert {row.lot_id: row.monthly for row in due}[lots["normal_old"].pk] is False

    client.force_login(keeper)
    url = reverse("gsp_storage:inspection_worklist")
    client.get(url)  # warm the session and the permission cache
    with django_assert_max_num_queries(12) as first:
        page = client.get(url, {"month": month.strftime("%Y-%m")})
    assert len(page.context["rows"]) == 5
    for _ in range(10):
        stocked_lot(shelf, expiry_date=FAR)
    with django_assert_num_queries(len(first.captured_queries)):
        page = client.get(url, {"month": month.strftime("%Y-%m")})
    assert len(page.context["rows"]) == 15

    # New inspection pre-filled with the chosen lots
    ids = [row.pk for row in page.context["rows"][:3]]
    form = client.get(reverse("gsp_storage:maintenanceinspection_create"), {"stock": ids})
    initial = form.context["formset"].initial
    assert sorted(row["stock"] for row in initial) == sorted(ids)
    assert all(row["quantity"] == 10 for row in initial)


def test_inspection_and_temperature_pdfs(keeper):
    licensed_company()
    shelf = location("P01")
    lot_a = stocked_lot(shelf, batch_number="PDF2026A", expiry_date=FAR)
    lot_b = stocked_lot(shelf, batch_number="PDF2026B", expiry_date=FAR)
    record = inspection(keeper, [(lot_a, shelf), (lot_b, shelf)], sign=True)
    generated = services.pdf_request(
        form_code="maintenance_inspection", data={"pk": record.pk}, user=keeper
    )
    generated = services.pdf_render(generated.pk)
    assert generated.status == PdfStatus.READY, generated.error
    text = pdf_text(bytes(generated.content))
    assert "库存商品养护检查记录" in text
    assert "PDF2026A" in text and "PDF2026B" in text
    assert generated.record_number == record.number

    temperature_log(
        keeper,
        location("P02", condition=StorageCondition.COLD),
        sign=True,
        am_temperature=5,
        pm_temperature=6,
        max_temperature=9,
        min_temperature=4,
        measures="调整温控",
    )
    generated = services.pdf_request(
        form_code="temperature_log_range",
        data={"date_from": today().isoformat(), "date_to": today().isoformat()},
        user=user_with_role("auditor"),
    )
    generated = services.pdf_render(generated.pk)
    assert generated.status == PdfStatus.READY, generated.error
    text = pdf_text(bytes(generated.content))
    assert "库房温湿度记录表" in text and "P02" in text and "调整温控" in text


def test_draft_cannot_be_printed(keeper):
    shelf = location("A01")
    record = inspection(keeper, [(stocked_lot(shelf), shelf)])
    with translation.override("en"), pytest.raises(Exception, match="signed"):
        services.pdf_request(
            form_code="maintenance_inspection", data={"pk": record.pk}, user=keeper
        )
    assert not GeneratedPdf.objects.exists()
