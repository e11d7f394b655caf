"""Tables of the catalog lists (django-tables2), with export-friendly values."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from apps.core.approvals import APPROVAL_SIGNED_FIELDS
from apps.core.models import ApprovalStatus, today
from apps.core.tables import (
    EditColumn,
    LicenceScopeColumn,
    LicenceTable,
    TradeStatusColumn,
    badge,
)

from .models import (
    Category,
    Manufacturer,
    ManufacturerLicence,
    Product,
    ProductFirstApproval,
    StorageGroup,
)

REGISTRATION_WARNING_DAYS = 30

APPROVAL_BADGES = {
    ApprovalStatus.DRAFT: "secondary",
    ApprovalStatus.SUBMITTED: "warning",
    ApprovalStatus.QUALITY_APPROVED: "info",
    ApprovalStatus.APPROVED: "success",
    ApprovalStatus.REJECTED: "danger",
}


def registration_state(valid_until, on_date=None) -> tuple[str, int | None]:
    """("expired" | "expiring" | "valid" | "none", days left) of a registration certificate.

    "expiring" means at most 30 days left; "none" is a filing without an expiry date.
    """
    if valid_until is None:
        return "none", None
    left = (valid_until - (on_date or today())).days
    if left < 0:
        return "expired", left
    if left <= REGISTRATION_WARNING_DAYS:
        return "expiring", left
    return "valid", left


class RegistrationExpiryColumn(tables.Column):
    """The registration expiry date: red when expired, amber within 30 days."""

    def __init__(self, **kwargs):
        kwargs.setdefault("verbose_name", _("registration valid until"))
        kwargs.setdefault("accessor", "registration_valid_until")
        super().__init__(**kwargs)

    def render(self, value, record):
        text = value.isoformat()
        state, left = registration_state(value)
        if state == "expired":
            return format_html(
                '<span class="badge text-bg-danger registration-expired" title="{}">{}</span>',
                _("Expired %(days)d days ago") % {"days": -left},
                text,
            )
        if state == "expiring":
            return format_html(
                '<span class="badge text-bg-warning registration-expiring" title="{}">{}</span>',
                _("%(days)d days left") % {"days": left},
                text,
            )
        return text

    def value(self, value, record):
        return value.isoformat() if value else ""


class ApprovalStatusColumn(tables.Column):
    """Badge of the first-time approval status ("not applied" when there is none)."""

    empty_values = ()

    def __init__(self, **kwargs):
        kwargs.setdefault("verbose_name", _("first-time approval"))
        kwargs.setdefault("accessor", "first_approval__status")
        kwargs.setdefault("orderable", True)
        super().__init__(**kwargs)

    @staticmethod
    def _label(record):
        approval = getattr(record, "first_approval", None)
        if approval is None:
            return None, _("Not applied for")
        return approval.status, approval.get_status_display()

    def render(self, record):
        status, label = self._label(record)
        return badge(label, APPROVAL_BADGES.get(status, "light"))

    def value(self, record):
        return str(self._label(record)[1])


class ProductTradeColumn(TradeStatusColumn):
    """Whether the product itself may be traded today (registration, approval, not stopped)."""

    default_verbose_name = _("may be traded")

    def blockers(self, record) -> list:
        return record.trade_blockers(today())

    def value(self, record):
        blockers = self.blockers(record)
        return "; ".join(b.message for b in blockers) if blockers else str(_("Yes"))


TABLE_ATTRS = {"class": "table table-sm table-hover align-middle"}


class CategoryTable(tables.Table):
    code = tables.Column(linkify=("catalog:category_detail", {"pk": tables.A("pk")}))
    name = tables.Column(linkify=("catalog:category_detail", {"pk": tables.A("pk")}))
    parent = tables.Column(accessor="parent__code", verbose_name=_("parent category"))
    is_active = tables.BooleanColumn()

    class Meta:
        model = Category
        fields = ("code", "name", "parent", "kind", "is_active")
        attrs = TABLE_ATTRS


class ManufacturerTable(tables.Table):
    code = tables.Column(linkify=("catalog:manufacturer_detail", {"pk": tables.A("pk")}))
    name = tables.Column(linkify=("catalog:manufacturer_detail", {"pk": tables.A("pk")}))
    is_active = tables.BooleanColumn()

    class Meta:
        model = Manufacturer
        fields = ("code", "name", "country", "contact_person", "phone", "is_active")
        attrs = TABLE_ATTRS


class ManufacturerLicenceTable(LicenceTable):
    """Licences on the manufacturer's page, each with its edit link."""

    licence_type = tables.Column(
        linkify=("catalog:manufacturerlicence_detail", {"pk": tables.A("pk")})
    )
    scope = LicenceScopeColumn()
    edit = EditColumn()

    class Meta(LicenceTable.Meta):
        model = ManufacturerLicence
        fields = (*LicenceTable.Meta.fields, "scope", "edit")


NOWRAP = {"td": {"class": "text-nowrap"}}


class ProductTable(tables.Table):
    code = tables.Column(linkify=("catalog:product_detail", {"pk": tables.A("pk")}), attrs=NOWRAP)
    name = tables.Column(linkify=("catalog:product_detail", {"pk": tables.A("pk")}))
    category = tables.Column(accessor="category__code", verbose_name=_("category"), attrs=NOWRAP)
    manufacturer = tables.Column(accessor="manufacturer__name", verbose_name=_("manufacturer"))
    registration_number = tables.Column(attrs=NOWRAP)
    registration_valid_until = RegistrationExpiryColumn(attrs=NOWRAP)
    national_wholesale_price = tables.Column(attrs={"td": {"class": "text-nowrap text-end"}})
    approval = ApprovalStatusColumn(attrs=NOWRAP)
    trade = ProductTradeColumn(attrs=NOWRAP)

    class Meta:
        model = Product
        fields = (
            "code",
            "name",
            "spec",
            "unit",
            "device_class",
            "category",
            "manufacturer",
            "registration_number",
            "registration_valid_until",
            "national_wholesale_price",
            "storage_condition",
            "approval",
            "trade",
        )
        attrs = TABLE_ATTRS
        row_attrs = {"class": lambda record: "table-secondary" if not record.is_active else ""}

    def render_name(self, value, record):
        flags = []
        if record.is_controlled:
            flags.append(badge(_("Controlled"), "dark"))
        if record.is_stopped:
            flags.append(badge(_("Stopped"), "danger"))
        if not flags:
            return value
        return format_html("{} {}", value, format_html_join(" ", "{}", ((f,) for f in flags)))

    def value_name(self, value, record):
        return value


class ProductFirstApprovalTable(tables.Table):
    product_code = tables.Column(
        accessor="product__code",
        verbose_name=_("product code"),
        linkify=("catalog:productfirstapproval_detail", {"pk": tables.A("pk")}),
    )
    product = tables.Column(
        linkify=("catalog:productfirstapproval_detail", {"pk": tables.A("pk")}),
        order_by=("product__name",),
    )
    status = tables.Column()
    submitted_by = tables.Column()
    quality_by = tables.Column()
    manager_by = tables.Column()

    class Meta:
        model = ProductFirstApproval
        fields = (
            "product_code",
            "product",
            "status",
            *APPROVAL_SIGNED_FIELDS,
        )
        attrs = TABLE_ATTRS

    def render_status(self, value, record):
        return badge(record.get_status_display(), APPROVAL_BADGES.get(record.status, "light"))

    def value_status(self, value, record):
        return str(record.get_status_display())


class StorageGroupTable(tables.Table):
    code = tables.Column(linkify=("catalog:storagegroup_detail", {"pk": tables.A("pk")}))
    name = tables.Column(linkify=("catalog:storagegroup_detail", {"pk": tables.A("pk")}))
    incompatible_with = tables.Column(
        verbose_name=_("incompatible with"), empty_values=(), orderable=False
    )

    class Meta:
        model = StorageGroup
        fields = ("code", "name", "incompatible_with")
        attrs = TABLE_ATTRS

    def render_incompatible_with(self, record):
        # Reads the prefetched groups: no query per row.
        return ", ".join(str(group) for group in record.incompatible_with.all()) or "—"

    def value_incompatible_with(self, record):
        return ", ".join(group.code for group in record.incompatible_with.all())
