"""Families of an open round that a new roster puts in doubt: those that left it, and those
whose desil rose above the round's limit, flagged on the round's page."""

import pytest
from django.urls import reverse

from tests.verification.conftest import family

pytestmark = pytest.mark.django_db


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
