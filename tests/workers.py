"""Real `celery worker` processes of the project for tests, as in production: separate
processes on the configured database and broker (PostgreSQL and Redis in CI), on a queue of the
tests' own, so a developer's worker on the same Redis neither takes these tasks nor loses its
own. Tests using them are marked `worker` and skip without REDIS_URL.

    def test_...(start_worker):
        worker = start_worker("prefork")        # a subprocess.Popen; killed after the test
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from bansos.celery import app

ROOT = Path(__file__).resolve().parents[1]
QUEUE = "bansos-test-worker"

needs_worker = [
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


def until(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.1)


def pool_processes(worker: subprocess.Popen) -> list[int]:
    """The pids of a prefork worker's pool processes."""
    found = subprocess.run(["pgrep", "-P", str(worker.pid)], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]


@pytest.fixture
def start_worker(tmp_path, monkeypatch):
    """start_worker(pool, hold=None, env=None, cwd=ROOT): a `celery worker` process of the
    project on the test database, media folder and the tests' queue; killed at the end of the
    test whatever happened. `hold`: see tests/dedup/held_worker.py."""
    from dedup.tasks import count_families, match_chunk
    from programs.intake import tasks

    started: list[subprocess.Popen] = []
    routed = (
        match_chunk, count_families, tasks.check_upload, tasks.save_upload,
        tasks.check_and_save, tasks.import_roster,
    )  # fmt: skip
    for task in routed:
        monkeypatch.setattr(
            task, "delay", lambda *args, task=task: task.apply_async(args, queue=QUEUE)
        )
    purge()

    def start(
        pool: str, hold: Path | None = None, env: dict | None = None, cwd: Path = ROOT
    ) -> subprocess.Popen:
        """`env` adds to the worker's environment (or replaces the test's MEDIA_ROOT); `cwd`
        is its working folder."""
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "DEBUG": "true",
            "PYTHONPATH": str(ROOT),
            **(env or {}),
        }
        if hold:
            env["HOLD_CHUNK_FILE"] = str(hold)
        command = [
            *(sys.executable, "-m", "celery", "-A", "tests.dedup.held_worker", "worker"),
            *(f"--pool={pool}", "--concurrency=1", "--loglevel=WARNING", f"--queues={QUEUE}"),
            *("--without-gossip", "--without-mingle", "--without-heartbeat"),
            f"--hostname=test-worker-{len(started)}@%h",
        ]
        log = (tmp_path / f"worker-{len(started)}.log").open("w")
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
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
