"""Admin of customers: the same forms, services and import resources as the staff pages,
so the credit-limit permission and the licence rules hold here too."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from apps.core.exceptions import DomainError

from . import services
from .forms import CustomerClassForm, CustomerForm, CustomerLicenceForm
from .models import Customer, CustomerClass, CustomerLicence
from .resources import CustomerClassResource, CustomerLicenceResource, CustomerResource


def _form_with_user(form_class, user):
    """The admin builds forms without extra arguments; bind the request's user."""

    class FormWithUser(form_class):
        def __init__(self, *args, **kwargs):
            kwargs.setdefault("user", user)
            super().__init__(*args, **kwargs)

    FormWithUser.__name__ = form_class.__name__
    return FormWithUser


class ServiceAdmin(ImportExportModelAdmin, SimpleHistoryAdmin):
    """Saves through the app's services; a service refusal becomes an error message."""

    create_service = None
    update_service = None

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        if getattr(form_class, "wants_user", False):
            return _form_with_user(form_class, request.user)
        return form_class

    def save_model(self, request, obj, form, change):
        service = type(self).update_service if change else type(self).create_service
        service(user=request.user, instance=obj, form=form)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (DomainError, ValidationError) as error:
            text = "; ".join(error.messages)
            self.message_user(request, text, level=messages.ERROR)
            from django.http import HttpResponseRedirect

            return HttpResponseRedirect(request.get_full_path())


class CustomerLicenceInline(admin.StackedInline):
    model = CustomerLicence
    form = CustomerLicenceForm
    fields = CustomerLicenceForm.Meta.fields
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(CustomerClass)
class CustomerClassAdmin(ServiceAdmin):
    form = CustomerClassForm
    resource_classes = [CustomerClassResource]
    list_display = ("code", "name")
    search_fields = ("code", "name")
    create_service = staticmethod(services.customer_class_create)
    update_service = staticmethod(services.customer_class_update)


@admin.register(Customer)
class CustomerAdmin(ServiceAdmin):
    form = CustomerForm
    resource_classes = [CustomerResource]
    inlines = [CustomerLicenceInline]
    list_display = (
        "code",
        "name",
        "customer_type",
        "customer_class",
        "credit_limit",
        "receivables",
        "is_active",
    )
    list_filter = ("customer_type", "customer_class", "is_active")
    search_fields = ("code", "name", "mnemonic", "unified_social_credit_code", "contact_person")
    list_select_related = ("customer_class",)
    readonly_fields = ("receivables",)
    create_service = staticmethod(services.customer_create)
    update_service = staticmethod(services.customer_update)

    def save_formset(self, request, form, formset, change):
        """Licences in the inline are saved one by one through the licence services."""
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for licence_form in formset.forms:
            if not licence_form.has_changed() or not licence_form.cleaned_data:
                continue
            licence = licence_form.instance
            licence.customer = form.instance
            if licence.pk:
                services.customer_licence_update(
                    user=request.user, instance=licence, form=licence_form
                )
                formset.changed_objects.append((licence, licence_form.changed_data))
            else:
                services.customer_licence_create(
                    user=request.user, instance=licence, form=licence_form
                )
                formset.new_objects.append(licence)


@admin.register(CustomerLicence)
class CustomerLicenceAdmin(ServiceAdmin):
    form = CustomerLicenceForm
    resource_classes = [CustomerLicenceResource]
    fields = ("customer", *CustomerLicenceForm.Meta.fields)
    list_display = ("customer", "licence_type", "number", "issued_on", "valid_until")
    list_filter = ("licence_type",)
    search_fields = ("number", "customer__code", "customer__name")
    list_select_related = ("customer",)
    autocomplete_fields = ("customer",)
    create_service = staticmethod(services.customer_licence_create)
    update_service = staticmethod(services.customer_licence_update)
