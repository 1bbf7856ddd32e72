"""Verification visits from the village to the district: a cycle's families, the operator's
visit with photos and the phone's location, the kecamatan's check (sent back once, with the
reason), the district's approval, and what an approved outcome changes."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from households.models import Household, Member
from programs.models import Allocation
from tests.verification.conftest import family, photo
from verification import visits
from verification.models import Task

pytestmark = pytest.mark.django_db

STATUS = Task.Status
AT_HOME = {"latitude": "-7.713100", "longitude": "110.008200", "accuracy": "12"}


def visit_data(task, **fields):
    return {
        "outcome": "eligible",
        "head_name": task.head_name,
        "address": task.address,
        "rt": task.rt,
        "rw": task.rw,
        "note": "",
        "members": {},
        **AT_HOME,
        **fields,
    }


@pytest.fixture
def task(round_, cycle, users):
    return visits.add_task(cycle, family(round_, "SUPARNO"), reason="manual", by=users["staff"])


def test_a_family_is_in_a_cycle_once(round_, cycle, users, task):
    again = visits.add_task(cycle, task.household, reason="complaint", by=users["staff"])
    assert again is None and cycle.tasks.count() == 1
    assert task.desa == task.household.desa and task.head_name == "SUPARNO"


def test_a_visit_sent_back_once_then_approved_changes_the_household(round_, users, task):
    suparno = task.household
    wife = Member.objects.create(household=suparno, name="SUWARTI", relation=Member.Relation.SPOUSE)
    photos = {"house": photo(), "head": photo("kk.jpg")}
    # The head died; the operator corrects the RT as found.
    data = visit_data(task, outcome="died", rt="004", members={str(wife.pk): "living"})
    visits.submit(task, data, photos, by=users["village"])
    visits.check(task, approve=False, reason="Foto rumah buram, ulangi", by=users["kecamatan"])
    task.refresh_from_db()
    assert task.status == STATUS.RETURNED and task.sent_back_reason == "Foto rumah buram, ulangi"
    with pytest.raises(ValidationError):  # the district waits for the kecamatan
        visits.approve(task, by=users["staff"])
    visits.submit(task, data, {"house": photo(colour=(10, 200, 10))}, by=users["village"])
    visits.check(task, approve=True, by=users["kecamatan"])
    visits.approve(task, by=users["staff"])

    task.refresh_from_db()
    assert task.status == STATUS.APPROVED and task.photo_head  # the first head photo stayed
    assert [(s.action, s.by.username) for s in task.steps.all()] == [
        ("submitted", "op.sindurjan"),
        ("returned", "tksk.purworejo"),
        ("submitted", "op.sindurjan"),
        ("checked", "tksk.purworejo"),
        ("approved", "staf"),
    ]
    suparno.refresh_from_db()
    assert suparno.status == Household.Status.DIED and suparno.rt == "004"
    record = suparno.history.latest()
    assert record.history_user == users["staff"]
    assert record.history_change_reason == "Kunjungan Verifikasi Triwulan IV 2026: meninggal"
    assert suparno.proposal_rows.get().rt == "004"  # the correction reaches the proposal row
    # A death takes the family out of the open round, with the reason.
    assert not Allocation.objects.filter(household=suparno).exists()


def test_a_member_marked_died_at_the_visit_is_died_once_approved(round_, users, task):
    son = Member.objects.create(household=task.household, name="ANTON", relation="child")
    data = visit_data(task, members={str(son.pk): "died"})
    visits.submit(task, data, {"house": photo(), "head": photo()}, by=users["village"])
    visits.check(task, approve=True, by=users["kecamatan"])
    son.refresh_from_db()
    assert son.status == Member.Status.LIVING  # not before the district approves
    visits.approve(task, by=users["staff"])
    son.refresh_from_db()
    assert son.status == Member.Status.DIED
    assert son.history.latest().history_user == users["staff"]
    # Still eligible: the family stays in the round.
    assert Allocation.objects.filter(household=task.household).exists()


def test_photos_are_checked_by_content_shrunk_and_stripped(users, task):
    with pytest.raises(ValidationError, match="bukan foto"):
        visits.shrink_photo(SimpleUploadedFile("rumah.jpg", b"MZ\x90\x00 not a photo"))
    shrunk = visits.shrink_photo(photo(size=(4000, 3000)))
    image = Image.open(io.BytesIO(shrunk.read()))
    assert max(image.size) == visits.PHOTO_SIDE and image.format == "JPEG"
    assert not image.getexif()  # the phone's metadata is not kept
    with pytest.raises(ValidationError, match="Ambil foto"):
        visits.submit(task, visit_data(task), {}, by=users["village"])


def test_only_the_village_visits_only_the_kecamatan_checks(users, task):
    data = visit_data(task)
    for who in ("village_b", "kecamatan", "staff"):
        with pytest.raises(PermissionDenied):
            visits.submit(task, data, {"house": photo(), "head": photo()}, by=users[who])
    visits.submit(task, data, {"house": photo(), "head": photo()}, by=users["village"])
    with pytest.raises(PermissionDenied):
        visits.check(task, approve=True, by=users["staff"])
    with pytest.raises(PermissionDenied):
        visits.approve(task, by=users["head"])


def test_a_village_sees_only_its_visits_and_photos(round_, cycle, users, task, login):
    suparman = visits.add_task(
        cycle, family(round_, "SUPARMAN"), reason="manual", by=users["staff"]
    )
    visits.submit(task, visit_data(task), {"house": photo(), "head": photo()}, by=users["village"])
    photo_url = reverse("verification:task_photo", args=[task.pk, "house"])

    client = login(users["village_b"])  # Harjobinangun
    cycle_page = client.get(reverse("verification:cycle", args=[cycle.pk])).content.decode()
    assert "SUPARMAN" in cycle_page and "SUPARNO" not in cycle_page
    assert client.get(reverse("verification:task", args=[task.pk])).status_code == 404
    assert client.get(photo_url).status_code == 404

    client = login(users["kecamatan"])  # Purworejo: Sindurjan, not Harjobinangun
    cycle_page = client.get(reverse("verification:cycle", args=[cycle.pk])).content.decode()
    assert "SUPARNO" in cycle_page and "SUPARMAN" not in cycle_page
    assert client.get(reverse("verification:task", args=[suparman.pk])).status_code == 404
    response = client.get(photo_url)
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"

    for role in ("agency", "desk"):
        assert login(users[role]).get(photo_url).status_code == 403


def test_the_progress_table_counts_each_village(round_, cycle, users, task):
    visits.add_task(cycle, family(round_, "SLAMET RIYADI"), reason="manual", by=users["staff"])
    visits.add_task(cycle, family(round_, "SUPARMAN"), reason="manual", by=users["staff"])
    visits.submit(task, visit_data(task), {"house": photo(), "head": photo()}, by=users["village"])
    from verification.visit_views import progress

    late = progress(cycle.tasks.all(), cycle.due_on + datetime.timedelta(days=1))
    by_desa = {v["desa__name"]: v for place in late for v in place["villages"]}
    assert (by_desa["Sindurjan"]["tasks"], by_desa["Sindurjan"]["visited"]) == (2, 1)
    assert by_desa["Sindurjan"]["overdue"] == 1 and by_desa["Harjobinangun"]["overdue"] == 1
    on_time = progress(cycle.tasks.all(), cycle.due_on)
    assert all(p["total"]["overdue"] == 0 for p in on_time)
    assert sum(p["total"]["tasks"] for p in late) == 3


def test_the_operator_fills_the_visit_on_the_page(users, task, login):
    client = login(users["village"])
    url = reverse("verification:task", args=[task.pk])
    page = client.get(url).content.decode()
    assert 'capture="environment"' in page and "Catat lokasi" in page
    form = {
        "outcome": "eligible",
        "head_name": "SUPARNO",
        "address": "DUSUN KRAJAN",
        "rt": "002",
        "rw": "005",
        "photo_house_upload": photo(),
        "photo_head_upload": photo("kepala.png"),
    }
    refused = client.post(url, form).content.decode()  # no location yet
    assert "Lokasi ponsel belum ada" in refused
    task.refresh_from_db()
    assert task.status == STATUS.OPEN
    form |= {**AT_HOME, "photo_house_upload": photo(), "photo_head_upload": photo()}
    assert client.post(url, form).status_code == 302
    task.refresh_from_db()
    assert task.status == STATUS.SUBMITTED and task.accuracy == 12
    assert str(task.latitude) == "-7.713100"


def test_staff_add_families_by_number_and_by_jps_return(cycle, users, login, returned):
    client = login(users["staff"])
    url = reverse("verification:cycle_add", args=[cycle.pk])
    client.post(url, {"source": "jps", "round": returned.round_id})
    assert list(cycle.tasks.values_list("reason", flat=True)) == ["jps"]
    household = returned.household
    response = client.post(url, {"number": household.head_nik, "note": "cek"}, follow=True)
    assert "1 sudah ada di dalamnya" in response.content.decode()


def test_the_map_draws_visits_without_outside_tiles(cycle, users, task, login):
    visits.submit(task, visit_data(task), {"house": photo(), "head": photo()}, by=users["village"])
    page = login(users["kecamatan"]).get(reverse("verification:cycle_map", args=[cycle.pk]))
    text = page.content.decode()
    assert "leaflet/leaflet.js" in text and "-7.7131" in text
    assert "latar kosong" in text  # no tile server configured


def test_staff_add_the_families_a_roster_version_changed(round_, cycle, users, login, november):
    """DTSEN November: SUPARNO's desil changed (visited); SLAMET left the roster (nothing to
    visit on it); SUPARMAN did not change."""
    login(users["staff"]).post(
        reverse("verification:cycle_add", args=[cycle.pk]),
        {"source": "roster", "version": november.pk},
    )
    assert [(t.household.head_name, t.reason, t.reason_note) for t in cycle.tasks.all()] == [
        ("SUPARNO", "roster", "DTSEN November 2026")
    ]


def test_the_familys_page_lists_its_visits_with_their_outcome(users, task, login):
    visits.submit(
        task, visit_data(task, outcome="not_poor"), {"house": photo(), "head": photo()},
        by=users["village"],
    )  # fmt: skip
    url = reverse("households:detail", args=[task.household_id])
    page = login(users["staff"]).get(url).content.decode()
    assert "Verifikasi Triwulan IV 2026" in page and "sudah tidak miskin" in page
    assert "Verifikasi Triwulan IV 2026" not in login(users["desk"]).get(url).content.decode()
