"""Proposing an allocation and re-validating JPS families, the functions alone (no database).

    DEBUG=true .venv/bin/python benchmarks/bench_allocation.py
    DEBUG=true .venv/bin/python benchmarks/bench_allocation.py --families 71000 --jps 23000

Issue 5 targets: an allocation proposed for 71,000 checked families, and 23,000 JPS families
re-validated, each in under 10 s. The families are Purworejo's shape: 16 kecamatan, 494 desa,
a third with a desil, village and agency proposals, some already on PKH, BPNT or BLT Desa; the
round fills the provincial quota (23,633 places) and then JPS (a budget for 22,870 families at
Rp250.000 for 3 months), poorest desil first, by kecamatan shares. The JPS rows have valid
numbers with one in twenty damaged (a placeholder name, a missing RT, a 15-digit No. KK).
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bansos.settings")


@dataclass(frozen=True)
class Row:
    nik: str
    no_kk: str
    name: str
    birth_date: datetime.date | None
    address: str
    rt: str
    rw: str
    desa_id: int | None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", type=int, default=71_000)
    parser.add_argument("--jps", type=int, default=23_000)
    args = parser.parse_args()
    import django

    django.setup()
    from django.utils import translation

    from programs.rounds.allocation import Family, Matrix, Target, propose
    from programs.rounds.revalidation import revalidate

    translation.activate("id")
    rng = random.Random(2026)
    holds = [set(), set(), {"PKH"}, {"BPNT"}, {"BLTDESA"}]
    families = [
        Family(
            n,
            f"33.06.{rng.randrange(1, 17):02d}",
            f"desa {rng.randrange(494)}",
            rng.choice(["village", "village", "agency"]),
            rng.randrange(1, 11) if rng.random() < 0.33 else None,
            frozenset(rng.choice(holds)),
        )
        for n in range(args.families)
    ]
    matrix = Matrix(allowed=[("PKH", "BPNT"), ("PKH", "BANSOSPROV")], registers=["DTSEN"])
    targets = [
        Target("BANSOSPROV", places=23_633),
        Target("JPSKAB", budget=22_870 * 750_000, benefit_per_month=250_000, months=3),
    ]
    started = time.monotonic()
    plan = propose(
        families, targets, matrix, order=["desil", "village_first"], kecamatan_shares=True
    )
    proposed = time.monotonic() - started
    counts = {code: sum(c.values()) for code, c in plan.counts(families).items()}
    print(
        f"propose    {proposed:5.2f} s  {args.families:,} families: {counts}, "
        f"{len(plan.left_out):,} left out  (target < 10 s)"
    )

    rows = []
    for n in range(args.jps):
        born = datetime.date(1940, 1, 1) + datetime.timedelta(days=rng.randrange(60 * 365))
        nik = f"3306{rng.randrange(1, 17):02d}{born:%d%m%y}{n % 9999 + 1:04d}"
        no_kk = f"3306{rng.randrange(1, 17):02d}150320{n % 9999 + 1:04d}"
        row = Row(nik, no_kk, "SLAMET RIYADI", born, "DUSUN KRAJAN", "002", "005", 7)
        damage = rng.random()
        if damage < 0.02:
            row = Row(nik, no_kk, "-", born, "DUSUN KRAJAN", "002", "005", 7)
        elif damage < 0.04:
            row = Row(nik, no_kk, "SLAMET", born, "DUSUN KRAJAN", "", "005", 7)
        elif damage < 0.05:
            row = Row(nik, no_kk[:15], "SLAMET", born, "DUSUN KRAJAN", "002", "005", 7)
        rows.append(row)
    started = time.monotonic()
    returned = sum(1 for row in rows if revalidate(row))
    checked = time.monotonic() - started
    print(
        f"revalidate {checked:5.2f} s  {args.jps:,} JPS families: "
        f"{args.jps - returned:,} to phase 1, {returned:,} returned  (target < 10 s)"
    )


if __name__ == "__main__":
    main()
