"""Quality GSP records (DESIGN.md 9): re-inspection and stop-sale notices, quality
inquiries and feedback, staff health checks and training.

The two notices change stock through the inventory service: a re-inspection notice
stops its lot when the keeper issues it and ends the stop (released or nonconforming)
when the quality department signs the result; a stop-sale notice stops its lot when it
is signed and is released later by a re-inspection notice that references it. Data
that changes after a notice is signed lives in another row (the inventory hold, the
re-inspection notice), because a signed row never changes.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import Product
from apps.core.exceptions import DomainError, SegregationOfDutiesError
from apps.core.models import today
from apps.gsp_records.models import GspRecord
from apps.inventory.models import HoldStatus, Location, Lot, LotHold, Zone

REINSPECTION_SOURCE = "gsp_quality.reinspectionnotice"
STOP_SALE_SOURCE = "gsp_quality.stopsalenotice"


def _not_future(value: datetime.date | None, field: str, errors: dict) -> None:
    if value and value > today():
        errors[field] = gettext("This date is in the future.")


def _detail_url(record) -> str:
    return reverse(f"gsp_quality:{record._meta.model_name}_detail", args=[record.pk])


def _same_as_original(record, names: tuple[str, ...]) -> dict:
    """A correction of a notice fixes its texts, not what it did to the stock."""
    errors = {}
    original = record.corrects
    for name in names:
        attname = record._meta.get_field(name).attname
        if getattr(record, attname) != getattr(original, attname):
            errors[name] = gettext(
                "A correction cannot change this: the original already acted on the stock."
            )
    return errors


# ---------------------------------------------------------------------------- notices


class StopSaleNotice(GspRecord):
    """商品停售通知单: the head of quality stops a lot from sale; signing freezes it."""

    get_absolute_url = _detail_url
    number_prefix = "TS"

    lot = models.ForeignKey(Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(
        Location,
        verbose_name=_("storage location"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    quantity = models.PositiveIntegerField(
        _("quantity"), validators=[MinValueValidator(1), MaxValueValidator(10_000_000)]
    )
    findings = models.TextField(_("inspection findings"))
    treatment = models.TextField(_("treatment"))
    notice_date = models.DateField(_("notice date"), default=today)
    related_documents = models.CharField(
        _("related documents (date and number)"), max_length=200, blank=True
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Set when the notice is signed: the inventory stop-sale it created.
    hold = models.ForeignKey(
        LotHold,
        verbose_name=_("stop-sale"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )

    class Meta(GspRecord.Meta):
        verbose_name = _("stop-sale notice")
        verbose_name_plural = _("stop-sale notices")
        permissions = [("sign_stopsalenotice", "Can sign stop-sale notice")]

    def clean(self):
        super().clean()
        errors = {}
        _not_future(self.record_date, "record_date", errors)
        _not_future(self.notice_date, "notice_date", errors)
        if self.location_id and self.lot_id and self.location.zone == Zone.NONCONFORMING:
            errors["location"] = gettext(
                "This location is in the nonconforming zone; its stock is not for sale anyway."
            )
        if self.corrects_id:
            errors.update(_same_as_original(self, ("lot",)))
        if errors:
            raise ValidationError(errors)

    def on_sign(self, user) -> None:
        if self.handler_id == user.pk:
            raise SegregationOfDutiesError(
                gettext(
                    "%(number)s names you as the handler; the head of quality who signs "
                    "must be someone else."
                )
                % {"number": self.number}
            )
        if self.corrects_id:
            # The original already stopped the lot; the correction only fixes its texts.
            self.hold_id = self.corrects.hold_id
            return
        from apps.inventory.operations import lot_stop

        self.hold = lot_stop(
            lot=self.lot,
            user=user,
            reason=f"{self.number} {self.findings}"[:300],
            source_type=STOP_SALE_SOURCE,
            source_id=self.pk,
        )


class ReinspectionResult(models.TextChoices):
    QUALIFIED = "qualified", _("Qualified: release the lot")
    NONCONFORMING = "nonconforming", _("Nonconforming: move to the nonconforming zone")


class ReinspectionNotice(GspRecord):
    """商品质量复检通知单: the keeper (author) reports a quality problem of a lot; the head
    of quality issues the notice on receipt (the lot is stopped: only quality may stop a
    lot), enters the re-inspection result and signs (the lot is released or its stock
    moved to the nonconforming zone). The keeper who wrote it cannot sign it."""

    get_absolute_url = _detail_url
    number_prefix = "FJ"
    signer_must_differ = True

    lot = models.ForeignKey(Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(
        Location, verbose_name=_("storage location"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(
        _("quantity"), validators=[MinValueValidator(1), MaxValueValidator(10_000_000)]
    )
    expiry_date = models.DateField(_("expiry / use-by date"), null=True, blank=True)
    problem = models.TextField(_("quality problem"))
    stop_sale_notice = models.ForeignKey(
        StopSaleNotice,
        verbose_name=_("stop-sale notice re-inspected"),
        on_delete=models.PROTECT,
        related_name="reinspections",
        null=True,
        blank=True,
        help_text=_("Choose it to re-inspect a lot stopped by a stop-sale notice."),
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True, editable=False)
    hold = models.ForeignKey(
        LotHold,
        verbose_name=_("stop-sale"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    result = models.CharField(
        _("re-inspection result"), max_length=15, choices=ReinspectionResult.choices, blank=True
    )
    conclusion = models.TextField(_("re-inspection conclusion"), blank=True)
    nonconforming_location = models.ForeignKey(
        Location,
        verbose_name=_("nonconforming location"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        limit_choices_to={"zone": Zone.NONCONFORMING, "is_active": True},
    )

    KEEPER_FIELDS = ("lot", "location", "quantity", "expiry_date", "problem", "stop_sale_notice")
    RESULT_FIELDS = ("result", "conclusion", "nonconforming_location")

    class Meta(GspRecord.Meta):
        verbose_name = _("re-inspection notice")
        verbose_name_plural = _("re-inspection notices")
        permissions = [
            ("sign_reinspectionnotice", "Can sign re-inspection notice"),
            ("issue_reinspectionnotice", "Can issue re-inspection notice"),
        ]
        constraints = [
            *GspRecord.Meta.constraints,
            models.CheckConstraint(
                condition=Q(issued_at__isnull=True) | Q(hold__isnull=False),
                name="gsp_quality_reinspectionnotice_issued_has_hold",
            ),
        ]

    @property
    def is_issued(self) -> bool:
        return self.issued_at is not None

    @property
    def status_label(self) -> str:
        if self.is_signed:
            return gettext("Signed")
        return gettext("Issued, awaiting re-inspection") if self.is_issued else gettext("Draft")

    def clean(self):
        super().clean()
        errors = {}
        _not_future(self.record_date, "record_date", errors)
        if self.lot_id and not self.expiry_date:
            self.expiry_date = self.lot.expiry_date
        if self.location_id and self.location.zone == Zone.NONCONFORMING:
            errors["location"] = gettext(
                "This location is in the nonconforming zone; re-inspect stock that may be sold."
            )
        notice = self.stop_sale_notice if self.stop_sale_notice_id else None
        if notice is not None and self.lot_id and notice.lot_id != self.lot_id:
            errors["stop_sale_notice"] = gettext(
                "Stop-sale notice %(number)s is for lot %(lot)s, not for this lot."
            ) % {"number": notice.number, "lot": notice.lot}
        if self.result == ReinspectionResult.NONCONFORMING and self.nonconforming_location_id:
            if self.nonconforming_location.zone != Zone.NONCONFORMING:
                errors["nonconforming_location"] = gettext(
                    "Choose a location in the nonconforming zone."
                )
        if self.corrects_id:
            errors.update(_same_as_original(self, ("lot", "result", "nonconforming_location")))
            # A correction stands in for the original: same stop, already issued.
            original = self.corrects
            self.hold_id = original.hold_id
            self.issued_by_id = original.issued_by_id
            self.issued_at = original.issued_at
        if errors:
            raise ValidationError(errors)

    def check_signable(self) -> None:
        if not self.is_issued:
            raise DomainError(gettext("Issue the notice before signing it."))
        missing = []
        if not self.result:
            missing.append(str(self._meta.get_field("result").verbose_name))
        if not self.conclusion.strip():
            missing.append(str(self._meta.get_field("conclusion").verbose_name))
        if self.result == ReinspectionResult.NONCONFORMING and not self.nonconforming_location_id:
            missing.append(str(self._meta.get_field("nonconforming_location").verbose_name))
        if missing:
            raise DomainError(
                gettext("Enter before signing: %(fields)s.") % {"fields": ", ".join(missing)}
            )

    def on_sign(self, user) -> None:
        if self.corrects_id:
            return  # the original already ended the stop
        from apps.inventory.operations import lot_hold_resolve

        outcome = (
            HoldStatus.RELEASED
            if self.result == ReinspectionResult.QUALIFIED
            else HoldStatus.NONCONFORMING
        )
        lot_hold_resolve(
            hold=self.hold,
            user=user,
            conclusion=f"{self.number} {self.conclusion}",
            outcome=outcome,
            nonconforming_location=self.nonconforming_location,
        )


# ---------------------------------------------------------------------------- quality office


class QualityInquiry(GspRecord):
    """质量查询登记表: an inquiry about a product's quality and what came of it."""

    get_absolute_url = _detail_url
    number_prefix = "ZC"

    inquiring_unit = models.CharField(_("inquiring unit"), max_length=200)
    letter_number = models.CharField(_("letter number"), max_length=100, blank=True)
    letter_date = models.DateField(_("letter date"), null=True, blank=True)
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(
        _("quantity"), null=True, blank=True, validators=[MaxValueValidator(10_000_000)]
    )
    amount = models.DecimalField(
        _("amount (CNY)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    batch_number = models.CharField(_("batch number"), max_length=50, blank=True)
    origin = models.CharField(_("place of origin"), max_length=100, blank=True)
    reason = models.TextField(_("reason for the inquiry"))
    investigation = models.TextField(_("investigation"), blank=True)
    result = models.TextField(_("result of the inquiry"), blank=True)

    class Meta(GspRecord.Meta):
        verbose_name = _("quality inquiry")
        verbose_name_plural = _("quality inquiries")
        permissions = [("sign_qualityinquiry", "Can sign quality inquiry")]

    def clean(self):
        super().clean()
        errors = {}
        _not_future(self.record_date, "record_date", errors)
        _not_future(self.letter_date, "letter_date", errors)
        if self.letter_date and self.record_date and self.letter_date > self.record_date:
            errors.setdefault(
                "letter_date", gettext("The letter is dated after the inquiry was recorded.")
            )
        if errors:
            raise ValidationError(errors)

    def check_signable(self) -> None:
        missing = [
            str(self._meta.get_field(name).verbose_name)
            for name in ("investigation", "result")
            if not getattr(self, name).strip()
        ]
        if missing:
            raise DomainError(
                gettext("Enter before signing: %(fields)s.") % {"fields": ", ".join(missing)}
            )


class InformationLevel(models.IntegerChoices):
    # The spec's information system: who must hear about it.
    IMPORTANT = 1, _("Level 1: important, to the manager's office and departments concerned")
    SIGNIFICANT = 2, _("Level 2: significant, to the quality office and departments concerned")
    GENERAL = 3, _("Level 3: general, to the head of the reporting department")


OPINIONS = (
    ("department", _("opinion of the reporting department")),
    ("quality", _("opinion of the quality office")),
    ("other", _("opinion of other departments")),
)


class QualityFeedback(GspRecord):
    """商品质量信息反馈单: a quality report and the opinions of the departments."""

    get_absolute_url = _detail_url
    number_prefix = "ZF"

    department = models.CharField(_("reporting department"), max_length=100)
    level = models.PositiveSmallIntegerField(
        _("information level"), choices=InformationLevel.choices
    )
    situation = models.TextField(_("quality situation and team opinion"))
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    report_date = models.DateField(_("report date"), default=today)
    department_opinion = models.TextField(_("opinion of the reporting department"), blank=True)
    department_handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    department_date = models.DateField(_("date"), null=True, blank=True)
    quality_opinion = models.TextField(_("opinion of the quality office"), blank=True)
    quality_handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    quality_date = models.DateField(_("date"), null=True, blank=True)
    other_opinion = models.TextField(_("opinion of other departments"), blank=True)
    other_handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    other_date = models.DateField(_("date"), null=True, blank=True)
    copy_to = models.CharField(_("copy to (departments)"), max_length=200, blank=True)

    # Opinions a level needs before the feedback may be closed (signed).
    REQUIRED_OPINIONS = {
        InformationLevel.IMPORTANT: ("department", "quality", "other"),
        InformationLevel.SIGNIFICANT: ("department", "quality"),
        InformationLevel.GENERAL: ("department",),
    }

    class Meta(GspRecord.Meta):
        verbose_name = _("quality feedback")
        verbose_name_plural = _("quality feedback")
        permissions = [("sign_qualityfeedback", "Can sign quality feedback")]

    def clean(self):
        super().clean()
        errors = {}
        _not_future(self.record_date, "record_date", errors)
        _not_future(self.report_date, "report_date", errors)
        for prefix, label in OPINIONS:
            given = getattr(self, f"{prefix}_opinion").strip()
            date = getattr(self, f"{prefix}_date")
            _not_future(date, f"{prefix}_date", errors)
            if given and not getattr(self, f"{prefix}_handler_id"):
                errors[f"{prefix}_handler"] = gettext("Name who handled the %(opinion)s.") % {
                    "opinion": label
                }
            if given and not date:
                errors.setdefault(f"{prefix}_date", gettext("Enter the date of this opinion."))
            if date and self.report_date and date < self.report_date:
                errors.setdefault(
                    f"{prefix}_date", gettext("An opinion cannot predate the report.")
                )
        if errors:
            raise ValidationError(errors)

    def check_signable(self) -> None:
        missing = [
            str(label)
            for prefix, label in OPINIONS
            if prefix in self.REQUIRED_OPINIONS.get(self.level, ())
            and not getattr(self, f"{prefix}_opinion").strip()
        ]
        if missing:
            raise DomainError(
                gettext("%(level)s needs before closing: %(fields)s.")
                % {"level": self.get_level_display(), "fields": ", ".join(missing)}
            )


# ---------------------------------------------------------------------------- staff


class Sex(models.TextChoices):
    MALE = "m", _("Male")
    FEMALE = "f", _("Female")


class HealthStatus(models.TextChoices):
    FIT = "fit", _("Fit for the post")
    UNFIT = "unfit", _("Unfit for the post")


class HealthCheck(GspRecord):
    """One line of the 健康检查汇总表: one person's yearly health check."""

    get_absolute_url = _detail_url
    number_prefix = "JK"

    file_number = models.CharField(_("file number"), max_length=50)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    age = models.PositiveSmallIntegerField(
        _("age"), validators=[MinValueValidator(16), MaxValueValidator(80)]
    )
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    post = models.CharField(_("current post"), max_length=100)
    quality_post = models.BooleanField(
        _("quality-relevant post"),
        default=True,
        help_text=_("Acceptance, storage, maintenance, dispatch or quality work."),
    )
    check_year = models.PositiveSmallIntegerField(
        _("check year"), validators=[MinValueValidator(2000)]
    )
    status = models.CharField(_("health status"), max_length=5, choices=HealthStatus.choices)
    status_details = models.TextField(_("health details"), blank=True)
    transfer_date = models.DateField(_("transferred on"), null=True, blank=True)
    remarks = models.TextField(_("remarks"), blank=True)

    class Meta(GspRecord.Meta):
        verbose_name = _("health check")
        verbose_name_plural = _("health checks")
        ordering = ["-check_year", "name"]
        permissions = [("sign_healthcheck", "Can sign health check")]

    def __str__(self) -> str:
        return f"{self.number} {self.name} {self.check_year}"

    def clean(self):
        super().clean()
        errors = {}
        if self.user_id and not self.name.strip():
            self.name = self.user.get_full_name() or self.user.get_username()
        if not self.name.strip():
            errors["name"] = gettext("Choose a staff member or enter a name.")
        _not_future(self.record_date, "record_date", errors)
        if self.check_year and self.check_year > today().year:
            errors["check_year"] = gettext("The check year is in the future.")
        if self.status == HealthStatus.UNFIT and not self.status_details.strip():
            errors["status_details"] = gettext("Describe why the person is unfit for the post.")
        if errors:
            raise ValidationError(errors)


class TrainingRecord(GspRecord):
    """培训记录: one training session, its attendees and the assessment."""

    get_absolute_url = _detail_url
    number_prefix = "PX"

    topic = models.CharField(_("topic"), max_length=200)
    trainer = models.CharField(_("trainer"), max_length=100)
    hours = models.DecimalField(
        _("hours"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(0.5), MaxValueValidator(200)],
    )
    attendees = models.TextField(
        _("attendees"), help_text=_("One name per line, or separated by commas.")
    )
    assessment = models.TextField(_("assessment result"), blank=True)
    remarks = models.TextField(_("remarks"), blank=True)

    class Meta(GspRecord.Meta):
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        permissions = [("sign_trainingrecord", "Can sign training record")]

    @property
    def attendee_names(self) -> list[str]:
        text = self.attendees.replace("，", ",").replace("、", ",").replace("\n", ",")
        return [name.strip() for name in text.split(",") if name.strip()]

    def clean(self):
        super().clean()
        errors = {}
        _not_future(self.record_date, "record_date", errors)
        if self.attendees.strip() and not self.attendee_names:
            errors["attendees"] = gettext("Enter at least one attendee.")
        if errors:
            raise ValidationError(errors)

    def check_signable(self) -> None:
        if not self.assessment.strip():
            raise DomainError(
                gettext("Enter the assessment result before signing."), field="assessment"
            )
