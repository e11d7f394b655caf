"""Search and filters of the catalog lists."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.filters import SearchFilterSet
from apps.core.models import ApprovalStatus, DeviceClass

from .models import (
    Category,
    Manufacturer,
    Product,
    ProductFirstApproval,
    ProductKind,
    StorageGroup,
)

NO_APPROVAL = "none"


def _boolean_filter(label):
    """Yes / no / any, as a plain select (the default null-boolean one says "Unknown")."""
    return django_filters.BooleanFilter(
        label=label,
        widget=forms.Select(choices=(("", _("Any")), ("true", _("Yes")), ("false", _("No")))),
    )


class CategoryFilterSet(SearchFilterSet):
    search_fields = ("code", "name")
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=ProductKind.choices)
    is_active = _boolean_filter(_("active"))

    class Meta:
        model = Category
        fields = ("q", "kind", "is_active")


class ManufacturerFilterSet(SearchFilterSet):
    search_fields = ("code", "name", "mnemonic", "country", "contact_person")
    is_active = _boolean_filter(_("active"))

    class Meta:
        model = Manufacturer
        fields = ("q", "is_active")


class ProductFilterSet(SearchFilterSet):
    """Free text over codes, names, spec, mnemonic (pinyin initials), registration number
    and barcode, plus the master-data filters."""

    search_fields = (
        "code",
        "name",
        "generic_name",
        "spec",
        "mnemonic",
        "registration_number",
        "barcode",
    )
    category = django_filters.ModelChoiceFilter(
        label=_("category"), queryset=Category.objects.all()
    )
    manufacturer = django_filters.ModelChoiceFilter(
        label=_("manufacturer"), queryset=Manufacturer.objects.all()
    )
    device_class = django_filters.ChoiceFilter(label=_("device class"), choices=DeviceClass.choices)
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=ProductKind.choices)
    storage_condition = django_filters.ChoiceFilter(
        label=_("storage condition"),
        choices=Product._meta.get_field("storage_condition").choices,
    )
    storage_group = django_filters.ModelChoiceFilter(
        label=_("storage group"), queryset=StorageGroup.objects.all()
    )
    is_controlled = _boolean_filter(_("specially controlled"))
    is_active = _boolean_filter(_("active"))
    is_stopped = _boolean_filter(_("sale stopped"))
    approval_status = django_filters.ChoiceFilter(
        label=_("first-time approval"),
        choices=((NO_APPROVAL, _("Not applied for")), *ApprovalStatus.choices),
        method="filter_approval_status",
    )

    class Meta:
        model = Product
        fields = (
            "q",
            "category",
            "manufacturer",
            "device_class",
            "kind",
            "storage_condition",
            "storage_group",
            "is_controlled",
            "is_active",
            "is_stopped",
            "approval_status",
        )

    def filter_approval_status(self, queryset, name, value):
        if not value:
            return queryset
        if value == NO_APPROVAL:
            return queryset.filter(first_approval__isnull=True)
        return queryset.filter(first_approval__status=value)


class ProductFirstApprovalFilterSet(SearchFilterSet):
    search_fields = ("product__code", "product__name", "product__mnemonic", "product__spec")
    status = django_filters.ChoiceFilter(label=_("status"), choices=ApprovalStatus.choices)

    class Meta:
        model = ProductFirstApproval
        fields = ("q", "status")


class StorageGroupFilterSet(SearchFilterSet):
    search_fields = ("code", "name")
    incompatible_with = django_filters.ModelChoiceFilter(
        label=_("incompatible with"), queryset=StorageGroup.objects.all()
    )

    class Meta:
        model = StorageGroup
        fields = ("q", "incompatible_with")
