"""The audit trail reads django-axes' sign-in log by time and searches it by part of a
username; axes indexes neither (benchmarks/bench_audit.py: the month's page 771-1,065 ms without,
307-367 ms with; a year's search for one person 1.2 s without, 0.15 s with). PostgreSQL only:
SQLite holds a newcomer's few sign-ins."""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS audit_accesslog_time ON axes_accesslog (attempt_time)",
    "CREATE INDEX IF NOT EXISTS audit_accesslog_username_trgm "
    "ON axes_accesslog USING gin (upper(username::text) gin_trgm_ops)",
]
DROP = [
    "DROP INDEX IF EXISTS audit_accesslog_time",
    "DROP INDEX IF EXISTS audit_accesslog_username_trgm",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("axes", "0010_accessattemptexpiration")]
    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
