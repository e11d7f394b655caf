"""Admin building blocks shared by the apps' ModelAdmins.

`ApprovalAdminMixin` is the admin of a first-time approval (apps.core.models.FirstTimeApproval):
the GSP record of who approved what and when may change only through the approval steps
(apps.core.approvals), so its step fields are read-only, nothing is added by hand and the
admin actions run the same services as the staff pages.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin, messages
from django.utils.translation import gettext

from .approvals import APPROVAL_STEP_FIELDS
from .exceptions import DomainError


class ApprovalAdminMixin:
    """Put before the ModelAdmin base. `approval_subject` names the approved record's field
    (product, supplier); `approval_readonly_extra` lists further read-only fields."""

    approval_subject: str = ""
    approval_readonly_extra: tuple[str, ...] = ()
    list_filter = ("status",)

    def get_readonly_fields(self, request, obj=None):
        return (
            self.approval_subject,
            "status",
            *self.approval_readonly_extra,
            *APPROVAL_STEP_FIELDS,
        )

    def get_list_select_related(self, request):
        return (self.approval_subject, "submitted_by", "quality_by", "manager_by")

    def has_add_permission(self, request):
        # An application starts from the approved record's page, where its rules are checked.
        return False

    def run_approval_step(
        self,
        request,
        queryset,
        step: Callable,
        *,
        only_status: str | None = None,
    ) -> int:
        """Run `step(approval)` (a service call) on each selected approval; report refusals.

        With `only_status`, approvals in another status are skipped with a warning. Returns
        how many succeeded, for the action's own success message.
        """
        done = 0
        for approval in queryset.select_related(self.approval_subject):
            if only_status is not None and approval.status != only_status:
                self.message_user(
                    request,
                    gettext("%(obj)s: skipped, it is %(status)s.")
                    % {"obj": approval, "status": approval.get_status_display()},
                    messages.WARNING,
                )
                continue
            try:
                step(approval)
            except DomainError as error:
                self.message_user(
                    request, f"{approval}: {'; '.join(error.messages)}", messages.ERROR
                )
            else:
                done += 1
        return done


class ReadOnlyAdminMixin:
    """View only: no add, change or delete in the admin. Documents, ledger rows and price
    history change only through their services, which hold the rules."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False
