"""Quality and speed of the cross-check, end to end: files in, the contract's result out.

    .venv/bin/python benchmarks/bench_dedup.py --proposals 5000 --roster-rows 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bansos \\
        .venv/bin/python benchmarks/bench_dedup.py --proposals 71000 --roster-rows 1000000

The labelled files come from `benchmarks/dedup_data.py` (written once per size and seed to
/tmp/bansos-dedup-<proposals>-<rows>-<seed>/). The script makes a database of its own: a
temporary SQLite file, or with DATABASE_URL a PostgreSQL database `bansos_bench_dedup` on that
server (created, migrated and dropped). It loads Purworejo's regions, runs
`manage.py dedup_files` with every roster file (the intake, the tasks and the pipeline the
browser uses; with REDIS_URL set the tasks go to whatever Celery workers are running), then
scores the result against the labels: precision and recall of "already on roster X" and of
duplicates in the batch, the share sent to review, and each case of the issue.

Targets (issue 4): precision >= 0.995, recall >= 0.98, review < 2 % of proposals; 71,000
proposals against 1,000,000 roster rows in under 60 s on 2 cores, peak memory under 2 GB.

    --workers N       start N Celery worker processes (`celery worker -c N`, needs REDIS_URL)
                      on the bench database for the run, as production does
    --library PYTHON  then run a record-linkage library (Splink, `bench_linkage_library.py`)
                      with that interpreter on the same files, and print both side by side:
                      python3 -m venv /tmp/linkage-venv && /tmp/linkage-venv/bin/pip install splink
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

BASE_DIR = Path(__file__).resolve().parent.parent
ROSTERS = ("DTSEN", "PKH", "BPNT", "BST", "BLTDESA")


def dedup_data():
    spec = importlib.util.spec_from_file_location(
        "dedup_data", BASE_DIR / "benchmarks" / "dedup_data.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["dedup_data"] = module
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--proposals", type=int, default=5_000)
    parser.add_argument("--roster-rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the database and the result")
    parser.add_argument("--workers", type=int, default=0, help="Celery worker processes to start")
    parser.add_argument("--library", help="python of a venv with splink: run it side by side")
    args = parser.parse_args()
    if args.workers and not os.environ.get("REDIS_URL"):
        parser.error("--workers needs REDIS_URL (the broker the workers and the command share)")

    data = dedup_data()
    folder = Path(f"/tmp/bansos-dedup-{args.proposals}-{args.roster_rows}-{args.seed}")
    if not (folder / "labels.csv").exists():
        started = time.monotonic()
        subprocess.run(
            [
                sys.executable,
                str(BASE_DIR / "benchmarks" / "dedup_data.py"),
                "generate",
                "--out",
                str(folder),
                "--proposals",
                str(args.proposals),
                "--roster-rows",
                str(args.roster_rows),
                "--seed",
                str(args.seed),
            ],
            check=True,
        )
        print(f"generated in {time.monotonic() - started:.0f} s: {folder}")

    server = os.environ.get("DATABASE_URL", "")
    work = tempfile.mkdtemp(prefix="bansos-bench-dedup-")
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "bench",
        "MEDIA_ROOT": work,
        "UPLOAD_MAX_MB": "1024",
        "DJANGO_SETTINGS_MODULE": "bansos.settings",
    }
    if server:
        parts = urlsplit(server)
        env["DATABASE_URL"] = urlunsplit(parts._replace(path="/bansos_bench_dedup"))
        admin = urlunsplit(parts._replace(path="/postgres"))

        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS bansos_bench_dedup WITH (FORCE)")
            conn.execute("CREATE DATABASE bansos_bench_dedup")
    else:
        env["DATABASE_URL"] = f"sqlite:///{work}/bench.sqlite3"
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    subprocess.run([*manage, "migrate", "-v", "0"], env=env, check=True)
    result = Path(work) / "result.csv"
    rosters = [f"--roster={code}={folder / (code + '.csv')}" for code in ROSTERS]
    workers = None
    if args.workers:
        celery = [sys.executable, "-m", "celery", "-A", "bansos"]
        subprocess.run([*celery, "purge", "-f"], env=env, check=True, capture_output=True)
        workers = subprocess.Popen(
            [*celery, "worker", f"--concurrency={args.workers}", "--loglevel=WARNING"],
            env=env,
            cwd=BASE_DIR,
        )
        time.sleep(5)  # the worker processes start (Django, Celery) before the clock does
    try:
        started = time.monotonic()
        child = subprocess.run(
            [
                *manage,
                "dedup_files",
                "--regions",
                "33.06",
                f"--proposals={folder / 'usulan.csv'}",
                *rosters,
                f"--output={result}",
            ],
            env=env,
            check=True,
        )
        seconds = time.monotonic() - started
    finally:  # no worker outlives the bench, whatever happened
        if workers:
            workers.terminate()
            workers.wait()
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert child.returncode == 0
    print()
    where = "PostgreSQL" if server else "SQLite"
    if args.workers:
        where += f", {args.workers} worker process{'es' if args.workers > 1 else ''}"
    print(
        f"{args.proposals:,} proposals x {args.roster_rows:,} roster rows, {where}: "
        f"{seconds:.1f} s end to end (regions, roster imports, intake, cross-check), "
        f"peak RSS of one process {peak:,.0f} MB"
    )
    data.main(["score", "--labels", str(folder / "labels.csv"), "--result", str(result)])
    if args.library:
        ours = data.score(folder / "labels.csv", result)
        ours["bench"] = {"seconds": {"total": seconds}, "peak_rss_mb": peak}
        side_by_side(ours, library(args.library, folder, Path(work)))
    if args.keep:
        print(f"kept: {work}" + (" and the database bansos_bench_dedup" if server else ""))
    elif server:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS bansos_bench_dedup WITH (FORCE)")


def library(python: str, folder: Path, work: Path) -> dict:
    """The record-linkage library's figures on the same files (its own venv, its own run)."""
    out = subprocess.run(
        [
            python,
            str(BASE_DIR / "benchmarks" / "bench_linkage_library.py"),
            f"--data={folder}",
            f"--output={work / 'library.csv'}",
            "--json",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def side_by_side(ours: dict, theirs: dict) -> None:
    def ratio(value) -> str:
        return "n/a" if value is None else f"{value:.4f}"

    rows = [
        ("already on roster X: precision", lambda f: ratio(f["roster"]["precision"])),
        ("already on roster X: recall", lambda f: ratio(f["roster"]["recall"])),
        ("duplicates in the batch: precision", lambda f: ratio(f["duplicates"]["precision"])),
        ("duplicates in the batch: recall", lambda f: ratio(f["duplicates"]["recall"])),
        ("sent to review", lambda f: f"{f['review']['share']:.2%}"),
        ("invalid rows marked invalid", lambda f: ratio(f["invalid"]["accuracy"])),
        ("seconds", lambda f: f"{f['bench']['seconds']['total']:.1f}"),
        ("peak RSS, MB", lambda f: f"{f['bench']['peak_rss_mb']:,.0f}"),
    ]
    for case in ours["cases"]:
        rows.append(
            (
                f"case {case}",
                lambda f, case=case: f"{f['cases'][case]['right'] / f['cases'][case]['rows']:.1%}",
            )
        )
    print()
    print(f"{'':<38} {'Bansos':>14} {theirs['bench']['library'].split(',')[0]:>14}")
    for label, value in rows:
        print(f"{label:<38} {value(ours):>14} {value(theirs):>14}")
    print(
        "(Bansos: end to end through the database, the intake and the pipeline; the library:"
        " the files read into memory and linked, nothing stored)"
    )


if __name__ == "__main__":
    main()
