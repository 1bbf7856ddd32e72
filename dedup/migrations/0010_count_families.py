"""The finished runs' families counted once (Result.repeat), as Run.count_families counts them:
historical models have no methods, and the engine's function is copied as it was, so a later
change to it cannot change this migration. Apart from 0009 so that PostgreSQL does not hold the
results table locked by the new column while every run is counted."""

from django.db import migrations


def repeats(listings: list[tuple]) -> set:
    """dedup.engine.families.repeats as it was when this migration was written: (key, no_kk,
    nik, label, matches) listings in proposal order -> the keys of those that repeat a family."""
    parent = list(range(len(listings)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i: int, j: int) -> None:
        a, b = root(i), root(j)
        if a != b:
            parent[max(a, b)] = min(a, b)  # the earlier listing stands for the family

    first: dict[tuple[str, str], int] = {}  # a number or a label -> its first listing
    for i, listing in enumerate(listings):
        _key, no_kk, nik, label, matches = listing
        for mark in (("kk", no_kk), ("nik", nik), ("row", label)):
            if mark[1]:
                join(i, first.setdefault(mark, i))
        for match in matches:
            if ("row", match) in first:
                join(i, first[("row", match)])
    return {listing[0] for i, listing in enumerate(listings) if root(i) != i}


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
                [
                    (
                        pk,
                        no_kk,
                        nik,
                        f"USULAN:{'' if single else f'{batch}-'}{number}",
                        [part for part in matches.split(";") if part],
                    )
                    for pk, no_kk, nik, batch, number, matches in rows.iterator(chunk_size=10_000)
                ]
            )
        )
        for start in range(0, len(found), 5_000):
            Result.objects.filter(pk__in=found[start : start + 5_000]).update(repeat=True)


class Migration(migrations.Migration):
    dependencies = [
        ("dedup", "0009_result_repeat"),
    ]

    operations = [
        migrations.RunPython(count_families, migrations.RunPython.noop),
    ]
