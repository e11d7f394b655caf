"""Supplier services: the rules hold for every caller, and the first-time approval chain."""

import datetime

import pytest

from apps.catalog.tests.factories import CategoryFactory
from apps.core.approvals import approval_review
from apps.core.exceptions import (
    DomainError,
    InvalidStateError,
    PermissionDeniedError,
    SegregationOfDutiesError,
)
from apps.core.models import ApprovalStatus, LicenceType, today
from apps.core.tests.factories import make_uscc, user_with_role
from apps.suppliers.models import SalesRepAuthorisation, Supplier, SupplierFirstApproval
from apps.suppliers.services import (
    sales_rep_create,
    supplier_create,
    supplier_first_approval_start,
    supplier_first_approval_submit,
    supplier_first_approval_update_note,
    supplier_licence_create,
    supplier_licence_update,
    supplier_update,
)

from .factories import (
    USCC_BASE,
    SalesRepFactory,
    SupplierFactory,
    SupplierLicenceFactory,
    fresh,
    make_id_number,
)

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def new_supplier(**overrides):
    values = {
        "code": "GYS0100",
        "name": "上海瑞康医疗科技有限公司",
        "unified_social_credit_code": make_uscc(USCC_BASE + 7000),
        "address": "上海市徐汇区漕河泾1号",
        "contact_person": "周敏",
        "phone": "021-54001234",
    }
    values.update(overrides)
    return supplier_create(**values)


def test_supplier_create_normalises_and_saves():
    supplier = new_supplier(
        code=" GYS0100 ", unified_social_credit_code=make_uscc(USCC_BASE + 7000).lower()
    )
    assert supplier.pk
    assert supplier.code == "GYS0100"
    assert supplier.unified_social_credit_code == make_uscc(USCC_BASE + 7000)


def test_supplier_create_refuses_duplicate_credit_code():
    other = SupplierFactory(unified_social_credit_code=make_uscc(USCC_BASE + 7000))

    with pytest.raises(DomainError) as raised:
        new_supplier()

    assert raised.value.field == "unified_social_credit_code"
    assert other.name in raised.value.messages[0]
    assert Supplier.objects.count() == 1


def test_supplier_create_refuses_bad_credit_code():
    with pytest.raises(DomainError) as raised:
        new_supplier(unified_social_credit_code="91310000000000000X")
    assert "fails its check character" in raised.value.messages[0]
    assert not Supplier.objects.exists()


def test_supplier_update_keeps_its_own_codes():
    supplier = SupplierFactory()
    supplier_update(supplier=supplier, note="重点供应商")
    supplier.refresh_from_db()
    assert supplier.note == "重点供应商"


def test_supplier_update_refuses_another_suppliers_code():
    first, second = SupplierFactory(), SupplierFactory()
    with pytest.raises(DomainError) as raised:
        supplier_update(supplier=second, code=first.code)
    assert raised.value.messages == [f"Supplier code {first.code} is already used by {first.name}."]
    second.refresh_from_db()
    assert second.code != first.code


def test_licence_create_sets_scope_and_holder():
    supplier = SupplierFactory()
    syringes = CategoryFactory(code="6815")

    licence = supplier_licence_create(
        supplier=supplier,
        licence_type=LicenceType.DEVICE_OPERATING,
        number="沪药监械经营许20210001号",
        issued_on=today() - 10 * DAY,
        valid_until=today() + 900 * DAY,
        scope_classes=[3],
        scope_categories=[syringes],
    )

    assert licence.holder == supplier.name
    assert list(licence.scope_categories.all()) == [syringes]


def test_licence_create_refuses_an_expired_licence():
    supplier = SupplierFactory()
    with pytest.raises(DomainError) as raised:
        supplier_licence_create(
            supplier=supplier,
            licence_type=LicenceType.BUSINESS,
            number=supplier.unified_social_credit_code,
            issued_on=today() - 400 * DAY,
            valid_until=today() - DAY,
        )
    assert raised.value.field == "valid_until"
    assert (today() - DAY).isoformat() in raised.value.messages[0]
    assert not supplier.licences.exists()


def test_licence_create_refuses_an_operating_licence_without_scope():
    supplier = SupplierFactory()
    with pytest.raises(DomainError) as raised:
        supplier_licence_create(
            supplier=supplier,
            licence_type=LicenceType.DEVICE_FILING,
            number="沪浦药监械经营备20210001号",
            issued_on=today() - DAY,
            valid_until=today() + 100 * DAY,
            scope_classes=[2],
        )
    assert raised.value.messages == [
        "A Class II medical device operating filing must list the catalogue categories it covers."
    ]
    assert not supplier.licences.exists()


def test_licence_update_may_keep_an_expired_date_and_keeps_scope():
    syringes = CategoryFactory(code="6815")
    licence = SupplierLicenceFactory(
        licence_type=LicenceType.DEVICE_OPERATING,
        categories=[syringes],
        issued_on=today() - 800 * DAY,
        valid_until=today() - 5 * DAY,
    )

    supplier_licence_update(licence=licence, note="已过期，待换证")

    licence.refresh_from_db()
    assert licence.note == "已过期，待换证"
    assert list(licence.scope_categories.all()) == [syringes]


def test_sales_rep_create_refuses_expired_and_bad_id():
    supplier = SupplierFactory()
    with pytest.raises(DomainError) as raised:
        sales_rep_create(
            supplier=supplier,
            rep_name="孙丽",
            id_number=make_id_number(3),
            phone="13700000000",
            valid_from=today() - 100 * DAY,
            valid_until=today() - DAY,
        )
    assert raised.value.field == "valid_until"
    with pytest.raises(DomainError) as raised:
        sales_rep_create(
            supplier=supplier,
            rep_name="孙丽",
            id_number="310101198506150000",
            phone="13700000000",
            valid_from=today(),
            valid_until=today() + DAY,
        )
    assert raised.value.field == "id_number"
    assert not SalesRepAuthorisation.objects.exists()


# --- first-time supplier approval -----------------------------------------------------------


@pytest.fixture
def documented_supplier():
    supplier = SupplierFactory()
    SupplierLicenceFactory(supplier=supplier)
    SalesRepFactory(supplier=supplier)
    return supplier


def test_start_needs_the_documents_on_file():
    supplier = SupplierFactory()
    purchaser = user_with_role("purchaser")

    with pytest.raises(DomainError) as raised:
        supplier_first_approval_start(supplier=supplier, user=purchaser)

    messages = raised.value.messages
    assert messages[0] == "The first-time file cannot be submitted yet:"
    assert f"{supplier.name} has no business licence on file." in messages
    assert any("no valid sales representative authorisation" in m for m in messages)
    assert not SupplierFirstApproval.objects.exists()


def test_start_submits_to_the_head_of_quality(documented_supplier):
    purchaser = user_with_role("purchaser")

    approval = supplier_first_approval_start(
        supplier=documented_supplier, user=purchaser, note="新供应商，提供导管"
    )

    assert approval.status == ApprovalStatus.SUBMITTED
    assert approval.submitted_by == purchaser
    assert approval.application_note == "新供应商，提供导管"


def test_start_twice_is_refused(documented_supplier):
    purchaser = user_with_role("purchaser")
    supplier_first_approval_start(supplier=documented_supplier, user=purchaser)

    with pytest.raises(InvalidStateError):
        supplier_first_approval_start(supplier=documented_supplier, user=purchaser)
    assert SupplierFirstApproval.objects.count() == 1


def test_salesperson_may_not_start(documented_supplier):
    with pytest.raises(PermissionDeniedError):
        supplier_first_approval_start(supplier=documented_supplier, user=user_with_role("sales"))
    assert not SupplierFirstApproval.objects.exists()


def test_full_chain_makes_the_supplier_tradeable(documented_supplier):
    purchaser = user_with_role("purchaser")
    quality = user_with_role("quality_manager")
    manager = user_with_role("manager")
    approval = supplier_first_approval_start(supplier=documented_supplier, user=purchaser)
    assert [b.code for b in fresh(documented_supplier).standing_blockers(today())] == [
        "supplier_not_approved"
    ]

    with pytest.raises(PermissionDeniedError):
        approval_review(approval=approval, user=manager, approve=True, opinion="")
    approval_review(approval=approval, user=quality, approve=True, opinion="资质齐全")
    approval = approval_review(approval=approval, user=manager, approve=True, opinion="同意")

    assert approval.status == ApprovalStatus.APPROVED
    assert fresh(documented_supplier).standing_blockers(today()) == []
    assert approval.history.count() == 4  # created, submitted, quality, manager


def test_the_applicant_may_not_approve_their_own_file(documented_supplier):
    manager = user_with_role("manager")
    approval = supplier_first_approval_start(supplier=documented_supplier, user=manager)
    approval_review(
        approval=approval, user=user_with_role("quality_manager"), approve=True, opinion=""
    )

    with pytest.raises(SegregationOfDutiesError):
        approval_review(approval=approval, user=manager, approve=True, opinion="")
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.QUALITY_APPROVED


def test_resubmission_after_rejection_rechecks_documents(documented_supplier):
    purchaser = user_with_role("purchaser")
    quality = user_with_role("quality_manager")
    approval = supplier_first_approval_start(supplier=documented_supplier, user=purchaser)
    approval = approval_review(approval=approval, user=quality, approve=False, opinion="授权书过期")
    documented_supplier.sales_reps.update(valid_until=today() - DAY, valid_from=today() - 99 * DAY)

    with pytest.raises(DomainError) as raised:
        supplier_first_approval_submit(approval=approval, user=purchaser)
    assert "expired on" in raised.value.messages[1]
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.REJECTED

    SalesRepFactory(supplier=documented_supplier)
    approval = supplier_first_approval_submit(
        approval=approval, user=purchaser, note="已更新授权书"
    )
    assert approval.status == ApprovalStatus.SUBMITTED


def test_note_can_change_only_before_review(documented_supplier):
    purchaser = user_with_role("purchaser")
    approval = supplier_first_approval_start(supplier=documented_supplier, user=purchaser)

    with pytest.raises(InvalidStateError):
        supplier_first_approval_update_note(approval=approval, note="改")

    approval_review(
        approval=approval, user=user_with_role("quality_manager"), approve=False, opinion="补充"
    )
    updated = supplier_first_approval_update_note(approval=approval, note="已补充")
    assert updated.application_note == "已补充"
