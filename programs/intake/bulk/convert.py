"""Steps 2 and 3: the staged cells converted into roster rows, set-based.

2. Survey. One pass lists the distinct texts that need a Python answer (NIK and No. KK that
   are not clean, dates, desil, sex, RT/RW, desa with kecamatan), with how many rows hold
   each; `roster_values.Values` answers each once, by the same rules as the row-by-row path,
   into a lookup table.
3. Insert. The rows are converted in SQL with those answers into the version's partition to
   be (a table without indexes), a chunk per statement, two connections at a time.
"""

from __future__ import annotations

import json

from django.db import connection

from households.identity import known_districts
from programs.intake.roster_values import LENGTHS

from .load import TABLE, Load, Progress
from .sql import DIGITS, execute, run, task

PLACE = ("rt", "rw", "desa", "kecamatan")


def survey(load: Load) -> None:
    """Ask Values once per distinct text; the answers go into the lookup table."""
    values, counts, cell = load.values, load.counts, load.cell
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
            FROM {load.source(["nik", "no_kk", "tanggal_lahir"])}
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
            FROM {load.source(["nik", "no_kk", "desil", "jenis_kelamin", *PLACE])}
        ) t
        GROUP BY GROUPING SETS ((e), (f), (r), (w), (v, k), (z))
    """
    params = {
        "nik_dates": sorted(values.nik_dates),
        "issue_dates": sorted(values.issue_dates),
        "districts": sorted(known_districts()),
    }
    tasks = [task(execute, first, params, True), task(execute, second, {}, True)]
    survey = [row for rows in run(tasks) for row in rows]
    rows: list[tuple] = []  # (kind, text, kecamatan, value, number, day, messages)
    rt_texts: set[str] = set()  # RT and RW share one lookup
    for kind, text, kecamatan, missing, n in survey:
        if kind == "none":
            if missing:
                counts.kinds["no_identifier"] += n
                load.damage.add(values.no_identifier())
            continue
        if text is None:
            continue
        if kind in ("nik", "no_kk"):
            value, messages, codes = values.identifier(kind, text)
            rows.append((kind, text, "", value, None, None, json.dumps(messages)))
            load.damage.update(messages)
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
            f"CREATE UNLOGGED TABLE {load.lookup} (kind text, t text, k text, val text, "
            "num bigint, day date, messages jsonb)"
        )
        with cursor.cursor.copy(f"COPY {load.lookup} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(f"ANALYZE {load.lookup}")


def insert(load: Load, progress: Progress | None) -> None:
    """Convert and store the staged rows a chunk at a time; the counters move per chunk."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {load.part} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING "
            f"CONSTRAINTS, CHECK (version_id = {int(load.version.pk)}))"
        )
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [TABLE])
        sequence = cursor.fetchone()[0]
        # The rows lie in seq order: a BRIN index finds a chunk's pages.
        cursor.execute(f"CREATE INDEX ON {load.stage_table} USING brin (seq)")
        cursor.execute(f"ANALYZE {load.stage_table}")
        cursor.execute(f"SELECT min(seq), max(seq) FROM {load.stage_table}")
        low, high = cursor.fetchone()
    sql = _insert_sql(load, sequence)
    chunks = [(start, start + load.chunk_rows) for start in range(low, high + 1, load.chunk_rows)]
    counts, saved = load.counts, 0
    params = {
        "damage": sorted(load.damage),
        "no_identifier": json.dumps([load.values.no_identifier()], ensure_ascii=False),
    }
    tasks = [task(execute, sql, {"low": a, "high": b, **params}) for a, b in chunks]
    for stored, invalid, damaged in run(tasks):
        saved += stored
        counts.invalid += invalid
        counts.damaged += damaged
        load.save_counters(
            rows_saved=saved, rows_invalid=counts.invalid, rows_valid=saved - counts.invalid
        )
        if progress is not None:
            progress(load.upload)


def _insert_sql(load: Load, sequence: str) -> str:
    cell, values = load.cell, load.values
    nik, no_kk = cell("nik"), cell("no_kk")
    number = "s.seq"
    if load.blank:  # a header repeated in the data keeps its number, as in `Sheet.rows`
        blank = ",".join(map(str, sorted(load.blank)))
        number = f"s.seq - width_bucket(s.seq, '{{{blank}}}'::bigint[])"
    raw = "to_jsonb(ARRAY[{}]::text[])".format(", ".join(f"s.c{i}" for i in range(load.width)))
    if load.extra:
        raw = f"{raw} || coalesce(s.extra, '[]')"
    joins = [
        f"LEFT JOIN {load.lookup} ni ON ni.kind = 'nik' AND ni.t = {nik}",
        f"LEFT JOIN {load.lookup} kk ON kk.kind = 'no_kk' AND kk.t = {no_kk}",
        f"LEFT JOIN {load.lookup} bd ON bd.kind = 'born' AND bd.t = {cell('tanggal_lahir')}",
        f"LEFT JOIN {load.lookup} sx ON sx.kind = 'sex' AND sx.t = {cell('jenis_kelamin')}",
        f"LEFT JOIN {load.lookup} rt ON rt.kind = 'rt' AND rt.t = {cell('rt')}",
        f"LEFT JOIN {load.lookup} rw ON rw.kind = 'rt' AND rw.t = {cell('rw')}",
    ]
    desil, desil_problems = "NULL::smallint", "'[]'::jsonb"
    if values.carries_desil:
        joins.append(f"LEFT JOIN {load.lookup} dl ON dl.kind = 'desil' AND dl.t = {cell('desil')}")
        desil, desil_problems = "dl.num", "coalesce(dl.messages, '[]')"
    desa = "NULL::bigint"
    if values.places is not None:
        joins.append(
            f"LEFT JOIN {load.lookup} ds ON ds.kind = 'desa' AND ds.t = {cell('desa')} "
            f"AND ds.k = {cell('kecamatan')}"
        )
        desa = "ds.num"
    join_sql = "\n".join(joins)
    return f"""
        WITH stored AS (
            INSERT INTO {load.part} (id, version_id, row_number, source_id, no_kk, nik,
                name, sex, birth_date, mother_name, address, rt, rw, desa_id, desil, raw,
                problems)
            SELECT nextval('{sequence}'), {int(load.version.pk)}, {number},
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
            FROM {load.source(where="WHERE seq >= %(low)s AND seq < %(high)s")}
            {join_sql}
            RETURNING problems
        )
        SELECT count(*), count(*) FILTER (WHERE problems <> '[]'),
               -- identifier problems come first on a row
               count(*) FILTER (WHERE problems ->> 0 = ANY(%(damage)s::text[]))
        FROM stored
    """


def _clean(column: str, dates: str) -> str:
    """SQL: the cell is a clean NIK or No. KK (`Values.clean`)."""
    return (
        f"(length({column}) = 16 AND translate({column}, '{DIGITS}', '') = '' "
        f"AND right({column}, 4) <> '0000' AND substr({column}, 7, 6) = ANY(%({dates})s) "
        f"AND left({column}, 6) = ANY(%(districts)s))"
    )


def _messages(messages: list[str]) -> str | None:
    return json.dumps(messages, ensure_ascii=False) if messages else None
