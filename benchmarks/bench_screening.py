"""How long screening a round against an exclusion list takes, on PostgreSQL.

    DEBUG=true .venv/bin/python benchmarks/bench_screening.py     # builds, times, drops
    ... benchmarks/bench_screening.py --keep      # leave the database; --reuse times it again
    ... benchmarks/bench_screening.py --families 5000 --rows 20000     # a quick check

DATABASE_URL names the PostgreSQL server (default postgres://postgres@127.0.0.1:5432/postgres):
the script creates its own database (--database, default bansos_bench_screening), migrates it,
loads the regions of Kabupaten Purworejo and builds, in a process of its own (so that the peak
memory printed is the screening's, not the generator's):
- a round of --families families (default 71,000), each a Household with its head's valid NIK
  and No. KK (`demo.people`: Purworejo kecamatan, the birth date in the NIK), its wife and
  children as Members with their NIKs (1.8 a family on average), a ProposalRow in its desa's
  batch and an Allocation on the provincial quota of an AllocationRound with its Run and target;
- an exclusion list (Program ASN, screens_out "asn") of --rows rows (default 200,000): NIP,
  NIK, No. KK (60 % of the rows), name (titles as BKPSDM writes them), sex, birth date and home
  address, in a partition of its own filled by COPY and attached as an import does
  (programs.intake.bulk), then activated (`RosterVersion.activate`).

Planted on the list (scaled with --families; at 71,000): 700 heads of the round's families
(400 as written, half of them with the family's No. KK; 150 under the same NIK with the name
spelled otherwise: old spelling, a title added or dropped, a letter lost or doubled; 150 with
the NIK one digit off, no No. KK, the same name and birth date) and 300 members (their own NIK,
half with the family's No. KK). Every other row is a stranger: a Purworejo civil servant with a
NIK of their own, many bearing the round's common names. `bench_planted` in the database keeps
the planted (household, row) pairs.

It times `verification.screening.screen(screening)` end to end (--repeats, median and slowest;
a new Screening each time, `versions.set([the list])`) and, from the progress the function
reports, its parts: reading the round, reading the list into Records, the engine's match(), the
members and storing the hits. Floors in the same run, since the machines here differ 2-2.5x
between sessions: the rows screen() reads, bare through psycopg (a server-side cursor for the
list), and the exact-NIK hits (heads and members) found in SQL alone. The speed is reported as
the ratio to the bare read. Then every hit of the last run is checked against the planted
pairs: found / planted for each kind, and hits nobody planted, by reason. --profile runs once
more under cProfile. The app runs with settings.DEBUG off (as a worker does). Exits non-zero
when a planted hit is missed.

Target (issue): a 71,000-family round against a 200,000-row exclusion list in under 20 s on a
2-core machine with PostgreSQL.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import datetime
import io
import itertools
import json
import os
import pstats
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

# Run as a script, this folder is on sys.path already: its neighbours import as modules.
from bench_roster_import import bench_database_url, peak_rss_mb, recreate_database

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bansos.settings")

TARGET_S = 20
FULL_FAMILIES = 71_000
HEADS_AT_FULL, MEMBERS_AT_FULL = 700, 300  # planted hits at 71,000 families
# Of the planted heads: as written, the name spelled otherwise, the NIK one digit off.
HEAD_SHARES = (("head_exact", 8 / 14), ("head_respelled", 3 / 14), ("head_nik_slip", 3 / 14))
KINDS = ("head_exact", "head_respelled", "head_nik_slip", "member")
LIST_CODE = "ASN"
HEADERS = ["NIP", "NIK", "NO KK", "NAMA", "JENIS KELAMIN", "TANGGAL LAHIR", "ALAMAT", "RT", "RW",
           "DESA/KELURAHAN"]  # fmt: skip
ROW_COLUMNS = (
    "id, version_id, row_number, source_id, no_kk, nik, name, sex, birth_date, mother_name, "
    "address, rt, rw, desa_id, desil, raw, problems"
)
PARTS = ("read the round", "read the list (Records)", "engine match()", "members + store hits")


def planted_counts(families: int, heads: int | None, members: int | None) -> dict[str, int]:
    heads = round(HEADS_AT_FULL * families / FULL_FAMILIES) if heads is None else heads
    members = round(MEMBERS_AT_FULL * families / FULL_FAMILIES) if members is None else members
    counts = {kind: int(heads * share) for kind, share in HEAD_SHARES[1:]}
    counts = {"head_exact": heads - sum(counts.values()), **counts, "member": members}
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", type=int, default=FULL_FAMILIES, help="in the round")
    parser.add_argument("--rows", type=int, default=200_000, help="on the exclusion list")
    parser.add_argument("--head-hits", type=int, help="planted heads (default 1 %% of families)")
    parser.add_argument("--member-hits", type=int, help="planted members (default 0.42 %%)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database", default="bansos_bench_screening")
    parser.add_argument("--keep", action="store_true", help="leave the database in place")
    parser.add_argument("--reuse", action="store_true", help="time on a kept database")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="one more run under cProfile")
    parser.add_argument("--profile-out", help="keep the profile in this file")
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)  # the child
    args = parser.parse_args()

    server_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    url = bench_database_url(server_url, args.database)
    if args.build_only:
        os.environ["DATABASE_URL"] = url
        import django

        django.setup()
        build(args)
        return
    if not args.reuse:
        recreate_database(server_url, args.database)
    ok = False
    try:
        if not args.reuse:
            child = [sys.executable, str(Path(__file__).resolve()), "--build-only"]
            child += ["--database", args.database, "--families", str(args.families)]
            child += ["--rows", str(args.rows), "--seed", str(args.seed)]
            for option in ("head_hits", "member_hits"):
                if getattr(args, option) is not None:
                    child += [f"--{option.replace('_', '-')}", str(getattr(args, option))]
            subprocess.run(child, check=True, env={**os.environ, "DATABASE_URL": server_url})
        os.environ["DATABASE_URL"] = url
        import django
        from django.conf import settings

        django.setup()
        settings.DEBUG = False  # no query log: a worker runs without one
        if args.reuse:  # the app may have moved on since the database was kept
            from django.core.management import call_command

            call_command("migrate", verbosity=0)
        ok = measure(url, args)
    finally:
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        if not args.keep and not args.reuse:
            recreate_database(server_url, args.database, drop_only=True)
    sys.exit(0 if ok else 1)


# --- the data -----------------------------------------------------------------------------


def respelled(name: str, rng: random.Random) -> str:
    """The same person's name as another office writes it: an old spelling, a title added or
    dropped, a letter lost or doubled."""
    from demo.people import old_spelling, without_titles

    plain = without_titles(name)
    ways = [old_spelling(plain)]
    titled = rng.choice(["H. {}", "{}, S.Pd.", "Drs. {}"]).format(name)
    ways.append(plain if plain != name else titled)  # a title dropped, or one added
    letters = [i for i, ch in enumerate(plain) if ch.isalpha()]
    i = rng.choice(letters[1:] or letters)
    ways.append(plain[:i] + plain[i + 1 :])  # a letter lost
    ways.append(plain[:i] + plain[i] + plain[i:])  # a letter doubled
    ways = [way for way in ways if way != name]
    return rng.choice(ways)


def slipped(nik: str, rng: random.Random, taken: set[int]) -> str:
    """The NIK with one digit typed wrong (anywhere), a number nobody holds."""
    while True:
        at = rng.randrange(16)
        digit = rng.choice([d for d in "0123456789" if d != nik[at]])
        other = nik[:at] + digit + nik[at + 1 :]
        if int(other) not in taken:
            taken.add(int(other))
            return other


def nip(born: datetime.date, sex: str, rng: random.Random) -> str:
    """A civil servant's NIP: birth date, month of appointment, sex, serial (18 digits)."""
    start = datetime.date(max(born.year + 20, 1985), 1, 1) + datetime.timedelta(rng.randrange(3000))
    return f"{born:%Y%m%d}{start:%Y%m}{1 if sex == 'L' else 2}{rng.randrange(1, 999):03d}"


def build(args) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from bansos.bulk import insert_rows
    from dedup.models import Run
    from demo.names import DUSUN
    from demo.people import People
    from households.address import tidy_name
    from households.models import Household, Member, Region, Unit, User
    from households.regions import load_district
    from programs.models import (
        Allocation,
        AllocationRound,
        Program,
        ProposalBatch,
        ProposalRow,
        RosterVersion,
    )

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    load_district("33.06")
    migrated = time.monotonic()
    rng = random.Random(args.seed)
    villages = list(Region.objects.filter(level=Region.Level.VILLAGE).order_by("code"))
    kecamatan = sorted({v.code.replace(".", "")[:6] for v in villages})
    dusun = {v.pk: rng.sample(DUSUN, rng.randint(3, 7)) for v in villages}
    people = People(rng, kecamatan, set())
    families = []
    for _ in range(args.families):
        place = rng.choice(villages)
        families.append(people.family(place, dusun[place.pk]))

    # The exclusion list: planted rows first (heads, members), then strangers; shuffled.
    counts = planted_counts(args.families, args.head_hits, args.member_hits)
    heads_planted = sum(counts[k] for k, _s in HEAD_SHARES)
    order = list(range(args.families))
    rng.shuffle(order)
    head_of = order[:heads_planted]
    with_members = [i for i in order[heads_planted:] if families[i].spouse or families[i].children]
    member_of = with_members[: counts["member"]]
    rows: list[tuple] = []  # (kind, household's head NIK or "", the row's values)

    def row(nik, kk, name, sex, born, place, address, rt, rw) -> tuple:
        cells = [nip(born, sex, rng), nik, kk, name, "LAKI-LAKI" if sex == "L" else "PEREMPUAN",
                 f"{born:%d-%m-%Y}", address, rt, rw, place.name]  # fmt: skip
        return (cells[0], kk, nik, name, sex, born, address, rt, rw, place.pk, cells)

    kinds = [kind for kind, _s in HEAD_SHARES for _n in range(counts[kind])]
    for kind, i in zip(kinds, head_of, strict=True):
        f = families[i]
        head, kk, nik, name = f.head, "", f.head.nik, f.head.name
        if kind == "head_exact":
            kk = f.no_kk if rng.random() < 0.5 else ""
        elif kind == "head_respelled":
            name = respelled(head.name, rng)
        else:
            nik = slipped(head.nik, rng, people.niks)
        values = row(nik, kk, name, head.sex, head.born, f.desa, f.address, f.rt, f.rw)
        rows.append((kind, head.nik, values))
    for i in member_of:
        f = families[i]
        member = rng.choice([p for p in (f.spouse, *f.children) if p])
        kk = f.no_kk if rng.random() < 0.5 else ""
        values = row(member.nik, kk, member.name, member.sex, member.born, f.desa, f.address,
                     f.rt, f.rw)  # fmt: skip
        rows.append(("member", f.head.nik, values))
    for _ in range(args.rows - len(rows)):
        sex = "L" if rng.random() < 0.55 else "P"
        person = people.person(sex, (1966, 2001), rng.choice(kecamatan))
        place = rng.choice(villages)
        rw = rng.randrange(len(dusun[place.pk])) + 1
        kk = people.no_kk(person.nik[:6]) if rng.random() < 0.6 else ""
        address, rt = f"DUSUN {dusun[place.pk][rw - 1]}", f"{rng.randint(1, 6):03d}"
        values = row(person.nik, kk, people.titled(person), sex, person.born, place, address,
                     rt, f"{rw:03d}")  # fmt: skip
        rows.append(("", "", values))
    rng.shuffle(rows)
    made = time.monotonic()

    now = timezone.now()
    staff = User.objects.create(username="staf", role=User.Role.STAFF)
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
        insert_rows(
            Member,
            (
                {"household_id": household[f.head.nik], "nik": p.nik, "name": p.name,
                 "sex": p.sex, "birth_date": p.born, "status": "living",
                 "relation": "spouse" if p is f.spouse else "child"}
                for f in families
                for p in (f.spouse, *f.children)
                if p
            ),
        )  # fmt: skip
        units = Unit.objects.bulk_create(
            Unit(kind=Unit.Kind.VILLAGE, name=f"Pemdes {v.name} {v.code}", region=v)
            for v in villages
        )
        batches = ProposalBatch.objects.bulk_create(
            ProposalBatch(unit=u, title=f"Usulan {u.name}", status="submitted", created_by=staff)
            for u in units
        )
        batch_of = {b.unit.region_id: b.pk for b in batches}
        numbers: collections.Counter = collections.Counter()

        def proposal(f) -> dict:
            numbers[f.desa.pk] += 1
            return {"batch_id": batch_of[f.desa.pk], "row_number": numbers[f.desa.pk],
                    "nik": f.head.nik, "no_kk": f.no_kk, "name": f.head.name, "sex": f.head.sex,
                    "birth_date": f.head.born, "mother_name": f.mother_name,
                    "address": f.address, "rt": f.rt, "rw": f.rw, "desa_id": f.desa.pk,
                    "household_id": household[f.head.nik], "status": "valid"}  # fmt: skip

        insert_rows(ProposalRow, (proposal(f) for f in families))
        proposal_of = dict(ProposalRow.objects.values_list("household_id", "pk"))
        run = Run.objects.create(created_by=staff, status=Run.Status.DONE)
        run.batches.set(batches)
        province = Program.objects.get(code="BANSOSPROV")
        round_ = AllocationRound.objects.create(
            name="Bansos Provinsi Tahap II 2026", run=run, created_by=staff
        )
        round_.targets.create(program=province, places=args.families, position=0)
        insert_rows(
            Allocation,
            (
                {"round_id": round_.pk, "household_id": pk, "proposal_row_id": proposal_of[pk],
                 "target_id": province.pk, "status": "valid"}
                for pk in household.values()
            ),
        )  # fmt: skip
    families_done = time.monotonic()

    listed = Program.objects.create(
        code=LIST_CODE,
        name="ASN, TNI dan Polri Kabupaten Purworejo",
        level=Program.Level.DISTRICT,
        funding=Program.Funding.APBD,
        screens_out=Program.Exclusion.CIVIL_SERVANT,
    )
    version = RosterVersion.objects.create(
        program=listed, period="November 2026", source_name="asn-nov-2026.xlsx", headers=HEADERS
    )
    pk = int(version.pk)
    part = f"programs_rosterrow_v{pk}"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {part} (LIKE programs_rosterrow INCLUDING DEFAULTS INCLUDING "
            f"CONSTRAINTS, CHECK (version_id = {pk}))"
        )
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('programs_rosterrow', 'id')) "
            "FROM generate_series(1, %s)",
            [len(rows)],
        )
        ids = [found for (found,) in cursor.fetchall()]
        planted = []
        with cursor.cursor.copy(f"COPY {part} ({ROW_COLUMNS}) FROM STDIN") as copy:
            numbered = enumerate(zip(ids, rows, strict=True), 1)
            for number, (row_id, (kind, head_nik, values)) in numbered:
                source, kk, nik, name, sex, born, address, rt, rw, desa, cells = values
                copy.write_row((row_id, pk, number, source, kk, nik, name, sex, born, "",
                                address, rt, rw, desa, None, json.dumps(cells), "[]"))  # fmt: skip
                if kind:
                    planted.append((kind, household[head_nik], row_id))
        # The parent's indexes are built on the partition as it is attached.
        cursor.execute(
            f"ALTER TABLE programs_rosterrow ATTACH PARTITION {part} FOR VALUES IN ({pk})"
        )
        cursor.execute("CREATE TABLE bench_planted (kind text, household_id bigint, row_id bigint)")
        with cursor.cursor.copy("COPY bench_planted FROM STDIN") as copy:
            for values in planted:
                copy.write_row(values)
    RosterVersion.objects.filter(pk=pk).update(row_count=len(rows))
    version.refresh_from_db()
    version.activate()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        db_size = cursor.fetchone()[0]
    done = time.monotonic()
    print(f"built           {args.families:,} families ({Member.objects.count():,} members), "
          f"a list of {len(rows):,} rows in {done - migrated:.0f} s (generate "
          f"{made - migrated:.0f} s, round {families_done - made:.0f} s, list "
          f"{done - families_done:.0f} s; migrate and regions {migrated - started:.0f} s), "
          f"{db_size}; builder's peak RSS {peak_rss_mb():,.0f} MB", flush=True)  # fmt: skip


# --- the measurement ------------------------------------------------------------------------


def timed(function, repeats: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return times, result


def show(label: str, times: list[float], note: str = "") -> float:
    median = statistics.median(times)
    print(f"{label:<36} {median:>7.2f} s {max(times):>7.2f} s   {note}", flush=True)
    return median


def measure(url: str, args) -> bool:
    import psycopg
    from django.db import connection

    from households.models import User
    from programs.models import Allocation, AllocationRound, RosterVersion
    from verification import screening as screening_module
    from verification.models import Screening, ScreeningHit

    round_ = AllocationRound.objects.get()
    version = RosterVersion.objects.get(program__code=LIST_CODE, status="active")
    staff = User.objects.get(username="staf")
    families = round_.allocations.exclude(status=Allocation.Status.RETURNED).count()
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
        cursor.execute("SELECT kind, household_id, row_id FROM bench_planted")
        planted_rows = cursor.fetchall()
    print(f"database        PostgreSQL {server.split()[0]}, {connection.settings_dict['NAME']}, "
          f"{families:,} families in the round, {version.row_count:,} rows on {LIST_CODE} "
          f"(version {version.pk}), {os.cpu_count()} cores, {args.repeats} repeats")  # fmt: skip
    print(f"{'step':<36} {'median':>9} {'slowest':>9}   notes; peak RSS of the process so far")
    print(f"{'(start)':<36} {'':>9} {'':>9}   {peak_rss_mb():,.0f} MB")

    living = "m.status = 'living' AND m.nik <> ''"

    def in_round(household: str) -> str:
        return (
            f"JOIN programs_allocation a ON a.household_id = {household} "
            f"AND a.round_id = {int(round_.pk)} AND a.status <> 'returned'"
        )

    def bare_select() -> int:
        """What screen() reads, with nothing made of it: allocations, households, the list's
        rows (a server-side cursor), the living members with a NIK."""
        n = 0
        with psycopg.connect(url) as conn:
            for sql in (
                f"SELECT household_id, id FROM programs_allocation WHERE round_id = "
                f"{int(round_.pk)} AND status <> 'returned'",
                "SELECT h.id, h.no_kk, h.head_nik, h.head_name, h.head_sex, h.head_birth_date, "
                f"h.address, h.rt, h.rw, h.desa_id FROM households_household h "
                f"{in_round('h.id')}",
                f"SELECT m.household_id, m.name, m.nik FROM households_member m "
                f"{in_round('m.household_id')} WHERE {living}",
            ):
                n += sum(1 for _ in conn.execute(sql))
            with conn.cursor(name="floor") as cursor:
                cursor.itersize = 20_000
                cursor.execute(
                    "SELECT id, version_id, no_kk, nik, name, sex, birth_date, mother_name, "
                    "address, rt, rw, desa_id FROM programs_rosterrow WHERE version_id = %s",
                    [version.pk],
                )
                n += sum(1 for _ in cursor)
        return n

    exact_sql = (
        "SELECT count(*) FROM (SELECT h.id, r.id FROM households_household h "
        f"{in_round('h.id')} JOIN programs_rosterrow r ON r.nik = h.head_nik "
        f"AND r.version_id = {int(version.pk)} UNION SELECT m.household_id, r.id "
        f"FROM households_member m {in_round('m.household_id')} "
        f"JOIN programs_rosterrow r ON r.nik = m.nik AND r.version_id = {int(version.pk)} "
        f"WHERE {living}) pairs"
    )

    def in_sql() -> int:
        with connection.cursor() as cursor:
            cursor.execute(exact_sql)
            return cursor.fetchone()[0]

    times, rows = timed(bare_select, args.repeats)
    floor = show("floor: bare SELECT of what it reads", times,
                 f"{rows:,} rows; {peak_rss_mb():,.0f} MB")  # fmt: skip
    times, exact = timed(in_sql, args.repeats)
    show("floor: exact-NIK hits in SQL", times, f"{exact:,} pairs (heads and members)")

    marks: list[tuple[int, float]] = []
    peaks: list[float] = []  # the process's peak RSS at the end of each part of the first run
    real_progress = screening_module._progress

    def progress(screening, percent: int) -> None:
        marks.append((percent, time.perf_counter()))
        if len(peaks) < len(PARTS) - 1:
            peaks.append(peak_rss_mb())
        real_progress(screening, percent)

    parts: list[list[float]] = [[] for _ in PARTS]
    times, hits = [], 0
    screened = None
    with mock.patch.object(screening_module, "_progress", progress):
        for _ in range(args.repeats):
            screened = Screening.objects.create(round=round_, started_by=staff)
            screened.versions.set([version])
            marks.clear()
            started = time.perf_counter()
            hits = screening_module.screen(screened)
            ended = time.perf_counter()
            times.append(ended - started)
            moments = [started, *(t for _p, t in marks), ended]
            if len(moments) == len(PARTS) + 1:  # screen() reports 10, 40 and 70 %
                for part, (a, b) in zip(parts, itertools.pairwise(moments), strict=True):
                    part.append(b - a)
            if len(peaks) < len(PARTS):
                peaks.append(peak_rss_mb())
    median = show("screen() end to end", times, f"{hits:,} hits; {peak_rss_mb():,.0f} MB")
    if all(parts) and len(peaks) == len(PARTS):
        for label, part, peak in zip(PARTS, parts, peaks, strict=True):
            show(f"part: {label}", part, f"peak RSS by its end (first run) {peak:,.0f} MB")
    else:
        print("parts           not shown: screen() no longer reports progress at 10, 40 and 70 %")
    ratio = median / floor if floor else float("nan")
    print(f"ratio           screen() / bare SELECT = {ratio:.1f}x")
    print(f"target          < {TARGET_S} s end to end: "
          f"{'met' if median < TARGET_S else 'NOT met'} ({median:.1f} s median)")  # fmt: skip

    if args.profile:
        again = Screening.objects.create(round=round_, started_by=staff)
        again.versions.set([version])
        profiler = cProfile.Profile()
        profiler.enable()
        screening_module.screen(again)
        profiler.disable()
        if args.profile_out:
            profiler.dump_stats(args.profile_out)
        for order in ("cumulative", "tottime"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(30)
            print(out.getvalue())

    return check(screened, planted_rows, ScreeningHit)


def check(screened, planted_rows: list[tuple], ScreeningHit) -> bool:
    """Every planted pair among the hits of the last run; the hits nobody planted, by reason."""
    found, listed_as = {}, {}
    for h, r, score, reason, person, listed in ScreeningHit.objects.filter(
        screening=screened
    ).values_list("household_id", "row_id", "score", "reason", "person", "row__name"):
        found[(h, r)] = (score, reason)
        listed_as[(h, r)] = person == listed  # the hit names the person the list names
    planted: dict[str, set] = collections.defaultdict(set)
    for kind, household, row in planted_rows:
        planted[kind].add((household, row))
    print(f"{'kind':<16} {'planted':>8} {'found':>8}   scores (min-max); reasons")
    ok = True
    for kind in KINDS:
        got = planted[kind] & found.keys()
        scores = [found[pair][0] for pair in got]
        reasons = collections.Counter(_reason_kind(found[pair][1]) for pair in got)
        span = f"{min(scores)}-{max(scores)}" if scores else "-"
        mark = "" if len(got) == len(planted[kind]) else "  <- missed some"
        ok = ok and not mark
        top = "; ".join(f"{reason} {n}" for reason, n in reasons.most_common(3))
        print(f"{kind:<16} {len(planted[kind]):>8,} {len(got):>8,}   {span}; {top}{mark}")
        if kind == "member":
            named = sum(listed_as[pair] for pair in got)
            print(f"{'':<16} {'':>8} {'':>8}   the hit names the member: {named:,} of {len(got):,}")
    pairs = set().union(*planted.values())
    planted_row_ids = {row for _h, row in pairs}
    extra = [pair for pair in found if pair not in pairs]
    strangers = [pair for pair in extra if pair[1] not in planted_row_ids]
    others = len(extra) - len(strangers)
    print(f"{'not planted':<16} {'':>8} {len(extra):>8,}   on stranger rows {len(strangers):,}, "
          f"planted rows on another family {others:,}")  # fmt: skip
    reasons = collections.Counter(_reason_kind(found[pair][1]) for pair in extra)
    for reason, n in reasons.most_common(6):
        scores = sorted(
            {found[pair][0] for pair in extra if _reason_kind(found[pair][1]) == reason}
        )
        print(f"{'':<16} {'':>8} {n:>8,}   {reason} (scores {', '.join(map(str, scores))})")
    print(f"all found       {'yes' if ok else 'NO'}; {len(found):,} hits stored")
    return ok


def _reason_kind(reason: str) -> str:
    """A hit's reason without its name score: "nama mirip 87" counts with "nama mirip"."""
    return re.sub(r"\(\d+\)|\d+", "N", reason)


if __name__ == "__main__":
    main()
