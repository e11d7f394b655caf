"""Delivery pages: the list, the picking list (拣货单, created from a confirmed order and
printable), the double-check (复核) by another person, the shipment form and the
delivery note (随货同行单) as a PDF."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.db.models import F, OuterRef
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views import generic

from apps.core.crud import StaffPermissionMixin, apply_domain_error
from apps.core.exceptions import DomainError
from apps.inventory.models import StockReservation

from ..documents import render_delivery_note
from ..forms import CheckFormSet, CheckNoteForm, PickingForm, ReasonForm, ShipForm
from ..models import (
    CENT,
    Delivery,
    DeliveryLine,
    DeliveryStatus,
    SalesOrder,
    SalesOrderStatus,
)
from ..services import ORDER_SOURCE
from ..services.fulfilment import (
    CheckInput,
    delivery_cancel,
    delivery_check,
    delivery_create,
    delivery_ship,
)
from .common import (
    SalesListView,
    error_messages,
    form_error_messages,
    quantity_of,
    sum_subquery,
    with_band,
)

OPEN = (DeliveryStatus.PICKING, DeliveryStatus.CHECKED)


class DeliveryListView(SalesListView):
    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("order", "customer", "warehouse", "picked_by", "checked_by")
            .annotate(quantity=quantity_of(DeliveryLine, "delivery"))
        )


def delivery_lines(delivery: Delivery) -> list[DeliveryLine]:
    lines = list(
        delivery.lines.select_related(
            "product__manufacturer", "lot", "location", "order_line"
        ).order_by("order_line_id", "pk")
    )
    for line in lines:
        with_band(line, line.lot.expiry_date)
    return lines


def delivery_actions(delivery: Delivery, user) -> dict[str, bool]:
    status = delivery.status
    return {
        "check": status == DeliveryStatus.PICKING and user.has_perm("sales.check_delivery"),
        "ship": status == DeliveryStatus.CHECKED and user.has_perm("sales.ship_delivery"),
        "cancel": status in OPEN and user.has_perm("sales.pick_delivery"),
        "note_pdf": status in (DeliveryStatus.CHECKED, DeliveryStatus.SHIPPED),
        "return": status == DeliveryStatus.SHIPPED and user.has_perm("sales.add_salesreturn"),
    }


def delivery_detail_context(request, delivery: Delivery) -> dict:
    delivery = Delivery.objects.select_related(
        "order", "customer", "warehouse", "picked_by", "checked_by", "shipped_by"
    ).get(pk=delivery.pk)
    lines = delivery_lines(delivery)
    can_view_cost = request.user.has_perm("core.view_cost")
    cost_total = Decimal(0)
    for line in lines:
        # Before shipment the lot's cost; the shipment books the cost it issued at.
        line.cost = line.unit_cost if line.unit_cost is not None else line.lot.unit_cost
        if can_view_cost and line.cost is not None:
            line.cost_amount = (line.cost * line.quantity).quantize(CENT)
            tax = Decimal(line.order_line.tax_rate) / 100
            revenue = (line.amount / (1 + tax)).quantize(CENT)
            line.margin = revenue - line.cost_amount
            cost_total += line.cost_amount
    return {
        "delivery": delivery,
        "lines": lines,
        "total_quantity": sum(line.quantity for line in lines),
        "total_amount": sum((line.amount for line in lines), Decimal("0.00")),
        "returns": delivery.returns.select_related("created_by").order_by("returned_on", "pk"),
        "actions": delivery_actions(delivery, request.user),
        "can_view_cost": can_view_cost,
        "cost_total": cost_total if can_view_cost else None,
        "can_view_history": request.user.has_perm("core.view_history"),
    }


# --- picking list -------------------------------------------------------------------------


def free_reservations(order: SalesOrder):
    """The order's open reservations with what is not yet on an open picking list."""
    on_lists = DeliveryLine.objects.filter(reservation=OuterRef("pk"), delivery__status__in=OPEN)
    reservations = list(
        StockReservation.objects.filter(
            source_type=ORDER_SOURCE, source_id=order.pk, quantity__gt=0
        )
        .select_related("balance__lot__product", "balance__location")
        .annotate(on_lists=sum_subquery(on_lists, F("quantity")))
        .order_by("source_line_id", "balance__lot__expiry_date", "pk")
    )
    result = []
    for reservation in reservations:
        reservation.free_qty = reservation.quantity - reservation.on_lists
        if reservation.free_qty > 0:
            with_band(reservation, reservation.balance.lot.expiry_date)
            result.append(reservation)
    return result


class DeliveryCreateView(StaffPermissionMixin, generic.TemplateView):
    """拣货单: choose how much of each reserved lot to pick (default: all that is free)."""

    template_name = "sales/delivery_form.html"
    permission_required = "sales.pick_delivery"

    def get_order(self) -> SalesOrder:
        return get_object_or_404(
            SalesOrder.objects.select_related("customer", "warehouse"), pk=self.kwargs["order_pk"]
        )

    def render(self, order, form):
        return self.render_to_response(self.get_context_data(order=order, form=form))

    def not_pickable(self, order):
        messages.error(
            self.request,
            _("Order %(number)s is %(status)s; only a confirmed order can be picked.")
            % {"number": order.number, "status": order.get_status_display()},
        )
        return HttpResponseRedirect(order.get_absolute_url())

    def get(self, request, *args, **kwargs):
        order = self.get_order()
        if order.status not in (SalesOrderStatus.CONFIRMED, SalesOrderStatus.PARTIALLY_SHIPPED):
            return self.not_pickable(order)
        return self.render(order, PickingForm(reservations=free_reservations(order)))

    def post(self, request, *args, **kwargs):
        order = self.get_order()
        form = PickingForm(request.POST, reservations=free_reservations(order))
        if form.is_valid():
            try:
                delivery = delivery_create(
                    order=order, user=request.user, quantities=form.cleaned_data["quantities"]
                )
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                messages.success(request, _("Picking list %(obj)s created.") % {"obj": delivery})
                return HttpResponseRedirect(delivery.get_absolute_url())
        return self.render(order, form)


class PickingListPrintView(StaffPermissionMixin, generic.TemplateView):
    """The picking list as a printable page: lots, locations, expiry and quantities."""

    template_name = "sales/picking_list_print.html"
    permission_required = "sales.view_delivery"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        delivery = get_object_or_404(
            Delivery.objects.select_related("order", "customer", "warehouse", "picked_by"),
            pk=self.kwargs["pk"],
        )
        lines = delivery_lines(delivery)
        ctx.update(
            delivery=delivery,
            lines=lines,
            total_quantity=sum(line.quantity for line in lines),
        )
        return ctx


# --- double-check -------------------------------------------------------------------------


class DeliveryCheckView(StaffPermissionMixin, generic.TemplateView):
    """复核: per line the checker types or scans the batch and counts the quantity."""

    template_name = "sales/delivery_check.html"
    permission_required = "sales.check_delivery"
    prefix = "check"

    def get_delivery(self) -> Delivery:
        return get_object_or_404(
            Delivery.objects.select_related("order", "customer", "picked_by"),
            pk=self.kwargs["pk"],
        )

    def render(self, delivery, lines, formset, note_form):
        rows = list(zip(lines, formset.forms, strict=False))
        return self.render_to_response(
            self.get_context_data(
                delivery=delivery,
                rows=rows,
                formset=formset,
                form=note_form,
                is_picker=delivery.picked_by_id == self.request.user.pk,
            )
        )

    def get(self, request, *args, **kwargs):
        delivery = self.get_delivery()
        if delivery.status != DeliveryStatus.PICKING:
            messages.info(
                request,
                _("Delivery %(number)s is %(status)s; there is nothing to double-check.")
                % {"number": delivery.number, "status": delivery.get_status_display()},
            )
            return HttpResponseRedirect(delivery.get_absolute_url())
        lines = delivery_lines(delivery)
        formset = CheckFormSet(prefix=self.prefix, lines=lines)
        return self.render(delivery, lines, formset, CheckNoteForm())

    def post(self, request, *args, **kwargs):
        delivery = self.get_delivery()
        lines = delivery_lines(delivery)
        formset = CheckFormSet(request.POST, prefix=self.prefix, lines=lines)
        note_form = CheckNoteForm(request.POST)
        if formset.is_valid() and note_form.is_valid():
            confirmations = [
                CheckInput(
                    line_id=row.cleaned_data["line_id"],
                    batch_number=row.cleaned_data["entry"],
                    quantity=row.cleaned_data["quantity"],
                )
                for row in formset.forms
            ]
            try:
                delivery = delivery_check(
                    delivery=delivery,
                    user=request.user,
                    confirmations=confirmations,
                    note=note_form.cleaned_data.get("note", ""),
                )
            except DomainError as error:
                apply_domain_error(note_form, error)
            else:
                messages.success(request, _("Delivery %(obj)s double-checked.") % {"obj": delivery})
                return HttpResponseRedirect(delivery.get_absolute_url())
        return self.render(delivery, lines, formset, note_form)


# --- shipment -----------------------------------------------------------------------------


class DeliveryShipView(StaffPermissionMixin, generic.TemplateView):
    """Ship a double-checked delivery: transport, temperatures, a second keeper for
    specially controlled products."""

    template_name = "sales/delivery_ship.html"
    permission_required = "sales.ship_delivery"

    def get_delivery(self) -> Delivery:
        return get_object_or_404(
            Delivery.objects.select_related("order", "customer", "picked_by", "checked_by"),
            pk=self.kwargs["pk"],
        )

    def make_form(self, delivery, lines, data=None):
        return ShipForm(
            data,
            delivery=delivery,
            user=self.request.user,
            has_controlled=any(line.product.is_controlled for line in lines),
        )

    def render(self, delivery, lines, form):
        return self.render_to_response(
            self.get_context_data(
                delivery=delivery,
                lines=lines,
                form=form,
                cold_chain=any(line.product.is_cold_chain for line in lines),
            )
        )

    def get(self, request, *args, **kwargs):
        delivery = self.get_delivery()
        if delivery.status != DeliveryStatus.CHECKED:
            messages.info(
                request,
                _("Delivery %(number)s is %(status)s; only a double-checked delivery can ship.")
                % {"number": delivery.number, "status": delivery.get_status_display()},
            )
            return HttpResponseRedirect(delivery.get_absolute_url())
        lines = delivery_lines(delivery)
        return self.render(delivery, lines, self.make_form(delivery, lines))

    def post(self, request, *args, **kwargs):
        delivery = self.get_delivery()
        lines = delivery_lines(delivery)
        form = self.make_form(delivery, lines, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                delivery = delivery_ship(
                    delivery=delivery,
                    user=request.user,
                    transport_mode=data["transport_mode"],
                    carrier=data.get("carrier", ""),
                    departure_temperature=data.get("departure_temperature"),
                    arrival_temperature=data.get("arrival_temperature"),
                    second_user=data.get("second_user"),
                    shipped_on=data["shipped_on"],
                )
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                messages.success(request, _("Delivery %(obj)s shipped.") % {"obj": delivery})
                return HttpResponseRedirect(delivery.get_absolute_url())
        return self.render(delivery, lines, form)


class DeliveryCancelView(StaffPermissionMixin, generic.View):
    """POST: cancel a picking list not yet shipped (its lots stay reserved)."""

    permission_required = "sales.pick_delivery"
    http_method_names = ["post"]

    def post(self, request, pk):
        delivery = get_object_or_404(Delivery, pk=pk)
        form = ReasonForm(request.POST)
        if not form.is_valid():
            form_error_messages(request, form)
        else:
            try:
                delivery_cancel(
                    delivery=delivery, user=request.user, reason=form.cleaned_data["reason"]
                )
            except DomainError as error:
                error_messages(request, error)
            else:
                messages.success(request, _("Picking list %(obj)s cancelled.") % {"obj": delivery})
        return HttpResponseRedirect(delivery.get_absolute_url())


class DeliveryNotePdfView(StaffPermissionMixin, generic.View):
    """The delivery note (随货同行单) as a PDF download."""

    permission_required = "sales.view_delivery"

    def get(self, request, pk):
        delivery = get_object_or_404(Delivery, pk=pk)
        if delivery.status not in (DeliveryStatus.CHECKED, DeliveryStatus.SHIPPED):
            messages.error(
                request,
                _(
                    "Delivery %(number)s is %(status)s; the delivery note is printed once the "
                    "goods are double-checked."
                )
                % {"number": delivery.number, "status": delivery.get_status_display()},
            )
            return HttpResponseRedirect(delivery.get_absolute_url())
        response = HttpResponse(render_delivery_note(delivery), content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="delivery-note-{delivery.number}.pdf"'
        )
        return response
