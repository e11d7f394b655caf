"""Filters of the alert list: kind, severity, state."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from apps.core.filters import SearchFilterSet

from .models import Alert, AlertKind, Severity, open_alerts_q

STATES = [("open", _("Open")), ("acknowledged", _("Acknowledged")), ("resolved", _("Resolved"))]


class AlertFilter(SearchFilterSet):
    search_fields = ("message",)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=AlertKind.choices)
    severity = django_filters.ChoiceFilter(label=_("Severity"), choices=Severity.choices)
    state = django_filters.ChoiceFilter(label=_("State"), choices=STATES, method="by_state")

    class Meta:
        model = Alert
        fields = ["q", "kind", "severity", "state"]

    def by_state(self, queryset, name, value):
        if value == "open":
            return queryset.filter(open_alerts_q())
        if value == "acknowledged":
            return queryset.filter(acknowledged_at__isnull=False)
        if value == "resolved":
            return queryset.filter(resolved_at__isnull=False, acknowledged_at__isnull=True)
        return queryset
