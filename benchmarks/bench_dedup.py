"""Quality and speed of the cross-check, end to end: files in, the contract's result out; and
two record-linkage libraries on the same files, in the same run, side by side.

    .venv/bin/python benchmarks/bench_dedup.py --proposals 5000 --roster-rows 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bansos \\
        .venv/bin/python benchmarks/bench_dedup.py --proposals 71000 --roster-rows 1000000
    .venv/bin/python benchmarks/field_data.py generate --out /tmp/field-5000-7 --proposals 5000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bansos REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python benchmarks/bench_dedup.py --data /tmp/field-5000-7 --workers 2 \\
        --recordlinkage /tmp/rl-venv/bin/python --library /tmp/linkage-venv/bin/python

The files: with --data DIR that folder, as `benchmarks/dedup_data.py generate` writes it (with
labels.csv) or as `benchmarks/field_data.py generate` writes it (with truth.csv); without it the
files of `dedup_data.py` for --proposals, --roster-rows and --seed, written once per size and
seed to /tmp/bansos-dedup-<proposals>-<rows>-<seed>/. The proposal file is DIR/usulan.csv (or
usulan.xlsx); every other CSV of DIR but labels.csv and truth.csv is a roster, imported as the
programme its name gives (JPSKAB.csv is JPSKAB).

The script makes a database of its own: a temporary SQLite file, or with DATABASE_URL a
PostgreSQL database `bansos_bench_dedup` on that server (created, migrated and dropped). It
loads Purworejo's regions and runs `manage.py dedup_files` with every roster file (the intake,
the tasks and the pipeline the browser uses; with REDIS_URL set the tasks go to the Celery
workers, --workers starts them), then scores the result with the folder's own scorer:
`dedup_data.score` (precision and recall of "already on roster X" and of duplicates in the
batch, the share sent to review, invalid rows, each case of the issue) or `field_data.py score`
(row integrity, roster pairs, links to earlier rows, review share, invalid rows, each case).

Our time is the wall time of `dedup_files` from the command's start (Python and Django
loaded, as the libraries' times start after their imports) to the result CSV written, as its
--summary gives it, with the steps' times (files ready, cross-checked, written); the whole
process's wall time is printed beside it. Our peak memory is the largest max RSS of that
process and of the worker processes (`wait4` of the command and of the Celery main process,
which waits for its pool processes); without --workers but with REDIS_URL, workers started
elsewhere are not counted.

Targets (issue 4): precision >= 0.995, recall >= 0.98, review < 2 % of proposals; 71,000
proposals against 1,000,000 roster rows in under 60 s on 2 cores, peak memory under 2 GB.

    --data DIR            the files of that folder (dedup_data.py or field_data.py), not generated
    --workers N           start N Celery worker processes (`celery worker -c N`, needs REDIS_URL)
                          on the bench database for the run, as production does
    --recordlinkage PYTHON
                          then run `bench_recordlinkage.py` (recordlinkage 0.16) with that
                          interpreter on the same folder:
                          python3 -m venv /tmp/rl-venv && /tmp/rl-venv/bin/pip install \\
                              recordlinkage openpyxl
    --library PYTHON      then run `bench_linkage_library.py` (Splink) with that interpreter:
                          python3 -m venv /tmp/linkage-venv && \\
                              /tmp/linkage-venv/bin/pip install splink openpyxl
    --json                everything as one JSON object on the last line of stdout
    --keep                keep the database and the folder of the uploads and the result CSVs

The libraries run after ours, one at a time, with our workers stopped; each result is scored by
the same scorer as ours. Their time is their own total from reading the files to the result
written (interpreter start and imports not counted, about 1-3 s), their memory the max RSS of
their process. Machines here vary 2-2.5x from one session to the next, so the table gives each
library's time divided by ours in the same run: compare those ratios across runs, not seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from contract_files import dedup_data

BASE_DIR = Path(__file__).resolve().parent.parent
BENCHMARKS = BASE_DIR / "benchmarks"
NOT_ROSTERS = {"usulan.csv", "labels.csv", "truth.csv"}
# name in the JSON -> (column title, the script run with the library's interpreter)
LIBRARIES = {
    "recordlinkage": ("recordlinkage", "bench_recordlinkage.py"),
    "splink": ("Splink", "bench_linkage_library.py"),
}


# --- the files ----------------------------------------------------------------------------------


def generated(proposals: int, roster_rows: int, seed: int) -> Path:
    folder = Path(f"/tmp/bansos-dedup-{proposals}-{roster_rows}-{seed}")
    if not (folder / "labels.csv").exists():
        started = time.monotonic()
        subprocess.run(
            [
                sys.executable,
                str(BENCHMARKS / "dedup_data.py"),
                "generate",
                "--out",
                str(folder),
                "--proposals",
                str(proposals),
                "--roster-rows",
                str(roster_rows),
                "--seed",
                str(seed),
            ],
            check=True,
        )
        print(f"generated in {time.monotonic() - started:.0f} s: {folder}")
    return folder


def proposal_file(folder: Path) -> Path | None:
    for name in ("usulan.csv", "usulan.xlsx"):
        if (folder / name).is_file():
            return folder / name
    return None


def roster_files(folder: Path) -> dict[str, Path]:
    """Every CSV of the folder but the proposals and the truth, by its name's programme code."""
    return {
        path.stem.upper(): path
        for path in sorted(folder.glob("*.csv"))
        if path.name.lower() not in NOT_ROSTERS
    }


def score(folder: Path, result: Path) -> tuple[dict, str]:
    """The folder's scorer on a result CSV: its figures and its report."""
    if (folder / "labels.csv").exists():
        data = dedup_data()
        figures = data.score(folder / "labels.csv", result)
        return figures, data.report(figures, folder / "labels.csv", result)
    out = subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / "field_data.py"),
            "score",
            f"--truth={folder / 'truth.csv'}",
            f"--result={result}",
            "--json",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    *report, last = out.strip().splitlines()
    return json.loads(last), "\n".join(report)


# --- the runs -----------------------------------------------------------------------------------


def wait_rss(process: subprocess.Popen) -> float:
    """Wait for the process to end; the max RSS (MB) of it and of every child it waited for."""
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_maxrss / 1024


def bansos(folder: Path, rosters: dict[str, Path], work: Path, env: dict, workers: int) -> dict:
    """`manage.py dedup_files` on the folder: seconds, peak RSS, the result CSV."""
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    subprocess.run([*manage, "migrate", "-v", "0"], env=env, check=True)
    result = work / "result.csv"
    pool = None
    if workers:
        celery = [sys.executable, "-m", "celery", "-A", "bansos"]
        subprocess.run([*celery, "purge", "-f"], env=env, check=True, capture_output=True)
        pool = subprocess.Popen(
            [*celery, "worker", f"--concurrency={workers}", "--loglevel=WARNING"],
            env=env,
            cwd=BASE_DIR,
            stdout=sys.stderr,  # its banner: stdout is the report (and --json's last line)
        )
        time.sleep(5)  # the worker processes start (Django, Celery) before the clock does
    workers_peak = 0.0
    try:
        started = time.monotonic()
        command = subprocess.Popen(
            [
                *manage,
                "dedup_files",
                "--regions",
                "33.06",
                f"--proposals={proposal_file(folder)}",
                *(f"--roster={code}={path}" for code, path in rosters.items()),
                f"--output={result}",
                f"--summary={work / 'summary.json'}",
            ],
            env=env,
            stdout=sys.stderr,  # its progress: stdout is the report (and --json's last line)
        )
        command_peak = wait_rss(command)
        seconds = time.monotonic() - started
    finally:  # no worker outlives the bench, whatever happened
        if pool:
            pool.terminate()
            workers_peak = wait_rss(pool)
    if command.returncode:
        raise SystemExit(f"dedup_files failed (exit code {command.returncode})")
    steps = json.loads((work / "summary.json").read_text())["seconds"]
    return {
        # Like the libraries' times: from the command's start, interpreter and imports not
        # counted; the process's whole wall time beside it.
        "seconds": steps["written"],
        "steps": steps,
        "process_seconds": round(seconds, 2),
        "peak_rss_mb": round(max(command_peak, workers_peak)),
        "peak_rss_mb_command": round(command_peak),
        "peak_rss_mb_workers": round(workers_peak) if workers else None,
        "result": str(result),
    }


def library(name: str, python: str, folder: Path, work: Path) -> dict:
    """One library's bench script on the same folder: seconds, peak RSS, the result CSV."""
    result = work / f"{name}.csv"
    script = BENCHMARKS / LIBRARIES[name][1]
    run = [python, str(script), f"--data={folder}", f"--output={result}", "--json"]
    done = subprocess.run(run, capture_output=True, text=True)
    lines = done.stdout.strip().splitlines()
    if done.returncode or not lines:
        error = (done.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"{name}: failed (exit code {done.returncode}): {error}")
        return {"error": error}
    own = json.loads(lines[-1])
    # Its summary up to the first blank line (its scorer's report, if any, follows).
    summary = lines[: lines.index("")] if "" in lines else lines[:-1]
    print("\n".join(summary))
    bench = own.get("bench")
    if isinstance(bench, dict):  # bench_linkage_library.py
        seconds, peak, versions = bench["seconds"]["total"], bench["peak_rss_mb"], bench["library"]
    else:  # bench_recordlinkage.py
        seconds, peak, versions = own["seconds"], own["peak_rss_mb"], own["library"]
    return {"seconds": seconds, "peak_rss_mb": peak, "library": versions, "result": str(result)}


# --- the table ----------------------------------------------------------------------------------


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2%}"


def _integrity(s: dict) -> str:
    i = s["integrity"]
    parts = [f"{key.replace('_', ' ')} {i[key]}" for key in ("missing", "extra", "out_of_order")]
    return "OK" if i["ok"] else ", ".join(p for p in parts if not p.endswith(" 0"))


def measures(field: bool) -> list[tuple[str, object]]:
    """(label, the scorer's figures -> text) for the scorer's main measures."""
    if field:
        rows = [
            ("rows: integrity", _integrity),
            ("already on roster X: precision", lambda s: _ratio(s["roster"]["precision"])),
            ("already on roster X: recall", lambda s: _ratio(s["roster"]["recall"])),
            ("repeats (earlier row): precision", lambda s: _ratio(s["repeats"]["precision"])),
            ("repeats (earlier row): recall", lambda s: _ratio(s["repeats"]["recall"])),
            ("sent to review", lambda s: _share(s["review_share"])),
            ("invalid: precision", lambda s: _ratio(s["invalid"]["precision"])),
            ("invalid: recall", lambda s: _ratio(s["invalid"]["recall"])),
            ("status right", lambda s: _share(s["status_accuracy"])),
        ]
    else:
        rows = [
            ("already on roster X: precision", lambda s: _ratio(s["roster"]["precision"])),
            ("already on roster X: recall", lambda s: _ratio(s["roster"]["recall"])),
            ("duplicates in the batch: precision", lambda s: _ratio(s["duplicates"]["precision"])),
            ("duplicates in the batch: recall", lambda s: _ratio(s["duplicates"]["recall"])),
            ("sent to review", lambda s: _share(s["review"]["share"])),
            ("invalid rows marked invalid", lambda s: _ratio(s["invalid"]["accuracy"])),
        ]
    return rows


def _case_right(field: bool, figures: dict, case: str) -> str:
    """The share of the case's rows given the right outcome (field_data gives it as a share)."""
    c = figures["cases"].get(case)
    if not c:
        return "n/a"
    return _share(c["right"] if field else c["right"] / c["rows"])


def print_table(field: bool, runs: dict[str, dict]) -> None:
    ours = runs["bansos"]
    names = [name for name in ("bansos", *LIBRARIES) if name in runs]
    titles = {"bansos": "Bansos", **{name: title for name, (title, _) in LIBRARIES.items()}}
    speed = [
        ("time, s", lambda r: f"{r['seconds']:.1f}"),
        ("time / Bansos time", lambda r: f"{r['seconds'] / ours['seconds']:.2f}"),
        ("peak memory (max RSS), MB", lambda r: f"{r['peak_rss_mb']:,.0f}"),
    ]
    cases = [
        (f"case {case}: right", lambda s, case=case: _case_right(field, s, case))
        for case in ours["score"]["cases"]
    ]
    rows = [(label, value, "score") for label, value in measures(field)]
    rows += [(label, value, None) for label, value in speed]
    rows += [(label, value, "score") for label, value in cases]
    print()
    print(f"{'':<36}" + "".join(f"{titles[name]:>16}" for name in names))
    for label, value, key in rows:
        cells = []
        for name in names:
            run = runs[name]
            if "error" in run:
                cells.append("failed")
            else:
                cells.append(value(run[key] if key else run))
        print(f"{label:<36}" + "".join(f"{cell:>16}" for cell in cells))
    for name in names[1:]:
        if "library" in runs[name]:
            print(f"{titles[name]}: {runs[name]['library']}")
    print(
        "(Bansos: dedup_files end to end, through the database, the intake and the pipeline; "
        "the libraries: the files read into memory and linked, nothing stored)"
    )


# --- command line -------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, help="a folder of dedup_data.py or field_data.py")
    parser.add_argument("--proposals", type=int, default=5_000)
    parser.add_argument("--roster-rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the database and the results")
    parser.add_argument("--workers", type=int, default=0, help="Celery worker processes to start")
    parser.add_argument("--recordlinkage", help="python of a venv with recordlinkage: run it too")
    parser.add_argument("--library", help="python of a venv with splink: run it too")
    parser.add_argument("--json", action="store_true", help="everything as JSON on the last line")
    args = parser.parse_args()
    if args.workers and not os.environ.get("REDIS_URL"):
        parser.error("--workers needs REDIS_URL (the broker the workers and the command share)")

    folder = args.data or generated(args.proposals, args.roster_rows, args.seed)
    field = (folder / "truth.csv").exists()
    if not field and not (folder / "labels.csv").exists():
        parser.error(f"{folder}: no truth.csv (field_data.py) or labels.csv (dedup_data.py)")
    rosters = roster_files(folder)
    if proposal_file(folder) is None or not rosters:
        parser.error(f"{folder}: needs usulan.csv or usulan.xlsx and at least one roster CSV")

    server = os.environ.get("DATABASE_URL", "")
    work = Path(tempfile.mkdtemp(prefix="bansos-bench-dedup-"))
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "bench",
        "MEDIA_ROOT": str(work),
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

    ours = bansos(folder, rosters, work, env, args.workers)
    where = "PostgreSQL" if server else "SQLite"
    if args.workers:
        where += f", {args.workers} worker process{'es' if args.workers > 1 else ''}"
    print()
    print(
        f"{folder}: {proposal_file(folder).name} x {', '.join(rosters)}; {where}: "
        f"{ours['seconds']:.1f} s end to end (regions, roster imports, intake, cross-check: "
        f"files ready after {ours['steps']['files_ready']:.1f} s, cross-checked after "
        f"{ours['steps']['cross_checked']:.1f} s; the process {ours['process_seconds']:.1f} s "
        "with Python and Django starting), "
        f"peak RSS {ours['peak_rss_mb']:,.0f} MB (the command {ours['peak_rss_mb_command']:,.0f}"
        + (f", the workers {ours['peak_rss_mb_workers']:,.0f})" if args.workers else ")")
    )
    ours["score"], report = score(folder, Path(ours["result"]))
    print(report)

    runs = {"bansos": ours}
    for name, python in (("recordlinkage", args.recordlinkage), ("splink", args.library)):
        if python:
            print()
            runs[name] = found = library(name, python, folder, work)
            if "error" not in found:
                found["score"], _report = score(folder, Path(found["result"]))
    print_table(field, runs)

    if args.keep:
        print(f"kept: {work}" + (" and the database bansos_bench_dedup" if server else ""))
    else:  # the uploaded copies of every file and the results
        shutil.rmtree(work, ignore_errors=True)
        for run in runs.values():
            run.pop("result", None)
        if server:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute("DROP DATABASE IF EXISTS bansos_bench_dedup WITH (FORCE)")
    if args.json:
        print(
            json.dumps(
                {
                    "data": str(folder),
                    "scorer": "field_data.py score" if field else "dedup_data.score",
                    "proposals": str(proposal_file(folder)),
                    "rosters": {code: str(path) for code, path in rosters.items()},
                    "database": where,
                    **runs,
                    "speed_ratio": {
                        f"{name}_seconds/bansos_seconds": round(run["seconds"] / ours["seconds"], 3)
                        for name, run in runs.items()
                        if name != "bansos" and "seconds" in run
                    },
                }
            )
        )


if __name__ == "__main__":
    main()
