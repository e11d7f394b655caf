"""Spreadsheet import of suppliers, licences and sales reps: all-or-nothing, every bad row
reported with its row number and reason."""

import datetime
import io

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.catalog.tests.factories import CategoryFactory
from apps.core.importing import ImportRefused, import_spreadsheet
from apps.core.models import LicenceType, today
from apps.core.tests.factories import licence_import_headers, make_uscc
from apps.suppliers.models import SalesRepAuthorisation, Supplier, SupplierLicence
from apps.suppliers.resources import (
    SalesRepAuthorisationResource,
    SupplierLicenceResource,
    SupplierResource,
)

from .factories import USCC_BASE, SupplierFactory, SupplierLicenceFactory, make_id_number

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
SUPPLIER_HEADERS = [
    "code",
    "name",
    "unified_social_credit_code",
    "address",
    "contact_person",
    "phone",
    "is_active",
]
LICENCE_HEADERS = licence_import_headers("supplier")


def uscc(n):
    return make_uscc(USCC_BASE + 8000 + n)


def csv_upload(headers, rows, name="data.csv"):
    dataset = tablib.Dataset(*rows, headers=headers)
    return SimpleUploadedFile(name, dataset.export("csv").encode("utf-8"))


def xlsx_upload(headers, rows, name="data.xlsx"):
    dataset = tablib.Dataset(*rows, headers=headers)
    return SimpleUploadedFile(name, dataset.export("xlsx"))


def supplier_row(n, **overrides):
    row = {
        "code": f"IMP{n:03d}",
        "name": f"导入供应商{n}有限公司",
        "unified_social_credit_code": uscc(n),
        "address": "上海市静安区南京西路1号",
        "contact_person": "刘洋",
        "phone": "021-62001234",
        "is_active": "是",
    }
    row.update(overrides)
    return [row[h] for h in SUPPLIER_HEADERS]


def import_suppliers(rows, *, dry_run=False, upload=None):
    upload = upload or csv_upload(SUPPLIER_HEADERS, rows)
    return import_spreadsheet(SupplierResource(), upload, dry_run=dry_run)


def refused(call) -> list[str]:
    with pytest.raises(ImportRefused) as raised:
        call()
    return raised.value.errors


# --- suppliers ------------------------------------------------------------------------------


def test_clean_csv_imports_every_row():
    summary = import_suppliers([supplier_row(1), supplier_row(2, is_active="否")])

    assert (summary.new, summary.updated) == (2, 0)
    assert Supplier.objects.get(code="IMP002").is_active is False
    assert Supplier.objects.get(code="IMP001").mnemonic == "drgys1yxgs"


def test_dry_run_saves_nothing():
    summary = import_suppliers([supplier_row(1)], dry_run=True)
    assert summary.new == 1
    assert not Supplier.objects.exists()


def test_xlsx_import_and_reimport_updates():
    import_suppliers([], upload=xlsx_upload(SUPPLIER_HEADERS, [supplier_row(1)]))
    summary = import_suppliers(
        [], upload=xlsx_upload(SUPPLIER_HEADERS, [supplier_row(1, phone="021-11112222")])
    )
    assert (summary.new, summary.updated) == (0, 1)
    assert Supplier.objects.get().phone == "021-11112222"


def test_malformed_credit_code_rejects_the_whole_file():
    errors = refused(
        lambda: import_suppliers(
            [supplier_row(1), supplier_row(2, unified_social_credit_code="91310000123")]
        )
    )

    assert errors == [
        "Row 3, unified_social_credit_code: A unified social credit code has 18 digits or "
        "capital letters (no I, O, S, V, Z)."
    ]
    assert not Supplier.objects.exists()


def test_credit_code_checksum_is_checked():
    bad = uscc(1)[:-1] + ("0" if uscc(1)[-1] != "0" else "1")
    errors = refused(lambda: import_suppliers([supplier_row(1, unified_social_credit_code=bad)]))
    assert errors == [
        f"Row 2, unified_social_credit_code: Unified social credit code {bad} fails its check "
        "character."
    ]


def test_credit_code_of_an_existing_supplier_is_refused():
    other = SupplierFactory(unified_social_credit_code=uscc(1))

    errors = refused(lambda: import_suppliers([supplier_row(1)]))

    assert errors == [
        f"Row 2, unified_social_credit_code: Unified social credit code {uscc(1)} already "
        f"belongs to supplier {other.name} ({other.code})."
    ]
    assert Supplier.objects.count() == 1


def test_duplicate_codes_inside_one_file_are_refused():
    errors = refused(
        lambda: import_suppliers(
            [
                supplier_row(1),
                supplier_row(2),
                supplier_row(3, code="IMP001"),
                supplier_row(4, unified_social_credit_code=uscc(2).lower()),
            ]
        )
    )

    assert errors == [
        "Row 4: Supplier code IMP001 appears again (first on row 2).",
        f"Row 5: Unified social credit code {uscc(2)} appears again (first on row 3).",
    ]
    assert not Supplier.objects.exists()


def test_missing_code_is_refused():
    errors = refused(lambda: import_suppliers([supplier_row(1, code="")]))
    assert errors == ["Row 2: The supplier code is missing."]


def test_bad_boolean_and_every_bad_row_are_listed():
    errors = refused(
        lambda: import_suppliers(
            [supplier_row(1, is_active="maybe"), supplier_row(2, phone="none"), supplier_row(3)]
        )
    )
    assert errors == [
        "Row 2, is_active: maybe is not yes/no (use 1/0, 是/否).",
        "Row 3, phone: Enter a telephone number of digits, spaces, + - ( ).",
    ]
    assert not Supplier.objects.exists()


def test_wrong_headers_are_refused():
    headers = [h if h != "phone" else "telephone" for h in SUPPLIER_HEADERS]
    errors = refused(lambda: import_suppliers([], upload=csv_upload(headers, [supplier_row(1)])))
    assert errors[0] == "Missing columns: phone."
    assert errors[1] == "Unknown columns: telephone."
    assert not Supplier.objects.exists()


def test_optional_columns_may_be_left_out():
    headers = ["code", "name", "unified_social_credit_code", "address", "contact_person", "phone"]
    rows = [supplier_row(1)[:6]]
    summary = import_suppliers([], upload=csv_upload(headers, rows))
    assert summary.new == 1
    assert Supplier.objects.get().is_active is True


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("picture.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
        ("report.pdf", b"%PDF-1.4\x00\x01binary"),
        ("broken.xlsx", b"PK\x03\x04 not really a workbook"),
    ],
)
def test_files_that_are_not_spreadsheets_are_refused(name, content):
    errors = refused(lambda: import_suppliers([], upload=SimpleUploadedFile(name, content)))
    assert len(errors) == 1
    assert "not a" in errors[0] and ("spreadsheet" in errors[0] or "Excel" in errors[0])
    assert not Supplier.objects.exists()


# --- licences -------------------------------------------------------------------------------


@pytest.fixture
def supplier():
    return SupplierFactory(code="GYS9001")


@pytest.fixture
def categories():
    return [CategoryFactory(code="6815"), CategoryFactory(code="6866")]


def licence_row(**overrides):
    row = {
        "supplier": "GYS9001",
        "licence_type": LicenceType.DEVICE_OPERATING.label,
        "number": "沪药监械经营许20220001号",
        "holder": "",
        "issued_on": (today() - 50 * DAY).isoformat(),
        "valid_until": (today() + 800 * DAY).isoformat(),
        "scope_classes": "III",
        "scope_categories": "6815,6866",
    }
    row.update(overrides)
    return [row[h] for h in LICENCE_HEADERS]


def import_licences(rows, *, dry_run=False):
    return import_spreadsheet(
        SupplierLicenceResource(), csv_upload(LICENCE_HEADERS, rows), dry_run=dry_run
    )


def test_licences_import_with_scope_codes_and_label_types(supplier, categories):
    business = licence_row(
        licence_type="business",
        number=supplier.unified_social_credit_code.lower(),
        valid_until="",
        scope_classes="",
        scope_categories="",
    )
    summary = import_licences([licence_row(), business])

    assert summary.new == 2
    operating = SupplierLicence.objects.get(licence_type=LicenceType.DEVICE_OPERATING)
    assert operating.holder == supplier.name
    assert operating.scope_classes == [3]
    assert sorted(c.code for c in operating.scope_categories.all()) == ["6815", "6866"]
    assert SupplierLicence.objects.get(licence_type=LicenceType.BUSINESS).valid_until is None


def test_licence_reimport_updates_by_supplier_type_and_number(supplier, categories):
    import_licences([licence_row()])
    summary = import_licences([licence_row(scope_categories="6815", holder="新名称")])

    assert (summary.new, summary.updated) == (0, 1)
    licence = SupplierLicence.objects.get()
    assert licence.holder == "新名称"
    assert [c.code for c in licence.scope_categories.all()] == ["6815"]


def test_expired_licence_may_be_updated_by_import(supplier, categories):
    SupplierLicenceFactory(
        supplier=supplier,
        licence_type=LicenceType.DEVICE_OPERATING,
        number="沪药监械经营许20220001号",
        issued_on=today() - 900 * DAY,
        valid_until=today() - 10 * DAY,
        categories=categories,
    )
    summary = import_licences(
        [
            licence_row(
                issued_on=(today() - 900 * DAY).isoformat(),
                valid_until=(today() - 10 * DAY).isoformat(),
                holder="旧证",
            )
        ]
    )
    assert summary.updated == 1


def test_bad_licence_rows_are_all_reported_and_nothing_saved(supplier, categories):
    expired = today() - DAY
    rows = [
        licence_row(),  # good
        licence_row(number="沪药监械经营许20220002号", scope_categories="6815,9999"),
        licence_row(
            number="沪药监械经营许20220003号",
            issued_on=(today() - 10 * DAY).isoformat(),
            valid_until=(today() - 20 * DAY).isoformat(),
        ),
        licence_row(number="沪药监械经营许20220004号", valid_until=expired.isoformat()),
        licence_row(number="ABC123"),
        licence_row(number="沪药监械经营许20220005号", supplier="NOPE"),
        licence_row(number="沪药监械经营许20220006号", issued_on="2024-13-45"),
        licence_row(number="沪药监械经营许20220007号", licence_type="驾驶证"),
        licence_row(number="沪药监械经营许20220008号", scope_classes="IV"),
    ]

    errors = refused(lambda: import_licences(rows))

    assert "Row 3, scope_categories: Unknown product category codes: 9999." in errors
    assert any(
        e.startswith("Row 4, valid_until: The expiry date") and "is before the issue date" in e
        for e in errors
    )
    assert (
        f"Row 5, valid_until: This licence expired on {expired.isoformat()}; enter the current, "
        "renewed one." in errors
    )
    assert any(e.startswith("Row 6, number: ABC123 is not a valid number") for e in errors)
    assert "Row 7: Unknown supplier code NOPE." in errors
    assert "Row 8, issued_on: 2024-13-45 is not a date (use YYYY-MM-DD)." in errors
    assert any(e.startswith("Row 9") and "驾驶证 is not one of" in e for e in errors)
    assert any(e.startswith("Row 10, scope_classes: IV is not a device class") for e in errors)
    assert not any(e.startswith("Row 2") for e in errors)
    assert not SupplierLicence.objects.exists()


def test_operating_licence_without_scope_is_refused(supplier, categories):
    errors = refused(lambda: import_licences([licence_row(scope_classes="", scope_categories="")]))
    assert errors == [
        "Row 2, scope_classes: A Medical device operating licence (Class III) must list the "
        "device classes it covers.",
        "Row 2, scope_categories: A Medical device operating licence (Class III) must list the "
        "catalogue categories it covers.",
    ]


def test_duplicate_licence_rows_in_one_file_are_refused(supplier, categories):
    errors = refused(lambda: import_licences([licence_row(), licence_row(holder="x")]))
    assert errors == [
        "Row 3: Licence GYS9001 / Medical device operating licence (Class III) / "
        "沪药监械经营许20220001号 appears again (first on row 2)."
    ]


def test_business_licence_number_must_match_the_credit_code(supplier, categories):
    other = make_uscc(USCC_BASE + 8999)
    errors = refused(
        lambda: import_licences(
            [
                licence_row(
                    licence_type="business",
                    number=other,
                    valid_until="",
                    scope_classes="",
                    scope_categories="",
                )
            ]
        )
    )
    assert errors == [
        f"Row 2, number: The business licence number {other} differs from the supplier's "
        f"unified social credit code {supplier.unified_social_credit_code}."
    ]


# --- sales reps -----------------------------------------------------------------------------


REP_HEADERS = ["supplier", "rep_name", "id_number", "phone", "valid_from", "valid_until"]


def test_sales_reps_import_and_bad_rows(supplier):
    good = [
        "GYS9001",
        "钱多",
        make_id_number(11),
        "13600000000",
        today().isoformat(),
        (today() + 100 * DAY).isoformat(),
    ]
    bad_id = [
        "GYS9001",
        "孙少",
        "310101198506150000",
        "13600000000",
        today().isoformat(),
        (today() + 100 * DAY).isoformat(),
    ]
    expired = [
        "GYS9001",
        "李老",
        make_id_number(12),
        "13600000000",
        (today() - 100 * DAY).isoformat(),
        (today() - DAY).isoformat(),
    ]

    errors = refused(
        lambda: import_spreadsheet(
            SalesRepAuthorisationResource(),
            csv_upload(REP_HEADERS, [good, bad_id, expired]),
            dry_run=False,
        )
    )
    assert errors == [
        "Row 3, id_number: Identity card number 310101198506150000 fails its check character.",
        f"Row 4, valid_until: This authorisation expired on {(today() - DAY).isoformat()}; "
        "enter the current, renewed one.",
    ]
    assert not SalesRepAuthorisation.objects.exists()

    summary = import_spreadsheet(
        SalesRepAuthorisationResource(), csv_upload(REP_HEADERS, [good]), dry_run=False
    )
    assert summary.new == 1


# --- the staff import pages -----------------------------------------------------------------


def test_import_page_dry_run_then_confirm(role_client):
    client = role_client("purchaser")
    url = reverse("suppliers:supplier_import")

    preview = client.post(url, {"file": csv_upload(SUPPLIER_HEADERS, [supplier_row(1)])})
    assert preview.status_code == 200
    assert preview.context["preview"].new == 1
    assert not Supplier.objects.exists()

    done = client.post(url, {"token": preview.context["token"]})
    assert done.status_code == 302
    assert done.url == reverse("suppliers:supplier_list")
    assert Supplier.objects.get().code == "IMP001"


def test_import_page_lists_errors(role_client):
    client = role_client("purchaser")
    response = client.post(
        reverse("suppliers:supplier_import"),
        {"file": csv_upload(SUPPLIER_HEADERS, [supplier_row(1, unified_social_credit_code="X")])},
    )
    assert "Row 2, unified_social_credit_code" in response.content.decode()
    assert not Supplier.objects.exists()


def test_licence_import_page(role_client, supplier, categories):
    client = role_client("purchaser")
    url = reverse("suppliers:supplierlicence_import")

    preview = client.post(url, {"file": csv_upload(LICENCE_HEADERS, [licence_row()])})
    done = client.post(url, {"token": preview.context["token"]})

    assert done.status_code == 302
    assert done.url == reverse("suppliers:supplierlicence_list")
    assert SupplierLicence.objects.get().supplier == supplier


def test_import_pages_need_the_add_permission(role_client):
    assert role_client("auditor").get(reverse("suppliers:supplier_import")).status_code == 403
    assert (
        role_client("auditor", "auditor2")
        .get(reverse("suppliers:supplierlicence_import"))
        .status_code
        == 403
    )


def test_export_round_trip():
    SupplierFactory(code="EXP1")
    data = SupplierResource().export()
    assert data.headers[0] == "code"
    assert data[0][0] == "EXP1"
    assert io.BytesIO(data.export("xlsx")).getvalue().startswith(b"PK")


def test_licence_file_with_wrong_headers_is_refused(supplier, categories):
    headers = [h if h != "number" else "licence_no" for h in LICENCE_HEADERS]
    errors = refused(
        lambda: import_spreadsheet(
            SupplierLicenceResource(), csv_upload(headers, [licence_row()]), dry_run=True
        )
    )
    assert errors[:2] == ["Missing columns: number.", "Unknown columns: licence_no."]
    assert not SupplierLicence.objects.exists()


def test_name_of_another_supplier_is_refused():
    other = SupplierFactory(name="导入供应商1有限公司", code="OLD1")
    errors = refused(lambda: import_suppliers([supplier_row(1)]))
    assert errors == [f"Row 2, name: Supplier {other.name} already exists (code OLD1)."]
