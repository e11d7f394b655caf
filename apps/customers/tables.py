"""Tables of the customers staff lists."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext

from apps.core.models import today
from apps.core.tables import (
    LicenceScopeColumn,
    LicenceStatusColumn,
    LicenceTable,
    TradeStatusColumn,
)

from .models import Customer, CustomerClass, CustomerLicence


def has_expired_licence(customer: Customer) -> bool:
    """Any licence of the customer expired today (uses the prefetched licences)."""
    on_date = today()
    return any(
        lic.valid_until is not None and lic.valid_until < on_date for lic in customer.licences.all()
    )


class CustomerTradeStatusColumn(TradeStatusColumn):
    """The shared trade-status badge, exported as plain text with the reasons."""

    def value(self, record):
        blockers = self.blockers(record)
        if not blockers:
            return gettext("Yes")
        return gettext("No") + ": " + " ".join(b.message for b in blockers)


class CustomerClassTable(tables.Table):
    code = tables.Column(linkify=True)

    class Meta:
        model = CustomerClass
        fields = ("code", "name")
        attrs = {"class": "table table-sm table-hover align-middle"}


class CustomerTable(tables.Table):
    code = tables.Column(linkify=True)
    name = tables.Column(linkify=True)
    trade_status = CustomerTradeStatusColumn()

    class Meta:
        model = Customer
        fields = (
            "code",
            "name",
            "customer_type",
            "customer_class",
            "contact_person",
            "phone",
            "credit_limit",
            "payment_terms_days",
            "is_active",
        )
        sequence = (*fields, "trade_status")
        attrs = {"class": "table table-sm table-hover align-middle"}
        # A customer with any expired licence shows red (the reasons are in the badge).
        row_attrs = {
            "class": lambda record: "licence-expired" if has_expired_licence(record) else "",
            "data-customer": lambda record: record.code,
        }


class CustomerLicenceTable(LicenceTable):
    # Long-term licences (no expiry date) show "Valid" rather than an empty cell.
    status = LicenceStatusColumn(empty_values=())
    scope = LicenceScopeColumn(between=", ")

    class Meta(LicenceTable.Meta):
        model = CustomerLicence
        fields = (*LicenceTable.Meta.fields, "scope")
