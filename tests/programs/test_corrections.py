"""A JPS family returned for correction: its village corrects it (in a form or a spreadsheet),
the correction is checked at once, cross-checked again, and only then goes to phase 2."""

import datetime
import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from households.models import Household
from programs import rounds
from programs.intake.writers import REF_HEADER
from programs.models import Allocation, AllocationRound, Program, ProposalRow
from programs.rounds import corrections
from tests.conftest import make_nik

pytestmark = pytest.mark.django_db

BORN = datetime.date(1975, 8, 17)


def typed(allocation, **changes) -> dict:
    values = corrections.values_of(allocation.proposal_row)
    values.update(changes)
    return values


def test_a_correction_still_wrong_stays_returned_with_the_new_reasons(returned, users):
    nik = returned.proposal_row.nik
    problems = corrections.correct(
        returned, typed(returned, nama="XXX", rt="3", nik="3306061"), by=users["village"]
    )
    # The intake's checks: the NIK, and "XXX" is no one's name.
    assert [column for column, _message in problems] == ["nik", "nama"]
    returned.refresh_from_db()
    assert returned.status == "returned"
    assert [p["column"] for p in returned.return_reasons] == ["nik", "nama"]
    row = returned.proposal_row
    row.refresh_from_db()
    assert (row.name, row.rt, row.nik) == ("XXX", "003", "3306061")  # nothing typed is lost
    assert row.history.first().history_user == users["village"]

    values = typed(returned, nama="XXX", nik=nik)
    problems = corrections.correct(returned, values, by=users["village"])
    assert [column for column, _message in problems] == ["nama"]  # the name alone now


def test_a_valid_correction_is_cross_checked_again_then_goes_to_phase_2(returned, users):
    values = typed(returned, nama="Slamet Riyadi", rt="2", alamat="DUSUN KULON")
    assert corrections.correct(returned, values, by=users["village"]) == []
    returned.refresh_from_db()
    assert (returned.status, returned.phase) == ("corrected", None)
    assert returned.history.first().history_user == users["village"]

    staff = users["staff"]
    first = rounds.revalidate_jps(returned.round, by=staff)
    assert (first["checking"], first["phase_2"]) == (1, 0)  # a run of the corrected row alone
    returned.refresh_from_db()
    run = returned.recheck_run
    assert run is not None and run.rows_total == 1
    assert list(run.results.values_list("proposal_row", flat=True)) == [returned.proposal_row_id]

    assert rounds.revalidate_jps(returned.round, by=staff)["phase_2"] == 1
    returned.refresh_from_db()
    assert (returned.status, returned.phase) == ("valid", 2)
    assert returned.history.first().history_user == staff
    # The household made from the row takes the correction (lists compare households).
    returned.household.refresh_from_db()
    assert (returned.household.address, returned.household.rt) == ("DUSUN KULON", "002")


def test_a_corrected_nik_that_another_family_of_the_round_holds_is_returned(
    returned, users, make_household
):
    other = make_household(name="SUPARNO", head_nik=make_nik(born=BORN))
    Allocation.objects.create(
        round=returned.round,
        household=other,
        target=Program.objects.get(code="JPSKAB"),
        status="valid",
        phase=1,
    )
    values = typed(returned, nama="SLAMET", rt="2", nik=other.head_nik, tanggal_lahir="")
    assert corrections.correct(returned, values, by=users["village"]) == []
    rounds.revalidate_jps(returned.round, by=users["staff"])
    counts = rounds.revalidate_jps(returned.round, by=users["staff"])
    assert counts["returned"] == 1
    returned.refresh_from_db()
    assert returned.status == "returned"
    assert "sudah mendapat tempat" in returned.return_reasons[0]["message"]
    row = ProposalRow.objects.get(pk=returned.proposal_row_id)
    assert row.household_id == returned.household_id != other.pk  # nothing relinked


def test_a_corrected_nik_of_a_new_head_links_the_family_to_that_household(returned, users):
    wrong = returned.household  # made from the row's first, wrong data
    new_nik = make_nik(born=BORN)
    values = typed(returned, nama="SLAMET", rt="2", nik=new_nik, tanggal_lahir="17-08-1975")
    assert corrections.correct(returned, values, by=users["village"]) == []
    rounds.revalidate_jps(returned.round, by=users["staff"])
    rounds.revalidate_jps(returned.round, by=users["staff"])
    returned.refresh_from_db()
    assert returned.phase == 2
    assert returned.household == Household.objects.get(head_nik=new_nik)
    assert not Household.objects.filter(pk=wrong.pk).exists()  # no family is left on it
    assert wrong.history.first().history_type == "-"  # its removal is on record


def test_only_the_proposing_unit_corrects_and_only_a_returned_family(returned, users):
    for user in (users["village_b"], users["staff"]):
        with pytest.raises(PermissionDenied):
            corrections.correct(returned, typed(returned), by=user)
    Allocation.objects.filter(pk=returned.pk).update(status="valid", phase=1)
    (problem,) = corrections.correct(returned, typed(returned, nama="SLAMET"), by=users["village"])
    assert "tidak lagi menunggu" in problem[1]


def _sheet(response) -> openpyxl.worksheet.worksheet.Worksheet:
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


def test_the_returned_rows_come_as_a_spreadsheet_that_corrects_them(returned, users, login):
    client = login(users["village"])
    sheet = _sheet(client.get(reverse("programs:returned_download")))
    headers = [cell.value for cell in sheet[1]]
    assert headers[-1] == REF_HEADER and sheet.cell(2, len(headers)).value == f"JPS-{returned.pk}"
    assert "nama" in sheet.cell(2, headers.index("ALASAN") + 1).value.lower()
    sheet.cell(2, headers.index("NAMA") + 1).value = "SLAMET RIYADI"
    sheet.cell(2, headers.index("RT") + 1).value = "2"
    corrected = io.BytesIO()
    sheet.parent.save(corrected)
    corrected.seek(0)
    corrected.name = "perbaiki-jps.xlsx"

    page = client.post(reverse("programs:returned_upload"), {"file": corrected})
    assert page.status_code == 200
    assert "1 keluarga diperbaiki" in page.content.decode()
    returned.refresh_from_db()
    assert returned.status == "corrected"
    assert returned.proposal_row.name == "SLAMET RIYADI"


def test_another_village_cannot_open_the_form_and_staff_have_no_correction_page(
    returned, users, login
):
    url = reverse("programs:correct", args=[returned.pk])
    other = login(users["village_b"])
    assert other.get(url).status_code == 404
    assert other.post(url, typed(returned, nama="X Y", rt="9")).status_code == 404
    assert login(users["staff"]).get(reverse("programs:returned")).status_code == 403


def test_the_operator_corrects_in_the_form_and_sees_what_is_still_wrong(returned, users, login):
    client = login(users["village"])
    listed = client.get(reverse("programs:returned")).content.decode()
    assert reverse("programs:correct", args=[returned.pk]) in listed
    url = reverse("programs:correct", args=[returned.pk])
    form = client.get(url)
    assert "Nama kosong atau hanya pengisi" in form.content.decode()  # the reason, at its field
    assert "Alamat belum lengkap: RT." in form.content.decode()
    assert "Bidang ini tidak boleh kosong" not in form.content.decode()  # only the reasons

    values = typed(returned, nama="-", rt="2")
    page = client.post(url, values)
    assert page.status_code == 400 and "Nama kosong atau hanya pengisi" in page.content.decode()

    done = client.post(url, typed(returned, nama="Slamet Riyadi", rt="2"), follow=True)
    assert done.redirect_chain[-1][0] == reverse("programs:returned")
    returned.refresh_from_db()
    assert returned.status == "corrected"


def test_one_correction_serves_every_round_waiting_for_the_row(returned, users):
    second = AllocationRound.objects.create(
        name="JPS Juni", run=returned.round.run, created_by=users["staff"]
    )
    again = Allocation.objects.create(
        round=second,
        household=returned.household,
        proposal_row=returned.proposal_row,
        target=Program.objects.get(code="JPSKAB"),
        status="returned",
        return_reasons=returned.return_reasons,
        excluded_by="PKH",
        override_reason="PKH dihentikan",
    )
    corrections.correct(returned, typed(returned, nama="SLAMET", rt="2"), by=users["village"])
    again.refresh_from_db()
    assert again.status == "corrected"


def test_the_round_page_links_the_cross_check_of_corrected_families(returned, users, client):
    corrections.correct(returned, typed(returned, nama="SLAMET", rt="2"), by=users["village"])
    rounds.revalidate_jps(returned.round, by=users["staff"])
    returned.refresh_from_db()
    client.force_login(users["staff"], backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(reverse("programs:round", args=[returned.round_id])).content.decode()
    assert reverse("dedup:run", args=[returned.recheck_run_id]) in page
    assert "periksa lagi untuk memasukkannya ke tahap 2" in page


def test_an_empty_list_is_not_prepared(returned, users):
    from django.core.exceptions import ValidationError

    jps = Program.objects.get(code="JPSKAB")
    with pytest.raises(ValidationError, match="Belum ada keluarga"):
        rounds.prepare_list(returned.round, jps, 2, by=users["staff"])


def test_a_spreadsheet_naming_another_units_family_changes_nothing(returned, users, login):
    client = login(users["village"])
    sheet = _sheet(client.get(reverse("programs:returned_download")))
    headers = [cell.value for cell in sheet[1]]
    sheet.cell(2, headers.index("RT") + 1).value = "2"
    corrected = io.BytesIO()
    sheet.parent.save(corrected)
    corrected.seek(0)
    corrected.name = "perbaiki-jps.xlsx"
    page = login(users["village_b"]).post(reverse("programs:returned_upload"), {"file": corrected})
    assert page.context["report"] == {"corrected": 0, "still": [], "unknown": [2]}
    returned.refresh_from_db()
    assert returned.status == "returned"


def test_a_file_that_is_not_a_spreadsheet_is_refused_saying_so(returned, users, login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = login(users["village"]).post(
        reverse("programs:returned_upload"),
        {"file": SimpleUploadedFile("perbaiki.xlsx", b"%PDF-1.4 not a sheet")},
    )
    assert page.status_code == 400 and page.context["upload_form"].errors["file"]
    returned.refresh_from_db()
    assert returned.status == "returned"
