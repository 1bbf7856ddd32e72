"""Loading a programme roster (DTSEN, PKH, BPNT...) exported by the ministry or another office.

Staff name the programme and the period; the file becomes a new roster version. Every row of
the file is stored as the source sent it, damaged identifiers included (the roster is the
ministry's data: it is matched as well as it can be, never silently thinned out). The version
stays "importing", invisible to matching, until the last row is stored; only then does it
replace the programme's active list. A refused or failed import leaves no rows behind and the
previous list active and whole.

The same two calls serve the browser (a Celery task runs `run_import`) and the
`import_roster` command:

    upload = start_import(program=dtsen, period="Januari 2026", file=f, filename=name, user=u)
    run_import(upload.pk, progress=show)
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import itertools
import json
import logging
import operator
import os
import re
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import connection, reset_queries, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from households.address import fold_name, normalize_rt_rw
from households.identity import _issue_dates, _known_district, _nik_dates, check_nik, check_no_kk
from households.regions import place_index
from programs.checks import parse_date, parse_sex
from programs.imports import sheet_summary
from programs.models import Program, RosterRow, RosterVersion, Upload
from programs.readers import ReadError, Sheet, SourceRow, open_sheet

logger = logging.getLogger(__name__)

CHUNK_ROWS = 10_000  # rows stored and committed together; the progress bar moves per chunk
MAX_ROWS = 2_000_000  # a province's roster; a bigger file is refused, not cut short
CACHE_LIMIT = 200_000  # distinct texts remembered per lookup before its memo starts over
COPY_BATCH = 1_000  # COPY lines joined into one write

# RosterRow columns in the order each converted row is built.
FIELDS = (
    *("version", "row_number", "source_id", "no_kk", "nik", "name", "sex", "birth_date"),
    *("mother_name", "address", "rt", "rw", "desa", "desil", "raw", "problems"),
)

# The canonical columns a row is read from, in the order the converter unpacks them.
READ = (
    *("nik", "no_kk", "tanggal_lahir", "desil", "desa", "kecamatan", "id", "nama", "nama_ibu"),
    *("jenis_kelamin", "rt", "rw", "alamat"),
)
_JSON_SPECIAL = re.compile(r'["\\\x00-\x1f]')  # what JSON escapes in a string

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


def run_import(upload_id: int, *, progress: Progress | None = None) -> Upload:
    """Read the roster file row by row and store every row in the upload's version; make the
    version the programme's active list only when the whole file is in.

    Safe to run again (a retried task, a killed worker): a finished upload is returned as it
    is; otherwise whatever an earlier attempt stored is thrown away and the file is read from
    the start. Rows are committed every CHUNK_ROWS, with the upload's counters, so the page can
    show progress; `progress(upload)` is called after each chunk too.

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
    _restart(upload, version)
    started = time.monotonic()
    try:
        with (
            _local_path(upload) as path,
            open_sheet(
                path,
                filename=upload.filename,
                max_bytes=settings.ROSTER_UPLOAD_MAX_BYTES,
                max_rows=MAX_ROWS,
                required_any=("nik", "no_kk"),
            ) as sheet,
        ):
            counts = _store_rows(upload, sheet, progress)
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


def _store_rows(upload: Upload, sheet: Sheet, progress: Progress | None) -> _Converter:
    """Convert and store the rows chunk by chunk, keeping the counts on the upload; returns the
    converter, which knows what problems it met."""
    copy = connection.vendor == "postgresql"
    convert = _Converter(upload.version, sheet, copy_text=copy)
    write = _copy_rows if copy else _create_rows
    rows = sheet.rows()
    while True:
        with transaction.atomic():
            # Each row is converted as it is sent, so PostgreSQL indexes the rows already
            # received while Python reads the next ones.
            stored = write(map(convert, itertools.islice(rows, CHUNK_ROWS)))
            if not stored:
                break
            upload.rows_read = convert.read
            upload.rows_saved += stored
            upload.rows_invalid = convert.invalid
            upload.rows_valid = convert.read - convert.invalid
            Upload.objects.filter(pk=upload.pk).update(
                rows_read=upload.rows_read,
                rows_saved=upload.rows_saved,
                rows_invalid=upload.rows_invalid,
                rows_valid=upload.rows_valid,
            )
        reset_queries()  # with DEBUG on, Django would keep every INSERT it ran
        if progress is not None:
            progress(upload)
    if not convert.read:
        # A header alone would replace the programme's whole list with an empty one.
        raise ReadError(
            "empty",
            _(
                "%(name)s has a header row but no data rows below it. Check that you chose the "
                "right file and sheet."
            )
            % {"name": upload.filename},
        )
    return convert


def _finish(
    upload: Upload, version: RosterVersion, sheet: Sheet, convert: _Converter, seconds: float
) -> None:
    """The whole file is in: the version replaces the active list, the upload is done."""
    upload.summary = {
        **sheet_summary(sheet, convert.kinds),
        "duplicates": sheet.duplicates,
        "damaged_identifiers": convert.damaged,
        "desa_not_found": convert.desa_not_found,
        "seconds": round(seconds, 1),
    }
    with transaction.atomic():
        # A second attempt running at the same time (a task delivered twice) may have deleted
        # rows under this one: a version goes live only with every row of the file.
        current = RosterVersion.objects.select_for_update().get(pk=version.pk)
        stored = RosterRow.objects.filter(version=version).count()
        if current.status != RosterVersion.Status.IMPORTING or stored != upload.rows_saved:
            raise RuntimeError(f"version {version.pk} changed under its import ({stored} rows)")
        version.row_count = upload.rows_saved
        version.problem_count = convert.damaged
        version.save(update_fields=["row_count", "problem_count"])
        version.activate()
        upload.status = Upload.Status.DONE
        upload.finished_at = timezone.now()
        upload.save(update_fields=["status", "finished_at", "summary"])


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


@contextlib.contextmanager
def _local_path(upload: Upload) -> Iterator[Path]:
    """The stored file as a path on this machine; copied to a temporary file when the storage
    is remote."""
    try:
        path = upload.file.path
    except NotImplementedError:
        path = None
    if path is not None:
        yield Path(path)
        return
    suffix = Path(upload.filename).suffix
    with tempfile.NamedTemporaryFile(suffix=suffix) as local, upload.file.open("rb") as stored:
        shutil.copyfileobj(stored, local, 1024 * 1024)
        local.flush()
        yield Path(local.name)


# Storing ----------------------------------------------------------------------------------


def _copy_rows(lines: Iterable[str]) -> int:
    """PostgreSQL: COPY FROM STDIN, tens of times faster than INSERT for a roster. The rows
    arrive as lines of COPY's text format (the converter writes them), sent a batch at a time:
    far cheaper than having psycopg adapt every value of every row."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(RosterRow._meta.get_field(name).column) for name in FIELDS)
    sql = f"COPY {quote(RosterRow._meta.db_table)} ({columns}) FROM STDIN"
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        while batch := list(itertools.islice(lines, COPY_BATCH)):
            copy.write("".join(batch))
            count += len(batch)
    return count


def _create_rows(rows: Iterable[tuple]) -> int:
    """Other databases (SQLite in development): bulk_create."""
    names = [RosterRow._meta.get_field(name).attname for name in FIELDS]
    objects = [RosterRow(**dict(zip(names, row, strict=True))) for row in rows]
    RosterRow.objects.bulk_create(objects, batch_size=2_000)
    return len(objects)


# One row ----------------------------------------------------------------------------------


class _Converter:
    """Turns a SourceRow into the values of a RosterRow (in FIELDS order) and counts problems.

    Rosters repeat the same villages, dates and RT numbers hundreds of thousands of times, so
    every lookup is remembered for the length of the import. With `copy_text` a row becomes a
    line of COPY's text format instead of a tuple: each memo then keeps the value already
    written out, and the clean NIK / No. KK of most rows is recognised from the identity
    module's own tables without a call per number.
    """

    def __init__(self, version: RosterVersion, sheet: Sheet, *, copy_text: bool) -> None:
        self.copy_text = copy_text
        self.json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        self.version_id = version.pk
        self.prefix = f"{version.pk}\t"
        self.desil = version.program.carries_desil
        self.keys = _raw_keys(sheet.headers)
        self.places = place_index() if "desa" in sheet.columns.values() else None
        self.today = datetime.date.today()
        self.lengths = tuple(
            RosterRow._meta.get_field(name).max_length
            for name in ("source_id", "name", "mother_name", "address")
        )
        # The cells a row needs, picked by index in one call (READ's order); a column the file
        # lacks points at the last cell of `tail`, always blank, as do cells past a short row.
        index = {name: i for i, name in sheet.columns.items()}
        width = max(index.values(), default=0) + 1
        self.tail = [""] * (width + 1)
        self.pick = operator.itemgetter(*(index.get(name, -1) for name in READ))
        # "KEY":" for each raw key, for rows whose cells are JSON strings as they are; not
        # used when a header itself needs escaping (a quote or backslash in it).
        self.json_keys = [self.json(key) + ':"' for key in self.keys]
        if any("\\" in key for key in self.json_keys):
            self.json_keys = []
        self.read = self.invalid = self.damaged = self.desa_not_found = 0
        self.kinds: Counter[str] = Counter()
        # The identity module's tables for clean numbers (what check_nik/check_no_kk consult).
        self._nik_dates = _nik_dates(self.today)
        self._issue_dates = _issue_dates()
        self._ids: dict[tuple[str, str], tuple[str, list[str], list[str]]] = {}
        self._desa: dict[tuple[str, str], tuple[int | None, str]] = {}
        self._dates: dict[str, tuple[datetime.date | None, str]] = {}
        self._desils: dict[str, tuple[int | None, str]] = {}
        self._rt: dict[str, str] = {}
        self._names: dict[str, str] = {}
        self._sex: dict[str, str] = {}

    def __call__(self, row: SourceRow) -> tuple | str:
        self.read += 1
        cells = row.cells
        (
            nik_cell,
            no_kk_cell,
            born_cell,
            desil_cell,
            village,
            kecamatan,
            source_id,
            name,
            mother,
            sex,
            rt,
            rw,
            address,
        ) = self.pick(cells + self.tail)
        problems: list[str] = []
        kinds: list[str] = []

        nik = nik_cell
        if nik and not (
            len(nik) == 16
            and nik.isascii()
            and nik.isdigit()
            and nik[12:] != "0000"
            and nik[6:12] in self._nik_dates
            and _known_district(nik[:6])
        ):
            nik = self.identifier("nik", nik, problems, kinds)
        no_kk = no_kk_cell
        if no_kk and not (
            len(no_kk) == 16
            and no_kk.isascii()
            and no_kk.isdigit()
            and no_kk[12:] != "0000"
            and no_kk[6:12] in self._issue_dates
            and _known_district(no_kk[:6])
        ):
            no_kk = self.identifier("no_kk", no_kk, problems, kinds)
        if not (nik_cell or no_kk_cell):
            problems.append(_("The row has neither a NIK nor a No. KK."))
            kinds.append("no_identifier")
        damaged = bool(kinds)

        birth_date, birth_text = None, "\\N"
        if born_cell:
            birth_date, birth_text = self._dates.get(born_cell) or self.date(born_cell)
            if birth_date is None:
                problems.append(
                    _("Date of birth %(value)s is not a date; write it as dd-mm-yyyy.")
                    % {"value": born_cell}
                )
                kinds.append("birth_date")

        desil, desil_text = None, "\\N"
        if desil_cell and self.desil:
            desil, desil_text = self._desils.get(desil_cell) or self.desil_value(desil_cell)
            if desil is None:
                problems.append(
                    _("Desil %(value)s is not a number from 1 to 10.") % {"value": desil_cell}
                )
                kinds.append("desil")

        desa, desa_text = None, "\\N"
        if village and self.places is not None:
            desa, desa_text = self._desa.get((village, kecamatan)) or self.village(
                village, kecamatan
            )
            if desa is None:
                self.desa_not_found += 1

        if kinds:
            self.invalid += 1
            self.kinds.update(kinds)
            self.damaged += damaged

        names = self._names
        if name:
            name = names.get(name) or self.name(name)
        if mother:
            mother = names.get(mother) or self.name(mother)
        sex = self._sex.get(sex) if sex in self._sex else self.sex(sex)
        if rt:
            rt = self._rt.get(rt) if rt in self._rt else self.rt_rw(rt)
        if rw:
            rw = self._rt.get(rw) if rw in self._rt else self.rt_rw(rw)
        lengths = self.lengths
        source_id = source_id[: lengths[0]]
        name = name[: lengths[1]]
        mother = mother[: lengths[2]]
        address = address[: lengths[3]]

        if not self.copy_text:
            return (
                self.version_id,
                row.number,
                source_id,
                no_kk,
                nik,
                name,
                sex,
                birth_date,
                mother,
                address,
                rt,
                rw,
                desa,
                desil,
                self.raw(cells),
                problems,
            )
        problems_text = _copy_escape(self.json(problems)) if problems else "[]"
        keys = self.json_keys
        if len(cells) <= len(keys) and not _JSON_SPECIAL.search("".join(cells)):
            # No quote, backslash or control character in any cell: each is its own JSON
            # string, and nothing in the row needs escaping for COPY either.
            pairs = [key + cell for key, cell in zip(keys, cells, strict=False) if cell]
            raw_text = "{" + '",'.join(pairs) + '"}' if pairs else "{}"
        else:
            # JSON writes a backslash for each backslash, tab, line break or quote in a cell;
            # every text of the row comes from its cells.
            raw_text = self.json(self.raw(cells))
            if "\\" in raw_text:
                raw_text = _copy_escape(raw_text)
                source_id = _copy_escape(source_id)
                name = _copy_escape(name)
                mother = _copy_escape(mother)
                address = _copy_escape(address)
        return (
            f"{self.prefix}{row.number}\t{source_id}\t{no_kk}\t{nik}\t{name}\t{sex}\t"
            f"{birth_text}\t{mother}\t{address}\t{rt}\t{rw}\t{desa_text}\t{desil_text}\t"
            f"{raw_text}\t{problems_text}\n"
        )

    def identifier(self, column: str, text: str, problems: list[str], kinds: list[str]) -> str:
        """The clean 16 digits, or "" with the identity check's errors added to the row."""
        key = (column, text)
        found = self._ids.get(key)
        if found is None:
            check = check_nik(text, today=self.today) if column == "nik" else check_no_kk(text)
            found = (
                check.value or "",
                [p.message for p in check.errors],
                [f"{column}:{p.code}" for p in check.errors],
            )
            if len(self._ids) >= CACHE_LIMIT:
                self._ids.clear()
            self._ids[key] = found
        value, messages, codes = found
        if codes:
            problems += messages
            kinds += codes
        return value

    def date(self, text: str) -> tuple[datetime.date | None, str]:
        if len(self._dates) >= CACHE_LIMIT:
            self._dates.clear()
        found = parse_date(text)
        result = self._dates[text] = (found, "\\N" if found is None else found.isoformat())
        return result

    def desil_value(self, text: str) -> tuple[int | None, str]:
        desil = int(text) if text.isascii() and text.isdigit() else None
        if desil is None or not 1 <= desil <= 10:
            desil = None
        if len(self._desils) >= CACHE_LIMIT:
            self._desils.clear()
        result = self._desils[text] = (desil, "\\N" if desil is None else str(desil))
        return result

    def village(self, village: str, kecamatan: str) -> tuple[int | None, str]:
        if len(self._desa) >= CACHE_LIMIT:
            self._desa.clear()
        found = self.places.find(village, kecamatan)
        result = self._desa[village, kecamatan] = (found, "\\N" if found is None else str(found))
        return result

    def rt_rw(self, text: str) -> str:
        if len(self._rt) >= CACHE_LIMIT:
            self._rt.clear()
        found = self._rt[text] = normalize_rt_rw(text)
        return found

    def sex(self, text: str) -> str:
        if len(self._sex) >= CACHE_LIMIT:
            self._sex.clear()
        found = self._sex[text] = parse_sex(text) or ""
        return found

    def name(self, text: str) -> str:
        if len(self._names) >= CACHE_LIMIT:
            self._names.clear()
        found = self._names[text] = fold_name(text)
        return found

    def raw(self, cells: list[str]) -> dict[str, str]:
        """The row as the source wrote it, blank cells left out: {header: cell}."""
        keys = self.keys
        if len(cells) > len(keys):
            keys.extend(_column_letter(i) for i in range(len(keys), len(cells)))
        return {key: cell for key, cell in zip(keys, cells, strict=False) if cell}


def _copy_escape(text: str) -> str:
    """Text as a field of COPY's text format: backslash, tab and line breaks escaped."""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _raw_keys(headers: list[str]) -> list[str]:
    """One key per column for RosterRow.raw: the header as written, the column letter when the
    header cell is blank, a number added when the same header appears twice."""
    keys: list[str] = []
    seen: Counter[str] = Counter()
    for i, header in enumerate(headers):
        key = header or _column_letter(i)
        seen[key] += 1
        keys.append(key if seen[key] == 1 else f"{key} ({seen[key]})")
    return keys


def _column_letter(index: int) -> str:
    """0 -> "A", 25 -> "Z", 26 -> "AA": the column as Excel names it."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
