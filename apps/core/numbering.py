"""Document numbers: PREFIX-YYYYMMDD-NNNN, gap-free per prefix and day.

`next_number("PO")` locks the day's counter row (created on first use), so concurrent
transactions get distinct, consecutive numbers; a rolled-back transaction gives its
number back. Call it inside the transaction that saves the document.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from .models import DocumentSequence, today


def next_number(prefix: str) -> str:
    day = today()
    with transaction.atomic():
        row = DocumentSequence.objects.select_for_update().filter(prefix=prefix, day=day).first()
        if row is None:
            try:
                with transaction.atomic():
                    DocumentSequence.objects.create(prefix=prefix, day=day, last=0)
            except IntegrityError:
                pass  # another transaction created it first; lock theirs below
            row = DocumentSequence.objects.select_for_update().get(prefix=prefix, day=day)
        row.last += 1
        row.save(update_fields=["last"])
    return f"{prefix}-{day:%Y%m%d}-{row.last:04d}"
