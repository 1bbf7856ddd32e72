"""The pages a village operator and the complaint desk use, at 360 px (a phone): nothing makes
the page scroll sideways, and every button and link of the page is on the screen, not behind
a table's scroll."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page

from complaints import desk
from complaints.models import Category, Complaint
from tests.browser.test_roles import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTH = 360

OUTSIDE = """() => {
  const width = document.documentElement.clientWidth;
  const page = document.documentElement.scrollWidth;
  const cut = [...document.querySelectorAll("main a, main button, main input, main select")]
    .filter((e) => e.offsetParent !== null && e.type !== "hidden")
    .filter((e) => {
      const r = e.getBoundingClientRect();
      return r.right > width + 1 || r.left < -1;
    })
    .map((e) => (e.innerText || e.name || e.outerHTML).trim().slice(0, 40));
  return {page, width, cut};
}"""


def overflow(page: Page, url: str) -> dict:
    page.goto(url)
    return page.evaluate(OUTSIDE)


@pytest.fixture
def phone(page: Page) -> Page:
    page.set_viewport_size({"width": WIDTH, "height": 800})
    return page


def test_a_village_operators_pages_fit_a_phone(phone, live_server, users, households, returned):
    log_in(phone, live_server, users["village"].username)
    batch = returned.proposal_row.batch
    pages = [
        reverse("home"),
        reverse("households:list"),
        reverse("households:detail", args=[households["a"].pk]),
        reverse("programs:batches"),
        reverse("programs:batch", args=[batch.pk]),
        reverse("programs:returned"),
        reverse("programs:correct", args=[returned.pk]),
        reverse("complaints:list"),
    ]
    found = {url: overflow(phone, live_server.url + url) for url in pages}
    wide = {url: f for url, f in found.items() if f["page"] > WIDTH or f["cut"]}
    assert wide == {}


def test_the_complaint_desks_pages_fit_a_phone(phone, live_server, users, regions):
    complaint = desk.log(
        by=users["desk"],
        channel=Complaint.Channel.WALK_IN,
        # A browser test's database is emptied after it, migrated categories too.
        category=Category.objects.get_or_create(name="Lainnya", defaults={"target_days": 5})[0],
        complainant_name="Sumarni",
        story="Belum menerima bantuan",
    )
    log_in(phone, live_server, users["desk"].username)
    pages = [
        reverse("home"),
        reverse("complaints:list"),
        reverse("complaints:create"),
        reverse("complaints:detail", args=[complaint.pk]),
        reverse("complaints:slip", args=[complaint.pk]),
        reverse("complaints:status"),
        reverse("households:list"),
    ]
    found = {url: overflow(phone, live_server.url + url) for url in pages}
    wide = {url: f for url, f in found.items() if f["page"] > WIDTH or f["cut"]}
    assert wide == {}


def test_a_rounds_pages_and_its_form_fit_a_phone(phone, live_server, users, returned):
    log_in(phone, live_server, users["staff"].username)
    round_ = returned.round
    pages = [
        reverse("programs:rounds"),
        reverse("programs:round", args=[round_.pk]),
        reverse("programs:round_edit", args=[round_.pk]),
    ]
    found = {url: overflow(phone, live_server.url + url) for url in pages}
    wide = {url: f for url, f in found.items() if f["page"] > WIDTH or f["cut"]}
    assert wide == {}


def test_kecamatan_staffs_pages_and_the_password_pages_fit_a_phone(
    phone, live_server, users, households, batches
):
    log_in(phone, live_server, users["kecamatan"].username)
    pages = [
        reverse("home"),
        reverse("households:list"),
        reverse("households:detail", args=[households["a"].pk]),
        reverse("programs:batches"),
        reverse("programs:batch", args=[batches["a"].pk]),
        reverse("complaints:list"),
        reverse("password_change"),
    ]
    found = {url: overflow(phone, live_server.url + url) for url in pages}
    phone.context.clear_cookies()
    for url in (reverse("login"), reverse("password_reset")):
        found[url] = overflow(phone, live_server.url + url)
    wide = {url: f for url, f in found.items() if f["page"] > WIDTH or f["cut"]}
    assert wide == {}
