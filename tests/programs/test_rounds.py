"""An allocation round over a cross-check run: who is eligible, what the plan gives, and the
allocations saved with their households, who made them, and any override's reason."""

import pytest
from django.db import IntegrityError
from django.utils import translation

from dedup.models import Result
from households.models import Household
from programs import rounds
from programs.models import (
    Allocation,
    AllocationRound,
    Program,
    ProposalRow,
    RosterRow,
    RosterVersion,
)
from tests.conftest import program

pytestmark = pytest.mark.django_db


@pytest.fixture
def round_(users, doubtful_run):
    """SLAMET (on PKH) and SUPARNO (in review) were proposed; two targets fill in turn."""
    made = AllocationRound.objects.create(
        name="Bansos Desember 2026", run=doubtful_run, order=["desil"], created_by=users["staff"]
    )
    made.targets.create(program=Program.objects.get(code="BANSOSPROV"), places=1, position=0)
    made.targets.create(program=Program.objects.get(code="JPSKAB"), budget=10**9, position=1)
    return made


def slamet():
    return Result.objects.get(proposal_row__name="SLAMET RIYADI").proposal_row


def test_a_family_in_review_waits_and_one_on_an_excluding_roster_is_told_why(round_):
    families = rounds.families_for(round_)
    assert [(f.ref, f.holds) for f in families] == [(slamet().pk, frozenset({"PKH"}))]
    plan = rounds.plan_round(round_)
    assert plan.assigned == {}
    assert rounds.why_left_out(plan)[slamet().pk].startswith(
        "tidak boleh digabung (BANSOSPROV: sudah"
    )
    with translation.override("en"):  # in the user's language
        assert rounds.why_left_out(plan)[slamet().pk] == (
            "may not be combined (BANSOSPROV: already receives PKH; JPSKAB: already receives PKH)"
        )


def test_a_saved_plan_makes_allocations_with_households_and_history(round_, users):
    round_.allowed_pairs = [["PKH", "BANSOSPROV"]]
    round_.save()
    plan = rounds.plan_round(round_)
    assert plan.assigned == {slamet().pk: "BANSOSPROV"}

    (allocation,) = rounds.save_plan(round_, plan, by=users["staff"])
    allocation = Allocation.objects.get(pk=allocation.pk)
    assert (allocation.target.code, allocation.proposal_row, allocation.excluded_by) == (
        "BANSOSPROV",
        slamet(),
        "",
    )
    household = Household.objects.get(head_nik=slamet().nik)
    assert allocation.household == household and household.desa == slamet().desa
    assert slamet().household == household  # the proposal row now knows its household
    assert allocation.history.get().history_user == users["staff"]


def test_an_override_is_saved_with_the_roster_it_overrides_and_why(round_, users):
    reason = "PKH dihentikan Oktober 2026 (surat pendamping)"
    plan = rounds.plan_round(round_, overrides={slamet().pk: ("JPSKAB", reason)})
    (allocation,) = rounds.save_plan(round_, plan, by=users["staff"])
    assert (allocation.target.code, allocation.excluded_by, allocation.override_reason) == (
        "JPSKAB",
        "PKH",
        reason,
    )


def test_the_database_refuses_an_excluded_family_without_a_reason(round_, households):
    jps = Program.objects.get(code="JPSKAB")
    with pytest.raises(IntegrityError):
        Allocation.objects.create(
            round=round_, household=households["a"], target=jps, excluded_by="BLTDESA"
        )


def test_the_desil_comes_from_the_ranking_roster_the_family_is_on(round_):
    dtsen = RosterVersion.objects.create(program=program("DTSEN"), period="2026")
    RosterRow.objects.create(version=dtsen, row_number=5, nik=slamet().nik, desil=2)
    round_.run.roster_versions.add(dtsen)
    Result.objects.filter(proposal_row=slamet()).update(
        programs="DTSEN;PKH", matches="DTSEN:5;PKH:1"
    )
    (family,) = rounds.families_for(round_)
    assert family.desil == 2
    # DTSEN pays nothing: it excludes no one, PKH still does.
    assert rounds.matrix_for(round_).excluding(family.holds, "JPSKAB") == ["PKH"]


def test_jps_families_are_checked_again_valid_ones_to_phase_1_the_rest_returned(round_, users):
    from programs.models import ProposalRow

    row = slamet()
    plan = rounds.plan_round(round_, overrides={row.pk: ("JPSKAB", "PKH dihentikan")})
    (allocation,) = rounds.save_plan(round_, plan, by=users["staff"])
    ProposalRow.objects.filter(pk=row.pk).update(name="-", rt="")

    assert rounds.revalidate_jps(round_, by=users["staff"]) == {
        "phase_1": 0,
        "phase_2": 0,
        "returned": 1,
        "checking": 0,
        "in_review": 0,
    }
    allocation.refresh_from_db()
    assert allocation.status == "returned" and allocation.phase is None
    assert [p["column"] for p in allocation.return_reasons] == ["name", "rt"]
    assert allocation.history.first().history_user == users["staff"]
    # Returned, it waits for its village: checking again changes nothing until it is corrected
    # (tests/programs/test_corrections.py).
    assert rounds.revalidate_jps(round_, by=users["staff"])["returned"] == 0


def test_two_eligible_rows_of_one_family_card_get_one_place(round_, users):
    from programs.models import ProposalRow

    suparno = Result.objects.get(proposal_row__name="SUPARNO")
    ProposalRow.objects.filter(pk=suparno.proposal_row_id).update(no_kk=slamet().no_kk)
    Result.objects.filter(pk=suparno.pk).update(status="new")
    assert round_.run.count_families() == 1
    assert [f.ref for f in rounds.families_for(round_)] == [slamet().pk]  # the first listing

    round_.allowed_pairs = [["PKH", "BANSOSPROV"]]
    round_.save()
    rounds.save_plan(round_, rounds.plan_round(round_), by=users["staff"])
    assert Allocation.objects.filter(round=round_).count() == 1


def test_a_family_linked_to_its_earlier_listing_gets_one_place_though_both_are_on_a_roster(
    round_,
):
    # DTSEN excludes no one: the later listing, also in_roster, must not take a second place.
    suparno = Result.objects.get(proposal_row__name="SUPARNO")
    Result.objects.filter(pk=suparno.pk).update(
        status="in_roster", programs="DTSEN", matches="DTSEN:4;USULAN:1"
    )
    round_.run.count_families()
    assert [f.ref for f in rounds.families_for(round_)] == [slamet().pk]


def test_a_head_whose_nik_is_another_familys_no_kk_still_gets_a_place(round_):
    suparno = Result.objects.get(proposal_row__name="SUPARNO")
    ProposalRow.objects.filter(pk=suparno.proposal_row_id).update(nik=slamet().no_kk)
    Result.objects.filter(pk=suparno.pk).update(status="new")
    assert round_.run.count_families() == 2
    assert [f.ref for f in rounds.families_for(round_)] == [
        slamet().pk, suparno.proposal_row_id]  # fmt: skip


@pytest.fixture
def allocated(round_, users):
    """SLAMET placed on the provincial quota (PKH may be combined with it)."""
    round_.allowed_pairs = [["PKH", "BANSOSPROV"]]
    round_.save()
    rounds.save_plan(round_, rounds.plan_round(round_), by=users["staff"])
    return round_


def test_staff_prepare_a_list_and_only_the_head_approves_it(allocated, users):
    from django.core.exceptions import PermissionDenied, ValidationError

    province = Program.objects.get(code="BANSOSPROV")
    recipients = rounds.prepare_list(allocated, province, None, by=users["staff"])
    assert (recipients.version, recipients.allocations.count()) == (1, 1)
    with pytest.raises(PermissionDenied):
        rounds.approve(recipients, by=users["staff"])  # the maker is not the checker
    head = users["head"]
    with pytest.raises(ValidationError):
        rounds.approve(rounds.prepare_list(allocated, province, None, by=head), by=head)

    recipients = rounds.prepare_list(allocated, province, None, by=users["staff"])
    approved = rounds.approve(recipients, by=head)
    assert approved.approved_by == head and approved.approved_at is not None
    assert set(Allocation.objects.values_list("status", flat=True)) == {"approved"}
    assert Allocation.objects.get().history.first().history_user == head


def test_an_approved_list_changes_only_through_a_new_version_with_a_reason(allocated, users):
    from django.core.exceptions import ValidationError

    province = Program.objects.get(code="BANSOSPROV")
    first = rounds.approve(
        rounds.prepare_list(allocated, province, None, by=users["staff"]), by=users["head"]
    )
    Allocation.objects.update(status="returned")  # the family leaves the list
    with pytest.raises(ValidationError, match="Versi 1 sudah disetujui"):
        rounds.prepare_list(allocated, province, None, by=users["staff"])
    second = rounds.prepare_list(
        allocated, province, None, by=users["staff"], reason="meninggal dunia, surat desa"
    )
    assert (second.version, second.reason, second.allocations.count()) == (
        2,
        "meninggal dunia, surat desa",
        0,
    )
    added, removed = rounds.difference(first, second)
    family = Allocation.objects.get()
    assert list(added) == [] and list(removed) == [family.household]
    # The approved version stays as it was signed, whatever the family's data becomes.
    ProposalRow.objects.filter(pk=family.proposal_row_id).update(name="SLAMET R.", nik="")
    (entry,) = first.entries.all()
    assert (entry.name, entry.nik, entry.household) == (
        "SLAMET RIYADI",
        family.household.head_nik,
        family.household,
    )


def test_staff_move_a_family_with_a_reason_and_override_an_excluding_roster(allocated, users):
    from django.core.exceptions import ValidationError

    jps = Program.objects.get(code="JPSKAB")
    allocation = Allocation.objects.get()
    with pytest.raises(ValidationError):
        rounds.move(allocation, to=jps, reason="", by=users["staff"])
    with pytest.raises(ValidationError, match="PKH"):  # PKH may not be combined with JPS
        rounds.move(allocation, to=jps, reason="kuota provinsi penuh", by=users["staff"])

    moved = rounds.move(
        allocation,
        to=jps,
        reason="kuota provinsi penuh",
        override="PKH berhenti November 2026",
        by=users["staff"],
    )
    assert (moved.target, moved.excluded_by, moved.override_reason) == (
        jps,
        "PKH",
        "PKH berhenti November 2026",
    )
    change = moved.history.first()
    assert (change.history_user, change.history_change_reason) == (
        users["staff"],
        "kuota provinsi penuh",
    )
    assert rounds.move(moved, to=None, reason="pindah ke luar kabupaten", by=users["staff"]) is None
    gone = Allocation.history.filter(id=moved.pk).first()
    assert (gone.history_type, gone.history_change_reason) == ("-", "pindah ke luar kabupaten")


def test_an_approved_family_stays_and_a_full_target_takes_no_more(allocated, users):
    from django.core.exceptions import ValidationError

    province, jps = Program.objects.get(code="BANSOSPROV"), Program.objects.get(code="JPSKAB")
    allocation = Allocation.objects.get()
    allocated.targets.filter(program=jps).update(budget=0)  # JPS pays for no family
    with pytest.raises(ValidationError, match="JPSKAB"):
        rounds.move(allocation, to=jps, reason="coba", override="x", by=users["staff"])
    with pytest.raises(ValidationError):
        rounds.move(allocation, to=None, reason="x" * 101, by=users["staff"])  # history keeps 100

    listed = rounds.prepare_list(allocated, province, None, by=users["staff"])
    rounds.approve(listed, by=users["head"])
    with pytest.raises(ValidationError, match="versi 1"):
        rounds.move(allocation, to=None, reason="meninggal", by=users["staff"])
    assert listed.allocations.count() == 1


def test_the_head_approves_only_the_list_as_it_stands(allocated, users):
    from django.core.exceptions import ValidationError

    province = Program.objects.get(code="BANSOSPROV")
    listed = rounds.prepare_list(allocated, province, None, by=users["staff"])
    jps = Program.objects.get(code="JPSKAB")
    rounds.move(
        Allocation.objects.get(), to=jps, reason="kuota", override="PKH berhenti", by=users["staff"]
    )
    with pytest.raises(ValidationError, match="memperbarui daftar"):
        rounds.approve(listed, by=users["head"])
