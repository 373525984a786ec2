"""Fills the stored buy-box standings for the offers already there (sellers.selectors'
buy_box_standings_refresh, the table's only writer; the same as `manage.py buybox_refresh --all`)."""
from django.db import migrations


def fill(apps, schema_editor):
    from sellers.selectors import buy_box_standings_refresh

    if schema_editor.connection.alias == "default":
        buy_box_standings_refresh()


class Migration(migrations.Migration):

    dependencies = [
        ("sellers", "0025_quotes"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
