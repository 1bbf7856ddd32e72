"""A verification visit in the browser, at a phone's size (390 x 844): the village operator
opens the task, fills it, attaches two photos and the phone's location (a dropped page keeps
what was typed); the kecamatan sends it back once, the operator fixes it, the kecamatan and
then the district approve, and the household shows the change in its history."""

import datetime
import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from households.models import Household, Member
from tests.browser.test_roles import log_in
from verification.models import Cycle, Task

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
HOME = {"latitude": -7.7131, "longitude": 110.0082, "accuracy": 15}
WIDE = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def jpeg(colour) -> dict:
    out = io.BytesIO()
    Image.new("RGB", (1200, 900), colour).save(out, "JPEG")
    return {"name": "foto.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


@pytest.fixture
def visit(users, regions, make_household):
    household = make_household(regions["desa_a"], "SUPARNO", rt="002")
    Member.objects.create(household=household, name="TUKINEM", relation=Member.Relation.PARENT)
    cycle = Cycle.objects.create(
        name="Verifikasi Triwulan IV 2026",
        starts_on=datetime.date(2026, 10, 1),
        due_on=datetime.date(2026, 12, 31),
        created_by=users["staff"],
    )
    return Task.objects.create(
        cycle=cycle,
        household=household,
        desa=household.desa,
        reason=Task.Reason.ROSTER,
        reason_note="DTSEN November 2026",
        head_name=household.head_name,
        address=household.address,
        rt=household.rt,
        rw=household.rw,
        created_by=users["staff"],
    )


def test_a_visit_from_the_village_phone_to_the_district(browser, live_server, users, visit):
    def phone_of(username, **options):
        context = browser.new_context(base_url=live_server.url, viewport=PHONE, **options)
        page = context.new_page()
        log_in(page, live_server, username)
        return page

    operator = phone_of(
        "op.sindurjan", geolocation=HOME, permissions=["geolocation"], is_mobile=True
    )
    operator.get_by_role("link", name="Verifikasi").first.click()
    operator.get_by_role("link", name="Verifikasi Triwulan IV 2026").click()
    operator.get_by_role("link", name="SUPARNO").click()
    expect(operator.get_by_role("heading", name="SUPARNO")).to_be_visible()
    assert operator.evaluate(WIDE) <= 0  # no sideways scrolling on the phone

    operator.get_by_label("masih layak").check()
    operator.get_by_label("RT").fill("004")  # the RT as found at the door
    operator.get_by_label("TUKINEM").select_option("died")
    # The connection drops and the page is opened again: what was typed is still there.
    operator.reload()
    expect(operator.get_by_text("Isian sebelumnya tersimpan di ponsel ini")).to_be_visible()
    expect(operator.get_by_label("RT")).to_have_value("004")
    expect(operator.get_by_label("masih layak")).to_be_checked()

    operator.get_by_label("Foto rumah").set_input_files(jpeg((150, 120, 90)))
    operator.get_by_label("Foto kepala keluarga").set_input_files(jpeg((90, 60, 40)))
    operator.get_by_role("button", name="Catat lokasi").click()
    expect(operator.get_by_text("Lokasi tercatat: -7.713100, 110.008200")).to_be_visible()
    operator.get_by_role("button", name="Kirim hasil kunjungan").click()
    expect(operator.get_by_text("Hasil kunjungan dikirim ke kecamatan.")).to_be_visible()
    visit.refresh_from_db()
    assert (visit.status, visit.accuracy, visit.rt) == ("submitted", 15, "004")

    kecamatan = phone_of("tksk.purworejo")
    kecamatan.goto(f"/verification/visits/{visit.pk}/")
    expect(kecamatan.get_by_role("img", name="Foto rumah")).to_be_visible()
    kecamatan.get_by_label("Alasan dikembalikan").fill("Foto kepala keluarga gelap, ulangi")
    kecamatan.get_by_role("button", name="Kembalikan").click()
    expect(kecamatan.get_by_text("Dikembalikan ke desa.")).to_be_visible()

    operator.goto(f"/verification/visits/{visit.pk}/")
    expect(operator.locator("#sent-back")).to_contain_text("Foto kepala keluarga gelap, ulangi")
    operator.get_by_label("Foto kepala keluarga").set_input_files(jpeg((200, 170, 150)))
    operator.get_by_role("button", name="Kirim hasil kunjungan").click()
    expect(operator.get_by_text("Hasil kunjungan dikirim ke kecamatan.")).to_be_visible()

    kecamatan.goto(f"/verification/visits/{visit.pk}/")
    kecamatan.get_by_role("button", name="Setujui").click()
    expect(kecamatan.get_by_text("Disetujui.")).to_be_visible()

    staff = phone_of("staf")
    staff.goto(f"/verification/visits/{visit.pk}/")
    staff.get_by_role("button", name="Setujui").click()
    expect(staff.locator("#task-status")).to_have_text("disetujui dinas")
    expect(staff.locator("#steps li")).to_have_count(5)

    staff.get_by_role("link", name="Buka rumah tangga dan riwayatnya").click()
    history = staff.locator("#history")
    expect(history).to_contain_text("Kunjungan Verifikasi Triwulan IV 2026: masih layak")
    expect(history).to_contain_text("Anggota TUKINEM: diubah: status: meninggal")
    household = Household.objects.get(pk=visit.household_id)
    assert household.rt == "004" and household.history.latest().history_user.username == "staf"

    operator.goto(f"/verification/visits/{visit.pk}/")
    # The village reads the outcome; there is nothing left to fill.
    expect(operator.get_by_role("button", name="Kirim hasil kunjungan")).to_have_count(0)
    assert operator.evaluate("localStorage.length") == 0  # the draft left the phone


def test_the_map_draws_the_visits_without_asking_outside_and_pages_fit_a_phone(
    browser, live_server, users, visit
):
    visit.latitude, visit.longitude, visit.accuracy, visit.status = (
        -7.7131,
        110.0082,
        20,
        "submitted",
    )
    visit.save()
    context = browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 780})
    page = context.new_page()
    outside = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None,
    )
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, live_server, "tksk.purworejo")
    page.goto(f"/verification/cycles/{visit.cycle_id}/")
    expect(page.locator("#progress")).to_contain_text("Sindurjan")
    assert page.evaluate(WIDE) <= 0
    page.get_by_role("link", name="Peta kunjungan").click()
    page.wait_for_load_state("load")
    assert errors == []
    expect(page.locator("#visit-map")).to_have_attribute("data-drawn", "1")
    # The visit's point and its accuracy circle, drawn by Leaflet as SVG paths.
    expect(page.locator("#visit-map path.leaflet-interactive")).to_have_count(1)
    page.locator("#visit-map path.leaflet-interactive").click()
    expect(page.locator(".leaflet-popup")).to_contain_text("SUPARNO")
    assert page.evaluate(WIDE) <= 0
    assert outside == []  # no tile server configured: nothing fetched from outside
    context.close()
