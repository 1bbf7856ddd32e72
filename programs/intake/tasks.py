"""Thin doors to the intake's work: ids in, one call. Each may run twice (a retry, a killed
worker); the functions behind them make that harmless. Named as before the intake had a room of
its own, so messages already queued still find them."""

from celery import shared_task

from programs.intake import imports, rosters


@shared_task(name="programs.tasks.check_upload", acks_late=True, reject_on_worker_lost=True)
def check_upload(upload_id: int) -> None:
    imports.check_upload(upload_id)


@shared_task(name="programs.tasks.save_upload", acks_late=True, reject_on_worker_lost=True)
def save_upload(upload_id: int) -> None:
    imports.save_upload(upload_id)


@shared_task(name="programs.tasks.check_and_save", acks_late=True, reject_on_worker_lost=True)
def check_and_save(upload_id: int) -> None:
    imports.check_and_save(upload_id)


@shared_task(name="programs.tasks.import_roster", acks_late=True, reject_on_worker_lost=True)
def import_roster(upload_id: int) -> None:
    rosters.run_import(upload_id)
