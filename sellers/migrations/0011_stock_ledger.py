"""The stock ledger: one row per change of a listing's quantity or allocation.

The table is append-only in the database (PostgreSQL): a trigger refuses DELETE and any UPDATE
except forgetting a deleted cause (SET NULL of a cause's foreign key). SQLite (`make run`) has
no such trigger. Every existing listing gets an opening movement, so that its quantity and
allocated equal the sums of its movements from the start.
"""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

CAUSES = ("stock_import_id", "order_id", "seller_order_id", "user_id", "api_key_id")

APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION sellers_stockmovement_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND NEW.id = OLD.id AND NEW.listing_id = OLD.listing_id AND NEW.seller_id = OLD.seller_id
       AND NEW.quantity_delta = OLD.quantity_delta AND NEW.allocated_delta = OLD.allocated_delta
       AND NEW.reason = OLD.reason AND NEW.created_at = OLD.created_at
       AND {causes} THEN
        RETURN NEW;  -- a deleted cause is forgotten; the movement itself never changes
    END IF;
    RAISE EXCEPTION 'stock movements are append-only: % refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END
$$;
CREATE TRIGGER sellers_stockmovement_append_only
    BEFORE UPDATE OR DELETE ON sellers_stockmovement
    FOR EACH ROW EXECUTE FUNCTION sellers_stockmovement_append_only();
""".replace("{causes}", " AND ".join(f"(NEW.{c} IS NULL OR NEW.{c} = OLD.{c})" for c in CAUSES))

DROP_SQL = """
DROP TRIGGER IF EXISTS sellers_stockmovement_append_only ON sellers_stockmovement;
DROP FUNCTION IF EXISTS sellers_stockmovement_append_only();
"""

OPENING_SQL = """
INSERT INTO sellers_stockmovement (listing_id, seller_id, quantity_delta, allocated_delta, reason,
                                   created_at)
SELECT id, seller_id, quantity, allocated, 'opening', CURRENT_TIMESTAMP FROM sellers_listing
WHERE quantity <> 0 OR allocated <> 0 ORDER BY id
"""


def append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY_SQL, params=None)


def append_only_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL, params=None)


def opening_movements(apps, schema_editor):
    schema_editor.execute(OPENING_SQL)


def opening_movements_remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL, params=None)
    schema_editor.execute("DELETE FROM sellers_stockmovement WHERE reason = 'opening'")


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0004_audit_history'),
        ('sellers', '0010_stock_import_private_file'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='StockMovement',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('quantity_delta', models.IntegerField(verbose_name='change of quantity')),
                ('allocated_delta', models.IntegerField(verbose_name='change of allocated')),
                ('reason', models.CharField(choices=[('opening', 'Opening balance'), ('import', 'Stock import'), ('api', 'Seller API'), ('backoffice', 'Back office'), ('admin', 'Marketplace staff'), ('order_placed', 'Order placed'), ('payment_failed', 'Payment failed or expired'), ('cancelled', 'Order cancelled or refused'), ('shipped', 'Shipped'), ('return_restocked', 'Return restocked'), ('trade_in', 'Trade-in received')], max_length=20, verbose_name='reason')),
                ('created_at', models.DateTimeField(verbose_name='when')),
                ('api_key', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='sellers.apikey')),
                ('listing', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='movements', to='sellers.listing')),
                ('order', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='orders.order')),
                ('seller', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='sellers.seller')),
                ('seller_order', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='orders.sellerorder')),
                ('stock_import', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='sellers.stockimport')),
                ('user', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'stock movement',
                'verbose_name_plural': 'stock movements',
                'ordering': ['-id'],
                'indexes': [models.Index(fields=['listing', '-id'], name='stockmovement_listing_idx'), models.Index(fields=['seller', 'id'], name='stockmovement_seller_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(('allocated_delta', 0), ('quantity_delta', 0), _negated=True), name='stockmovement_changes_something')],
            },
        ),
        migrations.RunPython(opening_movements, opening_movements_remove),
        migrations.RunPython(append_only, append_only_drop),
    ]
