"""Warehouse GSP records (DESIGN.md 9): temperature and humidity logs (库房温湿度记录表),
maintenance inspections (库存商品养护检查记录), equipment use (养护设备使用记录) and
calibration cards of compulsorily calibrated instruments (强制检定工作计量器具历史记录卡).

Each record is a `GspRecord`: numbered, authored, signed, then immutable (model, queryset
and the database triggers added in this app's migrations). Lines of an inspection are
frozen with their inspection by a line trigger. A calibration card is signed once when it
is opened; each later calibration is its own signed `CalibrationEntry` on the card, so the
card's history grows without any signed row changing.
"""

from __future__ import annotations

import calendar
import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import StorageCondition
from apps.core.exceptions import DomainError
from apps.core.models import today
from apps.gsp_records.models import GspRecord, locked_error
from apps.inventory.models import Location, Lot, Warehouse

# Temperature range (°C, inclusive) each storage condition allows: the ranges printed in
# the catalog's storage condition labels. Relative humidity must stay within 35-75 percent
# in every storage area (GSP 医疗器械经营质量管理规范附录, 库房温湿度).
CONDITION_TEMPERATURE = {
    StorageCondition.AMBIENT: (Decimal(0), Decimal(30)),
    StorageCondition.COOL: (Decimal(0), Decimal(20)),
    StorageCondition.COLD: (Decimal(2), Decimal(8)),
}
HUMIDITY_RANGE = (Decimal(35), Decimal(75))

TEMPERATURE_VALIDATORS = [MinValueValidator(Decimal(-40)), MaxValueValidator(Decimal(60))]
HUMIDITY_VALIDATORS = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


def _base_constraints():
    return list(GspRecord.Meta.constraints)


def _not_in_future(day: datetime.date | None, field: str = "record_date") -> None:
    if day and day > today():
        raise ValidationError(
            {field: gettext("The date %(date)s is in the future.") % {"date": day.isoformat()}}
        )


def add_months(day: datetime.date, months: int) -> datetime.date:
    """`day` plus whole months, clamped to the end of a shorter month (Jan 31 + 1 = Feb 28)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def temperature_field(label):
    return models.DecimalField(
        label,
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=TEMPERATURE_VALIDATORS,
        help_text=_("°C, between -40 and 60."),
    )


def humidity_field(label):
    return models.DecimalField(
        label,
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=HUMIDITY_VALIDATORS,
        help_text=_("Relative humidity in percent, 0 to 100."),
    )


# ---------------------------------------------------------------------------- temperature


class HalfDay(models.TextChoices):
    MORNING = "am", _("Morning")
    AFTERNOON = "pm", _("Afternoon")


class TemperatureLog(GspRecord):
    """One storage area's readings of one day: morning and afternoon, highest and lowest.

    The area's storage condition is copied when the log is saved, so a log keeps the
    limits it was judged against. `out_of_range` is recomputed on every save.
    """

    number_prefix = "WSD"

    location = models.ForeignKey(
        Location,
        verbose_name=_("storage area"),
        on_delete=models.PROTECT,
        related_name="temperature_logs",
    )
    storage_condition = models.CharField(
        _("storage condition"), max_length=10, choices=StorageCondition.choices, editable=False
    )
    am_temperature = temperature_field(_("morning temperature (°C)"))
    am_humidity = humidity_field(_("morning humidity (percent)"))
    pm_temperature = temperature_field(_("afternoon temperature (°C)"))
    pm_humidity = humidity_field(_("afternoon humidity (percent)"))
    max_temperature = temperature_field(_("highest temperature (°C)"))
    min_temperature = temperature_field(_("lowest temperature (°C)"))
    measures = models.TextField(
        _("measures taken"),
        blank=True,
        help_text=_("Required before signing when a reading is out of range."),
    )
    remarks = models.CharField(_("remarks"), max_length=300, blank=True)
    out_of_range = models.BooleanField(_("out of range"), default=False, editable=False)

    class Meta(GspRecord.Meta):
        verbose_name = _("temperature and humidity log")
        verbose_name_plural = _("temperature and humidity logs")
        ordering = ["-record_date", "location__warehouse__code", "location__code", "-number"]
        permissions = [("sign_temperaturelog", "Can sign temperature and humidity log")]
        constraints = [
            *_base_constraints(),
            # One log per area and day; a correction references the log it replaces.
            models.UniqueConstraint(
                fields=["location", "record_date"],
                condition=Q(corrects__isnull=True),
                name="temperaturelog_one_per_area_and_day",
                violation_error_message=_("This storage area already has a log for that day."),
            ),
            models.CheckConstraint(
                condition=Q(max_temperature__isnull=True)
                | Q(min_temperature__isnull=True)
                | Q(max_temperature__gte=F("min_temperature")),
                name="temperaturelog_max_not_below_min",
                violation_error_message=_(
                    "The highest temperature is below the lowest temperature."
                ),
            ),
        ]
        indexes = [models.Index(fields=["record_date", "location"], name="templog_date_loc_idx")]

    def get_absolute_url(self) -> str:
        return reverse("gsp_storage:temperaturelog_detail", args=[self.pk])

    # readings ------------------------------------------------------------------------
    def temperature_range(self) -> tuple[Decimal, Decimal]:
        condition = self.storage_condition or (self.location.storage_condition)
        return CONDITION_TEMPERATURE.get(condition, CONDITION_TEMPERATURE["ambient"])

    def readings(self) -> list[tuple[str, str, Decimal | None]]:
        """(field name, kind "t" or "h", value) of every reading."""
        return [
            ("am_temperature", "t", self.am_temperature),
            ("am_humidity", "h", self.am_humidity),
            ("pm_temperature", "t", self.pm_temperature),
            ("pm_humidity", "h", self.pm_humidity),
            ("max_temperature", "t", self.max_temperature),
            ("min_temperature", "t", self.min_temperature),
        ]

    def out_of_range_fields(self) -> list[str]:
        """Names of the readings outside the area's limits."""
        low_t, high_t = self.temperature_range()
        low_h, high_h = HUMIDITY_RANGE
        flagged = []
        for name, kind, value in self.readings():
            if value is None:
                continue
            low, high = (low_t, high_t) if kind == "t" else (low_h, high_h)
            if value < low or value > high:
                flagged.append(name)
        return flagged

    def out_of_range_text(self) -> str:
        """ "morning temperature (°C) 9.5 (2-8)" for each flagged reading."""
        low_t, high_t = self.temperature_range()
        parts = []
        for name in self.out_of_range_fields():
            value = getattr(self, name)
            low, high = (low_t, high_t) if "temperature" in name else HUMIDITY_RANGE
            parts.append(f"{self._meta.get_field(name).verbose_name} {value} ({low:g}–{high:g})")
        return "; ".join(parts)

    def clean(self):
        super().clean()
        _not_in_future(self.record_date)
        if self.location_id:
            self.storage_condition = self.location.storage_condition

    def save(self, *args, **kwargs):
        if not self.storage_condition and self.location_id:
            self.storage_condition = self.location.storage_condition
        self.out_of_range = bool(self.out_of_range_fields())
        super().save(*args, **kwargs)

    def check_signable(self) -> None:
        missing = [
            str(self._meta.get_field(name).verbose_name)
            for name in ("am_temperature", "am_humidity", "pm_temperature", "pm_humidity")
            if getattr(self, name) is None
        ]
        if missing:
            raise DomainError(
                gettext("Enter every reading before signing: %(fields)s is missing.")
                % {"fields": ", ".join(missing)}
            )
        if self.out_of_range_fields() and not self.measures.strip():
            raise DomainError(
                gettext(
                    "A reading is out of range (%(readings)s): describe the measures taken "
                    "before signing."
                )
                % {"readings": self.out_of_range_text()},
                field="measures",
            )


# ---------------------------------------------------------------------------- inspections


class Treatment(models.TextChoices):
    NORMAL = "normal", _("Normal, keep in stock")
    REINSPECT = "reinspect", _("Re-inspect (notify quality)")
    OTHER = "other", _("Other (see remarks)")


class MaintenanceInspection(GspRecord):
    """库存商品养护检查记录: the keeper's check of lots in stock, one line per lot and
    location. Signed inspections set each lot's last inspection date (the worklist)."""

    number_prefix = "YH"

    warehouse = models.ForeignKey(
        Warehouse,
        verbose_name=_("warehouse"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    remarks = models.TextField(_("remarks"), blank=True)

    class Meta(GspRecord.Meta):
        verbose_name = _("maintenance inspection")
        verbose_name_plural = _("maintenance inspections")
        permissions = [("sign_maintenanceinspection", "Can sign maintenance inspection")]
        constraints = _base_constraints()

    def get_absolute_url(self) -> str:
        return reverse("gsp_storage:maintenanceinspection_detail", args=[self.pk])

    def clean(self):
        super().clean()
        _not_in_future(self.record_date)

    def check_signable(self) -> None:
        if not self.lines.exists():
            raise DomainError(gettext("An inspection needs at least one line before signing."))


class InspectionLine(models.Model):
    inspection = models.ForeignKey(
        MaintenanceInspection,
        verbose_name=_("maintenance inspection"),
        on_delete=models.CASCADE,
        related_name="lines",
    )
    lot = models.ForeignKey(
        Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="inspection_lines"
    )
    location = models.ForeignKey(
        Location, verbose_name=_("location"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(
        _("quantity"), validators=[MinValueValidator(1), MaxValueValidator(10_000_000)]
    )
    appearance = models.CharField(_("appearance and packaging"), max_length=200)
    treatment = models.CharField(
        _("treatment"), max_length=12, choices=Treatment.choices, default=Treatment.NORMAL
    )
    remarks = models.CharField(_("remarks"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("inspection line")
        verbose_name_plural = _("inspection lines")
        ordering = ["inspection_id", "pk"]
        indexes = [models.Index(fields=["lot", "inspection"], name="inspline_lot_idx")]

    def __str__(self) -> str:
        return f"{self.inspection_id}: {self.lot_id}"

    def save(self, *args, **kwargs):
        self._refuse_if_signed()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._refuse_if_signed()
        return super().delete(*args, **kwargs)

    def clean(self):
        if not (self.appearance or "").strip():
            raise ValidationError({"appearance": gettext("Describe the appearance.")})
        if self.treatment == Treatment.OTHER and not (self.remarks or "").strip():
            raise ValidationError(
                {"remarks": gettext("Say in the remarks what is done with the lot.")}
            )

    def _refuse_if_signed(self):
        if self.inspection_id and self.inspection.is_signed:
            raise locked_error(self.inspection)


# ---------------------------------------------------------------------------- equipment


class EquipmentUse(GspRecord):
    """养护设备使用记录: one run of a maintenance device (dehumidifier, air conditioner,
    refrigerator) in one storage room."""

    number_prefix = "SB"

    equipment_name = models.CharField(_("equipment"), max_length=100)
    model_spec = models.CharField(_("model / specification"), max_length=100, blank=True)
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("storage room"), on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    running_condition = models.CharField(_("running condition"), max_length=200, blank=True)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("operator"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    remarks = models.CharField(_("remarks"), max_length=300, blank=True)

    class Meta(GspRecord.Meta):
        verbose_name = _("equipment use")
        verbose_name_plural = _("equipment use records")
        ordering = ["-started_at", "-number"]
        permissions = [("sign_equipmentuse", "Can sign equipment use")]
        constraints = [
            *_base_constraints(),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gt=F("started_at")),
                name="equipmentuse_end_after_start",
                violation_error_message=_("The end time must be after the start time."),
            ),
        ]

    def get_absolute_url(self) -> str:
        return reverse("gsp_storage:equipmentuse_detail", args=[self.pk])

    def clean(self):
        super().clean()
        _not_in_future(self.record_date)
        if self.started_at and self.ended_at and self.ended_at <= self.started_at:
            raise ValidationError(
                {"ended_at": gettext("The end time must be after the start time.")}
            )

    def check_signable(self) -> None:
        if self.ended_at is None:
            raise DomainError(gettext("Enter the end time before signing."), field="ended_at")
        if not self.running_condition.strip():
            raise DomainError(
                gettext("Describe the running condition before signing."),
                field="running_condition",
            )


# ---------------------------------------------------------------------------- calibration


class CalibrationCard(GspRecord):
    """强制检定工作计量器具历史记录卡: one instrument; calibrations are its entries."""

    number_prefix = "JL"

    instrument_name = models.CharField(_("instrument"), max_length=100)
    calibrating_body = models.CharField(_("calibrating body"), max_length=100)
    department = models.CharField(_("department using it"), max_length=100)
    manufacturer = models.CharField(_("manufacturer"), max_length=100, blank=True)
    serial_number = models.CharField(_("serial number"), max_length=60)
    model = models.CharField(_("model"), max_length=60, blank=True)
    scale_interval = models.CharField(_("scale interval"), max_length=40, blank=True)
    measuring_range = models.CharField(_("measuring range"), max_length=60, blank=True)
    accuracy_class = models.CharField(_("accuracy class"), max_length=40, blank=True)
    cycle_months = models.PositiveSmallIntegerField(
        _("calibration cycle (months)"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    spot_check_conclusion = models.CharField(
        _("conclusion of the government spot check"), max_length=200, blank=True
    )

    class Meta(GspRecord.Meta):
        verbose_name = _("calibration card")
        verbose_name_plural = _("calibration cards")
        ordering = ["instrument_name", "serial_number", "-number"]
        permissions = [("sign_calibrationcard", "Can sign calibration card")]
        constraints = _base_constraints()

    def get_absolute_url(self) -> str:
        return reverse("gsp_storage:calibrationcard_detail", args=[self.pk])

    def clean(self):
        super().clean()
        _not_in_future(self.record_date)

    def next_due(self, last_calibrated: datetime.date | None) -> datetime.date | None:
        """The next calibration date after the last signed calibration, if any."""
        if last_calibrated is None:
            return None
        return add_months(last_calibrated, self.cycle_months)


class CalibrationEntry(GspRecord):
    """One calibration of a card's instrument, signed on its own."""

    number_prefix = "JD"

    card = models.ForeignKey(
        CalibrationCard,
        verbose_name=_("calibration card"),
        on_delete=models.PROTECT,
        related_name="entries",
    )
    calibration_date = models.DateField(_("calibration date"))
    original_record_number = models.CharField(_("original record number"), max_length=60)
    repair = models.CharField(_("repair"), max_length=200, blank=True)
    conclusion = models.CharField(_("conclusion"), max_length=200)
    calibrator = models.CharField(_("calibrated by"), max_length=60)

    class Meta(GspRecord.Meta):
        verbose_name = _("calibration")
        verbose_name_plural = _("calibrations")
        ordering = ["-calibration_date", "-number"]
        permissions = [("sign_calibrationentry", "Can sign calibration")]
        constraints = _base_constraints()

    def get_absolute_url(self) -> str:
        return reverse("gsp_storage:calibrationentry_detail", args=[self.pk])

    def clean(self):
        super().clean()
        _not_in_future(self.record_date)
        _not_in_future(self.calibration_date, "calibration_date")
