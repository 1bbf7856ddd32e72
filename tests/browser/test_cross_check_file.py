"""A file as operators write it, through the browser: a village spelt the old way and a family
listed twice are explained to the operator, and staff see the repeat linked in the result."""

import csv

import pytest
from playwright.sync_api import expect

from programs.models import RosterRow, RosterVersion
from tests.conftest import make_nik, make_no_kk, program

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = ["NO KK", "NIK", "NAMA", "ALAMAT", "RT", "RW", "DESA", "KECAMATAN"]


def test_a_misspelt_village_and_a_repeat_are_explained_and_the_repeat_is_linked(
    window,
    users,
    tmp_path,
):
    kk, nik = make_no_kk(), make_nik()
    dtsen = RosterVersion.objects.create(program=program("DTSEN"), period="Oktober 2026")
    RosterRow.objects.create(version=dtsen, row_number=1, no_kk=kk, nik=nik, name="SLAMET RIYADI")
    dtsen.activate()
    path = tmp_path / "usulan.csv"
    with open(path, "w", encoding="utf-8", newline="") as file:
        csv.writer(file).writerows(
            [
                ["DAFTAR USULAN KELURAHAN SINDURJAN"],
                HEADER,
                [kk, nik, "SLAMET RIYADI", "DUSUN KRAJAN", "2", "5", "KEL. SINDOERDJAN",
                 "PURWOREJO"],
                [make_no_kk(), make_nik(), "SUPARMI", "DUSUN KRAJAN", "3", "5", "SINDURJAN",
                 "PURWOREJO"],
                [kk, nik, "SLAMET RIYADI", "DUSUN KRAJAN", "2", "5", "SINDURJAN", "PURWOREJO"],
            ]
        )  # fmt: skip

    operator = window(users["village"])
    operator.get_by_role("link", name="Usulan", exact=True).click()
    operator.get_by_role("link", name="Usulan baru").click()
    operator.get_by_label("Judul").fill("Usulan Desember")
    operator.get_by_role("button", name="Buat").click()
    operator.get_by_label("Lembar kerja (.xlsx, .xls atau .csv)").set_input_files(path)
    operator.get_by_role("button", name="Unggah dan periksa").click()
    expect(operator.locator("#row-count")).to_have_text(
        "Setiap baris data punya satu hasil: 3 baris dibaca = 2 sah + 1 bermasalah + 0 sudah ada "
        "dalam usulan + 0 baris judul kolom terulang."
    )
    expect(
        operator.get_by_role("cell", name="KEL. SINDOERDJAN dibaca sebagai SINDURJAN")
    ).to_be_visible()
    expect(
        operator.get_by_role(
            "cell", name="NIK sama dengan baris 1: keluarga ini tercantum dua kali."
        )
    ).to_be_visible()
    operator.get_by_role("button", name="Simpan 2 baris valid").click()
    expect(operator.get_by_text("2 baris valid disimpan.")).to_be_visible()
    operator.get_by_role("link", name="Usulan Desember").click()
    operator.get_by_role("button", name="Ajukan ke Dinsos").click()
    expect(operator.locator("h1 .badge")).to_have_text("diajukan")

    staff = window(users["staff"])
    staff.get_by_role("link", name="Pemadanan", exact=True).click()
    expect(staff.get_by_label("Usulan Desember")).to_be_checked()
    staff.get_by_role("button", name="Mulai pemadanan").click()
    expect(staff.locator("h1 .badge")).to_have_text("selesai")
    staff.goto(staff.url.rstrip("/") + "/results/")
    # The family's second listing is on DTSEN too and names its first: counted once, there.
    rows = staff.locator("main table tbody tr")
    expect(rows).to_have_count(3)
    repeat = rows.nth(2)
    expect(repeat.locator("td").nth(1)).to_have_text("3")  # its place in the operator's file
    expect(repeat.locator(".badge")).to_have_text("diusulkan ganda")
    expect(repeat).to_contain_text("DTSEN:1, usulan baris 1")
