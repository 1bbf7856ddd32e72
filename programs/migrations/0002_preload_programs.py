"""The programmes every district office checks against, and the sectors agencies propose."""

from django.db import migrations

PROGRAMS = [
    # code, name, level, funding, Rp per month, months, carries desil, description
    ("DTSEN", "Data Tunggal Sosial dan Ekonomi Nasional", "pusat", "apbn", 0, 0, True,
     "Daftar nasional yang menggantikan DTKS sejak 2025; memuat desil kesejahteraan 1-10."),
    ("DTKS", "Data Terpadu Kesejahteraan Sosial", "pusat", "apbn", 0, 0, False,
     "Daftar nasional sebelum 2025, disimpan untuk riwayat."),
    ("BPNT", "Bantuan Pangan Non Tunai", "pusat", "apbn", 200_000, 12, False, ""),
    ("PKH", "Program Keluarga Harapan", "pusat", "apbn", 0, 12, False,
     "Besaran bantuan per komponen keluarga."),
    ("BST", "Bantuan Sosial Tunai Kemensos", "pusat", "apbn", 300_000, 3, False, ""),
    ("BLTDESA", "BLT Dana Desa", "desa", "dana_desa", 300_000, 3, False, ""),
    ("SEMBAKO", "Bantuan Sembako Covid-19", "pusat", "apbn", 200_000, 3, False, ""),
    ("BANSOSPROV", "Bantuan Sosial Provinsi", "provinsi", "apbd", 200_000, 3, False,
     "Kuota provinsi untuk kabupaten."),
    ("JPSKAB", "Jaring Pengaman Sosial Kabupaten", "kabupaten", "apbd", 250_000, 3, False,
     "Bantuan kabupaten, tahap 1 dan tahap 2."),
]

SECTORS = [
    "tukang becak", "sopir angkot", "kusir dokar", "pekerja seni", "tukang ojek",
    "pedagang pasar",
]


def preload(apps, schema_editor):
    Program = apps.get_model("programs", "Program")
    Sector = apps.get_model("programs", "Sector")
    for code, name, level, funding, benefit, months, desil, description in PROGRAMS:
        Program.objects.get_or_create(code=code, defaults={
            "name": name, "level": level, "funding": funding, "benefit_per_month": benefit,
            "months": months, "carries_desil": desil, "description": description,
        })
    for name in SECTORS:
        Sector.objects.get_or_create(name=name)


def unload(apps, schema_editor):
    apps.get_model("programs", "Program").objects.filter(
        code__in=[p[0] for p in PROGRAMS], versions__isnull=True
    ).delete()
    apps.get_model("programs", "Sector").objects.filter(
        name__in=SECTORS, batches__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("programs", "0001_initial")]
    operations = [migrations.RunPython(preload, unload)]
