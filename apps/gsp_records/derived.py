"""The GSP records derived from transactions (DESIGN.md 9): never typed twice, read from
the receipts, acceptances, deliveries, returns, stock and loss reports.

One configuration (`DerivedRecord`) per form gives its list page (filters, pagination,
Excel export, a "PDF" button) and its PDF (`documents.py` registers `pdf_form()`), both
from the same selector and the same columns, so the PDF prints the rows the page shows.
The eight forms are declared at the bottom (`RECORDS`); `derived_urls.py` routes them.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django import forms
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import generic
from django_tables2 import SingleTableMixin
from django_tables2.export import ExportMixin

from apps.core.crud import StaffPermissionMixin
from apps.core.forms import style_form
from apps.core.models import today
from apps.inventory.expiry import Band

from . import selectors
from . import tables as t
from .filters import AsOfFilterForm, CustomerFilterForm, RecordFilterForm, SupplierFilterForm
from .pdf import Built, PdfForm, Section


@dataclass(frozen=True)
class DerivedRecord:
    code: str  # URL name and PDF form code
    route: str
    title: str  # the page title (translated)
    # The official form name printed on the PDF. GSP forms are Chinese documents and
    # print in Chinese whatever the reader's UI language, like the 随货同行单.
    pdf_title: str
    form_number: str
    permission: str  # the view permission of the source model
    rows: Callable[[dict], Sequence]
    columns: tuple[t.Col, ...]
    filter_form: type[forms.Form] = RecordFilterForm
    landscape: bool = True
    intro: str = ""
    flag: Callable | None = None  # rows printed highlighted in the PDF
    # A PDF of other shape than one table (one section per loss report).
    sections: Callable[[dict], list[Section]] | None = None

    @cached_property
    def table(self):
        return t.table_class(f"{self.code.title().replace('_', '')}Table", self.columns)

    def build(self, params: dict) -> Built:
        if self.sections is not None:
            sections = self.sections(params)
        else:
            rows = list(self.rows(params))
            headers, cells, numeric = t.pdf_cells(self.columns, rows)
            flagged = (
                frozenset(i for i, row in enumerate(rows) if self.flag(row))
                if self.flag
                else frozenset()
            )
            sections = [
                Section(
                    columns=headers,
                    rows=cells,
                    numeric=numeric,
                    flagged_rows=flagged,
                    fields=filter_fields(self.filter_form, params),
                    signatures=[
                        (gettext("Prepared by"), "", ""),
                        (gettext("Reviewed by (quality)"), "", ""),
                    ],
                )
            ]
        start = params.get("date_from") or params.get("date_to")
        return Built(
            sections=sections,
            date_from=start,
            date_to=params.get("date_to"),
            subtitle=period_text(start, params.get("date_to")),
        )

    def pdf_form(self) -> PdfForm:
        return PdfForm(
            code=self.code,
            title=self.pdf_title,
            form_number=self.form_number,
            permission=self.permission,
            build=self.build,
            params_form=self.filter_form,
            landscape=self.landscape,
        )


def period_text(start: datetime.date | None, end: datetime.date | None) -> str:
    if start and end and start != end:
        return f"{start.isoformat()} – {end.isoformat()}"
    return end.isoformat() if end else ""


def filter_fields(form_class: type[forms.Form], params: dict) -> list[tuple[str, str]]:
    """The text filters the PDF was made with, as header fields (label, value)."""
    fields = form_class.base_fields
    return [
        (str(fields[name].label), params[name])
        for name in ("product", "batch", "party")
        if name in fields and params.get(name)
    ]


# ---------------------------------------------------------------------------- view


class DerivedListView(StaffPermissionMixin, ExportMixin, SingleTableMixin, generic.TemplateView):
    """The list page of one derived record: filters, table, Excel export, PDF button."""

    template_name = "gsp_records/derived/list.html"
    record: DerivedRecord = None  # set by as_view(record=...)
    export_formats = ("xlsx",)
    paginate_by = 25

    def get_permission_required(self):
        return (self.record.permission,)

    def get_form(self) -> forms.Form:
        if not hasattr(self, "_form"):
            data = self.request.GET.copy()
            for key, value in self.record.filter_form.defaults().items():
                if not data.get(key):
                    data[key] = value
            self._form = style_form(self.record.filter_form(data))
        return self._form

    def get_table_class(self):
        return self.record.table

    def get_table_data(self):
        form = self.get_form()
        return self.record.rows(form.cleaned_data) if form.is_valid() else []

    def get_table_pagination(self, table):
        return {"per_page": self.paginate_by}

    def get_export_filename(self, export_format):
        return f"{self.record.code}-{today().isoformat()}.{export_format}"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            form=self.get_form(),
            record=self.record,
            title=self.record.title,
            intro=self.record.intro,
            shows_retention=any(col.kind == t.Kind.RETENTION for col in self.record.columns),
        )
        return ctx


# ---------------------------------------------------------------------------- loss reports


def loss_sections(params: dict) -> list[Section]:
    """不合格品报损审批表: one section per report, its approval chain as the signatures."""
    sections = []
    for report, lines in selectors.loss_reports_with_lines(params):
        headers, cells, numeric = t.pdf_cells(t.LOSS_LINE_COLUMNS, lines)
        sections.append(
            Section(
                number=report.number,
                columns=headers,
                rows=cells,
                numeric=numeric,
                fields=[
                    (gettext("Warehouse"), str(report.warehouse)),
                    (gettext("Date"), t.as_text(t.local_date(report.created_at), t.Kind.DATE)),
                    (gettext("Status"), report.get_status_display()),
                    (
                        gettext("Total amount"),
                        t.as_text(
                            sum(t.amount(li.quantity, li.unit_cost) for li in lines), t.Kind.MONEY
                        ),
                    ),
                ],
                notes=[
                    (gettext("Reason (nonconformity)"), report.reason),
                    (gettext("Quality opinion"), report.quality_opinion),
                    (gettext("Manager opinion"), report.manager_opinion),
                ],
                signatures=[
                    (
                        gettext("Prepared by (keeper)"),
                        t.person(report.created_by),
                        t.as_text(t.local_date(report.created_at), t.Kind.DATE),
                    ),
                    (
                        gettext("Head of quality"),
                        t.person(report.quality_by),
                        t.as_text(t.local_date(report.quality_at), t.Kind.DATE),
                    ),
                    (
                        gettext("Manager"),
                        t.person(report.manager_by),
                        t.as_text(t.local_date(report.manager_at), t.Kind.DATE),
                    ),
                ],
            )
        )
    if not sections:  # print the form with "no records" rather than an empty file
        headers, _cells, _numeric = t.pdf_cells(t.LOSS_LINE_COLUMNS, [])
        sections.append(Section(columns=headers, rows=[]))
    return sections


# ---------------------------------------------------------------------------- the forms

RECORDS: tuple[DerivedRecord, ...] = (
    DerivedRecord(
        code="purchase_records",
        route="records/purchases/",
        title=_("Purchase records"),
        pdf_title="购进记录",
        form_number="GSP-GJ-01",
        permission="purchasing.view_receipt",
        rows=selectors.purchase_record_lines,
        columns=t.PURCHASE_COLUMNS,
        filter_form=SupplierFilterForm,
        intro=_("Every arrived batch, by arrival date, from the receipts."),
    ),
    DerivedRecord(
        code="acceptance_records",
        route="records/acceptances/",
        title=_("Acceptance records"),
        pdf_title="医疗器械质量验收记录",
        form_number="GSP-YS-01",
        permission="purchasing.view_acceptance",
        rows=selectors.acceptance_records,
        columns=t.ACCEPTANCE_COLUMNS,
        filter_form=SupplierFilterForm,
        intro=_("Every quality acceptance, by inspection date."),
    ),
    DerivedRecord(
        code="rejection_records",
        route="records/rejections/",
        title=_("Rejection reports"),
        pdf_title="拒收报告",
        form_number="GSP-JS-01",
        permission="purchasing.view_rejectionreport",
        rows=selectors.rejection_reports,
        columns=t.REJECTION_COLUMNS,
        filter_form=SupplierFilterForm,
        intro=_("Goods rejected at acceptance, by inspection date."),
    ),
    DerivedRecord(
        code="outbound_check_records",
        route="records/outbound-checks/",
        title=_("Outbound double-check records"),
        pdf_title="出库复核记录",
        form_number="GSP-FH-01",
        permission="sales.view_delivery",
        rows=selectors.outbound_check_lines,
        columns=t.OUTBOUND_CHECK_COLUMNS,
        filter_form=CustomerFilterForm,
        intro=_("Lines of double-checked deliveries, by the date of the check."),
    ),
    DerivedRecord(
        code="sales_records",
        route="records/sales/",
        title=_("Sales records"),
        pdf_title="销售记录",
        form_number="GSP-XS-01",
        permission="sales.view_delivery",
        rows=selectors.sales_record_lines,
        columns=t.SALES_COLUMNS,
        filter_form=CustomerFilterForm,
        intro=_("Shipped delivery lines, by shipping date."),
    ),
    DerivedRecord(
        code="expiry_push_list",
        route="records/expiry-push/",
        title=_("Near-expiry push list"),
        pdf_title="有效期催销表",
        form_number="GSP-CX-01",
        permission="inventory.view_stockbalance",
        rows=selectors.expiry_push_balances,
        columns=t.EXPIRY_PUSH_COLUMNS,
        filter_form=AsOfFilterForm,
        intro=_(
            "Qualified stock in the near-expiry (yellow) and imminent-expiry (red) bands as "
            "of the chosen date. Quantities are those on hand now; the date places the lots "
            "in their bands. Red rows are highlighted in the PDF."
        ),
        flag=lambda balance: balance.band == Band.RED,
    ),
    DerivedRecord(
        code="return_notices",
        route="records/returns/",
        title=_("Return notices"),
        pdf_title="退货通知单",
        form_number="GSP-TH-01",
        permission="sales.view_salesreturn",
        rows=selectors.return_notice_lines,
        columns=t.RETURN_COLUMNS,
        filter_form=CustomerFilterForm,
        intro=_("Goods returned by customers, by return date, with the re-inspection outcome."),
    ),
    DerivedRecord(
        code="loss_approvals",
        route="records/loss-approvals/",
        title=_("Nonconforming loss approvals"),
        pdf_title="不合格品报损审批表",
        form_number="GSP-BS-01",
        permission="inventory.view_lossreport",
        rows=selectors.loss_report_lines,
        columns=t.LOSS_COLUMNS,
        intro=_(
            "Lines of submitted loss reports, by the date the report was made. The PDF "
            "prints one page per report with its approval chain."
        ),
        sections=loss_sections,
    ),
)
