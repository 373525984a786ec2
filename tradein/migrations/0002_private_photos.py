"""Trade-in photos move to the private storage: every file under trade-ins/ leaves MEDIA_ROOT
(served by the proxy) for PRIVATE_MEDIA_ROOT; backwards, they move back."""
from django.core.files.storage import storages

import marketplace.storage
import tradein.models
from django.db import migrations, models


def to_private(apps, schema_editor):
    marketplace.storage.storage_move_folder(storages["default"], marketplace.storage.private_storage(), "trade-ins")


def to_public(apps, schema_editor):
    marketplace.storage.storage_move_folder(marketplace.storage.private_storage(), storages["default"], "trade-ins")


class Migration(migrations.Migration):

    dependencies = [
        ('tradein', '0001_trade_in'),
    ]

    operations = [
        migrations.AlterField(
            model_name='tradeinphoto',
            name='image',
            field=models.ImageField(storage=marketplace.storage.private_storage, upload_to=tradein.models.photo_path, verbose_name='photo'),
        ),
        migrations.RunPython(to_private, to_public),
    ]
