"""Pricing staff pages: national price history, price-change notices (create and edit a
draft with its lines, execute, cancel) and the cross discount matrix.

Views parse the request and call the services; a `DomainError` is shown on the form (or as
a message for the status buttons) and nothing is saved.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from apps.catalog.models import Product
from apps.core.crud import CrudListView, StaffPermissionMixin, apply_domain_error
from apps.core.exceptions import DomainError
from apps.core.models import today

from .forms import PriceChangeLineFormSet, PriceChangeNoticeForm, PriceOnDateForm, ReasonForm
from .models import CrossDiscount, DiscountLevel, NoticeStatus, PriceChangeLine, PriceChangeNotice
from .resources import CrossDiscountResource
from .selectors import national_price_on, suggested_price
from .services import (
    NoticeLineInput,
    cross_discount_deactivate,
    price_notice_cancel,
    price_notice_create,
    price_notice_execute,
    price_notice_refresh,
    price_notice_update,
)

PURCHASE_PRICE_PERMISSIONS = (
    "core.view_cost",
    "pricing.add_pricechangenotice",
    "purchasing.view_purchaseorder",
)


def may_see_purchase_prices(user) -> bool:
    """Purchase prices are a cost: shown to those who buy, manage or already see purchase
    orders (DESIGN.md 7: never to sales staff)."""
    return any(user.has_perm(permission) for permission in PURCHASE_PRICE_PERMISSIONS)


# --- national price history ----------------------------------------------------------------


class NationalPriceListView(CrudListView):
    """The history list; with a product and an "in force on" date it also names the price in
    force that day (falling back to the product's price before its first row)."""

    template_name = "pricing/nationalprice_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("product", "notice", "created_by")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        filterset = ctx.get("filter")
        data = filterset.form.cleaned_data if filterset and filterset.is_valid() else {}
        product, on_date = data.get("product"), data.get("in_force_on")
        if product is not None:
            on_date = on_date or today()
            ctx["in_force"] = {
                "product": product,
                "on_date": on_date,
                "price": national_price_on(product=product, on_date=on_date),
            }
        return ctx


# --- price-change notices ------------------------------------------------------------------


class PriceChangeNoticeListView(CrudListView):
    def get_queryset(self):
        lines = (
            PriceChangeLine.objects.filter(notice=OuterRef("pk"))
            .order_by()
            .values("notice")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            super()
            .get_queryset()
            .select_related("created_by", "executed_by")
            .annotate(line_count=Coalesce(Subquery(lines, output_field=IntegerField()), Value(0)))
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if ctx["can_add"]:
            ctx["create_url"] = reverse("pricing:pricechangenotice_create")
        return ctx


def notice_actions(notice: PriceChangeNotice, user) -> dict[str, bool]:
    """Which buttons the notice page shows this user (the services check again)."""
    draft = notice.status == NoticeStatus.DRAFT
    can_change = user.has_perm("pricing.change_pricechangenotice")
    can_cancel = user.has_perm("pricing.cancel_pricechangenotice")
    return {
        "edit": draft and can_change,
        "refresh": draft and can_change,
        "execute": draft and user.has_perm("pricing.execute_pricechangenotice"),
        "cancel": (draft and (can_change or can_cancel))
        or (notice.status == NoticeStatus.EXECUTED and can_cancel),
    }


def notice_detail_context(request, notice: PriceChangeNotice) -> dict:
    lines = list(notice.lines.select_related("product").order_by("product__code"))
    stale = []
    if notice.status == NoticeStatus.DRAFT:
        for line in lines:
            line.stale = [
                field for field, old, _new in line.changes() if getattr(line.product, field) != old
            ]
            if line.stale:
                stale.append(line)
    rows = notice.national_prices.select_related("product").order_by("product__code", "pk")
    return {
        "notice": notice,
        "lines": lines,
        "stale_lines": stale,
        "show_purchase": may_see_purchase_prices(request.user),
        "actions": notice_actions(notice, request.user),
        "written_prices": rows,
        "can_view_history": request.user.has_perm("core.view_history"),
        "not_yet_effective": notice.status == NoticeStatus.DRAFT
        and notice.effective_date > today(),
    }


class PriceChangeNoticeFormView(StaffPermissionMixin, generic.TemplateView):
    """Create a draft notice, or edit one while it is a draft, with its lines."""

    template_name = "pricing/pricechangenotice_form.html"
    prefix = "lines"

    def get_permission_required(self):
        if "pk" in self.kwargs:
            return ("pricing.change_pricechangenotice",)
        return ("pricing.add_pricechangenotice",)

    def get_notice(self) -> PriceChangeNotice | None:
        if "pk" not in self.kwargs:
            return None
        return get_object_or_404(PriceChangeNotice, pk=self.kwargs["pk"])

    def not_editable(self, notice):
        messages.error(
            self.request,
            _("Notice %(number)s is %(status)s; only a draft can be changed.")
            % {"number": notice.number, "status": notice.get_status_display()},
        )
        return HttpResponseRedirect(notice.get_absolute_url())

    def render(self, form, formset, notice):
        return self.render_to_response(
            self.get_context_data(form=form, formset=formset, notice=notice)
        )

    def get(self, request, *args, **kwargs):
        notice = self.get_notice()
        if notice is None:
            form = PriceChangeNoticeForm(initial={"effective_date": today()})
            initial = []
            if request.GET.get("product"):
                product = Product.objects.filter(pk=request.GET["product"]).first()
                initial = [{"product": product.pk}] if product else []
            formset = PriceChangeLineFormSet(prefix=self.prefix, initial=initial)
        else:
            if notice.status != NoticeStatus.DRAFT:
                return self.not_editable(notice)
            form = PriceChangeNoticeForm(
                initial={
                    "document_ref": notice.document_ref,
                    "effective_date": notice.effective_date,
                    "reason": notice.reason,
                }
            )
            formset = PriceChangeLineFormSet(
                prefix=self.prefix,
                initial=[
                    {
                        "product": line.product_id,
                        "new_purchase_price": line.new_purchase_price,
                        "new_wholesale_price": line.new_wholesale_price,
                        "new_retail_price": line.new_retail_price,
                    }
                    for line in notice.lines.order_by("pk")
                ],
            )
            formset.extra = 0
        return self.render(form, formset, notice)

    def post(self, request, *args, **kwargs):
        notice = self.get_notice()
        if notice is not None and notice.status != NoticeStatus.DRAFT:
            return self.not_editable(notice)
        form = PriceChangeNoticeForm(request.POST)
        formset = PriceChangeLineFormSet(request.POST, prefix=self.prefix)
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            lines = [
                NoticeLineInput(
                    product=row.cleaned_data["product"],
                    new_purchase_price=row.cleaned_data.get("new_purchase_price"),
                    new_wholesale_price=row.cleaned_data.get("new_wholesale_price"),
                    new_retail_price=row.cleaned_data.get("new_retail_price"),
                )
                for row in formset.filled_forms()
            ]
            header = {
                "user": request.user,
                "document_ref": data["document_ref"],
                "effective_date": data["effective_date"],
                "reason": data.get("reason", ""),
                "lines": lines,
            }
            try:
                if notice is None:
                    notice = price_notice_create(**header)
                else:
                    notice = price_notice_update(notice=notice, **header)
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                messages.success(request, _("Saved %(obj)s.") % {"obj": notice})
                return HttpResponseRedirect(notice.get_absolute_url())
        return self.render(form, formset, notice)


NOTICE_ACTIONS = {
    # action: (service, permissions (any of), takes a reason, success message)
    "execute": (
        price_notice_execute,
        ("pricing.execute_pricechangenotice",),
        False,
        gettext_lazy("Notice executed: the new prices are in force."),
    ),
    "cancel": (
        price_notice_cancel,
        ("pricing.cancel_pricechangenotice", "pricing.change_pricechangenotice"),
        True,
        gettext_lazy("Notice cancelled."),
    ),
    "refresh": (
        price_notice_refresh,
        ("pricing.change_pricechangenotice",),
        False,
        gettext_lazy("The old prices were read again from the products."),
    ),
}


class PriceChangeNoticeActionView(StaffPermissionMixin, generic.View):
    """POST execute, cancel or refresh from the notice page."""

    permission_required = "pricing.view_pricechangenotice"
    http_method_names = ["post"]

    def has_permission(self):
        # Users who may take none of the actions (auditors, sales) are refused outright.
        user = self.request.user
        return super().has_permission() and any(
            user.has_perm(permission)
            for _s, permissions, _r, _d in NOTICE_ACTIONS.values()
            for permission in permissions
        )

    def post(self, request, pk, action):
        if action not in NOTICE_ACTIONS:
            raise Http404
        service, permissions, takes_reason, done = NOTICE_ACTIONS[action]
        if not any(request.user.has_perm(permission) for permission in permissions):
            raise PermissionDenied
        notice = get_object_or_404(PriceChangeNotice, pk=pk)
        target = notice.get_absolute_url()
        form = ReasonForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return HttpResponseRedirect(target)
        kwargs = {"notice": notice, "user": request.user}
        if takes_reason:
            kwargs["reason"] = form.cleaned_data.get("reason", "")
        try:
            service(**kwargs)
        except DomainError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, done)
        return HttpResponseRedirect(target)


# --- cross discounts -----------------------------------------------------------------------


class CrossDiscountListView(CrudListView):
    """The matrix; its Excel export has the import columns, so it can be edited and
    imported back."""

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("customer", "customer_class", "product", "category")
        )

    def create_export(self, export_format):
        dataset = CrossDiscountResource().export(queryset=self.object_list)
        content_types = {
            "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "csv": "text/csv; charset=utf-8",
        }
        body = dataset.export(export_format)
        if export_format == "csv":
            body = "\ufeff" + body  # Excel opens UTF-8 CSV with a BOM correctly
        response = HttpResponse(body, content_type=content_types[export_format])
        response["Content-Disposition"] = (
            f'attachment; filename="{self.get_export_filename(export_format)}"'
        )
        return response


def crossdiscount_detail_context(request, discount: CrossDiscount) -> dict:
    return {
        "can_deactivate": discount.is_active
        and request.user.has_perm("pricing.change_crossdiscount"),
        "level_label": discount.get_level_display(),
    }


class CrossDiscountDeactivateView(StaffPermissionMixin, generic.View):
    permission_required = "pricing.change_crossdiscount"
    http_method_names = ["post"]

    def post(self, request, pk):
        discount = get_object_or_404(CrossDiscount, pk=pk)
        try:
            cross_discount_deactivate(user=request.user, discount=discount)
        except DomainError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Discount deactivated."))
        return HttpResponseRedirect(discount.get_absolute_url())


class SuggestedPriceView(StaffPermissionMixin, generic.FormView):
    """Check what a line would be priced at: national price in force × resolved discount."""

    permission_required = "pricing.view_crossdiscount"
    http_method_names = ["get"]
    template_name = "pricing/suggested_price.html"
    form_class = PriceOnDateForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.request.GET:
            kwargs["data"] = self.request.GET
        return kwargs

    def get_initial(self):
        return {"on_date": today()}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = ctx["form"]
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            result = suggested_price(
                customer=data["customer"], product=data["product"], on_date=data["on_date"]
            )
            ctx["result"] = result
            ctx["level_label"] = DiscountLevel(result.level).label
        return ctx
