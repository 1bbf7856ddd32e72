"""Lists approved before their families were frozen as entries (0010, 0012) get them now, from
their allocations' proposal rows, as rounds.approve() writes them; otherwise they would read
and export empty."""

from django.db import migrations


def freeze(apps, schema_editor):
    RecipientList = apps.get_model("programs", "RecipientList")
    ListEntry = apps.get_model("programs", "ListEntry")
    waiting = RecipientList.objects.filter(approved_at__isnull=False, entries__isnull=True)
    for recipients in waiting:
        ListEntry.objects.bulk_create(
            (
                ListEntry(
                    recipients=recipients,
                    allocation=allocation,
                    household_id=allocation.household_id,
                    no_kk=row.no_kk,
                    nik=row.nik,
                    name=row.name,
                    sex=row.sex,
                    birth_date=row.birth_date,
                    address=row.address,
                    rt=row.rt,
                    rw=row.rw,
                    desa_id=row.desa_id,
                )
                for allocation in recipients.allocations.select_related("proposal_row")
                for row in [allocation.proposal_row]
            ),
            batch_size=5000,
        )


class Migration(migrations.Migration):
    dependencies = [("programs", "0012_list_entry_sex_birth_date")]
    operations = [migrations.RunPython(freeze, migrations.RunPython.noop)]
