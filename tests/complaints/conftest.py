"""The complaint every desk test starts from: a walk-in, a story with HTML in it."""

import datetime

import pytest
from django.utils import timezone

from complaints import desk, service_level
from complaints.models import Category, Complaint
from tests.conftest import make_nik

STORY = "Kami belum menerima bantuan. <script>alert('x')</script>"


def walk_in(users, regions, **fields) -> Complaint:
    """Sumarni's walk-in complaint about her family in Sindurjan, new; `fields` change it."""
    return desk.log(
        by=users["desk"],
        **{
            "channel": Complaint.Channel.WALK_IN,
            "category": Category.objects.get(name="Belum menerima bantuan"),
            "complainant_name": "Sumarni",
            "complainant_contact": "081234567890",
            "complainant_nik": make_nik(female=True),
            "desa": regions["desa_a"],
            "story": STORY,
            **fields,
        },
    )


@pytest.fixture
def complaint(users, regions):
    return walk_in(users, regions)


def working_days_ago(n: int) -> datetime.datetime:
    """Nine in the morning, Jakarta time, on the latest day `n` working days before today."""
    today = timezone.localdate()
    day = today
    while service_level.working_days_between(day, today) < n:
        day -= datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
