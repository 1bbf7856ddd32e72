"""Backups a clerk can run: `manage.py backup` writes the database and the uploaded files to
BACKUP_DIR; after the installation is wiped, `manage.py restore` brings back the same data."""

import pytest
from dbbackup import settings as dbbackup_settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection

from audit import backups
from households.models import Household, IdReveal, User
from programs.models import RosterRow, Upload

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def backup_dir(settings, tmp_path, monkeypatch):
    folder = tmp_path / "backups"
    settings.BACKUP_DIR = folder
    # django-dbbackup reads its storage's settings once, when first imported.
    monkeypatch.setattr(dbbackup_settings, "STORAGE_OPTIONS", {"location": str(folder)})
    settings.STORAGES = {
        **settings.STORAGES,
        "dbbackup": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder)},
        },
    }
    return folder


def wipe_database() -> None:
    """An empty installation: the database without a single table."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
            return
        cursor.execute("PRAGMA foreign_keys = OFF")
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        for (table,) in cursor.fetchall():
            cursor.execute(f'DROP TABLE "{table}"')
        cursor.execute("PRAGMA foreign_keys = ON")


def snapshot() -> dict:
    return {
        "users": sorted(User.objects.values_list("username", "role", "unit_id", "password")),
        "households": sorted(Household.objects.values_list("pk", "no_kk", "head_nik", "desa_id")),
        "roster": sorted(RosterRow.objects.values_list("version_id", "row_number", "nik")),
        "reveals": list(IdReveal.objects.values_list("user_id", "household_id", "field")),
        "history": User.history.count(),
    }


def test_back_up_wipe_restore_and_find_the_same_data(backup_dir, users, households, roster, capsys):
    IdReveal.objects.create(user=users["staff"], household=households["a"], field="nik")
    upload = Upload(kind=Upload.Kind.ROSTER, filename="pkh.csv", uploaded_by=users["staff"])
    upload.file.save("pkh.csv", ContentFile(b"NIK,NAMA\n3306061203800001,SLAMET\n"), save=False)
    upload.save()
    before = snapshot()
    assert before["roster"] and before["reveals"]

    call_command("backup")
    assert "Database and 1 uploaded files backed up" in capsys.readouterr().out
    kept = sorted(p.name for p in backup_dir.iterdir())
    assert [n for n in kept if n.startswith("files-")]
    assert [n for n in kept if not n.startswith("files-") and not n.endswith(".metadata")], kept

    wipe_database()
    for name in list(backups.walk()):
        default_storage.delete(name)
    assert list(backups.walk()) == []

    call_command("restore", "--noinput")
    assert snapshot() == before
    restored = Upload.objects.get(pk=upload.pk)
    with restored.file.open("rb") as file:
        assert file.read() == b"NIK,NAMA\n3306061203800001,SLAMET\n"


def test_old_backups_beyond_the_kept_number_are_removed(backup_dir, settings, users):
    settings.DBBACKUP_CLEANUP_KEEP = 2
    for _ in range(3):
        backups.back_up_files()
    assert len([p for p in backup_dir.iterdir() if p.name.startswith("files-")]) == 2


def test_a_backup_naming_a_file_outside_the_media_folder_restores_nothing(backup_dir, users):
    import io
    import tarfile

    backup_dir.mkdir(parents=True, exist_ok=True)
    with tarfile.open(backup_dir / "files-2099-01-01-000000-000000.tar.gz", "w:gz") as archive:
        for name in ("uploads/a.csv", "../../bansos/settings.py"):
            info = tarfile.TarInfo(name)
            info.size = 2
            archive.addfile(info, io.BytesIO(b"x\n"))
    with pytest.raises(ValueError, match="not a plain file of the media folder"):
        backups.restore_files()
    assert list(backups.walk()) == []  # not even the harmless one
