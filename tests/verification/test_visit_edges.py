"""Where screening and visits meet the office's other work: a hit waiting for a visit through
a second screening, one family on two lists, corrections the office made meanwhile, a family
that moves desa, a kecamatan with no account, a new version of a list, a screening whose worker
died, a closed cycle, and a photo that would not fit in memory."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from programs import rounds
from programs.models import Allocation, AllocationRound
from tests.conftest import program
from tests.verification.conftest import exclusion_list, family, photo
from tests.verification.test_visits import visit_data
from verification import screening, visits
from verification.models import Screening, ScreeningHit, Task

pytestmark = pytest.mark.django_db

DECISIONS = ScreeningHit.Decision


def screen(round_, users, capture):
    with capture(execute=True):
        made = screening.start(round_, by=users["staff"])
    made.refresh_from_db()
    return made


def visited(task, users, **fields):
    """The visit sent, checked by the kecamatan and approved by the district."""
    photos = {"house": photo(), "head": photo()}
    visits.submit(task, visit_data(task, **fields), photos, by=users["village"])
    visits.check(task, approve=True, by=users["kecamatan"])
    return visits.approve(task, by=users["staff"])


def approve_list(round_, users):
    recipients = rounds.prepare_list(round_, round_.targets.get().program, None, by=users["staff"])
    return rounds.approve(recipients, by=users["head"])


def test_a_hit_sent_for_a_visit_is_settled_by_it_after_the_round_is_screened_again(
    round_, users, civil_servants, cycle, django_capture_on_commit_callbacks
):
    first = screen(round_, users, django_capture_on_commit_callbacks)
    screening.decide(first.hits.get(), DECISIONS.VISIT, note="", cycle=cycle, by=users["staff"])
    again = screen(round_, users, django_capture_on_commit_callbacks)
    assert again.hits.get().decision == DECISIONS.VISIT  # still waiting for the visit
    visited(Task.objects.get(), users)
    assert set(ScreeningHit.objects.values_list("decision", flat=True)) == {DECISIONS.CLEARED}
    third = screen(round_, users, django_capture_on_commit_callbacks)
    assert third.hits.get().decision == DECISIONS.CLEARED  # the latest decision carries over
    approve_list(round_, users)


def test_one_family_on_two_lists_is_settled_by_its_one_visit(
    round_, users, civil_servants, cycle, django_capture_on_commit_callbacks
):
    slamet = family(round_, "SLAMET RIYADI")
    exclusion_list("PINDAH", "moved", [(slamet.head_nik, "", "SLAMET RIYADI", None)])
    made = screen(round_, users, django_capture_on_commit_callbacks)
    assert made.hits.count() == 2
    for hit in made.hits.all():
        screening.decide(hit, DECISIONS.VISIT, note="", cycle=cycle, by=users["staff"])
    assert cycle.tasks.count() == 1
    visited(cycle.tasks.get(), users, outcome="moved")
    assert set(made.hits.values_list("decision", flat=True)) == {DECISIONS.EXCLUDED}
    assert not round_.allocations.filter(household=slamet).exists()
    approve_list(round_, users)


def test_a_hit_cannot_wait_for_a_visit_already_approved(
    round_, users, civil_servants, cycle, django_capture_on_commit_callbacks
):
    slamet = family(round_, "SLAMET RIYADI")
    visited(visits.add_task(cycle, slamet, reason="manual", by=users["staff"]), users)
    hit = screen(round_, users, django_capture_on_commit_callbacks).hits.get()
    with pytest.raises(ValidationError, match="sudah disetujui"):
        screening.decide(hit, DECISIONS.VISIT, note="", cycle=cycle, by=users["staff"])
    hit.refresh_from_db()
    assert hit.decision == DECISIONS.UNDECIDED


def test_screening_out_takes_the_family_out_of_the_screened_round_only(
    round_, users, civil_servants, django_capture_on_commit_callbacks
):
    slamet = family(round_, "SLAMET RIYADI")
    blt = AllocationRound.objects.create(name="BLT Desa", run=round_.run, created_by=users["staff"])
    other = Allocation.objects.create(
        round=blt,
        household=slamet,
        proposal_row=slamet.proposal_rows.get(),
        target=program("BLTDESA"),
    )
    hit = screen(round_, users, django_capture_on_commit_callbacks).hits.get()
    screening.decide(hit, DECISIONS.EXCLUDED, note="PNS", by=users["staff"])
    assert not round_.allocations.filter(household=slamet).exists()
    assert Allocation.objects.filter(pk=other.pk).exists()


def test_a_decision_holds_for_the_next_version_of_the_list(
    round_, users, civil_servants, django_capture_on_commit_callbacks
):
    hit = screen(round_, users, django_capture_on_commit_callbacks).hits.get()
    screening.decide(hit, DECISIONS.CLEARED, note="orang lain", by=users["staff"])
    rows = [(r.nik, r.no_kk, r.name, r.birth_date) for r in civil_servants.rows.order_by("pk")]
    exclusion_list("ASN", "asn", rows, period="Desember 2026")  # the same list, next month
    again = screen(round_, users, django_capture_on_commit_callbacks).hits.get()
    assert again.version != hit.version
    assert (again.decision, again.note) == (DECISIONS.CLEARED, "orang lain")


def test_a_screening_whose_worker_died_can_be_started_again(
    round_, users, civil_servants, login, settings
):
    stuck = Screening.objects.create(round=round_, started_by=users["staff"])
    client = login(users["staff"])
    client.post(reverse("verification:screening_start", args=[round_.pk]))
    assert round_.screenings.count() == 1  # running: a second click starts nothing
    Screening.objects.filter(pk=stuck.pk).update(
        started_at=timezone.now() - settings.DEDUP_STALLED_AFTER - datetime.timedelta(minutes=1)
    )
    page = client.get(reverse("programs:round", args=[round_.pk])).content.decode()
    assert "Penyaringan terakhir tidak selesai" in page
    client.post(reverse("verification:screening_start", args=[round_.pk]))
    assert round_.screenings.count() == 2


def test_a_visit_applies_what_the_operator_corrected_not_what_the_office_changed_since(
    round_, users, cycle, login
):
    suparno = family(round_, "SUPARNO")
    task = visits.add_task(cycle, suparno, reason="manual", by=users["staff"])
    suparno.address = "DUSUN BARU NO 7"  # the office corrects the address meanwhile
    suparno.save()
    page = login(users["village"]).get(reverse("verification:task", args=[task.pk]))
    assert page.context["form"]["address"].value() == "DUSUN BARU NO 7"  # shown as it is now
    data = visit_data(task, address="DUSUN BARU NO 7", rt="004", rw="009")
    visits.submit(task, data, {"house": photo(), "head": photo()}, by=users["village"])
    suparno.rw = "011"  # and the RW, after the visit was sent
    suparno.save()
    visits.check(task, approve=True, by=users["kecamatan"])
    visits.approve(task, by=users["staff"])
    suparno.refresh_from_db()
    assert (suparno.address, suparno.rt, suparno.rw) == ("DUSUN BARU NO 7", "004", "011")
    assert "RW" in task.steps.latest("at").reason  # named back to the approver
    row = suparno.proposal_rows.get()
    assert row.rt == "004"
    assert row.history.latest().history_change_reason.startswith("Kunjungan")


def test_a_family_that_moves_desa_takes_its_open_visit_to_its_new_village(
    round_, users, cycle, regions, login
):
    suparno = family(round_, "SUPARNO")
    task = visits.add_task(cycle, suparno, reason="manual", by=users["staff"])
    suparno.desa = regions["desa_b"]
    suparno.save()
    task.refresh_from_db()
    assert task.desa == regions["desa_b"]
    assert (
        login(users["village"]).get(reverse("verification:task", args=[task.pk])).status_code == 404
    )
    assert (
        login(users["village_b"]).get(reverse("verification:task", args=[task.pk])).status_code
        == 200
    )


def test_the_district_checks_a_visit_where_the_kecamatan_has_no_account(round_, users, cycle):
    suparman = family(round_, "SUPARMAN")  # Harjobinangun, Kecamatan Grabag: no TKSK account
    task = visits.add_task(cycle, suparman, reason="manual", by=users["staff"])
    visits.submit(
        task, visit_data(task), {"house": photo(), "head": photo()}, by=users["village_b"]
    )
    visits.approve(task, by=users["staff"])
    task.refresh_from_db()
    assert task.status == Task.Status.APPROVED
    purworejo = visits.add_task(
        cycle, family(round_, "SUPARNO"), reason="manual", by=users["staff"]
    )
    visits.submit(
        purworejo, visit_data(purworejo), {"house": photo(), "head": photo()}, by=users["village"]
    )
    with pytest.raises(ValidationError):  # Purworejo has its TKSK: they check first
        visits.approve(purworejo, by=users["staff"])


def test_a_closed_cycle_takes_no_visit_and_no_family(round_, users, cycle, login):
    task = visits.add_task(cycle, family(round_, "SUPARNO"), reason="manual", by=users["staff"])
    login(users["staff"]).post(reverse("verification:cycle_close", args=[cycle.pk]))
    cycle.refresh_from_db()
    assert cycle.closed
    with pytest.raises(ValidationError):
        visits.submit(
            task, visit_data(task), {"house": photo(), "head": photo()}, by=users["village"]
        )
    with pytest.raises(ValidationError):
        visits.add_tasks(
            cycle, [family(round_, "SLAMET RIYADI")], reason="manual", by=users["staff"]
        )
    page = login(users["village"]).get(reverse("verification:task", args=[task.pk]))
    assert page.context["form"] is None


def test_a_location_on_the_equator_is_kept_and_one_off_the_earth_refused(
    round_, users, cycle, login
):
    task = visits.add_task(cycle, family(round_, "SUPARNO"), reason="manual", by=users["staff"])
    client = login(users["village"])
    url = reverse("verification:task", args=[task.pk])
    form = {"outcome": "eligible", "head_name": "SUPARNO", "address": "DUSUN KRAJAN"}
    refused = client.post(
        url,
        {
            **form,
            "latitude": "500",
            "longitude": "-999",
            "accuracy": "5",
            "photo_house_upload": photo(),
            "photo_head_upload": photo(),
        },
    )
    assert "bukan tempat di Bumi" in refused.content.decode()
    client.post(
        url,
        {
            **form,
            "latitude": "0",
            "longitude": "109.333",
            "accuracy": "5",
            "photo_house_upload": photo(),
            "photo_head_upload": photo(),
        },
    )
    task.refresh_from_db()
    assert task.status == Task.Status.SUBMITTED and task.latitude == 0
    page = login(users["kecamatan"]).get(url).content.decode()
    assert "0.000000, 109.333000" in page  # coordinates as GPS writes them, never 0,000000


def test_a_photo_too_large_to_hold_in_memory_is_refused_however_small_the_file():
    out = io.BytesIO()
    Image.new("1", (13000, 13000)).save(out, "PNG")  # 169 million pixels in a few kilobytes
    assert len(out.getvalue()) < 100_000
    with pytest.raises(ValidationError, match="bukan foto"):
        visits.shrink_photo(SimpleUploadedFile("rumah.png", out.getvalue()))


def test_a_photo_replaced_after_a_return_leaves_no_file_behind(
    round_, users, cycle, django_capture_on_commit_callbacks
):
    task = visits.add_task(cycle, family(round_, "SUPARNO"), reason="manual", by=users["staff"])
    visits.submit(task, visit_data(task), {"house": photo(), "head": photo()}, by=users["village"])
    visits.check(task, approve=False, reason="buram", by=users["kecamatan"])
    task.refresh_from_db()
    first, storage = task.photo_house.name, task.photo_house.storage
    with django_capture_on_commit_callbacks(execute=True):
        visits.submit(
            task, visit_data(task), {"house": photo(colour=(1, 2, 3))}, by=users["village"]
        )
    task.refresh_from_db()
    assert task.photo_house.name != first and not storage.exists(first)
    assert storage.exists(task.photo_head.name)  # kept: no new one came


def test_a_death_is_news_on_the_first_version_that_knows_it_only(
    round_, users, regions, django_capture_on_commit_callbacks
):
    from households.models import Member
    from tests.verification.conftest import version_of
    from verification.models import RosterChange

    suparno = family(round_, "SUPARNO")
    Member.objects.create(household=suparno, name="TUKIYEM", relation="parent", status="died")
    row = (suparno.no_kk, suparno.head_nik, suparno.head_name, 2, suparno.desa)
    for period in ("Oktober 2026", "November 2026", "Desember 2026"):
        made = version_of(period, [row])
        with django_capture_on_commit_callbacks(execute=True):
            made.activate()
    died = RosterChange.objects.filter(kind=RosterChange.Kind.DIED)
    assert [c.version.period for c in died] == ["November 2026"]
