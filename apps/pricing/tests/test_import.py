"""Excel import and export of the cross discount matrix: all or nothing, specific errors."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.core.importing import ImportRefused, import_spreadsheet
from apps.pricing.models import CrossDiscount
from apps.pricing.resources import COLUMNS, CrossDiscountResource

from .factories import (
    CategoryFactory,
    CrossDiscountFactory,
    CustomerClassFactory,
    CustomerFactory,
    ProductFactory,
    role_user,
)

pytestmark = pytest.mark.django_db


def xlsx(rows, headers=COLUMNS, name="discounts.xlsx"):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


@pytest.fixture
def refs():
    return {
        "customer": CustomerFactory(code="K001"),
        "class": CustomerClassFactory(code="A", name="三级医院"),
        "product": ProductFactory(code="P001"),
        "category": CategoryFactory(code="6866", name="医用高分子材料"),
    }


GOOD_ROWS = [
    # customer, class, product, category, rate, floor, active, note
    ("K001", "", "P001", "", 95, 10.5, "是", "年度协议"),
    ("K001", "", "", "6866", "92.5", None, "", ""),
    ("", "A", "P001", "", 97, None, "1", ""),
    ("", "A", "", "6866", 98, None, "否", "停用"),
]


def run(file, *, dry_run):
    return import_spreadsheet(
        CrossDiscountResource(), file, user=role_user("purchaser"), dry_run=dry_run
    )


def test_a_good_file_is_checked_then_imported(refs):
    summary = run(xlsx(GOOD_ROWS), dry_run=True)
    assert (summary.new, summary.updated) == (4, 0)
    assert not CrossDiscount.objects.exists()
    run(xlsx(GOOD_ROWS), dry_run=False)
    rows = {
        (r.level, r.rate_pct, r.floor_price, r.is_active, r.note)
        for r in CrossDiscount.objects.all()
    }
    assert rows == {
        ("customer_product", Decimal("95.00"), Decimal("10.50"), True, "年度协议"),
        ("customer_category", Decimal("92.50"), None, True, ""),
        ("class_product", Decimal("97.00"), None, True, ""),
        ("class_category", Decimal("98.00"), None, False, "停用"),
    }


def test_a_known_combination_is_updated_not_duplicated(refs):
    CrossDiscountFactory(customer=refs["customer"], product=refs["product"], rate_pct=80)
    summary = run(xlsx(GOOD_ROWS[:1]), dry_run=False)
    assert (summary.new, summary.updated) == (0, 1)
    assert CrossDiscount.objects.get().rate_pct == Decimal("95.00")


def test_unknown_codes_are_named_and_nothing_is_saved(refs):
    rows = [
        GOOD_ROWS[0],
        ("K999", "", "P001", "", 95, None, "", ""),
        ("", "ZZ", "P001", "", 95, None, "", ""),
        ("K001", "", "P999", "", 95, None, "", ""),
        ("K001", "", "", "9999", 95, None, "", ""),
    ]
    with pytest.raises(ImportRefused) as refused:
        run(xlsx(rows), dry_run=True)
    text = "\n".join(refused.value.errors)
    assert "Row 3" in text and "Unknown customer code K999." in text
    assert "Row 4" in text and "Unknown customer class code ZZ." in text
    assert "Row 5" in text and "Unknown product code P999." in text
    assert "Row 6" in text and "Unknown product category code 9999." in text
    assert not CrossDiscount.objects.exists()
    with pytest.raises(ImportRefused):
        run(xlsx(rows), dry_run=False)
    assert not CrossDiscount.objects.exists()


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (("K001", "A", "P001", "", 95, None, "", ""), "not both"),
        (("", "", "P001", "", 95, None, "", ""), "Give a customer code or a customer class"),
        (("K001", "", "P001", "6866", 95, None, "", ""), "not both"),
        (("K001", "", "", "", 95, None, "", ""), "Give a product code or a category code."),
        (("K001", "", "P001", "", 0, None, "", ""), "must be above 0 and at most 100"),
        (("K001", "", "P001", "", 101, None, "", ""), "must be above 0 and at most 100"),
        (("K001", "", "P001", "", "九五", None, "", ""), "九五 is not a number."),
        (("K001", "", "P001", "", 95, -1, "", ""), "floor price cannot be negative"),
        (("K001", "", "P001", "", 95, None, "maybe", ""), "maybe is not yes/no"),
    ],
)
def test_bad_rows_are_refused_with_a_reason(refs, row, message):
    with pytest.raises(ImportRefused) as refused:
        run(xlsx([GOOD_ROWS[2], row]), dry_run=True)
    assert any(message in e for e in refused.value.errors), refused.value.errors
    assert all(e.startswith("Row 3") for e in refused.value.errors), refused.value.errors
    assert not CrossDiscount.objects.exists()


def test_a_combination_twice_in_a_file_is_refused(refs):
    with pytest.raises(ImportRefused) as refused:
        run(xlsx([GOOD_ROWS[0], GOOD_ROWS[1], GOOD_ROWS[0]]), dry_run=True)
    assert any("already appears in row 2" in e for e in refused.value.errors)


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (SimpleUploadedFile("d.xlsx", b"PK\x03\x04 broken zip"), "not a readable Excel"),
        (SimpleUploadedFile("d.pdf", b"%PDF-1.4\x00\x00"), "not a spreadsheet"),
        (SimpleUploadedFile("d.csv", b""), "The file is empty."),
        ("wrong-headers", "Missing columns: rate_pct."),
    ],
)
def test_malformed_files_save_nothing(refs, file, message):
    if file == "wrong-headers":
        file = xlsx([("K001", "", "P001", "")], headers=COLUMNS[:4])
    with pytest.raises(ImportRefused) as refused:
        run(file, dry_run=False)
    assert any(message in e for e in refused.value.errors), refused.value.errors
    assert not CrossDiscount.objects.exists()


def test_import_page_dry_run_then_confirm(role_client, refs):
    client = role_client("purchaser")
    url = reverse("pricing:crossdiscount_import")
    response = client.post(url, {"file": xlsx(GOOD_ROWS)})
    assert response.status_code == 200
    assert response.context["preview"].new == 4
    assert not CrossDiscount.objects.exists()
    response = client.post(url, {"token": response.context["token"]})
    assert response.status_code == 302
    assert CrossDiscount.objects.count() == 4


def test_import_page_lists_errors_and_saves_nothing(role_client, refs):
    client = role_client("manager")
    response = client.post(
        reverse("pricing:crossdiscount_import"),
        {"file": xlsx([("K404", "", "P001", "", 95, None, "", "")])},
    )
    assert response.status_code == 200
    assert any("Unknown customer code K404." in e for e in response.context["errors"])
    assert not CrossDiscount.objects.exists()


def test_sales_may_not_import(role_client, refs):
    response = role_client("sales").get(reverse("pricing:crossdiscount_import"))
    assert response.status_code == 403


def test_export_can_be_imported_back(role_client, refs):
    run(xlsx(GOOD_ROWS), dry_run=False)
    response = role_client("sales").get(reverse("pricing:crossdiscount_list"), {"_export": "xlsx"})
    assert response.status_code == 200
    exported = SimpleUploadedFile("export.xlsx", response.content)
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert [c.value for c in book.active[1]] == list(COLUMNS)
    summary = run(exported, dry_run=True)
    assert (summary.new, summary.updated) == (0, 4)
