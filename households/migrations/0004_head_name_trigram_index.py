"""Name search looks inside names (contains), which a btree index cannot serve: on PostgreSQL
a trigram index keeps it fast at district scale. SQLite has no such index and needs none."""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS households_head_name_trgm "
    "ON households_household USING gin (head_name_folded gin_trgm_ops)",
]
DROP = ["DROP INDEX IF EXISTS households_head_name_trgm"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("households", "0003_role_required")]
    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
