from django.db import migrations

# name, target in working days (LAPOR!: triage within 3, follow-up within 5)
CATEGORIES = [
    ("Belum menerima bantuan", 5),
    ("Salah sasaran (inclusion error)", 5),
    ("Tidak terdata (exclusion error)", 5),
    ("Data salah (nama, NIK, alamat)", 5),
    ("Bantuan ganda", 5),
    ("Pemotongan atau pungutan oleh perantara", 3),
    ("Masalah kartu atau rekening", 5),
    ("Usulan keluarga baru", 5),
    ("Lainnya", 5),
]


def preload(apps, schema_editor):
    Category = apps.get_model("complaints", "Category")
    for name, days in CATEGORIES:
        Category.objects.get_or_create(name=name, defaults={"target_days": days})


def unload(apps, schema_editor):
    apps.get_model("complaints", "Category").objects.filter(
        name__in=[c[0] for c in CATEGORIES], complaint__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("complaints", "0002_initial")]
    operations = [migrations.RunPython(preload, unload)]
