"""Stock import files move to the private storage (PRIVATE_MEDIA_ROOT, never served).

Every file under MEDIA_ROOT/stock-imports/ moves to the same name under the private root,
orphans included: nothing of a seller's uploads stays where /media/ is served. Run backwards,
the files move back.
"""
from django.core.files.storage import storages
from django.db import migrations, models

import marketplace.storage
import sellers.models

FOLDER = "stock-imports"


def _move_all(source, target) -> None:
    # Filesystem to filesystem; on object storage there is no local file to move.
    marketplace.storage.storage_move_folder(source, target, FOLDER)


def to_private(apps, schema_editor):
    _move_all(storages["default"], marketplace.storage.private_storage())


def to_public(apps, schema_editor):
    _move_all(marketplace.storage.private_storage(), storages["default"])


class Migration(migrations.Migration):
    dependencies = [("sellers", "0009_roles_and_key_scopes")]

    operations = [
        migrations.AlterField(
            model_name="stockimport",
            name="file",
            field=models.FileField(storage=marketplace.storage.private_storage,
                                   upload_to=sellers.models.stock_import_path),
        ),
        migrations.RunPython(to_private, to_public),
    ]
