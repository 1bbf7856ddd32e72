"""A cross-check run through a real Celery worker and Redis, on the configured database
(PostgreSQL in CI): chunks finish on the worker, a failed run resumes where it stopped, and a
chunk delivered twice writes its results once."""

import time

import pytest
from django.conf import settings

from dedup import pipeline
from dedup.models import Chunk, Result, Run

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not settings.REDIS_URL, reason="REDIS_URL is not set: no broker to use"),
    pytest.mark.django_db(transaction=True),
]


def test_a_run_is_matched_by_the_worker_chunk_by_chunk(worker, twelve_families, wait_for, users):
    run = wait_for(pipeline.start_run(batches=[twelve_families], user=users["staff"]), "done")

    assert run.chunks.count() == 2 and not run.chunks.filter(done=False).exists()
    assert run.rows_done == run.rows_total == 12
    on_roster = Result.objects.filter(run=run, status="in_roster")
    assert sorted(on_roster.values_list("proposal_row__row_number", flat=True)) == [1, 2, 3, 4]
    assert set(on_roster.values_list("programs", flat=True)) == {"PKH"}


def test_a_failed_run_resumes_without_losing_or_repeating_results(
    worker,
    twelve_families,
    wait_for,
    users,
    monkeypatch,
):
    real = pipeline._match
    broken = {"chunk": None}

    def match_once_broken(chunk):
        if broken["chunk"] is None:
            broken["chunk"] = chunk.pk
            raise ConnectionError("worker lost its database connection")
        return real(chunk)

    monkeypatch.setattr(pipeline, "_match", match_once_broken)
    run = pipeline.start_run(batches=[twelve_families], user=users["staff"])
    deadline = time.monotonic() + 60
    while Chunk.objects.filter(run=run, done=True).count() < 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    run = wait_for(run, "failed")
    assert "database connection" in run.error
    assert Chunk.objects.get(pk=broken["chunk"]).done is False

    assert pipeline.resume_run(run) == 1
    run = wait_for(run, "done")
    assert run.rows_done == 12
    assert Result.objects.filter(run=run).count() == 12  # each row once


def test_a_chunk_delivered_twice_writes_its_results_once(worker, twelve_families, wait_for, users):
    run = wait_for(pipeline.start_run(batches=[twelve_families], user=users["staff"]), "done")
    chunk = run.chunks.first()
    from dedup.tasks import match_chunk

    match_chunk.delay(chunk.pk).get(timeout=30)  # as Redis redelivers after a lost worker
    pipeline.run_chunk(chunk.pk)
    run.refresh_from_db()
    assert Result.objects.filter(run=run).count() == run.rows_done == 12
    assert Run.objects.get(pk=run.pk).status == "done"
