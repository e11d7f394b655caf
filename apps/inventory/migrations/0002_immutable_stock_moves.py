"""The stock ledger is append-only: the database refuses UPDATE and DELETE of a move."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION inventory_stockmove_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'stock moves are immutable; post a correcting move instead'
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER inventory_stockmove_immutable
    BEFORE UPDATE OR DELETE ON inventory_stockmove
    FOR EACH ROW EXECUTE FUNCTION inventory_stockmove_immutable();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS inventory_stockmove_immutable ON inventory_stockmove;
DROP FUNCTION IF EXISTS inventory_stockmove_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
