"""An uploaded file as a path on this machine, for readers that want one (calamine, COPY).

Uploads go through Django's storage only: on one machine a folder, past one machine an S3
bucket, where a worker on another machine reads what the web server received. A local file is
read where it lies; a remote one is copied to a temporary file for the time it is read."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from django.db.models.fields.files import FieldFile


@contextlib.contextmanager
def local_copy(file: FieldFile, filename: str = "") -> Iterator[Path]:
    try:
        path = file.path
    except NotImplementedError:  # a storage without local paths (S3)
        path = None
    if path is not None:
        yield Path(path)
        return
    suffix = Path(filename or file.name).suffix
    with tempfile.NamedTemporaryFile(suffix=suffix) as local, file.open("rb") as stored:
        shutil.copyfileobj(stored, local, 1024 * 1024)
        local.flush()
        yield Path(local.name)
