"""Equipment use records, calibration cards with their calibrations, and the roles."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.core.exceptions import DomainError
from apps.core.models import today
from apps.core.roles import GSP_STORAGE_PERMS
from apps.core.tests.factories import user_with_role
from apps.gsp_records import services
from apps.inventory.tests.factories import WarehouseFactory

from ..models import CalibrationCard, CalibrationEntry, EquipmentUse, add_months

pytestmark = pytest.mark.django_db


def equipment_data(room, operator, **overrides):
    start = timezone.localtime() - datetime.timedelta(hours=5)
    data = {
        "record_date": today().isoformat(),
        "equipment_name": "除湿机",
        "model_spec": "DH-90",
        "warehouse": str(room.pk),
        "started_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ended_at": (start + datetime.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        "running_condition": "正常",
        "operator": str(operator.pk),
        "remarks": "",
    }
    data.update(overrides)
    return data


def test_equipment_use_create_and_sign(client):
    keeper = user_with_role("keeper")
    warehouse = WarehouseFactory()
    client.force_login(keeper)
    response = client.post(
        reverse("gsp_storage:equipmentuse_create"),
        equipment_data(warehouse, keeper, ended_at=""),
    )
    assert response.status_code == 302
    run = EquipmentUse.objects.get()
    with pytest.raises(DomainError) as error:
        services.record_sign(record=run, user=keeper)
    assert error.value.field == "ended_at"
    run.ended_at = run.started_at + datetime.timedelta(hours=2)
    services.record_update(record=run, user=keeper)
    services.record_sign(record=run, user=keeper)
    assert EquipmentUse.objects.get().is_signed


def test_equipment_end_before_start_is_refused(client, settings):
    settings.LANGUAGE_CODE = "en"
    keeper = user_with_role("keeper")
    warehouse = WarehouseFactory()
    client.force_login(keeper)
    start = timezone.localtime() - datetime.timedelta(hours=5)
    response = client.post(
        reverse("gsp_storage:equipmentuse_create"),
        equipment_data(
            warehouse,
            keeper,
            ended_at=(start - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            started_at=start.strftime("%Y-%m-%dT%H:%M"),
        ),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "after the start time" in " ".join(response.context["form"].errors["ended_at"])
    response = client.post(
        reverse("gsp_storage:equipmentuse_create"),
        equipment_data(warehouse, keeper, warehouse="424242"),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "storage room does not exist" in " ".join(response.context["form"].errors["warehouse"])
    assert not EquipmentUse.objects.exists()


def card(user, **kwargs):
    values = {
        "instrument_name": "温湿度计",
        "calibrating_body": "上海市计量测试技术研究院",
        "department": "储运部",
        "serial_number": "TH-0001",
        "cycle_months": 12,
    }
    values.update(kwargs)
    return services.record_create(record=CalibrationCard(**values), user=user)


def calibrate(user, card_, day, sign=True):
    entry = services.record_create(
        record=CalibrationEntry(
            card=card_,
            calibration_date=day,
            original_record_number=f"JD{day:%Y%m%d}",
            conclusion="合格",
            calibrator="王工",
        ),
        user=user,
    )
    return services.record_sign(record=entry, user=user) if sign else entry


def test_calibration_cards_next_due_and_overdue(client):
    quality = user_with_role("quality_manager")
    current = card(quality, serial_number="OK-1")
    overdue = card(quality, serial_number="LATE-1", cycle_months=6)
    card(quality, serial_number="NEVER-1")
    services.record_sign(record=current, user=quality)
    calibrate(quality, current, today() - datetime.timedelta(days=30))
    calibrate(quality, overdue, add_months(today(), -7))
    calibrate(quality, overdue, today(), sign=False)  # a draft does not count

    client.force_login(user_with_role("auditor"))
    response = client.get(reverse("gsp_storage:calibrationcard_list"))
    rows = {r.record.serial_number: r for r in response.context["table"].page.object_list}
    assert rows["OK-1"].record.next_due(rows["OK-1"].record.last_calibrated) == add_months(
        today() - datetime.timedelta(days=30), 12
    )
    html = response.content.decode()
    assert html.count("table-danger overdue") == 2  # LATE-1 and NEVER-1

    detail = client.get(reverse("gsp_storage:calibrationcard_detail", args=[current.pk]))
    assert detail.context["overdue"] is False
    assert len(detail.context["entries"]) == 1


def test_calibration_entry_added_from_the_card_page(client):
    quality = user_with_role("quality_manager")
    card_ = card(quality)
    services.record_sign(record=card_, user=quality)
    client.force_login(quality)
    url = reverse("gsp_storage:calibrationentry_create", args=[card_.pk])
    response = client.post(
        url,
        {
            "card": "999",  # disabled field: the card comes from the URL
            "record_date": today().isoformat(),
            "calibration_date": today().isoformat(),
            "original_record_number": "JD-001",
            "conclusion": "合格",
            "calibrator": "王工",
        },
    )
    assert response.status_code == 302
    entry = CalibrationEntry.objects.get()
    assert entry.card == card_ and entry.number.startswith("JD-")
    # the keeper sees the cards but does not keep them
    keeper_client = client.__class__()
    keeper_client.force_login(user_with_role("keeper"))
    assert keeper_client.get(reverse("gsp_storage:calibrationcard_list")).status_code == 200
    assert keeper_client.get(reverse("gsp_storage:calibrationcard_create")).status_code == 403


def test_storage_roles():
    assert all(perm.split(".")[1].startswith("view_") for perm in GSP_STORAGE_PERMS["auditor"])
    assert all(perm.split(".")[1].startswith("view_") for perm in GSP_STORAGE_PERMS["manager"])
    keeper = set(GSP_STORAGE_PERMS["keeper"])
    assert "gsp_storage.sign_temperaturelog" in keeper
    assert "gsp_storage.add_calibrationcard" not in keeper
    quality = set(GSP_STORAGE_PERMS["quality_manager"])
    assert {"gsp_storage.sign_temperaturelog", "gsp_storage.add_calibrationcard"} <= quality
    assert "gsp_storage.add_temperaturelog" not in quality


def test_every_page_renders(client):
    """Detail, form, history and list pages of each record, as the quality manager."""
    from .factories import inspection, location, stocked_lot, temperature_log

    keeper = user_with_role("keeper")
    shelf = location("A01")
    log = temperature_log(keeper, shelf, sign=True)
    record = inspection(keeper, [(stocked_lot(shelf), shelf)])
    quality = user_with_role("quality_manager")
    card_ = card(quality)
    entry = calibrate(quality, card_, today())
    urls = [
        reverse("gsp_storage:temperaturelog_detail", args=[log.pk]),
        reverse("gsp_storage:maintenanceinspection_detail", args=[record.pk]),
        reverse("gsp_storage:maintenanceinspection_list"),
        reverse("gsp_storage:inspection_worklist"),
        reverse("gsp_storage:equipmentuse_list"),
        reverse("gsp_storage:calibrationcard_detail", args=[card_.pk]),
        reverse("gsp_storage:calibrationentry_detail", args=[entry.pk]),
    ]
    client.force_login(quality)
    for url in urls:
        assert client.get(url).status_code == 200, url
    client.force_login(keeper)
    for url in (
        reverse("gsp_storage:maintenanceinspection_create"),
        reverse("gsp_storage:maintenanceinspection_update", args=[record.pk]),
        reverse("gsp_storage:temperaturelog_correct", args=[log.pk]),
        reverse("gsp_storage:equipmentuse_create"),
    ):
        assert client.get(url).status_code == 200, url
