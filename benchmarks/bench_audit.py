"""How fast the audit trail page's query answers at a province's size, on PostgreSQL.

    DEBUG=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/bansos \\
        .venv/bin/python benchmarks/bench_audit.py            # builds, times, drops the database
    ... benchmarks/bench_audit.py --keep      # leave it (EXPLAIN); --reuse times a kept one again
    ... benchmarks/bench_audit.py --index     # then time again with the indexes of INDEXES

The script creates its own database (--database, default bansos_bench_audit), migrates it,
loads the regions of Kabupaten Purworejo and fills it in SQL (INSERT ... SELECT
generate_series) with a province's year, every log written in time order as the app writes it:
2,000,000 sign-ins, 50,000 failed sign-ins (a tenth locked out), 500,000 full numbers shown (of
5,000 households), 300,000 downloads, 20,000 users with three history rows each, 3,000 roster
and 3,000 proposal uploads (a third of the files deleted), 2,000 recipient lists (nine in ten
approved) and 3,000 exports. Then VACUUM ANALYZE, as autovacuum would have.

It times the page as `audit.views.trail` builds it (`events(Filters(...))`, Paginator of 50,
`get_page(n)` - the COUNT of the union - and `list(page)` - its LIMIT/OFFSET slice): a warm-up,
then --repeats times, median and slowest, beside a floor measured just before it (the sign-ins
alone over the same days: `SELECT count(*)` and `ORDER BY attempt_time DESC LIMIT 50`), since
the machines here differ 2-2.5x between sessions. "Today" is the day of the newest sign-in, so a
kept database times the same windows later. Last, EXPLAIN ANALYZE of the default page's queries
and of the slowest case's. --index then adds INDEXES (this database only), times again and
drops them: the evidence for `audit/migrations/0001_sign_in_indexes.py`, which now creates the
sign-ins' time and username indexes in every installation (a database built since has them).
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

# Run as a script, this folder is on sys.path already: its neighbours import as modules.
from bench_roster_import import bench_database_url, recreate_database

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bansos.settings")

SIZES = {
    "sign_ins": 2_000_000, "failures": 50_000, "reveals": 500_000, "downloads": 300_000,
    "users": 20_000, "households": 5_000, "uploads": 3_000, "rounds": 200, "exports": 3_000,
}  # fmt: skip
PERSON = "user01234"
TARGET_MS = 1_000  # the default page (the last 30 days), count and rows together
# What --index tries: not migrations, only this database's, dropped again after timing.
INDEXES = {
    "axes_accesslog (attempt_time)": "CREATE INDEX bench_al_time ON axes_accesslog (attempt_time)",
    "axes_accessfailurelog (attempt_time)":
        "CREATE INDEX bench_afl_time ON axes_accessfailurelog (attempt_time)",
    "axes_accesslog, trigrams of UPPER(username)": "CREATE INDEX bench_al_user ON axes_accesslog "
        "USING gin (upper(username::text) gin_trgm_ops)",  # what icontains asks for
}  # fmt: skip

# Each statement gets SIZES and start (a year before now) as parameters; u0/h0/r0 are the first
# user, household and round ids, filled in once those exist.
FILL = [
    """INSERT INTO households_user (password, is_superuser, username, first_name, last_name,
        email, is_staff, is_active, date_joined, role, must_change_password, phone, two_factor)
    SELECT '!', false, 'user' || lpad(n::text, 5, '0'), '', '', '', false, true,
        %(start)s - random() * interval '3 years',
        (ARRAY['staff', 'village', 'agency', 'kecamatan', 'desk'])[1 + n / 4001], false, '', false
    FROM generate_series(1, %(users)s) n""",
    """INSERT INTO households_household (no_kk, head_nik, head_name, head_name_folded, head_sex,
        address, rt, rw, created_at, updated_at, desa_id)
    SELECT (3306100000000000 + n)::text, (3306000000000000 + n)::text, 'WARGA ' || n,
        'WARGA ' || n, 'L', 'DUSUN KRAJAN', '001', '002', %(start)s, %(start)s,
        (SELECT id FROM households_region WHERE level = 4 ORDER BY id LIMIT 1 OFFSET mod(n, 400))
    FROM generate_series(1, %(households)s) n""",
    """INSERT INTO households_historicaluser (id, is_superuser, username, first_name, last_name,
        email, is_staff, is_active, date_joined, role, must_change_password, history_date,
        history_type, history_user_id, phone, two_factor)
    SELECT u.id, false, u.username, '', '', '', false, k < 3, u.date_joined, u.role, false,
        %(start)s + random() * interval '365 days', (ARRAY['+', '~', '~'])[k],
        %(u0)s + floor(random() * 50)::int, '', false
    FROM households_user u CROSS JOIN generate_series(1, 3) k ORDER BY 12""",
    """INSERT INTO axes_accesslog (user_agent, ip_address, username, http_accept, path_info,
        attempt_time, session_hash)
    SELECT 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0',
        ('10.' || mod(n, 250) || '.' || mod(n / 250, 250) || '.' || 1 + mod(n, 199))::inet,
        'user' || lpad((1 + floor(random() * %(users)s))::text, 5, '0'), 'text/html',
        '/login/', %(start)s + n * interval '365 days' / %(sign_ins)s, md5(n::text)
    FROM generate_series(1, %(sign_ins)s) n""",
    """INSERT INTO axes_accessfailurelog (user_agent, ip_address, username, http_accept,
        path_info, attempt_time, locked_out)
    SELECT 'Mozilla/5.0 (Linux; Android 14) Chrome/131.0',
        ('10.9.' || mod(n / 250, 250) || '.' || 1 + mod(n, 199))::inet,
        'user' || lpad((1 + floor(random() * %(users)s))::text, 5, '0'), 'text/html',
        '/login/', %(start)s + n * interval '365 days' / %(failures)s, random() < 0.1
    FROM generate_series(1, %(failures)s) n""",
    """INSERT INTO households_idreveal (field, at, household_id, user_id)
    SELECT (ARRAY['nik', 'no_kk'])[1 + mod(n, 2)],
        %(start)s + n * interval '365 days' / %(reveals)s,
        %(h0)s + floor(random() * %(households)s)::int, %(u0)s + floor(random() * %(users)s)::int
    FROM generate_series(1, %(reveals)s) n""",
    """INSERT INTO households_download (at, kind, label, rows, purpose, user_id)
    SELECT %(start)s + n * interval '365 days' / %(downloads)s,
        (ARRAY['rejected', 'cross_check', 'jps_returned', 'attachment', 'accounts', 'audit'])
            [1 + mod(n, 6)],
        'Kecamatan ' || mod(n, 16) || ' / upload ' || n, floor(random() * 5000)::int,
        'correcting the returned families', %(u0)s + floor(random() * %(users)s)::int
    FROM generate_series(1, %(downloads)s) n""",
    """INSERT INTO programs_upload (kind, status, file, filename, size, sha256, rows_read,
        rows_valid, rows_invalid, rows_known, rows_saved, summary, problems, error, created_at,
        finished_at, uploaded_by_id, attempts, file_deleted_at)
    SELECT (ARRAY['roster', 'proposal'])[1 + mod(n, 2)], 'done', 'uploads/2026/01/f' || n,
        'daftar-' || n || '.xlsx', 100000, md5(n::text), 900, 890, 10, 0, 890, '{}', '[]', '',
        %(start)s + n * interval '365 days' / (2 * %(uploads)s), NULL,
        %(u0)s + floor(random() * 50)::int, 0,
        CASE WHEN mod(n, 3) = 0 THEN %(start)s + (n + 1000) * interval '365 days'
            / (2 * %(uploads)s + 1000) END
    FROM generate_series(1, 2 * %(uploads)s) n""",
    """INSERT INTO programs_allocationround (name, created_at, created_by_id, allowed_pairs,
        kecamatan_shares, "order", overrides, revision, save_error, save_attempts)
    SELECT 'Putaran ' || n, %(start)s, %(u0)s, '[]', false, '[]', '{}', 1, '', 0
    FROM generate_series(1, %(rounds)s) n""",
    """INSERT INTO programs_recipientlist (phase, version, reason, approved_at, approved_by_id,
        prepared_by_id, round_id, target_id)
    SELECT NULL, v, 'perbaikan data', CASE WHEN v < 5 OR mod(r, 2) = 0 THEN
        %(start)s + (r * 10 + v * 2 + t) * interval '365 days' / (%(rounds)s * 10 + 20) END,
        %(u0)s + 1, %(u0)s, %(r0)s + r, p.id
    FROM generate_series(0, %(rounds)s - 1) r, generate_series(1, 5) v,
        (SELECT id, row_number() OVER (ORDER BY id) t FROM programs_program LIMIT 2) p""",
    """INSERT INTO programs_listexport (layout, purpose, exported_at, rows, exported_by_id,
        recipients_id)
    SELECT 'kecamatan', 'penyaluran', %(start)s + n * interval '365 days' / %(exports)s, 900,
        %(u0)s + floor(random() * 50)::int,
        (SELECT id FROM programs_recipientlist WHERE approved_at IS NOT NULL
         ORDER BY id LIMIT 1 OFFSET mod(n, 1500))
    FROM generate_series(1, %(exports)s) n""",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="bansos_bench_audit", help="created and dropped")
    parser.add_argument("--keep", action="store_true", help="leave the database in place")
    parser.add_argument("--reuse", action="store_true", help="time on a kept database")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--index", action="store_true", help="then time again with INDEXES")
    args = parser.parse_args()

    server_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    url = bench_database_url(server_url, args.database)
    if not args.reuse:
        recreate_database(server_url, args.database)
    os.environ["DATABASE_URL"] = url
    try:
        import django

        django.setup()
        if not args.reuse:
            build()
        measure(args.repeats)
        if args.index:
            with_indexes(args.repeats)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep and not args.reuse:
            recreate_database(server_url, args.database, drop_only=True)


def build() -> None:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from households.regions import load_district

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    load_district("33.06")
    params = {**SIZES, "start": timezone.now() - datetime.timedelta(days=365)}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.2026)")
        for statement in FILL:
            for name, table in [("u0", "households_user"), ("h0", "households_household"),
                                ("r0", "programs_allocationround")]:  # fmt: skip
                cursor.execute(f"SELECT coalesce(min(id), 0) FROM {table}")
                params[name] = cursor.fetchone()[0]
            cursor.execute(statement, params)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
    print(f"built           {SIZES['sign_ins']:,} sign-ins and the rest in "
          f"{time.monotonic() - started:.0f} s, {size}")  # fmt: skip


def page_of(filters, number: int):
    """The view's work: the count (in get_page), then the page's rows."""
    from django.core.paginator import Paginator

    from audit.events import events

    started = time.perf_counter()
    page = Paginator(events(filters), 50).get_page(number)
    counted = time.perf_counter()
    rows = list(page)
    return (counted - started) * 1000, (time.perf_counter() - counted) * 1000, page, rows


def cases():
    from axes.models import AccessLog
    from django.utils import timezone

    from audit.events import Filters

    newest = AccessLog.objects.order_by("-id").values_list("attempt_time", flat=True).first()
    today = timezone.localdate(newest)
    month, year = today - datetime.timedelta(days=30), today - datetime.timedelta(days=365)
    return today, [  # label, filters, page, the floor's first day
        ("last 30 days (default)", Filters(since=month), 1, month),
        ("no date filter", Filters(), 1, None),
        (f"one person ({PERSON}), a year", Filters(person=PERSON, since=year), 1, year),
        ("one kind (reveal), a year", Filters(kind="reveal", since=year), 1, year),
        ("last 30 days, page 1000", Filters(since=month), 1000, month),
    ]


def floor(since, repeats: int) -> float:
    """The sign-ins alone over the same days: their count, and the newest 50 (median ms)."""
    from axes.models import AccessLog
    from django.utils import timezone

    logs = AccessLog.objects.all()
    if since:
        start = datetime.datetime.combine(since, datetime.time(), timezone.get_current_timezone())
        logs = logs.filter(attempt_time__gte=start)
    top = logs.order_by("-attempt_time").values("attempt_time", "username", "ip_address")
    times = []
    for _ in range(repeats + 1):  # a warm-up first
        started = time.perf_counter()
        logs.count(), list(top[:50])
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times[1:])


def measure(repeats: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    today, todo = cases()
    print(f"database        PostgreSQL {server.split()[0]}, {connection.settings_dict['NAME']}, "
          f"today {today:%d-%m-%Y}, {repeats} repeats after a warm-up")  # fmt: skip
    print(f"{'case':<34} {'events':>9} {'median':>8} {'slowest':>8} {'count':>7} "
          f"{'rows':>7} {'floor':>7} {'x floor':>7}")  # fmt: skip
    medians = {}
    for label, filters, number, since in todo:
        base = floor(since, repeats)  # just before, the machine's pace changes within a run
        runs = [page_of(filters, number) for _ in range(repeats + 1)][1:]  # after a warm-up
        times = [count + slice_ for count, slice_, *_ in runs]
        count_ms = statistics.median(run[0] for run in runs)
        rows_ms = statistics.median(run[1] for run in runs)
        page, rows = runs[-1][2:]
        assert len(rows) == 50 and page.number == number, (len(rows), page.number)
        median = medians[label] = statistics.median(times)
        print(
            f"{label:<34} {page.paginator.count:>9,} {median:>6.0f} ms {max(times):>5.0f} ms "
            f"{count_ms:>4.0f} ms {rows_ms:>4.0f} ms {base:>4.0f} ms {median / base:>6.1f}x"
        )
    default = todo[0][0]
    verdict = "met" if medians[default] < TARGET_MS else "NOT met"
    print(f"target          < {TARGET_MS} ms for the default page: {verdict}")
    slowest = max(medians, key=medians.get)
    for label, filters, number, _since in todo:
        if label in (default, slowest):
            explain(label, filters, number)


def explain(label: str, filters, number: int) -> None:
    """EXPLAIN ANALYZE of the page's two queries: total time, the big tables' scans, the sort."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        page_of(filters, number)
    print(f"EXPLAIN ANALYZE, {label}:")
    for what, query in zip(("count", "page"), queries.captured_queries, strict=True):
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            plan = [row[0].strip() for row in cursor.fetchall()]
        print(f"  {what}: {plan[-1]}")
        shown = False  # the sign-ins' scan and its details; the sort of the whole union
        for line in plan:
            detail = line.startswith(("Filter", "Rows Removed", "Index Cond", "Heap Fetches"))
            shown = " on axes_accesslog " in line or (shown and detail)
            if shown or line.startswith(("Sort Method: top-N", "Sort Method: external")):
                print(f"    {line[:140]}")


def with_indexes(repeats: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for name, statement in INDEXES.items():
            started = time.monotonic()
            cursor.execute(statement)
            print(f"index           {name}: built in {time.monotonic() - started:.1f} s")
        cursor.execute("ANALYZE axes_accesslog, axes_accessfailurelog")
    try:
        measure(repeats)
    finally:
        with connection.cursor() as cursor:
            for statement in INDEXES.values():
                cursor.execute(f"DROP INDEX IF EXISTS {statement.split()[2]}")


if __name__ == "__main__":
    main()
