"""Generic staff pages for master data: list (search, filters, sorting, pagination, Excel
export), detail, create, edit, change history and import with a dry run.

An app declares one `Crud` per model and adds `crud.urls()` to its urlpatterns; `actions`
leaves pages out (an approval has no edit page) and lets child models (licences of a
supplier, `parent_field`) have a list of all records and an import page. Every
page checks a model permission (403 for a signed-in user without it, login redirect for
anonymous users). Writes go through the app's service functions when given
(`create_service` / `update_service`), which raise `DomainError` for cross-row rules;
the error is shown on the form and nothing is saved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import tablib
from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic
from django_filters.filterset import filterset_factory
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin
from django_tables2.export import ExportMixin

from .exceptions import DomainError
from .history import history_rows

ALL_ACTIONS = ("list", "detail", "create", "update", "history", "import")
# Child records are listed and created from their parent's page unless asked otherwise.
CHILD_ACTIONS = ("detail", "create", "update", "history")


class StaffPermissionMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Anonymous users go to the login page; signed-in users without permission get 403."""

    def handle_no_permission(self):
        if not self.request.user.is_authenticated:
            return redirect_to_login(self.request.get_full_path())
        raise PermissionDenied


def display_rows(obj, names) -> list[tuple[str, object]]:
    """(label, display value) for each field name, using choice labels where defined."""
    rows = []
    for name in names:
        model_field = obj._meta.get_field(name)
        display = getattr(obj, f"get_{name}_display", None)
        value = display() if callable(display) else getattr(obj, name)
        if model_field.many_to_many:
            value = ", ".join(str(item) for item in value.all())
        rows.append((model_field.verbose_name, value))
    return rows


def apply_domain_error(form: forms.BaseForm, error: DomainError | ValidationError) -> None:
    """Put a service error on the form: on its field when known, else non-field."""
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            for name, errs in error.error_dict.items():
                form.add_error(name if name in form.fields else None, errs)
        else:
            form.add_error(None, error)
        return
    target = error.field if error.field in form.fields else None
    for message in error.messages:
        form.add_error(target, message)


@dataclass
class Crud:
    """Configuration of the staff pages of one model."""

    model: type[Model]
    table: type
    form: type[forms.ModelForm]
    filterset: type | None = None
    resource: type | None = None
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()
    detail_fields: tuple[str, ...] | None = None
    detail_template: str = "core/crud/detail.html"
    # Child records (licences of a supplier): created from the parent's page.
    parent_field: str | None = None
    create_service: Callable | None = None  # (user=, instance=, form=) -> instance
    update_service: Callable | None = None
    paginate_by: int = 25
    extra_context: dict = field(default_factory=dict)
    detail_context: Callable | None = None  # (request, obj) -> dict
    # Pages to generate (names from ALL_ACTIONS); None: every page of a top-level model,
    # CHILD_ACTIONS for a child. "import" needs a resource.
    actions: tuple[str, ...] | None = None

    def __post_init__(self):
        unknown = set(self.actions or ()) - set(ALL_ACTIONS)
        if unknown:
            raise ValueError(f"Unknown Crud actions: {sorted(unknown)}")

    @property
    def enabled_actions(self) -> frozenset[str]:
        default = CHILD_ACTIONS if self.parent_field else ALL_ACTIONS
        actions = set(self.actions if self.actions is not None else default)
        if self.resource is None:
            actions.discard("import")
        return frozenset(actions)

    def has(self, action: str) -> bool:
        return action in self.enabled_actions

    def back_url(self) -> str | None:
        """Where the list and import pages lead back to: this model's list, else (child
        without a list) the parent model's list."""
        if self.has("list"):
            return reverse(self.url_name("list"))
        if self.parent_field:
            parent = self.model._meta.get_field(self.parent_field).related_model._meta
            return reverse(f"{parent.app_label}:{parent.model_name}_list")
        return None

    # names -----------------------------------------------------------------
    @property
    def app_label(self) -> str:
        return self.model._meta.app_label

    @property
    def model_name(self) -> str:
        return self.model._meta.model_name

    def url_name(self, action: str) -> str:
        return f"{self.app_label}:{self.model_name}_{action}"

    def perm(self, action: str) -> str:
        return f"{self.app_label}.{action}_{self.model_name}"

    def queryset(self) -> QuerySet:
        qs = self.model._default_manager.all()
        if self.select_related:
            qs = qs.select_related(*self.select_related)
        if self.prefetch_related:
            qs = qs.prefetch_related(*self.prefetch_related)
        return qs

    # urls ------------------------------------------------------------------
    def urls(self) -> list:
        prefix = f"{self.model_name}s/"
        # A child is created for one parent: /<model>s/new/<parent_pk>/.
        create_route = f"{prefix}new/<int:parent_pk>/" if self.parent_field else f"{prefix}new/"
        routes = {
            "list": (prefix, CrudListView),
            "import": (f"{prefix}import/", CrudImportView),
            "detail": (f"{prefix}<int:pk>/", CrudDetailView),
            "update": (f"{prefix}<int:pk>/edit/", CrudUpdateView),
            "history": (f"{prefix}<int:pk>/history/", CrudHistoryView),
            "create": (create_route, CrudCreateView),
        }
        return [
            path(route, view.as_view(crud=self), name=f"{self.model_name}_{action}")
            for action, (route, view) in routes.items()
            if self.has(action)
        ]


class CrudMixin(StaffPermissionMixin):
    crud: Crud = None  # set by as_view(crud=...)
    action = "view"

    def get_permission_required(self):
        return (self.crud.perm(self.action),)

    def get_queryset(self):
        return self.crud.queryset()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        meta = self.crud.model._meta
        user = self.request.user
        ctx.update(
            crud=self.crud,
            verbose_name=meta.verbose_name,
            verbose_name_plural=meta.verbose_name_plural,
            can_add=user.has_perm(self.crud.perm("add")),
            can_change=user.has_perm(self.crud.perm("change")),
            can_view_history=user.has_perm("core.view_history"),
            **self.crud.extra_context,
        )
        if self.crud.has("list") and not self.crud.parent_field:
            ctx["list_url"] = reverse(self.crud.url_name("list"))
        return ctx


class CrudListView(CrudMixin, ExportMixin, SingleTableMixin, FilterView):
    template_name = "core/crud/list.html"
    export_formats = ("xlsx", "csv")

    def get_filterset_class(self):
        return self.crud.filterset or filterset_factory(self.crud.model, fields=[])

    def get_table_class(self):
        return self.crud.table

    def get_table_pagination(self, table):
        return {"per_page": self.crud.paginate_by}

    def get_export_filename(self, export_format):
        return f"{self.crud.model_name}.{export_format}"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if self.crud.has("import") and ctx["can_add"]:
            ctx["import_url"] = reverse(self.crud.url_name("import"))
        # A child's "New" needs its parent, so it is offered on the parent's page instead.
        may_create = self.crud.has("create") and not self.crud.parent_field
        may_create = may_create and ctx["can_add"]
        ctx["create_url"] = reverse(self.crud.url_name("create")) if may_create else None
        return ctx


class CrudDetailView(CrudMixin, generic.DetailView):
    def get_template_names(self):
        return [self.crud.detail_template]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        obj = self.object
        names = self.crud.detail_fields or [
            f.name
            for f in obj._meta.concrete_fields
            if f.name not in {"id", "created_at", "updated_at"}
        ]
        ctx["field_rows"] = display_rows(obj, names)
        if self.crud.detail_context:
            ctx.update(self.crud.detail_context(self.request, obj))
        return ctx


class CrudFormMixin(CrudMixin):
    template_name = "core/crud/form.html"

    def get_form_class(self):
        return self.crud.form

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if getattr(self.crud.form, "wants_user", False):
            kwargs["user"] = self.request.user
        return kwargs

    def save(self, form):
        service = self.crud.update_service if self.object else self.crud.create_service
        if service is not None:
            return service(user=self.request.user, instance=form.instance, form=form)
        instance = form.save()
        return instance

    def form_valid(self, form):
        try:
            with transaction.atomic():
                self.object = self.save(form)
        except (DomainError, ValidationError) as error:
            apply_domain_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved %(obj)s.") % {"obj": self.object})
        return HttpResponseRedirect(self.get_success_url())

    def get_success_url(self):
        if self.crud.parent_field:
            parent = getattr(self.object, self.crud.parent_field)
            return reverse(
                f"{parent._meta.app_label}:{parent._meta.model_name}_detail", args=[parent.pk]
            )
        return reverse(self.crud.url_name("detail"), args=[self.object.pk])


class CrudCreateView(CrudFormMixin, generic.CreateView):
    action = "add"

    @cached_property
    def parent(self):
        # Resolved lazily, after the login and permission checks of dispatch().
        if not self.crud.parent_field:
            return None
        parent_model = self.crud.model._meta.get_field(self.crud.parent_field).related_model
        return get_object_or_404(parent_model, pk=self.kwargs["parent_pk"])

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.parent is not None and kwargs.get("instance") is None:
            kwargs["instance"] = self.crud.model(**{self.crud.parent_field: self.parent})
        return kwargs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["parent"] = self.parent
        return ctx


class CrudUpdateView(CrudFormMixin, generic.UpdateView):
    action = "change"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if self.crud.parent_field:
            ctx["parent"] = getattr(self.object, self.crud.parent_field)
        return ctx


class CrudHistoryView(CrudMixin, generic.DetailView):
    template_name = "core/crud/history.html"

    def get_permission_required(self):
        return (self.crud.perm("view"), "core.view_history")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["history_rows"] = history_rows(self.object)
        return ctx


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Spreadsheet (.xlsx or .csv)"), required=False)
    token = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if not data.get("file") and not data.get("token"):
            raise ValidationError(_("Choose a spreadsheet file to import."))
        return data


class CrudImportView(CrudMixin, generic.FormView):
    """Upload a spreadsheet: a dry run lists every bad row; only a clean file is imported.

    A clean dry run keeps the uploaded bytes in the session under a token, so the user
    confirms without choosing the file again.
    """

    template_name = "core/crud/import.html"
    form_class = ImportForm
    action = "add"
    session_key = "crud_import_stash"

    def get(self, request, *args, **kwargs):
        if request.GET.get("template") == "xlsx":
            return self.header_template()
        return super().get(request, *args, **kwargs)

    def header_template(self):
        """An empty workbook with the import columns in the first row."""
        dataset = tablib.Dataset(headers=self.columns())
        response = HttpResponse(
            dataset.export("xlsx"),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{self.crud.model_name}-import-template.xlsx"'
        )
        return response

    def columns(self) -> list[str]:
        return [f.column_name for f in self.crud.resource().get_import_fields()]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["columns"] = self.columns()
        ctx["list_url"] = self.crud.back_url()
        return ctx

    def form_valid(self, form):
        import base64
        import secrets

        from django.core.files.uploadedfile import SimpleUploadedFile

        from .importing import ImportRefused, import_spreadsheet

        stash = self.request.session.get(self.session_key) or {}
        token = form.cleaned_data.get("token")
        upload = form.cleaned_data.get("file")
        confirm = bool(token) and not upload
        if confirm:
            entry = stash.get(token)
            if entry is None or entry["model"] != self.crud.model_name:
                form.add_error(None, _("The upload has expired; choose the file again."))
                return self.form_invalid(form)
            upload = SimpleUploadedFile(entry["name"], base64.b64decode(entry["data"]))
        raw = upload.read()
        upload.seek(0)
        try:
            result = import_spreadsheet(
                self.crud.resource(), upload, user=self.request.user, dry_run=not confirm
            )
        except ImportRefused as refused:
            return self.render_to_response(
                self.get_context_data(form=self.form_class(), errors=refused.errors)
            )
        if confirm:
            stash.pop(token, None)
            self.request.session[self.session_key] = stash
            messages.success(
                self.request,
                _("Imported %(new)d new and %(updated)d updated rows.")
                % {"new": result.new, "updated": result.updated},
            )
            return HttpResponseRedirect(self.crud.back_url())
        token = secrets.token_urlsafe(16)
        self.request.session[self.session_key] = {
            token: {
                "model": self.crud.model_name,
                "name": upload.name,
                "data": base64.b64encode(raw).decode(),
            }
        }
        return self.render_to_response(
            self.get_context_data(form=self.form_class(), preview=result, token=token)
        )
