"""GS1 element strings (the UDI on a medical-device label) parsed into lot data.

Two forms arrive at the receiving desk:
- the human-readable line printed under the barcode, with each application identifier
  (AI) in parentheses: ``(01)06901234567892(17)271231(10)B2026A(21)SN001``;
- what a scanner sends: no parentheses, an optional symbology identifier in front
  (``]C1`` GS1-128, ``]d2`` GS1 DataMatrix, ``]Q3`` GS1 QR, ``]e0`` DataBar), and the
  FNC1 group separator (ASCII 29, or the text ``<GS>`` some keyboard wedges type) after
  every variable-length field that is not the last one.

The AIs a distributor needs become `gtin`, `expiry_date`, `production_date`, `batch` and
`serial`. Other AIs are skipped: those of predefined length by that length, the others
up to the next separator (GS1 General Specifications 5.10, table of predefined lengths).
"""

from __future__ import annotations

import calendar
import datetime
import re

from django.utils.translation import gettext as _

from apps.catalog.models import Product
from apps.core.exceptions import DomainError
from apps.core.models import today as company_today
from apps.core.validators import gtin_check_digit

GROUP_SEPARATOR = "\x1d"
SYMBOLOGY_PREFIXES = ("]C1", "]d2", "]Q3", "]e0", "]J1")
SEPARATOR_ALIASES = ("<GS>", "<gs>", "{GS}", "␝")

# The AIs turned into lot data: AI -> (result key, fixed length or None, maximum length).
FIELDS: dict[str, tuple[str, int | None, int]] = {
    "01": ("gtin", 14, 14),
    "10": ("batch", None, 20),
    "11": ("production_date", 6, 6),
    "17": ("expiry_date", 6, 6),
    "21": ("serial", None, 20),
}
NUMERIC_AIS = frozenset({"01", "11", "17"})
DATE_AIS = frozenset({"11", "17"})

# GS1 table of predefined lengths: the first two digits of the AI -> length of AI + data.
# These never take a separator in the raw form.
PREDEFINED_LENGTHS = {
    "00": 20,
    "01": 16,
    "02": 16,
    "03": 16,
    "04": 18,
    "11": 8,
    "12": 8,
    "13": 8,
    "14": 8,
    "15": 8,
    "16": 8,
    "17": 8,
    "18": 8,
    "19": 8,
    "20": 4,
    "31": 10,
    "32": 10,
    "33": 10,
    "34": 10,
    "35": 10,
    "36": 10,
    "41": 16,
}
# First two digits of the other AIs GS1 has allocated; their data runs to a separator.
VARIABLE_PREFIXES = frozenset(
    {"10", "21", "22", "23", "24", "25", "30", "37", "39", "40", "42", "43", "70", "71", "72"}
    | {"80", "81"}
    | {f"{n}" for n in range(90, 100)}
)
# GS1 AI encodable character set 82 (batch and serial numbers use it).
CSET82 = frozenset(
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)
_PARENTHESISED_AI = re.compile(r"\((\d{2,4})\)")


class GS1Error(DomainError):
    """The scanned or typed GS1 code could not be read; the message says why."""


def parse_gs1(text: str, *, on_date: datetime.date | None = None) -> dict:
    """The lot data in a GS1 element string (see the module docstring).

    Returns a dict with any of "gtin", "expiry_date", "production_date" (dates),
    "batch" and "serial"; raises `GS1Error` with a specific message otherwise.
    `on_date` is "today" for resolving two-digit years.
    """
    if text is None or not str(text).strip():
        raise GS1Error(_("The GS1 code is empty; scan or type the code on the label."))
    text = str(text).strip()
    for prefix in SYMBOLOGY_PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    for alias in SEPARATOR_ALIASES:
        text = text.replace(alias, GROUP_SEPARATOR)
    if not text.strip(GROUP_SEPARATOR):
        raise GS1Error(_("The GS1 code is empty; scan or type the code on the label."))
    if text.startswith("("):
        pairs = _split_parenthesised(text)
    else:
        pairs = _split_raw(text)
    return _interpret(pairs, on_date or company_today())


def _split_parenthesised(text: str) -> list[tuple[str, str]]:
    matches = list(_PARENTHESISED_AI.finditer(text))
    if not matches or matches[0].start() != 0:
        raise GS1Error(
            _("The GS1 code must start with an application identifier in parentheses, e.g. (01).")
        )
    pairs = []
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        value = text[match.end() : end].strip(GROUP_SEPARATOR + " ")
        pairs.append((match.group(1), value))
    return pairs


def _split_raw(text: str) -> list[tuple[str, str]]:
    pairs = []
    position = 0
    while position < len(text):
        if text[position] == GROUP_SEPARATOR:  # FNC1 in first position or a spare one
            position += 1
            continue
        prefix = text[position : position + 2]
        if not re.fullmatch(r"\d\d", prefix):
            raise GS1Error(
                _(
                    "Cannot read the GS1 code at character %(position)s (%(text)s): "
                    "an application identifier of digits was expected."
                )
                % {"position": position + 1, "text": text[position : position + 10]}
            )
        if prefix in PREDEFINED_LENGTHS:
            length = PREDEFINED_LENGTHS[prefix]
            element = text[position : position + length]
            if len(element) < length or GROUP_SEPARATOR in element:
                raise GS1Error(
                    _(
                        "The GS1 code ends too early: application identifier (%(ai)s) needs "
                        "%(length)s digits."
                    )
                    % {"ai": prefix, "length": length - 2}
                )
            pairs.append((prefix, element[2:]))
            position += length
            continue
        if prefix not in VARIABLE_PREFIXES:
            raise GS1Error(
                _("Cannot read the GS1 code: %(ai)s is not a GS1 application identifier.")
                % {"ai": prefix}
            )
        end = text.find(GROUP_SEPARATOR, position)
        end = len(text) if end == -1 else end
        # Other variable-length AIs are skipped whole, so their own AI length does not matter.
        if prefix in FIELDS:
            pairs.append((prefix, text[position + 2 : end]))
        position = end
    return pairs


def _interpret(pairs: list[tuple[str, str]], on_date: datetime.date) -> dict:
    result: dict = {}
    for ai, value in pairs:
        if ai not in FIELDS:
            _check_unknown(ai, value)
            continue
        key, fixed, maximum = FIELDS[ai]
        if not value:
            raise GS1Error(_("Application identifier (%(ai)s) has no value.") % {"ai": ai})
        if ai in NUMERIC_AIS and not (value.isascii() and value.isdigit()):
            raise GS1Error(
                _("Application identifier (%(ai)s) takes digits only, not “%(value)s”.")
                % {"ai": ai, "value": value}
            )
        if fixed is not None and len(value) != fixed:
            raise GS1Error(
                _(
                    "Application identifier (%(ai)s) takes exactly %(length)s digits, "
                    "“%(value)s” has %(count)s."
                )
                % {"ai": ai, "length": fixed, "value": value, "count": len(value)}
            )
        if len(value) > maximum:
            raise GS1Error(
                _(
                    "Application identifier (%(ai)s) allows at most %(max)s characters, "
                    "“%(value)s” has %(count)s."
                )
                % {"ai": ai, "max": maximum, "value": value, "count": len(value)}
            )
        if ai == "01":
            parsed = _gtin(value)
        elif ai in DATE_AIS:
            parsed = _date(ai, value, on_date)
        else:
            bad = sorted({c for c in value if c not in CSET82})
            if bad:
                raise GS1Error(
                    _(
                        "Application identifier (%(ai)s) contains characters GS1 does not "
                        "allow: %(chars)s."
                    )
                    % {"ai": ai, "chars": " ".join(repr(c) for c in bad)}
                )
            parsed = value
        if key in result and result[key] != parsed:
            raise GS1Error(
                _("Application identifier (%(ai)s) appears twice with different values.")
                % {"ai": ai}
            )
        result[key] = parsed
    if not result:
        raise GS1Error(_("The GS1 code contains no GTIN, batch, serial number or date."))
    if (
        "production_date" in result
        and "expiry_date" in result
        and result["production_date"] > result["expiry_date"]
    ):
        raise GS1Error(
            _("The expiry date %(expiry)s is before the production date %(production)s.")
            % {"expiry": result["expiry_date"], "production": result["production_date"]}
        )
    return result


def _check_unknown(ai: str, value: str) -> None:
    """A skipped AI from the parenthesised form must at least be well formed."""
    prefix = ai[:2]
    if prefix in PREDEFINED_LENGTHS:
        length = PREDEFINED_LENGTHS[prefix] - len(ai)
        if len(value) != length or not (value.isascii() and value.isdigit()):
            raise GS1Error(
                _(
                    "Application identifier (%(ai)s) takes exactly %(length)s digits, "
                    "“%(value)s” has %(count)s."
                )
                % {"ai": ai, "length": length, "value": value, "count": len(value)}
            )
    elif prefix not in VARIABLE_PREFIXES:
        raise GS1Error(
            _("Cannot read the GS1 code: %(ai)s is not a GS1 application identifier.") % {"ai": ai}
        )


def _gtin(value: str) -> str:
    if gtin_check_digit(value[:-1]) != value[-1]:
        raise GS1Error(
            _("GTIN %(gtin)s fails its check digit (expected %(digit)s); rescan the label.")
            % {"gtin": value, "digit": gtin_check_digit(value[:-1])}
        )
    return value


def _date(ai: str, value: str, on_date: datetime.date) -> datetime.date:
    """YYMMDD; DD 00 is the last day of the month; the century puts the year within
    49 years before and 50 years after `on_date` (GS1 General Specifications 7.12)."""
    yy, month, day = int(value[:2]), int(value[2:4]), int(value[4:])
    year = on_date.year - on_date.year % 100 + yy
    if year - on_date.year > 50:
        year -= 100
    elif year - on_date.year < -49:
        year += 100
    if not 1 <= month <= 12:
        raise GS1Error(
            _(
                "Application identifier (%(ai)s) has the invalid date %(value)s: "
                "there is no month %(month)s."
            )
            % {"ai": ai, "value": value, "month": month}
        )
    if day == 0:
        day = calendar.monthrange(year, month)[1]
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise GS1Error(
            _(
                "Application identifier (%(ai)s) has the invalid date %(value)s: "
                "month %(month)s has no day %(day)s."
            )
            % {"ai": ai, "value": value, "month": month, "day": day}
        ) from None


def gtin_variants(gtin: str) -> list[str]:
    """The GTIN-14 and the shorter forms (EAN-13, UPC-12, EAN-8) a catalog may store."""
    variants = [gtin]
    for length in (13, 12, 8):
        if gtin[: len(gtin) - length] == "0" * (len(gtin) - length):
            variants.append(gtin[-length:])
    return variants


def product_for_gtin(gtin: str) -> Product | None:
    """The catalog product with this GTIN as its barcode (in any of its lengths), else
    the one with it as its UDI-DI, else None."""
    gtin = (gtin or "").strip()
    if not gtin:
        return None
    by_barcode = Product.objects.filter(barcode__in=gtin_variants(gtin)).order_by("pk").first()
    return by_barcode or Product.objects.filter(udi_di=gtin).order_by("pk").first()
