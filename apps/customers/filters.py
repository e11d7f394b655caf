"""Search and filters of the customers staff lists."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from apps.core.filters import SearchFilterSet

from .models import Customer, CustomerClass, CustomerType


class CustomerClassFilter(SearchFilterSet):
    search_fields = ("code", "name")

    class Meta:
        model = CustomerClass
        fields = []


class CustomerFilter(SearchFilterSet):
    search_fields = (
        "code",
        "name",
        "mnemonic",
        "unified_social_credit_code",
        "contact_person",
        "phone",
    )

    customer_type = django_filters.ChoiceFilter(
        label=_("customer type"), choices=CustomerType.choices
    )
    customer_class = django_filters.ModelChoiceFilter(
        label=_("customer class"), queryset=CustomerClass.objects.all()
    )
    is_active = django_filters.BooleanFilter(label=_("active"))

    class Meta:
        model = Customer
        fields = ["customer_type", "customer_class", "is_active"]
