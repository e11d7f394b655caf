"""Filter helpers for the staff lists."""

import re
from functools import reduce
from operator import or_

import django_filters
from django.db.models import Q
from django.forms import NullBooleanSelect
from django.utils.translation import gettext_lazy as _


class SearchFilterSet(django_filters.FilterSet):
    """A FilterSet with one free-text box `q` searching `search_fields` (icontains).

    Fields named "mnemonic" also match pinyin initials typed in Chinese or Latin letters.
    """

    search_fields: tuple[str, ...] = ()

    q = django_filters.CharFilter(label=_("Search"), method="search")

    @property
    def form(self):
        if not hasattr(self, "_form"):
            from .forms import style_form

            form = super().form
            for field in form.fields.values():
                if isinstance(field.widget, NullBooleanSelect):
                    # Django labels the empty choice "Unknown"; in a filter it means "any".
                    field.widget.choices = [
                        ("unknown", _("Any")),
                        ("true", _("Yes")),
                        ("false", _("No")),
                    ]
            self._form = style_form(form)
        return self._form

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value or not self.search_fields:
            return queryset
        terms = [Q(**{f"{field}__icontains": value}) for field in self.search_fields]
        mnemonic_fields = [f for f in self.search_fields if f.endswith("mnemonic")]
        initials = value.lower()
        if mnemonic_fields and re.fullmatch(r"[0-9a-z]{2,}", initials):
            # 助记码: the typed initials in order, other initials may sit between them,
            # so "yczsq" finds 一次性使用无菌注射器 (ycxsywjzsq).
            pattern = ".*".join(re.escape(ch) for ch in initials)
            terms += [Q(**{f"{field}__regex": pattern}) for field in mnemonic_fields]
        return queryset.filter(reduce(or_, terms))
