"""The staff UI menu. One definition; each user sees the entries their permissions allow.

Entries name a URL and the permission needed. An entry whose URL does not exist yet
(a later issue's page) is left out, so the menu grows as the apps do.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str


@dataclass(frozen=True)
class NavSection:
    label: str
    icon: str
    items: tuple[NavItem, ...]


MENU: tuple[NavSection, ...] = (
    NavSection(
        _("Products"),
        "box-seam",
        (
            NavItem(_("Products"), "catalog:product_list", "catalog.view_product"),
            NavItem(_("Categories"), "catalog:category_list", "catalog.view_category"),
            NavItem(_("Manufacturers"), "catalog:manufacturer_list", "catalog.view_manufacturer"),
            NavItem(
                _("First-time product approvals"),
                "catalog:productfirstapproval_list",
                "catalog.view_productfirstapproval",
            ),
        ),
    ),
    NavSection(
        _("Suppliers"),
        "truck",
        (
            NavItem(_("Suppliers"), "suppliers:supplier_list", "suppliers.view_supplier"),
            NavItem(
                _("Supplier licences"),
                "suppliers:supplierlicence_list",
                "suppliers.view_supplierlicence",
            ),
            NavItem(
                _("First-time supplier approvals"),
                "suppliers:supplierfirstapproval_list",
                "suppliers.view_supplierfirstapproval",
            ),
        ),
    ),
    NavSection(
        _("Customers"),
        "people",
        (
            NavItem(_("Customers"), "customers:customer_list", "customers.view_customer"),
            NavItem(
                _("Customer classes"),
                "customers:customerclass_list",
                "customers.view_customerclass",
            ),
        ),
    ),
    NavSection(
        _("Purchasing"),
        "cart",
        (
            NavItem(
                _("Purchase orders"),
                "purchasing:purchaseorder_list",
                "purchasing.view_purchaseorder",
            ),
            NavItem(_("Receipts"), "purchasing:receipt_list", "purchasing.view_receipt"),
            NavItem(_("Acceptance"), "purchasing:acceptance_list", "purchasing.view_acceptance"),
            NavItem(
                _("Rejection reports"),
                "purchasing:rejectionreport_list",
                "purchasing.view_rejectionreport",
            ),
            NavItem(
                _("Purchase returns"),
                "purchasing:purchasereturn_list",
                "purchasing.view_purchasereturn",
            ),
        ),
    ),
    NavSection(
        _("Sales"),
        "receipt",
        (
            NavItem(_("Sales orders"), "sales:salesorder_list", "sales.view_salesorder"),
            NavItem(_("New sales order"), "sales:salesorder_create", "sales.add_salesorder"),
            NavItem(_("Waiting for approval"), "sales:approval_queue", "sales.approve_salesorder"),
            NavItem(_("Deliveries"), "sales:delivery_list", "sales.view_delivery"),
            NavItem(_("Sales returns"), "sales:salesreturn_list", "sales.view_salesreturn"),
        ),
    ),
    NavSection(
        _("Inventory"),
        "boxes",
        (
            NavItem(_("Stock by lot"), "inventory:stock_report", "inventory.view_stockbalance"),
            NavItem(_("Expiry bands"), "inventory:expiry_report", "inventory.view_stockbalance"),
            NavItem(_("Batch ledger"), "inventory:batch_ledger", "inventory.view_stockmove"),
            NavItem(_("Stock movements"), "inventory:move_list", "inventory.view_stockmove"),
            NavItem(_("Min/max alerts"), "inventory:minmax_report", "inventory.view_stockbalance"),
            NavItem(
                _("Slow movers and turnover"), "inventory:slow_movers", "inventory.view_stockmove"
            ),
            NavItem(_("Lots"), "inventory:lot_list", "inventory.view_lot"),
            NavItem(_("Transfers"), "inventory:transfer_create", "inventory.add_stockmove"),
            NavItem(_("Stop-sales"), "inventory:lothold_list", "inventory.view_lothold"),
            NavItem(_("Loss reports"), "inventory:lossreport_list", "inventory.view_lossreport"),
            NavItem(_("Stocktakes"), "inventory:stocktake_list", "inventory.view_stocktake"),
            NavItem(_("Warehouses"), "inventory:warehouse_list", "inventory.view_warehouse"),
            NavItem(_("Locations"), "inventory:location_list", "inventory.view_location"),
            NavItem(_("Storage groups"), "catalog:storagegroup_list", "catalog.view_storagegroup"),
        ),
    ),
    NavSection(
        _("Pricing"),
        "tag",
        (
            NavItem(
                _("Price-change notices"),
                "pricing:pricechangenotice_list",
                "pricing.view_pricechangenotice",
            ),
            NavItem(
                _("National price history"),
                "pricing:nationalprice_list",
                "pricing.view_nationalprice",
            ),
            NavItem(
                _("Cross discounts"), "pricing:crossdiscount_list", "pricing.view_crossdiscount"
            ),
            NavItem(
                _("Suggested price check"), "pricing:suggested_price", "pricing.view_crossdiscount"
            ),
        ),
    ),
    NavSection(
        _("GSP records"),
        "clipboard-check",
        (
            NavItem(
                _("Purchase records"), "gsp_records:purchase_records", "purchasing.view_receipt"
            ),
            NavItem(
                _("Acceptance records"),
                "gsp_records:acceptance_records",
                "purchasing.view_acceptance",
            ),
            NavItem(
                _("Rejection reports"),
                "gsp_records:rejection_records",
                "purchasing.view_rejectionreport",
            ),
            NavItem(
                _("Outbound double-check records"),
                "gsp_records:outbound_check_records",
                "sales.view_delivery",
            ),
            NavItem(_("Sales records"), "gsp_records:sales_records", "sales.view_delivery"),
            NavItem(
                _("Near-expiry push list"),
                "gsp_records:expiry_push_list",
                "inventory.view_stockbalance",
            ),
            NavItem(_("Return notices"), "gsp_records:return_notices", "sales.view_salesreturn"),
            NavItem(
                _("Nonconforming loss approvals"),
                "gsp_records:loss_approvals",
                "inventory.view_lossreport",
            ),
            NavItem(
                _("Temperature and humidity"),
                "gsp_storage:temperaturelog_list",
                "gsp_storage.view_temperaturelog",
            ),
            NavItem(
                _("Maintenance inspections"),
                "gsp_storage:maintenanceinspection_list",
                "gsp_storage.view_maintenanceinspection",
            ),
            NavItem(
                _("Inspection worklist"),
                "gsp_storage:inspection_worklist",
                "gsp_storage.view_maintenanceinspection",
            ),
            NavItem(
                _("Re-inspection notices"),
                "gsp_quality:reinspectionnotice_list",
                "gsp_quality.view_reinspectionnotice",
            ),
            NavItem(
                _("Stop-sale notices"),
                "gsp_quality:stopsalenotice_list",
                "gsp_quality.view_stopsalenotice",
            ),
            NavItem(
                _("Equipment use"), "gsp_storage:equipmentuse_list", "gsp_storage.view_equipmentuse"
            ),
            NavItem(
                _("Calibration cards"),
                "gsp_storage:calibrationcard_list",
                "gsp_storage.view_calibrationcard",
            ),
            NavItem(
                _("Quality inquiries"),
                "gsp_quality:qualityinquiry_list",
                "gsp_quality.view_qualityinquiry",
            ),
            NavItem(
                _("Quality feedback"),
                "gsp_quality:qualityfeedback_list",
                "gsp_quality.view_qualityfeedback",
            ),
            NavItem(
                _("Health checks"), "gsp_quality:healthcheck_list", "gsp_quality.view_healthcheck"
            ),
            NavItem(
                _("Training records"),
                "gsp_quality:trainingrecord_list",
                "gsp_quality.view_trainingrecord",
            ),
            NavItem(_("PDF archive"), "gsp_records:pdf_list", "gsp_records.view_generatedpdf"),
            NavItem(_("Alerts"), "gsp_alerts:alert_list", "gsp_alerts.view_alert"),
            NavItem(_("Alert schedule"), "gsp_alerts:alertjob_list", "gsp_alerts.view_alertjob"),
        ),
    ),
    NavSection(
        _("Company"),
        "building",
        (
            NavItem(_("Company settings"), "core:company_settings", "core.view_companysettings"),
            NavItem(_("Company licences"), "core:companylicence_list", "core.view_companylicence"),
        ),
    ),
)


def navigation_for(user) -> list[dict]:
    sections = []
    for section in MENU:
        items = []
        for item in section.items:
            if not user.has_perm(item.permission):
                continue
            try:
                url = reverse(item.url_name)
            except NoReverseMatch:
                continue
            items.append({"label": item.label, "url": url})
        if items:
            sections.append({"label": section.label, "icon": section.icon, "items": items})
    return sections
