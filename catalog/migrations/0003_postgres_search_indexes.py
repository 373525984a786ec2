"""PostgreSQL-only search support: pg_trgm, a GIN index on the stored search vector and a
trigram GIN index on the search title. Skipped on SQLite (`make run`), which searches with icontains."""
from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS catalog_productmodel_search_vector_gin "
    "ON catalog_productmodel USING gin (search_vector)",
    "CREATE INDEX IF NOT EXISTS catalog_productmodel_search_title_trgm "
    "ON catalog_productmodel USING gin (search_title gin_trgm_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS catalog_productmodel_search_title_trgm",
    "DROP INDEX IF EXISTS catalog_productmodel_search_vector_gin",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)
    return run


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_search_and_images")]
    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
