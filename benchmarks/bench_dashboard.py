"""How fast an allocation round's dashboard page renders at a district's size, through the
Django test client (URL routing, middleware, session, the queries, the template).

    DEBUG=false SECRET_KEY=bench DATABASE_URL=postgres://postgres@127.0.0.1:5432/bansos \\
        .venv/bin/python benchmarks/bench_dashboard.py
    ... benchmarks/bench_dashboard.py --keep      # leave the database for EXPLAIN
    ... benchmarks/bench_dashboard.py --reuse     # time again on the kept database

DATABASE_URL names the PostgreSQL server: the script creates its own database (--database,
default bansos_dashbench), migrates it, loads the regions of Kabupaten Purworejo (16 kecamatan,
494 desa) and builds with bulk_create what a round of May 2020 leaves behind: 71,000 proposal
rows (a batch per desa, six agencies' batches) and a done cross-check run with a result for
each (in_roster 30 % with one to three rosters, proposed twice 3 %, review 2 %, invalid 1 %, new
the rest), then a round of 23,633 families on the provincial quota and 22,870 on JPS Kabupaten
(15,552 phase 1, 7,318 returned for correction). Then ANALYZE, as autovacuum would have.

It times --renders renders of the page after one warm-up (median, fastest, slowest), for the
district and with the largest kecamatan's desa (?kecamatan=), and prints the queries of one
render with their time. Target (issue 5): under 500 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import warnings
from pathlib import Path

# Run as a script, this folder is on sys.path already: its neighbours import as modules.
from bench_roster_import import bench_database_url, recreate_database

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bansos.settings")

PROPOSALS = 71_000
PROVINCIAL = 23_633
PHASE_1, RETURNED = 15_552, 7_318
SHARES = {"in_roster": 0.30, "duplicate_in_batch": 0.03, "review": 0.02, "invalid": 0.01}
ROSTERS = ("DTSEN", "PKH", "BPNT", "BLTDESA", "BST")
TARGET_MS = 500


def draw_status(rng: random.Random) -> str:
    """A cross-check result's status in the shares of SHARES, "new" for the rest."""
    draw = rng.random()
    for name, share in SHARES.items():
        if draw < share:
            return name
        draw -= share
    return "new"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="bansos_dashbench", help="created and dropped")
    parser.add_argument("--keep", action="store_true", help="leave the database in place")
    parser.add_argument("--reuse", action="store_true", help="time on a kept database")
    parser.add_argument("--renders", type=int, default=9)
    args = parser.parse_args()

    server_url = os.environ.get("DATABASE_URL", "")
    url = bench_database_url(server_url, args.database)
    if not args.reuse:
        recreate_database(server_url, args.database)
    # The test client's host, over https: production settings redirect plain http.
    os.environ.update(DATABASE_URL=url, ALLOWED_HOSTS="testserver", SECURE_SSL_REDIRECT="false")
    # Static files are served by WhiteNoise from collectstatic's folder, not needed here.
    warnings.filterwarnings("ignore", message="No directory at")
    try:
        import django

        django.setup()
        if not args.reuse:
            build()
        measure(args.renders)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep and not args.reuse:
            recreate_database(server_url, args.database, drop_only=True)


def build() -> None:
    """The district's proposals, their cross-check and the round, in bulk."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from dedup.models import Result, Run
    from households.models import Household, Region, Unit, User
    from households.regions import load_district
    from programs.models import (
        Allocation,
        AllocationRound,
        Program,
        ProposalBatch,
        ProposalRow,
    )

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    load_district("33.06")
    rng = random.Random(2026)
    staff = User.objects.create(username="staf", role=User.Role.STAFF)
    desa = list(Region.objects.filter(level=Region.Level.VILLAGE).order_by("code"))
    with transaction.atomic():
        units = Unit.objects.bulk_create(
            [Unit(kind=Unit.Kind.VILLAGE, name=f"Desa {d.code}", region=d) for d in desa]
            + [Unit(kind=Unit.Kind.AGENCY, name=f"Dinas {n}") for n in range(6)]
        )
        batches = ProposalBatch.objects.bulk_create(
            ProposalBatch(
                unit=unit,
                title=f"Usulan {unit.name}",
                status=ProposalBatch.Status.SUBMITTED,
                created_by=staff,
            )
            for unit in units
        )
        by_desa = {batch.unit.region_id: batch for batch in batches if batch.unit.region_id}
        agencies = [batch for batch in batches if not batch.unit.region_id]
        numbers: dict[int, int] = {}
        rows = []
        for n in range(PROPOSALS):
            place = rng.choice(desa)
            batch = rng.choice(agencies) if rng.random() < 0.08 else by_desa[place.pk]
            numbers[batch.pk] = numbers.get(batch.pk, 0) + 1
            rows.append(
                ProposalRow(
                    batch=batch,
                    row_number=numbers[batch.pk],
                    nik=f"{3306000000000000 + n}",
                    no_kk=f"{3306100000000000 + n}",
                    name=f"WARGA {n}",
                    address="DUSUN KRAJAN",
                    rt="001",
                    rw="002",
                    desa=place,
                )
            )
        rows = ProposalRow.objects.bulk_create(rows, batch_size=5_000)
        run = Run.objects.create(created_by=staff, status=Run.Status.DONE)
        run.batches.set(batches)
        results, eligible = [], []
        for row in rows:
            status = draw_status(rng)
            codes = rng.sample(ROSTERS, rng.randint(1, 3)) if status == "in_roster" else []
            results.append(
                Result(run=run, proposal_row=row, status=status, programs=";".join(sorted(codes)))
            )
            if status in ("new", "in_roster"):
                eligible.append(row)
        Result.objects.bulk_create(results, batch_size=5_000)

        round_ = AllocationRound.objects.create(
            name="JPS Covid-19 Mei 2020", run=run, created_by=staff
        )
        province, jps = Program.objects.get(code="BANSOSPROV"), Program.objects.get(code="JPSKAB")
        round_.targets.create(program=province, places=PROVINCIAL, position=0)
        round_.targets.create(program=jps, budget=(PHASE_1 + RETURNED) * 750_000, position=1)
        placed = rng.sample(eligible, PROVINCIAL + PHASE_1 + RETURNED)
        households = Household.objects.bulk_create(
            (
                Household(
                    no_kk=row.no_kk,
                    head_nik=row.nik,
                    head_name=row.name,
                    head_name_folded=row.name,
                    address=row.address,
                    desa_id=row.desa_id,
                )
                for row in placed
            ),
            batch_size=5_000,
        )
        allocations = []
        for n, (row, household) in enumerate(zip(placed, households, strict=True)):
            if n < PROVINCIAL:
                target, phase, status = province, None, Allocation.Status.PROPOSED
            elif n < PROVINCIAL + PHASE_1:
                target, phase, status = jps, 1, Allocation.Status.VALID
            else:
                target, phase, status = jps, None, Allocation.Status.RETURNED
            allocations.append(
                Allocation(
                    round=round_,
                    household=household,
                    proposal_row=row,
                    target=target,
                    phase=phase,
                    status=status,
                )
            )
        Allocation.objects.bulk_create(allocations, batch_size=5_000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"built           {len(rows):,} proposals, {len(results):,} results, "
        f"{len(allocations):,} allocations in {time.monotonic() - started:.0f} s"
    )


def measure(renders: int) -> None:
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from households.models import User
    from programs.models import AllocationRound

    round_ = AllocationRound.objects.get()
    largest = (
        round_.allocations.values("proposal_row__desa__parent")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()["proposal_row__desa__parent"]
    )
    client = Client()
    client.force_login(User.objects.get(username="staf"))
    page = reverse("programs:round_dashboard", args=[round_.pk])
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    print(f"database        PostgreSQL {server}, {connection.settings_dict['NAME']}")
    print(f"round           {round_.allocations.count():,} allocations")
    # The manifest of collected static files is not needed to render a page.
    static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(STORAGES={**settings.STORAGES, "staticfiles": static}):
        for label, query in [("district", {}), ("kecamatan", {"kecamatan": largest})]:
            response = client.get(page, query, secure=True)
            assert response.status_code == 200, response.status_code
            times = []
            for _ in range(renders):
                started = time.perf_counter()
                client.get(page, query, secure=True)
                times.append((time.perf_counter() - started) * 1000)
            median = statistics.median(times)
            verdict = "met" if median < TARGET_MS else "NOT met"
            print(
                f"{label:<15} median {median:4.0f} ms, fastest {min(times):4.0f} ms, slowest "
                f"{max(times):4.0f} ms over {renders} renders, {len(response.content) // 1024} "
                f"KB  (target < {TARGET_MS} ms: {verdict})"
            )
            with CaptureQueriesContext(connection) as queries:
                client.get(page, query, secure=True)
            spent = sum(float(q["time"]) for q in queries.captured_queries) * 1000
            print(f"                {len(queries)} queries, {spent:.0f} ms in the database:")
            for q in sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:5]:
                print(f"                  {float(q['time']) * 1000:5.0f} ms  {q['sql'][:90]}")


if __name__ == "__main__":
    main()
