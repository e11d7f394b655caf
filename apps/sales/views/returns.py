"""Sales return pages (销售退回): the list, a return created from a shipped delivery
(its lines with what may still come back), and the re-inspection of each returned line
to qualified or nonconforming stock."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views import generic

from apps.core.crud import StaffPermissionMixin, apply_domain_error
from apps.core.exceptions import DomainError

from ..forms import InspectReturnLineForm, ReturnChooseForm, ReturnLinesForm, SalesReturnForm
from ..models import Delivery, DeliveryStatus, SalesReturn, SalesReturnLine
from ..services.returns import ReturnLineInput, sales_return_create, sales_return_inspect
from .common import SalesListView, quantity_of, with_band


class SalesReturnListView(SalesListView):
    create_url_name = "sales:salesreturn_create"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("customer", "delivery", "created_by")
            .annotate(quantity=quantity_of(SalesReturnLine, "sales_return"))
        )


def return_lines(sales_return: SalesReturn) -> list[SalesReturnLine]:
    lines = list(
        sales_return.lines.select_related(
            "product", "lot", "location__warehouse", "delivery_line", "inspected_by"
        ).order_by("pk")
    )
    for line in lines:
        with_band(line, line.lot.expiry_date)
    return lines


def salesreturn_detail_context(request, sales_return: SalesReturn) -> dict:
    sales_return = SalesReturn.objects.select_related(
        "delivery__order", "customer", "created_by"
    ).get(pk=sales_return.pk)
    lines = return_lines(sales_return)
    can_inspect = request.user.has_perm("sales.inspect_salesreturn")
    for line in lines:
        line.inspect_form = (
            InspectReturnLineForm(line=line, user=request.user)
            if can_inspect and line.pending_qty > 0
            else None
        )
    return {
        "sales_return": sales_return,
        "lines": lines,
        "can_inspect": can_inspect,
        "can_view_history": request.user.has_perm("core.view_history"),
    }


class SalesReturnCreateView(StaffPermissionMixin, generic.TemplateView):
    """Choose the shipped delivery, then how much of each of its lines comes back."""

    template_name = "sales/salesreturn_form.html"
    permission_required = "sales.add_salesreturn"

    @staticmethod
    def lines_of(delivery: Delivery):
        return delivery.lines.select_related("product", "lot", "location").order_by("pk")

    def render(self, choose, delivery=None, form=None, lines_form=None):
        return self.render_to_response(
            self.get_context_data(
                choose=choose, delivery=delivery, form=form, lines_form=lines_form
            )
        )

    def chosen(self, data):
        choose = ReturnChooseForm(data if "delivery" in data else None)
        if not choose.is_bound or not choose.is_valid():
            return choose, None
        return choose, choose.cleaned_data["delivery"]

    def get(self, request, *args, **kwargs):
        choose, delivery = self.chosen(request.GET)
        if delivery is None:
            return self.render(choose)
        return self.render(
            choose,
            delivery,
            SalesReturnForm(delivery=delivery),
            ReturnLinesForm(delivery_lines=self.lines_of(delivery)),
        )

    def post(self, request, *args, **kwargs):
        choose, delivery = self.chosen(request.POST)
        if delivery is None or delivery.status != DeliveryStatus.SHIPPED:
            return self.render(choose)
        form = SalesReturnForm(request.POST, delivery=delivery)
        lines_form = ReturnLinesForm(request.POST, delivery_lines=self.lines_of(delivery))
        if form.is_valid() and lines_form.is_valid():
            data = form.cleaned_data
            try:
                sales_return = sales_return_create(
                    delivery=delivery,
                    user=request.user,
                    lines=[
                        ReturnLineInput(delivery_line=line, quantity=quantity)
                        for line, quantity in lines_form.cleaned_data["chosen"]
                    ],
                    location=data["location"],
                    reason=data["reason"],
                    returned_on=data["returned_on"],
                )
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                messages.success(request, _("Saved %(obj)s.") % {"obj": sales_return})
                return HttpResponseRedirect(sales_return.get_absolute_url())
        return self.render(choose, delivery, form, lines_form)


class SalesReturnLineInspectView(StaffPermissionMixin, generic.TemplateView):
    """复检 of one returned line: back to qualified stock or to nonconforming."""

    template_name = "sales/salesreturn_inspect.html"
    permission_required = "sales.inspect_salesreturn"

    def get_line(self) -> SalesReturnLine:
        line = get_object_or_404(
            SalesReturnLine.objects.select_related(
                "sales_return__customer",
                "sales_return__delivery",
                "product",
                "lot",
                "location__warehouse",
            ),
            pk=self.kwargs["pk"],
        )
        return with_band(line, line.lot.expiry_date)

    def render(self, line, form):
        return self.render_to_response(self.get_context_data(line=line, form=form))

    def get(self, request, *args, **kwargs):
        line = self.get_line()
        if line.pending_qty <= 0:
            messages.info(request, _("Nothing of this line awaits re-inspection."))
            return HttpResponseRedirect(line.sales_return.get_absolute_url())
        return self.render(line, InspectReturnLineForm(line=line, user=request.user))

    def post(self, request, *args, **kwargs):
        line = self.get_line()
        form = InspectReturnLineForm(request.POST, line=line, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                sales_return_inspect(
                    line=line,
                    user=request.user,
                    qualified_qty=data["qualified_qty"],
                    nonconforming_qty=data["nonconforming_qty"],
                    qualified_location=data.get("qualified_location"),
                    nonconforming_location=data.get("nonconforming_location"),
                    note=data.get("note", ""),
                    second_user=data.get("second_user"),
                )
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                messages.success(
                    request, _("Re-inspection of %(lot)s recorded.") % {"lot": line.lot}
                )
                return HttpResponseRedirect(line.sales_return.get_absolute_url())
        return self.render(line, form)
