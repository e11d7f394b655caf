"""Reads behind the GSP records derived from transactions (DESIGN.md 9).

Each function takes the cleaned filter parameters of its form (`filters.py`: a date
range or an "as of" date, and optional product, batch and supplier/customer text) and
returns one queryset with everything its table and PDF print joined in, so a page or a
PDF runs a fixed number of queries whatever the number of rows.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.fields import DateField

from apps.catalog.models import ManufacturerLicence
from apps.core.models import LicenceType, today
from apps.inventory.expiry import Band, Thresholds, band_annotation, band_q
from apps.inventory.models import LossReport, LossReportLine, LossStatus, StockBalance, Zone
from apps.purchasing.models import Acceptance, ReceiptLine, RejectionReport
from apps.sales.models import DeliveryLine, DeliveryStatus, SalesReturnLine


def _text_q(prefix: str, fields: tuple[str, ...], value: str) -> Q:
    return reduce(or_, (Q(**{f"{prefix}{name}__icontains": value}) for name in fields))


def _filtered(
    qs: QuerySet,
    params: dict,
    *,
    date: str | None,
    product: str,
    lot: str,
    party: str | None = None,
) -> QuerySet:
    """Apply the common filters: `date` is the path of the date field (None: no date
    range), `product`, `lot` and `party` the paths (with "__") to those models."""
    if date:
        if params.get("date_from"):
            qs = qs.filter(**{f"{date}__gte": params["date_from"]})
        if params.get("date_to"):
            qs = qs.filter(**{f"{date}__lte": params["date_to"]})
    if value := (params.get("product") or "").strip():
        qs = qs.filter(_text_q(product, ("code", "name", "spec", "mnemonic"), value))
    if value := (params.get("batch") or "").strip():
        qs = qs.filter(_text_q(lot, ("batch_number", "serial_number"), value))
    if party and (value := (params.get("party") or "").strip()):
        qs = qs.filter(_text_q(party, ("code", "name", "mnemonic"), value))
    return qs


def _manufacturer_licence(path: str) -> Subquery:
    """The number of the manufacturer's latest production licence (生产许可证)."""
    return Subquery(
        ManufacturerLicence.objects.filter(
            manufacturer=OuterRef(path), licence_type=LicenceType.DEVICE_PRODUCTION
        )
        .order_by("-valid_until", "-issued_on")
        .values("number")[:1]
    )


def purchase_record_lines(params: dict) -> QuerySet[ReceiptLine]:
    """购进记录: every arrived batch, by arrival date."""
    qs = ReceiptLine.objects.select_related(
        "receipt__supplier", "product__manufacturer", "lot"
    ).order_by("receipt__received_on", "receipt__number", "pk")
    return _filtered(
        qs,
        params,
        date="receipt__received_on",
        product="product__",
        lot="lot__",
        party="receipt__supplier__",
    )


def acceptance_records(params: dict) -> QuerySet[Acceptance]:
    """医疗器械质量验收记录: every acceptance, by inspection date."""
    qs = (
        Acceptance.objects.select_related(
            "inspector",
            "receipt_line__receipt__supplier",
            "receipt_line__product__manufacturer",
            "receipt_line__lot",
        )
        .annotate(manufacturer_licence=_manufacturer_licence("receipt_line__product__manufacturer"))
        .order_by("inspected_on", "number")
    )
    return _filtered(
        qs,
        params,
        date="inspected_on",
        product="receipt_line__product__",
        lot="receipt_line__lot__",
        party="receipt_line__receipt__supplier__",
    )


def rejection_reports(params: dict) -> QuerySet[RejectionReport]:
    """拒收报告: by the date of the acceptance that rejected the goods."""
    qs = RejectionReport.objects.select_related(
        "created_by",
        "acceptance__inspector",
        "acceptance__receipt_line__receipt__supplier",
        "acceptance__receipt_line__product__manufacturer",
        "acceptance__receipt_line__lot",
    ).order_by("acceptance__inspected_on", "number")
    return _filtered(
        qs,
        params,
        date="acceptance__inspected_on",
        product="acceptance__receipt_line__product__",
        lot="acceptance__receipt_line__lot__",
        party="acceptance__receipt_line__receipt__supplier__",
    )


def _delivery_lines() -> QuerySet[DeliveryLine]:
    return DeliveryLine.objects.select_related(
        "delivery__customer",
        "delivery__picked_by",
        "delivery__checked_by",
        "product__manufacturer",
        "lot",
    )


def outbound_check_lines(params: dict) -> QuerySet[DeliveryLine]:
    """出库复核记录: lines of double-checked deliveries (checked or shipped), by check date."""
    qs = (
        _delivery_lines()
        .filter(delivery__checked_at__isnull=False)
        .exclude(delivery__status=DeliveryStatus.CANCELLED)
        .order_by("delivery__checked_at", "delivery__number", "pk")
    )
    return _filtered(
        qs,
        params,
        date="delivery__checked_at__date",
        product="product__",
        lot="lot__",
        party="delivery__customer__",
    )


def sales_record_lines(params: dict) -> QuerySet[DeliveryLine]:
    """销售记录: shipped lines, by shipping date."""
    qs = (
        _delivery_lines()
        .filter(delivery__status=DeliveryStatus.SHIPPED, shipped_on__isnull=False)
        .order_by("shipped_on", "delivery__number", "pk")
    )
    return _filtered(
        qs, params, date="shipped_on", product="product__", lot="lot__", party="customer__"
    )


def expiry_push_balances(params: dict, thresholds: Thresholds | None = None) -> QuerySet:
    """有效期催销表: qualified stock in the yellow or red band as of `date_to` (the current
    quantities; the date only places the lots in their bands)."""
    on_date = params.get("date_to") or today()
    thresholds = thresholds or Thresholds.current()
    bands = band_q(Band.YELLOW, on_date=on_date, thresholds=thresholds) | band_q(
        Band.RED, on_date=on_date, thresholds=thresholds
    )
    qs = (
        StockBalance.objects.filter(bands, on_hand__gt=0, location__zone=Zone.QUALIFIED)
        .select_related("product__category", "product__manufacturer", "lot", "location__warehouse")
        .annotate(
            band=band_annotation(on_date=on_date, thresholds=thresholds),
            # date - date is a number of days in PostgreSQL.
            days_left=Func(
                F("expiry_date"),
                Value(on_date, output_field=DateField()),
                arg_joiner=" - ",
                template="(%(expressions)s)",
                output_field=IntegerField(),
            ),
        )
        .order_by("expiry_date", "product__code", "lot__batch_number", "location__code")
    )
    return _filtered(qs, params, date=None, product="product__", lot="lot__")


def return_notice_lines(params: dict) -> QuerySet[SalesReturnLine]:
    """退货通知单: returned lines, by return date."""
    qs = SalesReturnLine.objects.select_related(
        "sales_return__customer",
        "sales_return__created_by",
        "sales_return__delivery__order",
        "product__manufacturer",
        "lot",
        "inspected_by",
    ).order_by("returned_on", "sales_return__number", "pk")
    return _filtered(
        qs, params, date="returned_on", product="product__", lot="lot__", party="customer__"
    )


def _loss_lines() -> QuerySet[LossReportLine]:
    return LossReportLine.objects.select_related(
        "report__warehouse",
        "report__created_by",
        "report__quality_by",
        "report__manager_by",
        "balance__product__manufacturer",
        "balance__lot",
        "balance__location",
    ).order_by("report__created_at", "report__number", "pk")


def loss_report_lines(params: dict) -> QuerySet[LossReportLine]:
    """不合格品报损审批表: lines of submitted loss reports, by the date they were made."""
    qs = _loss_lines().exclude(report__status=LossStatus.DRAFT)
    return _filtered(
        qs,
        params,
        date="report__created_at__date",
        product="balance__product__",
        lot="balance__lot__",
    )


def loss_reports_with_lines(params: dict) -> list[tuple[LossReport, list[LossReportLine]]]:
    """The reports that have a line matching the filters, each with all its lines, in
    one query."""
    report_ids = loss_report_lines(params).values("report_id")
    groups: dict[int, tuple[LossReport, list]] = {}
    for line in _loss_lines().filter(report_id__in=report_ids):
        groups.setdefault(line.report_id, (line.report, []))[1].append(line)
    return list(groups.values())
