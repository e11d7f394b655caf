"""Table helpers shared by the staff lists."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import DeviceClass, today

LICENCE_STATUS_LABELS = {
    "expired": _("Expired"),
    "expiring": _("Expiring within 30 days"),
    "valid": _("Valid"),
}
LICENCE_STATUS_BADGES = {"expired": "danger", "expiring": "warning", "valid": "success"}


def licence_row_attrs():
    """Row attributes that colour a licence row by status (expired rows are red)."""
    return {"class": lambda record: f"licence-{record.status}"}


class LicenceStatusColumn(tables.Column):
    # valid_until is empty for long-term licences, which are valid, not blank.
    empty_values = ()

    def __init__(self, **kwargs):
        kwargs.setdefault("verbose_name", _("status"))
        kwargs.setdefault("accessor", "valid_until")
        kwargs.setdefault("orderable", True)
        super().__init__(**kwargs)

    def render(self, value, record):
        status = record.status
        left = record.days_left(today())
        label = LICENCE_STATUS_LABELS[status]
        if left is not None and status != "valid":
            label = f"{label} ({left})"
        return format_html(
            '<span class="badge text-bg-{}">{}</span>', LICENCE_STATUS_BADGES[status], label
        )


def badge(text, colour="secondary"):
    return format_html('<span class="badge text-bg-{}">{}</span>', colour, text)


class TradeStatusColumn(tables.Column):
    """Shows whether a record may trade today, every reason in the tooltip.

    Counterparties (suppliers, customers) answer `standing_blockers`; a subclass may read
    other blockers (a product's `trade_blockers`) or use other labels.
    """

    empty_values = ()
    default_verbose_name = _("may trade")
    yes_label = _("Yes")
    no_label = _("No")

    def __init__(self, **kwargs):
        kwargs.setdefault("verbose_name", self.default_verbose_name)
        kwargs.setdefault("orderable", False)
        super().__init__(**kwargs)

    def blockers(self, record) -> list:
        return record.standing_blockers(today())

    def render(self, record):
        blockers = self.blockers(record)
        if not blockers:
            return badge(self.yes_label, "success")
        return format_html(
            '<span class="badge text-bg-danger" title="{}">{}</span>',
            "\n".join(b.message for b in blockers),
            self.no_label,
        )


class EditColumn(tables.Column):
    """A link to the record's edit page (`<app>:<model>_update`)."""

    empty_values = ()

    def __init__(self, **kwargs):
        kwargs.setdefault("verbose_name", "")
        kwargs.setdefault("orderable", False)
        kwargs.setdefault("exclude_from_export", True)
        super().__init__(**kwargs)

    def render(self, record):
        meta = record._meta
        url = reverse(f"{meta.app_label}:{meta.model_name}_update", args=[record.pk])
        return format_html(
            '<a class="btn btn-sm btn-outline-secondary py-0" href="{}">{}</a>', url, _("Edit")
        )


def licence_scope_text(licence, between: str = " · ") -> str:
    """Device classes, then category codes (prefetched), or a dash for no scope."""
    classes = ", ".join(str(DeviceClass(c).label) for c in sorted(licence.scope_classes or []))
    codes = ", ".join(c.code for c in licence.scope_categories.all())
    return between.join(part for part in (classes, codes) if part) or "—"


class LicenceScopeColumn(tables.Column):
    empty_values = ()

    def __init__(self, between: str = " · ", **kwargs):
        self.between = between
        kwargs.setdefault("verbose_name", _("scope"))
        kwargs.setdefault("orderable", False)
        super().__init__(**kwargs)

    def render(self, record):
        return licence_scope_text(record, self.between)


class LicenceTable(tables.Table):
    """Base table of licences; subclasses set Meta.model and add their own columns."""

    licence_type = tables.Column(linkify=True)
    status = LicenceStatusColumn()

    class Meta:
        fields = ("licence_type", "number", "holder", "issued_on", "valid_until", "status")
        row_attrs = licence_row_attrs()
        attrs = {"class": "table table-sm align-middle"}


class CompanyLicenceTable(LicenceTable):
    class Meta(LicenceTable.Meta):
        from .models import CompanyLicence

        model = CompanyLicence
