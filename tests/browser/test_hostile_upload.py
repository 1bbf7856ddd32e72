"""A hostile spreadsheet through the browser, checked by a real worker process: a value typed
at XFD1048576 once made the reader ask for 550 GB, killed the worker's pool process and came
back to it every two seconds for ever. Now the file is refused with its cell named, the same
pool process lives on, and another village's upload is checked after it."""

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from programs.models import Upload
from tests.conftest import make_nik, make_no_kk
from tests.workers import needs_worker, pool_processes

pytestmark = [pytest.mark.browser, *needs_worker]

HEADER = ["NO KK", "NIK", "NAMA", "ALAMAT", "RT", "RW", "DESA", "KECAMATAN"]


def proposal(path, desa: str, kecamatan: str, far_cell: str | None = None):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Usulan"
    sheet.append(HEADER)
    for name in ("SLAMET", "SUPARMI", "TUKIYEM"):
        sheet.append([make_no_kk(), make_nik(), name, "DUSUN KRAJAN", "2", "5", desa, kecamatan])
    if far_cell:
        sheet[far_cell] = "x"  # typed far away: the sheet's used range is A1:XFD1048576
    book.save(path)
    return path


def upload(operator: Page, path) -> None:
    operator.get_by_role("link", name="Usulan", exact=True).click()
    operator.get_by_role("link", name="Usulan baru").click()
    operator.get_by_label("Judul").fill("Usulan Desember")
    operator.get_by_role("button", name="Buat").click()
    operator.get_by_label("Lembar kerja (.xlsx, .xls atau .csv)").set_input_files(path)
    operator.get_by_role("button", name="Unggah dan periksa").click()


def test_a_far_cell_is_refused_by_the_worker_which_lives_on_for_the_next_village(
    window, users, start_worker, tmp_path
):
    worker = start_worker("prefork")
    first = window(users["village"])
    upload(first, proposal(tmp_path / "jauh.xlsx", "Sindurjan", "Purworejo", "XFD1048576"))
    expect(first.get_by_text("berisi sesuatu di sel XFD1048576")).to_be_visible(timeout=30_000)
    refused = Upload.objects.get(filename="jauh.xlsx")
    assert (refused.status, refused.attempts) == (Upload.Status.REFUSED, 1)
    (pool,) = pool_processes(worker)

    second = window(users["village_b"])
    upload(second, proposal(tmp_path / "baik.xlsx", "Harjobinangun", "Grabag"))
    expect(second.get_by_text("baris yang valid diterima")).to_be_visible(timeout=30_000)
    second.get_by_role("button", name="Simpan 3 baris valid").click()
    expect(second.get_by_text("3 baris valid disimpan.")).to_be_visible(timeout=30_000)

    assert worker.poll() is None and pool_processes(worker) == [pool]  # nothing died
