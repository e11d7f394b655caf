"""Dashboard panel, acknowledging, the alert list and the schedule pages."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.core.models import today
from apps.gsp_records.alerts import services
from apps.gsp_records.alerts.models import Alert, AlertJob, Severity

from .world import expiry_world, local_time

pytestmark = pytest.mark.django_db


def make_alerts(n: int, kind: str = "expiry", severity: str = Severity.WARNING) -> list[Alert]:
    start = Alert.objects.count()
    return Alert.objects.bulk_create(
        Alert(
            kind=kind,
            subject_key=f"test:{start + i}",
            severity=severity,
            message=f"{kind} finding {start + i}",
            first_seen=today(),
            last_seen=today(),
        )
        for i in range(n)
    )


def test_dashboard_shows_the_role_alerts_and_acknowledging_removes_one(role_client):
    expiry_world()
    services.run_jobs(today(), codes=["expiry"])
    red = Alert.objects.get(subject_key__endswith=":red")
    client = role_client("keeper")
    page = client.get(reverse("core:dashboard")).content.decode()
    assert red.message in page and f'data-alert="{red.pk}"' in page

    response = client.post(
        reverse("gsp_alerts:alert_acknowledge", args=[red.pk]), {"next": reverse("core:dashboard")}
    )
    assert response.status_code == 302 and response.url == reverse("core:dashboard")
    red.refresh_from_db()
    assert red.acknowledged_by == client.user and red.acknowledged_at is not None
    page = client.get(reverse("core:dashboard")).content.decode()
    assert f'data-alert="{red.pk}"' not in page
    # The yellow and black ones are still there.
    assert Alert.objects.filter(kind="expiry", acknowledged_at__isnull=True).count() == 2
    assert "alerts-panel" in page


def test_a_role_the_job_does_not_address_sees_and_acknowledges_nothing(role_client):
    (alert,) = make_alerts(1, kind="minmax")  # purchaser, keeper, manager
    client = role_client("checker")
    page = client.get(reverse("core:dashboard")).content.decode()
    assert alert.message not in page
    response = client.post(reverse("gsp_alerts:alert_acknowledge", args=[alert.pk]))
    assert response.status_code == 403
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


def test_the_auditor_lists_alerts_but_cannot_acknowledge(role_client):
    (alert,) = make_alerts(1)
    client = role_client("auditor")
    listing = client.get(reverse("gsp_alerts:alert_list")).content.decode()
    assert alert.message in listing
    assert reverse("gsp_alerts:alert_acknowledge", args=[alert.pk]) not in listing
    response = client.post(reverse("gsp_alerts:alert_acknowledge", args=[alert.pk]))
    assert response.status_code == 403
    assert client.get(reverse("gsp_alerts:alertjob_list")).status_code == 200


def test_acknowledging_twice_says_who_did_it_first(role_client):
    (alert,) = make_alerts(1)
    first = role_client("keeper")
    first.post(reverse("gsp_alerts:alert_acknowledge", args=[alert.pk]))
    second = role_client("quality_manager")
    response = second.post(reverse("gsp_alerts:alert_acknowledge", args=[alert.pk]), follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert any("keeper_user" in m for m in messages)
    alert.refresh_from_db()
    assert alert.acknowledged_by.username == "keeper_user"


def test_alert_list_filters_by_kind_severity_and_state(role_client):
    make_alerts(2, kind="expiry", severity=Severity.DANGER)
    make_alerts(1, kind="licences", severity=Severity.INFO)
    (done,) = make_alerts(1, kind="licences", severity=Severity.INFO)
    services.alert_acknowledge(alert=done, user=role_client("manager").user)
    client = role_client("manager")
    url = reverse("gsp_alerts:alert_list")

    def rows(**params):
        return client.get(url, params).context["table"].rows

    assert len(rows()) == 4
    assert len(rows(kind="expiry")) == 2
    assert len(rows(severity="info")) == 2
    assert len(rows(kind="licences", state="open")) == 1
    assert [r.record.pk for r in rows(state="acknowledged")] == [done.pk]
    assert client.get(url, {"severity": "bogus"}).status_code == 200


def test_alert_list_and_dashboard_query_counts_do_not_grow(
    role_client, django_assert_max_num_queries
):
    client = role_client("manager")
    make_alerts(3)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("gsp_alerts:alert_list")).status_code == 200
    make_alerts(40)
    make_alerts(10, kind="minmax")
    with django_assert_max_num_queries(14):
        assert client.get(reverse("gsp_alerts:alert_list")).status_code == 200
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(reverse("core:dashboard"))  # warm up: creates the company settings row
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("core:dashboard"))
    make_alerts(30)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("core:dashboard"))
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_manager_edits_the_schedule_and_the_dispatcher_follows(
    role_client, eager_celery, mailbox, django_capture_on_commit_callbacks
):
    services.ensure_jobs()
    job = AlertJob.objects.get(code="minmax")
    client = role_client("manager")
    url = reverse("gsp_alerts:alertjob_update", args=[job.pk])
    response = client.post(
        url, {"enabled": "on", "run_time": "04:30", "roles": ["purchaser", "manager"]}
    )
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.run_time == datetime.time(4, 30) and job.roles == ["purchaser", "manager"]

    day = today()
    with django_capture_on_commit_callbacks(execute=True):
        at_two = services.dispatch(local_time(day, 2))
    assert "minmax" not in at_two["started"] and "expiry" in at_two["started"]
    with django_capture_on_commit_callbacks(execute=True):
        at_five = services.dispatch(local_time(day, 4, 35))
    assert at_five["started"] == ["minmax"]


def test_schedule_form_refuses_bad_input(role_client):
    services.ensure_jobs()
    job = AlertJob.objects.get(code="expiry")
    before = (job.run_time, job.roles)
    client = role_client("manager")
    url = reverse("gsp_alerts:alertjob_update", args=[job.pk])
    late = client.post(url, {"enabled": "on", "run_time": "23:58", "roles": ["keeper"]})
    assert late.status_code == 200 and late.context["form"].errors["run_time"]
    nobody = client.post(url, {"enabled": "on", "run_time": "02:00"})
    assert nobody.status_code == 200 and nobody.context["form"].errors["roles"]
    job.refresh_from_db()
    assert (job.run_time, job.roles) == before


@pytest.mark.parametrize("role", ["keeper", "quality_manager", "auditor", "purchaser"])
def test_only_managers_edit_the_schedule(role_client, role):
    services.ensure_jobs()
    job = AlertJob.objects.get(code="expiry")
    client = role_client(role)
    url = reverse("gsp_alerts:alertjob_update", args=[job.pk])
    assert client.get(url).status_code == 403
    response = client.post(url, {"enabled": "on", "run_time": "03:00", "roles": ["keeper"]})
    assert response.status_code == 403
    job.refresh_from_db()
    assert job.run_time == datetime.time(1, 0)


def test_the_schedule_rules_hold_outside_the_form_too():
    """The model refuses what the staff form and the admin refuse (a shell or a script
    calling full_clean gets the same messages)."""
    services.ensure_jobs()
    job = AlertJob.objects.get(code="expiry")
    job.run_time = datetime.time(23, 58)
    job.enabled, job.roles = True, []
    with pytest.raises(ValidationError) as caught:
        job.full_clean()
    assert set(caught.value.message_dict) == {"run_time", "roles"}
