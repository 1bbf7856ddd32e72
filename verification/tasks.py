"""Thin doors to the upkeep of the data: ids in, one call; safe to run twice."""

from celery import shared_task

from programs.models import RosterVersion

from . import roster_changes


@shared_task(acks_late=True, reject_on_worker_lost=True)
def compare_roster(version_id: int, replaced_id: int) -> None:
    roster_changes.compare_versions(
        RosterVersion.objects.get(pk=version_id), RosterVersion.objects.get(pk=replaced_id)
    )
