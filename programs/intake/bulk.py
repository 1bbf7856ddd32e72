"""PostgreSQL: a roster stored set-based, fast enough for a province's millions of rows.

`store` runs the steps below for `programs.intake.rosters.run_import`; `attach` is the last one, run
in the transaction that makes the version active.

1. Stage. The file's cells go into an UNLOGGED table, one text column per header column. A
   CSV is streamed to COPY as bytes and PostgreSQL parses it; a file COPY would read
   differently from Python's csv module (a quote inside a cell, a row with more or fewer
   cells than the header, a blank line...) and every .xlsx or .xls are read row by row by
   `programs.intake.readers` instead and COPYed as text. Either way the stage then holds the same
   cells.
2. Survey. One pass lists the distinct texts that need a Python answer (NIK and No. KK that
   are not clean, dates, desil, sex, RT/RW, desa with kecamatan), with how many rows hold
   each; `roster_values.Values` answers each once, the same rules the row-by-row path uses.
3. Insert. The rows are converted in SQL with those answers into a table of their own,
   without indexes (the version's partition to be), a chunk per statement, two
   connections at a time.
4. Index. The partition's indexes are built at the end, two at a time: far cheaper than
   keeping six indexes up to date row by row.
5. Attach. ATTACH PARTITION makes every row visible at once, in the transaction that makes
   the version active. A failed import is two DROP TABLEs.

Inside a transaction (the test suite) the steps run one after another on the one connection.
"""

from __future__ import annotations

import codecs
import concurrent.futures
import csv
import io
import itertools
import json
import logging
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
from django.db import DataError, connection, transaction

from households.identity import known_districts
from programs.intake.csv_files import CsvText
from programs.intake.headers import fold_header
from programs.intake.readers import Sheet, cell_text, row_key
from programs.intake.refusals import too_many_rows
from programs.intake.roster_values import LENGTHS, Counts, Values
from programs.models import RosterRow, RosterVersion, Upload

logger = logging.getLogger(__name__)

TABLE = RosterRow._meta.db_table
CHUNK_ROWS = 100_000  # rows per INSERT; the progress bar moves per chunk
COPY_BYTES = 4 * 1024 * 1024  # bytes of a CSV file sent per COPY write
COPY_LINES = 1_000  # rows of a row-by-row read sent per COPY write
HEAD_BYTES = 1024 * 1024  # where the header row must end for a CSV to be streamed as bytes
WORKERS = 2  # connections inserting or indexing at once
WHITESPACE = "".join(c for c in map(chr, range(0x110000)) if c.isspace())  # what strip() strips
DIGITS = "0123456789"

PLACE = ("rt", "rw", "desa", "kecamatan")

Progress = Callable[[Upload], None]


def partition(version: RosterVersion | int) -> str:
    """The table a version's rows are loaded into, attached as its partition when complete."""
    return f"{TABLE}_v{getattr(version, 'pk', version)}"


def _stage(version: RosterVersion) -> str:
    return f"programs_rosterstage_{version.pk}"


def drop(version: RosterVersion) -> None:
    """Throw away the tables of an unfinished load of this version (none if it never began)."""
    if version.status not in (RosterVersion.Status.IMPORTING, RosterVersion.Status.FAILED):
        raise ValueError(f"the rows of a {version.status} version are never dropped")
    stage = _stage(version)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {partition(version)}, {stage}, {stage}_lookup")


def attach(version: RosterVersion) -> None:
    """Make the loaded rows the version's partition: one statement, visible with the commit."""
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [partition(version)])
        if cursor.fetchone()[0]:
            cursor.execute(
                f"ALTER TABLE {TABLE} ATTACH PARTITION {partition(version)} "
                f"FOR VALUES IN ({int(version.pk)})"
            )
    logger.debug("roster version %s: attach %.2f s", version.pk, time.monotonic() - started)


def store(
    upload: Upload, sheet: Sheet, path: Path, values: Values, progress: Progress | None
) -> Counts:
    """Load every data row of the sheet into the version's partition-to-be, indexed, ready to
    attach; returns what the rows held. The upload's counters move as chunks are stored."""
    load = _Load(upload, sheet, values)
    clock = _Clock(upload)
    load.stage(path)
    clock("stage")
    upload.rows_read = load.counts.read
    Upload.objects.filter(pk=upload.pk).update(rows_read=upload.rows_read)
    if progress is not None:
        progress(upload)
    if load.counts.read:
        load.survey()
        clock("survey")
        load.insert(progress)
        clock("insert")
        load.index()
        clock("index")
    # (A failed load leaves them for rosters._discard, which drops them with the partition.)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {load.stage_table}, {load.lookup}")
    return load.counts


class _Clock:
    """Logs how long each step took (DEBUG), for the benchmark and the curious."""

    def __init__(self, upload: Upload) -> None:
        self.upload = upload
        self.last = time.monotonic()

    def __call__(self, step: str) -> None:
        now = time.monotonic()
        logger.debug("roster upload %s: %s %.2f s", self.upload.pk, step, now - self.last)
        self.last = now


class _Unsafe(Exception):
    """The CSV holds something COPY would read differently from Python's csv module."""


class _Load:
    def __init__(self, upload: Upload, sheet: Sheet, values: Values) -> None:
        self.upload = upload
        self.version = upload.version
        self.sheet = sheet
        self.values = values
        self.counts = Counts()
        self.width = len(sheet.headers)
        self.stage_table = _stage(self.version)
        self.lookup = f"{self.stage_table}_lookup"
        self.part = partition(self.version)
        self.raw_cells = False  # the stage holds the file's cells before strip()
        self.skipped: list[int] = []  # stage rows that are not families (blank, header again)
        self.blank: list[int] = []  # of those, the blank ones: no number of their own
        self.extra = False  # some row had cells past the header's last column
        self.index_of = {name: i for i, name in sheet.columns.items()}
        self.damage: set[str] = set()  # the messages that mark a damaged identifier

    # 1. Stage ---------------------------------------------------------------------------

    def stage(self, path: Path) -> None:
        columns = ", ".join(f"c{i} text NOT NULL DEFAULT ''" for i in range(self.width))
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE UNLOGGED TABLE {self.stage_table} "
                f"(seq bigint GENERATED BY DEFAULT AS IDENTITY, {columns}, extra jsonb)"
            )
        copied = self._copy_csv(path)
        if copied is None:
            self.counts.read = self._copy_rows()
        else:
            self._skip_rows()
            self.counts.read = copied - len(self.skipped)
            if self.counts.read > self.sheet.max_rows:
                raise too_many_rows(self.sheet.filename, self.sheet.max_rows)

    def _copy_csv(self, path: Path) -> int | None:
        """Stream the CSV's data rows straight into COPY; None (and nothing staged) when the
        file has to be read row by row."""
        text = self.sheet.text
        if text is None or not self._probe_is_safe():
            return None
        start = _data_offset(path, self.sheet)
        if start is None:
            return None
        end = _data_end(path, start)
        delimiter = re.escape(text.delimiter.encode())
        mid_quote = re.compile(rb'[^%s\r\n"]"[^%s\r\n"]' % (delimiter, delimiter))
        end_marker = re.compile(rb"(?:^|[\r\n])\\\.(?:[\r\n]|$)")
        edges = _Edges(text)
        needs_strip = False
        names = ", ".join(f"c{i}" for i in range(self.width))
        encoding = "UTF8" if text.encoding.startswith("utf-8") else "WIN1252"
        sql = (
            f"COPY {self.stage_table} ({names}) FROM STDIN WITH (FORMAT csv, "
            f"DELIMITER {_literal(text.delimiter)}, ENCODING '{encoding}', "
            f"FORCE_NOT_NULL ({names}))"
        )
        try:
            # A savepoint: a COPY that fails takes only its own rows with it.
            with transaction.atomic(), connection.cursor() as cursor, path.open("rb") as file:
                with cursor.cursor.copy(sql) as copy:
                    file.seek(start)
                    left, tail = end - start, b"\n"
                    while left > 0:
                        chunk = file.read(min(COPY_BYTES, left))
                        left -= len(chunk)
                        window = tail + chunk
                        if (b'"' in window and mid_quote.search(window)) or (
                            b"\\." in window and end_marker.search(window)
                        ):
                            raise _Unsafe
                        if not needs_strip:
                            needs_strip = edges.found(window if left else window + b"\n")
                        copy.write(chunk)
                        tail = chunk[-2:]
                self.raw_cells = needs_strip
                return cursor.cursor.rowcount
        except (_Unsafe, DataError, psycopg.DataError):
            return None

    def _probe_is_safe(self) -> bool:
        """Rows repeating the header are found by their NIK (or No. KK) cell having no digit,
        which needs a header without digits there."""
        return not any(ch.isdigit() for ch in fold_header(self.sheet.headers[self._probe()]))

    def _probe(self) -> int:
        return self.index_of.get("nik", self.index_of.get("no_kk"))

    def _copy_rows(self) -> int:
        """Read the file row by row (readers skip blank and repeated header rows) and COPY the
        cells as text; returns the number of data rows."""
        names = ", ".join(f"c{i}" for i in range(self.width))
        sql = f"COPY {self.stage_table} (seq, {names}, extra) FROM STDIN"
        width, count, read = self.width, 0, 0
        rows = iter(self.sheet.rows())
        while True:
            stored = 0
            with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
                for batch in iter(lambda: list(itertools.islice(rows, COPY_LINES)), []):
                    lines = []
                    for row in batch:
                        if row.repeated_header:  # no family, but its number stays taken
                            continue
                        cells, extra = row.cells[:width], row.cells[width:]
                        cells += [""] * (width - len(cells))
                        line = "\t".join(cells)
                        if _COPY_SPECIAL.search(line) or line.count("\t") != width - 1:
                            line = "\t".join(map(_copy_escape, cells))
                        extra_text = "\\N"
                        if any(extra):
                            self.extra = True
                            extra_text = _copy_escape(json.dumps(extra, ensure_ascii=False))
                        lines.append(f"{row.number}\t{line}\t{extra_text}\n")
                    copy.write("".join(lines))
                    stored += len(lines)
                    read += len(batch)
                    if stored >= CHUNK_ROWS:
                        break
            if not read:
                return count
            count += stored
            read = 0
            self.upload.rows_read = count
            Upload.objects.filter(pk=self.upload.pk).update(rows_read=count)

    def _skip_rows(self) -> None:
        """Blank rows and the header repeated inside the data are not data rows (as
        `Sheet.rows` decides): found among a few candidates, checked in Python, deleted."""
        header_key = row_key(self.sheet.headers)
        every = ", ".join(f"c{i}" for i in range(self.width))
        probe = f"c{self._probe()}"
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute(
                f"SELECT seq, {every} FROM {self.stage_table} "
                f"WHERE btrim(array_to_string(ARRAY[{every}], ''), %s) = '' "
                f"OR ({probe} <> '' AND translate({probe}, %s, '') = {probe})",
                [WHITESPACE + "'", DIGITS],
            )
            for seq, *raw in cursor.fetchall():
                cells = [cell_text(value) for value in raw]
                if not any(cells):
                    self.skipped.append(seq)
                    self.blank.append(seq)
                elif row_key(cells) == header_key:
                    self.skipped.append(seq)
                    self.sheet.repeated_headers.append(self.sheet.header_line + seq)
            if self.skipped:
                self.skipped.sort()
                cursor.execute(
                    f"DELETE FROM {self.stage_table} WHERE seq = ANY(%s)", [self.skipped]
                )

    # 2. Survey --------------------------------------------------------------------------

    def cell(self, name: str) -> str:
        """The SQL of a canonical column's cell in a row of `source()`; '' when the file
        lacks the column."""
        i = self.index_of.get(name)
        return "''" if i is None else f"s.c{i}"

    def source(self, names: list[str] | None = None, where: str = "") -> str:
        """The stage as rows of cells the way `Sheet.rows` gives them."""
        indexes = (
            range(self.width)
            if names is None
            else sorted({self.index_of[name] for name in names if name in self.index_of})
        )
        cells = ", ".join(f"{self._cell_sql(i)} AS c{i}" for i in indexes) or "NULL AS none"
        # OFFSET 0 keeps the subquery whole: each cell is cleaned once, not per use.
        return f"(SELECT seq, extra, {cells} FROM {self.stage_table} {where} OFFSET 0) s"

    def _cell_sql(self, i: int) -> str:
        column = f"c{i}"
        if not self.raw_cells:
            return column
        blank, edge = _literal(WHITESPACE), _literal(WHITESPACE + "'")
        trimmed = f"btrim({column}, {blank})"
        # Most cells need nothing: no blank at either end, no apostrophe in front.
        return (
            f"CASE WHEN strpos({edge}, left({column}, 1)) = 0 "
            f"AND strpos({blank}, right({column}, 1)) = 0 THEN {column} "
            f"WHEN left({trimmed}, 1) = '''' THEN substr({trimmed}, 2) ELSE {trimmed} END"
        )

    def survey(self) -> None:
        """Ask Values once per distinct text; the answers go into the lookup table."""
        values, counts, cell = self.values, self.counts, self.cell
        nik, no_kk = cell("nik"), cell("no_kk")
        # Two halves, one per connection: the identifiers and dates, and the rest. Each row
        # of the answer: kind, text, kecamatan, "no identifier", rows.
        first = f"""
            SELECT CASE WHEN GROUPING(a) = 0 THEN 'nik' WHEN GROUPING(b) = 0 THEN 'no_kk'
                        ELSE 'born' END, coalesce(a, b, d), NULL, NULL, count(*)
            FROM (
                SELECT CASE WHEN {nik} <> '' AND NOT {_clean(nik, "nik_dates")}
                            THEN {nik} END AS a,
                       CASE WHEN {no_kk} <> '' AND NOT {_clean(no_kk, "issue_dates")}
                            THEN {no_kk} END AS b,
                       nullif({cell("tanggal_lahir")}, '') AS d
                FROM {self.source(["nik", "no_kk", "tanggal_lahir"])}
            ) t
            GROUP BY GROUPING SETS ((a), (b), (d))
        """
        second = f"""
            SELECT CASE WHEN GROUPING(e) = 0 THEN 'desil' WHEN GROUPING(f) = 0 THEN 'sex'
                        WHEN GROUPING(r) = 0 OR GROUPING(w) = 0 THEN 'rt'
                        WHEN GROUPING(v) = 0 THEN 'desa' ELSE 'none' END,
                   coalesce(e, f, r, w, v), k, z, count(*)
            FROM (
                SELECT nullif({cell("desil")}, '') AS e,
                       {cell("jenis_kelamin")} AS f,
                       nullif({cell("rt")}, '') AS r,
                       nullif({cell("rw")}, '') AS w,
                       nullif({cell("desa")}, '') AS v,
                       {cell("kecamatan")} AS k,
                       {nik} = '' AND {no_kk} = '' AS z
                FROM {self.source(["nik", "no_kk", "desil", "jenis_kelamin", *PLACE])}
            ) t
            GROUP BY GROUPING SETS ((e), (f), (r), (w), (v, k), (z))
        """
        params = {
            "nik_dates": sorted(values.nik_dates),
            "issue_dates": sorted(values.issue_dates),
            "districts": sorted(known_districts()),
        }
        tasks = [_bind(_execute, first, params, True), _bind(_execute, second, {}, True)]
        survey = [row for rows in _run(tasks) for row in rows]
        rows: list[tuple] = []  # (kind, text, kecamatan, value, number, day, messages)
        rt_texts: set[str] = set()  # RT and RW share one lookup
        for kind, text, kecamatan, missing, n in survey:
            if kind == "none":
                if missing:
                    counts.kinds["no_identifier"] += n
                    self.damage.add(values.no_identifier())
                continue
            if text is None:
                continue
            if kind in ("nik", "no_kk"):
                value, messages, codes = values.identifier(kind, text)
                rows.append((kind, text, "", value, None, None, json.dumps(messages)))
                self.damage.update(messages)
                for code in codes:
                    counts.kinds[code] += n
            elif kind == "born":
                day, messages = values.birth_date(text)
                rows.append((kind, text, "", None, None, day, _messages(messages)))
                if messages:
                    counts.kinds["birth_date"] += n
            elif kind == "desil" and values.carries_desil:
                desil, messages = values.desil(text)
                rows.append((kind, text, "", None, desil, None, _messages(messages)))
                if messages:
                    counts.kinds["desil"] += n
            elif kind == "sex":
                rows.append((kind, text, "", values.sex(text), None, None, None))
            elif kind == "rt" and text not in rt_texts:
                rt_texts.add(text)
                rows.append((kind, text, "", values.rt_rw(text), None, None, None))
            elif kind == "desa" and values.places is not None:
                desa = values.desa(text, kecamatan)
                rows.append((kind, text, kecamatan, None, desa, None, None))
                counts.desa_not_found += n if desa is None else 0
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE UNLOGGED TABLE {self.lookup} (kind text, t text, k text, val text, "
                "num bigint, day date, messages jsonb)"
            )
            with cursor.cursor.copy(f"COPY {self.lookup} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(f"ANALYZE {self.lookup}")

    # 3. Insert --------------------------------------------------------------------------

    def insert(self, progress: Progress | None) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TABLE {self.part} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING "
                f"CONSTRAINTS, CHECK (version_id = {int(self.version.pk)}))"
            )
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [TABLE])
            sequence = cursor.fetchone()[0]
            # The rows lie in seq order: a BRIN index finds a chunk's pages.
            cursor.execute(f"CREATE INDEX ON {self.stage_table} USING brin (seq)")
            cursor.execute(f"ANALYZE {self.stage_table}")
            cursor.execute(f"SELECT min(seq), max(seq) FROM {self.stage_table}")
            low, high = cursor.fetchone()
        sql = self._insert_sql(sequence)
        chunks = [(start, start + CHUNK_ROWS) for start in range(low, high + 1, CHUNK_ROWS)]
        upload, counts = self.upload, self.counts
        upload.rows_saved = 0
        no_identifier = json.dumps([self.values.no_identifier()], ensure_ascii=False)
        damage = sorted(self.damage)
        tasks = [
            _bind(
                _execute,
                sql,
                {"low": a, "high": b, "damage": damage, "no_identifier": no_identifier},
            )
            for a, b in chunks
        ]
        for stored, invalid, damaged in _run(tasks):
            upload.rows_saved += stored
            counts.invalid += invalid
            counts.damaged += damaged
            upload.rows_invalid = counts.invalid
            upload.rows_valid = upload.rows_saved - counts.invalid
            Upload.objects.filter(pk=upload.pk).update(
                rows_saved=upload.rows_saved,
                rows_invalid=upload.rows_invalid,
                rows_valid=upload.rows_valid,
            )
            if progress is not None:
                progress(upload)

    def _insert_sql(self, sequence: str) -> str:
        cell, values = self.cell, self.values
        nik, no_kk = cell("nik"), cell("no_kk")
        number = "s.seq"
        if self.blank:  # a header repeated in the data keeps its number, as in `Sheet.rows`
            blank = ",".join(map(str, sorted(self.blank)))
            number = f"s.seq - width_bucket(s.seq, '{{{blank}}}'::bigint[])"
        raw = "to_jsonb(ARRAY[{}]::text[])".format(", ".join(f"s.c{i}" for i in range(self.width)))
        if self.extra:
            raw = f"{raw} || coalesce(s.extra, '[]')"
        joins = [
            f"LEFT JOIN {self.lookup} ni ON ni.kind = 'nik' AND ni.t = {nik}",
            f"LEFT JOIN {self.lookup} kk ON kk.kind = 'no_kk' AND kk.t = {no_kk}",
            f"LEFT JOIN {self.lookup} bd ON bd.kind = 'born' AND bd.t = {cell('tanggal_lahir')}",
            f"LEFT JOIN {self.lookup} sx ON sx.kind = 'sex' AND sx.t = {cell('jenis_kelamin')}",
            f"LEFT JOIN {self.lookup} rt ON rt.kind = 'rt' AND rt.t = {cell('rt')}",
            f"LEFT JOIN {self.lookup} rw ON rw.kind = 'rt' AND rw.t = {cell('rw')}",
        ]
        desil, desil_problems = "NULL::smallint", "'[]'::jsonb"
        if values.carries_desil:
            joins.append(
                f"LEFT JOIN {self.lookup} dl ON dl.kind = 'desil' AND dl.t = {cell('desil')}"
            )
            desil, desil_problems = "dl.num", "coalesce(dl.messages, '[]')"
        desa = "NULL::bigint"
        if values.places is not None:
            joins.append(
                f"LEFT JOIN {self.lookup} ds ON ds.kind = 'desa' AND ds.t = {cell('desa')} "
                f"AND ds.k = {cell('kecamatan')}"
            )
            desa = "ds.num"
        join_sql = "\n".join(joins)
        return f"""
            WITH stored AS (
                INSERT INTO {self.part} (id, version_id, row_number, source_id, no_kk, nik,
                    name, sex, birth_date, mother_name, address, rt, rw, desa_id, desil, raw,
                    problems)
                SELECT nextval('{sequence}'), {int(self.version.pk)}, {number},
                    left({cell("id")}, {LENGTHS["id"]}),
                    coalesce(kk.val, {no_kk}), coalesce(ni.val, {nik}),
                    left({cell("nama")}, {LENGTHS["nama"]}), coalesce(sx.val, ''), bd.day,
                    left({cell("nama_ibu")}, {LENGTHS["nama_ibu"]}),
                    left({cell("alamat")}, {LENGTHS["alamat"]}),
                    coalesce(rt.val, ''), coalesce(rw.val, ''), {desa}, {desil}, {raw},
                    coalesce(ni.messages, '[]') || coalesce(kk.messages, '[]')
                    || CASE WHEN {nik} = '' AND {no_kk} = '' THEN %(no_identifier)s::jsonb
                            ELSE '[]' END
                    || coalesce(bd.messages, '[]') || {desil_problems}
                FROM {self.source(where="WHERE seq >= %(low)s AND seq < %(high)s")}
                {join_sql}
                RETURNING problems
            )
            SELECT count(*), count(*) FILTER (WHERE problems <> '[]'),
                   -- identifier problems come first on a row
                   count(*) FILTER (WHERE problems ->> 0 = ANY(%(damage)s::text[]))
            FROM stored
        """

    # 4. Index ---------------------------------------------------------------------------

    def index(self) -> None:
        """The parent table's indexes, built on the partition two at a time. An index behind
        a constraint of the parent (the primary key, the unique row number) becomes the same
        constraint on the partition, or ATTACH would build it a second time, alone, inside
        the transaction that activates the version."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_get_indexdef(i.indexrelid), c.contype, pg_get_constraintdef(c.oid) "
                "FROM pg_index i LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid "
                "AND c.conrelid = i.indrelid WHERE i.indrelid = %s::regclass "
                "ORDER BY i.indexrelid",
                [TABLE],
            )
            definitions = cursor.fetchall()
        head = re.compile(r"^CREATE (UNIQUE )?INDEX \S+ ON (ONLY )?\S+ ")
        statements, constraints = [], []
        for n, (sql, kind, constraint) in enumerate(definitions):
            name = f"{self.part}_{kind or 'i'}{n}"
            statements.append(head.sub(rf"CREATE \1INDEX {name} ON {self.part} ", sql))
            if kind is not None:
                using = constraint.split(" (", 1)[0]  # PRIMARY KEY, UNIQUE
                constraints.append(
                    f"ALTER TABLE {self.part} ADD CONSTRAINT {name} {using} USING INDEX {name}"
                )
        statements.append(f"ANALYZE {self.part}")
        list(_run([_bind(_maintain, sql) for sql in statements]))
        with connection.cursor() as cursor:
            for sql in constraints:
                cursor.execute(sql)


# Helpers ----------------------------------------------------------------------------------

_COPY_SPECIAL = re.compile(r"[\\\n\r]")  # what COPY's text format escapes, but the tab


def _copy_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _clean(column: str, dates: str) -> str:
    """SQL: the cell is a clean NIK or No. KK (`Values.clean`)."""
    return (
        f"(length({column}) = 16 AND translate({column}, '{DIGITS}', '') = '' "
        f"AND right({column}, 4) <> '0000' AND substr({column}, 7, 6) = ANY(%({dates})s) "
        f"AND left({column}, 6) = ANY(%(districts)s))"
    )


def _messages(messages: list[str]) -> str | None:
    return json.dumps(messages, ensure_ascii=False) if messages else None


def _literal(text: str) -> str:
    """A SQL string literal (standard_conforming_strings: only the quote is doubled)."""
    if "\0" in text:
        raise ValueError("NUL in a SQL literal")
    return "'" + text.replace("'", "''") + "'"


class _Edges:
    """Finds bytes of a cell that `Sheet.rows` would change: a blank at either end of a cell,
    an apostrophe in front. Where a file has none, its staged cells are final as they are.

    Fast (a translate and a few finds per chunk) and cautious: a blank next to a quote or a
    delimiter inside a quoted cell counts too, and any non-ASCII blank anywhere in the file.
    """

    BLANK, QUOTE, BOUNDARY = b"\x01", b"\x02", b"\x03"

    def __init__(self, text: CsvText) -> None:
        table = bytearray(range(256))
        for byte in b"\x01\x02\x03":
            table[byte] = ord("a")
        for byte in b"\t\x0b\x0c \x1c\x1d\x1e\x1f":
            table[byte] = self.BLANK[0]
        table[ord("'")] = self.QUOTE[0]
        for byte in text.delimiter.encode() + b'\r\n"':
            table[byte] = self.BOUNDARY[0]
        self.table = bytes(table)
        # A quoted cell that begins or ends with a line break.
        ends = (text.delimiter.encode(), b"\r", b"\n")
        self.line_breaks = [
            sequence
            for end in ends
            for br in (b"\r", b"\n")
            for sequence in (end + b'"' + br, br + b'"' + end)
        ]
        self.wide = (
            (
                b"\xc2\x85",
                b"\xc2\xa0",
                b"\xe1\x9a\x80",
                b"\xe2\x80",
                b"\xe2\x81\x9f",
                b"\xe3\x80\x80",
            )
            if text.encoding.startswith("utf-8")
            else (b"\xa0",)
        )

    def found(self, window: bytes) -> bool:
        mapped = window.translate(self.table)
        return (
            self.BOUNDARY + self.BLANK in mapped
            or self.BLANK + self.BOUNDARY in mapped
            or self.BOUNDARY + self.QUOTE in mapped
            or any(sequence in window for sequence in self.wide)
            or any(sequence in window for sequence in self.line_breaks)
        )


def _data_offset(path: Path, sheet: Sheet) -> int | None:
    """The byte where the data rows begin (just past the header row), when the lines above it
    are plain enough to count; None otherwise."""
    text = sheet.text
    with path.open("rb") as file:
        head = file.read(HEAD_BYTES)
    codec = "utf-8" if text.encoding.startswith("utf-8") else text.encoding
    bom = len(codecs.BOM_UTF8) if codec == "utf-8" and head.startswith(codecs.BOM_UTF8) else 0
    decoded = codecs.getincrementaldecoder(codec)().decode(head[bom:])
    pieces = re.split(r"(\r\n|\r|\n)", decoded)
    lines = 2 * sheet.header_line
    if len(pieces) <= lines:
        return None
    prefix = "".join(pieces[:lines])
    records = list(csv.reader(io.StringIO(prefix, newline=""), delimiter=text.delimiter))
    if len(records) != sheet.header_line or [cell_text(c) for c in records[-1]] != sheet.headers:
        return None  # a quoted line break above the data: let the csv module count
    return bom + len(prefix.encode(codec))


def _data_end(path: Path, start: int) -> int:
    """The end of the file without its closing line breaks (a blank last line is no row)."""
    end = path.stat().st_size
    with path.open("rb") as file:
        while end > start:
            file.seek(max(start, end - 4096))
            block = file.read(end - max(start, end - 4096))
            kept = block.rstrip(b"\r\n")
            end -= len(block) - len(kept)
            if kept:
                break
    return end


def _bind(function: Callable, *args):
    return lambda: function(*args)


def _execute(sql: str, params: dict, every: bool = False) -> tuple | list[tuple]:
    """One statement with room to hash its lookups and groups in memory (the default 4 MB
    would spill a province's distinct dates to disk)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '256MB'")
        # Compiling these wide statements costs seconds each and saves less than that.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        return cursor.fetchall() if every else cursor.fetchone()


def _maintain(sql: str) -> None:
    """Build an index (or ANALYZE): the two connections already share the two cores."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL max_parallel_maintenance_workers = 0")
        cursor.execute(sql)


def _run(tasks: list[Callable]) -> Iterator:
    """Run the tasks on WORKERS connections of their own and yield their results as they
    finish; one after another on this connection inside a transaction, where other
    connections would not see the tables it created."""
    if connection.in_atomic_block:
        for task in tasks:
            yield task()
        return
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        futures = [pool.submit(_own_connection, task) for task in tasks]
        try:
            for future in concurrent.futures.as_completed(futures):
                yield future.result()
        finally:
            for future in futures:
                future.cancel()


def _own_connection(task: Callable):
    try:
        return task()
    finally:
        connection.close()  # this thread's connection
