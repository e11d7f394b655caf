"""Field validators for Chinese identifiers and licence numbers."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015 unified social credit code: 18 characters from this alphabet, the last a
# check character computed from the first 17 with these weights.
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> None:
    code = (value or "").strip().upper()
    if len(code) != 18 or any(c not in _USCC_ALPHABET for c in code):
        raise ValidationError(
            _("A unified social credit code has 18 digits or capital letters (no I, O, S, V, Z)."),
            code="uscc_format",
        )
    if uscc_check_char(code[:17]) != code[17]:
        raise ValidationError(
            _("Unified social credit code %(code)s fails its check character."),
            code="uscc_checksum",
            params={"code": code},
        )


# GB 11643-1999 resident identity number: 17 digits and a check character (0-9 or X).
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_number_check_char(first17: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def validate_id_number(value: str) -> None:
    number = (value or "").strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise ValidationError(
            _("An identity card number has 17 digits and a final digit or X."), code="id_format"
        )
    if id_number_check_char(number[:17]) != number[17]:
        raise ValidationError(
            _("Identity card number %(number)s fails its check character."),
            code="id_checksum",
            params={"number": number},
        )


def validate_phone(value: str) -> None:
    if value and not re.fullmatch(r"[0-9+\-() ]{5,30}", value):
        raise ValidationError(_("Enter a telephone number of digits, spaces, + - ( )."))


def gtin_check_digit(body: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def validate_gtin(value: str) -> None:
    """EAN-8/UPC-12/EAN-13/GTIN-14 with a valid check digit."""
    if not value:
        return
    if not re.fullmatch(r"\d{8}|\d{12,14}", value):
        raise ValidationError(_("A barcode (GTIN) has 8, 12, 13 or 14 digits."), code="gtin_format")
    if gtin_check_digit(value[:-1]) != value[-1]:
        raise ValidationError(
            _("Barcode %(code)s fails its check digit."),
            code="gtin_checksum",
            params={"code": value},
        )
