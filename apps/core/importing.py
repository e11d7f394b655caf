"""Spreadsheet import with a strict dry run (django-import-export underneath).

`import_spreadsheet` reads an uploaded .xlsx or .csv, checks the header row against the
resource, runs a dry run and refuses the whole file, listing every bad row with its row
number and reason, when anything is wrong. Only a clean file is imported, in one
transaction.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import tablib
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

XLSX_MAGIC = b"PK\x03\x04"
MAX_ROWS = 20000


class ImportRefused(Exception):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass
class ImportSummary:
    new: int
    updated: int
    total: int


def read_dataset(upload) -> tablib.Dataset:
    """A tablib Dataset from an .xlsx or .csv upload; ImportRefused if it is neither."""
    name = (getattr(upload, "name", "") or "").lower()
    raw = upload.read()
    if not raw:
        raise ImportRefused([_("The file is empty.")])
    if raw.startswith(XLSX_MAGIC) and not name.endswith(".csv"):
        try:
            dataset = tablib.Dataset().load(io.BytesIO(raw), format="xlsx")
        except Exception as exc:  # openpyxl raises many types for broken files
            raise ImportRefused(
                [_("The file is not a readable Excel workbook (%(error)s).") % {"error": exc}]
            ) from exc
    elif name.endswith(".csv") or not name.endswith((".xlsx", ".xls")):
        if b"\x00" in raw[:4096]:
            raise ImportRefused([_("The file is not a spreadsheet (.xlsx or .csv).")])
        text = None
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        if text is None:
            raise ImportRefused([_("The CSV file is neither UTF-8 nor GBK text.")])
        try:
            dataset = tablib.Dataset().load(text, format="csv")
        except Exception as exc:
            raise ImportRefused(
                [_("The CSV file could not be read (%(error)s).") % {"error": exc}]
            ) from exc
    else:
        raise ImportRefused([_("The file is not a spreadsheet (.xlsx or .csv).")])
    if not dataset.headers:
        raise ImportRefused([_("The file has no header row.")])
    if dataset.height == 0:
        raise ImportRefused([_("The file has a header row but no data rows.")])
    if dataset.height > MAX_ROWS:
        raise ImportRefused(
            [
                _("The file has %(n)d rows; at most %(max)d can be imported at once.")
                % {"n": dataset.height, "max": MAX_ROWS}
            ]
        )
    return dataset


def check_headers(resource, dataset: tablib.Dataset) -> None:
    expected = [f.column_name for f in resource.get_import_fields()]
    headers = [str(h or "").strip() for h in dataset.headers]
    required = set(getattr(resource, "required_columns", expected))
    missing = [col for col in expected if col in required and col not in headers]
    unknown = [col for col in headers if col and col not in expected]
    errors = []
    if missing:
        errors.append(_("Missing columns: %(cols)s.") % {"cols": ", ".join(missing)})
    if unknown:
        errors.append(_("Unknown columns: %(cols)s.") % {"cols": ", ".join(unknown)})
    if errors:
        errors.append(_("Expected columns: %(cols)s.") % {"cols": ", ".join(expected)})
        raise ImportRefused(errors)
    dataset.headers = headers


def _row_messages(result) -> list[str]:
    messages = []
    for invalid in result.invalid_rows:
        # Data rows start on spreadsheet row 2 (row 1 is the header).
        row_no = invalid.number + 1
        for field_name, errs in invalid.error_dict.items():
            for err in errs:
                if field_name == "__all__" or field_name == "NON_FIELD_ERRORS":
                    messages.append(_("Row %(row)d: %(msg)s") % {"row": row_no, "msg": err})
                else:
                    messages.append(
                        _("Row %(row)d, %(field)s: %(msg)s")
                        % {"row": row_no, "field": field_name, "msg": err}
                    )
    for row_no, errors in result.row_errors():
        for error in errors:
            exc = error.error
            if isinstance(exc, ValidationError):
                text = "; ".join(exc.messages)
            else:
                text = str(exc)
            messages.append(_("Row %(row)d: %(msg)s") % {"row": row_no + 1, "msg": text})
    for error in result.base_errors:
        messages.append(str(error.error))
    return messages


def _summary(result) -> ImportSummary:
    totals = result.totals
    return ImportSummary(
        new=totals.get("new", 0), updated=totals.get("update", 0), total=result.total_rows
    )


def import_dataset(resource, dataset: tablib.Dataset, *, user=None, dry_run: bool) -> ImportSummary:
    check_headers(resource, dataset)
    result = resource.import_data(
        dataset, dry_run=True, raise_errors=False, use_transactions=True, user=user
    )
    errors = _row_messages(result)
    if errors:
        raise ImportRefused(errors)
    if dry_run:
        return _summary(result)
    with transaction.atomic():
        result = resource.import_data(
            dataset, dry_run=False, raise_errors=False, use_transactions=True, user=user
        )
        errors = _row_messages(result)
        if errors:
            transaction.set_rollback(True)
            raise ImportRefused(errors)
    return _summary(result)


def import_spreadsheet(resource, upload, *, user=None, dry_run: bool) -> ImportSummary:
    return import_dataset(resource, read_dataset(upload), user=user, dry_run=dry_run)
