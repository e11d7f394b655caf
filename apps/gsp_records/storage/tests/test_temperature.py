"""Temperature and humidity logs: the signed-record lifecycle through every interface,
out-of-range flagging, bad input, and the selectors the alerts use."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import translation

from apps.catalog.models import StorageCondition
from apps.core.exceptions import DomainError, PermissionDeniedError
from apps.core.models import today
from apps.core.tests.factories import user_with_role
from apps.gsp_records import services
from apps.gsp_records.models import RecordLocked
from apps.inventory.models import Zone

from ..models import TemperatureLog
from ..selectors import temperature_gaps, temperature_out_of_range
from .factories import location, temperature_log

pytestmark = pytest.mark.django_db


@pytest.fixture
def keeper():
    return user_with_role("keeper")


@pytest.fixture
def area():
    return location("A01")


def form_data(loc, **overrides):
    data = {
        "location": str(loc.pk),
        "record_date": today().isoformat(),
        "am_temperature": "18.5",
        "am_humidity": "45",
        "pm_temperature": "21.0",
        "pm_humidity": "50",
        "max_temperature": "22.0",
        "min_temperature": "17.5",
        "measures": "",
        "remarks": "",
    }
    data.update(overrides)
    return data


def test_keeper_creates_edits_and_signs_a_log(client, keeper, area):
    client.force_login(keeper)
    response = client.post(reverse("gsp_storage:temperaturelog_create"), form_data(area))
    log = TemperatureLog.objects.get()
    assert response.status_code == 302
    assert log.number.startswith("WSD-")
    assert log.author == keeper
    assert log.storage_condition == StorageCondition.AMBIENT
    assert not log.is_signed

    response = client.post(
        reverse("gsp_storage:temperaturelog_update", args=[log.pk]),
        form_data(area, pm_temperature="23.5", remarks="空调运行"),
    )
    assert response.status_code == 302
    log.refresh_from_db()
    assert log.pm_temperature == Decimal("23.5")

    client.post(reverse("gsp_storage:temperaturelog_sign", args=[log.pk]))
    log.refresh_from_db()
    assert log.signed_by == keeper and log.signed_at is not None


def test_signing_needs_every_reading_and_the_permission(client, keeper, area):
    log = temperature_log(keeper, area, pm_temperature=None, pm_humidity=None)
    with pytest.raises(DomainError, match="afternoon temperature|下午温度|afternoon"):
        services.record_sign(record=log, user=keeper)
    manager = user_with_role("manager")
    with pytest.raises(PermissionDeniedError):
        services.record_sign(record=log, user=manager)
    client.force_login(manager)
    assert client.post(reverse("gsp_storage:temperaturelog_sign", args=[log.pk])).status_code == 403
    log.refresh_from_db()
    assert not log.is_signed


def test_out_of_range_worked_example(client, keeper):
    """A cold room (2-8 °C): 9.5 °C in the morning and 80 percent humidity in the
    afternoon are flagged; the log cannot be signed until the measures are written."""
    cold = location("C01", condition=StorageCondition.COLD)
    log = temperature_log(
        keeper,
        cold,
        am_temperature=Decimal("9.5"),
        am_humidity=Decimal("60"),
        pm_temperature=Decimal("6.0"),
        pm_humidity=Decimal("80"),
    )
    assert log.out_of_range is True
    assert log.out_of_range_fields() == ["am_temperature", "pm_humidity"]
    assert "9.5" in log.out_of_range_text() and "2–8" in log.out_of_range_text()
    with pytest.raises(DomainError) as error:
        services.record_sign(record=log, user=keeper)
    assert error.value.field == "measures"

    # 6.0 °C and 60 percent are within the limits of the same room.
    ok = temperature_log(
        keeper,
        cold,
        day=today() - datetime.timedelta(days=1),
        am_temperature=Decimal("6.0"),
        pm_humidity=Decimal("60"),
        pm_temperature=Decimal("5.0"),
    )
    assert ok.out_of_range is False
    # In an ambient room 9.5 °C is fine.
    assert (
        temperature_log(keeper, location("A02"), am_temperature=Decimal("9.5")).out_of_range
        is False
    )

    client.force_login(keeper)
    page = client.get(reverse("gsp_storage:temperaturelog_list")).content.decode()
    assert page.count("table-danger out-of-range") == 1

    log.measures = "开启制冷机组，10:30 复测 5.2 °C"
    services.record_update(record=log, user=keeper)
    services.record_sign(record=log, user=keeper)
    assert TemperatureLog.objects.get(pk=log.pk).is_signed


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"am_humidity": "150"}, "am_humidity", "100"),
        ({"pm_temperature": "-55"}, "pm_temperature", "-40"),
        ({"location": "999999"}, "location", "storage area"),
        (
            {"record_date": (today() + datetime.timedelta(days=1)).isoformat()},
            "record_date",
            "future",
        ),
        ({"max_temperature": "10", "min_temperature": "12"}, None, "highest temperature"),
    ],
)
def test_bad_input_gets_a_specific_error_and_saves_nothing(
    client, keeper, area, settings, overrides, field, message
):
    settings.LANGUAGE_CODE = "en"
    client.force_login(keeper)
    response = client.post(
        reverse("gsp_storage:temperaturelog_create"),
        form_data(area, **overrides),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    form = response.context["form"]
    errors = form.errors.get(field or "__all__")
    assert errors, form.errors
    assert message in " ".join(errors)
    assert not TemperatureLog.objects.exists()


def test_one_log_per_area_and_day(keeper, area):
    temperature_log(keeper, area)
    with translation.override("en"), pytest.raises(Exception, match="already has a log"):
        temperature_log(keeper, area)
    assert TemperatureLog.objects.count() == 1


def test_signed_log_is_immutable_everywhere(client, admin_client, keeper, area):
    log = temperature_log(keeper, area, sign=True)
    client.force_login(keeper)
    edit = reverse("gsp_storage:temperaturelog_update", args=[log.pk])
    assert client.get(edit)["Location"] == reverse(
        "gsp_storage:temperaturelog_detail", args=[log.pk]
    )
    response = client.post(edit, form_data(area, am_temperature="35"))
    assert response.status_code == 302
    assert TemperatureLog.objects.get(pk=log.pk).am_temperature == Decimal("20.0")

    # admin: view only, no change, no delete
    change_url = reverse("admin:gsp_storage_temperaturelog_change", args=[log.pk])
    assert admin_client.post(change_url, {"am_temperature": "35"}).status_code == 403
    delete_url = reverse("admin:gsp_storage_temperaturelog_delete", args=[log.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403

    # ORM
    fresh = TemperatureLog.objects.get(pk=log.pk)
    fresh.am_temperature = Decimal("35")
    with pytest.raises(RecordLocked):
        fresh.save()
    with pytest.raises(RecordLocked):
        fresh.delete()
    with pytest.raises(RecordLocked):
        TemperatureLog.objects.filter(pk=log.pk).update(remarks="x")
    with pytest.raises(RecordLocked):
        TemperatureLog.objects.filter(pk=log.pk).delete()

    # raw SQL: the trigger
    for sql in (
        "UPDATE gsp_storage_temperaturelog SET am_temperature = 35 WHERE id = %s",
        "DELETE FROM gsp_storage_temperaturelog WHERE id = %s",
    ):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [log.pk])
    assert TemperatureLog.objects.get(pk=log.pk).am_temperature == Decimal("20.0")


def test_correction_is_a_new_record_and_history_shows_who(client, keeper, area):
    log = temperature_log(keeper, area, sign=True)
    other = user_with_role("keeper", "keeper_two")
    client.force_login(other)
    response = client.post(
        reverse("gsp_storage:temperaturelog_correct", args=[log.pk]),
        form_data(area, am_temperature="19.0", correction_reason="上午读数抄错"),
    )
    assert response.status_code == 302
    correction = TemperatureLog.objects.exclude(pk=log.pk).get()
    assert correction.corrects == log
    assert correction.correction_reason == "上午读数抄错"
    assert correction.author == other and correction.am_temperature == Decimal("19.0")
    services.record_sign(record=correction, user=other)
    original = TemperatureLog.objects.get(pk=log.pk)
    assert original.am_temperature == Decimal("20.0") and original.signed_by == keeper
    # the replaced log no longer counts for the alerts
    assert [x.pk for x in temperature_out_of_range(today())] == []

    client.force_login(user_with_role("quality_manager"))
    page = client.get(reverse("gsp_storage:temperaturelog_history", args=[log.pk]))
    assert page.status_code == 200
    assert [row["user"] for row in page.context["history_rows"]] == [keeper, keeper]


def test_auditor_views_but_cannot_create(client, keeper, area):
    temperature_log(keeper, area)
    client.force_login(user_with_role("auditor"))
    assert client.get(reverse("gsp_storage:temperaturelog_list")).status_code == 200
    assert client.get(reverse("gsp_storage:temperaturelog_create")).status_code == 403
    assert (
        client.post(reverse("gsp_storage:temperaturelog_create"), form_data(area)).status_code
        == 403
    )


def test_list_query_count_does_not_grow(client, keeper, django_assert_max_num_queries):
    for n in range(12):
        temperature_log(keeper, location(f"Q{n:02d}"), am_temperature=Decimal(n * 3))
    client.force_login(keeper)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("gsp_storage:temperaturelog_list"))
    assert response.status_code == 200
    assert len(response.context["table"].page.object_list) == 12


def test_gaps_and_out_of_range_selectors(keeper, django_assert_num_queries):
    day = today()
    full = location("S01")
    morning_only = location("S02")
    location("S03")  # no log at all
    cold_returns = location("S04", condition=StorageCondition.COLD, zone=Zone.RETURNS)
    location("S05", zone=Zone.NONCONFORMING)  # not logged
    location("S06", is_active=False)  # not logged
    temperature_log(keeper, full)
    temperature_log(keeper, morning_only, pm_temperature=None, pm_humidity=None)
    temperature_log(keeper, cold_returns, am_temperature=Decimal("12"))
    temperature_log(keeper, full, day=day - datetime.timedelta(days=1), am_humidity=Decimal("90"))

    with django_assert_num_queries(1):
        gaps = {loc.code: missing for loc, missing in temperature_gaps(day)}
    assert gaps == {"S02": ["pm"], "S03": ["am", "pm"]}
    with django_assert_num_queries(1):
        flagged = temperature_out_of_range(day)
    assert [log.location.code for log in flagged] == ["S04"]
