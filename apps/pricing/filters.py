"""Search and filters of the pricing staff lists."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import Category, Product
from apps.core.filters import SearchFilterSet
from apps.customers.models import Customer, CustomerClass

from .models import CrossDiscount, DiscountLevel, NationalPrice, NoticeStatus, PriceChangeNotice

DATE = forms.DateInput(attrs={"type": "date"})


class NationalPriceFilter(SearchFilterSet):
    search_fields = ("product__code", "product__name", "product__mnemonic", "notice__number")

    product = django_filters.ModelChoiceFilter(
        label=_("Product"), queryset=Product.objects.order_by("code")
    )
    in_force_on = django_filters.DateFilter(
        label=_("In force on"), method="filter_in_force_on", widget=DATE
    )
    date_from = django_filters.DateFilter(
        field_name="effective_from", lookup_expr="gte", label=_("Effective from"), widget=DATE
    )
    date_to = django_filters.DateFilter(
        field_name="effective_from", lookup_expr="lte", label=_("Effective until"), widget=DATE
    )
    voided = django_filters.BooleanFilter(label=_("Voided"))

    class Meta:
        model = NationalPrice
        fields = ("q", "product", "in_force_on", "date_from", "date_to", "voided")

    def filter_in_force_on(self, queryset, name, value):
        """Only the row in force on that day, per product: not voided, started on or before
        it, and no later such row."""
        if not value:
            return queryset
        later = NationalPrice.objects.filter(
            product=OuterRef("product"),
            voided=False,
            effective_from__lte=value,
            effective_from__gt=OuterRef("effective_from"),
        )
        return queryset.filter(voided=False, effective_from__lte=value).exclude(Exists(later))


class PriceChangeNoticeFilter(SearchFilterSet):
    search_fields = ("number", "document_ref", "reason", "lines__product__code")

    status = django_filters.ChoiceFilter(label=_("Status"), choices=NoticeStatus.choices)
    product = django_filters.ModelChoiceFilter(
        label=_("Product"),
        queryset=Product.objects.order_by("code"),
        method="filter_product",
    )
    date_from = django_filters.DateFilter(
        field_name="effective_date", lookup_expr="gte", label=_("Effective from"), widget=DATE
    )
    date_to = django_filters.DateFilter(
        field_name="effective_date", lookup_expr="lte", label=_("Effective until"), widget=DATE
    )

    class Meta:
        model = PriceChangeNotice
        fields = ("q", "status", "product", "date_from", "date_to")

    def search(self, queryset, name, value):
        return super().search(queryset, name, value).distinct()

    def filter_product(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(lines__product=value).distinct()


LEVEL_FILTERS = {
    DiscountLevel.CUSTOMER_PRODUCT: {"customer__isnull": False, "product__isnull": False},
    DiscountLevel.CUSTOMER_CATEGORY: {"customer__isnull": False, "category__isnull": False},
    DiscountLevel.CLASS_PRODUCT: {"customer_class__isnull": False, "product__isnull": False},
    DiscountLevel.CLASS_CATEGORY: {"customer_class__isnull": False, "category__isnull": False},
}


class CrossDiscountFilter(SearchFilterSet):
    search_fields = (
        "customer__code",
        "customer__name",
        "customer__mnemonic",
        "customer_class__code",
        "customer_class__name",
        "product__code",
        "product__name",
        "product__mnemonic",
        "category__code",
        "category__name",
        "note",
    )

    level = django_filters.ChoiceFilter(
        label=_("Level"),
        choices=[(k.value, k.label) for k in LEVEL_FILTERS],
        method="filter_level",
    )
    customer = django_filters.ModelChoiceFilter(
        label=_("Customer"), queryset=Customer.objects.order_by("code")
    )
    customer_class = django_filters.ModelChoiceFilter(
        label=_("Customer class"), queryset=CustomerClass.objects.order_by("code")
    )
    product = django_filters.ModelChoiceFilter(
        label=_("Product"), queryset=Product.objects.order_by("code")
    )
    category = django_filters.ModelChoiceFilter(
        label=_("Product category"), queryset=Category.objects.order_by("code")
    )
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = CrossDiscount
        fields = ("q", "level", "customer", "customer_class", "product", "category", "is_active")

    def filter_level(self, queryset, name, value):
        conditions = LEVEL_FILTERS.get(DiscountLevel(value)) if value else None
        return queryset.filter(**conditions) if conditions else queryset
