"""Staff forms of the quality records."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from apps.core.forms import DATE_WIDGET, StyledModelForm
from apps.inventory.models import Location, Lot, Zone

from .models import (
    HealthCheck,
    QualityFeedback,
    QualityInquiry,
    ReinspectionNotice,
    StopSaleNotice,
    TrainingRecord,
)

TEXTAREA = forms.Textarea(attrs={"rows": 3})


def active_users():
    return get_user_model().objects.filter(is_active=True).order_by("username")


def lot_choices():
    return Lot.objects.select_related("product").order_by("product__code", "batch_number")


def sellable_locations():
    return (
        Location.objects.filter(is_active=True)
        .exclude(zone=Zone.NONCONFORMING)
        .select_related("warehouse")
        .order_by("warehouse__code", "code")
    )


class StopSaleNoticeForm(StyledModelForm):
    class Meta:
        model = StopSaleNotice
        fields = (
            "record_date",
            "lot",
            "location",
            "quantity",
            "findings",
            "treatment",
            "notice_date",
            "related_documents",
            "handler",
        )
        widgets = {
            "record_date": DATE_WIDGET,
            "notice_date": DATE_WIDGET,
            "findings": TEXTAREA,
            "treatment": TEXTAREA,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lot"].queryset = lot_choices()
        self.fields["location"].queryset = sellable_locations()
        self.fields["handler"].queryset = active_users()


class ReinspectionNoticeForm(StyledModelForm):
    """The keeper's part while the notice is a draft; once issued the keeper's part is
    fixed (it stopped the lot) and users who may sign enter the re-inspection result."""

    wants_user = True

    class Meta:
        model = ReinspectionNotice
        fields = (
            "record_date",
            *ReinspectionNotice.KEEPER_FIELDS,
            *ReinspectionNotice.RESULT_FIELDS,
        )
        widgets = {
            "record_date": DATE_WIDGET,
            "expiry_date": DATE_WIDGET,
            "problem": TEXTAREA,
            "conclusion": TEXTAREA,
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        notice = self.instance
        self.fields["lot"].queryset = lot_choices()
        self.fields["location"].queryset = sellable_locations()
        self.fields["stop_sale_notice"].queryset = StopSaleNotice.objects.signed().select_related(
            "lot__product"
        )
        self.fields["nonconforming_location"].queryset = Location.objects.filter(
            zone=Zone.NONCONFORMING, is_active=True
        ).select_related("warehouse")
        self.fields["expiry_date"].help_text = _("Empty: the lot's expiry date.")
        # A correction (new, filled with a signed notice's values) fixes texts only.
        if notice.corrects_id or (notice.pk is None and self.initial.get("result")):
            for name in ("lot", "stop_sale_notice", "result", "nonconforming_location"):
                self.fields[name].disabled = True
            return
        if notice.is_issued:
            for name in ("record_date", *ReinspectionNotice.KEEPER_FIELDS):
                self.fields[name].disabled = True
        may_enter_result = (
            notice.is_issued
            and user is not None
            and user.has_perm("gsp_quality.sign_reinspectionnotice")
        )
        if not may_enter_result:
            for name in ReinspectionNotice.RESULT_FIELDS:
                del self.fields[name]


class QualityInquiryForm(StyledModelForm):
    class Meta:
        model = QualityInquiry
        fields = (
            "record_date",
            "inquiring_unit",
            "letter_number",
            "letter_date",
            "product",
            "quantity",
            "amount",
            "batch_number",
            "origin",
            "reason",
            "investigation",
            "result",
        )
        widgets = {
            "record_date": DATE_WIDGET,
            "letter_date": DATE_WIDGET,
            "reason": TEXTAREA,
            "investigation": TEXTAREA,
            "result": TEXTAREA,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = self.fields["product"].queryset.order_by("code")


class QualityFeedbackForm(StyledModelForm):
    class Meta:
        model = QualityFeedback
        fields = (
            "record_date",
            "department",
            "level",
            "situation",
            "reporter",
            "report_date",
            "department_opinion",
            "department_handler",
            "department_date",
            "quality_opinion",
            "quality_handler",
            "quality_date",
            "other_opinion",
            "other_handler",
            "other_date",
            "copy_to",
        )
        widgets = {
            "record_date": DATE_WIDGET,
            "report_date": DATE_WIDGET,
            "department_date": DATE_WIDGET,
            "quality_date": DATE_WIDGET,
            "other_date": DATE_WIDGET,
            "situation": TEXTAREA,
            "department_opinion": TEXTAREA,
            "quality_opinion": TEXTAREA,
            "other_opinion": TEXTAREA,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("reporter", "department_handler", "quality_handler", "other_handler"):
            self.fields[name].queryset = active_users()


class HealthCheckForm(StyledModelForm):
    class Meta:
        model = HealthCheck
        fields = (
            "record_date",
            "file_number",
            "user",
            "name",
            "age",
            "sex",
            "post",
            "quality_post",
            "check_year",
            "status",
            "status_details",
            "transfer_date",
            "remarks",
        )
        widgets = {
            "record_date": DATE_WIDGET,
            "transfer_date": DATE_WIDGET,
            "status_details": TEXTAREA,
            "remarks": TEXTAREA,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = active_users()
        self.fields["name"].help_text = _("Empty: the staff member's name.")


class TrainingRecordForm(StyledModelForm):
    class Meta:
        model = TrainingRecord
        fields = ("record_date", "topic", "trainer", "hours", "attendees", "assessment", "remarks")
        widgets = {
            "record_date": DATE_WIDGET,
            "attendees": TEXTAREA,
            "assessment": TEXTAREA,
            "remarks": TEXTAREA,
        }
