"""Result.repeat: a family proposed twice and on a roster is counted once. The finished runs are
counted as Run.count_families counts them (historical models have no methods)."""

from django.db import migrations, models

from dedup.engine.families import Listing, repeats


def count_families(apps, schema_editor):
    Run = apps.get_model("dedup", "Run")
    Result = apps.get_model("dedup", "Result")
    for run in Run.objects.filter(status="done"):
        single = run.batches.count() == 1
        rows = (
            Result.objects.filter(run=run, status__in=("new", "in_roster"))
            .order_by("proposal_row__batch_id", "proposal_row__row_number")
            .values_list(
                "pk",
                "proposal_row__no_kk",
                "proposal_row__nik",
                "proposal_row__batch_id",
                "proposal_row__row_number",
                "matches",
            )
        )
        found = sorted(
            repeats(
                Listing(
                    pk,
                    no_kk,
                    nik,
                    f"USULAN:{'' if single else f'{batch}-'}{number}",
                    [part for part in matches.split(";") if part],
                )
                for pk, no_kk, nik, batch, number, matches in rows.iterator(chunk_size=10_000)
            )
        )
        for start in range(0, len(found), 5_000):
            Result.objects.filter(pk__in=found[start : start + 5_000]).update(repeat=True)


class Migration(migrations.Migration):
    dependencies = [
        ("dedup", "0008_run_recheck"),
    ]

    operations = [
        migrations.AddField(
            model_name="result",
            name="repeat",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(count_families, migrations.RunPython.noop),
    ]
