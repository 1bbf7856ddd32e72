"""One number for "lanjut ke alokasi": the families a cross-check sends on to allocation, each
once, are the same count on the run's page, each proposal's page, the round's dashboard and the
round's proposed allocation, and the round weighs exactly those families."""

import importlib
import re

import pytest
from django.urls import reverse

from dedup import pipeline
from dedup.models import Result, ReviewPair
from programs import rounds
from programs.models import AllocationRound, ProposalBatch, ProposalRow, RosterRow, RosterVersion
from tests.conftest import make_nik, make_no_kk, program

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposed_twice(users, units, regions, run_on_commit):
    """The village proposes SLAMET (on PKH), SUPARNO (one digit off a BST listing: a person
    decides), PAIJO and SARNI (on no roster). The agency proposes SLAMET, PAIJO and SUPARNO
    again."""
    people = {
        name: (make_nik(), make_no_kk()) for name in ("SLAMET RIYADI", "SUPARNO", "PAIJO", "SARNI")
    }

    def propose(unit, user, names):
        batch = ProposalBatch.objects.create(unit=unit, title=f"Usulan {unit}", created_by=user)
        for n, name in enumerate(names, start=1):
            nik, no_kk = people[name]
            ProposalRow.objects.create(
                batch=batch,
                row_number=n,
                nik=nik,
                no_kk=no_kk,
                name=name,
                address="DUSUN KRAJAN",
                rt="002",
                rw="005",
                desa=regions["desa_a"],
            )
        return batch

    village = propose(
        units["village_a"], users["village"], ["SLAMET RIYADI", "SUPARNO", "PAIJO", "SARNI"]
    )
    agency = propose(units["agency"], users["agency"], ["SLAMET RIYADI", "PAIJO", "SUPARNO"])
    pkh = RosterVersion.objects.create(program=program("PKH"), period="2026")
    RosterRow.objects.create(
        version=pkh, row_number=1, nik=people["SLAMET RIYADI"][0], name="SLAMET RIYADI"
    )
    pkh.activate()
    bst = RosterVersion.objects.create(program=program("BST"), period="2026")
    nik = people["SUPARNO"][0]
    slipped = next(nik[:-1] + d for d in "0123456789" if nik[:-1] + d not in (nik,))
    RosterRow.objects.create(version=bst, row_number=7, nik=slipped, name="SUPARNO")
    bst.activate()
    run = pipeline.start_run(batches=[village, agency], user=users["staff"])
    return run, village, agency


def number(html: str, label: str) -> int:
    """The count a page shows for `label`: its card's figure, or its funnel row's."""
    card = rf'<div class="n">([\d.]+)</div><div class="what">{label}<'
    row = rf"{label}(?:</a>)?</th>\s*<td class=\"num\">(?:<a [^>]*>)?([\d.]+)<"
    found = re.search(card, html) or re.search(row, html)
    assert found, f"{label!r} not on the page"
    return int(found.group(1).replace(".", ""))


def test_a_family_proposed_twice_goes_on_once_and_every_page_says_so(login, users, proposed_twice):
    run, village, agency = proposed_twice
    status = {
        (r.proposal_row.batch_id, r.proposal_row.name): (r.status, r.outcome)
        for r in Result.objects.select_related("proposal_row")
    }
    # The contract's status puts the roster first; the pages count the later SLAMET as twice.
    assert status[(agency.pk, "SLAMET RIYADI")] == ("in_roster", "duplicate_in_batch")
    assert status[(village.pk, "SLAMET RIYADI")] == ("in_roster", "in_roster")
    assert status[(agency.pk, "PAIJO")] == ("duplicate_in_batch", "duplicate_in_batch")
    # SUPARNO is not the BST family: he goes on too, once decided.
    ReviewPair.objects.get().decide(same_family=False, by=users["staff"])
    assert run.results.going_on().count() == 4

    staff = login(users["staff"])
    run_page = staff.get(reverse("dedup:run", args=[run.pk])).content.decode()
    assert number(run_page, "lanjut ke alokasi") == 4
    assert number(run_page, "diusulkan ganda") == 3
    twice = staff.get(reverse("dedup:results", args=[run.pk]), {"status": "duplicate_in_batch"})
    assert sorted(r.proposal_row.name for r in twice.context["page"]) == [
        "PAIJO", "SLAMET RIYADI", "SUPARNO"]  # fmt: skip

    shown = [
        number(staff.get(reverse("programs:batch", args=[batch.pk])).content.decode(),
               "lanjut ke alokasi")
        for batch in (village, agency)
    ]  # fmt: skip
    assert shown == [4, 0]

    round_ = AllocationRound.objects.create(name="Desember", run=run, created_by=users["staff"])
    round_.targets.create(program=program("JPSKAB"), places=2, position=0)
    board = staff.get(reverse("programs:round_dashboard", args=[round_.pk])).content.decode()
    assert number(board, "lanjut ke alokasi") == 4
    preview = staff.get(reverse("programs:round", args=[round_.pk]))
    assert preview.context["going_on"] == 4
    assert "4 keluarga lanjut ke alokasi" in preview.content.decode()
    families = rounds.families_for(round_)
    assert len(families) == 4
    placed = preview.context["totals"][0][1]
    assert placed == 2 and placed + sum(n for _why, n in preview.context["left_out"]) == 4


def test_a_decision_that_lets_an_earlier_row_go_on_makes_the_later_one_its_repeat(
    users, proposed_twice
):
    run, village, agency = proposed_twice
    # Say staff had judged the agency's SUPARNO apart from the village's, whose own BST pair
    # still waits: the agency's row goes on for the family, for now.
    later = Result.objects.get(proposal_row__batch=agency, proposal_row__name="SUPARNO")
    Result.objects.filter(pk=later.pk).update(status="new", matches="", score=None, reason="")
    run.count_families()
    assert run.results.going_on().filter(proposal_row__name="SUPARNO").get() == later

    ReviewPair.objects.get().decide(same_family=False, by=users["staff"])

    # The village's row is now the family's first: the agency's repeats it, the count holds.
    (first,) = run.results.going_on().filter(proposal_row__name="SUPARNO")
    assert first.proposal_row.batch == village
    later.refresh_from_db()
    assert later.repeat and later.outcome == "duplicate_in_batch"
    assert run.results.going_on().count() == 4


def test_the_migration_counts_the_families_of_runs_finished_before_it(proposed_twice):
    from django.apps import apps

    migration = importlib.import_module("dedup.migrations.0010_count_families")
    run, _village, _agency = proposed_twice
    counted = set(run.results.filter(repeat=True).values_list("pk", flat=True))
    assert counted  # the agency's SLAMET, on PKH and proposed by the village first
    Result.objects.update(repeat=False)  # as the results of every run were before 0009

    migration.count_families(apps, None)

    assert set(run.results.filter(repeat=True).values_list("pk", flat=True)) == counted


def test_a_recheck_knows_which_linked_rows_hold_the_familys_place(proposed_twice):
    # A corrected family the re-check links to one of these is that family proposed twice.
    run, village, agency = proposed_twice
    labels = {f"USULAN:{village.pk}-1", f"USULAN:{agency.pk}-1", f"USULAN:{village.pk}-2"}
    # The village's SLAMET goes on; the agency's repeats it; the village's SUPARNO waits.
    assert run.going_on_among({*labels, "PKH:1"}) == {f"USULAN:{village.pk}-1"}
