"""Bad input on the supplier, licence and sales-rep pages: a specific message on the right
field, and nothing saved."""

import datetime

import pytest
from django.urls import reverse

from apps.catalog.tests.factories import CategoryFactory
from apps.core.models import LicenceType, today
from apps.core.tests.factories import make_uscc
from apps.suppliers.models import SalesRepAuthorisation, Supplier, SupplierLicence

from .factories import USCC_BASE, SupplierFactory, SupplierLicenceFactory, make_id_number

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
GOOD_USCC = make_uscc(USCC_BASE + 9000)


def supplier_data(**overrides):
    data = {
        "code": "GYS0001",
        "name": "上海华康医疗器械有限公司",
        "unified_social_credit_code": GOOD_USCC,
        "address": "上海市闵行区莘庄工业区1号",
        "contact_person": "陈刚",
        "phone": "021-64001234",
        "is_active": "on",
    }
    data.update(overrides)
    return data


@pytest.fixture
def purchaser(role_client):
    return role_client("purchaser")


def post_supplier(client, **overrides):
    return client.post(reverse("suppliers:supplier_create"), supplier_data(**overrides))


def errors(response, field):
    return response.context["form"].errors.get(field, [])


# --- supplier -------------------------------------------------------------------------------


def test_valid_supplier_is_created_with_normalised_code(purchaser):
    response = post_supplier(purchaser, unified_social_credit_code=GOOD_USCC.lower())

    supplier = Supplier.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("suppliers:supplier_detail", args=[supplier.pk])
    assert supplier.unified_social_credit_code == GOOD_USCC
    assert supplier.mnemonic == "shhkylqxyxgs"
    assert supplier.history.first().history_user == purchaser.user


@pytest.mark.parametrize(
    ("credit_code", "message"),
    [
        ("91310000ABC", "A unified social credit code has 18 digits or capital letters"),
        ("91310000MA1FL4XQ2O", "A unified social credit code has 18 digits or capital letters"),
        (GOOD_USCC[:-1] + ("0" if GOOD_USCC[-1] != "0" else "1"), "fails its check character"),
    ],
)
def test_malformed_credit_code_is_refused(purchaser, credit_code, message):
    response = post_supplier(purchaser, unified_social_credit_code=credit_code)

    assert response.status_code == 200
    assert any(message in e for e in errors(response, "unified_social_credit_code"))
    assert not Supplier.objects.exists()


def test_duplicate_credit_code_names_the_other_supplier(purchaser):
    other = SupplierFactory(unified_social_credit_code=GOOD_USCC)

    response = post_supplier(purchaser)

    assert errors(response, "unified_social_credit_code") == [
        f"Unified social credit code {GOOD_USCC} already belongs to supplier {other.name} "
        f"({other.code})."
    ]
    assert Supplier.objects.count() == 1


def test_duplicate_supplier_code_is_refused(purchaser):
    other = SupplierFactory(code="GYS0001")

    response = post_supplier(purchaser)

    assert errors(response, "code") == [f"Supplier code GYS0001 is already used by {other.name}."]
    assert Supplier.objects.count() == 1


def test_missing_code_and_bad_code_characters_are_refused(purchaser):
    assert errors(post_supplier(purchaser, code=""), "code") == ["This field is required."]
    bad = post_supplier(purchaser, code="供应商 1")
    assert "A supplier code uses letters, digits" in errors(bad, "code")[0]
    assert not Supplier.objects.exists()


def test_duplicate_name_is_refused(purchaser):
    SupplierFactory(name="上海华康医疗器械有限公司", code="S9")

    response = post_supplier(purchaser)

    assert errors(response, "name") == [
        "Supplier 上海华康医疗器械有限公司 already exists (code S9)."
    ]


def test_editing_keeps_own_codes(purchaser):
    supplier = SupplierFactory()
    data = supplier_data(
        code=supplier.code,
        name=supplier.name,
        unified_social_credit_code=supplier.unified_social_credit_code,
        phone="021-99998888",
    )

    response = purchaser.post(reverse("suppliers:supplier_update", args=[supplier.pk]), data)

    assert response.status_code == 302
    supplier.refresh_from_db()
    assert supplier.phone == "021-99998888"


def test_bad_phone_is_refused(purchaser):
    response = post_supplier(purchaser, phone="call me")
    assert errors(response, "phone") == ["Enter a telephone number of digits, spaces, + - ( )."]


# --- licences -------------------------------------------------------------------------------


@pytest.fixture
def supplier():
    return SupplierFactory()


@pytest.fixture
def syringes():
    return CategoryFactory(code="6815", name="注射穿刺器械")


def licence_data(**overrides):
    data = {
        "licence_type": LicenceType.DEVICE_OPERATING,
        "number": "沪药监械经营许20200088号",
        "holder": "",
        "issued_on": (today() - 100 * DAY).isoformat(),
        "valid_until": (today() + 900 * DAY).isoformat(),
        "scope_classes": ["3"],
    }
    data.update(overrides)
    return data


def post_licence(client, supplier, **overrides):
    return client.post(
        reverse("suppliers:supplierlicence_create", args=[supplier.pk]), licence_data(**overrides)
    )


def test_licence_holder_defaults_to_the_supplier_name(purchaser, supplier, syringes):
    form_page = purchaser.get(reverse("suppliers:supplierlicence_create", args=[supplier.pk]))
    assert form_page.context["form"].initial["holder"] == supplier.name

    response = post_licence(purchaser, supplier, scope_categories=[syringes.pk])

    assert response.status_code == 302
    assert response.url == reverse("suppliers:supplier_detail", args=[supplier.pk])
    licence = SupplierLicence.objects.get()
    assert licence.holder == supplier.name
    assert licence.scope_classes == [3]
    assert list(licence.scope_categories.all()) == [syringes]


def test_expired_licence_is_refused_on_entry(purchaser, supplier, syringes):
    expired = today() - DAY
    response = post_licence(
        purchaser, supplier, valid_until=expired.isoformat(), scope_categories=[syringes.pk]
    )

    assert errors(response, "valid_until") == [
        f"This licence expired on {expired.isoformat()}; enter the current, renewed licence."
    ]
    assert not SupplierLicence.objects.exists()


def test_licence_valid_until_today_is_accepted(purchaser, supplier, syringes):
    response = post_licence(
        purchaser, supplier, valid_until=today().isoformat(), scope_categories=[syringes.pk]
    )
    assert response.status_code == 302
    assert SupplierLicence.objects.get().valid_until == today()


def test_licence_dates_out_of_order_are_refused(purchaser, supplier, syringes):
    issued, until = today() - DAY, today() - 5 * DAY
    response = post_licence(
        purchaser,
        supplier,
        issued_on=issued.isoformat(),
        valid_until=until.isoformat(),
        scope_categories=[syringes.pk],
    )

    assert (
        f"The expiry date {until.isoformat()} is before the issue date {issued.isoformat()}."
        in (errors(response, "valid_until"))
    )
    assert not SupplierLicence.objects.exists()


def test_licence_issued_after_its_expiry_is_refused(purchaser, supplier, syringes):
    # Issue date in the future and expiry before it: both reported.
    response = post_licence(
        purchaser,
        supplier,
        issued_on=(today() + 30 * DAY).isoformat(),
        valid_until=(today() + 10 * DAY).isoformat(),
        scope_categories=[syringes.pk],
    )
    until, issued = (today() + 10 * DAY).isoformat(), (today() + 30 * DAY).isoformat()
    assert f"The expiry date {until} is before the issue date {issued}." in errors(
        response, "valid_until"
    )
    assert f"The issue date {issued} is in the future." in errors(response, "issued_on")
    assert not SupplierLicence.objects.exists()


def test_wrong_licence_number_format_is_refused(purchaser, supplier, syringes):
    response = post_licence(purchaser, supplier, number="12345", scope_categories=[syringes.pk])

    assert errors(response, "number") == [
        "12345 is not a valid number for a Medical device operating licence (Class III) "
        "(e.g. 沪药监械经营许20190001号)."
    ]
    assert not SupplierLicence.objects.exists()


def test_class_ii_filing_cannot_list_class_iii(purchaser, supplier, syringes):
    response = post_licence(
        purchaser,
        supplier,
        licence_type=LicenceType.DEVICE_FILING,
        number="沪浦药监械经营备20200001号",
        scope_classes=["3"],
        scope_categories=[syringes.pk],
    )
    assert errors(response, "scope_classes") == [
        "A Class II medical device operating filing can only cover Class II."
    ]
    assert not SupplierLicence.objects.exists()


def test_operating_licence_must_name_its_scope(purchaser, supplier):
    response = post_licence(purchaser, supplier, scope_classes=[])

    assert errors(response, "scope_classes") == [
        "A Medical device operating licence (Class III) must list the device classes it covers."
    ]
    assert errors(response, "scope_categories") == [
        "A Medical device operating licence (Class III) must list the catalogue categories "
        "it covers."
    ]
    assert not SupplierLicence.objects.exists()


def test_unknown_scope_category_is_refused(purchaser, supplier):
    response = post_licence(purchaser, supplier, scope_categories=["999999"])
    assert "Select a valid choice" in errors(response, "scope_categories")[0]
    assert not SupplierLicence.objects.exists()


def test_business_licence_must_carry_the_suppliers_credit_code(purchaser, supplier):
    other = make_uscc(USCC_BASE + 9100)
    response = post_licence(
        purchaser,
        supplier,
        licence_type=LicenceType.BUSINESS,
        number=other,
        valid_until="",
        scope_classes=[],
    )
    assert errors(response, "number") == [
        f"The business licence number {other} differs from the supplier's unified social "
        f"credit code {supplier.unified_social_credit_code}."
    ]
    assert not SupplierLicence.objects.exists()


def test_long_term_only_for_business_licences(purchaser, supplier, syringes):
    response = post_licence(purchaser, supplier, valid_until="", scope_categories=[syringes.pk])
    assert errors(response, "valid_until") == [
        "Only a business licence may be long-term; enter the expiry date."
    ]

    ok = post_licence(
        purchaser,
        supplier,
        licence_type=LicenceType.BUSINESS,
        number=supplier.unified_social_credit_code.lower(),
        valid_until="",
        scope_classes=[],
    )
    assert ok.status_code == 302
    assert SupplierLicence.objects.get().number == supplier.unified_social_credit_code


def test_duplicate_licence_is_refused(purchaser, supplier):
    SupplierLicenceFactory(supplier=supplier)

    response = post_licence(
        purchaser,
        supplier,
        licence_type=LicenceType.BUSINESS,
        number=supplier.unified_social_credit_code,
        valid_until="",
        scope_classes=[],
    )
    assert "This supplier already has this licence." in str(response.context["form"].errors)
    assert SupplierLicence.objects.count() == 1


def test_editing_an_expired_licence_is_allowed(purchaser, supplier):
    licence = SupplierLicenceFactory(
        supplier=supplier, valid_until=today() - 30 * DAY, issued_on=today() - 400 * DAY
    )
    data = licence_data(
        licence_type=LicenceType.BUSINESS,
        number=licence.number,
        issued_on=licence.issued_on.isoformat(),
        valid_until=licence.valid_until.isoformat(),
        scope_classes=[],
        note="old copy",
    )

    response = purchaser.post(reverse("suppliers:supplierlicence_update", args=[licence.pk]), data)

    assert response.status_code == 302
    licence.refresh_from_db()
    assert licence.note == "old copy"


# --- sales representatives ------------------------------------------------------------------


def rep_data(**overrides):
    data = {
        "rep_name": "赵强",
        "id_number": make_id_number(7),
        "phone": "13912345678",
        "valid_from": (today() - 10 * DAY).isoformat(),
        "valid_until": (today() + 300 * DAY).isoformat(),
        "scope": "全部医疗器械",
    }
    data.update(overrides)
    return data


def post_rep(client, supplier, **overrides):
    return client.post(
        reverse("suppliers:salesrepauthorisation_create", args=[supplier.pk]),
        rep_data(**overrides),
    )


def test_valid_rep_is_saved_with_upper_case_check_character(purchaser, supplier):
    with_x = next(make_id_number(n) for n in range(1000) if make_id_number(n).endswith("X"))

    response = post_rep(purchaser, supplier, id_number=with_x.lower())

    assert response.status_code == 302
    rep = SalesRepAuthorisation.objects.get()
    assert rep.supplier == supplier
    assert rep.id_number == with_x


def test_rep_id_number_checksum_is_checked(purchaser, supplier):
    good = make_id_number(7)
    bad = good[:-1] + ("1" if good[-1] != "1" else "2")

    response = post_rep(purchaser, supplier, id_number=bad)

    assert errors(response, "id_number") == [
        f"Identity card number {bad} fails its check character."
    ]
    short = post_rep(purchaser, supplier, id_number="31010119850615")
    assert errors(short, "id_number") == [
        "An identity card number has 17 digits and a final digit or X."
    ]
    assert not SalesRepAuthorisation.objects.exists()


def test_rep_dates_out_of_order_are_refused(purchaser, supplier):
    start, end = today() + 20 * DAY, today() + 10 * DAY
    response = post_rep(
        purchaser, supplier, valid_from=start.isoformat(), valid_until=end.isoformat()
    )

    assert (
        f"The authorisation ends ({end.isoformat()}) before it starts ({start.isoformat()})."
        in errors(response, "valid_until")
    )
    assert not SalesRepAuthorisation.objects.exists()


def test_expired_rep_authorisation_is_refused_on_entry(purchaser, supplier):
    expired = today() - DAY
    response = post_rep(
        purchaser,
        supplier,
        valid_from=(today() - 300 * DAY).isoformat(),
        valid_until=expired.isoformat(),
    )
    assert errors(response, "valid_until") == [
        f"This authorisation expired on {expired.isoformat()}; enter the current, renewed one."
    ]
    assert not SalesRepAuthorisation.objects.exists()
