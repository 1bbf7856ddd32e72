"""The most used pages ask the database the same number of times for a few rows as for many:
none runs a query a row (N+1), which under load costs every user (issue 15's load figures).
Each page is counted with a little data, then with five times as much."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints import desk
from complaints.models import Category, Complaint
from programs.models import ProposalBatch, ProposalRow
from tests.conftest import make_nik, make_no_kk

pytestmark = pytest.mark.django_db

PAGES = [  # (role, url name)
    *(("staff", "home"), ("head", "home"), ("village", "home"), ("desk", "home")),
    *(("staff", "households:list"), ("village", "households:list")),
    *(("staff", "programs:batches"), ("village", "programs:batches")),
    *(("desk", "complaints:list"), ("staff", "users:list")),
]


@pytest.fixture
def grow(users, units, regions, make_household):
    """Adds n of each: families, proposals of the village with their rows, complaints."""
    category = Category.objects.get(name="Lainnya")

    def add(n: int) -> None:
        for i in range(n):
            family = make_household(name=f"WARGA {i}")
            batch = ProposalBatch.objects.create(
                unit=units["village_a"], title=f"Usulan {i}", created_by=users["village"]
            )
            for row in (1, 2):
                ProposalRow.objects.create(
                    batch=batch, row_number=row, nik=make_nik(), no_kk=make_no_kk(),
                    name=f"WARGA {i}", desa=regions["desa_a"], household=family,
                )  # fmt: skip
            desk.log(
                by=users["desk"],
                channel=Complaint.Channel.WALK_IN,
                category=category,
                complainant_name=f"Warga {i}",
                story="Belum menerima bantuan",
            )

    return add


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(("role", "name"), PAGES)
def test_a_page_asks_the_database_as_often_for_many_rows_as_for_few(
    client, users, grow, role, name
):
    client.force_login(users[role])
    url = reverse(name)
    grow(2)
    few = queries(client, url)
    grow(8)
    assert queries(client, url) == few
