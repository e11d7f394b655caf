"""The reasons a trade is refused reach Chinese users in Chinese.

Every blocker message of the licence rules (core, catalog, suppliers, customers) must
be in the translation catalogue; a message built with an alias gettext cannot see, or
added without a translation, shows up here as English.
"""

import re

import pytest
from django.utils import translation

from apps.catalog.tests.factories import ProductFactory
from apps.core.licences import may_trade
from apps.customers.tests.factories import CustomerFactory
from apps.suppliers.tests.factories import SupplierFactory

pytestmark = pytest.mark.django_db

# Three or more English words in a row means an untranslated sentence (names, numbers
# and dates inside a message are not words of three letters or more in a row).
ENGLISH_SENTENCE = re.compile(r"[A-Za-z]{3,}(?:[ ,:]+[A-Za-z]{3,}){2,}")


def _messages(counterparty):
    product = ProductFactory(is_stopped=True, stop_reason="质量问题")
    with translation.override("zh-hans"):
        return may_trade(counterparty, product).messages


@pytest.mark.parametrize("make", [SupplierFactory, CustomerFactory], ids=["supplier", "customer"])
def test_every_refusal_reason_is_in_chinese(make):
    messages = _messages(make())
    # No company licence, no counterparty licences, product stopped and not approved:
    # reasons from core, catalog and the counterparty's app all appear.
    assert len(messages) >= 4
    english = [m for m in messages if ENGLISH_SENTENCE.search(m)]
    assert english == [], english
