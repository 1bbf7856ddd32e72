"""From the approved list to aid in hand, in the browser: staff enter the decree and print its
annex, make the July tranche and its payment file, upload the bank's result (paid, failed and
a line of nobody's); the failed family's village corrects it on a phone and the district
checks the new payee; the August tranche pays it with what it missed; the realisation and the
complaint desk show it."""

import datetime
import io

import pytest
from openpyxl import Workbook, load_workbook
from playwright.sync_api import expect

from complaints import desk
from complaints.models import Category, Complaint
from distribution.models import Payment
from programs import rounds
from tests.browser.test_roles import log_in
from tests.verification.conftest import family

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def bank_result(lines) -> dict:
    book = Workbook()
    sheet = book.active
    sheet.append(["HASIL PENYALURAN BANTUAN - BANK JATENG"])
    sheet.append(["NO", "NIK", "NAMA", "NOMINAL", "STATUS", "KETERANGAN"])
    for n, line in enumerate(lines, start=1):
        sheet.append([n, *line])
    out = io.BytesIO()
    book.save(out)
    return {
        "name": "hasil-juli.xlsx",
        "mimeType": "application/octet-stream",
        "buffer": out.getvalue(),
    }


def test_from_the_decree_to_the_second_tranche(browser, live_server, users, round_):
    recipients = rounds.prepare_list(round_, round_.targets.get().program, None, by=users["staff"])
    rounds.approve(recipients, by=users["head"])
    slamet, suparno = family(round_, "SLAMET RIYADI"), family(round_, "SUPARNO")

    def window(username, **options):
        context = browser.new_context(base_url=live_server.url, accept_downloads=True, **options)
        page = context.new_page()
        log_in(page, live_server, username)
        return page

    staff = window("staf")
    staff.get_by_role("link", name="Penyaluran").click()
    staff.locator("#lists a").first.click()
    staff.get_by_label("Nomor SK").fill("400.9/123/2026")
    staff.get_by_label("Tanggal SK").fill("01-07-2026")
    staff.get_by_role("button", name="Simpan").click()
    expect(staff.get_by_text("SK disimpan.")).to_be_visible()

    staff.get_by_role("link", name="Lampiran SK (cetak atau .xlsx)").click()
    staff.get_by_label("Untuk apa berkas ini?").fill("ditandatangani Bupati")
    staff.get_by_role("button", name="Tampilkan untuk dicetak").click()
    expect(
        staff.get_by_role("heading", name="Lampiran SK 400.9/123/2026 tanggal 01-07-2026")
    ).to_be_visible()
    expect(staff.locator("#annex-families")).to_have_text("3")
    staff.get_by_role("link", name="Kembali").click()

    staff.get_by_label("Nama").fill("Juli 2026")
    staff.get_by_label("Rp per keluarga").fill("Rp250.000")
    staff.get_by_role("button", name="Buat tahap").click()
    expect(staff.get_by_text("Tahap dibuat.")).to_be_visible()
    staff.get_by_label("Untuk apa berkas ini?").fill("transfer Bank Jateng")
    with staff.expect_download() as download:
        staff.get_by_role("button", name="Unduh berkas pembayaran").click()
    with open(download.value.path(), "rb") as file:  # the saved download has no .xlsx name
        rows = list(load_workbook(io.BytesIO(file.read())).active.iter_rows(values_only=True))
    assert sum(1 for r in rows if r and isinstance(r[0], int)) == 3

    staff.get_by_label("Berkas hasil dari penyalur").set_input_files(
        bank_result([
            (slamet.head_nik, "SLAMET RIYADI", "250.000", "BERHASIL", ""),
            (suparno.head_nik, "SUPARNO", "250.000", "GAGAL", "Nomor rekening tidak ditemukan"),
            ("3306019999990001", "ORANG LAIN", "250.000", "BERHASIL", ""),
        ])
    )  # fmt: skip
    staff.get_by_role("button", name="Unggah hasil").click()
    expect(staff.locator("#result-counts")).to_contain_text("3 baris dibaca")
    expect(staff.locator("#result-counts")).to_contain_text("tidak ada keluarga tahap ini: 1")
    staff.get_by_role("link", name="tidak ada keluarga tahap ini: 1").click()
    expect(staff.locator("#lines")).to_contain_text("ORANG LAIN")

    # The village corrects its failed family on a phone.
    operator = window("op.sindurjan", viewport={"width": 390, "height": 844}, is_mobile=True)
    operator.get_by_role("link", name="1 pembayaran gagal yang perlu diperbaiki").click()
    expect(operator.locator("#failed")).to_contain_text("Nomor rekening tidak ditemukan")
    assert operator.evaluate("document.documentElement.scrollWidth <= 390")
    operator.get_by_label("Nomor rekening").fill("0012 3456 78")
    operator.get_by_role("button", name="Kirim perbaikan").click()
    expect(operator.locator(".correction-state")).to_contain_text("menunggu pemeriksaan dinas")

    # The district checks the changed payee before any file pays it.
    staff.goto("/")
    staff.get_by_role("link", name="1 perbaikan penerima dari desa yang perlu diperiksa").click()
    expect(staff.locator("#corrections")).to_contain_text("0012345678")
    expect(staff.locator("#corrections")).to_contain_text("dari keluarga ini")
    staff.get_by_role("button", name="Terima").click()
    expect(staff.get_by_text("Diterima: dibayar bersama tahap berikutnya.")).to_be_visible()

    staff.goto(f"/distribution/lists/{recipients.pk}/")
    staff.get_by_label("Nama").fill("Agustus 2026")
    staff.get_by_label("Rp per keluarga").fill("Rp250.000")
    staff.get_by_role("button", name="Buat tahap").click()
    expect(staff.get_by_text("Tahap dibuat.")).to_be_visible()
    august = Payment.objects.get(tranche__label="Agustus 2026", household=suparno)
    assert (august.amount, august.arrears, august.account) == (500_000, 250_000, "0012345678")

    staff.goto(f"/distribution/lists/{recipients.pk}/realisation/")
    realisation = staff.locator("#realisation")
    expect(realisation).to_contain_text("Juli 2026")
    expect(realisation).to_contain_text("Rp250.000")  # what July paid: SLAMET

    category, _made = Category.objects.get_or_create(name="Belum menerima bantuan")
    complaint = desk.log(
        by=users["desk"], channel=Complaint.Channel.PHONE, category=category,
        complainant_name="Suparno", desa=suparno.desa, story="Bantuan Juli belum masuk.",
        household=suparno, received_at=datetime.datetime.now(datetime.UTC),
    )  # fmt: skip
    clerk = window("posko")
    clerk.goto(f"/complaints/{complaint.pk}/")
    payments = clerk.locator("#family-payments")
    expect(payments).to_contain_text("Juli 2026")
    expect(payments).to_contain_text("Nomor rekening tidak ditemukan")
    expect(payments).to_contain_text("Agustus 2026 · Rp500.000 · akan dibayar")
    # The desk says the complaint is about the July payment: the link keeps who and when.
    july_line = payments.locator("li", has_text="Juli 2026")
    july_line.get_by_role("button", name="Pengaduan tentang pembayaran ini").click()
    expect(clerk.locator("#family-payments li.about")).to_contain_text("Juli 2026")
    expect(clerk.locator("#family-payments li.about")).to_contain_text(str(users["desk"]))
