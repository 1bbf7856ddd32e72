"""Proposal upload: template, preview, the visible rule, the round trip of rejected rows."""

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from programs.models import ProposalBatch, ProposalRow, Sector, Upload
from tests.conftest import make_nik, make_no_kk

pytestmark = pytest.mark.django_db

HEADER = ["No", "NO KK", "NIK", "NAMA KEPALA KELUARGA", "ALAMAT", "RT", "RW", "DESA/KELURAHAN",
          "KECAMATAN", "KETERANGAN"]  # fmt: skip


def family(n, name, *, nik=None, kk=None, desa="Kel. Sindurjan", kecamatan="Purworejo"):
    return [str(n), kk or make_no_kk(), nik or make_nik(), name, "DUSUN KRAJAN", "2", "5", desa,
            kecamatan, ""]  # fmt: skip


def csv_file(rows, name="usulan.csv", title=True):
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";")
    if title:
        writer.writerow(["DAFTAR USULAN JPS KELURAHAN SINDURJAN"])
        writer.writerow([])
    writer.writerows([HEADER, *rows])
    return SimpleUploadedFile(name, text.getvalue().encode("utf-8"), content_type="text/csv")


@pytest.fixture
def batch(users, units):
    return ProposalBatch.objects.create(
        unit=units["village_a"], title="Usulan JPS Mei", created_by=users["village"]
    )


@pytest.fixture
def mixed_rows():
    twin = make_nik()
    return [
        family(1, "SLAMET"),
        family(2, "SUPARMI"),
        family(3, "TUKIYEM", nik="3.30606E+15"),
        family(4, "PARJO", desa="Harjobinangun", kecamatan="Grabag"),
        family(5, "SUGENG", nik=twin),
        family(6, "SUGENG LAGI", nik=twin),
    ]


@pytest.fixture(autouse=True)
def run_on_commit(monkeypatch):
    """Background work starts when the request's transaction commits; tests run inside one."""
    monkeypatch.setattr("django.db.transaction.on_commit", lambda func, *a, **k: func())


def upload(client, batch, file):
    response = client.post(reverse("programs:batch_upload", args=[batch.pk]), {"file": file})
    assert response.status_code == 302, response.content.decode()[:500]
    return Upload.objects.latest("pk")


def test_preview_counts_and_explains_every_problem_before_saving(login, users, batch, mixed_rows):
    client = login(users["village"])
    up = upload(client, batch, csv_file(mixed_rows))
    assert (up.status, up.rows_read, up.rows_valid, up.rows_invalid) == ("checked", 6, 3, 3)
    problems = {(p["row"], p["column"]): p["message"] for p in up.problems}
    assert problems[(3, "nik")].startswith("NIK 3.30606E+15 diubah Excel menjadi notasi ilmiah")
    assert problems[(4, "desa")] == (
        "Desa Harjobinangun bukan Kelurahan Sindurjan: desa hanya mengusulkan keluarga yang "
        "tinggal di desanya."
    )
    assert problems[(6, "nik")] == "NIK sama dengan baris 5: keluarga ini tercantum dua kali."
    assert [p["line"] for p in up.problems if p["row"] == 3] == [6]  # Excel row under 3 lines
    assert not batch.rows.exists()
    html = client.get(reverse("programs:upload", args=[up.pk])).content.decode()
    assert "baris yang valid diterima" in html and "Simpan 3 baris valid" in html


def test_confirming_keeps_good_rows_and_sets_bad_ones_aside(login, users, batch, mixed_rows):
    client = login(users["village"])
    up = upload(client, batch, csv_file(mixed_rows))
    client.post(reverse("programs:upload_confirm", args=[up.pk]))
    up.refresh_from_db()
    rows = {r.name: r for r in batch.rows.all()}
    assert up.status == "done"
    assert sorted(n for n, r in rows.items() if r.status == "valid") == [
        "SLAMET", "SUGENG", "SUPARMI"]  # fmt: skip
    assert rows["TUKIYEM"].status == "invalid" and rows["TUKIYEM"].problems[0]["column"] == "nik"
    assert rows["SLAMET"].rt == "002" and rows["SLAMET"].desa.code == "33.06.06.1001"


def test_uploading_the_same_file_twice_changes_nothing(login, users, batch, mixed_rows):
    client = login(users["village"])
    for _ in range(2):
        up = upload(client, batch, csv_file(mixed_rows))
        client.post(reverse("programs:upload_confirm", args=[up.pk]))
    up.refresh_from_db()
    assert (up.rows_known, up.rows_saved) == (3, 0)
    assert batch.rows.count() == 6


def test_rejected_rows_come_back_in_the_operators_own_file_and_join_the_batch_when_fixed(
    login, users, batch, mixed_rows
):
    client = login(users["village"])
    up = upload(client, batch, csv_file(mixed_rows))
    client.post(reverse("programs:upload_confirm", args=[up.pk]))
    response = client.get(reverse("programs:upload_rejected", args=[up.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    assert header == [*HEADER, "ALASAN", "ID BARIS BANSOS"]
    assert [sheet.cell(row=r, column=4).value for r in (2, 3, 4)] == [
        "TUKIYEM", "PARJO", "SUGENG LAGI"]  # fmt: skip
    bad = sheet.cell(row=2, column=3)
    assert bad.fill.fgColor.rgb.endswith("FFC7CE") or bad.fill.fgColor.rgb.endswith("FF0000")
    assert "notasi ilmiah" in bad.comment.text
    # The operator fixes the rows where they are and uploads the same file back.
    sheet.cell(row=2, column=3).value = make_nik()
    sheet.cell(row=3, column=8).value, sheet.cell(row=3, column=9).value = "Sindurjan", "Purworejo"
    sheet.cell(row=4, column=3).value = make_nik()
    fixed = io.BytesIO()
    sheet.parent.save(fixed)
    again = upload(client, batch, SimpleUploadedFile("perbaiki.xlsx", fixed.getvalue()))
    assert (again.rows_valid, again.rows_invalid) == (3, 0)
    client.post(reverse("programs:upload_confirm", args=[again.pk]))
    assert batch.rows.count() == 6
    assert set(batch.rows.values_list("status", flat=True)) == {"valid"}
    tukiyem = batch.rows.get(name="TUKIYEM")
    assert tukiyem.history.first().history_user == users["village"]


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"%PDF-1.4 not a spreadsheet", "usulan.xlsx", "bukan lembar kerja"),
        (b"\r\n  \r\n\r\n", "kosong.csv", "kosong: tidak ada baris berisi data"),
        (b"NAMA;ALAMAT\nSITI;KRAJAN\n", "tanpa-nik.csv", "baris judul kolom"),
        (
            b"NIK;NAMA;ALAMAT\n3306061203800001;SITI;KRAJAN\n",
            "kurang.csv",
            "tidak memiliki kolom NO KK, DESA, KECAMATAN",
        ),
    ],
)
def test_a_file_that_cannot_be_used_is_refused_whole_with_the_reason(
    login, users, batch, content, name, message
):
    client = login(users["village"])
    up = upload(client, batch, SimpleUploadedFile(name, content))
    assert up.status == "refused" and message in up.error
    html = client.get(reverse("programs:upload", args=[up.pk])).content.decode()
    assert "Tidak ada yang disimpan dari berkas ini." in html
    assert not batch.rows.exists()


def test_a_file_over_the_limit_is_refused_naming_the_limit(login, users, batch, settings):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    big = SimpleUploadedFile("besar.csv", b"x" * (1024 * 1024 * 3 // 2))
    response = login(users["village"]).post(
        reverse("programs:batch_upload", args=[batch.pk]), {"file": big}
    )
    assert response.status_code == 400
    assert "berukuran 1,5 MB; batasnya 1 MB" in response.content.decode()
    assert not Upload.objects.exists()


def test_operator_of_another_village_cannot_upload_into_the_batch(login, users, batch):
    response = login(users["village_b"]).post(
        reverse("programs:batch_upload", args=[batch.pk]), {"file": csv_file([])}
    )
    assert response.status_code == 404


def test_another_village_cannot_see_the_upload(login, users, batch, mixed_rows):
    up = upload(login(users["village"]), batch, csv_file(mixed_rows))
    client = login(users["village_b"])
    for name in ("programs:upload", "programs:upload_problems", "programs:upload_rejected"):
        assert client.get(reverse(name, args=[up.pk])).status_code == 404


def test_submitted_proposal_takes_no_more_rows(login, users, batch):
    client = login(users["village"])
    client.post(reverse("programs:batch_submit", args=[batch.pk]))
    batch.refresh_from_db()
    response = client.post(
        reverse("programs:batch_upload", args=[batch.pk]),
        {"file": csv_file([family(1, "X")])},
        follow=True,
    )
    assert batch.status == "submitted" and not batch.uploads.exists()
    assert "baris tidak dapat ditambah lagi" in response.content.decode()  # told why


def test_agency_proposal_needs_a_sector(login, users):
    client = login(users["agency"])
    response = client.post(reverse("programs:batch_create"), {"title": "Usulan becak"})
    assert "sector" in response.context["form"].errors
    sector = Sector.objects.get(name="tukang becak")
    client.post(reverse("programs:batch_create"), {"title": "Usulan becak", "sector": sector.pk})
    assert ProposalBatch.objects.get(title="Usulan becak").sector == sector


def test_combined_list_goes_to_each_village_and_agency(login, users, units):
    rows = [
        family(1, "SLAMET"),
        family(2, "PARJO", desa="DS. HARJOBINANGUN", kecamatan="KEC. GRABAG"),
        family(3, "SUKIRNO", desa="Harjobinangun", kecamatan="Grabag"),
    ]
    rows[2][-1] = ""  # the agency column follows
    header = [*HEADER, "SUMBER"]
    text = io.StringIO()
    csv.writer(text).writerows(
        [header, rows[0] + [""], rows[1] + [""], rows[2] + ["Dinas Perhubungan"]]
    )
    client = login(users["staff"])
    client.post(
        reverse("programs:combined"),
        {"file": SimpleUploadedFile("gabungan.csv", text.getvalue().encode())},
    )
    up = Upload.objects.get()
    client.post(reverse("programs:upload_confirm", args=[up.pk]))
    by_unit = {
        row.batch.unit.name: row.name for row in ProposalRow.objects.select_related("batch__unit")
    }
    assert by_unit == {
        "Kelurahan Sindurjan": "SLAMET",
        "Desa Harjobinangun": "PARJO",
        "Dinas Perhubungan": "SUKIRNO",
    }


def test_template_has_the_columns_and_text_formatted_numbers(login, users):
    response = login(users["village"]).get(reverse("programs:template"))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["Usulan"]
    headers = [c.value for c in sheet[1]]
    assert headers[:3] == ["NO KK", "NIK", "NAMA"]
    assert sheet.cell(row=2, column=2).number_format == "@"
    guide = openpyxl.load_workbook(io.BytesIO(response.content))["Petunjuk"]
    text = " ".join(str(c.value) for row in guide.iter_rows() for c in row if c.value)
    assert "Sindurjan" in text and "Purworejo" in text


def test_problem_list_download_names_row_column_and_reason(login, users, batch, mixed_rows):
    mixed_rows[0][2] = "3306"
    client = login(users["village"])
    up = upload(client, batch, csv_file(mixed_rows))
    text = client.get(reverse("programs:upload_problems", args=[up.pk])).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["baris", "baris_excel", "kolom", "alasan"]
    assert rows[1][:3] == ["1", "4", "NIK"] and "4 digit" in rows[1][3]


def test_a_formula_typed_in_a_rejected_row_comes_back_as_text(login, users, batch, mixed_rows):
    mixed_rows[2][3] = '=HYPERLINK("http://contoh.invalid","klik")'  # the row with a bad NIK
    client = login(users["village"])
    up = upload(client, batch, csv_file(mixed_rows))
    client.post(reverse("programs:upload_confirm", args=[up.pk]))
    response = client.get(reverse("programs:upload_rejected", args=[up.pk]))
    cell = openpyxl.load_workbook(io.BytesIO(response.content)).active.cell(row=2, column=4)
    assert cell.data_type == "s" and cell.value.startswith("'=HYPERLINK")


def test_clicking_confirm_twice_saves_once(login, users, batch, mixed_rows, monkeypatch):
    started = []
    monkeypatch.setattr("programs.tasks.save_upload.delay", started.append)
    client = login(users["village"])
    up = upload(client, batch, csv_file(mixed_rows))
    for _ in range(2):
        client.post(reverse("programs:upload_confirm", args=[up.pk]))
    assert started == [up.pk]


def test_a_cancel_during_the_check_is_not_overwritten(login, users, batch, mixed_rows):
    from programs.intake import imports

    client = login(users["village"])
    up = upload(client, batch, csv_file(mixed_rows))
    Upload.objects.filter(pk=up.pk).update(status="checking")
    client.post(reverse("programs:upload_cancel", args=[up.pk]))
    Upload.objects.filter(pk=up.pk).update(status="checking")  # the check was still running
    Upload.objects.filter(pk=up.pk).update(status="cancelled")
    assert imports.check_upload(up.pk).status == "cancelled"


def test_rows_confirmed_after_the_proposal_was_submitted_are_not_added(
    login, users, batch, mixed_rows
):
    from programs.intake import imports

    client = login(users["village"])
    up = upload(client, batch, csv_file(mixed_rows))
    response = client.post(reverse("programs:batch_submit", args=[batch.pk]), follow=True)
    assert "sebelum mengajukan" in response.content.decode()  # a file waits for confirmation
    batch.move_to(ProposalBatch.Status.SUBMITTED, by=users["village"])
    assert imports.confirm_upload(up)
    up = imports.save_upload(up.pk)
    assert up.status == "refused" and not batch.rows.exists()


def test_an_old_rejected_file_uploaded_again_adds_nothing(login, users, batch, mixed_rows):
    client = login(users["village"])
    up = upload(client, batch, csv_file(mixed_rows))
    client.post(reverse("programs:upload_confirm", args=[up.pk]))
    old = client.get(reverse("programs:upload_rejected", args=[up.pk])).content
    book = openpyxl.load_workbook(io.BytesIO(old))
    book.active.cell(row=2, column=3).value = make_nik()  # TUKIYEM fixed
    fixed = io.BytesIO()
    book.save(fixed)
    for content in (fixed.getvalue(), old):  # the fix, then the old file by mistake
        again = upload(client, batch, SimpleUploadedFile("perbaiki.xlsx", content))
        client.post(reverse("programs:upload_confirm", args=[again.pk]))
    assert batch.rows.count() == 6
    assert batch.rows.get(name="TUKIYEM").status == "valid"


def test_a_combined_row_no_unit_can_take_is_a_problem_not_a_silent_loss(login, users, units):
    from households.models import Region

    Region.objects.create(
        code="33.06.06.1002",
        name="Pangenjurutengah",
        level=4,
        kind="kelurahan",
        parent=Region.objects.get(code="33.06.06"),
    )  # a village with no operator unit
    rows = [family(1, "SLAMET", desa="Pangenjurutengah"), family(2, "PARJO")]
    client = login(users["staff"])
    client.post(reverse("programs:combined"), {"file": csv_file(rows, title=False)})
    up = Upload.objects.get()
    assert (up.rows_valid, up.rows_invalid) == (1, 1)
    assert up.problems[0]["column"] == "desa" and "SUMBER" in up.problems[0]["message"]


def test_a_roster_import_cannot_be_cancelled_half_way(users):
    from programs.intake import imports

    up = Upload(kind=Upload.Kind.ROSTER, status="queued", uploaded_by=users["staff"])
    assert imports.cancel_upload(up) is False


def test_progress_fragment_polls_while_running_and_refreshes_when_done(
    login, users, batch, mixed_rows
):
    client = login(users["village"])
    up = upload(client, batch, csv_file(mixed_rows))
    Upload.objects.filter(pk=up.pk).update(status="checking", rows_read=1234)
    url = reverse("programs:upload", args=[up.pk])
    fragment = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in fragment and "1.234 baris dibaca" in fragment
    Upload.objects.filter(pk=up.pk).update(status="checked")
    assert client.get(url, HTTP_HX_REQUEST="true")["HX-Refresh"] == "true"


def test_an_empty_file_is_refused_at_once(login, users, batch):
    response = login(users["village"]).post(
        reverse("programs:batch_upload", args=[batch.pk]),
        {"file": SimpleUploadedFile("a.csv", b"")},
    )
    assert response.status_code == 400 and not Upload.objects.exists()


def _bad_files(tmp_path):
    from tests.programs import test_readers as r

    bomb_sheet, bomb_shared = r._sheet_xml("SITI"), r._shared_xml("&lol9;", r._LAUGHS)
    return {
        "rahasia.xlsx": (
            r.write_ole(
                tmp_path / "rahasia.xlsx",
                {"EncryptionInfo": b"\x04\x00\x04\x00", "EncryptedPackage": b"\x99" * 5000},
            ),
            "dilindungi kata sandi",
        ),
        "tawa.xlsx": (r.write_raw_xlsx(tmp_path / "tawa.xlsx", bomb_sheet, bomb_shared), "rusak"),
    }


@pytest.mark.parametrize("name", ["rahasia.xlsx", "tawa.xlsx"])
def test_protected_or_booby_trapped_workbooks_are_refused_and_stored_rows_stay(
    login, users, batch, mixed_rows, tmp_path, name
):
    client = login(users["village"])
    first = upload(client, batch, csv_file(mixed_rows))
    client.post(reverse("programs:upload_confirm", args=[first.pk]))
    before = list(batch.rows.order_by("pk").values_list("pk", "status", "nik"))
    path, message = _bad_files(tmp_path)[name]
    up = upload(client, batch, SimpleUploadedFile(name, path.read_bytes()))
    assert up.status == "refused" and message in up.error
    assert list(batch.rows.order_by("pk").values_list("pk", "status", "nik")) == before


def test_more_rows_than_a_proposal_may_hold_refuses_the_whole_file(
    login, users, batch, monkeypatch
):
    monkeypatch.setattr("programs.intake.imports.MAX_PROPOSAL_ROWS", 5)
    rows = [family(i, f"WARGA {i}") for i in range(1, 7)]
    up = upload(login(users["village"]), batch, csv_file(rows))
    assert up.status == "refused" and "lebih dari 5 baris data" in up.error
    assert not batch.rows.exists()


def test_a_header_row_repeated_in_the_data_is_a_refused_row_and_later_rows_keep_their_place(
    login, users, batch
):
    rows = [family(1, "SLAMET"), HEADER, family(2, "SUPARMI")]
    client = login(users["village"])
    up = upload(client, batch, csv_file(rows))
    assert (up.rows_read, up.rows_valid, up.rows_invalid, up.summary["repeated_headers"]) == (
        3, 2, 0, [5])  # fmt: skip
    assert up.problems == [
        {"row": 2, "line": 5, "column": None,
         "message": "Baris judul kolom terulang: bukan keluarga. Hapus baris ini dari berkas."}
    ]  # fmt: skip
    html = client.get(reverse("programs:upload", args=[up.pk])).content.decode()
    assert "Baris judul kolom muncul lagi pada baris Excel 5" in html
    assert (
        "3 baris dibaca = 2 sah + 0 bermasalah + 0 sudah ada dalam usulan + 1 baris judul" in html
    )
    client.post(reverse("programs:upload_confirm", args=[up.pk]))
    assert dict(batch.rows.values_list("name", "row_number")) == {"SLAMET": 1, "SUPARMI": 3}


def test_the_same_family_card_under_another_head_is_already_in_the_proposal(login, users, batch):
    kk = make_no_kk()
    client = login(users["village"])
    first = upload(client, batch, csv_file([family(1, "SLAMET", kk=kk)]))
    client.post(reverse("programs:upload_confirm", args=[first.pk]))
    second = upload(client, batch, csv_file([family(1, "SRI WAHYUNI", kk=kk)], name="istri.csv"))
    assert (second.rows_known, second.rows_valid) == (1, 0)
    assert second.problems == [
        {"row": 1, "line": 4, "column": None,
         "message": "NO KK sama dengan baris 1 yang sudah ada dalam usulan: tidak ditambahkan "
                    "dua kali."}
    ]  # fmt: skip


def test_a_head_whose_nik_is_the_no_kk_of_a_family_already_in_the_proposal_is_added(
    login, users, batch
):
    # A card issued on 1 January 2020 and a man born that day in the same kecamatan: both
    # numbers are region + date + serial, and can share all 16 digits.
    kk = make_no_kk()
    client = login(users["village"])
    first = upload(client, batch, csv_file([family(1, "SLAMET", kk=kk)]))
    client.post(reverse("programs:upload_confirm", args=[first.pk]))
    second = upload(client, batch, csv_file([family(1, "TUGIMAN", nik=kk)], name="b.csv"))
    assert (second.rows_known, second.rows_valid) == (0, 1)
    client.post(reverse("programs:upload_confirm", args=[second.pk]))
    assert sorted(batch.rows.values_list("name", "row_number")) == [("SLAMET", 1), ("TUGIMAN", 2)]


def test_an_agencys_template_carries_its_sector(login, users, units):
    sector = Sector.objects.get(name="tukang becak")
    batch = ProposalBatch.objects.create(
        unit=units["agency"], title="Becak", sector=sector, created_by=users["agency"]
    )
    response = login(users["agency"]).get(reverse("programs:template"), {"batch": batch.pk})
    headers = [c.value for c in openpyxl.load_workbook(io.BytesIO(response.content))["Usulan"][1]]
    assert "SEKTOR" in headers


def test_a_row_fixed_in_the_original_file_replaces_its_rejected_self(
    login, users, batch, mixed_rows
):
    client = login(users["village"])
    up = upload(client, batch, csv_file(mixed_rows))
    client.post(reverse("programs:upload_confirm", args=[up.pk]))
    mixed_rows[2][2] = make_nik()  # TUKIYEM's NIK retyped in the operator's own file
    again = upload(client, batch, csv_file(mixed_rows))
    client.post(reverse("programs:upload_confirm", args=[again.pk]))
    assert batch.rows.count() == 6
    assert batch.rows.get(name="TUKIYEM").status == "valid"


def test_operator_removes_a_rejected_row_they_will_not_fix(login, users, batch, mixed_rows):
    client = login(users["village"])
    up = upload(client, batch, csv_file(mixed_rows))
    client.post(reverse("programs:upload_confirm", args=[up.pk]))
    twin = batch.rows.get(name="SUGENG LAGI")
    assert (
        login(users["village_b"])
        .post(reverse("programs:row_delete", args=[batch.pk, twin.pk]))
        .status_code
        == 404
    )
    valid = batch.rows.get(name="SLAMET")
    client = login(users["village"])
    assert client.post(reverse("programs:row_delete", args=[batch.pk, valid.pk])).status_code == 404
    client.post(reverse("programs:row_delete", args=[batch.pk, twin.pk]))
    assert not batch.rows.filter(name="SUGENG LAGI").exists()


def test_a_corrected_combined_list_finds_the_rows_it_corrects(login, users, units):
    rows = [family(1, "SLAMET"), family(2, "TUKIYEM", nik="3.30606E+15")]
    client = login(users["staff"])
    client.post(reverse("programs:combined"), {"file": csv_file(rows, name="gabungan.csv")})
    first = Upload.objects.get()
    client.post(reverse("programs:upload_confirm", args=[first.pk]))
    rejected = client.get(reverse("programs:upload_rejected", args=[first.pk])).content
    book = openpyxl.load_workbook(io.BytesIO(rejected))
    book.active.cell(row=2, column=3).value = make_nik()
    fixed = io.BytesIO()
    book.save(fixed)
    client.post(
        reverse("programs:combined"),
        {"file": SimpleUploadedFile("perbaiki-1.xlsx", fixed.getvalue())},
    )
    second = Upload.objects.latest("pk")
    client.post(reverse("programs:upload_confirm", args=[second.pk]))
    batch = ProposalBatch.objects.get()
    assert batch.combined and batch.unit == units["village_a"]
    assert sorted(batch.rows.values_list("name", "status")) == [
        ("SLAMET", "valid"), ("TUKIYEM", "valid")]  # fmt: skip


def test_a_village_downloads_rows_to_fix_that_came_from_the_combined_list(login, users, units):
    rows = [family(1, "SLAMET"), family(2, "TUKIYEM", nik="3.30606E+15")]
    staff = login(users["staff"])
    staff.post(reverse("programs:combined"), {"file": csv_file(rows, name="gabungan.csv")})
    staff.post(reverse("programs:upload_confirm", args=[Upload.objects.get().pk]))
    batch = ProposalBatch.objects.get()
    village = login(users["village"])
    response = village.get(reverse("programs:batch_rejected", args=[batch.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == [*HEADER, "ALASAN", "ID BARIS BANSOS"]
    assert sheet.cell(row=2, column=4).value == "TUKIYEM"
    assert "notasi ilmiah" in sheet.cell(row=2, column=3).comment.text
    other = login(users["village_b"])
    assert other.get(reverse("programs:batch_rejected", args=[batch.pk])).status_code == 404


def test_an_xlsx_too_large_to_load_safely_is_refused_before_loading(
    login, users, batch, monkeypatch, tmp_path
):
    monkeypatch.setattr("programs.intake.imports.MAX_PROPOSAL_UNPACKED", 1024)
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    for i in range(1, 200):
        book.active.append(family(i, f"WARGA {i}"))
    path = tmp_path / "besar.xlsx"
    book.save(path)
    up = upload(login(users["village"]), batch, SimpleUploadedFile("besar.xlsx", path.read_bytes()))
    assert up.status == "refused" and "simpan sebagai CSV" in up.error


@pytest.mark.parametrize("role", ["village_b", "agency", "desk", "head"])
@pytest.mark.parametrize("action", ["programs:upload_confirm", "programs:upload_cancel"])
def test_nobody_else_confirms_or_cancels_an_operators_upload(
    login, users, batch, mixed_rows, role, action
):
    up = upload(login(users["village"]), batch, csv_file(mixed_rows))
    login(users[role]).post(reverse(action, args=[up.pk]))
    up.refresh_from_db()
    assert up.status == "checked" and not batch.rows.exists()


@pytest.mark.parametrize("role", ["staff", "head", "desk", "agency", "village_b"])
def test_only_the_villages_own_operator_uploads_into_or_submits_its_proposal(
    login, users, batch, mixed_rows, role
):
    client = login(users[role])
    upload_response = client.post(
        reverse("programs:batch_upload", args=[batch.pk]), {"file": csv_file(mixed_rows)}
    )
    submit_response = client.post(reverse("programs:batch_submit", args=[batch.pk]))
    batch.refresh_from_db()
    assert {upload_response.status_code, submit_response.status_code} <= {403, 404}
    assert batch.status == "draft" and not Upload.objects.exists()


@pytest.mark.parametrize("role", ["village", "agency", "head", "desk"])
def test_only_staff_upload_the_combined_list(login, users, role, mixed_rows):
    response = login(users[role]).post(reverse("programs:combined"), {"file": csv_file(mixed_rows)})
    assert response.status_code == 403 and not Upload.objects.exists()


def test_a_village_written_the_old_way_or_misspelt_is_read_with_a_note_the_operator_sees(
    login, users, batch
):
    rows = [
        family(1, "SLAMET", desa="KEL. SINDOERDJAN"),  # oe/u and dj/j: the old spelling
        family(2, "SUPARMI", desa="SINDURJANN", kecamatan="PURWOREDJO"),  # a letter doubled
        family(3, "PAINEM", desa="SINDURJAN", kecamatan="KEC. PURWAREJA"),  # two letters off
        family(4, "TUKIYEM", desa="SINDURJAN", kecamatan="ATLANTIS"),
    ]
    client = login(users["village"])
    up = upload(client, batch, csv_file(rows))
    assert (up.rows_valid, up.rows_invalid) == (3, 1)
    notes = [(n["row"], n["column"], n["message"]) for n in up.summary["notes"]]
    assert notes == [
        (1, "desa", "KEL. SINDOERDJAN dibaca sebagai SINDURJAN"),
        (2, "kecamatan", "PURWOREDJO dibaca sebagai PURWOREJO"),
        (2, "desa", "SINDURJANN dibaca sebagai SINDURJAN"),
        (3, "kecamatan", "KEC. PURWAREJA dibaca sebagai PURWOREJO"),
    ]
    assert up.problems == [
        {"row": 4, "line": 7, "column": "desa",
         "message": "Tidak ada Kecamatan ATLANTIS di kabupaten ini; periksa ejaannya."}
    ]  # fmt: skip
    html = client.get(reverse("programs:upload", args=[up.pk])).content.decode()
    assert "SINDURJANN dibaca sebagai SINDURJAN" in html
    client.post(reverse("programs:upload_confirm", args=[up.pk]))
    slamet = batch.rows.get(name="SLAMET")
    assert slamet.desa.name == "Sindurjan" and slamet.notes[0]["column"] == "desa"


def test_the_combined_list_routes_a_misspelt_village_to_its_unit(login, users, units):
    rows = [family(1, "PARJO", desa="DS. HARDJOBINANGOEN", kecamatan="GRABAK")]
    text = io.StringIO()
    csv.writer(text).writerows([HEADER, *rows])
    client = login(users["staff"])
    client.post(
        reverse("programs:combined"),
        {"file": SimpleUploadedFile("gabungan.csv", text.getvalue().encode())},
    )
    client.post(reverse("programs:upload_confirm", args=[Upload.objects.get().pk]))
    assert ProposalRow.objects.get().batch.unit == units["village_b"]


def test_a_file_checked_and_saved_in_one_pass_records_what_preview_and_save_record(
    login, users, units, batch, mixed_rows
):
    """`dedup_files` checks and saves a file nobody previews in one pass: the counts, the
    problems and the stored rows are those of a check, a preview and a save."""
    from programs.intake import imports

    client = login(users["village"])
    previewed = upload(client, batch, csv_file(mixed_rows))
    client.post(reverse("programs:upload_confirm", args=[previewed.pk]))
    previewed.refresh_from_db()
    other = ProposalBatch.objects.create(
        unit=units["village_a"], title="Usulan JPS Juni", created_by=users["village"]
    )
    at_once = imports.start_upload(
        kind=Upload.Kind.PROPOSAL,
        file=csv_file(mixed_rows),
        filename="usulan.csv",
        user=users["village"],
        batch=other,
    )

    imports.check_and_save(at_once.pk)

    at_once.refresh_from_db()
    fields = ("status", "rows_read", "rows_valid", "rows_invalid", "rows_known", "rows_saved")
    assert [getattr(at_once, f) for f in fields] == [getattr(previewed, f) for f in fields]
    assert (at_once.status, at_once.rows_read, at_once.rows_saved) == ("done", 6, 3)
    assert at_once.problems == previewed.problems and at_once.summary == previewed.summary
    stored = ("row_number", "name", "nik", "status", "problems", "notes", "raw", "desa_id")
    assert list(other.rows.order_by("row_number").values_list(*stored)) == list(
        batch.rows.order_by("row_number").values_list(*stored)
    )
    imports.check_and_save(at_once.pk)  # a task delivered twice adds nothing
    assert other.rows.count() == batch.rows.count() == 6


def test_a_file_that_stopped_three_workers_is_given_up_with_the_reason(
    login, users, batch, mixed_rows, monkeypatch
):
    """A file that kills each worker reading it (its task comes back each time) is not read a
    fourth time: the operator sees why, and the next file is read as usual."""
    from programs.intake import imports

    monkeypatch.setattr("programs.tasks.check_upload.delay", lambda pk: None)  # no worker yet
    client = login(users["village"])
    up = upload(client, batch, csv_file(mixed_rows))
    Upload.objects.filter(pk=up.pk).update(attempts=imports.MAX_ATTEMPTS)  # three lost workers
    monkeypatch.setattr(imports, "_open", lambda upload: pytest.fail("read a fourth time"))

    up = imports.check_upload(up.pk)

    assert up.status == "refused"
    assert up.error == (
        "Membaca usulan.csv menghentikan proses server 3 kali (berkas mungkin rusak atau "
        "terlalu besar), sehingga berkas ini tidak dibaca lagi. Buka di Excel, simpan lagi "
        "(atau pecah), lalu unggah berkas yang baru."
    )
    html = client.get(reverse("programs:upload", args=[up.pk])).content.decode()
    assert "menghentikan proses server 3 kali" in html


def test_a_step_that_finishes_counts_its_workers_from_nothing(login, users, batch, mixed_rows):
    from programs.intake import imports

    client = login(users["village"])
    up = upload(client, batch, csv_file(mixed_rows))  # checked at once (on commit, in-process)
    assert (up.status, up.attempts) == ("checked", 0)
    Upload.objects.filter(pk=up.pk).update(attempts=imports.MAX_ATTEMPTS - 1)  # lost twice
    client.post(reverse("programs:upload_confirm", args=[up.pk]))
    up.refresh_from_db()
    assert (up.status, up.attempts, up.rows_saved) == ("done", 0, 3)


def test_the_operator_can_cancel_an_upload_still_waiting_for_its_check(
    login, users, batch, mixed_rows, monkeypatch
):
    from programs.intake import imports

    monkeypatch.setattr("programs.tasks.check_upload.delay", lambda pk: None)  # workers busy
    client = login(users["village"])
    up = upload(client, batch, csv_file(mixed_rows))
    page = client.get(reverse("programs:upload", args=[up.pk])).content.decode()
    assert "Menunggu proses yang luang" in page and "Batal: jangan simpan apa pun" in page
    staff = login(users["staff"]).get(reverse("programs:upload", args=[up.pk])).content.decode()
    assert "Batal: jangan simpan apa pun" in staff  # staff may cancel too

    client.post(reverse("programs:upload_cancel", args=[up.pk]))

    assert imports.check_upload(up.pk).status == "cancelled"  # the check, when it comes, stops
    assert not batch.rows.exists()


def test_the_preview_says_which_sheet_of_a_workbook_was_read(login, users, batch, tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.title = "Sampul"
    workbook.active.append(["USULAN JPS KELURAHAN SINDURJAN"])
    data = workbook.create_sheet("Data")
    data.append(HEADER)
    data.append(family(1, "SLAMET"))
    stream = io.BytesIO()
    workbook.save(stream)
    file = SimpleUploadedFile("usulan.xlsx", stream.getvalue())

    up = upload(login(users["village"]), batch, file)

    assert (up.status, up.rows_valid) == ("checked", 1)
    html = login(users["village"]).get(reverse("programs:upload", args=[up.pk])).content.decode()
    assert "Dibaca dari lembar “Data”" in html


@pytest.mark.parametrize("name", ["-", "XXX", "NN", "tidak ada", "0", ".."])
def test_a_placeholder_for_a_name_is_refused_at_intake(login, users, batch, name):
    up = upload(login(users["village"]), batch, csv_file([family(1, name), family(2, "SLAMET")]))
    assert (up.rows_valid, up.rows_invalid) == (1, 1)
    problem = next(p for p in up.problems if p["row"] == 1)
    assert problem["column"] == "nama"
    assert problem["message"] == f"Nama kosong atau hanya pengisi ({name.upper()})."


@pytest.mark.parametrize("name", ["AN", "Ñoman", "SITI AMINAH", "O'NEIL"])
def test_short_or_unusual_real_names_are_accepted(login, users, batch, name):
    up = upload(login(users["village"]), batch, csv_file([family(1, name)]))
    assert (up.rows_valid, up.rows_invalid) == (1, 0)
