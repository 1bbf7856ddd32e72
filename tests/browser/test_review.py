"""Dinsos staff decide a doubtful match in the review queue, by keyboard, in the real page."""

import pytest
from playwright.sync_api import Page, expect

from dedup.models import Result, ReviewPair
from tests.browser.test_roles import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_decide_a_doubtful_pair_with_one_key(page: Page, live_server, users, doubtful_run):
    refused = []  # what the Content-Security-Policy blocked, in the page's console
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    log_in(page, live_server, users["staff"].username)
    page.get_by_role("link", name="Tinjauan", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Tinjauan: keluarga yang sama atau bukan?"
    )
    main = page.locator("main")
    expect(main).to_contain_text("NIK beda 1 digit + nama sama")
    expect(main).to_contain_text("BST 2026, baris 7")
    nik_row = page.locator("table.compare tr", has_text="NIK")
    expect(nik_row).to_have_class("differs")  # the one thing that differs stands out
    expect(nik_row.locator("mark")).to_have_count(2)  # the mistyped digit, on both sides
    expect(page.locator("table.compare tr", has_text="Nama")).not_to_have_class("differs")

    # Typing into the note is text, not a decision.
    page.get_by_label("Catatan").fill("sama, dicek di KTP")
    page.get_by_label("Catatan").press("s")
    assert ReviewPair.objects.get().same_family is None

    page.locator("main h1").click()  # leave the note field
    page.keyboard.press("s")
    expect(main).to_contain_text("Tidak ada yang menunggu keputusan.")
    assert refused == []  # the swap that brought the next pair broke no rule

    pair = ReviewPair.objects.get()
    assert (pair.same_family, pair.decided_by, pair.note) == (
        True,
        users["staff"],
        "sama, dicek di KTPs",
    )
    result = Result.objects.get(proposal_row=pair.proposal_row)
    assert (result.status, result.programs) == ("in_roster", "BST")

    page.goto(f"{live_server.url}/cross-check/{doubtful_run.pk}/")
    page.get_by_role("link", name="Purworejo").click()  # the kecamatan opens its desa
    expect(page.locator("#desa")).to_have_text("Per desa di Kecamatan Purworejo")
    on_roster = page.locator(".cards a", has_text="sudah terdaftar di program")
    expect(on_roster.locator(".n")).to_have_text("2")
    expect(page.get_by_role("link", name="Unduh hasil (CSV)")).to_be_visible()
