"""Spreadsheet import of customer classes, customers and licences: strict, all-or-nothing,
every bad row reported with its row number, and the same rules as the forms."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.core.importing import ImportRefused, import_spreadsheet
from apps.core.models import LicenceType, today
from apps.core.tests.factories import licence_import_headers, make_uscc
from apps.customers.models import Customer, CustomerClass, CustomerLicence
from apps.customers.resources import (
    CustomerClassResource,
    CustomerLicenceResource,
    CustomerResource,
)

from .factories import CustomerClassFactory, CustomerFactory, CustomerLicenceFactory, make_category

pytestmark = pytest.mark.django_db

CUSTOMER_HEADERS = [
    "code",
    "name",
    "customer_type",
    "customer_class",
    "unified_social_credit_code",
    "address",
    "contact_person",
    "phone",
    "credit_limit",
    "payment_terms_days",
    "min_shelf_life_days",
    "is_active",
]
USCC_A = make_uscc(700_001)
USCC_B = make_uscc(700_002)


def csv_file(headers, rows, name="data.csv") -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode("utf-8"))


def customer_row(**values):
    row = {
        "code": "H0001",
        "name": "上海市东方医院",
        "customer_type": "hospital",
        "customer_class": "",
        "unified_social_credit_code": USCC_A,
        "address": "上海市浦东新区即墨路150号",
        "contact_person": "李静",
        "phone": "021-38804518",
        "credit_limit": "0",
        "payment_terms_days": "90",
        "min_shelf_life_days": "",
        "is_active": "1",
    }
    row.update(values)
    return [row[h] for h in CUSTOMER_HEADERS]


def import_customers(rows, *, user, dry_run=False, headers=CUSTOMER_HEADERS):
    return import_spreadsheet(
        CustomerResource(), csv_file(headers, rows), user=user, dry_run=dry_run
    )


def refused(callable_, *args, **kwargs) -> list[str]:
    with pytest.raises(ImportRefused) as excinfo:
        callable_(*args, **kwargs)
    return excinfo.value.errors


@pytest.fixture
def manager(make_user):
    return make_user("manager")


@pytest.fixture
def sales(make_user):
    return make_user("sales")


# customers: good files -------------------------------------------------------------


def test_import_customers_with_class_by_code_and_type_by_value_or_label(manager):
    klass = CustomerClassFactory(code="A3", name="三级医院")
    rows = [
        customer_row(customer_class="A3", credit_limit="50000"),
        customer_row(
            code="D0001",
            name="国药控股上海有限公司",
            customer_type="Distributor",
            unified_social_credit_code=USCC_B.lower(),
            min_shelf_life_days="180",
            is_active="否",
        ),
    ]

    summary = import_customers(rows, user=manager)

    assert (summary.new, summary.updated) == (2, 0)
    hospital = Customer.objects.get(code="H0001")
    assert hospital.customer_class == klass
    assert hospital.credit_limit == Decimal("50000")
    distributor = Customer.objects.get(code="D0001")
    assert distributor.customer_type == "distributor"
    assert distributor.unified_social_credit_code == USCC_B
    assert distributor.min_shelf_life_days == 180
    assert distributor.is_active is False
    assert distributor.mnemonic == "gykgshyxgs"


def test_dry_run_saves_nothing(manager):
    summary = import_customers([customer_row()], user=manager, dry_run=True)

    assert summary.new == 1
    assert not Customer.objects.exists()


def test_reimport_updates_by_code(manager):
    CustomerFactory(code="H0001", name="旧名称医院", unified_social_credit_code=USCC_A)

    summary = import_customers([customer_row(phone="021-99990000")], user=manager)

    assert (summary.new, summary.updated) == (0, 1)
    customer = Customer.objects.get(code="H0001")
    assert customer.name == "上海市东方医院"
    assert customer.phone == "021-99990000"


def test_optional_columns_may_be_left_out(manager):
    headers = [
        "code",
        "name",
        "customer_type",
        "unified_social_credit_code",
        "address",
        "contact_person",
        "phone",
    ]
    row = customer_row()
    values = [row[CUSTOMER_HEADERS.index(h)] for h in headers]

    import_customers([values], user=manager, headers=headers)

    customer = Customer.objects.get(code="H0001")
    assert customer.credit_limit == 0
    assert customer.payment_terms_days == 30
    assert customer.is_active


def test_export_reimports_unchanged(manager):
    CustomerClassFactory(code="A3")
    CustomerFactory(code="H0001", customer_class=CustomerClass.objects.get(code="A3"))
    CustomerFactory(code="H0002", min_shelf_life_days=200)
    dataset = CustomerResource().export()
    upload = SimpleUploadedFile("customers.xlsx", dataset.export("xlsx"))

    summary = import_spreadsheet(CustomerResource(), upload, user=manager, dry_run=False)

    assert (summary.new, summary.updated) == (0, 0)
    assert Customer.objects.count() == 2


# customers: bad files --------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"code": ""}, "Row 3, code: The customer code is missing."),
        (
            {"unified_social_credit_code": "91310000MA1FL0000X"},
            "Row 3, unified_social_credit_code: Unified social credit code "
            "91310000MA1FL0000X fails its check character.",
        ),
        (
            {"unified_social_credit_code": "1234"},
            "Row 3, unified_social_credit_code: A unified social credit code has 18 digits",
        ),
        ({"credit_limit": "-100"}, "Row 3, credit_limit: -100 is negative; enter 0 or more."),
        ({"credit_limit": "lots"}, "Row 3, credit_limit: lots is not a number."),
        ({"customer_class": "ZZ9"}, "Row 3, customer_class: Unknown customer class code ZZ9."),
        ({"customer_type": "clinic"}, "Row 3, customer_type: clinic is not one of: hospital"),
        ({"is_active": "maybe"}, "Row 3, is_active: maybe is not yes/no"),
        ({"payment_terms_days": "30.5"}, "Row 3, payment_terms_days: 30.5 is not a whole number."),
        ({"phone": "call me"}, "Row 3, phone: Enter a telephone number"),
    ],
)
def test_bad_customer_rows_are_refused_with_row_numbers(manager, values, message):
    rows = [
        customer_row(code="H0009", name="好的医院", unified_social_credit_code=USCC_B),
        customer_row(**values),
    ]

    errors = refused(import_customers, rows, user=manager)

    assert any(e.startswith(message) for e in errors), errors
    assert not Customer.objects.exists()


def test_every_bad_row_is_reported(manager):
    rows = [
        customer_row(code="", unified_social_credit_code=USCC_B),
        customer_row(credit_limit="-1"),
    ]

    errors = refused(import_customers, rows, user=manager)

    assert any(e.startswith("Row 2, code:") for e in errors)
    assert any(e.startswith("Row 3, credit_limit:") for e in errors)


def test_duplicate_code_inside_the_file_is_refused(manager):
    rows = [
        customer_row(),
        customer_row(name="另一家医院", unified_social_credit_code=USCC_B),
    ]

    errors = refused(import_customers, rows, user=manager)

    assert errors == [
        "Row 3, code: H0001 also appears in row 2 of this file; each may appear only once."
    ]
    assert not Customer.objects.exists()


def test_duplicate_credit_code_is_refused(manager):
    CustomerFactory(code="X0001", unified_social_credit_code=USCC_A)

    errors = refused(import_customers, [customer_row()], user=manager)

    assert len(errors) == 1
    assert errors[0].startswith("Row 2, unified_social_credit_code:")
    assert "already exists" in errors[0]
    assert Customer.objects.count() == 1


def test_sales_cannot_set_credit_limits_by_import(sales):
    CustomerFactory(code="H0001", unified_social_credit_code=USCC_A, credit_limit=Decimal(100))

    errors = refused(import_customers, [customer_row(credit_limit="90000")], user=sales)

    assert len(errors) == 1
    assert errors[0].startswith("Row 2, credit_limit: You may not change the credit limit")
    assert Customer.objects.get(code="H0001").credit_limit == Decimal(100)


def test_sales_may_import_customers_without_credit(sales):
    import_customers([customer_row(credit_limit="0")], user=sales)

    assert Customer.objects.get(code="H0001").credit_limit == 0


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        (["code", "name", "kind"], "Missing columns: customer_type, unified_social_credit_code"),
        ([*CUSTOMER_HEADERS, "colour"], "Unknown columns: colour."),
    ],
)
def test_wrong_headers_are_refused(manager, headers, message):
    rows = [["H0001"] * len(headers)]

    errors = refused(import_customers, rows, user=manager, headers=headers)

    assert errors[0].startswith(message)
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "The file is not a spreadsheet"),
        ("broken.xlsx", b"PK\x03\x04 not really a zip", "The file is not a readable Excel"),
        ("empty.csv", b"", "The file is empty."),
        ("only-header.csv", ",".join(CUSTOMER_HEADERS).encode(), "The file has a header row"),
    ],
)
def test_non_spreadsheets_are_refused(manager, name, content, message):
    upload = SimpleUploadedFile(name, content)

    errors = refused(import_spreadsheet, CustomerResource(), upload, user=manager, dry_run=False)

    assert errors[0].startswith(message)


# customer classes ------------------------------------------------------------------


def test_import_customer_classes(manager):
    upload = csv_file(["code", "name"], [["a3", "三级医院"], ["PH", "连锁药房"]])

    import_spreadsheet(CustomerClassResource(), upload, user=manager, dry_run=False)

    assert set(CustomerClass.objects.values_list("code", flat=True)) == {"A3", "PH"}


def test_customer_class_duplicates_and_missing_codes_are_refused(manager):
    upload = csv_file(["code", "name"], [["A3", "三级医院"], ["a3", "二级医院"], ["", "无代码"]])

    errors = refused(
        import_spreadsheet, CustomerClassResource(), upload, user=manager, dry_run=False
    )

    assert (
        "Row 3, code: a3 also appears in row 2 of this file; each may appear only once." in errors
    )
    assert "Row 4, code: The customer class code is missing." in errors
    assert not CustomerClass.objects.exists()


# licences --------------------------------------------------------------------------

LICENCE_HEADERS = licence_import_headers("customer")


def licence_row(**values):
    row = {
        "customer": "D0001",
        "licence_type": "device_operating",
        "number": "沪药监械经营许20200001号",
        "holder": "国药控股上海有限公司",
        "issued_on": (today() - datetime.timedelta(days=100)).isoformat(),
        "valid_until": (today() + datetime.timedelta(days=900)).isoformat(),
        "scope_classes": "III",
        "scope_categories": "6815",
    }
    row.update(values)
    return [row[h] for h in LICENCE_HEADERS]


def import_licences(rows, *, user, dry_run=False):
    return import_spreadsheet(
        CustomerLicenceResource(), csv_file(LICENCE_HEADERS, rows), user=user, dry_run=dry_run
    )


@pytest.fixture
def distributor():
    make_category("6815", "注射穿刺器械")
    make_category("6866", "医用高分子材料及制品")
    return CustomerFactory(code="D0001", name="国药控股上海有限公司")


def test_import_licences_with_scope(manager, distributor):
    rows = [
        licence_row(scope_categories="6815，6866"),
        licence_row(
            licence_type="Business licence",
            number=distributor.unified_social_credit_code,
            valid_until="",
            scope_classes="",
            scope_categories="",
        ),
    ]

    summary = import_licences(rows, user=manager)

    assert summary.new == 2
    operating = distributor.licences.get(licence_type=LicenceType.DEVICE_OPERATING)
    assert operating.scope_classes == [3]
    assert sorted(c.code for c in operating.scope_categories.all()) == ["6815", "6866"]
    business = distributor.licences.get(licence_type=LicenceType.BUSINESS)
    assert business.valid_until is None


def test_licence_identity_is_customer_type_and_number(manager, distributor):
    licence = CustomerLicenceFactory(
        customer=distributor,
        licence_type=LicenceType.DEVICE_OPERATING,
        number="沪药监械经营许20200001号",
        valid_until=today() + datetime.timedelta(days=10),
        scope_classes=[3],
    )
    renewed = today() + datetime.timedelta(days=1500)

    summary = import_licences([licence_row(valid_until=renewed.isoformat())], user=manager)

    assert (summary.new, summary.updated) == (0, 1)
    licence.refresh_from_db()
    assert licence.valid_until == renewed
    assert CustomerLicence.objects.count() == 1


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"customer": "NOPE"}, "Row 2: Unknown customer code NOPE."),
        ({"customer": ""}, "Row 2, customer: The customer code is missing."),
        ({"number": ""}, "Row 2, number: The licence number is missing."),
        (
            {
                "issued_on": (today() - datetime.timedelta(days=5)).isoformat(),
                "valid_until": (today() - datetime.timedelta(days=1)).isoformat(),
            },
            "Row 2, valid_until: This licence expired on",
        ),
        (
            {
                "issued_on": (today() + datetime.timedelta(days=30)).isoformat(),
                "valid_until": (today() + datetime.timedelta(days=20)).isoformat(),
            },
            "Row 2, valid_until: The expiry date",
        ),
        ({"issued_on": "2024-13-45"}, "Row 2, issued_on: 2024-13-45 is not a date"),
        ({"number": "沪械20200001"}, "Row 2, number: 沪械20200001 is not a valid number"),
        ({"scope_classes": "II"}, "Row 2, scope_classes: A Medical device operating licence"),
        ({"scope_classes": "IV"}, "Row 2, scope_classes: IV is not a device class"),
        ({"scope_categories": "6815,9999"}, "Row 2: Unknown product category codes: 9999."),
        ({"licence_type": "permit"}, "Row 2: permit is not one of: business"),
    ],
)
def test_bad_licence_rows_are_refused(manager, distributor, values, message):
    errors = refused(import_licences, [licence_row(**values)], user=manager)

    assert any(e.startswith(message) for e in errors), errors
    assert not CustomerLicence.objects.exists()


def test_duplicate_licence_inside_the_file_is_refused(manager, distributor):
    rows = [licence_row(), licence_row(licence_type="Medical device operating licence (Class III)")]

    errors = refused(import_licences, rows, user=manager)

    assert errors == [
        "Row 3, number: D0001, Medical device operating licence (Class III), "
        "沪药监械经营许20200001号 also appears in row 2 of this file; each may appear only once."
    ]
    assert not CustomerLicence.objects.exists()


def test_one_bad_licence_row_imports_nothing(manager, distributor):
    rows = [
        licence_row(),
        licence_row(
            licence_type="drug_operating",
            number="沪AA0210001",
            valid_until=(today() - datetime.timedelta(days=1)).isoformat(),
            scope_classes="",
            scope_categories="",
        ),
    ]

    errors = refused(import_licences, rows, user=manager)

    assert len(errors) == 1 and errors[0].startswith("Row 3, valid_until:")
    assert not CustomerLicence.objects.exists()


def test_licence_xlsx_with_real_dates(manager, distributor):
    dataset = tablib.Dataset(headers=LICENCE_HEADERS)
    dataset.append(
        [
            "D0001",
            "device_operating",
            "沪药监械经营许20200001号",
            "国药控股上海有限公司",
            today() - datetime.timedelta(days=10),
            datetime.datetime.combine(today() + datetime.timedelta(days=700), datetime.time()),
            3,
            "6815",
        ]
    )
    upload = SimpleUploadedFile("licences.xlsx", dataset.export("xlsx"))

    import_spreadsheet(CustomerLicenceResource(), upload, user=manager, dry_run=False)

    licence = distributor.licences.get()
    assert licence.valid_until == today() + datetime.timedelta(days=700)
    assert licence.scope_classes == [3]


# the import pages ------------------------------------------------------------------


def test_import_page_dry_run_then_confirm(role_client):
    client = role_client("manager")
    url = reverse("customers:customer_import")
    upload = csv_file(CUSTOMER_HEADERS, [customer_row()])

    response = client.post(url, {"file": upload})

    assert response.status_code == 200
    assert not Customer.objects.exists()
    token = response.context["token"]
    response = client.post(url, {"token": token})
    assert response.status_code == 302
    assert Customer.objects.filter(code="H0001").exists()


def test_import_page_lists_bad_rows(role_client):
    client = role_client("sales")
    upload = csv_file(CUSTOMER_HEADERS, [customer_row(customer_class="ZZ9")])

    response = client.post(reverse("customers:customer_import"), {"file": upload})

    assert "Row 2, customer_class: Unknown customer class code ZZ9." in response.content.decode()
    assert not Customer.objects.exists()


def test_licence_import_page(role_client, distributor):
    client = role_client("sales")
    url = reverse("customers:customerlicence_import")
    upload = csv_file(LICENCE_HEADERS, [licence_row()])

    response = client.post(url, {"file": upload})
    assert response.status_code == 200, response.content
    response = client.post(url, {"token": response.context["token"]})

    assert response.status_code == 302
    assert response["Location"] == reverse("customers:customer_list")
    assert distributor.licences.count() == 1


def test_keeper_cannot_import(role_client):
    client = role_client("keeper")

    assert client.get(reverse("customers:customer_import")).status_code == 403
    assert client.get(reverse("customers:customerlicence_import")).status_code == 403
