"""The schedule form a manager edits (staff UI and admin)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.forms import StyledModelForm
from apps.core.roles import ROLES

from .models import AlertJob


class AlertJobForm(StyledModelForm):
    roles = forms.MultipleChoiceField(
        label=_("Recipients' roles"),
        choices=[(role.code, role.label) for role in ROLES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = AlertJob
        fields = ["enabled", "run_time", "roles"]
        widgets = {"run_time": forms.TimeInput(format="%H:%M", attrs={"type": "time"})}
