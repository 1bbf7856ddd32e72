"""Thin doors to the distribution: ids in, one call; safe to run twice."""

import logging

from celery import shared_task

from programs.intake.refusals import ReadError

from . import results
from .models import ResultImport

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def read_result(upload_id: int) -> None:
    upload = ResultImport.objects.select_related("tranche").get(pk=upload_id)
    try:
        results.read_result(upload)
    except ReadError as refused:  # not a table of results: said on the page
        ResultImport.objects.filter(pk=upload_id).update(error=str(refused)[:1000])
    except Exception as failed:  # never a page that waits for ever: the reason, and the log
        logger.exception("payment result %s failed", upload_id)
        ResultImport.objects.filter(pk=upload_id).update(
            error=f"{type(failed).__name__}: {failed}"[:1000]
        )
