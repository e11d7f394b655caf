"""The GSP forms that print, and how they print (DESIGN.md 9).

Every printable form registers one `PdfForm`: its code (used in URLs and file names),
its Chinese title and form number, orientation, the permission needed to print or
download it, a parameter form (date range and filters, or one record's pk) and a
`build(params)` that returns the sections to print. Rendering is generic: one template
(`gsp_records/pdf/form.html`) prints the company name and licence number, the title,
the form and document numbers, each section's header fields, its table, its signatures,
"page X of Y" and a QR code that links to the verification page.

    register(PdfForm(code="acceptance", title=_("..."), form_number="GSP-YS-01",
                     permission="purchasing.view_acceptance", build=build_acceptance,
                     params_form=DateRangeForm, landscape=True))

`build(params)` gets the cleaned parameters (dates as `date`, models as instances) and
returns a `Built`: sections of header fields, columns, rows of display strings and
signatures. It must run a fixed number of queries whatever the number of rows.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable
from dataclasses import dataclass, field

import segno
from django import forms
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.core.licences import company_valid_licences
from apps.core.models import CompanySettings, LicenceType, today

FONT_FILE = settings.BASE_DIR / "static" / "fonts" / "NotoSansSC-GB2312.otf"
TEMPLATE = "gsp_records/pdf/form.html"
# Our licence printed under the company name: the Class III operating licence, else the
# Class II filing.
LICENCE_TYPES = (LicenceType.DEVICE_OPERATING, LicenceType.DEVICE_FILING)


@dataclass
class Section:
    """One printed record, or one table of a date-range listing."""

    columns: list[str]
    rows: list[list[str]]
    number: str = ""  # the document number printed with the title
    fields: list[tuple[str, str]] = field(default_factory=list)  # header (label, value)
    signatures: list[tuple[str, str, str]] = field(default_factory=list)  # label, name, date
    notes: list[tuple[str, str]] = field(default_factory=list)  # long texts under the table
    numeric: frozenset[int] = frozenset()  # right-aligned column indexes
    flagged_rows: frozenset[int] = frozenset()  # row indexes printed highlighted


@dataclass
class Built:
    sections: list[Section]
    record_number: str = ""  # set for a one-record PDF
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    subtitle: str = ""  # e.g. the period and filters


class DateRangeForm(forms.Form):
    """Default parameters: a date range (inclusive) of at most ten years."""

    date_from = forms.DateField(label=_("From"))
    date_to = forms.DateField(label=_("To"))

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if start > end:
                raise forms.ValidationError(_("The start date is after the end date."))
            if (end - start).days > 3660:
                raise forms.ValidationError(_("Choose a period of at most ten years."))
        return data


class RecordForm(forms.Form):
    pk = forms.IntegerField(min_value=1)


@dataclass(frozen=True)
class PdfForm:
    code: str
    title: str
    form_number: str
    permission: str
    build: Callable[[dict], Built]
    params_form: type[forms.Form] = DateRangeForm
    landscape: bool = True
    # For the archive's filter: "records" (one PDF per signed record) or "listing".
    kind: str = "listing"

    def clean_params(self, data: dict) -> dict:
        """Validated parameters, or raise forms.ValidationError with every problem."""
        form = self.params_form(data=data)
        if not form.is_valid():
            raise forms.ValidationError(
                [
                    f"{form.fields[name].label if name in form.fields else ''}: {error}".lstrip(
                        ": "
                    )
                    for name, errors in form.errors.items()
                    for error in errors
                ]
            )
        return form.cleaned_data


REGISTRY: dict[str, PdfForm] = {}


def register(form: PdfForm) -> PdfForm:
    if form.code in REGISTRY and REGISTRY[form.code] != form:
        raise ValueError(f"PDF form {form.code!r} registered twice")
    REGISTRY[form.code] = form
    return form


def get_form(code: str) -> PdfForm | None:
    return REGISTRY.get(code)


def _json_value(value):
    if isinstance(value, datetime.date):  # datetimes too: both parse back from ISO
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (list, tuple, set, frozenset)) or hasattr(value, "model"):
        return [_json_value(item) for item in value]  # multiple choices, querysets
    return value


def json_params(cleaned: dict) -> dict:
    """Cleaned parameters as JSON that the same params form cleans back to the same
    values: dates as ISO strings, model instances as pks, decimals as strings."""
    return {
        key: _json_value(value)
        for key, value in cleaned.items()
        if value is not None and value != "" and value != []
    }


# ---------------------------------------------------------------------------- rendering


def company_header() -> dict:
    company = CompanySettings.load()
    found = company_valid_licences(LICENCE_TYPES, today())
    licence = next((found[kind] for kind in LICENCE_TYPES if kind in found), None)
    return {
        "company": company,
        "licence_label": licence.get_licence_type_display() if licence else "",
        "licence_number": licence.number if licence else "",
    }


def verify_url(token) -> str:
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    return f"{base}{reverse('gsp_records:pdf_verify', args=[token])}"


def qr_data_uri(text: str) -> str:
    """The QR code as a small PNG (printed with crisp edges): an image object in the PDF
    that any reader, printer or checker recognises as one."""
    return segno.make(text, error="m").png_data_uri(scale=4, border=1)


def css_string(text) -> str:
    """`text` as a quoted CSS string, for the page margin boxes (`content: ...`). HTML
    or JS escaping is wrong there (CSS reads a JS escape of a Chinese character as
    letters); "<" is escaped too, so no text can close the <style> element."""
    escaped = "".join(
        f"\\{ord(char):x} " if char in '"\\<>' or ord(char) < 32 else char for char in str(text)
    )
    return mark_safe(f'"{escaped}"')  # noqa: S308 - every special character is escaped


def render_html(
    form: PdfForm, built: Built, *, token, number: str, header: dict | None = None
) -> str:
    url = verify_url(token)
    header = header or company_header()
    return render_to_string(
        TEMPLATE,
        {
            **header,
            "form": form,
            "built": built,
            "document_number": number,
            "verify_url": url,
            "qr": qr_data_uri(url),
            "generated_at": timezone.localtime(),
            "font_url": FONT_FILE.as_uri(),
            # The margin boxes take CSS strings (inside <style>, where HTML escaping
            # does not apply).
            "css_company": css_string(header["company"].name),
            "css_numbers": css_string(f"{form.form_number}  {number}"),
            "css_verify": css_string(f"{gettext('Verify')}: {url}"),
            "css_page": css_string(gettext("Page")),
        },
    )


def render_pdf_bytes(html: str) -> tuple[bytes, int]:
    """(PDF bytes, page count). WeasyPrint is imported here: it is slow to import."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=str(settings.BASE_DIR)).render()
    return document.write_pdf(), len(document.pages)
