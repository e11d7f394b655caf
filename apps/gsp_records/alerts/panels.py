"""Dashboard panel: the user's open alerts, most severe first, each with an acknowledge
button (a POST to gsp_alerts:alert_acknowledge)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .models import AlertJob, Severity
from .services import alerts_for_user, by_severity, role_codes

PANEL_LIMIT = 20


def open_alerts_panel(request):
    user = request.user
    if not user.has_perm("gsp_alerts.view_alert"):
        return None
    roles = role_codes(user)
    qs = alerts_for_user(user, roles=roles)
    shown = list(by_severity(qs)[:PANEL_LIMIT])
    if not shown:
        return None
    total = len(shown) if len(shown) < PANEL_LIMIT else qs.count()
    may_ack = user.has_perm("gsp_alerts.acknowledge_alert")
    kinds = None
    if may_ack and not user.is_superuser:
        kinds = set(
            AlertJob.objects.filter(roles__overlap=list(roles)).values_list("code", flat=True)
        )
    for alert in shown:
        alert.may_acknowledge = may_ack and (kinds is None or alert.kind in kinds)
    return {
        "title": _("Open alerts (%(n)d)") % {"n": total},
        "template": "gsp_alerts/panel.html",
        "context": {"alerts": shown, "more": total > len(shown)},
        "order": 5,
        "width": 12,
        "alert": any(a.severity == Severity.DANGER for a in shown),
    }
