"""The kecamatan tier: its staff see every desa of their kecamatan and nothing outside it, by
the same server-side scoping as the other roles. Kecamatan Purworejo holds Sindurjan (desa_a);
Harjobinangun (desa_b) is Grabag's."""

import pytest
from django.urls import reverse

from complaints import desk
from complaints.models import Category, Complaint
from households.models import Household, User
from programs.models import ProposalBatch, RosterRow, RosterVersion, Upload
from tests.conftest import program

pytestmark = pytest.mark.django_db


def complaint_about(users, household, category="Salah sasaran (inclusion error)") -> Complaint:
    return desk.log(
        by=users["desk"],
        channel=Complaint.Channel.WALK_IN,
        category=Category.objects.get(name=category),
        complainant_name="Sumarni",
        complainant_contact="081234567890",
        desa=household.desa,
        household=household,
        story="Tetangga kami yang mampu menerima bantuan.",
    )


@pytest.fixture
def both_sides(users, regions, households, batches):
    """In each kecamatan: a household, a proposal with an upload, a complaint, a roster row."""
    uploads = {
        key: Upload.objects.create(
            kind=Upload.Kind.PROPOSAL, file="uploads/a.csv", filename=f"{key}.csv",
            uploaded_by=users["village" if key == "a" else "village_b"], batch=batches[key],
        )
        for key in ("a", "b")
    }  # fmt: skip
    version = RosterVersion.objects.create(
        program=program("DTSEN"), period="2026-11", status=RosterVersion.Status.ACTIVE
    )
    for n, key in enumerate(("a", "b"), start=1):
        family = households[key]
        RosterRow.objects.create(
            version=version, row_number=n, nik=family.head_nik, no_kk=family.no_kk,
            name=family.head_name, desa=family.desa,
        )  # fmt: skip
    return {
        "uploads": uploads,
        "complaints": {
            "a": complaint_about(users, households["a"]),
            "b": complaint_about(users, households["b"]),
        },
        "version": version,
    }


def test_the_scoping_querysets_hold_the_kecamatans_villages_only(users, households, both_sides):
    staff = users["kecamatan"]
    assert staff.watches_kecamatan and not staff.proposes and not staff.sees_district
    assert list(Household.objects.for_user(staff)) == [households["a"]]
    assert [b.title for b in ProposalBatch.objects.for_user(staff)] == ["Usulan Sindurjan"]
    assert list(Upload.objects.for_user(staff)) == [both_sides["uploads"]["a"]]
    assert list(Complaint.objects.for_user(staff)) == [both_sides["complaints"]["a"]]
    assert [r.name for r in RosterRow.objects.for_user(staff)] == [households["a"].head_name]


def test_it_reads_the_complaints_of_its_villages_that_staff_read_and_no_others(
    users, households, both_sides
):
    staff, kecamatan = users["staff"], users["kecamatan"]
    personal = complaint_about(users, households["a"], category="Belum menerima bantuan")
    assert personal not in Complaint.objects.for_user(staff)
    assert personal not in Complaint.objects.for_user(kecamatan)
    assert both_sides["complaints"]["a"] in Complaint.objects.for_user(kecamatan)


def test_its_own_villages_pages_open(login, users, households, batches, both_sides):
    client = login(users["kecamatan"])
    for url in (
        reverse("households:detail", args=[households["a"].pk]),
        reverse("programs:batch", args=[batches["a"].pk]),
        reverse("programs:upload", args=[both_sides["uploads"]["a"].pk]),
        reverse("complaints:detail", args=[both_sides["complaints"]["a"].pk]),
    ):
        assert client.get(url).status_code == 200, url
    listed = client.get(reverse("households:list")).context["page"]
    assert list(listed) == [households["a"]]
    complaint = client.get(reverse("complaints:detail", args=[both_sides["complaints"]["a"].pk]))
    assert "081234567890" not in complaint.content.decode()  # who complained stays with the desk


def test_another_kecamatans_household_upload_and_complaint_are_not_found(
    login, users, households, batches, both_sides
):
    client = login(users["kecamatan"])
    for url in (
        reverse("households:detail", args=[households["b"].pk]),
        reverse("programs:batch", args=[batches["b"].pk]),
        reverse("programs:batch", args=[batches["agency"].pk]),
        reverse("programs:upload", args=[both_sides["uploads"]["b"].pk]),
        reverse("complaints:detail", args=[both_sides["complaints"]["b"].pk]),
    ):
        assert client.get(url).status_code == 404, url
    roster = client.get(reverse("programs:version", args=[both_sides["version"].pk]))
    assert households["b"].head_name not in roster.content.decode()


def test_kecamatan_staff_never_take_the_files_with_full_numbers(login, users, batches, both_sides):
    client = login(users["kecamatan"])
    upload = both_sides["uploads"]["a"]
    for url in (
        reverse("programs:batch_rejected", args=[batches["a"].pk]),
        reverse("programs:upload_rejected", args=[upload.pk]),
        reverse("programs:upload_problems", args=[upload.pk]),
        reverse("programs:template"),
    ):
        assert client.get(url).status_code == 403, url
    page = client.get(reverse("programs:batch", args=[batches["a"].pk])).content.decode()
    assert reverse("programs:batch_rejected", args=[batches["a"].pk]) not in page
    assert batches["a"].rows.first().nik not in page  # masked on the page


def test_kecamatan_staff_read_and_never_change(login, users, batches, both_sides):
    client = login(users["kecamatan"])
    assert client.get(reverse("programs:batch_create")).status_code == 403
    assert client.post(reverse("programs:batch_submit", args=[batches["a"].pk])).status_code == 403
    upload = both_sides["uploads"]["a"]
    client.post(reverse("programs:upload_cancel", args=[upload.pk]))
    upload.refresh_from_db()
    assert upload.status != Upload.Status.CANCELLED
    assert client.get(reverse("households:create")).status_code == 403


def test_the_home_page_lists_its_villages_with_their_figures(
    login, users, regions, households, batches, both_sides
):
    page = login(users["kecamatan"]).get(reverse("home"))
    villages = page.context["villages"]
    assert [v.name for v in villages] == ["Sindurjan"]
    (sindurjan,) = villages
    assert (sindurjan.n_households, sindurjan.n_proposals, sindurjan.n_to_fix) == (1, 1, 1)
    assert sindurjan.n_complaints == 1
    assert "Harjobinangun" not in page.content.decode()


def test_a_kecamatan_role_needs_a_kecamatan_unit(users, units):
    account = User(username="tksk.x", role=User.Role.KECAMATAN, unit=units["village_a"])
    with pytest.raises(Exception, match="kecamatan"):
        account.full_clean(exclude=["password"])
