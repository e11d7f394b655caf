"""Search and filters of the quality record lists."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.filters import SearchFilterSet

from .models import (
    HealthCheck,
    HealthStatus,
    InformationLevel,
    QualityFeedback,
    QualityInquiry,
    ReinspectionNotice,
    ReinspectionResult,
    StopSaleNotice,
    TrainingRecord,
)

DATE = forms.DateInput(attrs={"type": "date"})


class RecordFilterSet(SearchFilterSet):
    date_from = django_filters.DateFilter(
        field_name="record_date", lookup_expr="gte", label=_("From"), widget=DATE
    )
    date_to = django_filters.DateFilter(
        field_name="record_date", lookup_expr="lte", label=_("To"), widget=DATE
    )
    signed = django_filters.BooleanFilter(
        field_name="signed_at",
        lookup_expr="isnull",
        exclude=True,
        label=_("signed"),
        widget=forms.Select(choices=(("", _("Any")), ("true", _("Yes")), ("false", _("No")))),
    )

    BASE = ("q", "date_from", "date_to", "signed")


LOT_SEARCH = ("number", "lot__batch_number", "lot__product__name", "lot__product__code")


class ReinspectionNoticeFilter(RecordFilterSet):
    search_fields = (*LOT_SEARCH, "problem")
    result = django_filters.ChoiceFilter(label=_("result"), choices=ReinspectionResult.choices)

    class Meta:
        model = ReinspectionNotice
        fields = (*RecordFilterSet.BASE, "result")


class StopSaleNoticeFilter(RecordFilterSet):
    search_fields = (*LOT_SEARCH, "findings")

    class Meta:
        model = StopSaleNotice
        fields = RecordFilterSet.BASE


class QualityInquiryFilter(RecordFilterSet):
    search_fields = ("number", "inquiring_unit", "letter_number", "batch_number", "product__name")

    class Meta:
        model = QualityInquiry
        fields = RecordFilterSet.BASE


class QualityFeedbackFilter(RecordFilterSet):
    search_fields = ("number", "department", "situation")
    level = django_filters.ChoiceFilter(
        label=_("information level"), choices=InformationLevel.choices
    )

    class Meta:
        model = QualityFeedback
        fields = (*RecordFilterSet.BASE, "level")


class HealthCheckFilter(RecordFilterSet):
    search_fields = ("number", "file_number", "name", "post")
    check_year = django_filters.NumberFilter(label=_("check year"))
    status = django_filters.ChoiceFilter(label=_("health status"), choices=HealthStatus.choices)

    class Meta:
        model = HealthCheck
        fields = (*RecordFilterSet.BASE, "check_year", "status")


class TrainingRecordFilter(RecordFilterSet):
    search_fields = ("number", "topic", "trainer", "attendees")

    class Meta:
        model = TrainingRecord
        fields = RecordFilterSet.BASE
