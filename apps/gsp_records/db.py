"""Database guarantees for GSP records (DESIGN.md 9): signed records are immutable and
records under retention cannot be deleted, whatever writes to the table (ORM, admin,
import, `QuerySet.update()`, raw SQL). The functions are created once (migration 0001);
each table gets its trigger in the migration that creates it:

    migrations.RunSQL(*signed_record_trigger("gsp_storage_temperaturelog"))
    migrations.RunSQL(*signed_line_trigger("gsp_storage_inspectionline",
                                           "gsp_storage_maintenanceinspection", "inspection_id"))

A refused write raises `django.db.IntegrityError` (SQLSTATE 23001, restrict_violation).
"""

from __future__ import annotations

FUNCTIONS_SQL = r"""
CREATE OR REPLACE FUNCTION gsp_forbid_signed_change() RETURNS trigger AS $$
BEGIN
    IF OLD.signed_at IS NOT NULL THEN
        RAISE EXCEPTION 'GSP record %(%) is signed and cannot be changed or deleted',
            TG_TABLE_NAME, OLD.id USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

-- Lines of a record: TG_ARGV[0] is the parent table, TG_ARGV[1] the line's FK column.
CREATE OR REPLACE FUNCTION gsp_forbid_signed_line_change() RETURNS trigger AS $$
DECLARE
    parent_signed timestamptz;
    row_data jsonb;
BEGIN
    IF TG_OP = 'INSERT' THEN
        row_data := to_jsonb(NEW);
    ELSE
        row_data := to_jsonb(OLD);
    END IF;
    EXECUTE format('SELECT signed_at FROM %I WHERE id = $1', TG_ARGV[0])
        INTO parent_signed USING (row_data ->> TG_ARGV[1])::bigint;
    IF parent_signed IS NOT NULL THEN
        RAISE EXCEPTION 'GSP record %(%) is signed; its lines cannot be changed',
            TG_ARGV[0], row_data ->> TG_ARGV[1] USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""

FUNCTIONS_REVERSE_SQL = """
DROP FUNCTION IF EXISTS gsp_forbid_signed_line_change();
DROP FUNCTION IF EXISTS gsp_forbid_signed_change();
"""


def signed_record_trigger(table: str) -> tuple[str, str]:
    """(forward, reverse) SQL: UPDATE and DELETE of a signed row of `table` fail."""
    name = f"{table}_signed_immutable"
    return (
        f'CREATE TRIGGER "{name}" BEFORE UPDATE OR DELETE ON "{table}" '
        "FOR EACH ROW EXECUTE FUNCTION gsp_forbid_signed_change();",
        f'DROP TRIGGER IF EXISTS "{name}" ON "{table}";',
    )


def signed_line_trigger(table: str, parent_table: str, fk_column: str) -> tuple[str, str]:
    """(forward, reverse) SQL: no line of a signed parent is added, changed or deleted."""
    name = f"{table}_parent_signed"
    return (
        f'CREATE TRIGGER "{name}" BEFORE INSERT OR UPDATE OR DELETE ON "{table}" '
        f"FOR EACH ROW EXECUTE FUNCTION gsp_forbid_signed_line_change('{parent_table}', "
        f"'{fk_column}');",
        f'DROP TRIGGER IF EXISTS "{name}" ON "{table}";',
    )
