"""Families of an open round that a new roster puts in doubt: those that left it, and those
whose desil rose above the round's limit, flagged on the round's page."""

import pytest
from django.urls import reverse

from tests.verification.conftest import family
from tests.verification.test_roster_changes import version_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def november(round_, regions, django_capture_on_commit_callbacks):
    """DTSEN: SLAMET left in November; SUPARNO's desil rose from 2 to 6; SUPARMAN stayed."""
    slamet, suparno, suparman = (
        family(round_, name) for name in ("SLAMET RIYADI", "SUPARNO", "SUPARMAN")
    )

    def row(household, desil):
        return (household.no_kk, household.head_nik, household.head_name, desil, household.desa)

    october = version_of("Oktober 2026", [row(slamet, 3), row(suparno, 2), row(suparman, 1)])
    with django_capture_on_commit_callbacks(execute=True):
        october.activate()
    made = version_of("November 2026", [row(suparno, 6), row(suparman, 1)])
    with django_capture_on_commit_callbacks(execute=True):
        made.activate()
    return made


def test_the_round_page_flags_who_left_and_who_rose_above_the_limit(round_, users, november, login):
    client = login(users["staff"])
    page = client.get(reverse("programs:round", args=[round_.pk])).content.decode()
    assert "1 keluarga dalam putaran ini telah keluar dari daftar program" in page
    assert "di atas desil" not in page  # no limit given yet
    client.post(reverse("verification:round_flags", args=[round_.pk]), {"desil_limit": "4"})
    round_.refresh_from_db()
    assert round_.desil_limit == 4
    page = client.get(reverse("programs:round", args=[round_.pk])).content.decode()
    assert "1 keluarga kini di atas desil 4 putaran ini" in page
    flags = client.get(reverse("verification:round_flags", args=[round_.pk]))
    assert [a.household.head_name for a, _row, _code in flags.context["left"]] == ["SLAMET RIYADI"]
    assert [(a.household.head_name, row.desil) for a, row in flags.context["desil"]] == [
        ("SUPARNO", 6)
    ]
    assert family(round_, "SLAMET RIYADI").head_nik not in flags.content.decode()  # masked


def test_the_head_reads_the_flags_but_does_not_change_the_limit(round_, users, november, login):
    client = login(users["head"])
    assert client.get(reverse("verification:round_flags", args=[round_.pk])).status_code == 200
    response = client.post(
        reverse("verification:round_flags", args=[round_.pk]), {"desil_limit": "9"}
    )
    assert response.status_code == 403
