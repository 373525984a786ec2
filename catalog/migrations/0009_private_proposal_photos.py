"""Product proposal photos move to the private storage: every file under catalog/proposals/
leaves MEDIA_ROOT (served by the proxy) for PRIVATE_MEDIA_ROOT; backwards, they move back."""
from django.core.files.storage import storages

import catalog.models
import marketplace.storage
from django.db import migrations, models


FOLDER = "catalog/proposals"


def to_private(apps, schema_editor):
    marketplace.storage.storage_move_folder(storages["default"], marketplace.storage.private_storage(), FOLDER)


def to_public(apps, schema_editor):
    marketplace.storage.storage_move_folder(marketplace.storage.private_storage(), storages["default"], FOLDER)


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0008_translations'),
    ]

    operations = [
        migrations.AlterField(
            model_name='productproposalphoto',
            name='image',
            field=models.ImageField(storage=marketplace.storage.private_storage, upload_to=catalog.models.proposal_photo_path, verbose_name='image'),
        ),
        migrations.RunPython(to_private, to_public),
    ]
