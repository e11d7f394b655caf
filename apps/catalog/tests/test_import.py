"""Spreadsheet import of categories, manufacturers and products: all or nothing."""

import datetime

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.catalog.models import (
    Category,
    Manufacturer,
    ManufacturerLicence,
    Product,
    ProductFirstApproval,
)
from apps.catalog.resources import (
    CategoryResource,
    ManufacturerLicenceResource,
    ManufacturerResource,
    ProductResource,
)
from apps.catalog.tests.factories import CategoryFactory, ManufacturerFactory, ProductFactory
from apps.catalog.tests.helpers import PRODUCT_HEADERS, product_row, xlsx
from apps.core.importing import ImportRefused, import_dataset
from apps.core.models import ApprovalStatus, today
from apps.core.tests.factories import licence_import_headers

pytestmark = pytest.mark.django_db


def csv_file(headers, rows, name="products.csv", encoding="utf-8"):
    dataset = tablib.Dataset(*rows, headers=headers)
    return SimpleUploadedFile(name, dataset.export("csv").encode(encoding))


@pytest.fixture
def refs():
    return CategoryFactory(code="6815"), ManufacturerFactory(code="WG", name="威高")


def upload(client, file, url_name="catalog:product_import"):
    return client.post(reverse(url_name), {"file": file})


def test_good_xlsx_is_checked_then_imported_on_confirmation(role_client, refs):
    client = role_client("purchaser")
    rows = [
        product_row("P1"),
        product_row("P2", spec="10ml", device_class=2, max_qty=2000, max_qty_period="quarter"),
    ]
    response = upload(client, xlsx(PRODUCT_HEADERS, rows))
    assert response.status_code == 200
    assert response.context["preview"].new == 2
    assert not Product.objects.exists()  # the dry run saved nothing

    response = client.post(reverse("catalog:product_import"), {"token": response.context["token"]})
    assert response.status_code == 302
    p1, p2 = Product.objects.order_by("code")
    assert (p1.code, p1.category.code, p1.manufacturer.code) == ("P1", "6815", "WG")
    assert p1.device_class == 3 and p2.device_class == 2
    assert p1.mnemonic == "ycxsywjzsq"
    assert p2.max_qty == 2000 and p2.max_qty_period == "quarter"
    assert p1.registration_valid_until == today() + datetime.timedelta(days=900)
    # Imported products start their first-time approval as drafts, like the form.
    assert set(ProductFirstApproval.objects.values_list("status", flat=True)) == {
        ApprovalStatus.DRAFT
    }


def test_file_with_two_bad_rows_reports_both_and_imports_nothing(role_client, refs):
    client = role_client("purchaser")
    rows = [
        product_row("P1"),
        product_row("P2", national_wholesale_price=-3),  # row 3
        product_row("P3"),
        product_row("P4", category="9999"),  # row 5
    ]
    response = upload(client, xlsx(PRODUCT_HEADERS, rows))
    errors = response.context["errors"]
    assert any(e.startswith("Row 3") and "national_wholesale_price" in e for e in errors), errors
    assert any(e.startswith("Row 5") and "Unknown product category code 9999" in e for e in errors)
    assert not [e for e in errors if e.startswith(("Row 2", "Row 4"))]
    assert "preview" not in response.context
    assert not Product.objects.exists()
    assert "Nothing was imported" in response.content.decode()


@pytest.mark.parametrize(
    "overrides,field,message",
    [
        ({"code": None}, "code", "The code is missing"),
        ({"registration_number": "国械注准123"}, "registration_number", "国械注准123 is not"),
        ({"min_stock": -1}, "min_stock", "greater than or equal to 0"),
        ({"min_stock": 600, "max_stock": 500}, "max_stock", "below the minimum stock 600"),
        ({"max_qty": 100}, "max_qty_period", "needs a period"),
        ({"max_qty": 100, "max_qty_period": "weekly"}, "max_qty_period", "weekly is not one of"),
        ({"manufacturer": "NOPE"}, "manufacturer", "Unknown manufacturer code NOPE"),
        ({"device_class": "IV"}, "device_class", "IV is not one of"),
        ({"national_wholesale_price": "abc"}, "national_wholesale_price", "abc is not a number"),
        ({"shelf_life_months": 1.5}, "shelf_life_months", "not a whole number"),
        ({"registration_valid_until": "31/12/2030"}, "registration_valid_until", "not a date"),
        ({"registration_valid_until": None}, "registration_valid_until", "has an expiry date"),
        ({"is_controlled": "maybe"}, "is_controlled", "maybe is not yes/no"),
        ({"retail_price": -0.5}, "retail_price", "greater than or equal to 0"),
    ],
)
def test_each_bad_value_is_a_row_error_naming_the_field(refs, overrides, field, message):
    dataset = tablib.Dataset(
        product_row("OK1"), product_row(**{"code": "BAD", **overrides}), headers=PRODUCT_HEADERS
    )
    with pytest.raises(ImportRefused) as refused:
        import_dataset(ProductResource(), dataset, dry_run=False)
    errors = refused.value.errors
    assert any(e.startswith(f"Row 3, {field}:") and message in e for e in errors), errors
    assert not Product.objects.exists()


def test_duplicate_code_in_the_same_file_is_refused(role_client, refs):
    rows = [product_row("P1"), product_row("P2"), product_row("P1", spec="10ml")]
    response = upload(role_client("purchaser"), xlsx(PRODUCT_HEADERS, rows))
    errors = response.context["errors"]
    assert errors == ["Row 4, code: Code P1 already appears in row 2 of this file."]
    assert not Product.objects.exists()


def test_existing_codes_are_updated_not_duplicated(refs):
    ProductFactory(code="P1", category=refs[0], manufacturer=refs[1], spec="old")
    dataset = tablib.Dataset(product_row("P1", spec="new"), headers=PRODUCT_HEADERS)
    summary = import_dataset(ProductResource(), dataset, dry_run=False)
    assert (summary.new, summary.updated) == (0, 1)
    assert Product.objects.get(code="P1").spec == "new"


def test_non_spreadsheet_file_is_refused(role_client):
    client = role_client("purchaser")
    png = SimpleUploadedFile("logo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    response = upload(client, png)
    assert response.context["errors"] == ["The file is not a spreadsheet (.xlsx or .csv)."]
    broken = SimpleUploadedFile("products.xlsx", b"PK\x03\x04 not really a zip")
    response = upload(client, broken)
    assert "not a readable Excel workbook" in response.context["errors"][0]
    assert not Product.objects.exists()


def test_wrong_headers_are_refused(role_client, refs):
    headers = ["编号", "名称", "规格"]
    response = upload(role_client("purchaser"), xlsx(headers, [["P1", "注射器", "5ml"]]))
    errors = response.context["errors"]
    assert errors[0].startswith("Missing columns: code, name, spec")
    assert errors[1] == "Unknown columns: 编号, 名称, 规格."
    assert not Product.objects.exists()


def test_gbk_csv_is_read(role_client, refs):
    rows = [product_row("P1", registration_valid_until="2030-12-31")]
    file = csv_file(PRODUCT_HEADERS, rows, encoding="gb18030")
    response = upload(role_client("purchaser"), file)
    assert response.context["preview"].new == 1


def test_sales_may_not_import(role_client, refs):
    response = upload(role_client("sales"), xlsx(PRODUCT_HEADERS, [product_row("P1")]))
    assert response.status_code == 403


def test_category_import_links_parents_by_code(role_client):
    headers = ["code", "name", "parent", "kind"]
    rows = [
        ["6815", "注射穿刺器械", None, "device"],
        ["6815-01", "注射器", "6815", None],
        ["6815-02", "穿刺针", "6866", None],
        ["6815-01", "重复", "6815", None],
    ]
    client = role_client("quality_manager")
    errors = upload(client, xlsx(headers, rows), "catalog:category_import").context["errors"]
    assert errors == [
        "Row 4, parent: Unknown product category code 6866.",
        "Row 5, code: Code 6815-01 already appears in row 3 of this file.",
    ]
    assert not Category.objects.exists()
    response = upload(client, xlsx(headers, rows[:2]), "catalog:category_import")
    client.post(reverse("catalog:category_import"), {"token": response.context["token"]})
    child = Category.objects.get(code="6815-01")
    assert child.parent.code == "6815" and child.kind == "device" and child.is_active


def test_sub_category_must_extend_its_parent_code():
    CategoryFactory(code="6815")
    dataset = tablib.Dataset(
        ["6866-01", "x", "6815", "device"], headers=["code", "name", "parent", "kind"]
    )
    with pytest.raises(ImportRefused) as refused:
        import_dataset(CategoryResource(), dataset, dry_run=True)
    assert "must start with its parent's code 6815-" in refused.value.errors[0]


def test_manufacturer_import_refuses_duplicate_name_and_bad_phone():
    ManufacturerFactory(code="M1", name="威高")
    headers = ["code", "name", "phone"]
    dataset = tablib.Dataset(
        ["M2", "威高", "021-1234567"], ["M3", "康德莱", "phone"], headers=headers
    )
    with pytest.raises(ImportRefused) as refused:
        import_dataset(ManufacturerResource(), dataset, dry_run=False)
    errors = refused.value.errors
    assert errors[0].startswith("Row 2, name:")
    assert errors[1].startswith("Row 3, phone:")
    assert Manufacturer.objects.count() == 1


def test_export_then_import_round_trips(refs):
    ProductFactory(
        code="RT1", category=refs[0], manufacturer=refs[1], max_qty=5, max_qty_period="month"
    )
    exported = ProductResource().export()
    Product.objects.filter(code="RT1").update(spec="changed")
    summary = import_dataset(ProductResource(), exported, dry_run=False)
    assert summary.updated == 1
    product = Product.objects.get(code="RT1")
    assert product.spec == "Fr16" and product.max_qty_period == "month"


LICENCE_HEADERS = licence_import_headers("manufacturer")


def test_licence_import_checks_expiry_number_scope_and_codes():
    ManufacturerFactory(code="WG", name="威高")
    CategoryFactory(code="6815")
    issued = today() - datetime.timedelta(days=400)
    valid = today() + datetime.timedelta(days=400)
    rows = [
        [
            "WG",
            "device_production",
            "鲁药监械生产许20150001号",
            "威高",
            issued,
            valid,
            "II,III",
            "6815",
        ],
        [
            "WG",
            "device_production",
            "鲁药监械生产许20150002号",
            "威高",
            issued,
            today() - datetime.timedelta(days=1),
            "3",
            "",
        ],
        ["WG", "device_production", "123", "威高", issued, valid, "3", ""],
        ["WG", "device_production", "鲁药监械生产许20150004号", "威高", issued, valid, "IV", ""],
        ["XX", "device_production", "鲁药监械生产许20150005号", "威高", issued, valid, "3", "6899"],
        ["WG", "device_production", "鲁药监械生产许20150006号", "威高", issued, valid, "3", "6899"],
    ]
    dataset = tablib.Dataset(*rows, headers=LICENCE_HEADERS)
    with pytest.raises(ImportRefused) as refused:
        import_dataset(ManufacturerLicenceResource(), dataset, dry_run=False)
    errors = refused.value.errors
    assert any(e.startswith("Row 3, valid_until:") and "renewed licence" in e for e in errors)
    assert any(e.startswith("Row 4, number:") for e in errors)
    assert any(e.startswith("Row 5, scope_classes:") and "IV is not one of" in e for e in errors)
    assert any(e.startswith("Row 6, manufacturer:") for e in errors)
    assert any(
        e.startswith("Row 7") and "Unknown product category codes: 6899" in e for e in errors
    )
    assert not [e for e in errors if e.startswith("Row 2")]
    assert not ManufacturerLicence.objects.exists()

    summary = import_dataset(
        ManufacturerLicenceResource(),
        tablib.Dataset(rows[0], headers=LICENCE_HEADERS),
        dry_run=False,
    )
    assert summary.new == 1
    licence = ManufacturerLicence.objects.get()
    assert licence.scope_classes == [2, 3]
    assert [c.code for c in licence.scope_categories.all()] == ["6815"]


def test_approval_export_lists_who_approved():
    from apps.catalog.resources import ProductFirstApprovalResource
    from apps.catalog.tests.factories import approve

    product = ProductFactory(code="AP1")
    approve(product)
    dataset = ProductFirstApprovalResource().export()
    row = dict(zip(dataset.headers, dataset[0], strict=True))
    assert row["product_code"] == "AP1"
    assert row["status"] == "Approved"
    assert (row["quality_by"], row["manager_by"]) == (
        "approval_quality_manager",
        "approval_manager",
    )
