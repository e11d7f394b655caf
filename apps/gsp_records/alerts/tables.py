"""Tables of the alert pages."""

from __future__ import annotations

import django_tables2 as tables
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from apps.core.tables import badge

from .models import Alert, AlertJob


class AlertTable(tables.Table):
    severity = tables.Column(verbose_name=_("severity"))
    kind = tables.Column(verbose_name=_("kind"))
    message = tables.Column(verbose_name=_("message"), orderable=False)
    first_seen = tables.DateColumn(format="Y-m-d", verbose_name=_("first seen"))
    last_seen = tables.DateColumn(format="Y-m-d", verbose_name=_("last seen"))
    state = tables.Column(verbose_name=_("state"), empty_values=(), orderable=False)
    action = tables.Column(
        verbose_name="", empty_values=(), orderable=False, exclude_from_export=True
    )

    class Meta:
        model = Alert
        fields = ("severity", "kind", "message", "first_seen", "last_seen")
        attrs = {"class": "table table-sm table-hover align-middle alert-table"}
        row_attrs = {"data-alert": lambda record: record.pk}

    def __init__(self, *args, request=None, acknowledgeable=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        # Kinds the user may acknowledge (None: every kind).
        self.acknowledgeable = acknowledgeable

    def render_severity(self, value, record):
        return badge(record.get_severity_display(), record.css)

    def render_kind(self, value, record):
        return record.get_kind_display()

    def render_message(self, value, record):
        if record.link:
            return format_html('<a href="{}">{}</a>', record.link, value)
        return value

    def render_state(self, record):
        if record.acknowledged_at:
            return format_html(
                "{} {}<div class='small text-muted'>{}</div>",
                _("Acknowledged by"),
                record.acknowledged_by,
                timezone.localtime(record.acknowledged_at).strftime("%Y-%m-%d %H:%M"),
            )
        if record.resolved_at:
            return _("Resolved")
        return badge(_("Open"), "primary")

    def value_state(self, record):
        if record.acknowledged_at:
            return f"{_('Acknowledged by')} {record.acknowledged_by}"
        return str(_("Resolved") if record.resolved_at else _("Open"))

    def render_action(self, record):
        if not record.is_open or self.request is None or self.acknowledgeable is False:
            return ""
        if self.acknowledgeable is not None and record.kind not in self.acknowledgeable:
            return ""
        return format_html(
            '<form method="post" action="{}"><input type="hidden" name="csrfmiddlewaretoken" '
            'value="{}"><input type="hidden" name="next" value="{}">'
            '<button class="btn btn-outline-secondary btn-sm" type="submit">{}</button></form>',
            reverse("gsp_alerts:alert_acknowledge", args=[record.pk]),
            get_token(self.request),
            self.request.get_full_path(),
            _("Acknowledge"),
        )


class AlertJobTable(tables.Table):
    code = tables.Column(verbose_name=_("job"), linkify=True)
    roles = tables.Column(verbose_name=_("recipients' roles"), orderable=False)

    class Meta:
        model = AlertJob
        fields = ("code", "enabled", "run_time", "roles", "last_run_at")
        attrs = {"class": "table table-sm table-hover"}

    def render_code(self, record):
        return record.get_code_display()

    def render_roles(self, value):
        from apps.core.roles import ROLE_BY_CODE

        return ", ".join(str(ROLE_BY_CODE[c].label) for c in value if c in ROLE_BY_CODE)

    def render_run_time(self, value):
        return value.strftime("%H:%M")
