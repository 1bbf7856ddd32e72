"""The programmes loaded with the app (0002) were written without a history record, so their
first edit had nothing to compare with: give each programme without one its first record."""

from django.db import migrations
from django.utils import timezone


def first_records(apps, schema_editor):
    Program = apps.get_model("programs", "Program")
    HistoricalProgram = apps.get_model("programs", "HistoricalProgram")
    recorded = set(HistoricalProgram.objects.values_list("id", flat=True))
    fields = [f.attname for f in Program._meta.concrete_fields]
    now = timezone.now()
    HistoricalProgram.objects.bulk_create(
        HistoricalProgram(
            **{name: getattr(program, name) for name in fields},
            history_date=now,
            history_type="+",
            history_change_reason="dimuat bersama aplikasi",
        )
        for program in Program.objects.exclude(pk__in=recorded)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0017_list_entry_as_family_record"),
    ]

    operations = [
        migrations.RunPython(first_records, migrations.RunPython.noop),
    ]
