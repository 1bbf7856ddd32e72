"""The matcher alone (`dedup.engine`, no database): how its time grows with the roster.

    .venv/bin/python benchmarks/bench_dedup_engine.py                  # 10k, 100k, 1M roster
    .venv/bin/python benchmarks/bench_dedup_engine.py --sizes 10000 100000 --proposals 71000

Records are made in memory: heads of Purworejo families with valid NIK and No. KK, common
Javanese names, dusun addresses with RT/RW, birth dates; a tenth of the proposals are on the
roster (same NIK and No. KK), the rest are not. For each roster size it times building the
index, matching the proposals against it and finding duplicates among the proposals, and
prints the peak memory. Issue 4 asks how time grows from 10,000 to 1,000,000 roster rows.
Python's cycle collector is paused while it is timed, as the pipeline pauses it for a chunk
(`bansos.memory`; the engine's objects hold no cycles).
"""

from __future__ import annotations

import argparse
import datetime
import gc
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dedup.engine.match import Index, Record, match

FIRST = ["SLAMET", "SUPARNO", "SITI", "SRI", "MUHAMMAD", "AHMAD", "SUKIRNO", "TUKINEM"]
FIRST += ["PAINEM", "SUGIYONO", "WAHYU", "BUDI", "AGUS", "DWI", "TRI", "EKO"]
LAST = ["RIYADI", "AMINAH", "WAHYUNI", "ROCHMAT", "DJAELANI", "SANTOSO", "WIDODO", "LESTARI"]
LAST += ["HARTONO", "PRASETYO", "SUSANTO", "RAHAYU", "SUSILO", "PURNOMO"]


def family(rng: random.Random, ref: str, serial: int) -> Record:
    kecamatan = rng.randrange(1, 17)
    born = datetime.date(1940, 1, 1) + datetime.timedelta(days=rng.randrange(60 * 365))
    region = f"3306{kecamatan:02d}"
    return Record(
        ref,
        no_kk=f"{region}{rng.randrange(1, 29):02d}{rng.randrange(1, 13):02d}"
        f"{rng.randrange(0, 20):02d}{serial % 9999 + 1:04d}",
        nik=f"{region}{born.day:02d}{born:%m%y}{serial % 9999 + 1:04d}",
        name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        sex="L",
        birth_date=born,
        address="DUSUN KRAJAN",
        rt=f"{rng.randrange(1, 15):03d}",
        rw=f"{rng.randrange(1, 6):03d}",
        desa=f"33.06.{kecamatan:02d}.{2000 + rng.randrange(1, 32)}",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--proposals", type=int, default=71_000)
    args = parser.parse_args()
    rng = random.Random(2026)
    proposals = [family(rng, f"USULAN:{i}", i) for i in range(1, args.proposals + 1)]
    print(f"{args.proposals:,} proposals")
    print(f"{'roster rows':>12} {'index s':>8} {'match s':>8} {'duplicates s':>13} {'found':>7}")
    for size in args.sizes:
        roster = [family(rng, f"DTSEN:{i}", 50_000 + i) for i in range(1, size + 1)]
        roster[: args.proposals // 10] = [
            Record(**{**_fields(p), "ref": f"DTSEN:{i}"})
            for i, p in enumerate(proposals[: min(size, args.proposals) // 10], start=1)
        ]
        gc.disable()
        try:
            started = time.monotonic()
            index = Index(roster)
            indexed = time.monotonic()
            found = match(proposals, index)
            matched = time.monotonic()
            match(proposals, Index(proposals), earlier_only=True)
            done = time.monotonic()
        finally:
            gc.enable()
        print(
            f"{size:>12,} {indexed - started:>8.1f} {matched - indexed:>8.1f} "
            f"{done - matched:>13.1f} {len(found):>7,}"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:,.0f} MB")


def _fields(record: Record) -> dict:
    return {name: getattr(record, name) for name in Record.__slots__}


if __name__ == "__main__":
    main()
