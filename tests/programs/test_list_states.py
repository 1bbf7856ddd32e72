"""What happens to a family's allocation as it moves through a round (re-checked, returned,
corrected, moved, approved), the recipient lists the head signs as frozen versions, and what
the exported files and the notice board say about the families on them."""

import io
import zipfile

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from dedup.models import Run
from households.identity import mask_id
from households.models import Household
from programs import rounds
from programs.models import (
    Allocation,
    AllocationRound,
    ListExport,
    ProposalBatch,
    ProposalRow,
    RecipientList,
)
from programs.rounds import corrections
from tests.conftest import program

pytestmark = pytest.mark.django_db

PURPOSE = "lampiran SK Bupati 12/2026"
COLUMNS = (
    *("No.", "No. KK", "NIK", "Nama kepala keluarga", "Alamat", "RT", "RW", "Desa"),
    *("Kecamatan", "Rp per bulan", "Bulan", "Jumlah Rp"),
)


@pytest.fixture
def board(users, units, regions, make_household):
    """A saved round of three families, all on the provincial quota (Rp200.000 x 3): SLAMET
    and SUPARNO from Sindurjan (kecamatan Purworejo), SUPARMAN from Harjobinangun (Grabag)."""
    staff = users["staff"]
    run = Run.objects.create(created_by=staff, status=Run.Status.DONE)
    round_ = AllocationRound.objects.create(
        name="Bansos Juli 2026", run=run, allowed_pairs=[], created_by=staff
    )
    province = program("BANSOSPROV")
    round_.targets.create(program=province, places=5, position=0)
    round_.targets.create(program=program("JPSKAB"), budget=10**9, position=1)
    families = [
        ("village_a", "village", "desa_a", "SLAMET RIYADI", "JL. MAWAR 7"),
        ("village_a", "village", "desa_a", "SUPARNO", "DUSUN KRAJAN"),
        ("village_b", "village_b", "desa_b", "SUPARMAN", "DUSUN KULON"),
    ]
    batches = {}
    for number, (unit, operator, desa, name, address) in enumerate(families, start=1):
        if unit not in batches:
            batches[unit] = ProposalBatch.objects.create(
                unit=units[unit], title=f"Usulan {unit}", created_by=users[operator]
            )
        household = make_household(regions[desa], name, address=address)
        row = ProposalRow.objects.create(
            batch=batches[unit],
            row_number=number,
            household=household,
            no_kk=household.no_kk,
            nik=household.head_nik,
            name=name,
            sex="L",
            birth_date=household.head_birth_date,
            address=address,
            rt=household.rt,
            rw=household.rw,
            desa=household.desa,
        )
        Allocation.objects.create(
            round=round_, household=household, proposal_row=row, target=province
        )
    run.batches.set(batches.values())
    return round_


def family(name: str) -> Allocation:
    return Allocation.objects.select_related("proposal_row", "household").get(
        proposal_row__name=name
    )


@pytest.fixture
def approved(board, users):
    """The provincial quota of the board, prepared by staff and approved by the head."""
    listed = rounds.prepare_list(board, program("BANSOSPROV"), None, by=users["staff"])
    return rounds.approve(listed, by=users["head"])


def test_a_valid_jps_family_goes_to_phase_1_once_and_other_targets_are_not_checked(board, users):
    staff, jps = users["staff"], program("JPSKAB")
    ProposalRow.objects.filter(name__in=["SLAMET RIYADI", "SUPARNO"]).update(rt="")
    rounds.move(family("SUPARMAN"), to=jps, reason="kuota provinsi penuh", by=staff)
    rounds.move(family("SUPARNO"), to=jps, reason="kuota provinsi penuh", by=staff)

    assert rounds.revalidate_jps(board, by=staff) == {
        "phase_1": 1,
        "phase_2": 0,
        "returned": 1,
        "checking": 0,
        "in_review": 0,
    }
    suparman, suparno, slamet = family("SUPARMAN"), family("SUPARNO"), family("SLAMET RIYADI")
    assert (suparman.status, suparman.phase, suparman.return_reasons) == ("valid", 1, [])
    assert suparman.history.first().history_user == staff
    assert (suparno.status, suparno.phase) == ("returned", None)
    kept = suparno.history.first()  # the reasons are in the record of the return
    assert (kept.history_user, kept.status, kept.return_reasons) == (
        staff,
        "returned",
        suparno.return_reasons,
    )
    assert [p["column"] for p in kept.return_reasons] == ["rt"]
    # The provincial quota is not re-checked, though its family lacks an RT too.
    assert (slamet.status, slamet.phase) == ("proposed", None)

    records = Allocation.history.count()
    assert rounds.revalidate_jps(board, by=staff)["phase_1"] == 0  # phase 1 is not re-checked
    assert Allocation.history.count() == records
    assert family("SUPARMAN").phase == 1


def test_each_correction_is_on_record_with_who_and_why(returned, users):
    operator = users["village"]
    values = corrections.values_of(returned.proposal_row)
    corrections.correct(returned, {**values, "nama": "-", "rt": "2"}, by=operator)
    still = returned.history.first()
    assert (still.status, still.history_user, still.history_change_reason) == (
        "returned",
        operator,
        "perbaikan masih belum valid",
    )
    assert [p["column"] for p in still.return_reasons] == ["nama"]

    corrections.correct(returned, {**values, "nama": "SLAMET RIYADI", "rt": "2"}, by=operator)
    done = returned.history.first()
    assert (done.status, done.history_user, done.history_change_reason) == (
        "corrected",
        operator,
        "sudah diperbaiki, menunggu diperiksa lagi",
    )


def test_a_second_correction_before_phase_2_is_cross_checked_anew(returned, users):
    operator, staff = users["village"], users["staff"]
    values = {**corrections.values_of(returned.proposal_row), "nama": "SLAMET RIYADI", "rt": "2"}
    assert corrections.correct(returned, values, by=operator) == []
    assert rounds.revalidate_jps(returned.round, by=staff)["checking"] == 1
    returned.refresh_from_db()
    first_run = returned.recheck_run
    assert first_run is not None

    # The village fixes the address as well before staff look again.
    assert corrections.correct(returned, {**values, "alamat": "DUSUN KULON"}, by=operator) == []
    returned.refresh_from_db()
    assert (returned.status, returned.recheck_run) == ("corrected", None)
    assert rounds.revalidate_jps(returned.round, by=staff)["checking"] == 1
    returned.refresh_from_db()
    assert returned.recheck_run not in (None, first_run)

    assert rounds.revalidate_jps(returned.round, by=staff)["phase_2"] == 1
    returned.household.refresh_from_db()
    assert returned.household.address == "DUSUN KULON"  # the last correction counts


def test_moving_a_returned_family_clears_its_reasons_and_an_override_it_no_longer_needs(
    returned, users
):
    round_ = returned.round
    round_.allowed_pairs = [["PKH", "BANSOSPROV"]]
    round_.save()
    round_.targets.create(program=program("BANSOSPROV"), places=5, position=1)
    assert (returned.excluded_by, returned.override_reason) == ("PKH", "PKH dihentikan")

    moved = rounds.move(
        returned, to=program("BANSOSPROV"), reason="masuk kuota provinsi", by=users["staff"]
    )
    moved.refresh_from_db()
    assert (moved.target.code, moved.status, moved.phase, moved.return_reasons) == (
        "BANSOSPROV",
        "proposed",
        None,
        [],
    )
    assert (moved.excluded_by, moved.override_reason) == ("", "")  # PKH may join the quota
    change = moved.history.first()
    assert (change.history_user, change.history_change_reason) == (
        users["staff"],
        "masuk kuota provinsi",
    )
    # Its village no longer has it to correct.
    assert not corrections.returned_for(users["village"]).exists()


def test_a_target_with_all_its_places_taken_refuses_a_family(board, users):
    staff = users["staff"]
    rounds.move(family("SUPARMAN"), to=program("JPSKAB"), reason="pindah", by=staff)
    board.targets.filter(program__code="BANSOSPROV").update(places=2)
    with pytest.raises(ValidationError, match=r"BANSOSPROV sudah penuh \(2 keluarga\)"):
        rounds.move(family("SUPARMAN"), to=program("BANSOSPROV"), reason="kembali", by=staff)
    assert family("SUPARMAN").target.code == "JPSKAB"
    with pytest.raises(ValidationError, match="Tuliskan alasan keluarga dipindahkan"):
        rounds.move(family("SUPARMAN"), to=None, reason="   ", by=staff)
    assert Allocation.objects.count() == 3


def test_a_draft_list_is_brought_up_to_date_under_the_same_number(board, users):
    province = program("BANSOSPROV")
    draft = rounds.prepare_list(board, province, None, by=users["staff"])
    rounds.move(family("SUPARMAN"), to=program("JPSKAB"), reason="pindah", by=users["staff"])
    with pytest.raises(ValidationError, match="Ada keluarga yang dipindahkan"):
        rounds.approve(draft, by=users["head"])
    assert not draft.entries.exists()

    again = rounds.prepare_list(board, province, None, by=users["admin"])
    assert (again.pk, again.version, again.prepared_by) == (draft.pk, 1, users["admin"])
    rounds.approve(again, by=users["head"])
    assert RecipientList.objects.count() == 1
    assert sorted(again.entries.values_list("name", flat=True)) == ["SLAMET RIYADI", "SUPARNO"]
    signed = again.history.first()
    assert (signed.history_user, signed.approved_by_id) == (users["head"], users["head"].pk)


@pytest.mark.parametrize("role", ["admin", "staff", "village", "agency", "desk"])
def test_only_the_head_approves_a_list_in_the_page(board, users, login, role):
    listed = rounds.prepare_list(board, program("BANSOSPROV"), None, by=users["staff"])
    url = reverse("programs:list_approve", args=[listed.pk])
    assert login(users[role]).post(url).status_code == 403
    listed.refresh_from_db()
    assert (listed.approved_at, listed.entries.count()) == (None, 0)
    assert set(Allocation.objects.values_list("status", flat=True)) == {"proposed"}

    page = login(users["head"]).post(url, follow=True)
    assert "Daftar disetujui." in page.content.decode()
    listed.refresh_from_db()
    assert listed.approved_by == users["head"] and listed.entries.count() == 3


def test_a_second_approval_click_changes_nothing(approved, users):
    signed_at, records = approved.approved_at, Allocation.history.count()
    again = rounds.approve(approved, by=users["head"])
    assert again.approved_at == signed_at
    assert approved.entries.count() == 3
    assert Allocation.history.count() == records


def test_jps_lists_go_by_phase_each_numbered_on_its_own(board, users, run_on_commit):
    staff, head, jps = users["staff"], users["head"], program("JPSKAB")
    ProposalRow.objects.filter(name="SUPARNO").update(rt="")
    for name in ("SUPARMAN", "SUPARNO"):
        rounds.move(family(name), to=jps, reason="kuota provinsi penuh", by=staff)
    rounds.revalidate_jps(board, by=staff)

    first = rounds.approve(rounds.prepare_list(board, jps, 1, by=staff), by=head)
    assert [e.name for e in first.entries.all()] == ["SUPARMAN"]  # the returned one waits
    with pytest.raises(ValidationError, match="Belum ada keluarga"):
        rounds.prepare_list(board, jps, 2, by=staff)

    suparno = family("SUPARNO")
    values = corrections.values_of(suparno.proposal_row)
    assert corrections.correct(suparno, {**values, "rt": "4"}, by=users["village"]) == []
    rounds.revalidate_jps(board, by=staff)  # the corrected row is cross-checked again
    assert rounds.revalidate_jps(board, by=staff)["phase_2"] == 1

    second = rounds.approve(rounds.prepare_list(board, jps, 2, by=staff), by=head)
    assert (second.phase, second.version) == (2, 1)
    assert [(e.name, e.rt) for e in second.entries.all()] == [("SUPARNO", "004")]
    assert [e.name for e in first.entries.all()] == ["SUPARMAN"]  # phase 1 as it was signed


def test_a_new_version_shows_the_family_it_adds_with_a_masked_nik(board, users, login):
    staff, province = users["staff"], program("BANSOSPROV")
    rounds.move(family("SUPARMAN"), to=program("JPSKAB"), reason="pindah", by=staff)
    first = rounds.approve(rounds.prepare_list(board, province, None, by=staff), by=users["head"])
    rounds.move(family("SUPARMAN"), to=province, reason="kuota ditambah", by=staff)

    second = rounds.prepare_list(board, province, None, by=staff, reason="kuota ditambah")
    added, removed = rounds.difference(first, second)
    suparman = family("SUPARMAN").household
    assert (list(added), list(removed)) == ([suparman], [])

    page = login(users["head"]).get(reverse("programs:list", args=[second.pk]))
    assert (page.context["added_count"], page.context["removed_count"]) == (1, 0)
    text = page.content.decode()
    assert "SUPARMAN" in text and "kuota ditambah" in text
    assert mask_id(suparman.head_nik) in text and suparman.head_nik not in text

    rounds.approve(second, by=users["head"])
    assert second.entries.count() == 3 and first.entries.count() == 2


def export(client, recipients, layout, purpose=PURPOSE):
    url = reverse("programs:list_export", args=[recipients.pk])
    return client.post(url, {"layout": layout, "purpose": purpose})


def values(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


def expected_row(number: int, row: ProposalRow) -> tuple:
    """A family's line in the annex: its numbers, name and address, place and benefit."""
    identity = (row.no_kk, row.nik, row.name, row.address, row.rt, row.rw)
    return (number, *identity, row.desa.name, row.desa.parent.name, 200_000, 3, 600_000)


def check_heading(rows: list[tuple], recipients) -> None:
    approved_on = timezone.localtime(recipients.approved_at).strftime("%d-%m-%Y")
    assert rows[0][0] == "Bansos Juli 2026 · BANSOSPROV · versi 1"
    assert rows[1][0] == f"Disetujui oleh Kepala pada {approved_on}"
    assert rows[2][0].startswith("Diunduh oleh Staf pada ")
    assert rows[2][0].endswith(f"untuk: {PURPOSE}")
    assert rows[4] == COLUMNS


def test_the_annex_per_kecamatan_holds_each_family_as_approved(approved, users, login):
    slamet, suparno, suparman = (
        family(name).proposal_row for name in ("SLAMET RIYADI", "SUPARNO", "SUPARMAN")
    )
    # Corrected after approval: the signed annex keeps the family as the head approved it.
    ProposalRow.objects.filter(name="SUPARNO").update(name="SUPARNO BARU", address="PINDAH")
    Household.objects.filter(head_name="SUPARNO").update(head_name="SUPARNO BARU")

    response = export(login(users["staff"]), approved, "kecamatan")
    assert response["Content-Disposition"] == 'attachment; filename="lampiran-bansosprov-v1.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Grabag", "Purworejo"]
    assert (book.properties.subject, book.properties.creator) == (PURPOSE, "Staf")
    grabag, purworejo = values(book["Grabag"]), values(book["Purworejo"])
    check_heading(grabag, approved)
    check_heading(purworejo, approved)
    assert grabag[5:] == [expected_row(1, suparman)]  # numbered per sheet
    assert purworejo[5:] == [expected_row(1, slamet), expected_row(2, suparno)]
    assert suparno.name == "SUPARNO" and suparno.address == "DUSUN KRAJAN"
    record = ListExport.objects.get()
    assert (record.layout, record.purpose, record.exported_by, record.rows) == (
        "kecamatan",
        PURPOSE,
        users["staff"],
        3,
    )


def test_the_annex_per_desa_is_one_file_per_desa_with_only_its_families(approved, users, login):
    response = export(login(users["head"]), approved, "desa", purpose="papan pengumuman desa")
    assert response["Content-Type"] == "application/zip"
    files = zipfile.ZipFile(io.BytesIO(response.content))
    assert files.namelist() == [
        "lampiran-bansosprov-v1-harjobinangun-grabag.xlsx",
        "lampiran-bansosprov-v1-sindurjan-purworejo.xlsx",
    ]
    harjobinangun, sindurjan = (
        openpyxl.load_workbook(io.BytesIO(files.read(name))) for name in files.namelist()
    )
    assert harjobinangun.sheetnames == ["Harjobinangun (Grabag)"]
    assert harjobinangun.properties.subject == "papan pengumuman desa"
    rows = values(harjobinangun.active)
    assert rows[2][0].startswith("Diunduh oleh Kepala pada ")
    assert rows[2][0].endswith("untuk: papan pengumuman desa")
    assert rows[5:] == [expected_row(1, family("SUPARMAN").proposal_row)]
    assert [row[3] for row in values(sindurjan.active)[5:]] == ["SLAMET RIYADI", "SUPARNO"]
    record = ListExport.objects.get()
    assert (record.layout, record.exported_by, record.rows) == ("desa", users["head"], 3)


def test_the_province_file_has_every_family_and_a_count_per_desa(approved, users, login):
    response = export(login(users["staff"]), approved, "provinsi")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = values(book["USULAN"])
    assert rows[2][0].endswith(f"untuk: {PURPOSE}")
    families = rows[5:]
    suparman = family("SUPARMAN").proposal_row
    assert families[0] == (
        *(1, "33.06.01.2001", "Jawa Tengah", "Kabupaten Purworejo", "Grabag", "Harjobinangun"),
        *(suparman.no_kk, suparman.nik, "SUPARMAN", "L", "12-03-1980", "DUSUN KULON"),
        *("002", "005", "Desa Harjobinangun"),
    )
    assert [(r[0], r[5], r[8], r[14]) for r in families[1:]] == [
        (2, "Sindurjan", "SLAMET RIYADI", "Kelurahan Sindurjan"),
        (3, "Sindurjan", "SUPARNO", "Kelurahan Sindurjan"),
    ]
    assert book["USULAN"].cell(6, 8).number_format == "@"  # the NIK stays text in Excel
    assert values(book["REKAP"]) == [
        ("KECAMATAN", "DESA/KELURAHAN", "JUMLAH KK"),
        ("Grabag", "Harjobinangun", 1),
        ("Purworejo", "Sindurjan", 2),
        (None, "JUMLAH", 3),  # an empty cell
    ]
    assert ListExport.objects.get().layout == "provinsi"


def test_the_export_page_lists_who_exported_the_list_and_why(approved, users, login):
    client = login(users["staff"])
    export(client, approved, "kecamatan")
    short = export(client, approved, "kecamatan", purpose="SK")  # no real purpose given
    assert short.status_code == 200 and "purpose" in short.context["form"].errors
    assert ListExport.objects.count() == 1
    page = client.get(reverse("programs:list_export", args=[approved.pk]))
    assert [(e.purpose, e.exported_by) for e in page.context["exports"]] == [
        (PURPOSE, users["staff"])
    ]
    assert PURPOSE in page.content.decode()


def test_a_list_waiting_for_the_head_is_neither_exported_nor_posted(board, users, login):
    listed = rounds.prepare_list(board, program("BANSOSPROV"), None, by=users["staff"])
    client = login(users["staff"])
    assert export(client, listed, "kecamatan").status_code == 404
    notice = client.get(reverse("programs:list_notice", args=[listed.pk]))
    assert notice.status_code == 404
    assert not ListExport.objects.exists()


def test_the_notice_board_shows_each_desa_names_and_masked_niks_only(approved, users, login):
    url = reverse("programs:list_notice", args=[approved.pk])
    page = login(users["staff"]).get(url).content.decode()
    assert "Desa Sindurjan, Kecamatan Purworejo" in page
    assert "Desa Harjobinangun, Kecamatan Grabag" in page
    for allocation in Allocation.objects.select_related("proposal_row"):
        row = allocation.proposal_row
        assert row.name in page and mask_id(row.nik) in page
        assert row.nik not in page and row.no_kk not in page and row.address not in page

    harjobinangun = approved.entries.get(name="SUPARMAN").desa_id
    one = login(users["staff"]).get(url, {"desa": harjobinangun}).content.decode()
    assert "SUPARMAN" in one and "SLAMET RIYADI" not in one


def test_a_village_operator_sees_only_their_own_desa_on_the_notice_board(approved, users, login):
    url = reverse("programs:list_notice", args=[approved.pk])
    sindurjan = approved.entries.get(name="SUPARNO").desa_id
    other = login(users["village_b"]).get(url, {"desa": sindurjan}).content.decode()
    assert "SUPARMAN" in other  # their own family, whatever desa is asked for
    assert "SLAMET RIYADI" not in other and "SUPARNO" not in other
    own = login(users["village"]).get(url).content.decode()
    assert "SLAMET RIYADI" in own and "SUPARNO" in own and "SUPARMAN" not in own
    assert login(users["agency"]).get(url).status_code == 403


def test_the_notice_board_shows_the_family_as_approved_after_its_data_changes(
    approved, users, login
):
    ProposalRow.objects.filter(name="SLAMET RIYADI").update(name="SLAMET R.")
    Household.objects.filter(head_name="SLAMET RIYADI").update(head_name="SLAMET R.")
    page = login(users["staff"]).get(reverse("programs:list_notice", args=[approved.pk]))
    text = page.content.decode()
    assert "SLAMET RIYADI" in text and "SLAMET R.<" not in text


def test_a_jps_phase_list_is_exported_under_its_phase(board, users, login):
    staff, jps = users["staff"], program("JPSKAB")
    rounds.move(family("SUPARMAN"), to=jps, reason="kuota provinsi penuh", by=staff)
    rounds.revalidate_jps(board, by=staff)
    first = rounds.approve(rounds.prepare_list(board, jps, 1, by=staff), by=users["head"])

    response = export(login(staff), first, "desa")
    assert response["Content-Disposition"].endswith('"lampiran-jpskab1-v1-per-desa.zip"')
    files = zipfile.ZipFile(io.BytesIO(response.content))
    (name,) = files.namelist()
    rows = values(openpyxl.load_workbook(io.BytesIO(files.read(name))).active)
    assert rows[0][0] == "Bansos Juli 2026 · JPSKAB tahap 1 · versi 1"
    (line,) = rows[5:]
    assert (line[3], line[-3:]) == ("SUPARMAN", (250_000, 3, 750_000))
