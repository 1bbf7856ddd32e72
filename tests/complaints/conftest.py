"""The complaint every desk test starts from: a walk-in, a story with HTML in it."""

import pytest

from complaints import desk
from complaints.models import Category, Complaint
from tests.conftest import make_nik

STORY = "Kami belum menerima bantuan. <script>alert('x')</script>"


@pytest.fixture
def complaint(users, regions):
    """Sumarni's walk-in complaint about her family in Sindurjan, new."""
    return desk.log(
        by=users["desk"],
        channel=Complaint.Channel.WALK_IN,
        category=Category.objects.get(name="Belum menerima bantuan"),
        complainant_name="Sumarni",
        complainant_contact="081234567890",
        complainant_nik=make_nik(female=True),
        desa=regions["desa_a"],
        story=STORY,
    )
