"""Imports record which batches are done (they may finish in any order), not how far they got."""
from django.db import migrations, models

BATCH_SIZE_BEFORE = 25_000  # the batch size when progress was an offset


def batches_done_from_offset(apps, schema_editor):
    """An import running during the upgrade resumes after its committed batches, not from the start."""
    StockImport = apps.get_model("sellers", "StockImport")
    for stock_import in StockImport.objects.filter(status="running", processed_rows__gt=0):
        stock_import.batches_done = list(range(stock_import.processed_rows // BATCH_SIZE_BEFORE))
        stock_import.save(update_fields=["batches_done"])


class Migration(migrations.Migration):

    dependencies = [
        ('sellers', '0007_listing_four_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='stockimport',
            name='batches_done',
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RunPython(batches_done_from_offset, migrations.RunPython.noop),
    ]
