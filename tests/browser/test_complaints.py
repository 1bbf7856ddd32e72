"""The complaint desk in the browser: the desk logs a complaint, forwards it to the village, the
village's operator answers, the desk resolves it, and the public status page shows the result
without personal data."""

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import Browser, Page, expect

from complaints.models import Category, Complaint
from tests.browser.test_roles import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def person(browser: Browser, live_server, username: str) -> Page:
    page = browser.new_context(base_url=live_server.url).new_page()
    log_in(page, live_server, username)
    return page


def test_a_complaint_from_the_desk_to_the_village_and_back_to_the_public(
    browser: Browser, live_server, users, units, regions, make_household, media_root, tmp_path
):
    Category.objects.get_or_create(name="Belum menerima bantuan", defaults={"target_days": 5})
    make_household(name="SUMARNI")
    theirs = make_household(name="SUMARNI WIDODO", desa=regions["desa_a"])
    photo = tmp_path / "rumah.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    desk = person(browser, live_server, users["desk"].username)
    desk.get_by_role("link", name="Pengaduan", exact=True).click()
    desk.get_by_role("link", name="Catat pengaduan").click()
    desk.get_by_label("Saluran:", exact=True).select_option(label="telepon")
    desk.get_by_label("Kategori:", exact=True).select_option(label="Belum menerima bantuan")
    desk.get_by_label("Pelapor:", exact=True).fill("Sumarni")
    desk.get_by_label("Kontak:", exact=True).fill("081234567890")
    desk.get_by_label("Desa:", exact=True).select_option(label="Kelurahan Sindurjan — Purworejo")
    desk.get_by_label("Uraian:", exact=True).fill("Belum menerima JPS. <b>tolong</b>")
    desk.locator("input[name=family]").fill("sumarni")
    desk.get_by_role("button", name="Catat dan beri tiket").click()
    # Two families match: the desk picks one (NIK masked) and attaches the photo.
    desk.get_by_label(re.compile("SUMARNI WIDODO")).check()
    desk.locator("input[name=attachment]").set_input_files(photo)
    desk.get_by_role("button", name="Catat dan beri tiket").click()
    ticket = desk.locator("h1").inner_text().split()[0]
    expect(desk.locator(".messages")).to_contain_text(ticket)
    expect(desk.locator(".story")).to_have_text("Belum menerima JPS. <b>tolong</b>")  # as text
    expect(desk.get_by_role("link", name=re.compile("SUMARNI WIDODO"))).to_be_visible()
    expect(desk.get_by_role("link", name="rumah.png")).to_be_visible()

    # The step's form shows what the chosen status takes, nothing more.
    resolution = desk.get_by_label("Penyelesaian dan apa yang berubah")
    desk.get_by_label("Status baru").select_option(label="ditolak")
    expect(desk.get_by_label("Atau teruskan ke")).to_be_hidden()
    expect(resolution).to_be_hidden()
    desk.get_by_label("Status baru").select_option(label="sedang ditangani")
    expect(resolution).to_be_hidden()
    desk.get_by_label("Atau teruskan ke").select_option(label="Kelurahan Sindurjan")
    desk.get_by_role("button", name="Simpan langkah").click()
    expect(desk.locator("h1 .badge")).to_have_text("sedang ditangani")
    expect(desk.locator(".messages")).to_contain_text(f"Langkah disimpan: {ticket} kini")

    village = person(browser, live_server, users["village"].username)
    village.get_by_role("link", name="Pengaduan", exact=True).click()
    village.get_by_role("link", name=ticket).click()
    expect(village.get_by_role("link", name="rumah.png")).to_have_count(0)  # the desk's photo
    village.get_by_label("Jawaban Anda").fill("Sudah kami usulkan untuk JPS tahap 2.")
    village.get_by_role("button", name="Kirim jawaban").click()
    expect(village.locator(".messages")).to_contain_text("sudah dikirim")

    desk.reload()
    expect(desk.locator(".steps")).to_contain_text("Sudah kami usulkan untuk JPS tahap 2.")
    desk.get_by_label("Status baru").select_option(label="selesai")
    expect(desk.get_by_label("Atau teruskan ke")).to_be_hidden()
    desk.get_by_label("Penyelesaian dan apa yang berubah").fill("Diusulkan desa, tahap 2")
    desk.get_by_label("Jawaban untuk publik (tampil di halaman status)").fill(
        "Keluarga Anda diusulkan untuk JPS tahap 2."
    )
    desk.get_by_role("button", name="Simpan langkah").click()
    expect(desk.locator("h1 .badge")).to_have_text("selesai")

    cache.delete("complaint-status:127.0.0.1")  # look-ups of other tests from this address
    public = browser.new_context(base_url=live_server.url).new_page()
    public.goto("/complaints/status/")
    public.get_by_label("Nomor tiket").fill(ticket.lower())
    public.get_by_role("button", name="Cari").click()
    found = public.locator("#found")
    expect(found).to_contain_text("selesai")
    expect(found).to_contain_text("Keluarga Anda diusulkan untuk JPS tahap 2.")
    assert Complaint.objects.get(ticket=ticket).household == theirs
    text = public.locator("main").inner_text()
    for private in ("Sumarni", "081234567890", "Belum menerima JPS", "Sindurjan"):
        assert private not in text
