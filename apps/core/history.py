"""Readable change history of a record (django-simple-history)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

TYPE_LABELS = {"+": _("Created"), "~": _("Changed"), "-": _("Deleted")}


def history_rows(obj, limit: int = 200) -> list[dict]:
    """Newest first: when, who, what kind of change and each changed field (old -> new)."""
    records = list(
        obj.history.select_related("history_user").order_by("-history_date", "-pk")[: limit + 1]
    )
    rows = []
    for index, record in enumerate(records[:limit]):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if previous is not None:
            delta = record.diff_against(previous)
            for change in delta.changes:
                try:
                    label = obj._meta.get_field(change.field).verbose_name
                except Exception:  # a field that no longer exists on the model
                    label = change.field
                changes.append({"field": label, "old": change.old, "new": change.new})
        rows.append(
            {
                "date": record.history_date,
                "user": record.history_user,
                "type": TYPE_LABELS.get(record.history_type, record.history_type),
                "reason": record.history_change_reason or "",
                "changes": changes,
            }
        )
    return rows
