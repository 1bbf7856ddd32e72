"""Thin doors to the cross-check: ids in, one call; safe to run twice."""

from celery import shared_task

from dedup import pipeline


@shared_task(acks_late=True, reject_on_worker_lost=True)
def match_chunk(chunk_id: int) -> None:
    pipeline.run_chunk(chunk_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def count_families(run_id: int) -> None:
    pipeline.count_families(run_id)
