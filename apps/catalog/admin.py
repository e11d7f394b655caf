"""Admin of the catalog. It uses the staff pages' forms, services and import resources,
so the same rules hold in both; first-time approvals change only through their steps."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin, ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from apps.core.admin_mixins import ApprovalAdminMixin
from apps.core.approvals import APPROVAL_SIGNED_FIELDS, approval_review, approval_submit
from apps.core.models import ApprovalStatus

from .forms import (
    CategoryForm,
    ManufacturerForm,
    ManufacturerLicenceAdminForm,
    ProductForm,
    StorageGroupForm,
)
from .models import (
    Category,
    Manufacturer,
    ManufacturerLicence,
    Product,
    ProductFirstApproval,
    StorageGroup,
)
from .resources import (
    CategoryResource,
    ManufacturerLicenceResource,
    ManufacturerResource,
    ProductFirstApprovalResource,
    ProductResource,
)
from .services import product_create, product_update


class CatalogAdmin(ImportExportModelAdmin, SimpleHistoryAdmin):
    """History and spreadsheet import/export on every catalog model."""


@admin.register(Category)
class CategoryAdmin(CatalogAdmin):
    form = CategoryForm
    resource_classes = [CategoryResource]
    list_display = ("code", "name", "parent", "kind", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)


class ManufacturerLicenceInline(admin.TabularInline):
    model = ManufacturerLicence
    fields = ("licence_type", "number", "issued_on", "valid_until")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        # Licences are added on their own form, which validates dates, number and scope.
        return False


@admin.register(Manufacturer)
class ManufacturerAdmin(CatalogAdmin):
    form = ManufacturerForm
    resource_classes = [ManufacturerResource]
    list_display = ("code", "name", "country", "contact_person", "phone", "is_active")
    list_filter = ("is_active", "country")
    search_fields = ("code", "name", "mnemonic")
    inlines = [ManufacturerLicenceInline]


@admin.register(ManufacturerLicence)
class ManufacturerLicenceAdmin(CatalogAdmin):
    form = ManufacturerLicenceAdminForm
    resource_classes = [ManufacturerLicenceResource]
    list_display = ("manufacturer", "licence_type", "number", "issued_on", "valid_until")
    list_filter = ("licence_type",)
    search_fields = ("number", "holder", "manufacturer__name", "manufacturer__code")
    list_select_related = ("manufacturer",)
    autocomplete_fields = ("manufacturer",)
    filter_horizontal = ("scope_categories",)


@admin.register(Product)
class ProductAdmin(CatalogAdmin):
    form = ProductForm
    resource_classes = [ProductResource]
    list_display = (
        "code",
        "name",
        "spec",
        "device_class",
        "category",
        "manufacturer",
        "registration_number",
        "registration_valid_until",
        "national_wholesale_price",
        "approval_status",
        "is_stopped",
        "is_active",
    )
    list_filter = (
        "kind",
        "device_class",
        "storage_condition",
        "storage_group",
        "is_controlled",
        "is_stopped",
        "is_active",
        "first_approval__status",
        "category",
    )
    search_fields = (
        "code",
        "name",
        "generic_name",
        "spec",
        "mnemonic",
        "registration_number",
        "barcode",
    )
    list_select_related = ("category", "manufacturer", "first_approval")
    autocomplete_fields = ("category", "manufacturer", "storage_group")
    date_hierarchy = "registration_valid_until"

    @admin.display(description=_("first-time approval"), ordering="first_approval__status")
    def approval_status(self, obj):
        approval = getattr(obj, "first_approval", None)
        return approval.get_status_display() if approval else "—"

    def save_model(self, request, obj, form, change):
        if change:
            product_update(product=obj, user=request.user)
        else:
            product_create(product=obj, user=request.user)


@admin.register(StorageGroup)
class StorageGroupAdmin(SimpleHistoryAdmin):
    """Storage groups; incompatibility is symmetric (declaring it on one side sets both)."""

    form = StorageGroupForm
    list_display = ("code", "name", "incompatible_groups")
    search_fields = ("code", "name")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("incompatible_with")

    @admin.display(description=_("incompatible with"))
    def incompatible_groups(self, obj):
        return ", ".join(group.code for group in obj.incompatible_with.all()) or "—"


@admin.register(ProductFirstApproval)
class ProductFirstApprovalAdmin(ApprovalAdminMixin, ExportMixin, SimpleHistoryAdmin):
    """Read-only records (exportable); the actions run the approval steps with their rules.
    Applications start from the product (staff page "Apply for first-time approval")."""

    resource_classes = [ProductFirstApprovalResource]
    approval_subject = "product"
    approval_readonly_extra = ("application_note",)
    list_display = ("product", "status", *APPROVAL_SIGNED_FIELDS)
    search_fields = ("product__code", "product__name", "product__mnemonic")
    actions = ("submit_selected", "approve_as_quality", "approve_as_manager")

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Submit the selected applications"))
    def submit_selected(self, request, queryset):
        done = self.run_approval_step(
            request,
            queryset,
            lambda approval: approval_submit(approval=approval, user=request.user),
        )
        if done:
            self.message_user(
                request, gettext("%(n)d application(s) submitted.") % {"n": done}, messages.SUCCESS
            )

    def _approve(self, request, queryset, *, status):
        opinion = gettext("Approved in the admin.")
        done = self.run_approval_step(
            request,
            queryset,
            lambda approval: approval_review(
                approval=approval, user=request.user, approve=True, opinion=opinion
            ),
            only_status=status,
        )
        if done:
            self.message_user(
                request, gettext("%(n)d application(s) approved.") % {"n": done}, messages.SUCCESS
            )

    @admin.action(description=_("Approve as head of quality"))
    def approve_as_quality(self, request, queryset):
        self._approve(request, queryset, status=ApprovalStatus.SUBMITTED)

    @admin.action(description=_("Approve as manager"))
    def approve_as_manager(self, request, queryset):
        self._approve(request, queryset, status=ApprovalStatus.QUALITY_APPROVED)
