"""What changed on a roster: when a new version becomes active it is compared, family by family,
with the one it replaced; staff see the counts per kecamatan and desa, each opening its list,
and download them."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from households.models import Download
from programs.models import RosterRow
from tests.conftest import make_nik, make_no_kk
from tests.verification.conftest import version_of
from verification.models import RosterChange
from verification.roster_changes import compare_versions

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_versions(regions, django_capture_on_commit_callbacks):
    a, b = regions["desa_a"], regions["desa_b"]
    stay, leave, poorer, widow, mover = [(make_no_kk(), make_nik()) for _ in range(5)]
    wife = make_nik(female=True)
    october = version_of("Oktober 2026", [
        (*stay, "SLAMET", 3, a), (*leave, "PAIMIN", 4, a), (*poorer, "SUPARNO", 6, a),
        (*widow, "KARTO", 2, b), (*mover, "TUKIMAN", 5, a),
    ])  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        october.activate()
    joined = (make_no_kk(), make_nik())
    november = version_of("November 2026", [
        (*stay, "SLAMET", 3, a), (*poorer, "SUPARNO", 2, a), (widow[0], wife, "SUMIYATI", 2, b),
        (*mover, "TUKIMAN", 5, b), (*joined, "WAGIMAN", 1, b),
    ])  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        november.activate()
    return october, november


def kinds(version):
    return sorted(
        (c.kind, RosterRow.objects.get(pk=c.new_row_id or c.old_row_id).name)
        for c in RosterChange.objects.filter(version=version)
    )


def test_activating_a_version_compares_it_with_the_one_it_replaced(two_versions):
    october, november = two_versions
    assert kinds(november) == [
        ("desil", "SUPARNO"), ("head", "SUMIYATI"), ("joined", "WAGIMAN"),
        ("left", "PAIMIN"), ("moved", "TUKIMAN"),
    ]  # fmt: skip
    assert not RosterChange.objects.filter(version=october).exists()  # it replaced nothing
    poorer = RosterChange.objects.get(version=november, kind="desil")
    assert (poorer.before, poorer.after) == ("6", "2")
    moved = RosterChange.objects.get(version=november, kind="moved")
    assert (moved.before, moved.after) == ("Sindurjan", "Harjobinangun")


def test_comparing_again_gives_the_same_changes_once(two_versions):
    october, november = two_versions
    assert compare_versions(november, october) == {
        "desil": 1, "head": 1, "joined": 1, "left": 1, "moved": 1,
    }  # fmt: skip
    assert RosterChange.objects.filter(version=november).count() == 5


def test_staff_see_the_counts_per_desa_each_opening_its_list(login, users, regions, two_versions):
    _october, november = two_versions
    client = login(users["staff"])
    page = client.get(reverse("verification:roster_changes", args=[november.pk]))
    places = {place["name"]: place for place in page.context["places"]}
    assert list(places) == ["Grabag", "Purworejo"]
    (sindurjan,) = places["Purworejo"]["villages"]
    assert dict(sindurjan["counts"]) == {
        "joined": 0, "left": 1, "desil": 1, "head": 0, "moved": 0, "died": 0,
    }  # fmt: skip
    assert dict(places["Grabag"]["counts"]) == {
        "joined": 1, "left": 0, "desil": 0, "head": 1, "moved": 1, "died": 0,
    }  # fmt: skip
    assert page.context["totals"] == [1, 1, 1, 1, 1, 0]
    by_kecamatan = client.get(
        reverse("verification:roster_change_list", args=[november.pk]),
        {"kecamatan": regions["desa_a"].parent_id},
    )
    assert sorted(c.kind for c in by_kecamatan.context["page"]) == ["desil", "left"]
    listed = client.get(
        reverse("verification:roster_change_list", args=[november.pk]),
        {"desa": regions["desa_b"].pk, "kind": "head"},
    )
    (change,) = listed.context["page"]
    assert change.family.name == "SUMIYATI"
    assert change.family.nik not in listed.content.decode()  # masked on the page


def test_the_list_downloads_with_full_numbers_and_the_download_is_recorded(
    login, users, two_versions
):
    _october, november = two_versions
    response = login(users["staff"]).get(
        reverse("verification:roster_changes_xlsx", args=[november.pk]), {"kind": "joined"}
    )
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [row[3] for row in rows[1:]] == ["WAGIMAN"]
    assert len(rows[1][4]) == 16
    recorded = Download.objects.get(kind=Download.Kind.ROSTER_CHANGES)
    assert recorded.user == users["staff"] and recorded.rows == 1


def test_operators_and_kecamatan_staff_may_not_open_the_changes(login, users, two_versions):
    _october, november = two_versions
    for role in ("village", "agency", "kecamatan", "desk"):
        url = reverse("verification:roster_changes", args=[november.pk])
        assert login(users[role]).get(url).status_code == 403


def test_a_family_whose_member_died_is_counted_from_the_deaths_list(
    regions, make_household, django_capture_on_commit_callbacks
):
    """Rosters carry one row a family: a death is known from the civil registry's list (a
    member's NIK) or from the household (a member marked died), matched by the head's NIK."""
    from households.models import Member
    from tests.verification.conftest import exclusion_list

    a = regions["desa_a"]
    karto = make_household(a, "KARTO")
    wife = Member.objects.create(
        household=karto, nik=make_nik(female=True), name="SUMIYATI", relation="spouse"
    )
    paimin = make_household(a, "PAIMIN")
    Member.objects.create(household=paimin, name="TUKIYEM", relation="parent", status="died")
    alive = make_household(a, "SLAMET")
    exclusion_list("MATI", "death", [(wife.nik, "", "SUMIYATI", None)])
    rows = [(h.no_kk, h.head_nik, h.head_name, 3, a) for h in (karto, paimin, alive)]
    october = version_of("Oktober 2026", rows)
    with django_capture_on_commit_callbacks(execute=True):
        october.activate()
    november = version_of("November 2026", rows)
    with django_capture_on_commit_callbacks(execute=True):
        november.activate()
    died = RosterChange.objects.filter(version=november, kind=RosterChange.Kind.DIED)
    assert sorted((c.new_row.name, c.after) for c in died) == [
        ("KARTO", "SUMIYATI"),
        ("PAIMIN", "TUKIYEM"),
    ]
