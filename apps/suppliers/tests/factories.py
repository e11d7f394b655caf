"""Factories for suppliers. Every factory builds a record that passes full_clean()."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone

from apps.core.models import ApprovalStatus, DeviceClass, LicenceType, today
from apps.core.tests.factories import CleanFactory, make_uscc, user_with_role
from apps.core.validators import id_number_check_char
from apps.suppliers.models import (
    SalesRepAuthorisation,
    Supplier,
    SupplierFirstApproval,
    SupplierLicence,
)

# Credit codes of suppliers start here, clear of the ones other factories use.
USCC_BASE = 500_000


def make_id_number(seq: int) -> str:
    """A valid resident identity number (Shanghai, born 1985-06-15)."""
    body = f"31010119850615{seq % 1000:03d}"
    return body + id_number_check_char(body)


def _licence_number(licence_type: str, n: int, supplier: Supplier) -> str:
    if licence_type == LicenceType.BUSINESS:
        return supplier.unified_social_credit_code
    if licence_type == LicenceType.DEVICE_OPERATING:
        return f"沪药监械经营许2019{n % 10000:04d}号"
    if licence_type == LicenceType.DEVICE_FILING:
        return f"沪浦药监械经营备2019{n % 10000:04d}号"
    if licence_type == LicenceType.DRUG_OPERATING:
        return f"沪AA{n % 10_000_000:07d}"
    return f"OTHER{n:06d}"


_SCOPE_CLASSES = {
    LicenceType.DEVICE_OPERATING: [DeviceClass.CLASS_III],
    LicenceType.DEVICE_FILING: [DeviceClass.CLASS_II],
}


class SupplierFactory(CleanFactory):
    class Meta:
        model = Supplier

    code = factory.Sequence(lambda n: f"S{n:04d}")
    name = factory.Sequence(lambda n: f"上海康达医疗器械贸易有限公司{n}")
    unified_social_credit_code = factory.Sequence(lambda n: make_uscc(USCC_BASE + n))
    legal_representative = "张伟"
    address = "上海市浦东新区张江路100号"
    contact_person = "李娜"
    phone = "021-58881234"


class SupplierLicenceFactory(CleanFactory):
    """A valid licence; a business licence (long-term) unless `licence_type` says otherwise.

    `categories=[...]` sets the catalogue scope of operating licences and filings.
    """

    class Meta:
        model = SupplierLicence
        skip_postgeneration_save = True

    supplier = factory.SubFactory(SupplierFactory)
    licence_type = LicenceType.BUSINESS
    number = factory.LazyAttributeSequence(
        lambda o, n: _licence_number(o.licence_type, n, o.supplier)
    )
    holder = factory.LazyAttribute(lambda o: o.supplier.name)
    issuing_authority = "上海市市场监督管理局"
    issued_on = factory.LazyFunction(lambda: today() - datetime.timedelta(days=365))
    valid_until = factory.LazyAttribute(
        lambda o: (
            None
            if o.licence_type == LicenceType.BUSINESS
            else today() + datetime.timedelta(days=3 * 365)
        )
    )
    scope_classes = factory.LazyAttribute(lambda o: list(_SCOPE_CLASSES.get(o.licence_type, [])))

    @factory.post_generation
    def categories(self, create, extracted, **kwargs):
        if create and extracted:
            self.scope_categories.set(extracted)


class SalesRepFactory(CleanFactory):
    class Meta:
        model = SalesRepAuthorisation

    supplier = factory.SubFactory(SupplierFactory)
    rep_name = factory.Sequence(lambda n: f"王销售{n}")
    id_number = factory.Sequence(make_id_number)
    phone = "13800138000"
    valid_from = factory.LazyFunction(lambda: today() - datetime.timedelta(days=30))
    valid_until = factory.LazyFunction(lambda: today() + datetime.timedelta(days=365))


class SupplierFirstApprovalFactory(CleanFactory):
    """A draft first-time file; see `approve_supplier` for an approved one."""

    class Meta:
        model = SupplierFirstApproval

    supplier = factory.SubFactory(SupplierFactory)
    status = ApprovalStatus.DRAFT


def approve_supplier(supplier: Supplier) -> SupplierFirstApproval:
    """An approved first-time file, as if purchaser, head of quality and manager had signed."""
    now = timezone.now()
    approval, _created = SupplierFirstApproval.objects.get_or_create(supplier=supplier)
    approval.status = ApprovalStatus.APPROVED
    approval.submitted_by = user_with_role("purchaser", "supplier_approval_purchaser")
    approval.quality_by = user_with_role("quality_manager", "supplier_approval_quality")
    approval.manager_by = user_with_role("manager", "supplier_approval_manager")
    approval.submitted_at = approval.quality_at = approval.manager_at = now
    approval.full_clean()
    approval.save()
    supplier.first_approval = approval
    return approval


def tradeable_supplier(categories=(), **kwargs) -> Supplier:
    """A supplier that may supply Class II and III devices of `categories`: a long-term
    business licence, a Class III operating licence and a Class II filing covering the
    categories, a valid sales-rep authorisation and an approved first-time file."""
    supplier = SupplierFactory(**kwargs)
    SupplierLicenceFactory(supplier=supplier)
    SupplierLicenceFactory(
        supplier=supplier, licence_type=LicenceType.DEVICE_OPERATING, categories=categories
    )
    SupplierLicenceFactory(
        supplier=supplier, licence_type=LicenceType.DEVICE_FILING, categories=categories
    )
    SalesRepFactory(supplier=supplier)
    approve_supplier(supplier)
    return fresh(supplier)


def fresh(supplier: Supplier) -> Supplier:
    """The supplier re-read with its documents prefetched (no stale related caches)."""
    return (
        Supplier.objects.select_related("first_approval")
        .prefetch_related("licences__scope_categories", "sales_reps")
        .get(pk=supplier.pk)
    )
