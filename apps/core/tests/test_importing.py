"""Spreadsheet reading and the all-or-nothing import (apps/core/importing.py)."""

import io
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from import_export import fields

from apps.catalog.models import Manufacturer
from apps.core.importing import ImportRefused, check_headers, import_spreadsheet, read_dataset
from apps.core.resources import BaseResource

pytestmark = pytest.mark.django_db


class ManufacturerResource(BaseResource):
    """A small resource of our own, so these tests depend only on core."""

    code = fields.Field(attribute="code", column_name="code")
    name = fields.Field(attribute="name", column_name="name")
    phone = fields.Field(attribute="phone", column_name="phone")

    class Meta(BaseResource.Meta):
        model = Manufacturer
        fields = ("code", "name", "phone")


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def xlsx_bytes(rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def refusal(file) -> list[str]:
    with pytest.raises(ImportRefused) as exc:
        read_dataset(file)
    return exc.value.errors


@pytest.mark.parametrize("name", ["empty.csv", "empty.xlsx", "empty"])
def test_empty_file_is_refused(name):
    assert refusal(upload(name, b"")) == ["The file is empty."]


@pytest.mark.parametrize("name", ["junk.csv", "junk.bin", "junk"])
def test_binary_junk_is_refused(name):
    junk = bytes(range(256)) * 8
    assert refusal(upload(name, junk)) == ["The file is not a spreadsheet (.xlsx or .csv)."]


@pytest.mark.parametrize("name", ["data.xlsx", "data.XLS"])
def test_text_named_as_a_workbook_is_refused(name):
    assert refusal(upload(name, b"code,name\nM1,Acme\n")) == [
        "The file is not a spreadsheet (.xlsx or .csv)."
    ]


def test_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    errors = refusal(upload("data.xlsx", buffer.getvalue()))
    assert len(errors) == 1
    assert errors[0].startswith("The file is not a readable Excel workbook")


def test_truncated_workbook_is_refused():
    content = xlsx_bytes([["code", "name"], ["M1", "Acme"]])
    errors = refusal(upload("data.xlsx", content[: len(content) // 2]))
    assert errors[0].startswith("The file is not a readable Excel workbook")


def test_header_without_rows_is_refused():
    assert refusal(upload("data.csv", b"code,name\n")) == [
        "The file has a header row but no data rows."
    ]


def test_csv_in_gbk_is_read():
    content = "code,name\nM1,江西洪达医疗器械集团有限公司\n".encode("gbk")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    dataset = read_dataset(upload("厂家.csv", content))
    assert dataset.headers == ["code", "name"]
    assert dataset[0] == ("M1", "江西洪达医疗器械集团有限公司")


def test_csv_in_utf8_with_bom_is_read():
    content = "code,name\nM1,威高集团\n".encode("utf-8-sig")
    dataset = read_dataset(upload("data.csv", content))
    assert dataset.headers == ["code", "name"]
    assert dataset[0] == ("M1", "威高集团")


def test_workbook_is_read():
    dataset = read_dataset(upload("data.xlsx", xlsx_bytes([["code", "name"], ["M1", "威高"]])))
    assert dataset.headers == ["code", "name"]
    assert dataset[0] == ("M1", "威高")


def test_check_headers_names_missing_and_unknown_columns():
    dataset = read_dataset(upload("data.csv", b"code,colour,phone\nM1,red,123456\n"))
    with pytest.raises(ImportRefused) as exc:
        check_headers(ManufacturerResource(), dataset)
    assert exc.value.errors == [
        "Missing columns: name.",
        "Unknown columns: colour.",
        "Expected columns: code, name, phone.",
    ]


def test_check_headers_accepts_exact_columns_in_any_order_and_strips_spaces():
    dataset = read_dataset(upload("data.csv", b" phone ,name,code\n123456,Acme,M1\n"))
    check_headers(ManufacturerResource(), dataset)
    assert dataset.headers == ["phone", "name", "code"]


def test_clean_file_is_imported():
    content = "code,name,phone\nM1,威高集团,0631-5620000\nM2,洪达医疗,\n".encode()
    summary = import_spreadsheet(ManufacturerResource(), upload("data.csv", content), dry_run=False)
    assert (summary.new, summary.updated, summary.total) == (2, 0, 2)
    assert set(Manufacturer.objects.values_list("code", flat=True)) == {"M1", "M2"}


def test_dry_run_saves_nothing():
    content = b"code,name,phone\nM1,Acme,\n"
    summary = import_spreadsheet(ManufacturerResource(), upload("data.csv", content), dry_run=True)
    assert summary.new == 1
    assert not Manufacturer.objects.exists()


def test_one_bad_row_refuses_the_whole_file():
    content = "code,name,phone\nM1,威高集团,0631-5620000\nM2,洪达医疗,call me\n".encode()
    with pytest.raises(ImportRefused) as exc:
        import_spreadsheet(ManufacturerResource(), upload("data.csv", content), dry_run=False)
    assert len(exc.value.errors) == 1
    assert exc.value.errors[0].startswith("Row 3, phone: ")
    assert not Manufacturer.objects.exists()
