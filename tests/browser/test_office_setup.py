"""An office set up in an afternoon, in the browser: the administrator adds every village's
unit in one click, uploads the training day's accounts with one bad row, gets that row back to
fix and prints the slips; a new operator signs in with the one-time password from the slip,
must choose their own, and then sees only their own village."""

import io

import pytest
from openpyxl import Workbook, load_workbook
from playwright.sync_api import Page, expect

from households.models import Region, Unit, User
from tests.browser.test_roles import log_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MINE = "Sawah-Luas-2026!"


def accounts_file() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["DAFTAR PESERTA PELATIHAN OPERATOR"])
    sheet.append(["NO", "NAMA", "PERAN", "DESA/KELURAHAN", "KECAMATAN", "OPD", "EMAIL", "NO HP"])
    sheet.append(
        [1, "Sri Lestari", "Operator desa", "Sindurjan", "Purworejo", "", "", "0812345678"]
    )
    sheet.append(
        [2, "Joko Susilo", "Operator desa", "Kaliboto", "Purworejo", "", "", ""]
    )  # no such
    sheet.append([3, "Suyatno", "TKSK", "", "Grabag", "", "", ""])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def workbook(download):
    with open(download.path(), "rb") as file:  # the saved download has no .xlsx name
        return load_workbook(io.BytesIO(file.read()))


@pytest.fixture
def office(regions, make_household):
    """Regions loaded, no unit yet; one family in each village; the first administrator."""
    admin = User(username="admin", role=User.Role.ADMIN, first_name="Admin")
    admin.set_password(PASSWORD)
    admin.save()
    families = {
        "a": make_household(regions["desa_a"], "SLAMET RIYADI"),
        "b": make_household(regions["desa_b"], "SUPARMAN"),
    }
    return admin, families


def test_an_administrator_sets_up_the_office_and_a_new_operator_signs_in(
    page: Page, browser, live_server, regions, office
):
    admin, families = office
    log_in(page, live_server, admin.username)

    page.get_by_role("link", name="Unit", exact=True).click()
    expect(page.locator("main")).to_contain_text("4 desa, kelurahan dan kecamatan yang dimuat")
    page.get_by_role("button", name="Buat unit untuk masing-masing").click()
    expect(page.locator(".messages")).to_contain_text("4 unit ditambahkan")
    expect(page.get_by_role("link", name="Kelurahan Sindurjan")).to_be_visible()
    assert Unit.objects.filter(kind="kecamatan").count() == 2

    page.get_by_role("link", name="Pengguna", exact=True).click()
    page.get_by_role("link", name="Akun dari lembar kerja").click()
    with page.expect_download() as template:
        page.get_by_role("link", name="Unduh templat (.xlsx)").click()
    assert workbook(template.value)["Akun"]["A1"].value == "NAMA"
    page.get_by_label("Lembar kerja akun (.xlsx, .xls atau .csv)").set_input_files(
        files=[{"name": "pelatihan.xlsx", "mimeType": "application/octet-stream",
                "buffer": accounts_file()}]
    )  # fmt: skip
    page.get_by_role("button", name="Unggah dan periksa").click()

    counts = page.locator("#counts .card")
    expect(counts.locator(".n")).to_have_text(["3", "2", "1"])
    expect(counts.locator(".what")).to_have_text(
        ["Baris dibaca", "Siap dibuat", "Ditolak, perlu diperbaiki"]
    )
    expect(page.locator("main")).to_contain_text("Kaliboto di Kecamatan Purworejo")
    with page.expect_download() as fix:
        page.get_by_role("link", name="Baris yang perlu diperbaiki (.xlsx)").click()
    rows = list(workbook(fix.value).active.iter_rows(values_only=True))
    assert [row[1] for row in rows[1:]] == ["Joko Susilo"]

    page.get_by_role("button", name="Buat 2 akun dan tampilkan slipnya").click()
    expect(page.get_by_role("heading", name="Slip akun")).to_be_visible()
    expect(page.get_by_role("heading", name="Kecamatan Grabag")).to_be_visible()
    expect(page.get_by_role("heading", name="Kecamatan Purworejo")).to_be_visible()
    sri = User.objects.get(first_name="Sri Lestari")
    slip = page.locator(".slip", has_text="Sri Lestari")
    expect(slip).to_contain_text(sri.username)
    password = slip.locator(".password").inner_text()
    page.emulate_media(media="print")  # what the printer gets: the slips, not the menus
    expect(page.locator("header")).to_be_hidden()
    expect(slip).to_be_visible()

    operator = browser.new_context(base_url=live_server.url).new_page()
    operator.goto("/login/")
    operator.get_by_label("Nama pengguna").fill(sri.username)
    operator.get_by_label("Kata sandi").fill(password)
    operator.get_by_role("button", name="Masuk").click()
    expect(operator.get_by_role("heading", name="Ganti kata sandi")).to_be_visible()
    expect(operator.locator("main")).to_contain_text("kata sandi sekali pakai")
    operator.goto("/households/")
    expect(operator.get_by_role("heading", name="Ganti kata sandi")).to_be_visible()
    operator.locator("input[name=old_password]").fill(password)
    operator.locator("input[name=new_password1]").fill(MINE)
    operator.locator("input[name=new_password2]").fill(MINE)
    operator.get_by_role("button", name="Simpan kata sandi baru").click()
    expect(operator.get_by_role("heading", name="Kata sandi telah diganti")).to_be_visible()
    operator.get_by_role("link", name="Lanjut").click()
    expect(operator.get_by_role("heading", level=1)).to_have_text("Operator Kelurahan Sindurjan")

    operator.goto("/households/")
    expect(operator.get_by_role("link", name="SLAMET RIYADI")).to_be_visible()
    expect(operator.locator("main")).not_to_contain_text("SUPARMAN")
    response = operator.goto(f"/households/{families['b'].pk}/")
    assert response.status == 404
    assert Region.objects.get(pk=regions["desa_a"].pk).unit == sri.unit
