"""GS1/UDI codes from labels and scanners become GTIN, dates, batch and serial."""

import datetime

import pytest
from django.utils import translation

from apps.catalog.tests.factories import ProductFactory
from apps.core.exceptions import DomainError
from apps.core.validators import gtin_check_digit
from apps.inventory.gs1 import GS1Error, parse_gs1, product_for_gtin

GS = "\x1d"
TODAY = datetime.date(2026, 3, 15)
GTIN = "06901234567892"


def parse(text, on_date=TODAY):
    return parse_gs1(text, on_date=on_date)


def error_of(text, on_date=TODAY) -> str:
    with translation.override("en"), pytest.raises(GS1Error) as caught:
        parse_gs1(text, on_date=on_date)
    return str(caught.value)


FULL = {
    "gtin": GTIN,
    "expiry_date": datetime.date(2027, 12, 31),
    "batch": "B2026A",
    "serial": "SN001",
}


def test_the_gtin_of_the_examples_is_valid():
    assert gtin_check_digit(GTIN[:-1]) == GTIN[-1]


def test_human_readable_form():
    assert parse("(01)06901234567892(17)271231(10)B2026A(21)SN001") == FULL


def test_human_readable_form_with_spaces_and_production_date():
    assert parse(" (01)06901234567892(11)250101(17)270100(10)LOT-7/A ") == {
        "gtin": GTIN,
        "production_date": datetime.date(2025, 1, 1),
        "expiry_date": datetime.date(2027, 1, 31),
        "batch": "LOT-7/A",
    }


def test_raw_scanner_form_with_group_separators():
    assert parse(f"01069012345678921727123110B2026A{GS}21SN001") == FULL
    # The order of the AIs does not matter.
    assert parse(f"21SN001{GS}10B2026A{GS}010690123456789217271231") == FULL


def test_raw_form_variable_field_last_needs_no_separator_and_fixed_fields_none():
    assert parse(f"0106901234567892{GS}10B2026A{GS}17271231") == {
        "gtin": GTIN,
        "batch": "B2026A",
        "expiry_date": datetime.date(2027, 12, 31),
    }
    # Fixed-length fields run straight into each other.
    assert parse("01069012345678921125060117270630") == {
        "gtin": GTIN,
        "production_date": datetime.date(2025, 6, 1),
        "expiry_date": datetime.date(2027, 6, 30),
    }


@pytest.mark.parametrize("prefix", ["]C1", "]d2", "]Q3"])
def test_symbology_identifier_is_stripped(prefix):
    assert parse(f"{prefix}01069012345678921727123110B2026A{GS}21SN001") == FULL


@pytest.mark.parametrize("separator", ["<GS>", "<gs>"])
def test_textual_group_separator(separator):
    assert parse(f"]d201069012345678921727123110B2026A{separator}21SN001") == FULL


def test_leading_fnc1_is_ignored():
    assert parse(f"{GS}0106901234567892{GS}10B2026A") == {"gtin": GTIN, "batch": "B2026A"}


def test_day_00_is_the_last_day_of_the_month():
    assert parse("(17)280200")["expiry_date"] == datetime.date(2028, 2, 29)  # leap year
    assert parse("(17)270200")["expiry_date"] == datetime.date(2027, 2, 28)
    assert parse("(17)271100")["expiry_date"] == datetime.date(2027, 11, 30)
    assert parse("(17)271200")["expiry_date"] == datetime.date(2027, 12, 31)


@pytest.mark.parametrize(
    "yymmdd, on_date, expected",
    [
        # 2026: the window is 1977..2076.
        ("760101", datetime.date(2026, 3, 15), datetime.date(2076, 1, 1)),
        ("770101", datetime.date(2026, 3, 15), datetime.date(1977, 1, 1)),
        ("991231", datetime.date(2026, 3, 15), datetime.date(1999, 12, 31)),
        ("000101", datetime.date(2026, 3, 15), datetime.date(2000, 1, 1)),
        # Across the century: in 2098 a "05" is 2105, a "48" is 2148 but "49" is 2049.
        ("050101", datetime.date(2098, 6, 1), datetime.date(2105, 1, 1)),
        ("480101", datetime.date(2098, 6, 1), datetime.date(2148, 1, 1)),
        ("490101", datetime.date(2098, 6, 1), datetime.date(2049, 1, 1)),
        # In 2003 a "99" is 1999 and "53" (+50) is 2053 but "54" is 1954.
        ("990101", datetime.date(2003, 1, 1), datetime.date(1999, 1, 1)),
        ("530101", datetime.date(2003, 1, 1), datetime.date(2053, 1, 1)),
        ("540101", datetime.date(2003, 1, 1), datetime.date(1954, 1, 1)),
    ],
)
def test_century_is_within_minus_49_and_plus_50_years(yymmdd, on_date, expected):
    assert parse(f"(17){yymmdd}", on_date=on_date)["expiry_date"] == expected


def test_unknown_fixed_length_ais_are_skipped():
    sscc = "(00)069012345000000017"
    assert parse(f"{sscc}(02)06901234567892(12)270101(13)250101(15)280101(16)280101(10)X1") == {
        "batch": "X1"
    }
    raw = f"00069012345000000017020690123456789212270101{GS}10X1{GS}3103000500"
    assert parse(raw) == {"batch": "X1"}


def test_unknown_variable_length_ais_are_skipped_up_to_the_separator():
    raw = f"010690123456789224012-345{GS}3012{GS}10B2026A{GS}9012ABC{GS}21SN001"
    assert parse(raw) == {"gtin": GTIN, "batch": "B2026A", "serial": "SN001"}
    assert parse("(01)06901234567892(240)REF-9(30)12(10)B2026A") == {
        "gtin": GTIN,
        "batch": "B2026A",
    }


def test_maximum_lengths_of_batch_and_serial_are_accepted():
    assert parse("(10)" + "A" * 20 + "(21)" + "9" * 20) == {"batch": "A" * 20, "serial": "9" * 20}


def test_a_gs1_error_is_a_domain_error():
    assert issubclass(GS1Error, DomainError)


@pytest.mark.parametrize("text", ["", "   ", None, "]d2", GS, "<GS>"])
def test_empty_input_is_refused(text):
    assert "empty" in error_of(text)


def test_bad_gtin_check_digit():
    message = error_of("(01)06901234567893(10)B1")
    assert "06901234567893 fails its check digit" in message
    assert "expected 2" in message
    assert "check digit" in error_of("0106901234567891")


def test_month_13_is_refused():
    assert "no month 13" in error_of("(01)06901234567892(17)271301")
    assert "no month 13" in error_of("(11)271301")
    assert "no month 0" in error_of("(17)270001")


def test_day_that_the_month_does_not_have_is_refused():
    assert "month 2 has no day 30" in error_of("(17)270230")
    assert "month 2 has no day 29" in error_of("0106901234567892" + "17270229")


@pytest.mark.parametrize(
    "text, ai",
    [
        ("(01)0690123456789X", "01"),
        ("(17)27123A", "17"),
        ("(11)2512O1", "11"),
        ("(01)０６９０１２３４５６７８９２", "01"),  # full-width digits
    ],
)
def test_non_digits_in_numeric_ais(text, ai):
    assert f"({ai}) takes digits only" in error_of(text)


def test_wrong_length_of_fixed_fields():
    assert "(01) takes exactly 14 digits" in error_of("(01)6901234567892")
    assert "(17) takes exactly 6 digits" in error_of("(17)2712310")
    assert "(00) takes exactly 18 digits" in error_of("(00)12345(10)A")


def test_variable_field_over_its_maximum_length():
    assert "(10) allows at most 20 characters" in error_of("(10)" + "A" * 21)
    assert "(21) allows at most 20 characters" in error_of(f"21{'S' * 21}{GS}10B1")


def test_characters_outside_the_gs1_set_are_refused():
    assert "(10) contains characters GS1 does not allow" in error_of("(10)批号1")
    assert "(21) contains characters" in error_of("(21)SN 001")


def test_empty_variable_field():
    assert "(10) has no value" in error_of(f"010690123456789210{GS}21SN1")


def test_raw_form_ending_inside_a_fixed_field():
    assert "ends too early" in error_of("01069012345")
    assert "ends too early" in error_of(f"17271{GS}10B1")


@pytest.mark.parametrize("text", ["ABC123", "01069012345678925", "(1)1234", "hello(01)x"])
def test_malformed_structure(text):
    message = error_of(text)
    assert "Cannot read the GS1 code" in message or "must start with" in message


def test_unallocated_ai_is_refused():
    assert "55 is not a GS1 application identifier" in error_of("5512345")
    assert "55 is not a GS1 application identifier" in error_of("(55)12345")


def test_only_unknown_ais_is_refused():
    assert "contains no GTIN" in error_of("(00)069012345000000017")


def test_conflicting_repeated_ai():
    assert "appears twice" in error_of("(10)A1(10)A2")
    assert parse("(10)A1(10)A1") == {"batch": "A1"}


def test_production_after_expiry_is_refused():
    assert "before the production date" in error_of("(11)270101(17)260101")


def test_default_today_is_used_for_the_century():
    result = parse_gs1("(17)300101")
    assert result["expiry_date"].year in (2030, 2130)
    assert abs(result["expiry_date"].year - datetime.date.today().year) <= 50


@pytest.mark.django_db
def test_product_for_gtin_matches_barcode_in_any_length_and_udi_di():
    ean13 = "690123456789"
    ean13 += gtin_check_digit(ean13)
    by_barcode = ProductFactory(barcode=ean13)
    by_gtin14 = ProductFactory(barcode="16901234567899")
    other_body = "0690999000001"
    by_udi = ProductFactory(udi_di=other_body + gtin_check_digit(other_body))
    assert product_for_gtin("0" + ean13) == by_barcode
    assert product_for_gtin(ean13) == by_barcode
    assert product_for_gtin("16901234567899") == by_gtin14
    assert product_for_gtin(by_udi.udi_di) == by_udi
    assert product_for_gtin("00000000000000") is None
    assert product_for_gtin("") is None


@pytest.mark.django_db
def test_parse_then_look_up_the_product():
    product = ProductFactory(barcode=GTIN[1:])
    code = parse("]d201069012345678921727123110B2026A")
    assert product_for_gtin(code["gtin"]) == product
