from celery import shared_task

from . import regions


@shared_task(acks_late=True, reject_on_worker_lost=True)
def load_district_regions(code: str) -> int:
    """Load a district's kecamatan and villages; safe to run twice (it updates in place)."""
    _, villages = regions.load_district(code)
    return villages
