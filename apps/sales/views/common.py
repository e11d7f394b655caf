"""Helpers shared by the sales staff pages."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import F, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse

from apps.core.crud import CrudListView
from apps.core.exceptions import DomainError
from apps.inventory.expiry import BAND_CSS, band_for

ZERO = Value(0)


def sum_subquery(queryset, expression):
    """A correlated SUM as an integer annotation (0 when there are no rows)."""
    total = (
        queryset.order_by()
        .annotate(_one=Value(1))
        .values("_one")
        .annotate(total=Sum(expression))
        .values("total")
    )
    return Coalesce(Subquery(total, output_field=IntegerField()), ZERO)


def quantity_of(model, fk: str):
    """Total quantity of the lines of each document (`fk` names the document)."""
    return sum_subquery(model.objects.filter(**{fk: OuterRef("pk")}), F("quantity"))


def with_band(obj, expiry_date):
    """Attach the expiry colour band (4.6) and its Bootstrap class to `obj`."""
    obj.band = band_for(expiry_date)
    obj.band_css = BAND_CSS[obj.band]
    return obj


def error_messages(request, error: DomainError) -> None:
    for message in error.messages:
        messages.error(request, message)


def form_error_messages(request, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


class SalesListView(CrudListView):
    """A generic list whose "New" button leads to this app's own create page."""

    create_url_name: str | None = None
    create_permission: str | None = None

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        allowed = (
            ctx["can_add"]
            if self.create_permission is None
            else user.has_perm(self.create_permission)
        )
        ctx["create_url"] = (
            reverse(self.create_url_name) if self.create_url_name and allowed else None
        )
        return ctx
