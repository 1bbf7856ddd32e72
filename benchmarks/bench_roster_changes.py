"""How long comparing two versions of a million-family roster takes, on PostgreSQL.

    DEBUG=true .venv/bin/python benchmarks/bench_roster_changes.py     # builds, times, drops
    ... benchmarks/bench_roster_changes.py --keep     # leave the database; --reuse times it again

DATABASE_URL names the PostgreSQL server (default postgres://postgres@127.0.0.1:5432/postgres):
the script creates its own database (--database, default bansos_bench_roster_changes), migrates
it, loads the regions of Kabupaten Purworejo and makes two DTSEN versions of --families rows
each, every partition filled in SQL (INSERT ... SELECT generate_series) and attached as an
import does (programs.intake.bulk). The new version keeps 95.5 % of the families as they were
and plants, by (n * 7919) mod 1000: 2 % left, 1 % desil changed, 0.3 % moved desa, 0.2 % new
head (same No. KK, new NIK), and 2 % new families joined.

It times `verification.roster_changes.compare_versions(new, old)` end to end (--repeats, median
and slowest; it replaces its own rows each time) and its parts: reading both versions
(`families()` twice), the engine (`dedup.engine.changes.compare`) alone and the storing (the
same function with reading and engine replaced by their results). Floors in the same run, since
the machines here differ 2-2.5x between sessions: the five columns of both versions through a
server-side psycopg cursor, and both partitions compared in SQL (FULL OUTER JOIN on NIK).
The app runs with settings.DEBUG off (as a worker does) so Django does not log every query.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from unittest import mock

# Run as a script, this folder is on sys.path already: its neighbours import as modules.
from bench_roster_import import bench_database_url, recreate_database

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bansos.settings")

TARGET_S = 60
PERIODS = ("bench lama", "bench baru")  # the replaced version, the new one
# Buckets of (n * 7919) mod 1000: 7919 is prime to 1000, so each holds a thousandth of the rows.
PLANTED = {"left": (0, 20), "desil": (20, 30), "moved": (30, 33), "head": (33, 35)}
JOINED_PER_MILLE = 20
COLUMNS = (
    "id, version_id, row_number, source_id, no_kk, nik, name, sex, birth_date, mother_name, "
    "address, rt, rw, desa_id, desil, raw, problems"
)


def number(m: str) -> str:
    """SQL: a 16-digit NIK-shaped text for the integer m, distinct for each m: a Purworejo
    kecamatan, a date DDMMYY and a serial that is never 0000."""
    digits = [("1 + ({m}) % 16", 2), ("1 + ({m}) / 16 % 28", 2), ("1 + ({m}) / 448 % 12", 2),
              ("({m}) / 5376 % 100", 2), ("1 + ({m}) / 537600", 4)]  # fmt: skip
    return " || ".join(["'3306'"] + [f"lpad(({d.format(m=m)})::text, {w}, '0')" for d, w in digits])


def fill_sql(version: int, families: str) -> str:
    """SQL: the version's partition from `families` (n, nik_n, desil, place by row)."""
    kk, nik = number("n + 10000000"), number("nik_n")
    return f"""
        INSERT INTO programs_rosterrow_v{version} ({COLUMNS})
        SELECT nextval(pg_get_serial_sequence('programs_rosterrow', 'id')), {version},
            row_number() OVER (ORDER BY n), 'DT' || lpad(n::text, 10, '0'), kk, nik,
            'WARGA ' || n, 'L', DATE '1960-01-01' + (n % 20000)::int, 'IBU ' || n,
            'DUSUN KRAJAN', '001', '002', v.ids[1 + place % v.count], desil,
            to_jsonb(ARRAY['DT' || n, kk, nik, 'WARGA ' || n, 'LAKI-LAKI', 'DUSUN KRAJAN',
                           '001', '002', desil::text]), '[]'
        FROM (SELECT n, {kk} AS kk, {nik} AS nik, desil, place FROM ({families}) f) f,
            (SELECT array_agg(id ORDER BY id) ids, count(*) count FROM households_region
             WHERE level = 4) v
        ORDER BY n"""


def old_families(size: int) -> str:
    return (
        "SELECT n, n AS nik_n, 1 + n * 31 % 10 AS desil, n * 13 AS place "
        f"FROM generate_series(1::bigint, {size}) g(n)"
    )


def new_families(size: int) -> str:
    b = "(n * 7919 % 1000)"

    def planted_as(kind: str) -> str:
        return f"{b} >= {PLANTED[kind][0]} AND {b} < {PLANTED[kind][1]}"

    return f"""
        SELECT n, CASE WHEN {planted_as("head")} THEN n + 2 * {size} ELSE n END AS nik_n,
            CASE WHEN {planted_as("desil")} THEN (1 + n * 31 % 10) % 10 + 1
                 ELSE 1 + n * 31 % 10 END AS desil,
            CASE WHEN {planted_as("moved")} THEN n * 13 + 1 + n % 7 ELSE n * 13 END AS place
        FROM generate_series(1::bigint, {size}) g(n) WHERE NOT ({planted_as("left")})
        UNION ALL
        SELECT n, n, 1 + n * 31 % 10, n * 13
        FROM generate_series({size} + 1::bigint, {size} + {size * JOINED_PER_MILLE // 1000}) g(n)"""


def planted(size: int) -> dict[str, int]:
    buckets = [n * 7919 % 1000 for n in range(1, size + 1)]
    counts = {kind: sum(lo <= b < hi for b in buckets) for kind, (lo, hi) in PLANTED.items()}
    return {"joined": size * JOINED_PER_MILLE // 1000, **counts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", type=int, default=1_000_000, help="rows of each version")
    parser.add_argument("--database", default="bansos_bench_roster_changes")
    parser.add_argument("--keep", action="store_true", help="leave the database in place")
    parser.add_argument("--reuse", action="store_true", help="time on a kept database")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    server_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    url = bench_database_url(server_url, args.database)
    if not args.reuse:
        recreate_database(server_url, args.database)
    os.environ["DATABASE_URL"] = url
    try:
        import django
        from django.conf import settings

        django.setup()
        settings.DEBUG = False  # no query log: a worker runs without one
        if not args.reuse:
            build(args.families)
        measure(url, args.repeats)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep and not args.reuse:
            recreate_database(server_url, args.database, drop_only=True)


def build(size: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    from households.regions import load_district
    from programs.models import Program, RosterVersion

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    load_district("33.06")
    program, _ = Program.objects.get_or_create(code="DTSEN", defaults={"carries_desil": True})
    made = time.monotonic()
    for period, families in zip(PERIODS, (old_families(size), new_families(size)), strict=True):
        status = RosterVersion.Status.SUPERSEDED if period == PERIODS[0] else "active"
        version = RosterVersion.objects.create(program=program, period=period, status=status)
        pk = int(version.pk)
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TABLE programs_rosterrow_v{pk} (LIKE programs_rosterrow INCLUDING "
                f"DEFAULTS INCLUDING CONSTRAINTS, CHECK (version_id = {pk}))"
            )
            cursor.execute(fill_sql(pk, families))
            rows = cursor.rowcount
            # The parent's indexes are built on the partition as it is attached.
            cursor.execute(
                f"ALTER TABLE programs_rosterrow ATTACH PARTITION programs_rosterrow_v{pk} "
                f"FOR VALUES IN ({pk})"
            )
        RosterVersion.objects.filter(pk=pk).update(row_count=rows)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        db_size = cursor.fetchone()[0]
    print(f"built           2 x {size:,} families in {time.monotonic() - made:.0f} s "
          f"(migrate and regions {made - started:.0f} s), {db_size}")  # fmt: skip


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def timed(function, repeats: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return times, result


def show(label: str, times: list[float], note: str = "") -> float:
    median = statistics.median(times)
    print(f"{label:<34} {median:>7.2f} s {max(times):>7.2f} s   {note}")
    return median


def measure(url: str, repeats: int) -> None:
    import psycopg
    from django.db import connection

    from dedup.engine.changes import compare
    from programs.models import RosterVersion
    from verification import roster_changes
    from verification.models import RosterChange

    old, new = (RosterVersion.objects.get(period=period) for period in PERIODS)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    print(f"database        PostgreSQL {server.split()[0]}, {connection.settings_dict['NAME']}, "
          f"versions {old.pk} ({old.row_count:,} rows) -> {new.pk} ({new.row_count:,} rows), "
          f"{os.cpu_count()} cores, {repeats} repeats")  # fmt: skip
    print(f"{'step':<34} {'median':>9} {'slowest':>9}   peak RSS of the process so far")
    rss = f"{peak_rss_mb():,.0f} MB"
    print(f"{'(start)':<34} {'':>9} {'':>9}   {rss}")

    def bare_select() -> int:
        with psycopg.connect(url) as conn, conn.cursor(name="floor") as cursor:
            cursor.itersize = roster_changes.CHUNK
            cursor.execute(
                "SELECT id, no_kk, nik, desil, desa_id FROM programs_rosterrow "
                "WHERE version_id IN (%s, %s)",
                [old.pk, new.pk],
            )
            return sum(1 for _ in cursor)

    both = "(SELECT nik, desil, desa_id FROM programs_rosterrow WHERE version_id = {}) {}"
    sql_compare = (
        "SELECT count(*) FILTER (WHERE n.nik IS NULL), count(*) FILTER (WHERE o.nik IS NULL), "
        "count(*) FILTER (WHERE o.desil <> n.desil), count(*) FILTER (WHERE o.desa_id <> n.desa_id)"
        f" FROM {both.format(int(old.pk), 'o')} FULL OUTER JOIN {both.format(int(new.pk), 'n')}"
        " ON o.nik = n.nik"
    )

    def in_sql() -> tuple:
        with connection.cursor() as cursor:
            cursor.execute(sql_compare)
            return cursor.fetchone()

    times, rows = timed(bare_select, repeats)
    show("floor: bare SELECT, server cursor", times, f"{rows:,} rows; {peak_rss_mb():,.0f} MB")
    times, found = timed(in_sql, repeats)
    note = "left {:,}, joined {:,}, desil {:,}, moved {:,} (by NIK alone)".format(*found)
    show("floor: FULL OUTER JOIN on NIK", times, note)

    times, counts = timed(lambda: roster_changes.compare_versions(new, old), repeats)
    median = show("compare_versions end to end", times, f"{peak_rss_mb():,.0f} MB")
    stored = RosterChange.objects.filter(version=new).count()

    times, (before, after) = timed(
        lambda: (roster_changes.families(old), roster_changes.families(new)), repeats
    )
    show("part: read both (families() x2)", times, f"{peak_rss_mb():,.0f} MB")
    times, changes = timed(lambda: compare(before, after), repeats)
    show("part: engine compare()", times, f"{len(changes):,} changes; {peak_rss_mb():,.0f} MB")
    with (
        mock.patch.object(roster_changes, "families", side_effect=[before, after] * repeats),
        mock.patch.object(roster_changes, "compare", return_value=changes),
    ):
        times, _ = timed(lambda: roster_changes.compare_versions(new, old), repeats)
    show("part: store (delete + bulk_create)", times, f"{peak_rss_mb():,.0f} MB")
    print(f"target          < {TARGET_S} s end to end: "
          f"{'met' if median < TARGET_S else 'NOT met'} ({median:.1f} s median)")  # fmt: skip
    expected = planted(old.row_count)
    print(f"{'kind':<10} {'planted':>9} {'found':>9}")
    for kind in ("joined", "left", "desil", "moved", "head"):
        mark = "" if expected[kind] == counts.get(kind, 0) else "  <- differs"
        print(f"{kind:<10} {expected[kind]:>9,} {counts.get(kind, 0):>9,}{mark}")
    print(f"stored     {sum(expected.values()):>9,} {stored:>9,}")


if __name__ == "__main__":
    main()
