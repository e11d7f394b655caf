"""Re-inspection and stop-sale notices: they stop and release lots through the real
inventory service; refusals are specific and change nothing."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from apps.core.exceptions import DomainError, SegregationOfDutiesError
from apps.core.models import today
from apps.gsp_records import services
from apps.gsp_records.models import RecordLocked
from apps.inventory.models import HoldStatus, LotHold, StockBalance, StockMove, Zone
from apps.inventory.operations import lot_stop
from apps.inventory.tests.factories import LocationFactory, LotFactory

from ..models import ReinspectionNotice, ReinspectionResult, StopSaleNotice
from ..services import reinspection_issue
from .helpers import (
    client_for,
    form_errors,
    is_sellable,
    messages_of,
    nonconforming_location,
    stocked_lot,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def keeper():
    return client_for("keeper")


@pytest.fixture
def quality():
    return client_for("quality_manager")


def create_notice(keeper, notice_lot, shelf, **extra):
    data = {
        "record_date": today().isoformat(),
        "lot": notice_lot.pk,
        "location": shelf.pk,
        "quantity": 10,
        "problem": "外包装破损,疑似受潮",
        **extra,
    }
    return keeper.post(reverse("gsp_quality:reinspectionnotice_create"), data)


def issued_notice(keeper, quality, lot, shelf) -> ReinspectionNotice:
    """The keeper writes the notice, the head of quality issues it (stops the lot)."""
    create_notice(keeper, lot, shelf)
    notice = ReinspectionNotice.objects.get()
    quality.post(reverse("gsp_quality:reinspectionnotice_issue", args=[notice.pk]))
    notice.refresh_from_db()
    return notice


def enter_result(quality, notice, result, conclusion="复检合格", location=None):
    data = {
        "result": result,
        "conclusion": conclusion,
        "nonconforming_location": location.pk if location else "",
    }
    return quality.post(reverse("gsp_quality:reinspectionnotice_update", args=[notice.pk]), data)


def sign(client, notice, model="reinspectionnotice"):
    return client.post(reverse(f"gsp_quality:{model}_sign", args=[notice.pk]), follow=True)


# ---------------------------------------------------------------------------- re-inspection


def test_reinspection_stops_the_lot_on_issue_and_releases_it_when_signed_qualified(keeper, quality):
    lot, shelf = stocked_lot()
    response = create_notice(keeper, lot, shelf)
    notice = ReinspectionNotice.objects.get()
    assert response.status_code == 302
    assert notice.author == keeper.user
    assert notice.expiry_date == lot.expiry_date  # taken from the lot
    assert is_sellable(lot)  # a draft does not stop anything

    issue = reverse("gsp_quality:reinspectionnotice_issue", args=[notice.pk])
    assert keeper.post(issue).status_code == 403  # only quality may stop a lot
    assert is_sellable(lot)
    response = quality.post(issue, follow=True)
    assert any("is stopped from sale" in m for m in messages_of(response))
    notice.refresh_from_db()
    lot.refresh_from_db()
    assert lot.is_frozen and not is_sellable(lot)
    assert notice.hold.status == HoldStatus.ACTIVE
    assert notice.hold.source_type == "gsp_quality.reinspectionnotice"
    assert notice.hold.source_id == notice.pk
    assert notice.issued_by == quality.user

    response = enter_result(quality, notice, ReinspectionResult.QUALIFIED)
    assert response.status_code == 302
    response = sign(quality, notice)
    assert any("Signed" in m for m in messages_of(response))
    notice.refresh_from_db()
    lot.refresh_from_db()
    assert notice.is_signed and notice.signed_by == quality.user
    assert notice.hold.status == HoldStatus.RELEASED
    assert not lot.is_frozen and is_sellable(lot)


def test_nonconforming_result_moves_the_stock_and_keeps_the_lot_stopped(keeper, quality):
    lot, shelf = stocked_lot(30)
    nc = nonconforming_location()
    notice = issued_notice(keeper, quality, lot, shelf)
    enter_result(quality, notice, ReinspectionResult.NONCONFORMING, "霉变,不合格", nc)
    sign(quality, notice)
    notice.refresh_from_db()
    lot.refresh_from_db()
    assert notice.is_signed
    assert notice.hold.status == HoldStatus.NONCONFORMING
    assert lot.is_frozen and not is_sellable(lot)
    balances = dict(StockBalance.objects.filter(lot=lot).values_list("location_id", "on_hand"))
    assert balances == {shelf.pk: 0, nc.pk: 30}


def test_nonconforming_sign_with_reserved_stock_is_refused_with_the_inventory_message(
    keeper, quality
):
    lot, shelf = stocked_lot(30)
    nc = nonconforming_location()
    notice = issued_notice(keeper, quality, lot, shelf)
    StockBalance.objects.filter(lot=lot, location=shelf).update(reserved=5)
    enter_result(quality, notice, ReinspectionResult.NONCONFORMING, "不合格", nc)
    response = sign(quality, notice)
    assert any("are reserved for sales orders" in m for m in messages_of(response))
    notice.refresh_from_db()
    assert not notice.is_signed
    assert notice.hold.status == HoldStatus.ACTIVE
    assert StockBalance.objects.get(lot=lot, location=shelf).on_hand == 30


def test_nonconforming_result_needs_a_nonconforming_location(keeper, quality):
    lot, shelf = stocked_lot()
    notice = issued_notice(keeper, quality, lot, shelf)
    response = enter_result(quality, notice, ReinspectionResult.NONCONFORMING, "不合格", shelf)
    assert response.status_code == 200  # the shelf is not offered: invalid choice
    assert form_errors(response)
    enter_result(quality, notice, ReinspectionResult.NONCONFORMING, "不合格")
    response = sign(quality, notice)
    assert any("Enter before signing: nonconforming location" in m for m in messages_of(response))
    assert not ReinspectionNotice.objects.get().is_signed


def test_issue_refuses_a_lot_already_stopped(keeper, quality):
    lot, shelf = stocked_lot()
    hold = lot_stop(lot=lot, user=quality.user, reason="停售")
    create_notice(keeper, lot, shelf)
    notice = ReinspectionNotice.objects.get()
    response = quality.post(
        reverse("gsp_quality:reinspectionnotice_issue", args=[notice.pk]), follow=True
    )
    assert any(f"is already stopped from sale ({hold.number})" in m for m in messages_of(response))
    notice.refresh_from_db()
    assert not notice.is_issued and notice.hold is None
    assert LotHold.objects.count() == 1


def test_the_author_cannot_sign_and_an_unissued_notice_cannot_be_signed(keeper, quality):
    lot, shelf = stocked_lot()
    # The head of quality writes the notice himself: another person must sign it.
    create_notice(quality, lot, shelf)
    notice = ReinspectionNotice.objects.get()
    reinspection_issue(notice=notice, user=quality.user)
    notice.refresh_from_db()
    notice.result, notice.conclusion = ReinspectionResult.QUALIFIED, "合格"
    services.record_update(record=notice, user=quality.user)
    with pytest.raises(SegregationOfDutiesError, match="someone other than its author"):
        services.record_sign(record=notice, user=quality.user)
    assert not ReinspectionNotice.objects.get().is_signed
    assert LotHold.objects.get().status == HoldStatus.ACTIVE

    draft = services.record_create(
        record=ReinspectionNotice(
            lot=lot, location=shelf, quantity=1, problem="x", result="qualified", conclusion="y"
        ),
        user=keeper.user,
    )
    with pytest.raises(DomainError, match="Issue the notice before signing it"):
        services.record_sign(record=draft, user=quality.user)


def test_bad_input_gets_a_specific_error_and_saves_nothing(keeper):
    lot, shelf = stocked_lot()
    response = create_notice(keeper, lot, shelf, lot=999999)
    assert response.status_code == 200
    assert "lot" in response.context["form"].errors
    response = create_notice(keeper, lot, shelf, quantity=-3)
    assert "quantity" in response.context["form"].errors
    tomorrow = today() + datetime.timedelta(days=1)
    response = create_notice(keeper, lot, shelf, record_date=tomorrow.isoformat())
    assert "This date is in the future." in response.context["form"].errors["record_date"]
    response = create_notice(keeper, lot, shelf, problem="")
    assert "problem" in response.context["form"].errors
    assert not ReinspectionNotice.objects.exists()
    assert is_sellable(lot)


# ---------------------------------------------------------------------------- stop-sale


def stop_sale_data(lot, handler, **extra):
    return {
        "record_date": today().isoformat(),
        "lot": lot.pk,
        "quantity": 20,
        "findings": "抽检发现标签与注册证不符",
        "treatment": "全部停售,待复检",
        "notice_date": today().isoformat(),
        "related_documents": "",
        "handler": handler.pk,
        **extra,
    }


def test_stop_sale_freezes_on_sign_and_a_reinspection_releases_it(keeper, quality):
    lot, shelf = stocked_lot()
    response = quality.post(
        reverse("gsp_quality:stopsalenotice_create"), stop_sale_data(lot, keeper.user)
    )
    assert response.status_code == 302
    notice = StopSaleNotice.objects.get()
    assert is_sellable(lot)
    sign(quality, notice, "stopsalenotice")
    notice.refresh_from_db()
    lot.refresh_from_db()
    assert notice.is_signed and notice.hold.status == HoldStatus.ACTIVE
    assert notice.hold.source_type == "gsp_quality.stopsalenotice"
    assert lot.is_frozen and not is_sellable(lot)
    signed_row = StopSaleNotice.objects.filter(pk=notice.pk).values().get()

    # Release: the keeper writes a re-inspection notice of the stop-sale notice.
    page = keeper.get(
        reverse("gsp_quality:reinspectionnotice_create") + f"?stop_sale_notice={notice.pk}"
    )
    assert page.context["form"].initial["lot"] == lot.pk
    create_notice(keeper, lot, shelf, stop_sale_notice=notice.pk)
    reinspection = ReinspectionNotice.objects.get()
    quality.post(reverse("gsp_quality:reinspectionnotice_issue", args=[reinspection.pk]))
    reinspection.refresh_from_db()
    assert reinspection.hold_id == notice.hold_id  # takes over the stop, no second stop
    assert LotHold.objects.count() == 1
    enter_result(quality, reinspection, ReinspectionResult.QUALIFIED)
    sign(quality, reinspection)
    lot.refresh_from_db()
    assert not lot.is_frozen and is_sellable(lot)
    assert LotHold.objects.get().status == HoldStatus.RELEASED
    # The signed stop-sale notice itself did not change.
    assert StopSaleNotice.objects.filter(pk=notice.pk).values().get() == signed_row
    detail = quality.get(reverse("gsp_quality:stopsalenotice_detail", args=[notice.pk]))
    assert reinspection.number in detail.content.decode()


def test_stop_sale_refusals(keeper, quality):
    lot, shelf = stocked_lot()
    # The head of quality who signs cannot also be the handler.
    notice = services.record_create(
        record=StopSaleNotice(**_stop_sale_fields(lot, quality.user)), user=quality.user
    )
    response = sign(quality, notice, "stopsalenotice")
    assert any("names you as the handler" in m for m in messages_of(response))
    assert not lot.__class__.objects.get(pk=lot.pk).is_frozen
    # A lot already stopped is refused with the inventory's message.
    lot_stop(lot=lot, user=quality.user, reason="已停售")
    other = services.record_create(
        record=StopSaleNotice(**_stop_sale_fields(lot, keeper.user)), user=quality.user
    )
    response = sign(quality, other, "stopsalenotice")
    assert any("is already stopped from sale" in m for m in messages_of(response))
    other.refresh_from_db()
    assert not other.is_signed and other.hold is None


def _stop_sale_fields(lot, handler):
    return {
        "lot": lot,
        "quantity": 5,
        "findings": "检查发现破损",
        "treatment": "停售",
        "handler": handler,
    }


# ---------------------------------------------------------------------------- immutability


def test_signed_notice_is_immutable_through_ui_admin_orm_and_sql(keeper, quality):
    lot, shelf = stocked_lot()
    notice = issued_notice(keeper, quality, lot, shelf)
    enter_result(quality, notice, ReinspectionResult.QUALIFIED)
    sign(quality, notice)
    notice = ReinspectionNotice.objects.get()

    # Staff UI: the edit page redirects with the message; a POST changes nothing.
    edit = reverse("gsp_quality:reinspectionnotice_update", args=[notice.pk])
    response = quality.post(edit, {"result": "nonconforming", "conclusion": "改"}, follow=True)
    assert any("is signed and can no longer be changed" in m for m in messages_of(response))
    assert ReinspectionNotice.objects.get().conclusion == "复检合格"

    # Admin: read-only, no delete.
    quality.user.is_staff = True
    quality.user.save()
    admin_url = reverse("admin:gsp_quality_reinspectionnotice_change", args=[notice.pk])
    assert quality.post(admin_url, {"conclusion": "改"}).status_code == 403
    delete_url = reverse("admin:gsp_quality_reinspectionnotice_delete", args=[notice.pk])
    assert quality.post(delete_url, {"post": "yes"}).status_code == 403

    # ORM and raw SQL.
    notice.conclusion = "改"
    with pytest.raises(RecordLocked):
        notice.save()
    with pytest.raises(RecordLocked):
        ReinspectionNotice.objects.filter(pk=notice.pk).update(conclusion="改")
    with pytest.raises(RecordLocked):
        ReinspectionNotice.objects.filter(pk=notice.pk).delete()
    for sql in (
        "UPDATE gsp_quality_reinspectionnotice SET conclusion = 'x' WHERE id = %s",
        "DELETE FROM gsp_quality_reinspectionnotice WHERE id = %s",
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [notice.pk])
    assert ReinspectionNotice.objects.get().conclusion == "复检合格"


def test_correction_fixes_texts_without_touching_the_stock(keeper, quality):
    lot, shelf = stocked_lot()
    notice = issued_notice(keeper, quality, lot, shelf)
    enter_result(quality, notice, ReinspectionResult.QUALIFIED)
    sign(quality, notice)
    notice = ReinspectionNotice.objects.get()
    moves_before = StockMove.objects.filter(lot=lot).count()

    url = reverse("gsp_quality:reinspectionnotice_correct", args=[notice.pk])
    page = keeper.get(url)
    assert page.status_code == 200
    response = keeper.post(
        url,
        {
            "record_date": notice.record_date.isoformat(),
            "location": shelf.pk,
            "quantity": 12,
            "problem": "外包装破损(更正数量)",
            "conclusion": "复检合格",
            "correction_reason": "数量填错",
            # Tampered: the disabled fields keep the original's values.
            "lot": LotFactory().pk,
            "result": "nonconforming",
        },
    )
    assert response.status_code == 302, form_errors(response)
    correction = ReinspectionNotice.objects.exclude(pk=notice.pk).get()
    assert correction.corrects == notice and correction.correction_reason == "数量填错"
    assert correction.lot == lot and correction.result == ReinspectionResult.QUALIFIED
    assert correction.hold_id == notice.hold_id and correction.is_issued
    services.record_sign(record=correction, user=quality.user)
    lot.refresh_from_db()
    assert not lot.is_frozen
    assert LotHold.objects.get().status == HoldStatus.RELEASED
    assert StockMove.objects.filter(lot=lot).count() == moves_before


# ---------------------------------------------------------------------------- permissions


def test_permissions_per_role(keeper, quality):
    lot, shelf = stocked_lot()
    auditor = client_for("auditor")
    sales = client_for("sales")
    assert auditor.get(reverse("gsp_quality:reinspectionnotice_list")).status_code == 200
    assert auditor.get(reverse("gsp_quality:stopsalenotice_list")).status_code == 200
    assert auditor.get(reverse("gsp_quality:reinspectionnotice_create")).status_code == 403
    assert sales.get(reverse("gsp_quality:reinspectionnotice_list")).status_code == 403
    # The keeper issues re-inspection notices but does not write stop-sale notices.
    assert keeper.get(reverse("gsp_quality:stopsalenotice_create")).status_code == 403
    create_notice(keeper, lot, shelf)
    notice = ReinspectionNotice.objects.get()
    issue = reverse("gsp_quality:reinspectionnotice_issue", args=[notice.pk])
    assert auditor.post(issue).status_code == 403
    assert keeper.post(issue).status_code == 403
    quality.post(issue)
    notice.refresh_from_db()
    notice.result, notice.conclusion = ReinspectionResult.QUALIFIED, "合格"
    services.record_update(record=notice, user=quality.user)
    sign_url = reverse("gsp_quality:reinspectionnotice_sign", args=[notice.pk])
    assert keeper.post(sign_url).status_code == 403
    assert client_for("manager").post(sign_url).status_code == 403
    assert not ReinspectionNotice.objects.get().is_signed
    assert lot.__class__.objects.get(pk=lot.pk).is_frozen


def test_notice_list_query_count_does_not_grow(keeper, quality, django_assert_max_num_queries):
    for index in range(6):
        lot = LotFactory()
        shelf = LocationFactory(code=f"S{index}", zone=Zone.QUALIFIED)
        services.record_create(
            record=ReinspectionNotice(lot=lot, location=shelf, quantity=1, problem="破损"),
            user=keeper.user,
        )
        services.record_create(
            record=StopSaleNotice(**_stop_sale_fields(lot, keeper.user)), user=quality.user
        )
    for name in ("reinspectionnotice", "stopsalenotice"):
        with django_assert_max_num_queries(12):
            response = quality.get(reverse(f"gsp_quality:{name}_list"))
        assert response.status_code == 200
