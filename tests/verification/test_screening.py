"""Screening before a decree: the families of a round matched against the exclusion lists the
office receives (civil servants, deaths...), each hit shown with its evidence and decided by
staff, and no list approved while a hit is undecided."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from dedup.forms import RunForm
from programs import rounds
from programs.models import Allocation
from tests.verification.conftest import family
from verification import screening
from verification.models import Screening, ScreeningHit, Task

pytestmark = pytest.mark.django_db

DECISIONS = ScreeningHit.Decision


@pytest.fixture
def screened(round_, users, civil_servants, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        made = screening.start(round_, by=users["staff"])
    made.refresh_from_db()
    return made


def prepared(round_, users):
    return rounds.prepare_list(round_, round_.targets.get().program, None, by=users["staff"])


def test_a_civil_servant_in_the_round_is_a_hit_with_the_lists_evidence(screened, round_):
    assert screened.status == Screening.Status.DONE and screened.families == 3
    (hit,) = screened.hits.all()
    assert hit.household == family(round_, "SLAMET RIYADI")
    assert hit.version.program.code == "ASN" and hit.person == "SLAMET RIYADI"
    assert hit.score == 100 and "NIK sama" in hit.reason
    assert hit.decision == DECISIONS.UNDECIDED


def test_a_member_is_found_by_her_nik_on_the_deaths_list(
    round_, users, wife_died, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        made = screening.start(round_, by=users["staff"])
    (hit,) = made.hits.all()
    assert hit.household == family(round_, "SUPARNO") and hit.person == "SUWARTI"
    assert hit.reason == "NIK anggota keluarga sama"


def test_an_undecided_hit_holds_the_list_back_until_staff_decide(screened, round_, users):
    recipients = prepared(round_, users)
    with pytest.raises(ValidationError, match="1 hasil penyaringan masih belum diputuskan"):
        rounds.approve(recipients, by=users["head"])
    hit = screened.hits.get()
    with pytest.raises(ValidationError):  # a decision says why
        screening.decide(hit, DECISIONS.CLEARED, note=" ", by=users["staff"])
    screening.decide(
        hit, DECISIONS.CLEARED, note="NIK sama, orang lain: salah input BKD", by=users["staff"]
    )
    rounds.approve(recipients, by=users["head"])
    assert round_.allocations.filter(status=Allocation.Status.APPROVED).count() == 3


def test_a_round_not_screened_against_the_current_lists_is_not_approved(
    round_, users, civil_servants, screened
):
    from tests.verification.conftest import exclusion_list

    screening.decide(screened.hits.get(), DECISIONS.CLEARED, note="orang lain", by=users["staff"])
    exclusion_list("PINDAH", "moved", [])  # a new list came in after the screening
    with pytest.raises(ValidationError, match="Saring putaran"):
        rounds.approve(prepared(round_, users), by=users["head"])


def test_without_exclusion_lists_approval_is_as_before(round_, users):
    rounds.approve(prepared(round_, users), by=users["head"])
    assert round_.lists.get().approved_at is not None


def test_screening_out_removes_the_family_from_the_round_with_the_reason(screened, round_, users):
    slamet = family(round_, "SLAMET RIYADI")
    allocation = round_.allocations.get(household=slamet)
    screening.decide(
        screened.hits.get(), DECISIONS.EXCLUDED, note="PNS Dinas Pendidikan", by=users["staff"]
    )
    assert not round_.allocations.filter(household=slamet).exists()
    gone = Allocation.history.filter(id=allocation.pk, history_type="-").get()
    assert "PNS Dinas Pendidikan" in gone.history_change_reason
    assert gone.history_user == users["staff"]
    rounds.approve(prepared(round_, users), by=users["head"])  # nothing holds it now


def test_a_hit_sent_for_a_visit_holds_the_list_until_the_visit_decides(
    screened, round_, users, cycle
):
    hit = screened.hits.get()
    with pytest.raises(ValidationError, match="siklus"):
        screening.decide(hit, DECISIONS.VISIT, note="", by=users["staff"])
    screening.decide(hit, DECISIONS.VISIT, note="", cycle=cycle, by=users["staff"])
    task = Task.objects.get(hit=hit)
    assert task.reason == Task.Reason.SCREENING and task.household == hit.household
    assert "ASN" in task.reason_note and task.desa == hit.household.desa
    with pytest.raises(ValidationError, match="belum diputuskan"):
        rounds.approve(prepared(round_, users), by=users["head"])


def test_screening_again_keeps_what_staff_decided(
    screened, round_, users, django_capture_on_commit_callbacks
):
    screening.decide(screened.hits.get(), DECISIONS.CLEARED, note="orang lain", by=users["staff"])
    with django_capture_on_commit_callbacks(execute=True):
        again = screening.start(round_, by=users["staff"])
    hit = again.hits.get()
    assert hit.decision == DECISIONS.CLEARED and hit.note == "orang lain"
    assert hit.decided_by == users["staff"]
    screening.screen(again)  # a task delivered twice: the same hits, once
    assert again.hits.count() == 1


def test_exclusion_lists_are_not_rosters_of_aid(civil_servants):
    """The cross-check offers aid rosters only: a civil servant is not 'already receiving'."""
    offered = RunForm().fields["versions"].queryset
    assert civil_servants not in offered


def test_staff_screen_and_decide_on_the_page(
    round_, users, civil_servants, login, django_capture_on_commit_callbacks
):
    client = login(users["staff"])
    round_page = client.get(reverse("programs:round", args=[round_.pk])).content.decode()
    assert "Belum disaring terhadap daftar pengecualian" in round_page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("verification:screening_start", args=[round_.pk]))
    page = client.get(reverse("verification:screening", args=[round_.pk])).content.decode()
    assert "SLAMET RIYADI" in page and "ASN/TNI/Polri" in page
    slamet = family(round_, "SLAMET RIYADI")
    assert slamet.head_nik not in page  # masked
    hit = ScreeningHit.objects.get()
    client.post(
        reverse("verification:hit_decide", args=[hit.pk]),
        {"decision": "cleared", "note": "orang lain, tanggal lahir beda"},
    )
    hit.refresh_from_db()
    assert hit.decision == DECISIONS.CLEARED and hit.decided_by == users["staff"]
    round_page = client.get(reverse("programs:round", args=[round_.pk])).content.decode()
    assert "tidak ada hasil yang belum diputuskan" in round_page


def test_the_head_reads_the_screening_but_does_not_decide(screened, round_, users, login):
    client = login(users["head"])
    assert client.get(reverse("verification:screening", args=[round_.pk])).status_code == 200
    hit = screened.hits.get()
    response = client.post(
        reverse("verification:hit_decide", args=[hit.pk]), {"decision": "cleared", "note": "x"}
    )
    assert response.status_code == 403
    hit.refresh_from_db()
    assert hit.decision == DECISIONS.UNDECIDED and hit.decided_by is None


def test_a_member_on_the_list_with_the_familys_no_kk_is_named_not_the_head(
    round_, users, django_capture_on_commit_callbacks
):
    """The deaths list carries the wife's NIK and the family's No. KK: the hit names her (her
    very NIK), not the head (the same No. KK)."""
    import datetime

    from households.models import Member
    from tests.conftest import make_nik
    from tests.verification.conftest import exclusion_list

    suparno = family(round_, "SUPARNO")
    wife = Member.objects.create(
        household=suparno, nik=make_nik(female=True), name="SUWARTI", relation="spouse"
    )
    exclusion_list(
        "MATI", "death", [(wife.nik, suparno.no_kk, "SUWARTI", datetime.date(1984, 5, 6))]
    )
    with django_capture_on_commit_callbacks(execute=True):
        made = screening.start(round_, by=users["staff"])
    (hit,) = made.hits.all()
    assert (hit.person, hit.reason) == ("SUWARTI", "NIK anggota keluarga sama")
