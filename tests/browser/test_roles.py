"""Each role logs in through the real login page and lands on its own home page."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Masuk ke Bansos")).to_be_visible()
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()


@pytest.mark.parametrize(
    ("role", "heading", "next_step"),
    [
        ("admin", "Administrator", "Kelola pengguna"),
        ("staff", "Staf Dinsos: yang perlu dikerjakan", "usulan diajukan, menunggu pemadanan"),
        ("head", "Kepala Dinsos: ringkasan kabupaten", "Daftar program yang aktif"),
        ("village", "Operator Kelurahan Sindurjan", "keluarga usulan Anda perlu diperbaiki"),
        ("agency", "Operator OPD: Dinas Perhubungan", "keluarga usulan Anda perlu diperbaiki"),
        ("desk", "Posko pengaduan", "cari dulu keluarganya"),
        ("kecamatan", "Petugas Kecamatan Purworejo", "Desa dan kelurahan Anda"),
    ],
)
def test_role_logs_in_and_sees_its_home_page(
    page: Page, live_server, users, role, heading, next_step
):
    log_in(page, live_server, users[role].username)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.locator("main")).to_contain_text(next_step)
    # District menus only for those who manage the district.
    expect(page.get_by_role("link", name="Pengguna", exact=True)).to_have_count(
        1 if role in ("admin", "staff") else 0
    )


def test_wrong_password_keeps_the_user_out_with_a_message(page: Page, live_server, users):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Nama pengguna").fill("staf")
    page.get_by_label("Kata sandi").fill("salah")
    page.get_by_role("button", name="Masuk").click()
    expect(page.locator(".errorlist")).to_contain_text("sandi yang benar")
    expect(page).to_have_url(re.compile(r"/login/$"))


def test_staff_reveals_a_nik_and_searches_by_name(page: Page, live_server, users, households):
    household = households["a"]
    log_in(page, live_server, "staf")
    page.get_by_label("Cari keluarga berdasarkan NIK, No. KK atau nama").fill("  slamet  ")
    page.get_by_role("button", name="Cari").click()
    page.get_by_role("link", name="SLAMET RIYADI").click()
    nik = page.locator("#nik-value")
    expect(nik).to_have_text(household.head_nik[:4] + "********" + household.head_nik[-4:])
    page.get_by_role("button", name="Tampilkan").nth(1).click()
    expect(page.locator("#nik-value")).to_have_text(household.head_nik)


def test_a_nik_searched_stays_out_of_the_address_bar_and_history(
    page: Page, live_server, users, households
):
    household = households["a"]
    log_in(page, live_server, "staf")
    page.get_by_label("Cari keluarga berdasarkan NIK, No. KK atau nama").fill(household.head_nik)
    page.get_by_role("button", name="Cari").click()
    expect(page.get_by_role("link", name="SLAMET RIYADI")).to_be_visible()
    assert household.head_nik not in page.url and "s=" in page.url
    # Typing on the list page searches as you type; the address changes, the NIK stays out.
    box = page.get_by_label("NIK, No. KK atau nama")
    box.fill(households["b"].no_kk)
    expect(page.get_by_role("link", name="SUPARMAN")).to_be_visible()
    expect(page.get_by_role("link", name="SLAMET RIYADI")).to_have_count(0)
    assert households["b"].no_kk not in page.url
    page.go_back()
    expect(page.get_by_role("link", name="SLAMET RIYADI")).to_be_visible()
    history = page.evaluate("() => window.location.href")
    assert household.head_nik not in history


def test_village_operator_is_shown_a_404_for_another_village(
    page: Page, live_server, users, households
):
    log_in(page, live_server, users["village"].username)
    response = page.goto(f"{live_server.url}/households/{households['b'].pk}/")
    assert response.status == 404
