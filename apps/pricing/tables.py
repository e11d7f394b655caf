"""Tables of the pricing lists. Rows read only selected or annotated data, so a list costs
the same number of queries for 5 or 500 rows."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from apps.core.tables import badge

from .models import CrossDiscount, NationalPrice, NoticeStatus, PriceChangeNotice

ISO_DATE = "Y-m-d"
MONEY_ATTRS = {"td": {"class": "text-nowrap text-end"}, "th": {"class": "text-end"}}
NOWRAP = {"td": {"class": "text-nowrap"}}
STATUS_BADGES = {
    NoticeStatus.DRAFT: "secondary",
    NoticeStatus.EXECUTED: "success",
    NoticeStatus.CANCELLED: "dark",
}


class NationalPriceTable(tables.Table):
    product_code = tables.Column(
        accessor="product__code",
        verbose_name=_("product code"),
        linkify=("catalog:product_detail", {"pk": tables.A("product_id")}),
        attrs=NOWRAP,
    )
    product = tables.Column(accessor="product__name", verbose_name=_("product"))
    spec = tables.Column(accessor="product__spec", verbose_name=_("specification / model"))
    price = tables.Column(
        attrs=MONEY_ATTRS, linkify=("pricing:nationalprice_detail", {"pk": tables.A("pk")})
    )
    effective_from = tables.DateColumn(format=ISO_DATE, attrs=NOWRAP)
    notice = tables.Column(
        accessor="notice__number",
        verbose_name=_("price-change notice"),
        linkify=("pricing:pricechangenotice_detail", {"pk": tables.A("notice_id")}),
        attrs=NOWRAP,
    )
    voided = tables.BooleanColumn()
    created_by = tables.Column(accessor="created_by__username", verbose_name=_("recorded by"))
    created_at = tables.DateTimeColumn(format="Y-m-d H:i", attrs=NOWRAP)

    class Meta:
        model = NationalPrice
        fields = (
            "product_code",
            "product",
            "spec",
            "price",
            "effective_from",
            "notice",
            "voided",
            "created_by",
            "created_at",
        )
        attrs = {"class": "table table-sm table-hover align-middle"}
        row_attrs = {
            "class": lambda record: (
                "text-muted text-decoration-line-through" if record.voided else ""
            )
        }
        order_by = ("product_code", "-effective_from")


class StatusColumn(tables.Column):
    def render(self, value, record):
        return badge(value, STATUS_BADGES.get(record.status, "secondary"))


class PriceChangeNoticeTable(tables.Table):
    number = tables.Column(linkify=True, attrs=NOWRAP)
    document_ref = tables.Column()
    effective_date = tables.DateColumn(format=ISO_DATE, attrs=NOWRAP)
    status = StatusColumn()
    line_count = tables.Column(
        verbose_name=_("products"), attrs=MONEY_ATTRS, order_by=("line_count",)
    )
    created_by = tables.Column(accessor="created_by__username", verbose_name=_("prepared by"))
    executed_by = tables.Column(accessor="executed_by__username", verbose_name=_("executed by"))
    executed_at = tables.DateTimeColumn(format="Y-m-d H:i", attrs=NOWRAP)

    class Meta:
        model = PriceChangeNotice
        fields = (
            "number",
            "document_ref",
            "effective_date",
            "status",
            "line_count",
            "created_by",
            "executed_by",
            "executed_at",
        )
        attrs = {"class": "table table-sm table-hover align-middle"}


class CrossDiscountTable(tables.Table):
    level = tables.Column(
        empty_values=(),
        verbose_name=_("level"),
        order_by=("customer_class", "customer", "category", "product"),
        attrs=NOWRAP,
    )
    who = tables.Column(
        empty_values=(),
        verbose_name=_("customer or class"),
        order_by=("customer__code", "customer_class__code"),
        linkify=lambda record: record.get_absolute_url(),
    )
    what = tables.Column(
        empty_values=(),
        verbose_name=_("product or category"),
        order_by=("product__code", "category__code"),
    )
    rate_pct = tables.Column(attrs=MONEY_ATTRS)
    floor_price = tables.Column(attrs=MONEY_ATTRS)
    is_active = tables.BooleanColumn()
    note = tables.Column()

    class Meta:
        model = CrossDiscount
        fields = ("level", "who", "what", "rate_pct", "floor_price", "is_active", "note")
        attrs = {"class": "table table-sm table-hover align-middle"}
        row_attrs = {"class": lambda record: "table-secondary" if not record.is_active else ""}

    def render_level(self, record):
        return record.get_level_display()

    def value_level(self, record):
        return record.get_level_display()

    def render_who(self, record):
        if record.customer_id:
            return f"{record.customer.code} {record.customer.name}"
        return f"{record.customer_class.code} {record.customer_class.name}"

    def render_what(self, record):
        if record.product_id:
            return f"{record.product.code} {record.product}"
        return str(record.category)
