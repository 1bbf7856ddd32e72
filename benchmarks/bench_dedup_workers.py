"""Does a cross-check run finish sooner with more workers? One run of the same proposals
against the same rosters with 1 worker process, then with 2 (or --workers ...).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bansos REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python benchmarks/bench_dedup.py --proposals 71000 --roster-rows 1000000 --keep
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bansos_bench_dedup \\
    REDIS_URL=redis://127.0.0.1:6379/5 .venv/bin/python benchmarks/bench_dedup_workers.py

It uses the database `bench_dedup.py --keep` leaves (its latest proposal batch and the active
roster versions), starts `celery -A bansos worker -c N` on it, starts a run with
`pipeline.start_run` (what the run page does) and times it until the run is done. Each worker
process loads the run's number table once, as in production. The run that goes second finds
PostgreSQL's caches warm: `--workers 2 1` gives the one worker that advantage. Target (issue 4):
two workers at least 1.7 times faster than one.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL") or not os.environ.get("DATABASE_URL"):
        parser.error("set DATABASE_URL (the kept bench database) and REDIS_URL")
    env = {**os.environ, "DEBUG": "false", "SECRET_KEY": "bench"}
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bansos.settings")
    import django

    django.setup()
    from dedup import pipeline
    from dedup.models import Run
    from households.models import User
    from programs.models import ProposalBatch

    batch = ProposalBatch.objects.latest("pk")
    user = User.objects.filter(is_superuser=True).first() or User.objects.first()
    celery = [sys.executable, "-m", "celery", "-A", "bansos"]
    times = {}
    for n in args.workers:
        subprocess.run([*celery, "purge", "-f"], env=env, check=True, capture_output=True)
        workers = subprocess.Popen(
            [*celery, "worker", f"--concurrency={n}", "--loglevel=WARNING"], env=env, cwd=BASE_DIR
        )
        try:
            time.sleep(5)  # the worker processes start before the clock does
            started = time.monotonic()
            run = pipeline.start_run(batches=[batch], user=user)
            while run.status not in (Run.Status.DONE, Run.Status.FAILED):
                time.sleep(0.2)
                run.refresh_from_db()
            times[n] = time.monotonic() - started
        finally:
            workers.terminate()
            workers.wait()
        print(f"{n} worker process{'es' if n > 1 else ''}: {times[n]:.1f} s, {run.status}, "
              f"{run.rows_done:,} rows, {run.chunks.count()} chunks")  # fmt: skip
    fewest = min(args.workers)
    for n in sorted(set(args.workers) - {fewest}):
        print(f"{n} worker processes: {times[fewest] / times[n]:.2f}x as fast as {fewest}")


if __name__ == "__main__":
    main()
