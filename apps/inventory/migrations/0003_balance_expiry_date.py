"""Copy each lot's expiry date onto its balances (read by the colour bands and FEFO).

A trigger keeps the copy right when a lot's expiry date is corrected, whatever writes it
(ORM `update()`, admin, raw SQL).
"""

import django.db.models
from django.db import migrations, models


SYNC_TRIGGER = """
CREATE OR REPLACE FUNCTION inventory_lot_sync_expiry() RETURNS trigger AS $$
BEGIN
    UPDATE inventory_stockbalance SET expiry_date = NEW.expiry_date WHERE lot_id = NEW.id;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER inventory_lot_sync_expiry
    AFTER UPDATE OF expiry_date ON inventory_lot
    FOR EACH ROW WHEN (OLD.expiry_date IS DISTINCT FROM NEW.expiry_date)
    EXECUTE FUNCTION inventory_lot_sync_expiry();
"""

DROP_SYNC_TRIGGER = """
DROP TRIGGER IF EXISTS inventory_lot_sync_expiry ON inventory_lot;
DROP FUNCTION IF EXISTS inventory_lot_sync_expiry();
"""


class Migration(migrations.Migration):
    dependencies = [("inventory", "0002_immutable_stock_moves")]

    operations = [
        migrations.AddField(
            model_name="stockbalance",
            name="expiry_date",
            field=models.DateField(null=True, verbose_name="expiry date"),
        ),
        migrations.RunSQL(
            "UPDATE inventory_stockbalance b SET expiry_date = l.expiry_date "
            "FROM inventory_lot l WHERE l.id = b.lot_id",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="stockbalance",
            name="expiry_date",
            field=models.DateField(verbose_name="expiry date"),
        ),
        migrations.RunSQL(SYNC_TRIGGER, DROP_SYNC_TRIGGER),
        migrations.AddIndex(
            model_name="stockbalance",
            index=models.Index(
                condition=django.db.models.Q(("on_hand__gt", 0)),
                fields=["expiry_date"],
                name="balance_expiry_idx",
            ),
        ),
    ]
