"""The round's door to the worker: saving a plan, which takes minutes at a district's scale.
Named as before the rounds had a room of their own, so messages already queued still find it."""

from celery import shared_task

from programs.rounds import plan


@shared_task(name="programs.tasks.save_round", acks_late=True, reject_on_worker_lost=True)
def save_round(round_id: int, user_id: int) -> None:
    plan.save_round(round_id, user_id)
