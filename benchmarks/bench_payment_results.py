"""How long reading a bank's result file for a tranche takes, on PostgreSQL.

    DEBUG=true .venv/bin/python benchmarks/bench_payment_results.py     # builds, times, drops
    ... benchmarks/bench_payment_results.py --keep     # leave the database; --reuse times it again
    ... benchmarks/bench_payment_results.py --lines 20000     # a quick check
    ... benchmarks/bench_payment_results.py --reuse --formats csv --profile   # where it goes

DATABASE_URL names the PostgreSQL server (default postgres://postgres@127.0.0.1:5432/postgres):
the script creates its own database (--database, default bansos_bench_payments), migrates it,
loads the regions of Kabupaten Purworejo and builds, in a process of its own: one tranche of an
approved list of --lines minus 500 families (499,500 at the default 500,000 lines), each a
Household (head with valid NIK and No. KK from `demo.people`), an approved Allocation, a
ListEntry of the approved RecipientList and a Payment of Rp 250,000 (status "planned"), all
inserted by COPY (`bansos.bulk.insert_rows`) with the values `add_tranche` gives (checked: the
build runs the real `add_tranche` on 50 of the families and compares every field). Then it
writes the bank's result file, as .csv and as .xlsx (openpyxl), into /tmp/bansos-bench-payments/:
two title rows, a blank row, the header NO, NIK, NO KK, NAMA, NO REKENING, NOMINAL ("250.000"),
STATUS, KETERANGAN, and one line a family in the order of the payment file (kecamatan, desa,
name).

Planted (at 500,000 lines; scaled with --lines): 2 % GAGAL with the bank's reason, 1 % RETUR,
1 % TIDAK DIAMBIL; 500 lines with the NIK mistyped by one digit anywhere (same name and amount;
250 with the family's No. KK, 250 without; never onto a NIK someone holds); 200 families
listed twice (the same line again further down); 300 people of Purworejo not in the tranche
(NIK and No. KK of their own: most are one slip from some family's number, as the district's
numbers are dense); 100 lines with a status word the code does not know (DALAM PROSES,
PENDING...). Every other line BERHASIL, NIK exact.
`bench_planted` in the database keeps what each line should become.

It times `distribution.results.read_result(upload)` end to end (--repeats, median and slowest)
for a ResultImport whose file is stored through Django's storage (MEDIA_ROOT in a temporary
folder), each run on fresh payments (lines, statuses and history reset, VACUUM ANALYZE), each
format in a process of its own (so its peak RSS, VmHWM, is its own). The steps are timed
inside the same runs from wrappers around the module's own calls (open_sheet's rows,
match_lines, the lines' insert_rows or bulk_create, _apply; bulk_update and the history's
bulk_history_create when _apply goes through them), and every query is counted by kind and
timed (the UPDATE of payments and INSERT of history rows give _apply's parts). Floors in the
same run, since the machines here differ 2-2.5x between sessions: the file read bare
(csv.reader; calamine's load for .xlsx), and PostgreSQL alone doing the same volume: COPY of
the file's lines into a text table, then in SQL the lines stored with their exact-NIK payment,
the payments' statuses set and one history row each, foreign keys checked (rolled back).
Then every line of the last run is checked against the plant. A mistyped NIK the matcher left
unmatched (another family one slip away under a name alike) is left for a person: right only
when `results.candidates(line)` offers the planted family (timed apart, after read_result);
its payment stays "planned". --profile runs once more under cProfile. The app runs with
settings.DEBUG off (as a worker does). Exits non-zero when a line or a payment is not what the
plant says.

Target (issue): a 500,000-line bank result file matched and stored in under 30 s on a 2-core
machine with PostgreSQL.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import cProfile
import csv
import datetime
import hashlib
import io
import json
import os
import pstats
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

# Run as a script, this folder is on sys.path already: its neighbours import as modules.
from bench_roster_import import bench_database_url, recreate_database
from bench_roster_import import peak_rss_mb as ru_maxrss_mb

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bansos.settings")

TARGET_S = 30
FULL_LINES = 500_000
AMOUNT = 250_000
FILES_DIR = Path(tempfile.gettempdir()) / "bansos-bench-payments"
# Planted at 500,000 lines: lines of each kind (the rest "paid", NIK exact, BERHASIL).
PLANT_AT_FULL = {
    "failed": 10_000,
    "returned": 5_000,
    "unclaimed": 5_000,
    "slip_kk": 250,  # NIK one digit off, the family's No. KK on the line
    "slip_nokk": 250,  # NIK one digit off, No. KK blank
    "unknown": 100,  # a status word the code does not know
    "twice": 200,  # a family's second line
    "stranger": 300,  # nobody of the tranche
}
KINDS = ("paid", *PLANT_AT_FULL)
HEADER = ["NO", "NIK", "NO KK", "NAMA", "NO REKENING", "NOMINAL", "STATUS", "KETERANGAN"]
TITLES = [["LAPORAN HASIL PENYALURAN BANTUAN SOSIAL PROVINSI TAHAP JULI 2026"],
          ["PT BANK PEMBANGUNAN DAERAH JAWA TENGAH - CABANG PURWOREJO"], []]  # fmt: skip
WORDS = {"paid": "BERHASIL", "failed": "GAGAL", "returned": "RETUR", "unclaimed": "TIDAK DIAMBIL"}
REASONS = {
    "failed": ["REKENING TIDAK AKTIF", "REKENING PASIF (DORMANT)", "REKENING DITUTUP",
               "NAMA TIDAK SESUAI DENGAN NAMA REKENING", "NOMOR REKENING TIDAK DITEMUKAN",
               "REKENING DIBLOKIR", "NIK TIDAK SESUAI DATA DUKCAPIL", "REKENING DIBEKUKAN"],
    "returned": ["DANA DIKEMBALIKAN KE RKUD", "RETUR - PENERIMA MENINGGAL DUNIA",
                 "RETUR - PENERIMA PINDAH DOMISILI", "RETUR ATAS PERMINTAAN DINSOS"],
    "unclaimed": ["TIDAK DIAMBIL S.D. BATAS WAKTU PENCAIRAN", "PENERIMA TIDAK HADIR",
                  "BUKU TABUNGAN BELUM DIAMBIL"],
}  # fmt: skip
UNKNOWN_WORDS = ["DALAM PROSES", "PENDING", "ON PROCESS", "MENUNGGU OTORISASI", "SUSPEND"]
# What the payment should say after the file, by the kind of its (first) line.
PAYMENT_STATUS = {"paid": "paid", "failed": "failed", "returned": "returned",
                  "unclaimed": "unclaimed", "slip_kk": "paid", "slip_nokk": "paid",
                  "unknown": "planned"}  # fmt: skip
OUTCOME = {"twice": "twice", "stranger": "unmatched", "unknown": "unreadable"}  # else matched
STEPS = (
    ("read", "read the file into ResultLines"),
    ("payments", "load the tranche's payments"),
    ("match", "match_lines()"),
    ("outcomes", "outcomes, doubts, delete old lines"),
    ("store", "store the lines"),
    ("apply", "_apply() (payments and history)"),
    ("apply_update", "  _apply: in UPDATE of payments (execute)"),
    ("apply_history", "  _apply: in INSERT of history (execute)"),
    ("apply_rest", "  _apply: the rest (Python, COPY, reads)"),
    ("finish", "counts, upload saved, commit"),
)
# Shown only when _apply goes through them (its former path: Django's bulk_update, the
# history rows built and bulk_created).
OPTIONAL_STEPS = (
    ("update", "  _apply: of it, bulk_update (Django)"),
    ("history_build", "  _apply: of it, history rows built"),
    ("history_insert", "  _apply: of it, history bulk_create"),
)


def peak_rss_mb() -> float:
    """The process's own peak RSS (VmHWM). Not ru_maxrss: a child started by subprocess
    (vfork, exec) inherits the parent's high-water mark in it."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return ru_maxrss_mb()


def planted_counts(lines: int) -> dict[str, int]:
    counts = {k: max(1, round(n * lines / FULL_LINES)) for k, n in PLANT_AT_FULL.items()}
    counts["paid"] = lines - sum(counts.values())
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=FULL_LINES, help="data lines of the file")
    parser.add_argument("--formats", default="csv,xlsx", help="csv, xlsx or both (csv,xlsx)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database", default="bansos_bench_payments")
    parser.add_argument("--keep", action="store_true", help="leave the database in place")
    parser.add_argument("--reuse", action="store_true", help="time on a kept database")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-floor", action="store_true", help="skip the floors")
    parser.add_argument("--profile", action="store_true", help="one more run under cProfile")
    parser.add_argument("--profile-out", help="keep the profile in this file")
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)  # a child
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # a child: one format
    parser.add_argument("--summary", help=argparse.SUPPRESS)  # where the child writes its JSON
    args = parser.parse_args()
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    if not set(formats) <= {"csv", "xlsx"}:
        sys.exit("--formats: csv, xlsx or csv,xlsx")

    server_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    url = bench_database_url(server_url, args.database)
    if args.build_only:
        os.environ["DATABASE_URL"] = url
        import django

        django.setup()
        build(args, formats)
        return
    if args.measure:
        media = tempfile.mkdtemp(prefix="bansos-bench-media-")
        os.environ.update(DATABASE_URL=url, MEDIA_ROOT=media)
        try:
            import django
            from django.conf import settings

            django.setup()
            settings.DEBUG = False  # no query log: a worker runs without one
            ok = measure(args, args.measure)
        finally:
            shutil.rmtree(media, ignore_errors=True)
        sys.exit(0 if ok else 1)

    if not args.reuse:
        recreate_database(server_url, args.database)
    ok = True
    summaries: dict[str, dict] = {}
    try:
        if not args.reuse:
            child = [sys.executable, str(Path(__file__).resolve()), "--build-only"]
            child += ["--database", args.database, "--lines", str(args.lines)]
            child += ["--seed", str(args.seed), "--formats", ",".join(formats)]
            subprocess.run(child, check=True, env={**os.environ, "DATABASE_URL": server_url})
        os.environ["DATABASE_URL"] = url
        import django
        from django.conf import settings

        django.setup()
        settings.DEBUG = False
        if args.reuse:  # the app may have moved on since the database was kept
            from django.core.management import call_command

            call_command("migrate", verbosity=0)
        meta = read_meta()
        print(f"database        {args.database}: {meta['families']:,} payments in tranche "
              f"{meta['tranche']}, files of {meta['lines']:,} lines, {os.cpu_count()} cores, "
              f"{args.repeats} repeats", flush=True)  # fmt: skip
        floors = {} if args.no_floor else floor(url, meta, formats, args.repeats)
        for fmt in formats:
            out = Path(tempfile.mkstemp(suffix=".json")[1])
            child = [sys.executable, str(Path(__file__).resolve()), "--measure", fmt]
            child += ["--database", args.database, "--repeats", str(args.repeats)]
            child += ["--summary", str(out)]
            if args.profile:
                child += ["--profile"] + (["--profile-out", args.profile_out] if args.profile_out
                                          else [])  # fmt: skip
            done = subprocess.run(child, env={**os.environ, "DATABASE_URL": server_url})
            ok = ok and done.returncode == 0
            if out.stat().st_size:
                summaries[fmt] = json.loads(out.read_text())
            out.unlink()
        summary(meta, floors, summaries)
    finally:
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        if not args.keep and not args.reuse:
            recreate_database(server_url, args.database, drop_only=True)
            shutil.rmtree(FILES_DIR / args.database, ignore_errors=True)
    sys.exit(0 if ok else 1)


# --- the data -----------------------------------------------------------------------------


def one_slip(number: str) -> set[str]:
    """Every number one slip from `number`: a digit typed wrong, two neighbours swapped (what
    the engine calls one digit off)."""
    found = set()
    for at, digit in enumerate(number):
        for other in "0123456789":
            if other != digit:
                found.add(number[:at] + other + number[at + 1 :])
    for at in range(len(number) - 1):
        if number[at] != number[at + 1]:
            found.add(number[:at] + number[at + 1] + number[at] + number[at + 2 :])
    return found


def slipped(
    nik: str, rng: random.Random, niks: set[int], family_niks: set[int], stats: collections.Counter
) -> str:
    """The NIK with one digit typed wrong, anywhere: a number nobody holds (a slip onto another
    family's very NIK is that family's line for any reader). Counted: slips that land one slip
    from another family's NIK as well (alike only if that family's name is alike too)."""
    while True:
        at = rng.randrange(16)
        other = nik[:at] + rng.choice([d for d in "0123456789" if d != nik[at]]) + nik[at + 1 :]
        if int(other) in niks:
            stats["slip onto a NIK someone holds, drawn again"] += 1
            continue
        niks.add(int(other))
        if ({int(n) for n in one_slip(other)} & family_niks) - {int(nik)}:
            stats["slip also one slip from another family's NIK"] += 1
        return other


def build(args, formats: list[str]) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from bansos.bulk import insert_rows
    from demo.names import DUSUN
    from demo.people import People
    from distribution import payments as payments_module
    from distribution.models import Payment, Tranche
    from households.address import tidy_name
    from households.identity import check_nik
    from households.models import Household, Region, User
    from households.regions import load_district
    from programs.models import Allocation, AllocationRound, ListEntry, Program, RecipientList

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    load_district("33.06")
    migrated = time.monotonic()
    rng = random.Random(args.seed)
    counts = planted_counts(args.lines)
    n_families = args.lines - counts["twice"] - counts["stranger"]
    villages = list(Region.objects.filter(level=Region.Level.VILLAGE).select_related("parent"))
    villages.sort(key=lambda v: v.code)
    kecamatan = sorted({v.code.replace(".", "")[:6] for v in villages})
    dusun = {v.pk: rng.sample(DUSUN, rng.randint(3, 7)) for v in villages}
    people = People(rng, kecamatan, set())
    families = []
    for _ in range(n_families):
        place = rng.choice(villages)
        families.append(people.family(place, dusun[place.pk]))
    # The order of the payment file: kecamatan, desa, name.
    families.sort(key=lambda f: (f.desa.parent.name, f.desa.name, f.head.name))
    made = time.monotonic()

    now = timezone.now()
    staff = User.objects.create(username="staf", role=User.Role.STAFF)
    head = User.objects.create(username="kadinsos", role=User.Role.HEAD)
    with transaction.atomic():
        insert_rows(
            Household,
            (
                {"no_kk": f.no_kk, "head_nik": f.head.nik, "head_name": f.head.name,
                 "head_name_folded": tidy_name(f.head.name), "head_sex": f.head.sex,
                 "head_birth_date": f.head.born, "address": f.address, "rt": f.rt, "rw": f.rw,
                 "desa_id": f.desa.pk, "status": "active", "created_at": now, "updated_at": now}
                for f in families
            ),
        )  # fmt: skip
        household = dict(Household.objects.values_list("head_nik", "pk"))
        province = Program.objects.get(code="BANSOSPROV")
        round_ = AllocationRound.objects.create(name="Bansos Provinsi 2026", created_by=staff)
        round_.targets.create(program=province, places=n_families, position=0)
        insert_rows(
            Allocation,
            ({"round_id": round_.pk, "household_id": household[f.head.nik],
              "target_id": province.pk, "status": "approved"} for f in families),
        )  # fmt: skip
        allocation = dict(Allocation.objects.values_list("household_id", "pk"))
        recipients = RecipientList.objects.create(
            round=round_, target=province, prepared_by=staff, approved_by=head,
            approved_at=now, decree_number="400.9/1234/2026",
            decree_date=datetime.date(2026, 6, 30),
        )  # fmt: skip

        def entry(f, recipients_id: int) -> dict:
            pk = household[f.head.nik]
            return {"recipients_id": recipients_id, "allocation_id": allocation[pk],
                    "household_id": pk, "nik": f.head.nik, "no_kk": f.no_kk, "name": f.head.name,
                    "sex": f.head.sex, "birth_date": f.head.born, "address": f.address,
                    "rt": f.rt, "rw": f.rw, "desa_id": f.desa.pk}  # fmt: skip

        insert_rows(ListEntry, (entry(f, recipients.pk) for f in families))
        entry_of = dict(recipients.entries.values_list("household_id", "pk"))
        tranche = Tranche.objects.create(
            recipients=recipients, number=1, label="Juli 2026", amount=AMOUNT,
            funding="apbd_kab", channel="bank", created_by=staff,
        )  # fmt: skip
        # What add_tranche makes: one payment a family, in the order of the list's entries.
        insert_rows(
            Payment,
            ({"tranche_id": tranche.pk, "household_id": household[f.head.nik],
              "entry_id": entry_of[household[f.head.nik]], "desa_id": f.desa.pk,
              "name": f.head.name, "nik": f.head.nik, "no_kk": f.no_kk, "account": "",
              "amount": AMOUNT, "arrears": 0, "funding": "apbd_kab", "status": "planned",
              "reason": "", "paid_with_id": None, "updated_at": now}
             for f in sorted(families, key=lambda f: entry_of[household[f.head.nik]])),
        )  # fmt: skip
        payment_of = dict(tranche.payments.values_list("household_id", "pk"))

    # The real add_tranche on 50 of the families (a list of their own), compared field by field.
    sample = rng.sample(families, min(50, len(families)))
    # A list of its own (phase 1): add_tranche follows a list's versions, not this one's.
    check_list = RecipientList.objects.create(
        round=round_, target=province, phase=1, reason="cek", prepared_by=staff,
        approved_by=head, approved_at=now,
    )  # fmt: skip
    insert_rows(ListEntry, (entry(f, check_list.pk) for f in sample))
    real = payments_module.add_tranche(
        check_list, label="Juli 2026", amount=AMOUNT, funding="apbd_kab", channel="bank", by=staff
    )
    compared = ("household_id", "desa_id", "name", "nik", "no_kk", "account", "amount",
                "arrears", "funding", "status", "reason", "paid_with_id")  # fmt: skip
    theirs = {p[0]: p for p in real.payments.values_list(*compared)}
    ours = {
        p[0]: p for p in tranche.payments.filter(household_id__in=theirs).values_list(*compared)
    }
    same = sum(theirs[h] == ours.get(h) for h in theirs)
    real.delete()
    check_list.delete()
    print(f"add_tranche     on {len(theirs)} of the families: {same} payments equal to the "
          f"bench's rows in {', '.join(compared)}", flush=True)  # fmt: skip
    if same != len(theirs):
        sys.exit("the bench's payments are not what add_tranche makes")

    # The lines: each family once (its kind), the twice families again, the strangers.
    stats: collections.Counter = collections.Counter()
    order = list(range(n_families))
    rng.shuffle(order)
    kind_of = ["paid"] * n_families
    at = 0
    for kind in ("failed", "returned", "unclaimed", "slip_kk", "slip_nokk", "unknown", "twice"):
        for i in order[at : at + counts[kind]]:
            kind_of[i] = kind
        at += counts[kind]
    family_niks = {int(f.head.nik) for f in families}
    family_kks = {int(f.no_kk) for f in families}
    lines = []  # (sort key, kind, family index or None, NIK, No. KK, name, account, word, reason)
    for i, f in enumerate(families):
        kind, nik, kk = kind_of[i], f.head.nik, f.no_kk
        word, reason = WORDS.get(kind, "BERHASIL"), ""
        if kind in REASONS:
            reason = rng.choice(REASONS[kind])
        elif kind in ("slip_kk", "slip_nokk"):
            nik = slipped(nik, rng, people.niks, family_niks, stats)
            stats[f"{kind}: slipped NIK still valid"] += not check_nik(nik).errors
            kk = kk if kind == "slip_kk" else ""
        elif kind == "unknown":
            word = rng.choice(UNKNOWN_WORDS)
        account = f"{rng.choice(['1', '2', '3'])}-{rng.randrange(10**9):09d}"
        line = (float(i), "paid" if kind == "twice" else kind, i, nik, kk, f.head.name, account,
                word, reason)  # fmt: skip
        lines.append(line)
        if kind == "twice":  # the same line again, further down the file
            lines.append((rng.uniform(i, n_families), "twice", *line[2:]))
    for _ in range(counts["stranger"]):
        person = people.person(rng.choice("LLP"), (1945, 2000), rng.choice(kecamatan))
        kk = people.no_kk(person.nik[:6])
        if {int(n) for n in one_slip(person.nik)} & family_niks:
            stats["stranger one slip from a family's NIK"] += 1
        if {int(n) for n in one_slip(kk)} & family_kks:
            stats["stranger one slip from a family's No. KK"] += 1
        account = f"{rng.choice(['1', '2', '3'])}-{rng.randrange(10**9):09d}"
        lines.append((rng.uniform(0, n_families), "stranger", None, person.nik, kk,
                      people.titled(person), account, "BERHASIL", ""))  # fmt: skip
    lines.sort(key=lambda line: line[0])
    assert len(lines) == args.lines

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_planted (number integer PRIMARY KEY, kind text, "
            "payment_id bigint, outcome text, line_status text, pay_status text, pay_reason text, "
            "nik_valid boolean)"
        )
        with cursor.cursor.copy("COPY bench_planted FROM STDIN") as copy:
            for number, (_key, kind, i, nik, _kk, _name, _acc, _word, reason) in enumerate(
                lines, 1
            ):
                payment = payment_of[household[families[i].head.nik]] if i is not None else None
                first = kind not in ("twice", "stranger")
                copy.write_row((
                    number, kind, payment, OUTCOME.get(kind, "matched"),
                    "" if kind == "unknown" else PAYMENT_STATUS.get(kind, "paid"),
                    PAYMENT_STATUS[kind] if first else None,
                    reason if first else None,
                    not check_nik(nik).errors,
                ))  # fmt: skip
    written = time.monotonic()
    folder = FILES_DIR / args.database
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for fmt in formats:
        path = folder / f"hasil-penyaluran-juli-2026.{fmt}"
        t = time.monotonic()
        (write_csv if fmt == "csv" else write_xlsx)(path, lines)
        files[fmt] = {"path": str(path), "sha256": sha256(path), "mb": path.stat().st_size / 2**20,
                      "write_s": time.monotonic() - t}  # fmt: skip
    meta = {"lines": args.lines, "families": n_families, "seed": args.seed,
            "tranche": tranche.pk, "staff": staff.pk, "counts": counts, "files": files,
            "stats": dict(stats), "title_rows": len(TITLES)}  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_meta (meta jsonb)")
        cursor.execute("INSERT INTO bench_meta VALUES (%s)", [json.dumps(meta)])
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        db_size = cursor.fetchone()[0]
    done = time.monotonic()
    sizes = ", ".join(f"{fmt} {f['mb']:.1f} MB written in {f['write_s']:.0f} s"
                      for fmt, f in files.items())  # fmt: skip
    print(f"built           {n_families:,} families, payments and list entries, "
          f"{args.lines:,} lines in {done - migrated:.0f} s (generate {made - migrated:.0f} s, "
          f"database and plant {written - made:.0f} s; migrate and regions "
          f"{migrated - started:.0f} s), {db_size}; {sizes}", flush=True)  # fmt: skip
    for what, n in sorted(stats.items()):
        print(f"plant           {what}: {n:,}")
    print(f"builder's peak RSS {peak_rss_mb():,.0f} MB", flush=True)


def write_csv(path: Path, lines: list[tuple]) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerows(TITLES)
        writer.writerow(HEADER)
        for number, (_k, _kind, _i, nik, kk, name, account, word, reason) in enumerate(lines, 1):
            writer.writerow((number, nik, kk, name, account, f"{AMOUNT:,}".replace(",", "."),
                             word, reason))  # fmt: skip


def write_xlsx(path: Path, lines: list[tuple]) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Hasil")
    for row in (*TITLES, HEADER):
        sheet.append(row)
    amount = f"{AMOUNT:,}".replace(",", ".")
    for number, (_k, _kind, _i, nik, kk, name, account, word, reason) in enumerate(lines, 1):
        sheet.append((number, nik, kk, name, account, amount, word, reason))
    book.save(path)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_meta() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT meta FROM bench_meta")
        meta = cursor.fetchone()[0]
    return json.loads(meta) if isinstance(meta, str) else meta


# --- the floors ---------------------------------------------------------------------------


def timed(function, repeats: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return times, result


def show(label: str, times: list[float], note: str = "") -> float:
    median = statistics.median(times)
    print(f"{label:<44} {median:>7.2f} s {max(times):>7.2f} s   {note}", flush=True)
    return median


def data_bytes(path: Path, skip: int) -> bytes:
    """The CSV file's bytes below its title rows and header."""
    data = path.read_bytes()
    at = 0
    for _ in range(skip):
        at = data.index(b"\n", at) + 1
    return data[at:]


def floor(url: str, meta: dict, formats: list[str], repeats: int) -> dict[str, float]:
    """The file read bare; PostgreSQL alone on the same volume (COPY, then set-based SQL)."""
    import psycopg
    from django.db import connection

    from distribution.models import Payment, ResultImport, ResultLine
    from distribution.results import STATUS_WORDS

    print(f"{'floor':<44} {'median':>9} {'slowest':>9}   notes", flush=True)
    found: dict[str, float] = {}
    csv_path = Path(meta["files"]["csv"]["path"]) if "csv" in meta["files"] else None
    if "csv" in formats and csv_path:

        def read_csv() -> int:
            with csv_path.open(encoding="utf-8", newline="") as file:
                return sum(1 for _ in csv.reader(file))

        times, rows = timed(read_csv, repeats)
        found["read_csv"] = show("floor: csv.reader over the file", times, f"{rows:,} rows")
    if "xlsx" in formats and "xlsx" in meta["files"]:
        from python_calamine import CalamineWorkbook

        xlsx = meta["files"]["xlsx"]["path"]

        def read_xlsx() -> int:
            sheet = CalamineWorkbook.from_path(xlsx).get_sheet_by_index(0)
            return sum(1 for _ in sheet.iter_rows())

        times, rows = timed(read_xlsx, repeats)
        found["read_xlsx"] = show("floor: calamine load + iter_rows", times, f"{rows:,} rows")
    if csv_path is None:
        return found

    history = Payment.history.model
    payment_columns = {f.column for f in Payment._meta.concrete_fields}
    given = {"history_date": "now()", "history_change_reason": "'hasil penyaluran'",
             "history_type": "'~'", "history_user_id": "NULL"}  # fmt: skip
    columns, values = [], []
    for field in history._meta.concrete_fields:
        if field.column == "history_id":
            continue
        columns.append(field.column)
        values.append(
            f"p.{field.column}" if field.column in payment_columns else given[field.column]
        )
    words = ", ".join(
        f"('{word}', '{status}')" for status, ws in STATUS_WORDS.items() for word in ws
    )
    data = data_bytes(csv_path, meta["title_rows"] + 1)
    tranche, staff = int(meta["tranche"]), int(meta["staff"])
    # An upload for the floor's lines (kept outside its transaction; deleted at the end), and
    # the lines' columns as the model has them now: the ones read_result fills, from the file.
    upload = ResultImport.objects.create(
        tranche_id=tranche, file="floor.csv", filename="floor.csv", uploaded_by_id=staff
    ).pk
    from_file = {
        "upload_id": str(upload), "number": "l.no::int", "nik": "l.nik", "no_kk": "l.no_kk",
        "name": "l.nama", "amount": "l.nominal", "status": "coalesce(w.status, '')",
        "reason": "l.keterangan", "account": "regexp_replace(l.rekening, '\\D', '', 'g')",
        "payment_id": "p.id",
        "outcome": "CASE WHEN p.id IS NULL THEN 'unmatched' WHEN w.status IS NULL "
                   "THEN 'unreadable' ELSE 'matched' END",
        "match": "CASE WHEN p.id IS NULL THEN '' ELSE 'NIK sama' END",
    }  # fmt: skip
    line_columns, line_values, line_params = [], [], []
    for field in ResultLine._meta.concrete_fields:
        if field.primary_key:
            continue
        line_columns.append(field.column)
        if field.column in from_file:
            line_values.append(from_file[field.column])
        elif field.null:
            line_values.append("NULL")
        else:
            line_values.append("%s")
            line_params.append(field.get_default())
    sql_steps = {"copy": [], "lines": [], "payments": [], "history": []}  # type: dict[str, list[float]]
    counts = {}
    for _ in range(repeats):
        with psycopg.connect(url) as conn:
            conn.execute("SET jit = off")
            # The foreign keys checked in each statement: the app's are checked at its commit.
            conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
            t = time.perf_counter()
            conn.execute(
                "CREATE TEMP TABLE floor_lines (no text, nik text, no_kk text, nama text, "
                "rekening text, nominal text, status text, keterangan text)"
            )
            with conn.cursor().copy(
                "COPY floor_lines FROM STDIN (FORMAT csv, FORCE_NOT_NULL (no, nik, no_kk, nama, "
                "rekening, nominal, status, keterangan))"
            ) as copy:
                for start in range(0, len(data), 1 << 20):
                    copy.write(data[start : start + (1 << 20)])
            sql_steps["copy"].append(time.perf_counter() - t)
            t = time.perf_counter()
            cursor = conn.execute(
                f"INSERT INTO distribution_resultline ({', '.join(line_columns)}) "
                f"SELECT {', '.join(line_values)} "
                f"FROM floor_lines l LEFT JOIN (VALUES {words}) w(word, status) "
                "ON w.word = upper(trim(l.status)) "
                "LEFT JOIN distribution_payment p ON p.tranche_id = %s AND p.nik = l.nik",
                [*line_params, tranche],
            )
            counts["lines"] = cursor.rowcount
            sql_steps["lines"].append(time.perf_counter() - t)
            t = time.perf_counter()
            cursor = conn.execute(
                "UPDATE distribution_payment p SET status = s.status, reason = s.reason, "
                f"updated_at = now(){', account = s.account' if 'account' in line_columns else ''} "
                f"FROM (SELECT DISTINCT ON (payment_id) payment_id, status, reason"
                f"{', account' if 'account' in line_columns else ''} "
                "FROM distribution_resultline WHERE upload_id = %s AND payment_id IS NOT NULL "
                "AND status <> '' ORDER BY payment_id, number) s WHERE p.id = s.payment_id",
                [upload],
            )
            counts["payments"] = cursor.rowcount
            sql_steps["payments"].append(time.perf_counter() - t)
            t = time.perf_counter()
            cursor = conn.execute(
                f"INSERT INTO {history._meta.db_table} ({', '.join(columns)}) "
                f"SELECT {', '.join(values)} FROM distribution_payment p "
                "WHERE p.tranche_id = %s AND p.status <> 'planned'",
                [tranche],
            )
            counts["history"] = cursor.rowcount
            sql_steps["history"].append(time.perf_counter() - t)
            conn.rollback()
    ResultImport.objects.filter(pk=upload).delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE distribution_payment")
        cursor.execute("VACUUM ANALYZE distribution_resultline")
        cursor.execute(f"VACUUM ANALYZE {history._meta.db_table}")
    found["copy"] = show("floor: COPY the file's lines (text table)", sql_steps["copy"],
                         f"{len(data) / 2**20:.0f} MB")  # fmt: skip
    found["lines"] = show("floor: lines stored by exact NIK (SQL)", sql_steps["lines"],
                          f"{counts['lines']:,} lines")  # fmt: skip
    found["payments"] = show("floor: payments' status set (UPDATE FROM)", sql_steps["payments"],
                             f"{counts['payments']:,} payments")  # fmt: skip
    found["history"] = show("floor: history rows (INSERT SELECT)", sql_steps["history"],
                            f"{counts['history']:,} rows")  # fmt: skip
    totals = [sum(step[i] for step in sql_steps.values()) for i in range(repeats)]
    found["sql"] = show("floor: PostgreSQL alone, total", totals, "rolled back")
    return found


# --- the measurement ------------------------------------------------------------------------


class Queries:
    """Every query of a run, counted and timed by kind (verb and table)."""

    _KIND = re.compile(r'^\s*(?:(UPDATE)\s+"?(\w+)|(SELECT|INSERT|DELETE)\b.*?\b(?:FROM|INTO)'
                       r'\s+"?(\w+))', re.S)  # fmt: skip

    def __init__(self) -> None:
        self.count: collections.Counter = collections.Counter()
        self.seconds: collections.Counter = collections.Counter()

    def __call__(self, execute, sql, params, many, context):
        head = sql[:600]
        found = self._KIND.match(head)
        if found:
            kind = f"{found[1]} {found[2]}" if found[1] else f"{found[3]} {found[4]}"
        else:
            kind = head.split(None, 1)[0].upper()
        if kind.startswith("SELECT") and head.rstrip().endswith("= %s LIMIT 21"):
            kind += " one row by id"
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds[kind] += time.perf_counter() - started
            self.count[kind] += 1

    def in_apply(self) -> tuple[float, float]:
        """Seconds inside the UPDATEs of payments and the INSERTs of their history rows."""
        from distribution.models import Payment

        history = Payment.history.model._meta.db_table
        return (self.seconds[f"UPDATE {Payment._meta.db_table}"],
                self.seconds[f"INSERT {history}"])  # fmt: skip


def reset(tranche_id: int) -> None:
    """The tranche as before any result: no lines, no imports, payments planned, no history."""
    from django.db import connection

    from distribution.models import Payment, ResultImport, ResultLine

    history = Payment.history.model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {ResultLine._meta.db_table}")
        cursor.execute(f"TRUNCATE {history}")
        cursor.execute(
            "UPDATE distribution_payment SET status = 'planned', reason = '' "
            "WHERE tranche_id = %s AND (status <> 'planned' OR reason <> '')",
            [tranche_id],
        )
    for upload in ResultImport.objects.all():
        upload.file.delete(save=False)
        upload.delete()
    with connection.cursor() as cursor:
        for table in ("distribution_payment", ResultLine._meta.db_table, history):
            cursor.execute(f"VACUUM ANALYZE {table}")


def new_upload(meta: dict, fmt: str):
    from django.core.files import File

    from distribution.models import ResultImport

    path = Path(meta["files"][fmt]["path"])
    with path.open("rb") as file:
        return ResultImport.objects.create(
            tranche_id=meta["tranche"],
            file=File(file, name=path.name),
            filename=path.name,
            uploaded_by_id=meta["staff"],
        )


class Calls:
    """Time spent in a function over a run: total, calls, first start and last end."""

    def __init__(self) -> None:
        self.total, self.calls = 0.0, 0
        self.first: float | None = None
        self.last: float | None = None

    def wrap(self, function, method: bool = False):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            if self.first is None:
                self.first = started
            try:
                return function(*args, **kwargs)
            finally:
                self.last = time.perf_counter()
                self.total += self.last - started
                self.calls += 1

        if method:  # a function set on a class: called with self

            def bound(self_, *args, **kwargs):
                return wrapper(self_, *args, **kwargs)

            return bound
        return wrapper


@contextlib.contextmanager
def instrumented(calls: dict[str, Calls], marks: dict[str, float]):
    """Wrappers around read_result's own calls: the moment the file is read, the time in
    match_lines, in storing the lines (insert_rows or bulk_create), in _apply and within it
    in bulk_update, in the history rows (built, then bulk_create). A name the module no longer
    has is left out; its step is then not shown."""
    from simple_history.manager import HistoryManager

    from distribution import results
    from distribution.models import Payment, ResultLine

    real_open = results.open_sheet

    def open_sheet(*args, **kwargs):
        sheet = real_open(*args, **kwargs)
        real_rows = sheet.rows

        def rows():
            yield from real_rows()
            marks["read"] = time.perf_counter()

        sheet.rows = rows
        return sheet

    historical = Payment.history.model.objects
    store = (results, "insert_rows") if hasattr(results, "insert_rows") else (
        ResultLine.objects, "bulk_create")  # fmt: skip
    targets = {
        "match": (results, "match_lines"),
        "store": store,
        "apply": (results, "_apply"),
        "update": (Payment.objects, "bulk_update"),
        "history": (HistoryManager, "bulk_history_create"),
        "history_insert": (historical, "bulk_create"),
    }
    with contextlib.ExitStack() as stack:
        stack.enter_context(mock.patch.object(results, "open_sheet", open_sheet))
        for name, (owner, attribute) in targets.items():
            if not hasattr(owner, attribute):
                continue
            calls[name] = Calls()
            method = isinstance(owner, type)
            stack.enter_context(mock.patch.object(
                owner, attribute, calls[name].wrap(getattr(owner, attribute), method=method)
            ))  # fmt: skip
        yield


def steps_of(
    calls: dict[str, Calls], marks: dict, started: float, ended: float, queries: Queries
) -> dict:
    """Seconds of each step; a step whose call was not seen is left out."""
    found: dict[str, float] = {}
    c = {name: call for name, call in calls.items() if call.calls}
    if "read" in marks:
        found["read"] = marks["read"] - started
        if "match" in c:
            found["payments"] = c["match"].first - marks["read"]
    if "match" in c:
        found["match"] = c["match"].total
        if "store" in c:
            found["outcomes"] = c["store"].first - c["match"].last
    if "store" in c:
        found["store"] = c["store"].total
    if "apply" in c:
        found["apply"] = c["apply"].total
        if "update" in c:
            found["update"] = c["update"].total
        if "history" in c:
            found["history_build"] = c["history"].total - (
                c["history_insert"].total if "history_insert" in c else 0
            )
        if "history_insert" in c:
            found["history_insert"] = c["history_insert"].total
        found["finish"] = ended - c["apply"].last
        update, history = queries.in_apply()
        found["apply_update"], found["apply_history"] = update, history
        found["apply_rest"] = found["apply"] - update - history
    return found


def measure(args, fmt: str) -> bool:
    from django.db import connection

    from distribution import results

    meta = read_meta()
    info = meta["files"].get(fmt)
    if info is None or not Path(info["path"]).exists():
        print(f"{fmt}: no file; build again without --reuse (or with --formats {fmt})")
        return False
    if sha256(Path(info["path"])) != info["sha256"]:
        print(f"{fmt}: the file is not the one built with this database; build again")
        return False
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    code = hashlib.sha256(Path(results.__file__).read_bytes()).hexdigest()[:12]
    print(f"\n{fmt}: {info['mb']:.1f} MB, {meta['lines']:,} lines, PostgreSQL "
          f"{server.split()[0]}, storage {Path(os.environ['MEDIA_ROOT'])}; "
          f"distribution/results.py sha256 {code}", flush=True)  # fmt: skip
    print(f"{'step':<44} {'median':>9} {'slowest':>9}   notes; peak RSS of the process so far")
    print(f"{'(start)':<44} {'':>9} {'':>9}   {peak_rss_mb():,.0f} MB", flush=True)
    stored, times, all_steps, queries_seen = [], [], [], None
    counts = upload = None
    for _ in range(args.repeats):
        reset(int(meta["tranche"]))
        t = time.perf_counter()
        upload = new_upload(meta, fmt)
        stored.append(time.perf_counter() - t)
        marks: dict[str, float] = {}
        calls: dict[str, Calls] = {}
        queries = Queries()
        with instrumented(calls, marks), connection.execute_wrapper(queries):
            started = time.perf_counter()
            counts = results.read_result(upload)
            ended = time.perf_counter()
        times.append(ended - started)
        all_steps.append(steps_of(calls, marks, started, ended, queries))
        queries_seen = queries
    show("ResultImport created (file to storage)", stored, "not part of read_result")
    median = show("read_result() end to end", times, f"{peak_rss_mb():,.0f} MB")
    step_medians = {}
    for key, label in STEPS + OPTIONAL_STEPS:
        values = [s[key] for s in all_steps if key in s]
        if len(values) == len(all_steps):
            step_medians[key] = show(f"  {label}", values)
        elif (key, label) in STEPS:
            print(f"  {label:<42} not seen: read_result no longer makes the call wrapped")
    print(f"target          < {TARGET_S} s end to end: "
          f"{'met' if median < TARGET_S else 'NOT met'} ({median:.1f} s median)")  # fmt: skip
    print("queries of the last run (count, seconds inside execute):")
    for kind, n in queries_seen.count.most_common(12):
        print(f"  {n:>10,} {queries_seen.seconds[kind]:>8.2f} s   {kind}")
    total_q = sum(queries_seen.seconds.values())
    print(f"  {sum(queries_seen.count.values()):>10,} {total_q:>8.2f} s   all")

    if args.profile:
        reset(int(meta["tranche"]))
        again = new_upload(meta, fmt)
        profiler = cProfile.Profile()
        profiler.enable()
        results.read_result(again)
        profiler.disable()
        if args.profile_out:
            profiler.dump_stats(f"{args.profile_out}.{fmt}")
        for order in ("cumulative", "tottime"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(30)
            print(out.getvalue())
        upload = again

    ok, check_notes, slips = check(upload, meta, counts)
    if args.summary:
        Path(args.summary).write_text(json.dumps({
            "mb": info["mb"], "median": median, "slowest": max(times), "times": times,
            "steps": step_medians, "peak_rss": peak_rss_mb(),
            "queries": sum(queries_seen.count.values()), "query_s": total_q,
            "top_query": queries_seen.seconds.most_common(1)[0] if queries_seen.seconds else None,
            "ok": ok, "check": check_notes, "slips": slips,
        }))  # fmt: skip
    return ok


def slips_left(upload) -> dict[int, dict]:
    """The mistyped NIKs the matcher left unmatched, for a person: by line number, the planted
    payment's rank among `results.candidates(line)` (None: not offered), what was offered and
    the seconds candidates() took, on the stored lines."""
    from django.db import connection

    from distribution import results
    from distribution.models import ResultLine

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT b.number, b.payment_id FROM bench_planted b JOIN distribution_resultline l "
            "ON l.number = b.number AND l.upload_id = %s "
            "WHERE b.kind LIKE 'slip%%' AND l.outcome = 'unmatched' ORDER BY b.number",
            [upload.pk],
        )
        planted = dict(cursor.fetchall())
    found = {}
    stored = ResultLine.objects.filter(upload=upload, number__in=planted)
    for line in stored.select_related("upload__tranche").order_by("number"):
        started = time.perf_counter()
        offered = results.candidates(line)
        seconds = time.perf_counter() - started
        ranks = [at for at, (payment, _why) in enumerate(offered, 1)
                 if payment.pk == planted[line.number]]  # fmt: skip
        found[line.number] = {
            "rank": ranks[0] if ranks else None, "payment": planted[line.number],
            "seconds": seconds, "line": f"{line.nik} {line.no_kk or '-'} {line.name}",
            "offered": [f"{p.nik} {p.name} ({why})" for p, why in offered],
        }  # fmt: skip
    return found


def check(upload, meta: dict, counts: dict) -> tuple[bool, list[str], dict]:
    """Every line of the run against the plant; the payments' statuses and history. A slip
    line left unmatched is right when candidates() offers its family (its payment then stays
    "planned", with no history row)."""
    from django.db import connection

    from distribution.models import Payment

    history = Payment.history.model._meta.db_table
    planted = meta["counts"]
    notes: list[str] = []
    ok = True

    def say(line: str, good: bool) -> None:
        nonlocal ok
        ok = ok and good
        notes.append(line + ("" if good else "  <- differs"))
        print(line + ("" if good else "  <- differs"), flush=True)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(DISTINCT number), min(number), max(number) "
            "FROM distribution_resultline WHERE upload_id = %s",
            [upload.pk],
        )
        n, distinct, low, high = cursor.fetchone()
        lines = meta["lines"]
        say(f"lines stored    {n:,} ({distinct:,} numbers, {low}-{high}); file {lines:,}",
            (n, distinct, low, high) == (lines, lines, 1, lines))  # fmt: skip
        left = slips_left(upload)
        left_numbers = sorted(left)
        left_payments = [slip["payment"] for slip in left.values()]
        offered = sorted(number for number, slip in left.items() if slip["rank"])
        expected = {"lines": lines, "matched": meta["families"] - planted["unknown"] - len(left),
                    "twice": planted["twice"], "unmatched": planted["stranger"] + len(left),
                    "unreadable": planted["unknown"]}  # fmt: skip
        say(f"counts          {json.dumps(counts, sort_keys=True)}; planted "
            f"{json.dumps(expected, sort_keys=True)} ({len(left)} mistyped NIKs left for a "
            f"person)", counts == expected)  # fmt: skip
        cursor.execute(
            "SELECT b.kind, l.outcome, l.payment_id IS NOT DISTINCT FROM b.payment_id, "
            "l.status = b.line_status, count(*) FROM bench_planted b "
            "LEFT JOIN distribution_resultline l ON l.number = b.number AND l.upload_id = %s "
            "GROUP BY 1, 2, 3, 4",
            [upload.pk],
        )
        by_kind: dict[str, list] = collections.defaultdict(list)
        for kind, outcome, same_payment, same_status, k in cursor.fetchall():
            by_kind[kind].append((outcome, same_payment, same_status, k))
        print(f"{'kind':<12} {'planted':>8} {'as planted':>11}   outcomes found (payment, status)")
        for kind in KINDS:
            if kind.startswith("slip"):
                say_slips(cursor, upload, kind, planted[kind], left, say)
                continue
            rows = by_kind.get(kind, [])
            want = OUTCOME.get(kind, "matched")
            right = sum(k for outcome, same, st, k in rows if outcome == want and same and st)
            n_kind = planted[kind]  # "paid" counts the twice families' first lines
            found = "; ".join(
                f"{outcome or 'missing'} {k:,}" + ("" if same else " other payment")
                + ("" if st else " other status")
                for outcome, same, st, k in sorted(rows, key=lambda r: -r[3])
            )  # fmt: skip
            say(f"{kind:<12} {n_kind:>8,} {right:>11,}   {found}", right == n_kind)
        cursor.execute(
            "SELECT b.number, b.kind, l.nik, l.no_kk, l.name, l.outcome, l.match, got.nik, "
            "got.name, want.nik, want.name FROM bench_planted b JOIN distribution_resultline l "
            "ON l.number = b.number AND l.upload_id = %s LEFT JOIN distribution_payment got "
            "ON got.id = l.payment_id LEFT JOIN distribution_payment want "
            "ON want.id = b.payment_id "
            "WHERE (l.outcome <> b.outcome OR l.payment_id IS DISTINCT FROM b.payment_id) "
            "AND NOT b.number = ANY(%s) ORDER BY b.kind, b.number LIMIT 12",
            [upload.pk, offered],
        )
        for number, kind, nik, kk, name, outcome, why, g_nik, g_name, w_nik, w_name in cursor:
            line = (
                f"  line {number} ({kind}): {nik} {kk or '-'} {name} -> {outcome}"
                + (f' {g_nik} {g_name} by "{why}"' if g_nik else "")
                + (f"; planted: {w_nik} {w_name}" if w_nik else "; planted: nobody")
            )
            notes.append(line)  # fmt: skip
            print(line)
        cursor.execute(
            "SELECT b.kind, b.nik_valid, l.match, count(*) FROM bench_planted b "
            "JOIN distribution_resultline l ON l.number = b.number AND l.upload_id = %s "
            "WHERE b.kind LIKE 'slip%%' GROUP BY 1, 2, 3 ORDER BY 1, 2 DESC, 4 DESC",
            [upload.pk],
        )
        for kind, valid, why, k in cursor.fetchall():
            nik = "NIK still valid" if valid else "NIK invalid"
            line = f"  {kind:<10} {nik:<16} {k:>6,}  matched by: {why or '(nothing)'}"
            notes.append(line)
            print(line)
        for number, slip in left.items():
            rank = f"offered at rank {slip['rank']}" if slip["rank"] else "NOT offered"
            line = (
                f"  line {number} left for a person: {slip['line']}; planted family "
                f"{rank} of {len(slip['offered'])} (candidates() {slip['seconds']:.2f} s)"
            )
            notes.append(line)
            print(line)
            for at, candidate in enumerate(slip["offered"], 1):
                line = f"    {at}. {candidate}"
                notes.append(line)
                print(line)
        # A payment whose line is left for a person stays as it was: planted, no reason.
        cursor.execute(
            "SELECT count(*) FILTER (WHERE CASE WHEN b.number = ANY(%s) "
            "THEN p.status = 'planned' AND p.reason = '' "
            "ELSE p.status = b.pay_status AND p.reason = b.pay_reason END), "
            "count(*) FROM bench_planted b JOIN distribution_payment p ON p.id = b.payment_id "
            "WHERE b.pay_status IS NOT NULL",
            [left_numbers],
        )
        right, total = cursor.fetchone()
        say(f"payments        {right:,} of {total:,} with the status and reason planted "
            f"({len(left)} left \"planned\" for a person)",
            right == total == meta["families"])  # fmt: skip
        changed = meta["families"] - planted["unknown"] - len(left)
        cursor.execute(
            f"SELECT count(*), count(DISTINCT h.id), count(*) FILTER (WHERE h.status = p.status "
            f"AND h.reason = p.reason AND h.history_change_reason = 'hasil penyaluran' "
            f"AND h.history_type = '~'), count(*) FILTER (WHERE h.id = ANY(%s)) "
            f"FROM {history} h JOIN distribution_payment p ON p.id = h.id",
            [left_payments],
        )
        rows, distinct, right, of_left = cursor.fetchone()
        say(f"history         {rows:,} rows for {distinct:,} payments, {right:,} with the new "
            f"status and 'hasil penyaluran'; payments changed {changed:,}; {of_left} rows for "
            f"payments left for a person",
            rows == distinct == right == changed and of_left == 0)  # fmt: skip
    slips = {"left": len(left), "offered": len(offered),
             "ranks": [slip["rank"] for slip in left.values()],
             "seconds": [slip["seconds"] for slip in left.values()]}  # fmt: skip
    return ok, notes, slips


def say_slips(cursor, upload, kind: str, n_kind: int, left: dict[int, dict], say) -> None:
    """A slip kind's lines: matched as planted, left for a person with the planted family
    among the candidates (right) or without it (wrong), matched to another payment (wrong)."""
    cursor.execute(
        "SELECT b.number, l.outcome, l.payment_id IS NOT DISTINCT FROM b.payment_id, "
        "l.status = b.line_status FROM bench_planted b "
        "LEFT JOIN distribution_resultline l ON l.number = b.number AND l.upload_id = %s "
        "WHERE b.kind = %s",
        [upload.pk, kind],
    )
    found: collections.Counter = collections.Counter()
    ranks = []
    for number, outcome, same_payment, same_status in cursor.fetchall():
        if outcome == "matched" and same_payment and same_status:
            found["as planted"] += 1
        elif outcome == "unmatched" and number in left and same_status:
            rank = left[number]["rank"]
            found["offered" if rank else "not offered"] += 1
            ranks += [rank] if rank else []
        elif outcome and not same_payment and outcome != "unmatched":
            found["another payment"] += 1
        else:
            found[f"other ({outcome or 'missing'})"] += 1
    at = f" at rank {', '.join(map(str, ranks))}" if ranks else ""
    others = "".join(f"; {what} {k:,}" for what, k in found.items() if what.startswith("other"))
    say(f"{kind:<12} {n_kind:>8,} {found['as planted']:>11,}   matched as planted "
        f"{found['as planted']:,}; left for a person, family offered {found['offered']:,}{at}; "
        f"left for a person, family NOT offered {found['not offered']:,}; matched to another "
        f"payment {found['another payment']:,}{others}",
        found["as planted"] + found["offered"] == n_kind)  # fmt: skip


def summary(meta: dict, floors: dict, summaries: dict) -> None:
    if not summaries:
        return
    print("\nsummary")
    sql = floors.get("copy", 0) and floors["sql"]
    for fmt, s in summaries.items():
        read_floor = floors.get(f"read_{fmt}")
        line = (
            f"  {fmt:<5} {s['mb']:.1f} MB: read_result {s['median']:.1f} s median "
            f"(slowest {s['slowest']:.1f} s), {meta['lines'] / s['median']:,.0f} lines/s; "
            f"target < {TARGET_S} s {'met' if s['median'] < TARGET_S else 'NOT met'}; "
            f"peak RSS {s['peak_rss']:,.0f} MB; checks {'all right' if s['ok'] else 'WRONG'}"
        )
        print(line)  # fmt: skip
        if sql:
            print(f"        floor (PostgreSQL alone, COPY + SQL) {sql:.2f} s: "
                  f"{s['median'] / sql:.1f}x; reading the file bare "
                  f"{read_floor or 0:.2f} s beside the read step "
                  f"{s['steps'].get('read', float('nan')):.2f} s")  # fmt: skip
        slips = s.get("slips")
        if slips is not None and not slips["left"]:
            print("        mistyped NIKs left for a person: none")
        elif slips:
            every = "every one" if slips["offered"] == slips["left"] else "NOT every one"
            ranks = ", ".join(str(rank) if rank else "-" for rank in slips["ranks"])
            print(f"        mistyped NIKs left for a person: {slips['left']}; {every} offered "
                  f"the planted family among candidates() ({slips['offered']} of "
                  f"{slips['left']}{f', ranks {ranks}' if ranks else ''}; candidates() "
                  f"{', '.join(f'{t:.2f}' for t in slips['seconds'])} s a line, not in "
                  f"read_result)")  # fmt: skip
        if s["steps"]:
            parts = ", ".join(f"{key} {value:.2f}" for key, value in s["steps"].items())
            print(f"        steps (s): {parts}")
        if s["top_query"]:
            kind, seconds = s["top_query"]
            print(f"        {s['queries']:,} queries, {s['query_s']:.1f} s inside execute; "
                  f"longest: {kind}, {seconds:.1f} s")  # fmt: skip


if __name__ == "__main__":
    main()
