"""Tables of the supplier pages. Rows read only prefetched data (no query per row)."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from apps.core.approvals import APPROVAL_SIGNED_FIELDS
from apps.core.models import today
from apps.core.tables import (
    EditColumn,
    LicenceScopeColumn,
    LicenceStatusColumn,
    LicenceTable,
    TradeStatusColumn,
    licence_row_attrs,
)

from .models import SalesRepAuthorisation, Supplier, SupplierFirstApproval, SupplierLicence

APPROVAL_BADGES = {
    "approved": "success",
    "rejected": "danger",
    "draft": "secondary",
    "submitted": "warning",
    "quality_approved": "warning",
}


class SupplierTradeStatusColumn(TradeStatusColumn):
    """可交易 / 不可交易 today, every reason in the tooltip."""

    yes_label = _("Tradeable")
    no_label = _("Not tradeable")

    def value(self, record, **kwargs):
        blockers = self.blockers(record)
        if not blockers:
            return str(self.yes_label)
        return "; ".join([str(self.no_label), *(b.message for b in blockers)])


class ApprovalStatusColumn(tables.Column):
    def render(self, value, record):
        approval = record if isinstance(record, SupplierFirstApproval) else None
        if approval is None:
            approval = getattr(record, "first_approval", None)
        if approval is None:
            return format_html(
                '<span class="badge text-bg-light border">{}</span>', _("No first-time file")
            )
        return format_html(
            '<span class="badge text-bg-{}">{}</span>',
            APPROVAL_BADGES.get(approval.status, "secondary"),
            approval.get_status_display(),
        )

    def value(self, value, record):
        approval = record if isinstance(record, SupplierFirstApproval) else None
        approval = approval or getattr(record, "first_approval", None)
        return approval.get_status_display() if approval else str(_("No first-time file"))


def _supplier_row_class(record) -> str:
    return "licence-expired" if record.expired_licences(today()) else ""


class SupplierTable(tables.Table):
    code = tables.Column(linkify=True)
    name = tables.Column(linkify=True)
    approval = ApprovalStatusColumn(
        verbose_name=_("First-time approval"),
        accessor="first_approval__status",
        empty_values=(),
        order_by=("first_approval__status",),
    )
    trade_status = SupplierTradeStatusColumn(verbose_name=_("Trade status"))

    class Meta:
        model = Supplier
        fields = (
            "code",
            "name",
            "unified_social_credit_code",
            "contact_person",
            "phone",
            "is_active",
            "approval",
            "trade_status",
        )
        row_attrs = {"class": _supplier_row_class}


ISO_DATE = "Y-m-d"


class SupplierLicenceTable(LicenceTable):
    """The licences of one supplier (its detail page); expired rows are red."""

    issued_on = tables.DateColumn(format=ISO_DATE)
    scope = LicenceScopeColumn()
    edit = EditColumn()

    class Meta(LicenceTable.Meta):
        model = SupplierLicence
        fields = (*LicenceTable.Meta.fields, "scope", "edit")

    def render_valid_until(self, value):
        return value.isoformat() if value else _("Long-term")


class AllSupplierLicencesTable(SupplierLicenceTable):
    """Licences of every supplier (the licence list and its export)."""

    supplier = tables.Column(linkify=True)

    class Meta(SupplierLicenceTable.Meta):
        fields = ("supplier", *SupplierLicenceTable.Meta.fields)
        sequence = ("supplier", "...")


class SalesRepTable(tables.Table):
    rep_name = tables.Column(linkify=True)
    id_number = tables.Column(
        verbose_name=_("identity card number"),
        accessor="masked_id_number",
        order_by=("id_number",),
    )
    valid_from = tables.DateColumn(format=ISO_DATE)
    valid_until = tables.DateColumn(format=ISO_DATE)
    status = LicenceStatusColumn()
    edit = EditColumn()

    class Meta:
        model = SalesRepAuthorisation
        fields = ("rep_name", "id_number", "phone", "valid_from", "valid_until", "status", "edit")
        row_attrs = licence_row_attrs()
        attrs = {"class": "table table-sm align-middle"}


class SupplierFirstApprovalTable(tables.Table):
    supplier = tables.Column(linkify=lambda record: record.get_absolute_url())
    status = ApprovalStatusColumn(empty_values=())

    class Meta:
        model = SupplierFirstApproval
        fields = (
            "supplier",
            "status",
            *APPROVAL_SIGNED_FIELDS,
        )

    def render_submitted_at(self, value):
        return date_format(localtime(value), "Y-m-d H:i")

    render_quality_at = render_submitted_at
    render_manager_at = render_submitted_at
