"""Customer pages beyond the generic CRUD: the detail context and finance's credit page."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import generic

from apps.core.crud import StaffPermissionMixin, apply_domain_error
from apps.core.exceptions import DomainError
from apps.core.licences import may_trade
from apps.core.models import CompanySettings, today

from .forms import CustomerCreditForm, ProductCheckForm, can_change_credit
from .models import Customer
from .services import customer_set_credit
from .tables import CustomerLicenceTable


def customer_detail_context(request, customer: Customer) -> dict:
    """Trade status, licences, credit, shelf life and the product check of one customer."""
    on_date = today()
    user = request.user
    licences = list(customer.licences.all())
    available = customer.credit_limit - customer.receivables
    company_default = CompanySettings.load().default_min_shelf_life_days
    ctx = {
        "trade_blockers": customer.standing_blockers(on_date),
        "licence_table": CustomerLicenceTable(licences, orderable=False),
        "licence_count": len(licences),
        "credit_available": available,
        "credit_exceeded": available < 0,
        "min_shelf_life_days": customer.min_shelf_life_days
        if customer.min_shelf_life_days is not None
        else company_default,
        "min_shelf_life_is_default": customer.min_shelf_life_days is None,
        "can_add_licence": user.has_perm("customers.add_customerlicence"),
        "can_change_credit": can_change_credit(user),
        "check_form": ProductCheckForm(),
        "trade_check": None,
    }
    if "product" in request.GET:
        form = ProductCheckForm(request.GET)
        ctx["check_form"] = form
        if form.is_valid():
            product = form.cleaned_data["product"]
            ctx["checked_product"] = product
            ctx["trade_check"] = may_trade(customer, product, on_date)
    return ctx


class CustomerCreditView(StaffPermissionMixin, generic.UpdateView):
    """Finance and managers set the credit limit and payment terms here."""

    model = Customer
    form_class = CustomerCreditForm
    template_name = "customers/customer_credit.html"
    permission_required = ("customers.view_customer", "customers.change_credit_customer")

    def form_valid(self, form):
        try:
            self.object = customer_set_credit(
                user=self.request.user,
                customer=self.object,
                credit_limit=form.cleaned_data["credit_limit"],
                payment_terms_days=form.cleaned_data["payment_terms_days"],
            )
        except DomainError as error:
            apply_domain_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Credit limit of %(customer)s set to %(limit)s.")
            % {"customer": self.object, "limit": self.object.credit_limit},
        )
        return HttpResponseRedirect(reverse("customers:customer_detail", args=[self.object.pk]))
