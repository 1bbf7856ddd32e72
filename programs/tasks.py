"""Thin doors to the intake work: ids in, one call. Each may run twice (a retry, a killed
worker); the functions behind them make that harmless."""

from celery import shared_task

from programs import rounds
from programs.intake import imports, rosters


@shared_task(acks_late=True, reject_on_worker_lost=True)
def check_upload(upload_id: int) -> None:
    imports.check_upload(upload_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def save_upload(upload_id: int) -> None:
    imports.save_upload(upload_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def check_and_save(upload_id: int) -> None:
    imports.check_and_save(upload_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def import_roster(upload_id: int) -> None:
    rosters.run_import(upload_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def save_round(round_id: int, user_id: int) -> None:
    rounds.save_round(round_id, user_id)
