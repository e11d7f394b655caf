"""The checks of the nightly alert jobs (DESIGN.md 10). Each job is a function
`(run_date) -> JobResult` that reads a fixed number of queries whatever the number of
lots, balances or licences, and returns its findings; `services.run_job` turns them into
`Alert` rows.

Decisions:
- Expiry digest: one finding per warehouse and band (yellow, red, black) over the stock
  in the pending, qualified and returns zones (as the inventory dashboard panel; stock
  already in the nonconforming zone is handled by the nonconforming job), with the
  number of lots, the quantity and the amount = quantity × the product's national
  wholesale price (not the lot cost, which only users with `core.view_cost` may see).
- Licences: a licence (company, supplier, customer, manufacturer), sales-rep
  authorisation or product registration certificate is reported when it expired or
  expires within 60 days (danger: expired, warning: within 30, notice: within 60),
  unless a newer document of the same kind for the same holder replaces it, and only
  for active holders and products.
- Min/max: the inventory's own min/max selector (qualified stock of active products
  against `Product.min_stock` / `max_stock`, all warehouses together).
- Temperature: the records of the day before the run (a nightly job cannot judge the
  afternoon of the day it runs), from the storage records' selectors, imported lazily
  so the job reports "not available" when that part is not installed.
- Nonconforming: balances in a nonconforming location whose last arrival there (the
  newest stock move into that location for the lot) is more than 183 days before the run
  date, so every unit of the balance has waited at least that long.
"""

from __future__ import annotations

import datetime
import importlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from .models import AlertKind, RunStatus, Severity

logger = logging.getLogger(__name__)

MONEY = DecimalField(max_digits=18, decimal_places=2)
LICENCE_WARNING_DAYS = 30
LICENCE_NOTICE_DAYS = 60
NONCONFORMING_DAYS = 183
STORAGE_SELECTORS = "apps.gsp_records.storage.selectors"


@dataclass(frozen=True)
class Finding:
    subject_key: str
    severity: str
    message: str
    link: str = ""


@dataclass
class JobResult:
    findings: list[Finding] = field(default_factory=list)
    status: str = RunStatus.DONE
    note: str = ""


def fmt(day: datetime.date | None) -> str:
    return date_format(day, "Y-m-d") if day else ""


def money(amount: Decimal | None) -> str:
    return f"{(amount or Decimal('0')):,.2f}"


# ------------------------------------------------------------------------- expiry


def expiry_digest(run_date: datetime.date) -> JobResult:
    from apps.inventory.expiry import Band, Thresholds, band_boundaries
    from apps.inventory.models import StockBalance
    from apps.inventory.selectors import PANEL_ZONES

    thresholds = Thresholds.current()
    bounds = band_boundaries(on_date=run_date, thresholds=thresholds)
    bands = (Band.BLACK, Band.RED, Band.YELLOW)
    aggregates = {}
    for band in bands:
        condition = bounds[band]
        aggregates[f"{band.value}_lots"] = Count("lot_id", distinct=True, filter=condition)
        aggregates[f"{band.value}_quantity"] = Sum("on_hand", filter=condition)
        aggregates[f"{band.value}_amount"] = Sum(
            F("product__national_wholesale_price") * F("on_hand"),
            filter=condition,
            output_field=MONEY,
        )
    yellow_until = run_date + datetime.timedelta(days=thresholds.yellow_days)
    rows = (
        StockBalance.objects.filter(
            on_hand__gt=0, location__zone__in=PANEL_ZONES, expiry_date__lte=yellow_until
        )
        .order_by()
        .values(
            "location__warehouse_id",
            "location__warehouse__code",
            "location__warehouse__name",
        )
        .annotate(**aggregates)
        .order_by("location__warehouse__code")
    )
    severity = {
        Band.BLACK: Severity.DANGER,
        Band.RED: Severity.DANGER,
        Band.YELLOW: Severity.WARNING,
    }
    base = reverse("inventory:expiry_report")
    findings = []
    for row in rows:
        warehouse_id = row["location__warehouse_id"]
        warehouse = f"{row['location__warehouse__code']} {row['location__warehouse__name']}"
        for band in bands:
            lots = row[f"{band.value}_lots"]
            if not lots:
                continue
            query = [("band", band.value), ("warehouse", warehouse_id)] + [
                ("zone", zone.value) for zone in PANEL_ZONES
            ]
            findings.append(
                Finding(
                    subject_key=f"warehouse:{warehouse_id}:{band.value}",
                    severity=severity[band],
                    message=_(
                        "%(warehouse)s: %(lots)d lots %(band)s, quantity %(quantity)s, "
                        "amount %(amount)s yuan (national wholesale price)."
                    )
                    % {
                        "warehouse": warehouse,
                        "lots": lots,
                        "band": band.label,
                        "quantity": row[f"{band.value}_quantity"] or 0,
                        "amount": money(row[f"{band.value}_amount"]),
                    },
                    link=f"{base}?{urlencode(query)}",
                )
            )
    return JobResult(findings)


# ----------------------------------------------------------------------- licences


def _licence_severity(days_left: int) -> str:
    if days_left < 0:
        return Severity.DANGER
    if days_left <= LICENCE_WARNING_DAYS:
        return Severity.WARNING
    return Severity.INFO


def _expiry_message(holder: str, document: str, until: datetime.date, run_date) -> str:
    days_left = (until - run_date).days
    if days_left < 0:
        return _("%(holder)s: %(document)s expired on %(until)s.") % {
            "holder": holder,
            "document": document,
            "until": fmt(until),
        }
    return _("%(holder)s: %(document)s expires on %(until)s (in %(days)d days).") % {
        "holder": holder,
        "document": document,
        "until": fmt(until),
        "days": days_left,
    }


def _superseded(model, owner_fields: Iterable[str]) -> Exists:
    """A newer document of the same kind for the same holder (long-term counts as newer)."""
    same = {name: OuterRef(name) for name in owner_fields}
    return Exists(
        model.objects.filter(**same).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gt=OuterRef("valid_until"))
        )
    )


@dataclass(frozen=True)
class LicenceSource:
    """One kind of dated document: where it lives, who holds it, how to name it."""

    model_path: str  # "suppliers.SupplierLicence"
    owner_fields: tuple[str, ...]  # the holder's identity, for "superseded"
    active: Q  # the holder (or product) is active
    values: tuple[str, ...]
    holder: Callable[[dict], str]
    document: Callable[[dict], str]
    link: Callable[[dict], str]


def _licence_label(row: dict) -> str:
    from apps.core.models import LicenceType

    return f"{LicenceType(row['licence_type']).label} {row['number']}"


def _sources() -> list[LicenceSource]:
    def url(name):
        return lambda row: reverse(name, args=[row["pk"]])

    licence_values = ("pk", "licence_type", "number", "valid_until")
    return [
        LicenceSource(
            "core.CompanyLicence",
            ("licence_type",),
            Q(),
            (*licence_values, "holder"),
            lambda row: row["holder"],
            _licence_label,
            lambda row: reverse("core:companylicence_detail", args=[row["pk"]]),
        ),
        LicenceSource(
            "suppliers.SupplierLicence",
            ("supplier_id", "licence_type"),
            Q(supplier__is_active=True),
            (*licence_values, "supplier__name"),
            lambda row: row["supplier__name"],
            _licence_label,
            url("suppliers:supplierlicence_detail"),
        ),
        LicenceSource(
            "customers.CustomerLicence",
            ("customer_id", "licence_type"),
            Q(customer__is_active=True),
            (*licence_values, "customer__name"),
            lambda row: row["customer__name"],
            _licence_label,
            url("customers:customerlicence_detail"),
        ),
        LicenceSource(
            "catalog.ManufacturerLicence",
            ("manufacturer_id", "licence_type"),
            Q(manufacturer__is_active=True),
            (*licence_values, "manufacturer__name"),
            lambda row: row["manufacturer__name"],
            _licence_label,
            url("catalog:manufacturerlicence_detail"),
        ),
        LicenceSource(
            "suppliers.SalesRepAuthorisation",
            ("supplier_id", "id_number"),
            Q(supplier__is_active=True),
            ("pk", "valid_until", "rep_name", "supplier__name"),
            lambda row: row["supplier__name"],
            lambda row: (
                _("sales representative authorisation of %(rep)s") % {"rep": row["rep_name"]}
            ),
            url("suppliers:salesrepauthorisation_detail"),
        ),
    ]


def _reverse_or_blank(make: Callable[[dict], str], row: dict) -> str:
    from django.urls import NoReverseMatch

    try:
        return make(row)
    except NoReverseMatch:
        return ""


def licence_expiries(run_date: datetime.date) -> JobResult:
    from django.apps import apps as registry

    from apps.catalog.models import Product

    horizon = run_date + datetime.timedelta(days=LICENCE_NOTICE_DAYS)
    findings = []
    for source in _sources():
        model = registry.get_model(source.model_path)
        rows = (
            model.objects.filter(source.active, valid_until__isnull=False, valid_until__lte=horizon)
            .exclude(_superseded(model, source.owner_fields))
            .order_by("valid_until", "pk")
            .values(*source.values)
        )
        label = model._meta.label_lower
        for row in rows:
            until = row["valid_until"]
            findings.append(
                Finding(
                    subject_key=f"{label}:{row['pk']}",
                    severity=_licence_severity((until - run_date).days),
                    message=_expiry_message(
                        source.holder(row), source.document(row), until, run_date
                    ),
                    link=_reverse_or_blank(source.link, row),
                )
            )
    products = (
        Product.objects.filter(
            is_active=True,
            registration_valid_until__isnull=False,
            registration_valid_until__lte=horizon,
        )
        .order_by("registration_valid_until", "code")
        .values("pk", "code", "name", "registration_number", "registration_valid_until")
    )
    for row in products:
        until = row["registration_valid_until"]
        findings.append(
            Finding(
                subject_key=f"catalog.product:{row['pk']}",
                severity=_licence_severity((until - run_date).days),
                message=_expiry_message(
                    f"{row['code']} {row['name']}",
                    _("registration certificate %(number)s")
                    % {"number": row["registration_number"]},
                    until,
                    run_date,
                ),
                link=reverse("catalog:product_detail", args=[row["pk"]]),
            )
        )
    return JobResult(findings)


# ------------------------------------------------------------------------ min/max


def minmax_stock(run_date: datetime.date) -> JobResult:
    from apps.inventory.selectors import minmax_alerts

    rows = minmax_alerts().values(
        "pk", "code", "name", "spec", "unit", "stock", "min_stock", "max_stock"
    )
    base = reverse("inventory:minmax_report")
    findings = []
    for row in rows:
        product = f"{row['code']} {row['name']} {row['spec']}".strip()
        below = row["min_stock"] is not None and row["stock"] < row["min_stock"]
        if below:
            message = _(
                "%(product)s: qualified stock %(stock)s %(unit)s is below the minimum %(limit)s."
            ) % {
                "product": product,
                "stock": row["stock"],
                "unit": row["unit"],
                "limit": row["min_stock"],
            }
            severity = Severity.DANGER if row["stock"] <= 0 else Severity.WARNING
        else:
            message = _(
                "%(product)s: qualified stock %(stock)s %(unit)s is above the maximum %(limit)s."
            ) % {
                "product": product,
                "stock": row["stock"],
                "unit": row["unit"],
                "limit": row["max_stock"],
            }
            severity = Severity.INFO
        findings.append(
            Finding(
                subject_key=f"product:{row['pk']}:{'below' if below else 'above'}",
                severity=severity,
                message=message,
                link=f"{base}?{urlencode({'q': row['code']})}",
            )
        )
    return JobResult(findings)


# -------------------------------------------------------------------- temperature


def _url(name: str, *args) -> str:
    from django.urls import NoReverseMatch

    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _half_day_labels(values) -> str:
    labels = {"am": _("morning"), "pm": _("afternoon")}
    return ", ".join(str(labels.get(value, value)) for value in values)


def temperature_records(run_date: datetime.date) -> JobResult:
    """Missing and out-of-range temperature/humidity logs of the day before the run.

    The storage records' selectors (apps.gsp_records.storage.selectors) are imported
    here, lazily, so this app does not depend on that one: without them the run is
    recorded "not available" and the open temperature alerts are left as they are.
    `temperature_gaps(day)` gives (location, missing half-days) pairs,
    `temperature_out_of_range(day)` the logs with a reading out of range. One alert per
    location and condition: a gap that lasts several days stays one alert whose message
    names the latest day."""
    try:
        selectors = importlib.import_module(STORAGE_SELECTORS)
        gaps_of = selectors.temperature_gaps
        out_of_range_of = selectors.temperature_out_of_range
    except (ImportError, AttributeError) as error:
        logger.warning("temperature alerts not available: %s", error)
        return JobResult(
            status=RunStatus.UNAVAILABLE,
            note=_("The temperature records are not available: %(error)s") % {"error": error},
        )
    day = run_date - datetime.timedelta(days=1)
    findings = []
    new_log = _url("gsp_storage:temperaturelog_create")
    for location, missing in gaps_of(day):
        findings.append(
            Finding(
                subject_key=f"gap:{location.pk}",
                severity=Severity.WARNING,
                message=_("%(location)s: no temperature and humidity record on %(day)s (%(when)s).")
                % {"location": location, "day": fmt(day), "when": _half_day_labels(missing)},
                link=new_log,
            )
        )
    for log in out_of_range_of(day):
        findings.append(
            Finding(
                subject_key=f"range:{log.location_id}",
                severity=Severity.DANGER,
                message=_(
                    "%(location)s: out of range on %(day)s: %(readings)s (record %(number)s)."
                )
                % {
                    "location": log.location,
                    "day": fmt(day),
                    "readings": log.out_of_range_text(),
                    "number": log.number,
                },
                link=log.get_absolute_url(),
            )
        )
    return JobResult(findings)


# ------------------------------------------------------------------ nonconforming


def nonconforming_stock(run_date: datetime.date) -> JobResult:
    from apps.inventory.models import StockBalance, StockMove, Zone
    from apps.inventory.selectors import day_start

    cutoff = day_start(run_date - datetime.timedelta(days=NONCONFORMING_DAYS))
    arrived = (
        StockMove.objects.filter(lot_id=OuterRef("lot_id"), to_location_id=OuterRef("location_id"))
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    rows = (
        StockBalance.objects.filter(location__zone=Zone.NONCONFORMING, on_hand__gt=0)
        .annotate(arrived=Subquery(arrived))
        .filter(arrived__lt=cutoff)
        .order_by("arrived", "pk")
        .values(
            "pk",
            "lot_id",
            "on_hand",
            "arrived",
            "lot__batch_number",
            "product__code",
            "product__name",
            "location__code",
            "location__warehouse__code",
        )
    )
    findings = []
    for row in rows:
        findings.append(
            Finding(
                subject_key=f"balance:{row['pk']}",
                severity=Severity.WARNING,
                message=_(
                    "%(product)s batch %(batch)s: %(quantity)s in the nonconforming location "
                    "%(location)s since %(since)s, more than six months; dispose of it."
                )
                % {
                    "product": f"{row['product__code']} {row['product__name']}",
                    "batch": row["lot__batch_number"],
                    "quantity": row["on_hand"],
                    "location": f"{row['location__warehouse__code']}/{row['location__code']}",
                    "since": fmt(timezone.localdate(row["arrived"])),
                },
                link=reverse("inventory:lot_detail", args=[row["lot_id"]]),
            )
        )
    return JobResult(findings)


JOBS: dict[str, Callable[[datetime.date], JobResult]] = {
    AlertKind.EXPIRY: expiry_digest,
    AlertKind.LICENCES: licence_expiries,
    AlertKind.MINMAX: minmax_stock,
    AlertKind.TEMPERATURE: temperature_records,
    AlertKind.NONCONFORMING: nonconforming_stock,
}
