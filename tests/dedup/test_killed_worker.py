"""Worker processes killed in the middle of a chunk (SIGKILL: no clean-up of any kind), on the
configured database and broker (PostgreSQL and Redis in CI). The workers are separate
processes started with `celery worker`, as in production, on a queue of the tests' own: a
developer's worker on the same Redis neither takes these chunks nor loses its own."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from bansos.celery import app
from dedup import pipeline
from dedup.models import Chunk, Result

ROOT = Path(__file__).resolve().parents[2]
QUEUE = "bansos-test-killed-worker"

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not settings.REDIS_URL, reason="REDIS_URL is not set: no broker to use"),
    pytest.mark.django_db(transaction=True),
]


def database_url() -> str:
    """The test database, as another process reaches it."""
    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("the test database (SQLite in memory) cannot be opened by a worker process")
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def purge() -> None:
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(QUEUE)


@pytest.fixture
def start_worker(tmp_path, monkeypatch):
    """start_worker(pool, hold=None): a `celery worker` process of the project on the test
    database and the tests' queue; killed at the end of the test whatever happened."""
    from dedup.tasks import match_chunk

    started: list[subprocess.Popen] = []
    monkeypatch.setattr(
        match_chunk, "delay", lambda pk: match_chunk.apply_async((pk,), queue=QUEUE)
    )
    purge()

    def start(pool: str, hold: Path | None = None) -> subprocess.Popen:
        env = {**os.environ, "DATABASE_URL": database_url(), "DEBUG": "true"}
        if hold:
            env["HOLD_CHUNK_FILE"] = str(hold)
        command = [
            *(sys.executable, "-m", "celery", "-A", "tests.dedup.held_worker", "worker"),
            *(f"--pool={pool}", "--concurrency=1", "--loglevel=WARNING", f"--queues={QUEUE}"),
            *("--without-gossip", "--without-mingle", "--without-heartbeat"),
            f"--hostname=killed-test-{len(started)}@%h",
        ]
        log = (tmp_path / f"worker-{len(started)}.log").open("w")
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    # The message a killed worker held comes back to the tests' queue after Redis's visibility
    # timeout (hours), where only a later run of these tests finds it, and purges it.
    purge()


def until(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.1)


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
    children = subprocess.run(
        ["pgrep", "-P", str(worker.pid)], capture_output=True, text=True, check=True
    ).stdout.split()
    assert len(children) == 1
    os.kill(int(children[0]), signal.SIGKILL)  # the pool's process, as the OOM killer does

    # The worker's main process sees its pool process die and puts the chunk back on the
    # queue (task_reject_on_worker_lost); a new pool process takes it up, no one resumes.
    run = wait_for(run, "done")
    assert worker.poll() is None
    assert run.rows_done == run.rows_total == 12
    results = Result.objects.filter(run=run)
    assert results.count() == results.values("proposal_row").distinct().count() == 12
