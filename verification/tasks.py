"""Thin doors to the upkeep of the data: ids in, one call; safe to run twice."""

import logging

from celery import shared_task

from programs.models import RosterVersion

from . import roster_changes, screening
from .models import Screening

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def compare_roster(version_id: int, replaced_id: int) -> None:
    roster_changes.compare_versions(
        RosterVersion.objects.get(pk=version_id), RosterVersion.objects.get(pk=replaced_id)
    )


@shared_task(acks_late=True, reject_on_worker_lost=True)
def screen_round(screening_id: int) -> None:
    found = Screening.objects.select_related("round").get(pk=screening_id)
    try:
        screening.screen(found)
    except Exception as failed:  # shown on the page, which offers to screen again
        logger.exception("screening %s failed", screening_id)
        Screening.objects.filter(pk=screening_id).update(
            status=Screening.Status.FAILED, error=str(failed)[:500]
        )
