"""Backups a clerk can run: the database (django-dbbackup: pg_dump and pg_restore on
PostgreSQL, SQL statements on SQLite) and the uploaded files, read through Django's storage
(a folder or an S3 bucket alike), into BACKUP_DIR; and back into an empty installation."""

from __future__ import annotations

import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import PurePosixPath

from dbbackup.db.base import BaseDBConnector
from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage, storages
from django.core.files.temp import NamedTemporaryFile
from django.utils import timezone

FILES_PREFIX = "files-"


def walk(storage=default_storage, folder: str = "") -> Iterator[str]:
    """Every file name in the storage, below `folder`."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{folder}/{name}" if folder else name
    for sub in folders:
        yield from walk(storage, f"{folder}/{sub}" if folder else sub)


def back_up_files() -> tuple[str, int]:
    """A .tar.gz of every uploaded file into the backup storage; returns its name and how many
    files it holds."""
    count = 0
    # On disk, not in memory: a roster file alone may be a gigabyte.
    with tempfile.TemporaryFile() as buffer:
        with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
            for name in sorted(walk()):
                info = tarfile.TarInfo(name)
                info.size = default_storage.size(name)
                with default_storage.open(name, "rb") as file:
                    archive.addfile(info, file)
                count += 1
        buffer.seek(0)
        target = storages["dbbackup"]
        name = f"{FILES_PREFIX}{timezone.localtime():%Y-%m-%d-%H%M%S-%f}.tar.gz"
        target.save(name, File(buffer))
    _keep_newest(target, settings.DBBACKUP_CLEANUP_KEEP)
    return name, count


def restore_files(name: str | None = None) -> tuple[str, int]:
    """Put the files of a backup (the newest by default) back, under their own names."""
    source = storages["dbbackup"]
    name = name or _newest(source)
    if name is None:
        raise FileNotFoundError("no file backup in BACKUP_DIR")
    count = 0
    with source.open(name, "rb") as stored, tarfile.open(fileobj=stored, mode="r:gz") as archive:
        members = archive.getmembers()
        for member in members:  # all checked before the first is put back
            path = PurePosixPath(member.name)
            if not member.isfile() or path.is_absolute() or ".." in path.parts:
                raise ValueError(f"{name}: {member.name} is not a plain file of the media folder")
        for member in members:
            if default_storage.exists(member.name):
                default_storage.delete(member.name)
            default_storage.save(member.name, File(archive.extractfile(member)))
            count += 1
    return name, count


def _backups(storage) -> list[str]:
    return sorted(n for n in storage.listdir("")[1] if n.startswith(FILES_PREFIX))


def _newest(storage) -> str | None:
    names = _backups(storage)
    return names[-1] if names else None


def _keep_newest(storage, keep: int) -> None:
    for name in _backups(storage)[:-keep]:
        storage.delete(name)


class SqliteDump(BaseDBConnector):
    """SQLite as SQLite's own dump (tables, then rows, then indexes, in one transaction), put
    back with one script: dbbackup's statement-by-statement restore warns and goes on when a
    statement fails, which would lose rows without stopping."""

    extension = "sqlite.sql"

    def _create_dump(self):
        self.connection.ensure_connection()
        dump = NamedTemporaryFile()
        for line in self.connection.connection.iterdump():
            dump.write(f"{line}\n".encode())
        dump.seek(0)
        return dump

    def _restore_dump(self, dump):
        self.connection.ensure_connection()
        raw = self.connection.connection
        raw.execute("PRAGMA foreign_keys = OFF")
        try:
            raw.executescript(dump.read().decode())
        finally:
            raw.execute("PRAGMA foreign_keys = ON")
