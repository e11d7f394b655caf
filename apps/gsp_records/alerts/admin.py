from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from apps.core.admin_mixins import ReadOnlyAdminMixin

from .forms import AlertJobForm
from .models import Alert, AlertDigest, AlertJob, JobRun


@admin.register(AlertJob)
class AlertJobAdmin(SimpleHistoryAdmin):
    """The schedule: a manager edits the time, the roles and whether a job runs; the jobs
    themselves are fixed (created by the migration), so none is added or deleted."""

    form = AlertJobForm
    list_display = ("code", "enabled", "run_time", "roles", "last_run_at")
    readonly_fields = ("code", "last_run_at")
    fields = ("code", "enabled", "run_time", "roles", "last_run_at")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "kind",
        "severity",
        "message",
        "first_seen",
        "last_seen",
        "acknowledged_by",
        "acknowledged_at",
        "resolved_at",
    )
    list_filter = ("kind", "severity", "first_seen")
    search_fields = ("message", "subject_key")
    list_select_related = ("acknowledged_by",)


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("job", "run_date", "status", "findings", "started_at", "finished_at")
    list_filter = ("status", "job")
    date_hierarchy = "run_date"


@admin.register(AlertDigest)
class AlertDigestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("date", "recipient", "email", "status", "attempts", "sent_at")
    list_filter = ("status", "date")
    search_fields = ("email", "recipient__username")
    exclude = ("alerts",)
