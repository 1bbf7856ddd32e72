"""The pages above every app: each role's home page counts its own unit's work and links to it,
the family page gathers what each role may see of a family, and long lists page with their
filters kept."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from complaints import desk
from complaints.models import Category, Complaint
from programs.models import (
    AllocationRound,
    Program,
    ProposalBatch,
    ProposalRow,
    RecipientList,
    RosterRow,
    RosterVersion,
)

pytestmark = pytest.mark.django_db

Status = ProposalBatch.Status
SUPERSEDED, IMPORTING = RosterVersion.Status.SUPERSEDED, RosterVersion.Status.IMPORTING
CARD = re.compile(
    r'<a class="card" href="([^"]*)"><div class="n">([^<]*)</div><div class="what">([^<]*)</div>'
)


def cards(response) -> dict[str, tuple[str, str]]:
    """The home page's figures as the user reads them: what it counts -> (number, link)."""
    return {what: (n, href) for href, n, what in CARD.findall(response.content.decode())}


def section(response, heading: str) -> str:
    """The part of a page under one <h2>, up to the next."""
    html = response.content.decode()
    start = html.index(f"<h2>{heading}</h2>")
    end = html.find("<h2>", start + 1)
    return html[start : end if end > 0 else None]


def batch(unit, by, title, status=Status.DRAFT, invalid=0, valid=0) -> ProposalBatch:
    made = ProposalBatch.objects.create(unit=unit, title=title, created_by=by, status=status)
    ProposalRow.objects.bulk_create(
        ProposalRow(
            batch=made,
            row_number=n,
            name=f"WARGA {n}",
            status=ProposalRow.Status.INVALID if n <= invalid else ProposalRow.Status.VALID,
        )
        for n in range(1, invalid + valid + 1)
    )
    return made


def complaint(users, *, to=None, resolved=False, household=None) -> Complaint:
    """A walk-in complaint, forwarded to unit `to` if given, then resolved if asked."""
    made = desk.log(
        by=users["desk"],
        channel=Complaint.Channel.WALK_IN,
        category=Category.objects.get(name="Belum menerima bantuan"),
        complainant_name="Sumarni",
        household=household,
        story="Belum menerima bantuan.",
    )
    if to is not None:
        made = desk.move(made, Complaint.Status.HANDLING, by=users["desk"], forward=to)
    if resolved:
        made = desk.move(made, Complaint.Status.RESOLVED, by=users["desk"], resolution="Cair")
    return made


def roster_of(code, period, families, status=RosterVersion.Status.ACTIVE) -> RosterVersion:
    """A roster version of programme `code` listing (nik, no_kk, name) families."""
    version = RosterVersion.objects.create(
        program=Program.objects.get(code=code), period=period, status=status
    )
    for number, (nik, no_kk, name) in enumerate(families, start=1):
        RosterRow.objects.create(
            version=version, row_number=number, nik=nik, no_kk=no_kk, name=name
        )
    return version


# --- Home pages -----------------------------------------------------------------------------


@pytest.fixture
def office(users, units, batches, households, make_household, regions):
    """Each unit's proposals in several states, open and closed complaints forwarded to the
    villages, two active rosters and a superseded one. Beside the `batches` fixture (a draft of
    each unit with one row to fix): Sindurjan has 2 more submitted with 2 rows to fix each;
    Harjobinangun 2 more drafts and 1 checked with 1 row to fix; the agency 1 more draft with
    2 rows to fix, 1 submitted and 1 checked. Sindurjan has 3 families, Harjobinangun 1."""
    village_a, village_b, agency = units["village_a"], units["village_b"], units["agency"]
    for n in (1, 2):
        batch(village_a, users["village"], f"Sindurjan {n}", Status.SUBMITTED, invalid=2)
        batch(village_b, users["village_b"], f"Harjobinangun {n}", valid=1)
    batch(village_b, users["village_b"], "Harjobinangun dipadankan", Status.CHECKED, invalid=1)
    batch(agency, users["agency"], "Sopir angkot", invalid=2)
    batch(agency, users["agency"], "Kusir dokar", Status.SUBMITTED, valid=3)
    batch(agency, users["agency"], "Pekerja seni", Status.CHECKED)
    make_household(regions["desa_a"], "TUKINO")
    make_household(regions["desa_a"], "PAINEM")
    for unit in (village_a, village_a, village_b):
        complaint(users, to=unit)
    complaint(users, to=village_a, resolved=True)
    complaint(users)  # new, not forwarded yet
    roster_of("PKH", "Oktober 2026", [])
    roster_of("BPNT", "November 2026", [])
    roster_of("PKH", "Juli 2026", [], SUPERSEDED)


BATCHES, COMPLAINTS = reverse("programs:batches"), reverse("complaints:list")
HOUSEHOLDS, ROSTERS = reverse("households:list"), reverse("programs:list")
RETURNED = reverse("programs:returned")
DISTRICT_STAFF = {
    "usulan diajukan, menunggu pemadanan": ("3", BATCHES),
    "keluarga usulan yang harus diperbaiki desa atau OPD": ("10", BATCHES),
    "daftar program aktif": ("2", ROSTERS),
    "keluarga di kabupaten": ("4", HOUSEHOLDS),
    "perbaikan penerima dari desa yang perlu diperiksa": ("0", "/distribution/corrections/"),
}


VISITS = "keluarga yang harus dikunjungi untuk verifikasi (termasuk yang dikembalikan)"
CYCLES = "/verification/cycles/"
PAYMENTS, FAILED = "pembayaran gagal yang perlu diperbaiki", "/distribution/failed/"


def operator_cards(*, to_fix, complaints, drafts, families, visits=None):
    return {
        # A village's visits of the verification cycles; no cycle here.
        **({VISITS: (visits, CYCLES)} if visits is not None else {}),
        **({PAYMENTS: ("0", FAILED)} if visits is not None else {}),  # no tranche yet
        "keluarga usulan Anda perlu diperbaiki": (to_fix, BATCHES),
        "pengaduan yang diteruskan kepada Anda": (complaints, COMPLAINTS),
        "keluarga JPS dikembalikan kepada Anda untuk diperbaiki": ("0", RETURNED),  # no round yet
        "usulan masih draf": (drafts, BATCHES),
        "keluarga yang dapat Anda lihat": (families, HOUSEHOLDS),
    }


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("admin", DISTRICT_STAFF),
        ("staff", DISTRICT_STAFF),
        (
            "head",
            {
                "usulan menunggu pemadanan": ("3", BATCHES),
                "usulan sudah dipadankan": ("2", BATCHES),
                "keluarga di kabupaten": ("4", HOUSEHOLDS),
            },
        ),
        (
            "desk",
            {
                "pengaduan terbuka": ("4", COMPLAINTS),
                "keluarga di kabupaten": ("4", HOUSEHOLDS),
                "daftar program aktif": ("2", ROSTERS),
            },
        ),
        (
            "village",
            operator_cards(to_fix="5", complaints="2", drafts="1", families="3", visits="0"),
        ),
        (
            "village_b",
            operator_cards(to_fix="2", complaints="1", drafts="3", families="1", visits="0"),
        ),
        # The agency's families are those it proposed.
        ("agency", operator_cards(to_fix="3", complaints="0", drafts="2", families="1")),
    ],
)
def test_each_home_page_counts_its_own_units_work_and_links_to_where_it_is_listed(
    login, users, office, role, expected
):
    assert cards(login(users[role]).get(reverse("home"))) == expected


def test_a_figures_link_lists_the_items_it_counted_and_no_other_units(login, users, office):
    client = login(users["village"])
    home = cards(client.get(reverse("home")))
    listed = client.get(home["pengaduan yang diteruskan kepada Anda"][1])
    assert listed.context["page"].paginator.count == 2
    assert {c.forwarded_to.name for c in listed.context["page"]} == {"Kelurahan Sindurjan"}
    batches = client.get(home["usulan masih draf"][1]).content.decode()
    assert "Usulan Sindurjan" in batches and "Sindurjan 1" in batches
    assert "Harjobinangun" not in batches and "Sopir angkot" not in batches
    families = client.get(home["keluarga yang dapat Anda lihat"][1])
    assert families.context["page"].paginator.count == 3


def test_a_village_home_counts_its_jps_families_returned_for_correction(login, users, returned):
    card = "keluarga JPS dikembalikan kepada Anda untuk diperbaiki"
    client = login(users["village"])
    count, link = cards(client.get(reverse("home")))[card]
    assert (count, link) == ("1", reverse("programs:returned"))
    assert "JPS Mei" in client.get(link).content.decode()  # the round it was returned from
    for other in ("village_b", "agency"):
        assert cards(login(users[other]).get(reverse("home")))[card][0] == "0"


def test_the_count_of_rows_to_fix_is_grouped_as_the_office_writes_it(login, users, batches):
    ProposalRow.objects.bulk_create(
        ProposalRow(batch=batches["a"], row_number=n, status=ProposalRow.Status.INVALID)
        for n in range(3, 1236)
    )  # 1,234 in Sindurjan's batch, one in each of the two others
    village = cards(login(users["village"]).get(reverse("home")))
    assert village["keluarga usulan Anda perlu diperbaiki"][0] == "1.234"
    staff = cards(login(users["staff"]).get(reverse("home")))
    assert staff["keluarga usulan yang harus diperbaiki desa atau OPD"][0] == "1.236"


def test_recent_proposals_are_the_five_newest_of_the_units_own(login, users, units, batches):
    start = timezone.now() + datetime.timedelta(days=1)
    for n in range(1, 7):  # Sindurjan 6 is the newest
        made = batch(units["village_a"], users["village"], f"Sindurjan {n}", invalid=n % 2, valid=1)
        ProposalBatch.objects.filter(pk=made.pk).update(
            created_at=start + datetime.timedelta(hours=n)
        )
    table = section(login(users["village"]).get(reverse("home")), "Usulan Anda")
    titles = re.findall(r'<a href="/programs/proposals/\d+/">([^<]+)</a>', table)
    assert titles == [f"Sindurjan {n}" for n in (6, 5, 4, 3, 2)]
    assert "Usulan Harjobinangun" not in table and "Usulan becak" not in table
    fifth = ProposalBatch.objects.get(title="Sindurjan 5")
    assert f'href="{reverse("programs:batch", args=[fifth.pk])}">Sindurjan 5</a>' in table
    row = table.split("Sindurjan 5")[1].split("</tr>")[0]
    assert '<td class="num">2</td><td class="num">1</td>' in row  # 2 families, 1 to fix


def test_a_large_proposal_in_the_latest_proposals_is_counted_as_the_office_writes_it(
    login, users, units
):
    batch(units["village_a"], users["village"], "Usulan gabungan", invalid=1234, valid=1)
    table = section(login(users["village"]).get(reverse("home")), "Usulan Anda")
    assert '<td class="num">1.235</td><td class="num">1.234</td>' in table


def test_staff_see_the_latest_proposals_of_every_unit(login, users, batches):
    table = section(login(users["staff"]).get(reverse("home")), "Usulan terbaru")
    for title in ("Usulan Sindurjan", "Usulan Harjobinangun", "Usulan becak"):
        assert title in table


def test_the_head_sees_only_active_rosters_with_their_size_grouped(login, users):
    active = roster_of("PKH", "Oktober 2026", [])
    RosterVersion.objects.filter(pk=active.pk).update(row_count=12345)
    roster_of("PKH", "Juli 2026", [], SUPERSEDED)
    roster_of("BST", "Desember 2026", [], IMPORTING)
    page = login(users["head"]).get(reverse("home"))
    table = section(page, "Daftar program yang aktif")
    assert f'<a href="{reverse("programs:detail", args=["PKH"])}">PKH</a>' in table
    assert "Oktober 2026" in table and '<td class="num">12.345</td>' in table
    assert "Juli 2026" not in table and "Desember 2026" not in table
    waiting = section(page, "Daftar yang menunggu persetujuan Anda")
    assert "Tidak ada: setiap daftar yang disiapkan sudah disetujui." in waiting


def test_the_head_sees_every_list_still_to_sign_and_who_prepared_it(login, users):
    def prepared(round_name, code, phase=None, approved=False):
        round_ = AllocationRound.objects.get_or_create(
            name=round_name, defaults={"created_by": users["staff"]}
        )[0]
        made = RecipientList.objects.create(
            round=round_,
            target=Program.objects.get(code=code),
            phase=phase,
            prepared_by=users["staff"],
        )
        if approved:
            RecipientList.objects.filter(pk=made.pk).update(
                approved_by=users["head"], approved_at=timezone.now()
            )
        return made

    jps = prepared("JPS Mei", "JPSKAB", phase=1)
    prov = prepared("Bansos Desember", "BANSOSPROV")
    signed = prepared("JPS Mei", "JPSKAB", phase=2, approved=True)
    waiting = section(
        login(users["head"]).get(reverse("home")), "Daftar yang menunggu persetujuan Anda"
    )
    items = re.findall(
        r'<li><a href="([^"]+)">([^<]+)</a> <span class="muted">([^<]+)</span>', waiting
    )
    by = "(disiapkan oleh Staf)"
    assert items == [  # by round name
        (reverse("programs:list", args=[prov.pk]), "Bansos Desember · BANSOSPROV · versi 1", by),
        (reverse("programs:list", args=[jps.pk]), "JPS Mei · JPSKAB · tahap 1 · versi 1", by),
    ]
    assert reverse("programs:list", args=[signed.pk]) not in waiting


# --- The family page ------------------------------------------------------------------------


def family_page(client, household):
    return client.get(reverse("households:detail", args=[household.pk]))


def test_the_family_page_lists_active_rosters_naming_the_family_by_any_of_its_numbers(
    login, users, households
):
    family, other = households["a"], households["b"]
    wife = family.members.get()
    roster_of("PKH", "Oktober 2026", [(wife.nik, "", "SRI WAHYUNI")])
    roster_of("BPNT", "November 2026", [("", family.no_kk, "SLAMET R")])  # by No. KK alone
    roster_of("DTSEN", "2026", [(family.head_nik, "", "SLAMET RIYADI")])
    roster_of("BST", "Mei 2026", [(other.head_nik, other.no_kk, "SUPARMAN")])
    roster_of("BLTDESA", "Juli 2026", [(family.head_nik, family.no_kk, "SLAMET")], SUPERSEDED)
    roster_of("SEMBAKO", "Desember 2026", [(family.head_nik, "", "SLAMET")], IMPORTING)
    table = section(family_page(login(users["staff"]), family), "Program (daftar aktif)")
    codes = re.findall(r'<a href="/programs/([A-Z]+)/">', table)
    assert codes == ["BPNT", "DTSEN", "PKH"]
    assert "SLAMET R " in table and "November 2026" in table


def test_a_family_on_no_active_roster_is_told_so(login, users, households):
    roster_of("PKH", "Juli 2026", [(households["a"].head_nik, "", "SLAMET")], SUPERSEDED)
    table = section(family_page(login(users["desk"]), households["a"]), "Program (daftar aktif)")
    assert "Tidak ada di daftar program aktif mana pun." in table and "Juli 2026" not in table


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        ("staff", ["Usulan Harjobinangun", "Usulan becak"]),
        ("head", ["Usulan Harjobinangun", "Usulan becak"]),
        ("village_b", ["Usulan Harjobinangun"]),
        ("agency", ["Usulan becak"]),
        ("desk", []),  # the desk does not work on proposals
    ],
)
def test_the_family_page_shows_the_proposals_of_the_family_the_viewer_may_see(
    login, users, households, batches, role, shown
):
    html = family_page(login(users[role]), households["b"]).content.decode()
    for key, title in (("b", "Usulan Harjobinangun"), ("agency", "Usulan becak")):
        link = f'<a href="{reverse("programs:batch", args=[batches[key].pk])}">{title}</a>'
        assert (link in html) is (title in shown)
    assert "Usulan Sindurjan" not in html  # family A's
    assert ("<h2>Usulan</h2>" in html) is bool(shown)


@pytest.mark.parametrize(
    ("role", "sees"),
    [("desk", True), ("admin", True), ("village", True), ("staff", False), ("head", False)],
)
def test_open_complaints_about_the_family_show_only_to_roles_that_handle_them(
    login, users, units, households, role, sees
):
    forwarded = complaint(users, to=units["village_a"], household=households["a"])
    resolved = complaint(users, to=units["village_a"], resolved=True, household=households["a"])
    elsewhere = complaint(users, to=units["village_a"], household=households["b"])
    html = family_page(login(users[role]), households["a"]).content.decode()
    link = f'<a href="{reverse("complaints:detail", args=[forwarded.pk])}">{forwarded.ticket}</a>'
    assert (link in html) is sees
    assert ('<ul id="complaints">' in html) is sees
    assert resolved.ticket not in html and elsewhere.ticket not in html


def test_a_village_sees_a_complaint_about_its_family_once_it_is_forwarded_to_it(
    login, users, units, households
):
    made = complaint(users, to=units["village_b"], household=households["a"])
    client = login(users["village"])
    assert made.ticket not in family_page(client, households["a"]).content.decode()
    desk.move(made, Complaint.Status.HANDLING, by=users["desk"], forward=units["village_a"])
    assert made.ticket in family_page(client, households["a"]).content.decode()


def test_the_family_history_shows_the_fifty_newest_changes_each_with_what_changed(
    login, users, households
):
    family = households["a"]
    for n in range(60):
        family.address = f"DUSUN KRAJAN {n}"
        family._history_user = users["staff"]
        family.save()
    page = family_page(login(users["staff"]), family)
    rows = re.findall(
        r"<tr><td>[^<]*</td>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td></tr>", section(page, "Riwayat")
    )
    assert len(rows) == 50  # of 61 records: the creation and the first changes are left out
    assert set(rows) == {("Staf", "diubah: alamat (jalan, dusun)")}  # the oldest shown too


# --- Paging ---------------------------------------------------------------------------------


def pager_of(response) -> str:
    html = response.content.decode()
    return html[
        html.index('<nav class="pager"') : html.index("</nav>", html.index('class="pager"'))
    ]


def test_a_page_past_the_end_of_the_families_gives_the_last_one_with_the_village_kept(
    login, users, regions, make_household
):
    for n in range(30):
        make_household(regions["desa_a"], f"WARGA {n:02d}")
    make_household(regions["desa_b"], "SUPARMAN")
    village = regions["desa_a"].pk
    page = login(users["staff"]).get(HOUSEHOLDS, {"desa": village, "page": 99})
    assert page.status_code == 200
    assert [h.head_name for h in page.context["page"]] == [f"WARGA {n}" for n in range(25, 30)]
    pager = pager_of(page)
    assert "Halaman 2 dari 2" in pager
    assert re.findall(r'href="([^"]*)"', pager) == [f"?desa={village}&amp;page=1"]  # no "next"


def test_the_pager_keeps_the_search_and_the_village_on_every_page(
    login, users, regions, make_household
):
    for n in range(27):
        make_household(regions["desa_a"], f"WARGA {n:02d}")
    make_household(regions["desa_a"], "TUKINO")
    client = login(users["staff"])
    found = client.post(HOUSEHOLDS, {"q": "warga", "desa": regions["desa_a"].pk})
    first = client.get(found.url)
    assert first.context["page"].paginator.count == 27
    (next_link,) = re.findall(r'href="(\?[^"]*page=2)"', first.content.decode())
    second = client.get(HOUSEHOLDS + next_link.replace("&amp;", "&"))
    assert [h.head_name for h in second.context["page"]] == ["WARGA 25", "WARGA 26"]
    assert found.url.split("?")[1] in next_link.replace("&amp;", "&")


def test_a_page_past_the_end_of_the_proposals_gives_the_last_one_with_its_filter(
    login, users, units
):
    for n in range(28):
        batch(units["village_a"], users["village"], f"Diajukan {n}", Status.SUBMITTED)
    batch(units["village_a"], users["village"], "Masih draf")
    page = login(users["staff"]).get(BATCHES, {"status": "submitted", "page": 5})
    assert page.status_code == 200
    assert len(page.context["page"]) == 3 and page.context["page"].number == 2
    assert {b.status for b in page.context["page"]} == {"submitted"}
    assert re.findall(r'href="([^"]*)"', pager_of(page)) == ["?status=submitted&amp;page=1"]
    assert "Masih draf" not in page.content.decode()
