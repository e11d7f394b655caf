"""The import building blocks the apps share (apps/core/resources.py): in-file duplicate
rows, device-class lists and the licence resource."""

import datetime

import pytest
import tablib
from import_export import fields

from apps.catalog.models import Manufacturer
from apps.core.importing import ImportRefused, import_dataset
from apps.core.models import CompanyLicence, LicenceType, today
from apps.core.resources import BaseResource, DeviceClassListWidget, LicenceResource

pytestmark = pytest.mark.django_db


class ManufacturerResource(BaseResource):
    code = fields.Field(attribute="code", column_name="code")
    name = fields.Field(attribute="name", column_name="name")

    class Meta(BaseResource.Meta):
        model = Manufacturer
        fields = ("code", "name")


class CheckedManufacturerResource(ManufacturerResource):
    duplicate_message = "%(value)s again (first on row %(first)d)."


class FieldCheckedManufacturerResource(CheckedManufacturerResource):
    duplicate_on_field = True
    duplicate_upper_columns = ("code",)


def rows(*values):
    return tablib.Dataset(*values, headers=["code", "name"])


def refused(resource, dataset) -> list[str]:
    with pytest.raises(ImportRefused) as exc:
        import_dataset(resource, dataset, dry_run=False)
    return exc.value.errors


def test_a_repeated_identity_is_refused_naming_the_first_row():
    dataset = rows(["M1", "甲"], ["M2", "乙"], ["M1", "丙"])

    assert refused(CheckedManufacturerResource(), dataset) == ["Row 4: M1 again (first on row 2)."]
    assert not Manufacturer.objects.exists()


def test_the_duplicate_error_can_sit_on_the_identity_column_and_ignore_case():
    dataset = rows(["m1", "甲"], ["M1", "乙"])

    errors = refused(FieldCheckedManufacturerResource(), dataset)

    assert errors == ["Row 3, code: M1 again (first on row 2)."]


def test_without_a_duplicate_message_a_repeated_row_is_not_checked():
    import_dataset(ManufacturerResource(), rows(["M1", "甲"], ["M1", "乙"]), dry_run=False)

    # The second row silently overwrote the first: this resource did not ask for the check.
    assert Manufacturer.objects.get().name == "乙"


@pytest.mark.parametrize(
    ("text", "classes"),
    [
        ("2,3", [2, 3]),
        ("II, III", [2, 3]),
        ("Ⅱ、Ⅲ", [2, 3]),
        ("Class II, Class III", [2, 3]),
        ("二类；三类", [2, 3]),
        ("3,3", [3]),
        (3.0, [3]),
        ("", []),
        (None, []),
    ],
)
def test_device_classes_are_read_in_every_usual_spelling(text, classes):
    assert DeviceClassListWidget().clean(text) == classes


def test_an_unknown_device_class_is_named_in_the_chosen_message():
    with pytest.raises(ValueError, match=r"^IV is not a device class"):
        DeviceClassListWidget().clean("2,IV")
    with pytest.raises(ValueError, match=r"^IV is wrong; use 1, 2, 3\.$"):
        DeviceClassListWidget(invalid_message="%(value)s is wrong; use %(choices)s.").clean("IV")


class CompanyLicenceResource(LicenceResource):
    class Meta(BaseResource.Meta):
        model = CompanyLicence
        fields = ("licence_type", "number", "holder", "issued_on", "valid_until")
        import_id_fields = ("licence_type", "number")


def licence_rows(valid_until, licence_type="Other certificate"):
    return tablib.Dataset(
        [licence_type, "X-1", "示例公司", today() - datetime.timedelta(days=30), valid_until],
        headers=["licence_type", "number", "holder", "issued_on", "valid_until"],
    )


def test_licence_resource_refuses_a_new_licence_that_has_already_expired():
    yesterday = today() - datetime.timedelta(days=1)

    errors = refused(CompanyLicenceResource(), licence_rows(yesterday))

    assert errors == [
        f"Row 2, valid_until: This licence expired on {yesterday.isoformat()}; "
        "enter the current, renewed licence."
    ]
    assert not CompanyLicence.objects.exists()


def test_licence_resource_takes_the_type_by_label_in_any_case():
    valid = today() + datetime.timedelta(days=300)

    import_dataset(
        CompanyLicenceResource(), licence_rows(valid, "OTHER CERTIFICATE"), dry_run=False
    )

    assert CompanyLicence.objects.get().licence_type == LicenceType.OTHER
