"""Filter forms of the derived GSP records: the same form filters the list page and
validates the parameters of the PDF (it is the `PdfForm.params_form`), so the PDF prints
exactly the rows the page showed.

Products, batches and parties are matched as text (code, name, specification or
mnemonic; batch or serial number), which keeps the PDF parameters plain strings.
"""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.models import today

from .pdf import DateRangeForm

# The list page opens on the last 30 days.
DEFAULT_DAYS = 30


def _text(label, help_text=""):
    return forms.CharField(label=label, required=False, max_length=100, help_text=help_text)


class RecordFilterForm(DateRangeForm):
    """A date range (inclusive, both required), product and batch."""

    product = _text(_("Product"), _("Code, name, specification or mnemonic"))
    batch = _text(_("Batch or serial number"))

    @classmethod
    def defaults(cls) -> dict[str, str]:
        day = today()
        return {
            "date_from": (day - datetime.timedelta(days=DEFAULT_DAYS)).isoformat(),
            "date_to": day.isoformat(),
        }


class SupplierFilterForm(RecordFilterForm):
    party = _text(_("Supplier"), _("Code, name or mnemonic"))


class CustomerFilterForm(RecordFilterForm):
    party = _text(_("Customer"), _("Code, name or mnemonic"))


class AsOfFilterForm(forms.Form):
    """The near-expiry push list: the lots in the yellow and red bands as of one date."""

    date_to = forms.DateField(label=_("As of"))
    product = _text(_("Product"), _("Code, name, specification or mnemonic"))
    batch = _text(_("Batch or serial number"))

    @classmethod
    def defaults(cls) -> dict[str, str]:
        return {"date_to": today().isoformat()}
