"""The roles of DESIGN.md section 1, as Django groups with permissions.

This is the one definition: the data migration and `sync_roles` build the groups from
it. A permission is "app_label.codename". Later issues extend the lists as their apps
gain models; `sync_roles` runs after every migrate, so groups always match this file.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Role:
    code: str
    label: str
    permissions: tuple[str, ...]


def crud(app: str, *models: str, actions=("view", "add", "change")) -> tuple[str, ...]:
    return tuple(f"{app}.{action}_{model}" for model in models for action in actions)


def view(app: str, *models: str) -> tuple[str, ...]:
    return crud(app, *models, actions=("view",))


CATALOG_MODELS = (
    "category",
    "manufacturer",
    "manufacturerlicence",
    "product",
    "productfirstapproval",
)
SUPPLIER_MODELS = ("supplier", "supplierlicence", "salesrepauthorisation", "supplierfirstapproval")
CUSTOMER_MODELS = ("customerclass", "customer", "customerlicence")
CORE_MODELS = ("companysettings", "companylicence")
INVENTORY_MODELS = (
    "warehouse",
    "location",
    "lot",
    "stockbalance",
    "stockmove",
    "stockreservation",
    "lothold",
    "lossreport",
    "stocktake",
)
PURCHASING_MODELS = (
    "purchaseorder",
    "receipt",
    "acceptance",
    "rejectionreport",
    "purchasereturn",
)
SALES_MODELS = ("salesorder", "salesorderhold", "delivery", "salesreturn")
VIEW_SALES = view("sales", *SALES_MODELS)
PRICING_MODELS = ("nationalprice", "pricechangenotice", "pricechangeline", "crossdiscount")
VIEW_PRICING = view("pricing", *PRICING_MODELS)
EDIT_PRICING = crud("pricing", *PRICING_MODELS)
VIEW_STOCK = view("inventory", *INVENTORY_MODELS) + view("catalog", "storagegroup")
VIEW_PURCHASING = view("purchasing", *PURCHASING_MODELS)

VIEW_MASTER_DATA = (
    view("catalog", *CATALOG_MODELS, "storagegroup")
    + view("suppliers", *SUPPLIER_MODELS)
    + view("customers", *CUSTOMER_MODELS)
    + view("core", *CORE_MODELS)
)

# GSP records (issue 5): each part fills its own table, role code -> permissions.
# "auditor" must get view permissions only.
# derived records, PDFs (gsp_records): the PDF archive; the derived lists and their PDFs
# need only the view permission of their source model.
GSP_RECORDS_PERMS: dict[str, tuple[str, ...]] = {
    role: ("gsp_records.view_generatedpdf",) for role in ("quality_manager", "manager", "auditor")
}
_STORAGE_KEPT = ("temperaturelog", "maintenanceinspection", "equipmentuse")
_STORAGE_CALIBRATION = ("calibrationcard", "calibrationentry")
_STORAGE_ALL = _STORAGE_KEPT + _STORAGE_CALIBRATION
GSP_STORAGE_PERMS: dict[str, tuple[str, ...]] = {  # gsp_storage
    # The keeper records and signs the warehouse logs and sees the calibration cards.
    "keeper": crud("gsp_storage", *_STORAGE_KEPT, actions=("view", "add", "change", "sign"))
    + view("gsp_storage", *_STORAGE_CALIBRATION),
    # Quality signs every record and keeps the calibration cards.
    "quality_manager": view("gsp_storage", *_STORAGE_ALL)
    + crud("gsp_storage", *_STORAGE_ALL, actions=("sign",))
    + crud("gsp_storage", *_STORAGE_CALIBRATION, actions=("add", "change")),
    "manager": view("gsp_storage", *_STORAGE_ALL),
    "auditor": view("gsp_storage", *_STORAGE_ALL),
}
GSP_QUALITY_MODELS = (
    "reinspectionnotice",
    "stopsalenotice",
    "qualityinquiry",
    "qualityfeedback",
    "healthcheck",
    "trainingrecord",
)
GSP_QUALITY_PERMS: dict[str, tuple[str, ...]] = {  # gsp_quality
    # The keeper writes re-inspection notices; the head of quality issues them (which
    # stops the lot: only quality may stop a lot, inventory lot_stop) and signs the result.
    "keeper": view("gsp_quality", "stopsalenotice") + crud("gsp_quality", "reinspectionnotice"),
    "quality_manager": crud("gsp_quality", *GSP_QUALITY_MODELS)
    + tuple(f"gsp_quality.sign_{model}" for model in GSP_QUALITY_MODELS)
    + ("gsp_quality.issue_reinspectionnotice",),
    "manager": view("gsp_quality", *GSP_QUALITY_MODELS),
    "auditor": view("gsp_quality", *GSP_QUALITY_MODELS),
}
# gsp_alerts: every staff role sees and acknowledges the alerts of its own jobs (the
# service checks the role); the manager edits the schedule; the auditor only looks.
_ALERTS_STAFF = (
    "gsp_alerts.view_alert",
    "gsp_alerts.acknowledge_alert",
    "gsp_alerts.view_alertjob",
)
GSP_ALERTS_PERMS: dict[str, tuple[str, ...]] = {
    **{
        code: _ALERTS_STAFF
        for code in ("purchaser", "inspector", "keeper", "checker", "sales", "quality_manager")
    },
    "finance": _ALERTS_STAFF,
    "manager": _ALERTS_STAFF + ("gsp_alerts.change_alertjob", "gsp_alerts.view_jobrun"),
    "auditor": ("gsp_alerts.view_alert", "gsp_alerts.view_alertjob", "gsp_alerts.view_jobrun"),
}


def gsp(role_code: str) -> tuple[str, ...]:
    tables = (GSP_RECORDS_PERMS, GSP_STORAGE_PERMS, GSP_QUALITY_PERMS, GSP_ALERTS_PERMS)
    return tuple(perm for table in tables for perm in table.get(role_code, ()))


ROLES: tuple[Role, ...] = (
    Role(
        "purchaser",
        _("Purchaser"),
        VIEW_MASTER_DATA
        + crud("catalog", "manufacturer", "manufacturerlicence", "product", "productfirstapproval")
        + crud("suppliers", *SUPPLIER_MODELS)
        + VIEW_STOCK
        + VIEW_PURCHASING
        + crud("purchasing", "purchaseorder", "receipt", "purchasereturn")
        + EDIT_PRICING
        + gsp("purchaser"),
    ),
    Role(
        "inspector",
        _("Inspector"),
        VIEW_MASTER_DATA
        + VIEW_STOCK
        + VIEW_PURCHASING
        + crud("purchasing", "acceptance", "rejectionreport")
        + ("purchasing.inspect_receipt",)
        + VIEW_SALES
        + ("sales.change_salesreturn", "sales.inspect_salesreturn")
        + gsp("inspector"),
    ),
    Role(
        "keeper",
        _("Warehouse keeper"),
        VIEW_MASTER_DATA
        + VIEW_STOCK
        + VIEW_PURCHASING
        + crud("purchasing", "receipt")
        + crud("inventory", "location", "lot", "stockmove", "lossreport", "stocktake")
        # change_stockbalance marks the keepers who may confirm controlled-product moves.
        + ("inventory.change_stockbalance",)
        + VIEW_SALES
        + crud("sales", "delivery", "salesreturn")
        + ("sales.pick_delivery", "sales.ship_delivery")
        + gsp("keeper"),
    ),
    Role(
        "checker",
        _("Outbound checker"),
        VIEW_MASTER_DATA
        + VIEW_STOCK
        + VIEW_SALES
        + ("sales.change_delivery", "sales.check_delivery")
        + gsp("checker"),
    ),
    Role(
        "sales",
        _("Salesperson"),
        view("catalog", "category", "manufacturer", "product")
        + view("customers", "customerclass")
        + crud("customers", "customer", "customerlicence")
        + view("inventory", "warehouse", "lot", "stockbalance")
        + VIEW_PRICING
        + VIEW_SALES
        + crud("sales", "salesorder", "salesreturn")
        + ("sales.confirm_salesorder",)
        + gsp("sales"),
    ),
    Role(
        "quality_manager",
        _("Head of quality"),
        VIEW_MASTER_DATA
        + crud("catalog", "category", "manufacturerlicence", "product")
        + crud("suppliers", "supplierlicence", "salesrepauthorisation")
        + crud("customers", "customerlicence")
        + crud("core", "companylicence")
        + crud("catalog", "storagegroup")
        + VIEW_STOCK
        + VIEW_PURCHASING
        + crud("inventory", "lothold")
        + VIEW_PRICING
        + VIEW_SALES
        + ("sales.change_salesreturn", "sales.inspect_salesreturn")
        + (
            "inventory.review_quality_lossreport",
            "catalog.review_quality_productfirstapproval",
            "suppliers.review_quality_supplierfirstapproval",
            "core.view_history",
        )
        + gsp("quality_manager"),
    ),
    Role(
        "manager",
        _("Manager"),
        VIEW_MASTER_DATA
        + crud("catalog", *CATALOG_MODELS)
        + crud("suppliers", *SUPPLIER_MODELS)
        + crud("customers", *CUSTOMER_MODELS)
        + crud("core", *CORE_MODELS)
        + crud("catalog", "storagegroup")
        + VIEW_STOCK
        + VIEW_PURCHASING
        + crud("inventory", "warehouse", "location")
        + EDIT_PRICING
        + ("pricing.execute_pricechangenotice", "pricing.cancel_pricechangenotice")
        + VIEW_SALES
        + crud("sales", "salesorder", "salesreturn")
        + (
            "sales.approve_salesorder",
            "sales.change_salesorderhold",
            "sales.sell_controlled",
            "sales.confirm_salesorder",
            "purchasing.approve_purchaseorder",
            "inventory.review_manager_lossreport",
            "inventory.approve_stocktake",
            "catalog.review_manager_productfirstapproval",
            "suppliers.review_manager_supplierfirstapproval",
            "customers.change_credit_customer",
            "core.view_history",
            "core.view_cost",
        )
        + gsp("manager"),
    ),
    Role(
        "finance",
        _("Finance"),
        VIEW_MASTER_DATA
        + VIEW_STOCK
        + VIEW_PURCHASING
        + VIEW_SALES
        + VIEW_PRICING
        + ("customers.change_credit_customer", "core.view_cost")
        + gsp("finance"),
    ),
    Role(
        "auditor",
        _("Auditor"),
        VIEW_MASTER_DATA
        + VIEW_STOCK
        + VIEW_PURCHASING
        + VIEW_SALES
        + VIEW_PRICING
        + ("core.view_history",)
        + gsp("auditor"),
    ),
)

ROLE_BY_CODE = {role.code: role for role in ROLES}


def sync_roles(apps=None, *, strict: bool = True) -> None:
    """Create or update one group per role with exactly the permissions listed above.

    Works with the historical app registry inside a migration (`apps`) and with the
    live one. Raises LookupError naming any permission that does not exist, so a typo
    or a renamed model fails loudly instead of silently granting less.
    """
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    registry = apps or global_apps
    for app_config in registry.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=registry, verbosity=0)

    group_model = registry.get_model("auth", "Group")
    permission_model = registry.get_model("auth", "Permission")
    index = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in permission_model.objects.values_list(
            "pk", "content_type__app_label", "codename"
        )
    }
    for role in ROLES:
        missing = sorted(p for p in role.permissions if p not in index)
        if missing and strict:
            raise LookupError(f"role {role.code}: unknown permissions {missing}")
        group, _created = group_model.objects.get_or_create(name=role.code)
        group.permissions.set([index[p] for p in role.permissions if p in index])
