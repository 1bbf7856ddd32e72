"""Programmes, roster versions and proposal batches in the browser."""

import pytest
from django.db import IntegrityError
from django.urls import reverse

from households.models import Region
from programs.models import Allocation, AllocationRound, Program, RosterVersion

pytestmark = pytest.mark.django_db

PRELOADED = ["DTSEN", "DTKS", "BPNT", "PKH", "BST", "BLTDESA", "SEMBAKO", "BANSOSPROV", "JPSKAB"]


def test_every_preloaded_programme_is_listed_with_its_benefit_in_rupiah(login, users):
    html = login(users["head"]).get(reverse("programs:list")).content.decode()
    for code in PRELOADED:
        assert f">{code}<" in html
    assert "Rp250.000" in html  # JPS Kabupaten per family per month


def test_programme_page_shows_total_benefit_and_versions(login, users, roster):
    html = login(users["staff"]).get(reverse("programs:detail", args=["JPSKAB"])).content
    assert "Rp250.000 per keluarga per bulan selama 3 bulan (seluruhnya Rp750.000)" in (
        html.decode()
    )
    html = login(users["staff"]).get(reverse("programs:detail", args=["PKH"])).content.decode()
    assert "Oktober 2026" in html and "aktif" in html


def test_staff_adds_a_programme_in_the_browser(login, users):
    response = login(users["staff"]).post(
        reverse("programs:create"),
        {
            "code": "pkh-plus",
            "name": "PKH Plus Lansia",
            "level": "provinsi",
            "funding": "apbd",
            "benefit_per_month": "150000",
            "months": "6",
            "active_from": "01-01-2027",
            "active_until": "30-06-2027",
            "description": "",
        },
    )
    program = Program.objects.get(code="PKH-PLUS")
    assert response.url == reverse("programs:detail", args=["PKH-PLUS"])
    assert program.benefit_total == 900_000
    assert program.history.get().history_user == users["staff"]


def test_programme_ending_before_it_starts_is_refused(login, users):
    response = login(users["staff"]).post(
        reverse("programs:create"),
        {
            "code": "X",
            "name": "X",
            "level": "kabupaten",
            "funding": "apbd",
            "benefit_per_month": "1",
            "months": "1",
            "active_from": "01-06-2027",
            "active_until": "01-01-2027",
        },
    )
    assert "active_until" in response.context["form"].errors
    assert not Program.objects.filter(code="X").exists()


@pytest.mark.parametrize("role", ["head", "village", "agency", "desk"])
def test_only_staff_and_admin_edit_programmes(login, users, role):
    client = login(users[role])
    assert client.get(reverse("programs:create")).status_code == 403
    assert client.post(reverse("programs:delete", args=["PKH"])).status_code == 403


def test_programme_with_a_roster_cannot_be_deleted(login, users, roster):
    response = login(users["staff"]).post(reverse("programs:delete", args=["PKH"]), follow=True)
    assert "PKH tidak dapat dihapus" in response.content.decode()
    assert Program.objects.filter(code="PKH").exists()


def test_region_with_households_cannot_be_deleted(households):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        Region.objects.get(code="33.06.06.1001").delete()


def test_new_roster_version_supersedes_the_old_and_both_stay_readable(roster, login, users):
    newer = RosterVersion.objects.create(program=roster.program, period="Januari 2027")
    newer.activate()
    roster.refresh_from_db()
    assert (roster.status, newer.status) == ("superseded", "active")
    html = login(users["staff"]).get(reverse("programs:version", args=[roster.pk])).content
    assert "SRI WAHYUNI" in html.decode()


def test_database_refuses_two_active_versions_of_one_programme(roster):
    with pytest.raises(IntegrityError):
        RosterVersion.objects.create(program=roster.program, period="dup", status="active")


def test_roster_rows_of_other_villages_are_hidden_from_a_village_operator(login, users, roster):
    page = login(users["village"]).get(reverse("programs:version", args=[roster.pk]))
    names = [row.name for row in page.context["page"]]
    assert names == ["SRI WAHYUNI"]


def test_roster_rows_mask_nik(login, users, roster, households):
    html = login(users["staff"]).get(reverse("programs:version", args=[roster.pk])).content
    assert households["b"].head_nik not in html.decode()


def test_operator_sees_only_own_batches(login, users, batches):
    page = login(users["village"]).get(reverse("programs:batches")).context["page"]
    assert [b.title for b in page] == ["Usulan Sindurjan"]


@pytest.mark.parametrize("other", ["b", "agency"])
def test_operator_cannot_open_batch_of_other_unit(login, users, batches, other):
    url = reverse("programs:batch", args=[batches[other].pk])
    assert login(users["village"]).get(url).status_code == 404


def test_complaint_desk_sees_no_proposal_batches(login, users, batches):
    url = reverse("programs:batch", args=[batches["a"].pk])
    assert login(users["desk"]).get(url).status_code == 404


def test_batch_page_lists_rows_to_fix_with_column_and_reason(login, users, batches):
    response = login(users["village"]).get(
        reverse("programs:batch", args=[batches["a"].pk]), {"status": "invalid"}
    )
    html = response.content.decode()
    assert [row.name for row in response.context["page"]] == ["TUKIYEM"]
    assert "<strong>NIK</strong>: NIK rusak oleh Excel" in html


def test_a_family_is_in_one_target_of_a_round_only(users, households):
    round_ = AllocationRound.objects.create(name="JPS Mei 2020", created_by=users["staff"])
    jps, prov = Program.objects.get(code="JPSKAB"), Program.objects.get(code="BANSOSPROV")
    Allocation.objects.create(round=round_, household=households["a"], target=jps, phase=1)
    with pytest.raises(IntegrityError):
        Allocation.objects.create(round=round_, household=households["a"], target=prov)


def test_admin_refuses_to_delete_a_region_households_live_in(client, users, households):
    admin = users["admin"]
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    region = Region.objects.get(code="33.06.06.1001")
    response = client.post(
        reverse("admin:households_region_delete", args=[region.pk]), {"post": "yes"}
    )
    assert "SLAMET RIYADI" in response.content.decode()  # the household that protects it
    assert Region.objects.filter(pk=region.pk).exists()


@pytest.mark.parametrize(
    ("params", "titles"),
    [
        ({}, {"Usulan Sindurjan", "Usulan Harjobinangun", "Usulan becak"}),
        ({"kecamatan": "33.06.01"}, {"Usulan Harjobinangun"}),
        ({"desa": "33.06.06.1001"}, {"Usulan Sindurjan"}),
        ({"agency": "Dinas Perhubungan"}, {"Usulan becak"}),
        ({"status": "submitted"}, set()),
    ],
)
def test_staff_filter_proposals_by_kecamatan_desa_agency_and_status(
    login, users, units, batches, params, titles
):
    from households.models import Unit

    lookups = {
        "kecamatan": lambda v: Region.objects.get(code=v).pk,
        "desa": lambda v: Region.objects.get(code=v).pk,
        "agency": lambda v: Unit.objects.get(name=v).pk,
        "status": lambda v: v,
    }
    query = {key: lookups[key](value) for key, value in params.items()}
    page = login(users["staff"]).get(reverse("programs:batches"), query).context["page"]
    assert {batch.title for batch in page} == titles


def test_staff_import_a_roster_in_the_browser_and_it_becomes_active(
    login, users, households, roster, monkeypatch
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    monkeypatch.setattr("django.db.transaction.on_commit", lambda func, *a, **k: func())
    wife = households["a"].members.get()
    text = (
        "DATA PKH KABUPATEN PURWOREJO\n\nNOMOR KK;NOMOR NIK;NAMA;DESA/KELURAHAN;KECAMATAN\n"
        f"{households['a'].no_kk};{wife.nik};SRI WAHYUNI;KEL. SINDURJAN;PURWOREJO\n"
        "3306060101209999;3.30606E+15;TUKIYEM;SINDURJAN;PURWOREJO\n"
    )
    client = login(users["staff"])
    response = client.post(
        reverse("programs:roster_import", args=["PKH"]),
        {"period": "Januari 2027", "file": SimpleUploadedFile("pkh.csv", text.encode())},
    )
    newer = RosterVersion.objects.get(period="Januari 2027")
    roster.refresh_from_db()
    assert response.url == reverse("programs:upload", args=[newer.upload.pk])
    assert (newer.status, newer.row_count, newer.problem_count) == ("active", 2, 1)
    assert roster.status == "superseded" and roster.rows.count() == 2
    html = client.get(response.url).content.decode()
    assert "baris dengan nomor identitas rusak, disimpan dan ditandai" in html
    assert "NIK: diubah Excel menjadi notasi ilmiah: 1" in html
    damaged = client.get(reverse("programs:version", args=[newer.pk]), {"problems": "1"})
    assert [row.name for row in damaged.context["page"]] == ["TUKIYEM"]


@pytest.mark.parametrize("role", ["head", "village", "agency", "desk"])
def test_only_staff_import_rosters(login, users, role):
    assert (
        login(users[role]).get(reverse("programs:roster_import", args=["PKH"])).status_code == 403
    )
