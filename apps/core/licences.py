"""The licence rules of DESIGN.md 4.1, in one place.

`may_trade(counterparty, product, on_date)` returns a `TradeCheck` listing every reason
the counterparty may not trade the product on that date (empty when it may). It is
used at the control points of purchasing and sales. The counterparty (a supplier or a
customer) and the product describe themselves through two methods, so this module
does not import the apps above it:

- `counterparty.trade_blockers(product, on_date) -> list[Blocker]`
- `product.trade_blockers(on_date) -> list[Blocker]`

The helpers below do the licence arithmetic those methods share.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .exceptions import TradeNotAllowed
from .models import (
    BUSINESS_TYPES,
    DEVICE_SCOPE_TYPES,
    CompanyLicence,
    CompanySettings,
    DeviceClass,
    Licence,
    LicenceType,
    today,
)


@dataclass(frozen=True)
class Blocker:
    """One reason trading is not allowed. `code` is stable, `message` is translated."""

    code: str
    message: str


@dataclass
class TradeCheck:
    blockers: list[Blocker] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.blockers

    def __bool__(self) -> bool:
        return self.ok

    @property
    def messages(self) -> list[str]:
        return [b.message for b in self.blockers]

    def raise_if_blocked(self) -> None:
        if self.blockers:
            raise TradeNotAllowed(self.blockers)


def fmt(day: datetime.date | None) -> str:
    return date_format(day, "Y-m-d") if day else ""


def _newest(licences: list[Licence]) -> Licence | None:
    dated = [lic for lic in licences if lic.valid_until is not None]
    if len(dated) < len(licences):
        return next(lic for lic in licences if lic.valid_until is None)
    return max(dated, key=lambda lic: lic.valid_until) if dated else None


def _describe_invalid(lic: Licence, holder: str, on_date: datetime.date) -> str:
    if lic.issued_on > on_date:
        return _("%(holder)s: %(type)s %(number)s is only valid from %(issued)s.") % {
            "holder": holder,
            "type": lic.get_licence_type_display(),
            "number": lic.number,
            "issued": fmt(lic.issued_on),
        }
    return _("%(holder)s: %(type)s %(number)s expired on %(until)s.") % {
        "holder": holder,
        "type": lic.get_licence_type_display(),
        "number": lic.number,
        "until": fmt(lic.valid_until),
    }


def business_licence_blockers(
    licences: Iterable[Licence], *, holder: str, on_date: datetime.date
) -> list[Blocker]:
    """The holder needs a business licence (or institution certificate) valid on the date."""
    business = [lic for lic in licences if lic.licence_type in BUSINESS_TYPES]
    if any(lic.is_valid_on(on_date) for lic in business):
        return []
    newest = _newest(business)
    if newest is None:
        return [
            Blocker(
                "business_licence_missing",
                _("%(holder)s has no business licence on file.") % {"holder": holder},
            )
        ]
    return [Blocker("business_licence_expired", _describe_invalid(newest, holder, on_date))]


def operating_scope_blockers(
    licences: Iterable[Licence],
    *,
    holder: str,
    product,
    on_date: datetime.date,
    extra_device_types: Iterable[str] = (),
    covers_everything_types: Iterable[str] = (),
) -> list[Blocker]:
    """The holder needs an operating licence valid on the date whose scope covers the product.

    Class I devices need none. Drugs need a drug operating licence. `covers_everything_types`
    are licence types that cover any device or drug (a hospital's practice licence).
    """
    licences = list(licences)
    everything = set(covers_everything_types)
    if any(lic.licence_type in everything and lic.is_valid_on(on_date) for lic in licences):
        return []
    if getattr(product, "is_drug", False):
        drug = [lic for lic in licences if lic.licence_type == LicenceType.DRUG_OPERATING]
        if any(lic.is_valid_on(on_date) for lic in drug):
            return []
        newest = _newest(drug)
        if newest is not None:
            return [Blocker("drug_licence_expired", _describe_invalid(newest, holder, on_date))]
        return [
            Blocker(
                "drug_licence_missing",
                _("%(holder)s has no drug operating licence for %(product)s.")
                % {"holder": holder, "product": product},
            )
        ]
    device_class = product.device_class
    if device_class is None or device_class == DeviceClass.CLASS_I:
        return []
    types = set(DEVICE_SCOPE_TYPES) | set(extra_device_types) | everything
    in_scope = [
        lic
        for lic in licences
        if lic.licence_type in types
        and (lic.licence_type in everything or device_class in (lic.scope_classes or []))
    ]
    category_code = product.category.code
    covering = [
        lic
        for lic in in_scope
        if lic.licence_type in everything or lic.covers_category(category_code)
    ]
    if any(lic.is_valid_on(on_date) for lic in covering):
        return []
    label = DeviceClass(device_class).label
    if covering:
        newest = _newest(covering)
        return [Blocker("operating_licence_expired", _describe_invalid(newest, holder, on_date))]
    if in_scope:
        return [
            Blocker(
                "category_out_of_scope",
                _(
                    "%(holder)s: no operating licence covers category %(code)s %(name)s "
                    "of %(product)s."
                )
                % {
                    "holder": holder,
                    "code": category_code,
                    "name": product.category.name,
                    "product": product,
                },
            )
        ]
    return [
        Blocker(
            "class_out_of_scope",
            _("%(holder)s has no operating licence for %(cls)s devices (%(product)s).")
            % {"holder": holder, "cls": label, "product": product},
        )
    ]


def company_licences() -> list[CompanyLicence]:
    """Our own licences with their scopes (two queries), for checking many products."""
    return list(CompanyLicence.objects.prefetch_related("scope_categories"))


def company_valid_licences(kinds, on_date: datetime.date) -> dict[str, CompanyLicence]:
    """Our licence of each type in `kinds` valid on `on_date` (the one running longest),
    in one query; for printing our licence numbers on documents."""
    found: dict[str, CompanyLicence] = {}
    rows = CompanyLicence.objects.filter(licence_type__in=list(kinds)).order_by(
        "licence_type", "-valid_until", "-issued_on"
    )
    for licence in rows:
        if licence.licence_type not in found and licence.is_valid_on(on_date):
            found[licence.licence_type] = licence
    return found


def company_blockers(product, on_date: datetime.date) -> list[Blocker]:
    """Our own company must hold the business and operating licences for the product."""
    company = CompanySettings.load()
    holder = company.name or _("Our company")
    licences = company_licences()
    return business_licence_blockers(
        licences, holder=holder, on_date=on_date
    ) + operating_scope_blockers(licences, holder=holder, product=product, on_date=on_date)


def may_trade(counterparty, product, on_date: datetime.date | None = None) -> TradeCheck:
    """Every reason `counterparty` may not trade `product` on `on_date` (default today)."""
    on_date = on_date or today()
    blockers: list[Blocker] = []
    blockers += company_blockers(product, on_date)
    blockers += counterparty.trade_blockers(product, on_date)
    blockers += product.trade_blockers(on_date)
    return TradeCheck(blockers)


def assert_may_trade(counterparty, product, on_date: datetime.date | None = None) -> None:
    """Raise `TradeNotAllowed` naming every missing or expired document."""
    may_trade(counterparty, product, on_date).raise_if_blocked()
