"""Proposal batches (usulan) and their uploads as operators and staff drive them: every state
a batch or an upload can reach, who may move it there, what the pages then show, and the
files handed back (rows to fix, the problem list, the template)."""

import csv
import io
import os

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from programs.intake import imports
from programs.models import Program, ProposalBatch, ProposalRow, RosterVersion, Sector, Upload
from tests.conftest import make_nik, make_no_kk

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("run_on_commit")]

S = ProposalBatch.Status
LABEL = dict(zip(S, ["draf", "diajukan", "sudah dipadankan", "ditutup"], strict=True))
ALLOWED = {(S.DRAFT, S.SUBMITTED), (S.SUBMITTED, S.DRAFT), (S.SUBMITTED, S.CHECKED),
           (S.CHECKED, S.SUBMITTED), (S.CHECKED, S.CLOSED)}  # fmt: skip
REFUSED = sorted({(old, new) for old in S for new in S} - ALLOWED)
HEADER = ["No", "NO KK", "NIK", "NAMA", "ALAMAT", "RT", "RW", "DESA", "KECAMATAN"]
SUBMITTED_NOTICE = "Usulan sudah diajukan ke Dinsos."
PAST_DRAFT = "Usulan ini sudah diajukan; baris tidak dapat ditambah lagi."


def family(n, name, *, nik=None, desa="Sindurjan", kecamatan="Purworejo"):
    return [str(n), make_no_kk(), nik or make_nik(), name, "DUSUN KRAJAN", "2", "5", desa,
            kecamatan]  # fmt: skip


def csv_file(rows, name="usulan.csv", header=HEADER):
    text = io.StringIO()
    csv.writer(text, delimiter=";").writerows([header, *rows])
    return SimpleUploadedFile(name, text.getvalue().encode("utf-8"))


def xlsx_file(tmp_path, rows, header, name="usulan-2.xlsx"):
    book = openpyxl.Workbook()
    for row in [header, *rows]:
        book.active.append(row)
    book.save(tmp_path / name)
    return SimpleUploadedFile(name, (tmp_path / name).read_bytes())


def workbook(response):
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


def values(sheet):
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def upload(client, batch, file):
    response = client.post(reverse("programs:batch_upload", args=[batch.pk]), {"file": file})
    assert response.status_code == 302, response.content.decode()[:500]
    return Upload.objects.latest("pk")


def confirm(client, up):
    client.post(reverse("programs:upload_confirm", args=[up.pk]))
    up.refresh_from_db()
    return up


def page(client, name, pk):
    return client.get(reverse(name, args=[pk])).content.decode()


def set_status(batch, status):
    ProposalBatch.objects.filter(pk=batch.pk).update(status=status)
    batch.refresh_from_db()


@pytest.fixture
def batch(users, units):
    return ProposalBatch.objects.create(
        unit=units["village_a"], title="Usulan JPS Juni", created_by=users["village"]
    )


@pytest.fixture
def rejected(login, users, batch):
    """A saved file of three families: SLAMET is accepted, TUKIYEM's NIK has 4 digits and
    PARJO lives in another village."""
    client = login(users["village"])
    rows = [
        family(1, "SLAMET"),
        family(2, "TUKIYEM", nik="3306"),
        family(3, "PARJO", desa="Harjobinangun", kecamatan="Grabag"),
    ]
    return confirm(client, upload(client, batch, csv_file(rows)))


# --- A batch's states --------------------------------------------------------------------


@pytest.mark.parametrize(("old", "new"), sorted(ALLOWED))
def test_each_allowed_move_is_stored_with_the_user_who_made_it(users, batch, old, new):
    set_status(batch, old)
    batch.move_to(new, by=users["staff"])
    batch.refresh_from_db()
    latest = batch.history.latest("history_id")
    assert (batch.status, latest.status, latest.history_user) == (new, new, users["staff"])


@pytest.mark.parametrize(("old", "new"), REFUSED)
def test_every_other_move_is_refused_in_indonesian_and_changes_nothing(users, batch, old, new):
    set_status(batch, old)
    with pytest.raises(ValidationError) as refused:
        batch.move_to(new, by=users["staff"])
    assert refused.value.messages == [
        f"Usulan berstatus {LABEL[old]} tidak dapat menjadi {LABEL[new]}."
    ]
    batch.refresh_from_db()
    assert batch.status == old and batch.history.count() == 1  # only its creation


def test_an_operator_creates_a_draft_proposal_of_their_own_unit(login, users, units):
    client = login(users["village"])
    response = client.post(reverse("programs:batch_create"), {"title": "Usulan JPS Juli"})
    created = ProposalBatch.objects.get(title="Usulan JPS Juli")
    assert response.url == reverse("programs:batch", args=[created.pk])
    assert (created.unit, created.status, created.created_by) == (
        units["village_a"], "draft", users["village"])  # fmt: skip
    assert created.history.get().history_user == users["village"]
    html = page(client, "programs:batch", created.pk)
    assert '<span class="badge draft">draf</span>' in html
    assert "Unggah dan periksa" in html and "Ajukan ke Dinsos" in html


@pytest.mark.parametrize("role", ["admin", "staff", "head", "desk"])
def test_district_roles_and_the_desk_cannot_create_a_proposal(login, users, role):
    client = login(users[role])
    assert client.get(reverse("programs:batch_create")).status_code == 403
    assert client.post(reverse("programs:batch_create"), {"title": "X"}).status_code == 403
    assert not ProposalBatch.objects.exists()


def test_submitting_a_draft_shows_it_submitted_and_records_who_did(login, users, batch):
    client = login(users["village"])
    response = client.post(reverse("programs:batch_submit", args=[batch.pk]), follow=True)
    html = response.content.decode()
    assert SUBMITTED_NOTICE in html and '<span class="badge submitted">diajukan</span>' in html
    assert "Unggah dan periksa" not in html and "Ajukan ke Dinsos" not in html
    latest = batch.history.latest("history_id")
    assert (latest.status, latest.history_user) == ("submitted", users["village"])


@pytest.mark.parametrize("status", [S.SUBMITTED, S.CLOSED])
def test_submitting_a_proposal_again_is_refused_with_the_reason(login, users, batch, status):
    set_status(batch, status)
    response = login(users["village"]).post(
        reverse("programs:batch_submit", args=[batch.pk]), follow=True
    )
    html = response.content.decode()
    assert "Usulan ini sudah diajukan." in html
    assert SUBMITTED_NOTICE not in html
    batch.refresh_from_db()
    assert batch.status == status and batch.history.count() == 1


def test_an_operator_cannot_send_a_cross_checked_proposal_back_to_submitted(login, users, batch):
    set_status(batch, S.CHECKED)
    response = login(users["village"]).post(
        reverse("programs:batch_submit", args=[batch.pk]), follow=True
    )
    batch.refresh_from_db()
    assert batch.status == "checked"
    assert SUBMITTED_NOTICE not in response.content.decode()


@pytest.mark.parametrize(
    ("upload_status", "after"),
    [("queued", "draft"), ("checking", "draft"), ("checked", "draft"), ("saving", "draft"),
     ("done", "submitted"), ("refused", "submitted"), ("cancelled", "submitted")],
)  # fmt: skip
def test_only_a_file_still_in_progress_holds_the_submission(
    login, users, batch, upload_status, after
):
    Upload.objects.create(
        kind=Upload.Kind.PROPOSAL, status=upload_status, file="uploads/a.csv", filename="a.csv",
        uploaded_by=users["village"], batch=batch,
    )  # fmt: skip
    response = login(users["village"]).post(
        reverse("programs:batch_submit", args=[batch.pk]), follow=True
    )
    batch.refresh_from_db()
    assert batch.status == after
    assert ("sebelum mengajukan" in response.content.decode()) == (after == "draft")


@pytest.mark.parametrize("status", [S.SUBMITTED, S.CHECKED, S.CLOSED])
def test_no_file_is_taken_into_a_proposal_past_draft(login, users, batch, status):
    set_status(batch, status)
    response = login(users["village"]).post(
        reverse("programs:batch_upload", args=[batch.pk]),
        {"file": csv_file([family(1, "X")])},
        follow=True,
    )
    assert PAST_DRAFT in response.content.decode() and not Upload.objects.exists()


def test_a_file_sent_to_a_submitted_proposal_is_refused_with_the_reason(login, users, batch):
    set_status(batch, S.SUBMITTED)  # submitted in another tab while this page stayed open
    response = login(users["village"]).post(
        reverse("programs:batch_upload", args=[batch.pk]),
        {"file": csv_file([family(1, "X")])},
        follow=True,
    )
    assert PAST_DRAFT in response.content.decode()


def test_removing_a_rejected_row_of_a_draft_is_recorded_with_the_operator(
    login, users, batch, rejected
):
    client = login(users["village"])
    tukiyem = batch.rows.get(name="TUKIYEM")
    url = reverse("programs:row_delete", args=[batch.pk, tukiyem.pk])
    response = client.post(url, follow=True)
    assert "Baris dihapus dari usulan." in response.content.decode()
    assert [row.name for row in response.context["page"]] == ["PARJO"]  # still to fix
    deleted = ProposalRow.history.get(id=tukiyem.pk, history_type="-")
    assert deleted.history_user == users["village"]


@pytest.mark.parametrize("status", [S.SUBMITTED, S.CHECKED, S.CLOSED])
def test_a_rejected_row_stays_once_the_proposal_left_draft(login, users, batch, rejected, status):
    set_status(batch, status)
    tukiyem = batch.rows.get(name="TUKIYEM")
    response = login(users["village"]).post(
        reverse("programs:row_delete", args=[batch.pk, tukiyem.pk]), follow=True
    )
    assert "Baris dihapus dari usulan." not in response.content.decode()
    assert batch.rows.filter(pk=tukiyem.pk, status="invalid").exists()


@pytest.mark.parametrize("role", ["admin", "staff", "head", "desk", "agency", "village_b"])
def test_only_the_units_own_operator_removes_a_rejected_row(login, users, batch, rejected, role):
    tukiyem = batch.rows.get(name="TUKIYEM")
    response = login(users[role]).post(reverse("programs:row_delete", args=[batch.pk, tukiyem.pk]))
    assert response.status_code in (403, 404)
    assert batch.rows.filter(pk=tukiyem.pk).exists()


@pytest.mark.parametrize("role", ["admin", "staff", "village"])
def test_only_the_agencys_operator_submits_the_agencys_proposal(login, users, units, role):
    becak = ProposalBatch.objects.create(
        unit=units["agency"], title="Usulan becak", created_by=users["agency"],
        sector=Sector.objects.get(name="tukang becak"),
    )  # fmt: skip
    url = reverse("programs:batch_submit", args=[becak.pk])
    assert login(users[role]).post(url).status_code in (403, 404)
    becak.refresh_from_db()
    assert becak.status == "draft"
    login(users["agency"]).post(url)
    becak.refresh_from_db()
    assert becak.status == "submitted"


def cross_check(client, batch):
    pkh = RosterVersion.objects.create(program=Program.objects.get(code="PKH"), period="2026")
    pkh.activate()
    data = {"batches": [batch.pk], "versions": [pkh.pk], "same": 90, "review": 70}
    assert client.post(reverse("dedup:runs"), data).status_code == 302


def test_staffs_cross_check_turns_a_submitted_proposal_cross_checked_for_its_operator(
    login, users, rejected, batch
):
    login(users["village"]).post(reverse("programs:batch_submit", args=[batch.pk]))
    cross_check(login(users["staff"]), batch)
    html = page(login(users["village"]), "programs:batch", batch.pk)
    assert '<span class="badge checked">sudah dipadankan</span>' in html
    assert "Unggah dan periksa" not in html
    moves = batch.history.order_by("history_id").values_list("status", "history_user__username")
    assert list(moves) == [("draft", None), ("submitted", "op.sindurjan"), ("checked", "staf")]


def test_a_finished_cross_check_marks_an_empty_submitted_proposal_checked(login, users, batch):
    login(users["village"]).post(reverse("programs:batch_submit", args=[batch.pk]))
    cross_check(login(users["staff"]), batch)
    batch.refresh_from_db()
    assert batch.status == "checked"


# --- An upload's states ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "label"), [("queued", "menunggu"), ("checking", "sedang diperiksa")]
)
def test_an_upload_not_yet_checked_can_be_cancelled_but_not_confirmed(
    login, users, batch, monkeypatch, status, label
):
    monkeypatch.setattr("programs.tasks.check_upload.delay", lambda pk: None)  # workers busy
    client = login(users["village"])
    up = upload(client, batch, csv_file([family(1, "SLAMET")]))
    Upload.objects.filter(pk=up.pk).update(status=status)
    assert f'<span class="badge {status}">{label}</span>' in page(client, "programs:upload", up.pk)
    assert f"usulan.csv</a> · {label}" in page(client, "programs:batch", batch.pk)
    assert confirm(client, up).status == status
    client.post(reverse("programs:upload_cancel", args=[up.pk]))
    up.refresh_from_db()
    assert up.status == "cancelled" and up.finished_at is not None
    assert not batch.rows.exists()


def test_a_checked_upload_the_operator_cancels_adds_no_rows_even_if_confirmed_later(
    login, users, batch
):
    client = login(users["village"])
    up = upload(client, batch, csv_file([family(1, "SLAMET"), family(2, "SUPARMI")]))
    html = page(client, "programs:upload", up.pk)
    assert "sudah diperiksa, menunggu konfirmasi" in html and "Simpan 2 baris valid" in html
    client.post(reverse("programs:upload_cancel", args=[up.pk]))
    html = page(client, "programs:upload", up.pk)
    assert '<span class="badge cancelled">dibatalkan</span>' in html
    assert "Simpan 2 baris valid" not in html
    assert confirm(client, up).status == "cancelled"
    assert not batch.rows.exists()
    assert "usulan.csv</a> · dibatalkan" in page(client, "programs:batch", batch.pk)


def test_a_saved_upload_can_no_longer_be_cancelled(login, users, batch, rejected):
    client = login(users["village"])
    html = page(client, "programs:upload", rejected.pk)
    assert '<span class="badge done">selesai</span>' in html and "1 baris valid disimpan." in html
    client.post(reverse("programs:upload_cancel", args=[rejected.pk]))
    rejected.refresh_from_db()
    assert rejected.status == "done" and rejected.rows_saved == 1
    assert sorted(batch.rows.values_list("name", "status")) == [
        ("PARJO", "invalid"), ("SLAMET", "valid"), ("TUKIYEM", "invalid")]  # fmt: skip


def test_an_upload_being_saved_offers_no_cancel_and_refuses_one(login, users, batch, monkeypatch):
    monkeypatch.setattr("programs.tasks.save_upload.delay", lambda pk: None)  # workers busy
    client = login(users["village"])
    up = confirm(client, upload(client, batch, csv_file([family(1, "SLAMET")])))
    assert up.status == "saving"
    html = page(client, "programs:upload", up.pk)
    assert "sedang disimpan" in html and "Menyimpan…" in html
    assert "Batal: jangan simpan apa pun" not in html
    client.post(reverse("programs:upload_cancel", args=[up.pk]))
    up.refresh_from_db()
    assert up.status == "saving"
    assert imports.save_upload(up.pk).status == "done"  # the worker, when free, saves it
    assert list(batch.rows.values_list("name", flat=True)) == ["SLAMET"]


def test_a_refused_file_cannot_be_confirmed_or_cancelled_and_adds_nothing(login, users, batch):
    client = login(users["village"])
    row = family(1, "SLAMET")
    del row[1]  # the file has no NO KK column
    up = upload(client, batch, csv_file([row], header=[h for h in HEADER if h != "NO KK"]))
    assert up.status == "refused" and "tidak memiliki kolom NO KK" in up.error
    assert confirm(client, up).status == "refused"
    client.post(reverse("programs:upload_cancel", args=[up.pk]))
    up.refresh_from_db()
    assert up.status == "refused" and not batch.rows.exists()
    assert "usulan.csv</a> · ditolak" in page(client, "programs:batch", batch.pk)


def test_a_stored_file_gone_before_saving_refuses_the_upload_and_adds_nothing(login, users, batch):
    client = login(users["village"])
    up = upload(client, batch, csv_file([family(1, "SLAMET")]))
    os.remove(up.file.path)
    up = confirm(client, up)
    assert up.status == "refused" and "tidak ada yang disimpan" in up.error
    assert up.error in page(client, "programs:upload", up.pk)
    assert not batch.rows.exists()


def test_a_save_that_fails_half_way_keeps_none_of_the_files_rows(login, users, batch, monkeypatch):
    real_insert, calls = imports.insert_rows, []

    def insert_then_fail(model, rows):
        calls.append(len(rows))
        if len(calls) == 2:
            raise OSError("disk full")
        real_insert(model, rows)

    monkeypatch.setattr(imports, "SAVE_CHUNK", 1)
    monkeypatch.setattr(imports, "insert_rows", insert_then_fail)
    client = login(users["village"])
    up = confirm(client, upload(client, batch, csv_file([family(1, "A"), family(2, "B")])))
    assert calls == [1, 1]  # the first family was written before the failure
    assert up.status == "refused" and up.rows_saved == 0
    assert not batch.rows.exists()


# --- The downloads -----------------------------------------------------------------------


def test_a_batchs_rows_to_fix_come_back_under_the_latest_files_columns(
    login, users, batch, rejected, tmp_path
):
    """Two files in two layouts: every row still to fix is placed under the columns of the
    file the operator sent last, with its reason and the red cell where the problem is."""
    client = login(users["village"])
    header = ["NAMA", "NIK", "NO KK", "ALAMAT", "RT", "RW", "DESA", "KECAMATAN"]
    nik = make_nik()
    bad = ["SURTI", nik, "330606010120", "DUSUN KRAJAN", "2", "5", "Sindurjan", "Purworejo"]
    second = upload(client, batch, xlsx_file(tmp_path, [bad], header))
    confirm(client, second)
    rows = {row.name: row for row in batch.rows.all()}
    assert rows["SURTI"].row_number == 4  # after the first file's three rows

    sheet = workbook(client.get(reverse("programs:batch_rejected", args=[batch.pk])))

    tukiyem, parjo, surti = rows["TUKIYEM"], rows["PARJO"], rows["SURTI"]
    reason = {name: "; ".join(p["message"] for p in rows[name].problems) for name in rows}
    assert values(sheet) == [
        [*header, "ALASAN", "ID BARIS BANSOS"],
        ["TUKIYEM", "3306", tukiyem.no_kk, "DUSUN KRAJAN", "2", "5", "Sindurjan", "Purworejo",
         reason["TUKIYEM"], str(tukiyem.pk)],
        ["PARJO", parjo.nik, parjo.no_kk, "DUSUN KRAJAN", "2", "5", "Harjobinangun", "Grabag",
         reason["PARJO"], str(parjo.pk)],
        ["SURTI", nik, "330606010120", "DUSUN KRAJAN", "2", "5", "Sindurjan", "Purworejo",
         reason["SURTI"], str(surti.pk)],
    ]  # fmt: skip
    assert reason["TUKIYEM"] == "NIK berisi 4 digit, seharusnya 16."
    assert reason["PARJO"].startswith("Desa Harjobinangun bukan Kelurahan Sindurjan")
    assert reason["SURTI"] == "No. KK berisi 12 digit, seharusnya 16."
    red = {(c.row, c.column) for row in sheet.iter_rows() for c in row if c.comment}
    assert red == {(2, 2), (3, 7), (4, 3)}  # NIK, DESA and NO KK, each in its own column


def test_an_uploads_rows_to_fix_leave_its_file_once_fixed_by_a_later_one(
    login, users, batch, rejected
):
    client = login(users["village"])
    first_book = workbook(client.get(reverse("programs:upload_rejected", args=[rejected.pk])))
    assert [r[3] for r in values(first_book)[1:]] == ["TUKIYEM", "PARJO"]
    tukiyem = batch.rows.get(name="TUKIYEM")
    fixed = [["2", tukiyem.no_kk, make_nik(), "TUKIYEM", "DUSUN KRAJAN", "2", "5", "Sindurjan",
              "Purworejo"]]  # fmt: skip
    again = confirm(client, upload(client, batch, csv_file(fixed, name="perbaiki.csv")))
    assert (again.rows_saved, batch.rows.get(pk=tukiyem.pk).status) == (1, "valid")

    first_book = workbook(client.get(reverse("programs:upload_rejected", args=[rejected.pk])))
    parjo = batch.rows.get(name="PARJO")
    assert [(r[3], r[-1]) for r in values(first_book)[1:]] == [("PARJO", str(parjo.pk))]
    second_book = workbook(client.get(reverse("programs:upload_rejected", args=[again.pk])))
    assert values(second_book) == [[*HEADER, "ALASAN", "ID BARIS BANSOS"]]


def test_the_problem_list_names_each_row_excel_row_column_and_reason(login, users, batch):
    rows = [family(1, "SLAMET"), family(2, "", nik="3306"), HEADER, family(4, "SUPARMI")]
    client = login(users["village"])
    up = upload(client, batch, csv_file(rows))
    response = client.get(reverse("programs:upload_problems", args=[up.pk]))
    assert response["Content-Disposition"] == f'attachment; filename="masalah-{up.pk}.csv"'
    text = response.content.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text))) == [
        ["baris", "baris_excel", "kolom", "alasan"],
        ["2", "3", "NAMA", "NAMA kosong."],
        ["2", "3", "NIK", "NIK berisi 4 digit, seharusnya 16."],
        ["3", "4", "", "Baris judul kolom terulang: bukan keluarga. Hapus baris ini dari berkas."],
    ]


@pytest.mark.parametrize(
    ("role", "desa", "kecamatan"),
    [("village", "Sindurjan", "Purworejo"), ("village_b", "Harjobinangun", "Grabag")],
)
def test_a_village_template_offers_its_own_desa_and_kecamatan_and_holds_no_rows(
    login, users, role, desa, kecamatan
):
    response = login(users[role]).get(reverse("programs:template"))
    assert response["Content-Disposition"] == 'attachment; filename="template-usulan.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book["Usulan"]
    offered = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert offered["I2:I1048576"] == f'"{desa}"' and offered["J2:J1048576"] == f'"{kecamatan}"'
    assert sheet.max_column == 13 and {cell.value for cell in sheet[2]} == {None}
    guide = values(book["Petunjuk"])
    assert ["Desa/Kelurahan", desa, None] in guide and ["Kecamatan", kecamatan, None] in guide


def test_a_template_names_no_village_for_staff_and_no_sector_of_another_unit(login, users, units):
    becak = ProposalBatch.objects.create(
        unit=units["agency"], title="Usulan becak", created_by=users["agency"],
        sector=Sector.objects.get(name="tukang becak"),
    )  # fmt: skip
    staff = login(users["staff"]).get(reverse("programs:template"))
    book = openpyxl.load_workbook(io.BytesIO(staff.content))
    assert [v.formula1 for v in book["Usulan"].data_validations.dataValidation] == ['"L,P"']
    assert not any(row[0] in ("Desa/Kelurahan", "Kecamatan") for row in values(book["Petunjuk"]))
    village = login(users["village"]).get(reverse("programs:template"), {"batch": becak.pk})
    headers = [c.value for c in openpyxl.load_workbook(io.BytesIO(village.content))["Usulan"][1]]
    assert "SEKTOR" not in headers and len(headers) == 13


def test_the_next_page_of_the_rows_to_fix_still_shows_only_rows_to_fix(login, users, batch):
    ProposalRow.objects.bulk_create(
        ProposalRow(batch=batch, row_number=n, name=f"KELUARGA {n}", status=status)
        for n, status in enumerate(["invalid"] * 51 + ["valid"] * 60, start=1)
    )
    client = login(users["village"])
    first = client.get(reverse("programs:batch", args=[batch.pk]), {"status": "invalid"})
    assert "?status=invalid&amp;page=2" in first.content.decode()
    second = client.get(
        reverse("programs:batch", args=[batch.pk]), {"status": "invalid", "page": 2}
    )
    assert [row.row_number for row in second.context["page"]] == [51]
