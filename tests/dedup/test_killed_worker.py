"""Worker processes killed in the middle of a chunk (SIGKILL: no clean-up of any kind), on the
configured database and broker (PostgreSQL and Redis in CI). The workers are separate
processes started with `celery worker`, as in production (tests/workers.py)."""

import os
import signal
from datetime import timedelta

from dedup import pipeline
from dedup.models import Chunk, Result
from tests.workers import needs_worker, pool_processes, until

pytestmark = needs_worker


def test_a_worker_killed_mid_chunk_writes_nothing_and_the_stalled_run_resumes(
    start_worker, twelve_families, wait_for, users, tmp_path, settings
):
    held = tmp_path / "held"
    worker = start_worker("solo", hold=held)
    run = pipeline.start_run(batches=[twelve_families], user=users["staff"])
    until(held.exists)  # the worker has matched a chunk and is about to write its results
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()

    chunk = Chunk.objects.get(pk=int(held.read_text()))
    run.refresh_from_db()
    assert run.status == "running" and run.rows_done == 0
    assert chunk.started_at is not None and not chunk.done
    assert not Result.objects.filter(run=run).exists()  # nothing half-written
    assert not run.stalled  # a chunk was taken up a moment ago
    assert pipeline.resume_run(run) == 0

    settings.DEDUP_STALLED_AFTER = timedelta(0)  # as if the office waited long enough
    assert run.stalled
    assert pipeline.resume_run(run) == 2  # the killed chunk and the one still queued
    start_worker("solo")
    run = wait_for(run, "done")

    assert run.rows_done == run.rows_total == 12
    results = Result.objects.filter(run=run)
    assert results.count() == 12  # the chunk queued twice wrote its results once
    assert results.values("proposal_row").distinct().count() == 12
    on_roster = results.filter(status="in_roster").values_list("proposal_row__row_number")
    assert sorted(n for (n,) in on_roster) == [1, 2, 3, 4]


def test_a_pool_process_killed_mid_chunk_gets_its_chunk_again_without_help(
    start_worker, twelve_families, wait_for, users, tmp_path
):
    held = tmp_path / "held"
    worker = start_worker("prefork", hold=held)
    run = pipeline.start_run(batches=[twelve_families], user=users["staff"])
    until(held.exists)
    (child,) = pool_processes(worker)
    os.kill(child, signal.SIGKILL)  # the pool's process, as the OOM killer does

    # The worker's main process sees its pool process die and puts the chunk back on the
    # queue (task_reject_on_worker_lost); a new pool process takes it up, no one resumes.
    run = wait_for(run, "done")
    assert worker.poll() is None
    assert run.rows_done == run.rows_total == 12
    results = Result.objects.filter(run=run)
    assert results.count() == results.values("proposal_row").distinct().count() == 12
