"""A stock movement's listing loses its database foreign-key constraint: its check locked every
listing a bulk import had just created (one row lock per movement). Django keeps on_delete=PROTECT,
and stock_check reports a movement whose listing is gone."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('sellers', '0014_seller_quality_score'),
    ]

    operations = [
        migrations.AlterField(
            model_name='stockmovement',
            name='listing',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='movements', to='sellers.listing'),
        ),
    ]
