"""The whole journey in the browser, one person per browser window: a village operator proposes
four families, staff cross-check and review them, allocate them, send back the JPS family whose
address lacks its RT, the operator corrects it, staff put it in phase 2, the head approves the
phase 2 list, and the annex downloaded for it holds exactly that family."""

import datetime

import openpyxl
import pytest
from playwright.sync_api import Locator, Page, expect

from households.identity import mask_id
from programs.models import Program, RosterRow, RosterVersion
from tests.conftest import make_nik, make_no_kk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROUND = "Bansos Mei 2026"
PROPOSAL = "Usulan JPS Sindurjan Mei 2026"
PURPOSE = "lampiran SK Bupati JPS tahap 2"


def family(name: str, born: datetime.date, rt: str = "2") -> dict[str, str]:
    """A family as the operator types it into the template, complete unless told otherwise."""
    return {
        "NO KK": make_no_kk(),
        "NIK": make_nik(born=born),
        "NAMA": name,
        "JENIS KELAMIN": "L",
        "TANGGAL LAHIR": f"{born:%d-%m-%Y}",
        "ALAMAT": "DUSUN KRAJAN",
        "RT": rt,
        "RW": "5",
        "DESA": "Sindurjan",
        "KECAMATAN": "Purworejo",
    }


@pytest.fixture
def programmes(regions):
    """The round's two targets, and PKH and BST, which pay, so a family on them is kept out of
    both targets. PKH's roster is active already, with a family nobody proposes."""
    aid = {"level": "pusat", "funding": "apbn"}
    for code, fields in [
        ("BANSOSPROV", {"level": "provinsi", "funding": "apbd", "benefit_per_month": 200_000}),
        ("JPSKAB", {"level": "kabupaten", "funding": "apbd", "benefit_per_month": 250_000}),
        ("PKH", {**aid, "benefit_per_month": 750_000}),
        ("BST", {**aid, "benefit_per_month": 300_000}),
    ]:
        # The migrations create some of them; an earlier transactional test empties the table.
        Program.objects.update_or_create(code=code, defaults={"name": code, "months": 3, **fields})
    pkh = RosterVersion.objects.create(program=Program.objects.get(code="PKH"), period="2026")
    RosterRow.objects.create(
        version=pkh, row_number=1, nik=make_nik(born=datetime.date(1960, 1, 1)), name="SUGENG"
    )
    pkh.activate()


def rows_of(table: Locator) -> dict[str, list[str]]:
    """A table's body as the eye reads it: first cell -> the other cells' text."""
    found = {}
    for row in table.locator("tbody tr").all():
        cells = [text.strip() for text in row.locator("th, td").all_inner_texts()]
        found[cells[0]] = cells[1:]
    return found


def jps_phases(page: Page) -> dict[str, list[str]]:
    """The round page's JPS table: label -> [families, per month, months, total]."""
    return rows_of(page.locator("table", has=page.get_by_role("columnheader", name="Per bulan")))


def expect_cross_check_of_all_four(operator: Page) -> None:
    """The proposal's page: C on BST (staff judged the pair the same family), A, B, E new."""
    outcome = operator.locator(".cards").last
    going_on = outcome.locator(".card", has_text="lanjut ke alokasi")
    expect(going_on.locator(".n")).to_have_text("4")  # the rules decide what BST excludes
    expect(going_on).to_contain_text("1 di antaranya sudah terdaftar di program")
    families = operator.locator("main table").last.locator("tbody tr")
    expect(families.locator("td:last-child .badge")).to_have_text(
        ["baru", "baru", "sudah terdaftar di program", "baru"]
    )
    expect(families.filter(has_text="SUPARNO").locator("td:last-child")).to_contain_text("BST")


def test_a_proposal_goes_from_the_village_to_the_approved_annex(
    window, users, programmes, tmp_path
):
    # 1. Setup: C, the BST family, is on BST with one digit of its NIK mistyped.
    a = family("SLAMET RIYADI", datetime.date(1975, 8, 17))
    b = family("TUKIMAN", datetime.date(1968, 1, 5), rt="")  # the intake takes it without RT
    c = family("SUPARNO", datetime.date(1980, 3, 12))
    e = family("WAGIYO", datetime.date(1972, 11, 30))
    bst = RosterVersion.objects.create(program=Program.objects.get(code="BST"), period="2026")
    slipped = c["NIK"][:-1] + ("0" if c["NIK"][-1] != "0" else "1")
    RosterRow.objects.create(version=bst, row_number=7, nik=slipped, name="SUPARNO")
    bst.activate()

    # 2. The village operator proposes the four families and submits them to Dinsos.
    operator = window(users["village"])
    operator.get_by_role("link", name="Usulan", exact=True).click()
    operator.get_by_role("link", name="Usulan baru").click()
    operator.get_by_label("Judul").fill(PROPOSAL)
    operator.get_by_role("button", name="Buat").click()
    with operator.expect_download() as download:
        operator.get_by_role("link", name="Unduh templat (.xlsx)").first.click()
    template = tmp_path / "templat.xlsx"
    download.value.save_as(template)
    book = openpyxl.load_workbook(template)
    sheet = book["Usulan"]
    headers = [cell.value for cell in sheet[1]]
    for row, values in enumerate([a, b, c, e], start=2):
        for column, value in values.items():
            sheet.cell(row=row, column=headers.index(column) + 1, value=value)
    filled = tmp_path / "usulan-sindurjan.xlsx"
    book.save(filled)
    operator.get_by_label("Lembar kerja (.xlsx, .xls atau .csv)").set_input_files(filled)
    operator.get_by_role("button", name="Unggah dan periksa").click()
    operator.get_by_role("button", name="Simpan 4 baris valid").click()
    expect(operator.get_by_text("4 baris valid disimpan.")).to_be_visible()
    operator.get_by_role("link", name=PROPOSAL).click()
    expect(operator.locator(".card", has_text="keluarga diterima").locator(".n")).to_have_text("4")
    expect(operator.locator(".card", has_text="baris perlu diperbaiki").locator(".n")).to_have_text(
        "0"
    )
    families = operator.locator("main table").last
    expect(families).to_contain_text(mask_id(a["NIK"]))  # masked in lists
    expect(families).not_to_contain_text(a["NIK"])
    operator.get_by_role("button", name="Ajukan ke Dinsos").click()
    expect(operator.locator(".messages")).to_have_text("Usulan sudah diajukan ke Dinsos.")
    expect(operator.locator("h1 .badge")).to_have_text("diajukan")

    # 3. Staff cross-check the proposal against the rosters and decide the doubtful pair.
    staff = window(users["staff"])
    waiting = staff.locator(".card", has_text="usulan diajukan, menunggu pemadanan")
    expect(waiting.locator(".n")).to_have_text("1")
    staff.get_by_role("link", name="Pemadanan", exact=True).click()
    expect(staff.get_by_label(PROPOSAL)).to_be_checked()  # the submitted proposal is offered
    expect(staff.get_by_label("PKH 2026")).to_be_checked()
    expect(staff.get_by_label("BST 2026")).to_be_checked()
    staff.get_by_role("button", name="Mulai pemadanan").click()
    expect(staff.locator("h1 .badge")).to_have_text("selesai")
    run_name = staff.locator("h1").inner_text().split()[1].lstrip("#")  # "Pemadanan #7 selesai"
    funnel = rows_of(staff.locator("table.funnel"))
    assert (funnel["diusulkan"][0], funnel["menunggu keputusan"][0]) == ("4", "1")
    staff.get_by_role("link", name="1 pasangan menunggu keputusan").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text(
        "Tinjauan: keluarga yang sama atau bukan?"
    )
    expect(staff.locator("main")).to_contain_text("NIK beda 1 digit + nama sama")
    expect(staff.locator("main")).to_contain_text("BST 2026, baris 7")
    staff.get_by_role("button", name="Keluarga sama").click()
    expect(staff.locator("main")).to_contain_text("Tidak ada yang menunggu keputusan.")

    # 4. Staff set a round: one provincial place, a JPS budget for ten families, poorest first.
    staff.get_by_role("link", name="Alokasi", exact=True).click()
    staff.get_by_label("Nama:", exact=True).fill(ROUND)
    runs = staff.get_by_label("Pemadanan:", exact=True)
    expect(runs.locator(f"option[value='{run_name}']")).to_contain_text("4 keluarga")
    runs.select_option(value=run_name)
    staff.get_by_label("BANSOSPROV: kuota (keluarga)").fill("1")
    staff.get_by_label("JPSKAB: anggaran (Rp)").fill(str(10 * 250_000 * 3))
    staff.get_by_label("Siapa didahulukan:").select_option(label="desil termiskin dulu (DTSEN)")
    expect(staff.get_by_role("checkbox", checked=True)).to_have_count(0)  # no allowed pairs
    staff.get_by_role("button", name="Lihat usulan alokasi").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text(ROUND)
    expect(staff.get_by_role("heading", name="Usulan alokasi (belum disimpan)")).to_be_visible()
    allocation = staff.locator("main table").first
    expect(allocation.locator("tbody tr")).to_have_count(1)
    expect(allocation.locator("tbody tr td")).to_have_text(["Purworejo", "1", "2"])
    staff.get_by_role("link", name="Purworejo").click()  # the kecamatan opens into its desa
    expect(allocation.locator("tbody tr.sub td")).to_have_text(["Sindurjan", "1", "2"])
    expect(allocation.locator("tfoot tr").last).to_contain_text("Rp600.000")
    expect(allocation.locator("tfoot tr").last).to_contain_text("Rp1.500.000")
    expect(staff.locator("h2:text-is('Tidak mendapat tempat') + ul > li")).to_have_text(
        "1 · tidak boleh digabung (BANSOSPROV: sudah menerima BST; JPSKAB: sudah menerima BST)"
    )
    staff.get_by_role("button", name="Simpan alokasi ini").click()
    expect(staff.get_by_role("heading", name="Sudah dialokasikan")).to_be_visible()
    staff.get_by_role("link", name="BANSOSPROV", exact=True).click()
    listed = staff.locator("main table tbody")
    expect(listed.locator("tr")).to_have_count(1)
    expect(listed).to_contain_text("SLAMET RIYADI")
    expect(listed).to_contain_text(mask_id(a["NIK"]))
    staff.get_by_role("link", name="JPSKAB", exact=True).click()
    expect(listed.locator("tr td:first-child")).to_have_text(["TUKIMAN", "WAGIYO"])
    staff.get_by_role("link", name="Kembali ke putaran").click()

    # 5. Staff check the JPS families again: E goes to phase 1, B back to the village.
    staff.get_by_role("button", name="Validasi ulang keluarga JPS").click()
    expect(staff.locator(".messages")).to_have_text(
        "Validasi ulang: 1 ke tahap 1, 0 ke tahap 2, 1 dikembalikan."
    )
    phases = jps_phases(staff)
    assert phases["tahap 1"] == ["1", "Rp250.000", "3", "Rp750.000"]
    assert phases["dikembalikan untuk diperbaiki"][0] == "1"

    # 6. The operator sees B returned on the proposal's page, with the cross-check result of
    # all four families, then corrects B: the reason names the RT, filled in the form.
    operator.get_by_role("link", name="Usulan", exact=True).click()
    operator.get_by_role("link", name=PROPOSAL).click()
    expect_cross_check_of_all_four(operator)
    returned_here = operator.locator(
        "table", has=operator.get_by_role("columnheader", name="Yang perlu diperbaiki")
    )
    assert rows_of(returned_here) == {"2": ["TUKIMAN", "Alamat belum lengkap: RT."]}
    operator.get_by_role("link", name="Perbaikan JPS").click()
    returned = operator.locator("main table tbody tr")
    expect(returned).to_have_count(1)
    expect(returned).to_contain_text("TUKIMAN")
    expect(returned).to_contain_text(mask_id(b["NIK"]))
    expect(returned).to_contain_text("Alamat belum lengkap: RT.")
    returned.get_by_role("link", name="Perbaiki").click()
    expect(operator.get_by_role("heading", level=1)).to_have_text(
        "Perbaiki keluarga yang dikembalikan"
    )
    expect(operator.locator("main form")).to_contain_text("Alamat belum lengkap: RT.")
    operator.get_by_label("RT:", exact=True).fill("3")
    operator.get_by_role("button", name="Simpan perbaikan").click()
    expect(operator.locator(".messages")).to_have_text(
        "TUKIMAN sudah diperbaiki; Dinsos memeriksa keluarga ini lagi untuk tahap 2."
    )
    expect(returned).to_contain_text("sudah diperbaiki, menunggu diperiksa lagi")

    # 7. Staff check again: the first click cross-checks the corrected row, the second
    # puts it in phase 2.
    staff.reload()
    assert jps_phases(staff)["sudah diperbaiki, menunggu diperiksa lagi"][0] == "1"
    staff.get_by_role("button", name="Validasi ulang keluarga JPS").click()
    expect(staff.locator(".messages li")).to_have_text(
        [
            "Validasi ulang: 0 ke tahap 1, 0 ke tahap 2, 0 dikembalikan.",
            "1 keluarga yang sudah diperbaiki sedang dipadankan ulang; periksa lagi setelah "
            "pemadanan selesai untuk memasukkannya ke tahap 2.",
        ]
    )
    staff.get_by_role("button", name="Validasi ulang keluarga JPS").click()
    expect(staff.locator(".messages")).to_have_text(
        "Validasi ulang: 0 ke tahap 1, 1 ke tahap 2, 0 dikembalikan."
    )
    phases = jps_phases(staff)
    assert phases["tahap 2"] == ["1", "Rp250.000", "3", "Rp750.000"]
    assert phases["tahap 1"][0] == "1"
    assert phases["dikembalikan untuk diperbaiki"][0] == "0"
    assert phases["sudah diperbaiki, menunggu diperiksa lagi"][0] == "0"

    # 8. Staff prepare the JPS phase 2 list for the head.
    lists = staff.locator("table", has=staff.get_by_role("columnheader", name="Versi terakhir"))
    phase_2 = lists.locator("tbody tr", has_text="JPSKAB · tahap 2")
    expect(phase_2).to_contain_text("belum disiapkan")
    phase_2.get_by_role("button", name="Siapkan daftar").click()
    expect(staff.locator(".messages")).to_have_text(
        "Daftar JPSKAB versi 1 disiapkan untuk disetujui."
    )
    expect(phase_2).to_contain_text("versi 1 · disiapkan oleh Staf, menunggu kepala dinas")
    expect(phase_2.locator("td.num")).to_have_text("1")

    # 9. The head opens the round and approves version 1 of that list.
    head = window(users["head"])
    head.get_by_role("link", name="Alokasi", exact=True).click()
    head.get_by_role("link", name=ROUND).click()
    head_phase_2 = head.locator("tbody tr", has_text="JPSKAB · tahap 2")
    head_phase_2.get_by_role("button", name="Setujui versi 1").click()
    expect(head.locator(".messages")).to_have_text("Daftar disetujui.")
    expect(head_phase_2).to_contain_text("disetujui oleh Kepala")

    # 10. The head downloads the annex, one sheet per kecamatan, and it holds exactly B.
    head_phase_2.get_by_role("link", name="Unduh lampiran").click()
    expect(head.locator("main")).to_contain_text("Berkas memuat NIK dan No. KK lengkap.")
    head.get_by_label("Untuk keperluan apa diunduh?").fill(PURPOSE)
    head.get_by_label("Susunan:").select_option(label="satu lembar per kecamatan")
    with head.expect_download() as download:
        head.get_by_role("button", name="Unduh", exact=True).click()
    annex = tmp_path / download.value.suggested_filename
    download.value.save_as(annex)
    assert annex.name == "lampiran-jpskab2-v1.xlsx"
    book = openpyxl.load_workbook(annex)
    assert book.sheetnames == ["Purworejo"]
    rows = list(book["Purworejo"].iter_rows(values_only=True))
    assert rows[0][0] == f"{ROUND} · JPSKAB tahap 2 · versi 1"
    assert rows[1][0].startswith("Disetujui oleh Kepala pada ")
    assert rows[2][0].startswith("Diunduh oleh Kepala pada ")
    assert rows[2][0].endswith(f"untuk: {PURPOSE}")
    assert rows[4][:3] == ("No.", "No. KK", "NIK")
    (family_b,) = rows[5:]
    assert family_b == (
        1,
        b["NO KK"],
        b["NIK"],
        "TUKIMAN",
        "DUSUN KRAJAN",
        "003",
        "005",
        "Sindurjan",
        "Purworejo",
        250_000,
        3,
        750_000,
    )
    head.reload()
    expect(head.locator("main")).to_contain_text(f"Kepala · satu lembar per kecamatan · {PURPOSE}")

    # 11. The operator opens the proposal again: its cross-check result still covers all four
    # families, not only the corrected one that was checked again.
    operator.get_by_role("link", name="Usulan", exact=True).click()
    operator.get_by_role("link", name=PROPOSAL).click()
    expect_cross_check_of_all_four(operator)
