"""Admin of the quality records: drafts are saved through the record services, signed
records are read-only, nothing is deleted. The notices act on the stock, so they are
read-only here altogether (their steps run on the staff pages)."""

from __future__ import annotations

from django.contrib import admin

from apps.core.admin_mixins import ReadOnlyAdminMixin
from apps.gsp_records import services

from .models import (
    HealthCheck,
    QualityFeedback,
    QualityInquiry,
    ReinspectionNotice,
    StopSaleNotice,
    TrainingRecord,
)

RECORD_READONLY = ("number", "author", "signed_by", "signed_at", "corrects", "correction_reason")


class QualityRecordAdmin(admin.ModelAdmin):
    list_display = ("number", "record_date", "author", "signed_at")
    list_filter = ("record_date",)
    search_fields = ("number",)
    date_hierarchy = "record_date"
    readonly_fields = RECORD_READONLY

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_signed:
            return [f.name for f in self.model._meta.fields]
        return self.readonly_fields

    def has_change_permission(self, request, obj=None):
        # Signed rows open read-only (view permission) and cannot be saved.
        if obj is not None and obj.is_signed:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            services.record_update(record=obj, user=request.user)
        else:
            services.record_create(record=obj, user=request.user)


@admin.register(ReinspectionNotice)
class ReinspectionNoticeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("number", "record_date", "lot", "quantity", "result", "issued_at", "signed_at")
    list_select_related = ("lot__product",)
    search_fields = ("number", "lot__batch_number")


@admin.register(StopSaleNotice)
class StopSaleNoticeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("number", "record_date", "lot", "quantity", "hold", "signed_at")
    list_select_related = ("lot__product", "hold")
    search_fields = ("number", "lot__batch_number")


@admin.register(QualityInquiry)
class QualityInquiryAdmin(QualityRecordAdmin):
    list_display = (
        "number",
        "record_date",
        "inquiring_unit",
        "product",
        "batch_number",
        "signed_at",
    )
    list_select_related = ("product",)
    search_fields = ("number", "inquiring_unit", "batch_number")


@admin.register(QualityFeedback)
class QualityFeedbackAdmin(QualityRecordAdmin):
    list_display = ("number", "record_date", "department", "level", "signed_at")


@admin.register(HealthCheck)
class HealthCheckAdmin(QualityRecordAdmin):
    list_display = ("number", "file_number", "name", "post", "check_year", "status", "signed_at")
    search_fields = ("number", "file_number", "name")


@admin.register(TrainingRecord)
class TrainingRecordAdmin(QualityRecordAdmin):
    list_display = ("number", "record_date", "topic", "trainer", "hours", "signed_at")
    search_fields = ("number", "topic", "trainer")
