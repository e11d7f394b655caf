"""Retention (DESIGN.md 9): purchase, acceptance and sales records are kept two years past
the expiry and at least five years, implantable devices forever; the database refuses
to delete them until then, through the ORM or raw SQL."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from apps.catalog.models import Product
from apps.core.models import today
from apps.gsp_records.retention import retention_until, under_retention
from apps.inventory.models import Lot
from apps.purchasing.models import Acceptance, Receipt, ReceiptLine, RejectionReport
from apps.sales.models import Delivery, DeliveryLine, SalesReturn, SalesReturnLine

from .test_derived_world import build_records

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(db):
    return build_records()


D = datetime.date


class _Product:
    def __init__(self, implantable=False):
        self.is_implantable = implantable


def test_retention_is_two_years_past_expiry_and_at_least_five_years():
    created = D(2026, 3, 1)
    assert retention_until(_Product(), D(2030, 6, 30), created) == D(2032, 6, 30)
    assert retention_until(_Product(), D(2027, 1, 31), created) == D(2031, 3, 1)
    assert retention_until(_Product(implantable=True), D(2027, 1, 31), created) is None
    # 29 February + 2 years is 28 February, as in PostgreSQL.
    assert retention_until(_Product(), D(2028, 2, 29), D(2024, 2, 29)) == D(2030, 2, 28)
    assert under_retention(None, D(2100, 1, 1))
    assert under_retention(D(2031, 3, 1), D(2031, 3, 1))
    assert not under_retention(D(2031, 3, 1), D(2031, 3, 2))


def refused(action) -> bool:
    try:
        with transaction.atomic():
            action()
    except IntegrityError as error:
        assert "under retention" in str(error)
        return True
    return False


def raw_delete(table: str, pk: int):
    def run():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE id = %s", [pk])  # noqa: S608

    return run


def test_records_under_retention_cannot_be_deleted_by_orm_or_sql(records):
    rejection = RejectionReport.objects.get()
    acceptance = rejection.acceptance
    delivery_line = records.hospital_delivery.lines.get()
    return_line = SalesReturnLine.objects.get()
    for action in (
        rejection.delete,
        raw_delete("purchasing_rejectionreport", rejection.pk),
        raw_delete("purchasing_acceptance", acceptance.pk),
        raw_delete("purchasing_receiptline", records.accepted_line.pk),
        return_line.delete,
        raw_delete("sales_salesreturnline", return_line.pk),
        raw_delete("sales_deliveryline", delivery_line.pk),
        raw_delete("sales_delivery", records.distributor_delivery.pk),
        records.distributor_delivery.delete,
    ):
        assert refused(action)
    assert RejectionReport.objects.exists() and SalesReturnLine.objects.exists()
    assert DeliveryLine.objects.count() == 2


def _age_everything(years: int = 6, implantable: bool = False):
    """Move every record's creation and every lot's expiry `years` into the past."""
    past = timezone.now() - datetime.timedelta(days=365 * years)
    old_expiry = today() - datetime.timedelta(days=365 * (years - 3))
    Lot.objects.update(production_date=None, expiry_date=old_expiry)
    Product.objects.update(is_implantable=implantable)
    for model in (Receipt, Acceptance, RejectionReport, Delivery, SalesReturn):
        model.objects.update(created_at=past)


def test_records_past_retention_can_be_deleted(records):
    _age_everything()
    return_line = SalesReturnLine.objects.get()
    assert not refused(return_line.delete)
    assert not refused(raw_delete("sales_deliveryline", records.hospital_delivery.lines.get().pk))
    rejection = RejectionReport.objects.get()
    acceptance = rejection.acceptance
    assert not refused(rejection.delete)
    assert not refused(acceptance.delete)
    assert not refused(raw_delete("purchasing_receiptline", acceptance.receipt_line_id))
    assert not ReceiptLine.objects.filter(pk=acceptance.receipt_line_id).exists()


def test_five_years_hold_even_when_the_expiry_is_long_past(records):
    _age_everything(years=6)
    Receipt.objects.update(created_at=timezone.now() - datetime.timedelta(days=365 * 4))
    assert refused(raw_delete("purchasing_receiptline", records.accepted_line.pk))


def test_implantable_records_are_kept_forever(records):
    _age_everything(years=30, implantable=True)
    rejection = RejectionReport.objects.get()
    assert refused(rejection.delete)
    assert refused(SalesReturnLine.objects.get().delete)
    assert refused(raw_delete("sales_deliveryline", records.hospital_delivery.lines.get().pk))


def test_the_list_pages_show_the_retention_date(records, role_client):
    client = role_client("auditor")
    line = records.accepted_line
    until = retention_until(line.product, line.lot.expiry_date, today())
    html = client.get(reverse("gsp_records:purchase_records"), {"batch": "PB"}).content.decode()
    assert until.isoformat() in html
    Product.objects.filter(pk=line.product_id).update(is_implantable=True)
    html = client.get(reverse("gsp_records:purchase_records"), {"batch": "PB"}).content.decode()
    assert until.isoformat() not in html
