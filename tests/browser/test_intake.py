"""A village operator's round trip, in the browser: template, upload, fix, upload again."""

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from programs.models import ProposalBatch
from tests.browser.test_roles import log_in
from tests.conftest import make_nik, make_no_kk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_operator_uploads_fixes_rejected_rows_and_completes_the_batch(
    page: Page, live_server, users, tmp_path
):
    log_in(page, live_server, users["village"].username)
    page.get_by_role("link", name="Usulan", exact=True).click()
    page.get_by_role("link", name="Usulan baru").click()
    page.get_by_label("Judul").fill("Usulan JPS tahap 1")
    page.get_by_role("button", name="Buat").click()

    with page.expect_download() as download:
        page.get_by_role("link", name="Unduh templat (.xlsx)").first.click()
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)

    # The operator fills the template: two good families, one NIK mangled by Excel.
    book = openpyxl.load_workbook(template)
    sheet = book["Usulan"]
    headers = [c.value for c in sheet[1]]
    good = [make_nik(), make_nik()]
    for row, (name, nik) in enumerate(
        [("SLAMET", good[0]), ("SUPARMI", good[1]), ("TUKIYEM", "3.30606E+15")], start=2
    ):
        values = {"NO KK": make_no_kk(), "NIK": nik, "NAMA": name, "ALAMAT": "DUSUN KRAJAN",
                  "RT": "2", "RW": "5", "DESA": "Sindurjan", "KECAMATAN": "Purworejo"}  # fmt: skip
        for column, value in values.items():
            sheet.cell(row=row, column=headers.index(column) + 1, value=value)
    filled = tmp_path / "usulan.xlsx"
    book.save(filled)

    page.get_by_label("Lembar kerja (.xlsx, .xls atau .csv)").set_input_files(filled)
    page.get_by_role("button", name="Unggah dan periksa").click()
    expect(page.get_by_text("baris yang valid diterima")).to_be_visible()
    expect(page.get_by_role("cell", name="diubah Excel menjadi notasi ilmiah")).to_be_visible()
    page.get_by_role("button", name="Simpan 2 baris valid").click()
    expect(page.get_by_text("2 baris valid disimpan.")).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="Unduh baris yang perlu diperbaiki (.xlsx)").click()
    rejected = tmp_path / "perbaiki.xlsx"
    download.value.save_as(rejected)
    book = openpyxl.load_workbook(rejected)
    sheet = book.active
    nik_cell = sheet.cell(row=2, column=[c.value for c in sheet[1]].index("NIK") + 1)
    assert "notasi ilmiah" in nik_cell.comment.text
    nik_cell.value = make_nik()
    book.save(rejected)

    page.get_by_role("link", name="Usulan JPS tahap 1").click()
    page.get_by_label("Lembar kerja (.xlsx, .xls atau .csv)").set_input_files(rejected)
    page.get_by_role("button", name="Unggah dan periksa").click()
    page.get_by_role("button", name="Simpan 1 baris valid").click()
    expect(page.get_by_text("1 baris valid disimpan.")).to_be_visible()

    page.get_by_role("link", name="Usulan JPS tahap 1").click()
    expect(page.locator(".card", has_text="keluarga diterima")).to_contain_text("3")
    expect(page.locator(".card", has_text="baris perlu diperbaiki")).to_contain_text("0")
    batch = ProposalBatch.objects.get(title="Usulan JPS tahap 1")
    assert sorted(batch.rows.values_list("name", flat=True)) == ["SLAMET", "SUPARMI", "TUKIYEM"]
