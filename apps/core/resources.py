"""Import-export building blocks: strict widgets and the base resource.

Every import runs `full_clean()` on each row (`clean_model_instances`), refers to other
records by their code, and rejects unknown codes with a message naming the code.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets

from apps.catalog.models import Category

from .models import LicenceType, today


class CodeForeignKeyWidget(widgets.ForeignKeyWidget):
    """A foreign key given by code; an unknown code is a row error naming it."""

    def __init__(self, model, field="code", **kwargs):
        super().__init__(model, field=field, **kwargs)

    def clean(self, value, row=None, **kwargs):
        if value is None or str(value).strip() == "":
            return None
        code = str(value).strip()
        try:
            return self.get_queryset(value, row, **kwargs).get(**{self.field: code})
        except self.model.DoesNotExist as exc:
            raise ValueError(
                _("Unknown %(model)s code %(code)s.")
                % {"model": self.model._meta.verbose_name, "code": code}
            ) from exc


class CodeManyToManyWidget(widgets.ManyToManyWidget):
    """Several codes separated by commas; every code must exist."""

    def __init__(self, model, field="code", separator=",", **kwargs):
        super().__init__(model, field=field, separator=separator, **kwargs)

    def clean(self, value, row=None, **kwargs):
        if value is None or str(value).strip() == "":
            return self.model.objects.none()
        codes = [
            c.strip() for c in str(value).replace("，", ",").split(self.separator) if c.strip()
        ]
        found = self.model.objects.filter(**{f"{self.field}__in": codes})
        missing = sorted(set(codes) - {getattr(obj, self.field) for obj in found})
        if missing:
            raise ValueError(
                _("Unknown %(model)s codes: %(codes)s.")
                % {"model": self.model._meta.verbose_name, "codes": ", ".join(missing)}
            )
        return found


class StrictDecimalWidget(widgets.DecimalWidget):
    def clean(self, value, row=None, **kwargs):
        if value is None or str(value).strip() == "":
            return None
        try:
            return Decimal(str(value).strip().replace(",", ""))
        except InvalidOperation as exc:
            raise ValueError(_("%(value)s is not a number.") % {"value": value}) from exc


class StrictIntegerWidget(widgets.IntegerWidget):
    def clean(self, value, row=None, **kwargs):
        if value is None or str(value).strip() == "":
            return None
        text = str(value).strip()
        try:
            number = Decimal(text)
        except InvalidOperation as exc:
            raise ValueError(_("%(value)s is not a whole number.") % {"value": value}) from exc
        if number != number.to_integral_value():
            raise ValueError(_("%(value)s is not a whole number.") % {"value": value})
        return int(number)


class StrictDateWidget(widgets.DateWidget):
    """Dates as YYYY-MM-DD text or real spreadsheet dates."""

    def clean(self, value, row=None, **kwargs):
        if value is None or str(value).strip() == "":
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = str(value).strip()
        for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d"):
            try:
                return datetime.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        raise ValueError(_("%(value)s is not a date (use YYYY-MM-DD).") % {"value": value})


class StrictBooleanWidget(widgets.BooleanWidget):
    TRUE = {"1", "true", "yes", "y", "是", "t"}
    FALSE = {"0", "false", "no", "n", "否", "f", ""}

    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValueError(_("%(value)s is not yes/no (use 1/0, 是/否).") % {"value": value})


class StrictChoiceWidget(widgets.Widget):
    """A choice given by its stored value or its label in any of the UI languages
    (with `ignore_case`, in any letter case)."""

    def __init__(self, choices, ignore_case: bool = False, **kwargs):
        self.choices = list(choices)
        self.ignore_case = ignore_case
        super().__init__(**kwargs)

    def _fold(self, text: str) -> str:
        return text.casefold() if self.ignore_case else text

    def _accepted(self) -> dict[str, str]:
        accepted = {}
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                for stored, label in self.choices:
                    accepted[self._fold(str(label))] = stored
        for stored, _label in self.choices:
            accepted[self._fold(str(stored))] = stored
        return accepted

    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else str(value).strip()
        if text == "":
            return ""
        accepted = self._accepted()
        if self._fold(text) in accepted:
            return accepted[self._fold(text)]
        raise ValueError(
            _("%(value)s is not one of: %(choices)s.")
            % {"value": text, "choices": ", ".join(str(c[0]) for c in self.choices)}
        )

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class BaseResource(resources.ModelResource):
    """Rows are identified by `code`, fully validated, and imported all-or-nothing.

    A resource that sets `duplicate_message` also refuses a row whose identity (the
    columns of Meta.import_id_fields, or several identities in `duplicate_keys`)
    already appeared on an earlier row of the same file: otherwise the second row would
    silently overwrite the first. The message may use %(what)s (the identity's label),
    %(value)s (alias %(code)s, %(key)s) and %(first)d (alias %(row)d), the spreadsheet
    row of the first occurrence.
    """

    duplicate_message: str | None = None
    duplicate_label: str = ""
    # label -> columns; None: {duplicate_label: Meta.import_id_fields}.
    duplicate_keys: dict[str, tuple[str, ...]] | None = None
    duplicate_separator: str = " / "
    # Compared case-insensitively (credit codes, licence numbers typed in either case).
    duplicate_upper_columns: tuple[str, ...] = ()
    # True: the error goes on the identity's last column; False: on the whole row.
    duplicate_on_field: bool = False

    def before_import(self, dataset, **kwargs):
        self._duplicate_first_rows: dict[tuple, int] = {}
        super().before_import(dataset, **kwargs)

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        problems = self.duplicate_row_errors(row, kwargs.get("row_number") or 0)
        if not problems:
            return
        if self.duplicate_on_field:
            errors: dict[str, list[str]] = {}
            for column, message in problems:
                errors.setdefault(column, []).append(message)
            raise ValidationError(errors)
        raise ValueError(" ".join(message for _column, message in problems))

    def duplicate_key_part(self, column: str, value) -> str:
        """One column of a row's identity, as compared (not as shown)."""
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # a code typed as a number comes back as 12.0
        text = "" if value is None else str(value).strip()
        return text.upper() if column in self.duplicate_upper_columns else text

    def duplicate_value(self, row, columns, key: tuple[str, ...]) -> str:
        """The identity as shown in the message."""
        return self.duplicate_separator.join(key)

    def duplicate_row_errors(self, row, row_number: int) -> list[tuple[str, str]]:
        """(column, message) for each identity of this row seen on an earlier row."""
        if not self.duplicate_message:
            return []
        keys = self.duplicate_keys
        if keys is None:
            keys = {self.duplicate_label: tuple(self._meta.import_id_fields)}
        first_rows = getattr(self, "_duplicate_first_rows", None)
        if first_rows is None:
            first_rows = self._duplicate_first_rows = {}
        # Spreadsheet row numbers: the header is row 1.
        sheet_row = row_number + 1
        problems = []
        for label, columns in keys.items():
            key = tuple(self.duplicate_key_part(c, row.get(c)) for c in columns)
            if not all(key):
                continue  # an incomplete identity is reported as a missing value instead
            first = first_rows.setdefault((label, *key), sheet_row)
            if first == sheet_row:
                continue
            value = self.duplicate_value(row, columns, key)
            message = self.duplicate_message % {
                "what": str(label),
                "value": value,
                "code": value,
                "key": value,
                "first": first,
                "row": first,
            }
            problems.append((columns[-1], message))
        return problems

    class Meta:
        clean_model_instances = True
        import_id_fields = ("code",)
        skip_unchanged = True
        report_skipped = False
        use_transactions = True


class DeviceClassListWidget(widgets.Widget):
    """Device classes as "2,3", "II, III", "Ⅱ、Ⅲ", "Class II", "二类；三类" or a number cell read
    from Excel (3.0); stored as a sorted list of integers. `invalid_message` may use
    %(value)s (the bad part) and %(choices)s."""

    WORDS = {
        **{word: 1 for word in ("1", "I", "Ⅰ", "一")},
        **{word: 2 for word in ("2", "II", "Ⅱ", "二")},
        **{word: 3 for word in ("3", "III", "Ⅲ", "三")},
    }
    default_message = gettext_lazy("%(value)s is not a device class (use 1, 2, 3 or I, II, III).")

    def __init__(self, invalid_message=None, **kwargs):
        self.invalid_message = invalid_message or self.default_message
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = "" if value is None else str(value).strip()
        classes = set()
        for part in re.split(r"[,，;；、/\s]+", text):
            token = part.strip().upper().removeprefix("CLASS").removeprefix("第")
            token = token.removesuffix("类").strip()
            if token.endswith(".0"):
                token = token[:-2]  # a number cell read from Excel
            if not part.strip() or (not token and part.strip().upper() == "CLASS"):
                continue  # "Class II" is split into "Class" and "II"
            if token not in self.WORDS:
                raise ValueError(self.invalid_message % {"value": part, "choices": "1, 2, 3"})
            classes.add(self.WORDS[token])
        return sorted(classes)

    def render(self, value, obj=None, **kwargs):
        return ",".join(str(c) for c in (value or []))


class LicenceResource(BaseResource):
    """Import of licences (subclasses of apps.core.models.Licence) of a supplier, customer or
    manufacturer: the licence type by value or label, device classes in any usual
    spelling, scope categories by code, strict dates. A new licence that has already
    expired is refused, as on the forms: it proves nothing; the renewed one must be entered.

    With `owner_field` (the FK to the licence's owner) an empty holder becomes the owner's
    name, like the forms' default (LicenceFormMixin.licence_owner_field).
    """

    owner_field: str = ""

    licence_type = fields.Field(
        attribute="licence_type",
        column_name="licence_type",
        widget=StrictChoiceWidget(LicenceType.choices, ignore_case=True),
    )
    issued_on = fields.Field(
        attribute="issued_on", column_name="issued_on", widget=StrictDateWidget()
    )
    valid_until = fields.Field(
        attribute="valid_until", column_name="valid_until", widget=StrictDateWidget()
    )
    scope_classes = fields.Field(
        attribute="scope_classes", column_name="scope_classes", widget=DeviceClassListWidget()
    )
    scope_categories = fields.Field(
        attribute="scope_categories",
        column_name="scope_categories",
        widget=CodeManyToManyWidget(Category),
    )

    def owner(self, instance):
        owner_id = getattr(instance, f"{self.owner_field}_id", None) if self.owner_field else None
        return getattr(instance, self.owner_field) if owner_id else None

    def import_instance(self, instance, row, **kwargs):
        try:
            super().import_instance(instance, row, **kwargs)
        finally:
            # Also when other cells are bad: the row's errors should not include the holder.
            owner = self.owner(instance)
            if not (instance.holder or "").strip() and owner is not None:
                instance.holder = owner.name

    def expired_on_entry_message(self, valid_until) -> str | None:
        if valid_until is not None and valid_until < today():
            return _("This licence expired on %(date)s; enter the current, renewed licence.") % {
                "date": valid_until.isoformat()
            }
        return None

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = {}
        try:
            super().validate_instance(instance, import_validation_errors, validate_unique)
        except ValidationError as exc:
            errors = exc.update_error_dict({})
        # After the model's own checks: "expiry before the issue date" is the better reason.
        if instance.pk is None and "valid_until" not in errors:
            message = self.expired_on_entry_message(instance.valid_until)
            if message:
                errors["valid_until"] = [ValidationError(message)]
        if errors:
            raise ValidationError(errors)
