from django.db import migrations


def seed(apps, schema_editor):
    from pages.seed import pages_seed

    pages_seed(apps.get_model("pages", "Page"), apps.get_model("pages", "PageTranslation"))


class Migration(migrations.Migration):
    dependencies = [("pages", "0001_shop_pages")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
