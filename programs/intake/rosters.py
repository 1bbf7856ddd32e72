"""Loading a programme roster (DTSEN, PKH, BPNT...) exported by the ministry or another office.

Staff name the programme and the period; the file becomes a new roster version. Every row of
the file is stored as the source sent it, damaged identifiers included (the roster is the
ministry's data: it is matched as well as it can be, never silently thinned out). The version
stays "importing", invisible to matching, until the last row is stored; only then does it
replace the programme's active list. A refused or failed import leaves no rows behind and the
previous list active and whole.

PostgreSQL stores the rows set-based (programs.intake.bulk); other databases (SQLite in
development) row by row here. Both follow the rules of programs.intake.roster_values, and a test
holds them equal.

The same two calls serve the browser (a Celery task runs `run_import`) and the
`import_roster` command:

    upload = start_import(program=dtsen, period="Januari 2026", file=f, filename=name, user=u)
    run_import(upload.pk, progress=show)
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import os
import time
from collections import Counter
from collections.abc import Callable

from django.conf import settings
from django.core.files import File
from django.db import connection, reset_queries, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bansos.memory import without_cycle_collection
from programs.intake import bulk
from programs.intake.imports import given_up
from programs.intake.readers import Sheet, SourceRow, open_sheet
from programs.intake.refusals import ReadError
from programs.intake.roster_values import LENGTHS, Counts, Values
from programs.intake.stored import local_copy
from programs.intake.summary import sheet_summary
from programs.models import Program, RosterRow, RosterVersion, Upload, column_letter

logger = logging.getLogger(__name__)

CHUNK_ROWS = 10_000  # rows stored and committed together; the progress bar moves per chunk
MAX_ROWS = 2_000_000  # a province's roster; a bigger file is refused, not cut short

Progress = Callable[[Upload], None]


def start_import(*, program: Program, period: str, file: File, filename: str, user) -> Upload:
    """Receive a roster file: a new version of the programme's list, still importing, and the
    upload that records who sent which file. The file is kept in storage with its size and
    SHA-256; nothing is read yet, `run_import` does that (in a Celery task or a command)."""
    filename = os.path.basename(filename) or "roster"
    digest, size = hashlib.sha256(), 0
    for chunk in file.chunks():
        digest.update(chunk)
        size += len(chunk)
    file.seek(0)
    with transaction.atomic():
        version = RosterVersion.objects.create(
            program=program, period=period, source_name=filename, imported_by=user
        )
        upload = Upload(
            kind=Upload.Kind.ROSTER,
            status=Upload.Status.QUEUED,
            filename=filename,
            size=size,
            sha256=digest.hexdigest(),
            uploaded_by=user,
            version=version,
        )
        upload.file.save(filename, file, save=False)
        upload.save()
    return upload


@without_cycle_collection()
def run_import(upload_id: int, *, progress: Progress | None = None) -> Upload:
    """Read the roster file row by row and store every row in the upload's version; make the
    version the programme's active list only when the whole file is in.

    Safe to run again (a retried task, a killed worker): a finished upload is returned as it
    is; otherwise whatever an earlier attempt stored is thrown away and the file is read from
    the start. The upload's counters move with every chunk stored, so the page can show
    progress; `progress(upload)` is called after each chunk too.

    A file that cannot be read is refused: the upload says why and nothing is raised. Any
    other error also leaves no rows behind, then is raised again for the task to report.
    """
    upload = Upload.objects.select_related("version__program").get(pk=upload_id)
    version = upload.version
    if upload.kind != Upload.Kind.ROSTER or version is None:
        raise ValueError(f"upload {upload_id} is not a roster import")
    if upload.status == Upload.Status.DONE:
        return upload
    if version.status not in (RosterVersion.Status.IMPORTING, RosterVersion.Status.FAILED):
        # The version went live without the upload being marked: never touch a live list.
        logger.error("roster upload %s: version %s is %s", upload.pk, version.pk, version.status)
        return upload
    if reason := given_up(upload):
        _discard(upload, version, reason)
        return upload
    _restart(upload, version)
    started = time.monotonic()
    try:
        with (
            local_copy(upload.file, upload.filename) as path,
            open_sheet(
                path,
                filename=upload.filename,
                max_bytes=settings.ROSTER_UPLOAD_MAX_BYTES,
                max_rows=MAX_ROWS,
                required_any=("nik", "no_kk"),
            ) as sheet,
        ):
            version.headers = raw_keys(sheet.headers)
            version.save(update_fields=["headers"])
            values = Values(carries_desil=version.program.carries_desil, sheet=sheet)
            if connection.vendor == "postgresql":
                counts = bulk.store(upload, sheet, path, values, progress)
            else:
                counts = _store_rows(upload, sheet, values, progress)
            if not counts.read:
                # A header alone would replace the programme's whole list with an empty one.
                raise ReadError(
                    "empty",
                    _(
                        "%(name)s has a header row but no data rows below it. Check that you "
                        "chose the right file and sheet."
                    )
                    % {"name": upload.filename},
                )
            _finish(upload, version, sheet, counts, time.monotonic() - started)
    except ReadError as refused:
        _discard(upload, version, refused.message)
    except Exception:
        logger.exception("roster upload %s (%s) failed", upload.pk, upload.filename)
        message = _(
            "The import of %(name)s stopped because of an error on the server. None of its rows "
            "were kept and the previous list is still in use. Try again; if it happens again, "
            "tell the administrator."
        ) % {"name": upload.filename}
        try:
            _discard(upload, version, message)
        except Exception:  # the database itself may be gone: the first error matters more
            logger.exception("roster upload %s: clean-up failed", upload.pk)
        raise
    logger.info(
        "roster upload %s: %s rows stored, %s with problems, %.1f s",
        upload.pk,
        upload.rows_saved,
        upload.rows_invalid,
        time.monotonic() - started,
    )
    return upload


# The steps of run_import ------------------------------------------------------------------


def _restart(upload: Upload, version: RosterVersion) -> None:
    """Forget an earlier attempt: its rows, its error, its counters."""
    with transaction.atomic():
        _delete_rows(version)
        version.status = RosterVersion.Status.IMPORTING
        version.error = ""
        version.row_count = version.problem_count = 0
        version.save(update_fields=["status", "error", "row_count", "problem_count"])
        upload.status = Upload.Status.SAVING
        upload.error = ""
        upload.summary = {}
        upload.rows_read = upload.rows_valid = upload.rows_invalid = upload.rows_saved = 0
        upload.finished_at = None
        upload.save(
            update_fields=[
                "status",
                "error",
                "summary",
                "rows_read",
                "rows_valid",
                "rows_invalid",
                "rows_saved",
                "finished_at",
            ]
        )


def _store_rows(upload: Upload, sheet: Sheet, values: Values, progress: Progress | None) -> Counts:
    """Other databases than PostgreSQL (SQLite in development): convert and store the rows
    chunk by chunk with bulk_create, keeping the counts on the upload."""
    counts = Counts()
    convert = _Converter(upload.version, sheet, values, counts)
    # A repeated header keeps its number (roster rows are named by their place in the file)
    # but is no family.
    rows = (row for row in sheet.rows() if not row.repeated_header)
    while chunk := [convert(row) for row in itertools.islice(rows, CHUNK_ROWS)]:
        with transaction.atomic():
            RosterRow.objects.bulk_create(chunk, batch_size=2_000)
            upload.rows_saved += len(chunk)
            _count(upload, counts)
        reset_queries()  # with DEBUG on, Django would keep every INSERT it ran
        if progress is not None:
            progress(upload)
    return counts


def _count(upload: Upload, counts: Counts) -> None:
    """Keep the upload's counters (what the progress bar shows) in step with `counts`."""
    upload.rows_read = counts.read
    upload.rows_invalid = counts.invalid
    upload.rows_valid = counts.read - counts.invalid
    Upload.objects.filter(pk=upload.pk).update(
        rows_read=upload.rows_read,
        rows_saved=upload.rows_saved,
        rows_invalid=upload.rows_invalid,
        rows_valid=upload.rows_valid,
    )


def _finish(
    upload: Upload, version: RosterVersion, sheet: Sheet, counts: Counts, seconds: float
) -> None:
    """The whole file is in: the version replaces the active list, the upload is done."""
    upload.summary = {
        **sheet_summary(sheet, counts.kinds),
        "duplicates": sheet.duplicates,
        "damaged_identifiers": counts.damaged,
        "desa_not_found": counts.desa_not_found,
        "seconds": round(seconds, 1),
    }
    with transaction.atomic():
        # A second attempt running at the same time (a task delivered twice) may have deleted
        # rows under this one: a version goes live only with every row of the file.
        current = RosterVersion.objects.select_for_update().get(pk=version.pk)
        if connection.vendor == "postgresql":
            bulk.attach(version)
        stored = RosterRow.objects.filter(version=version).count()
        if current.status != RosterVersion.Status.IMPORTING or stored != upload.rows_saved:
            raise RuntimeError(f"version {version.pk} changed under its import ({stored} rows)")
        version.row_count = upload.rows_saved
        version.problem_count = counts.damaged
        version.save(update_fields=["row_count", "problem_count"])
        version.activate()
        upload.status, upload.attempts = Upload.Status.DONE, 0
        upload.finished_at = timezone.now()
        upload.save(update_fields=["status", "finished_at", "summary", "attempts"])


def _discard(upload: Upload, version: RosterVersion, message: str) -> None:
    """Throw away every row of a failed import; the version and the upload say why."""
    with transaction.atomic():
        version.refresh_from_db(fields=["status"])  # the copy in memory may be ahead of it
        if version.status not in (RosterVersion.Status.IMPORTING, RosterVersion.Status.FAILED):
            return  # the import was complete and active before the error: keep it
        _delete_rows(version)
        version.status = RosterVersion.Status.FAILED
        version.error = message
        version.row_count = version.problem_count = 0
        version.save(update_fields=["status", "error", "row_count", "problem_count"])
        upload.status = Upload.Status.REFUSED
        upload.error = message
        upload.rows_saved = 0
        upload.finished_at = timezone.now()
        upload.save(update_fields=["status", "error", "rows_saved", "finished_at"])


def _delete_rows(version: RosterVersion) -> None:
    # One DELETE statement: QuerySet.delete() would load every row first to look for the
    # match results that protect them, and an importing version has none.
    if version.status not in (RosterVersion.Status.IMPORTING, RosterVersion.Status.FAILED):
        raise ValueError(f"rows of a {version.status} version are never deleted")
    table = connection.ops.quote_name(RosterRow._meta.db_table)
    column = connection.ops.quote_name(RosterRow._meta.get_field("version").column)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {column} = %s", [version.pk])
    if connection.vendor == "postgresql":
        bulk.drop(version)  # the tables of an unfinished bulk load


# One row (the row-by-row path) -----------------------------------------------------------


class _Converter:
    """Turns a SourceRow into a RosterRow and counts its problems (what programs.intake.bulk does in
    SQL on PostgreSQL, with the same Values)."""

    def __init__(self, version: RosterVersion, sheet: Sheet, values: Values, counts: Counts):
        self.version = version
        self.values = values
        self.counts = counts
        self.width = len(sheet.headers)

    def __call__(self, row: SourceRow) -> RosterRow:
        values, counts, cell = self.values, self.counts, row.values.get
        counts.read += 1
        problems: list[str] = []
        kinds: list[str] = []
        ids = {}
        for column in ("nik", "no_kk"):
            text = ids[column] = cell(column, "")
            if text and not values.clean(column, text):
                ids[column], messages, codes = values.identifier(column, text)
                problems += messages
                kinds += codes
        if not (cell("nik") or cell("no_kk")):
            problems.append(values.no_identifier())
            kinds.append("no_identifier")
        damaged = bool(kinds)
        birth_date = None
        if born := cell("tanggal_lahir"):
            birth_date, messages = values.birth_date(born)
            problems += messages
            kinds += ["birth_date"] * len(messages)
        desil = None
        if (text := cell("desil")) and values.carries_desil:
            desil, messages = values.desil(text)
            problems += messages
            kinds += ["desil"] * len(messages)
        desa = None
        if (village := cell("desa")) and values.places is not None:
            desa = values.desa(village, cell("kecamatan", ""))
            counts.desa_not_found += desa is None
        if kinds:
            counts.invalid += 1
            counts.damaged += damaged
            counts.kinds.update(kinds)
        rt, rw = cell("rt", ""), cell("rw", "")
        return RosterRow(
            version=self.version,
            row_number=row.number,
            source_id=cell("id", "")[: LENGTHS["id"]],
            no_kk=ids["no_kk"],
            nik=ids["nik"],
            name=cell("nama", "")[: LENGTHS["nama"]],
            sex=values.sex(cell("jenis_kelamin", "")),
            birth_date=birth_date,
            mother_name=cell("nama_ibu", "")[: LENGTHS["nama_ibu"]],
            address=cell("alamat", "")[: LENGTHS["alamat"]],
            rt=values.rt_rw(rt) if rt else "",
            rw=values.rt_rw(rw) if rw else "",
            desa_id=desa,
            desil=desil,
            raw=raw_cells(row.cells, self.width),
            problems=problems,
        )


def raw_cells(cells: list[str], width: int) -> list[str]:
    """What RosterRow.raw keeps: one cell per header, then any cells past the last header
    when one of them holds something."""
    raw = cells[:width] + [""] * (width - len(cells))
    extra = cells[width:]
    return raw + extra if any(extra) else raw


def raw_keys(headers: list[str]) -> list[str]:
    """One name per column for RosterVersion.headers: the header as written, the column letter
    when the header cell is blank, a number added when the same header appears twice."""
    keys: list[str] = []
    seen: Counter[str] = Counter()
    for i, header in enumerate(headers):
        key = header or column_letter(i)
        seen[key] += 1
        keys.append(key if seen[key] == 1 else f"{key} ({seen[key]})")
    return keys
