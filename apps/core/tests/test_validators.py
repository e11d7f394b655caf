"""Identifier validators: credit code, identity number, barcode check characters."""

import pytest
from django.core.exceptions import ValidationError

from apps.core.tests.factories import make_uscc
from apps.core.validators import (
    gtin_check_digit,
    validate_gtin,
    validate_id_number,
    validate_uscc,
)


def error_code(validator, value) -> str:
    with pytest.raises(ValidationError) as exc:
        validator(value)
    return exc.value.code


@pytest.mark.parametrize("seq", [1, 2, 42, 123456789])
def test_generated_credit_codes_are_valid(seq):
    validate_uscc(make_uscc(seq))


def test_real_credit_code_is_valid():
    # Published code of a real enterprise (Huawei Technologies Co., Ltd.).
    validate_uscc("914403001922038216")


def test_credit_code_lower_case_is_accepted():
    validate_uscc(make_uscc(7).lower())


@pytest.mark.parametrize(
    "value",
    ["", "91310000000000001", "9131000000000000123", "91310000000000000I", "9131000O0000000010"],
)
def test_credit_code_wrong_length_or_character(value):
    assert error_code(validate_uscc, value) == "uscc_format"


def test_credit_code_bad_check_character():
    good = make_uscc(1)
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    bad = good[:17] + next(c for c in alphabet if c != good[17])
    with pytest.raises(ValidationError) as exc:
        validate_uscc(bad)
    assert exc.value.code == "uscc_checksum"
    assert bad in exc.value.messages[0]


@pytest.mark.parametrize(
    "value", ["11010519491231002X", "11010519491231002x", "110101199003074477"]
)
def test_identity_number_valid(value):
    validate_id_number(value)


@pytest.mark.parametrize("value", ["110105194912310021", "110101199003074478"])
def test_identity_number_bad_check_character(value):
    assert error_code(validate_id_number, value) == "id_checksum"


@pytest.mark.parametrize("value", ["1101051949123100", "11010519491231002Y", "A1010519491231002X"])
def test_identity_number_format(value):
    assert error_code(validate_id_number, value) == "id_format"


@pytest.mark.parametrize(
    "value", ["6901234567892", "96385074", "036000291452", "10614141000415", ""]
)
def test_gtin_valid(value):
    validate_gtin(value)


def test_gtin_check_digit_computation():
    assert gtin_check_digit("690123456789") == "2"
    assert gtin_check_digit("03600029145") == "2"


@pytest.mark.parametrize("value", ["6901234567893", "96385075", "10614141000416"])
def test_gtin_bad_check_digit(value):
    assert error_code(validate_gtin, value) == "gtin_checksum"


@pytest.mark.parametrize(
    "value", ["1234567", "123456789", "12345678901", "69012345678A", "123456789012345"]
)
def test_gtin_format(value):
    assert error_code(validate_gtin, value) == "gtin_format"
