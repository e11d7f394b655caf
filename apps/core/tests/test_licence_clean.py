"""Licence.clean(): dates, long-term only for business licences, number formats, classes."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from apps.core.models import CompanyLicence, DeviceClass, LicenceType, today
from apps.core.tests.factories import make_uscc

pytestmark = pytest.mark.django_db

GOOD_NUMBERS = {
    LicenceType.BUSINESS: make_uscc(11),
    LicenceType.DEVICE_OPERATING: "沪药监械经营许20190001号",
    LicenceType.DEVICE_FILING: "沪浦药监械经营备20190001号",
    LicenceType.DEVICE_PRODUCTION: "沪药监械生产许20150001号",
    LicenceType.DRUG_OPERATING: "沪AA0210001",
    LicenceType.MEDICAL_INSTITUTION: "PDY12345631011512A1001",
    LicenceType.INSTITUTION: "事证第131000001234号",
}
GOOD_CLASSES = {
    LicenceType.DEVICE_OPERATING: [DeviceClass.CLASS_III],
    LicenceType.DEVICE_FILING: [DeviceClass.CLASS_II],
    LicenceType.DEVICE_PRODUCTION: [DeviceClass.CLASS_II],
}


def licence(licence_type, **fields) -> CompanyLicence:
    values = {
        "licence_type": licence_type,
        "number": GOOD_NUMBERS.get(licence_type, "X-1"),
        "holder": "上海示例医疗器械有限公司",
        "issued_on": today() - datetime.timedelta(days=100),
        "valid_until": today() + datetime.timedelta(days=1000),
        "scope_classes": GOOD_CLASSES.get(licence_type, []),
    }
    values.update(fields)
    return CompanyLicence(**values)


def errors_of(lic: CompanyLicence) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as exc:
        lic.full_clean()
    return exc.value.message_dict


@pytest.mark.parametrize("licence_type", list(LicenceType))
def test_well_formed_licence_of_every_type_is_valid(licence_type):
    licence(licence_type).full_clean()


def test_expiry_before_issue_date_is_refused():
    issued = today() - datetime.timedelta(days=10)
    lic = licence(
        LicenceType.DEVICE_OPERATING,
        issued_on=issued,
        valid_until=issued - datetime.timedelta(days=1),
    )
    errors = errors_of(lic)
    assert list(errors) == ["valid_until"]
    assert "is before the issue date" in errors["valid_until"][0]


def test_expiry_on_issue_date_is_accepted():
    issued = today() - datetime.timedelta(days=10)
    licence(LicenceType.DEVICE_OPERATING, issued_on=issued, valid_until=issued).full_clean()


def test_future_issue_date_is_refused():
    tomorrow = today() + datetime.timedelta(days=1)
    errors = errors_of(licence(LicenceType.BUSINESS, issued_on=tomorrow, valid_until=None))
    assert list(errors) == ["issued_on"]
    assert "in the future" in errors["issued_on"][0]


def test_issued_today_is_accepted():
    licence(LicenceType.BUSINESS, issued_on=today(), valid_until=None).full_clean()


@pytest.mark.parametrize("licence_type", [LicenceType.BUSINESS, LicenceType.INSTITUTION])
def test_business_licence_may_be_long_term(licence_type):
    licence(licence_type, valid_until=None).full_clean()


@pytest.mark.parametrize(
    "licence_type",
    [
        LicenceType.DEVICE_OPERATING,
        LicenceType.DEVICE_FILING,
        LicenceType.DRUG_OPERATING,
        LicenceType.MEDICAL_INSTITUTION,
        LicenceType.OTHER,
    ],
)
def test_other_licences_may_not_be_long_term(licence_type):
    errors = errors_of(licence(licence_type, valid_until=None))
    assert errors["valid_until"] == [
        "Only a business licence may be long-term; enter the expiry date."
    ]


@pytest.mark.parametrize(
    ("licence_type", "number"),
    [
        (LicenceType.DEVICE_OPERATING, "沪药监械经营许20190001号"),
        (LicenceType.DEVICE_OPERATING, "浙杭食药监械经营许20170123号"),
        (LicenceType.DEVICE_FILING, "沪浦药监械经营备20190001号"),
        (LicenceType.DEVICE_FILING, "京朝食药监械经营备20150042号"),
        (LicenceType.DRUG_OPERATING, "沪AA0210001"),
        (LicenceType.DRUG_OPERATING, "京AB1234567"),
        (LicenceType.BUSINESS, make_uscc(5)),
        (LicenceType.BUSINESS, "914403001922038216"),
    ],
)
def test_number_formats_accepted(licence_type, number):
    licence(licence_type, number=number).full_clean()


@pytest.mark.parametrize(
    ("licence_type", "number"),
    [
        # An operating licence number written as a filing, and vice versa.
        (LicenceType.DEVICE_OPERATING, "沪浦药监械经营备20190001号"),
        (LicenceType.DEVICE_FILING, "沪药监械经营许20190001号"),
        (LicenceType.DEVICE_OPERATING, "沪药监械经营许2019001号"),
        (LicenceType.DEVICE_OPERATING, "沪药监械经营许20190001"),
        (LicenceType.DEVICE_OPERATING, "SH20190001"),
        (LicenceType.DEVICE_FILING, "沪浦药监械经营备201900011号"),
        (LicenceType.DRUG_OPERATING, "沪A0210001"),
        (LicenceType.DRUG_OPERATING, "沪aa0210001"),
        (LicenceType.DRUG_OPERATING, "沪AA02100011"),
        (LicenceType.DRUG_OPERATING, "SHAA0210001"),
    ],
)
def test_number_formats_refused(licence_type, number):
    errors = errors_of(licence(licence_type, number=number))
    assert list(errors) == ["number"]
    assert number in errors["number"][0]
    assert "is not a valid number for a" in errors["number"][0]


def test_business_licence_number_must_be_a_valid_credit_code():
    good = make_uscc(9)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    errors = errors_of(licence(LicenceType.BUSINESS, number=bad))
    assert list(errors) == ["number"]
    assert "fails its check character" in errors["number"][0]


@pytest.mark.parametrize(
    ("licence_type", "classes"),
    [
        (LicenceType.DEVICE_OPERATING, [DeviceClass.CLASS_III]),
        (LicenceType.DEVICE_FILING, [DeviceClass.CLASS_II]),
        (
            LicenceType.DEVICE_PRODUCTION,
            [DeviceClass.CLASS_I, DeviceClass.CLASS_II, DeviceClass.CLASS_III],
        ),
        (LicenceType.DEVICE_OPERATING, []),
        (LicenceType.BUSINESS, []),
    ],
)
def test_allowed_classes(licence_type, classes):
    licence(licence_type, scope_classes=classes).full_clean()


@pytest.mark.parametrize(
    ("licence_type", "classes"),
    [
        (LicenceType.DEVICE_OPERATING, [DeviceClass.CLASS_II]),
        (LicenceType.DEVICE_OPERATING, [DeviceClass.CLASS_II, DeviceClass.CLASS_III]),
        (LicenceType.DEVICE_FILING, [DeviceClass.CLASS_III]),
        (LicenceType.DEVICE_FILING, [DeviceClass.CLASS_I]),
    ],
)
def test_classes_outside_the_licence_type_are_refused(licence_type, classes):
    errors = errors_of(licence(licence_type, scope_classes=classes))
    assert list(errors) == ["scope_classes"]
    assert "can only cover" in errors["scope_classes"][0]


@pytest.mark.parametrize(
    "licence_type", [LicenceType.BUSINESS, LicenceType.DRUG_OPERATING, LicenceType.OTHER]
)
def test_licences_without_device_scope_carry_no_classes(licence_type):
    errors = errors_of(licence(licence_type, scope_classes=[DeviceClass.CLASS_II]))
    assert list(errors) == ["scope_classes"]
    assert "carries no device classes" in errors["scope_classes"][0]


def test_every_problem_is_reported_at_once():
    issued = today() + datetime.timedelta(days=5)
    lic = licence(
        LicenceType.DEVICE_FILING,
        number="bad",
        issued_on=issued,
        valid_until=issued - datetime.timedelta(days=10),
        scope_classes=[DeviceClass.CLASS_III],
    )
    assert set(errors_of(lic)) == {"valid_until", "issued_on", "number", "scope_classes"}


def test_status_and_days_left():
    lic = licence(LicenceType.DEVICE_OPERATING, valid_until=today() + datetime.timedelta(days=30))
    assert lic.days_left() == 30
    assert lic.status == "expiring"
    lic.valid_until = today() + datetime.timedelta(days=31)
    assert lic.status == "valid"
    lic.valid_until = today() - datetime.timedelta(days=1)
    assert lic.status == "expired"
    lic.valid_until = None
    assert lic.days_left() is None
    assert lic.status == "valid"
