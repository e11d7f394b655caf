"""The schedule form a manager edits (staff UI and admin)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.forms import StyledModelForm
from apps.core.roles import ROLES

from .models import AlertJob
from .services import LATEST_RUN_TIME


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

    def clean_run_time(self):
        run_time = self.cleaned_data["run_time"]
        if run_time > LATEST_RUN_TIME:
            raise forms.ValidationError(
                _("Choose a time no later than %(latest)s: the dispatcher runs every five minutes.")
                % {"latest": LATEST_RUN_TIME.strftime("%H:%M")}
            )
        return run_time

    def clean(self):
        data = super().clean()
        if data.get("enabled") and not data.get("roles"):
            self.add_error("roles", _("An enabled job needs at least one role to alert."))
        return data
