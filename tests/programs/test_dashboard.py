"""A round's dashboard: what the cross-check found and where the families went, for the district,
by kecamatan and by desa, with the budget; every number opens the list of exactly the families
it counts; district roles only; a bounded number of queries whatever the size."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from dedup.models import Result, Run
from households.models import Region
from programs.models import Allocation, AllocationRound, Program, ProposalBatch, ProposalRow

pytestmark = pytest.mark.django_db
NO_AMOUNT = "\N{EN DASH}"  # what the page writes for Rp0


class Page(HTMLParser):
    """The links of a page (href -> the numbers linked to it: a link's first text, as a card
    shows its number above its label) and the cells of its table rows."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.links: dict[str, set[str]] = {}
        self.rows: list[list[str]] = []
        self._href, self._text, self._cell = None, [], None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._href, self._text = dict(attrs).get("href"), []
        elif tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            first = next((text.strip() for text in self._text if text.strip()), "")
            self.links.setdefault(self._href, set()).add(first)
            self._href = None
        elif tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._href is not None:
            self._text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def families_listed(client, url: str) -> list[str]:
    """The names on the round's families page, following its pages as a user does."""
    path, names, number = url.split("?")[0], [], 1
    while url:
        response = client.get(url)
        assert response.status_code == 200
        page = Page(response.content.decode())
        names += [row[0] for row in page.rows[1:] if len(row) > 1]
        number += 1
        url = next((path + href for href in page.links if href.endswith(f"page={number}")), "")
    return sorted(names)


def results_listed(client, url: str) -> list[str]:
    """The names on the run's results page (the fourth column)."""
    response = client.get(url)
    assert response.status_code == 200
    return sorted(row[3] for row in Page(response.content.decode()).rows[1:] if len(row) > 1)


@pytest.fixture
def make_family(users, make_household):
    """A proposed family with its cross-check result and, when given, its allocation."""

    def make(round_, batch, name, desa, status, programs="", target=None, phase=None, state=""):
        household = make_household(desa, name)
        row = ProposalRow.objects.create(
            batch=batch,
            row_number=batch.rows.count() + 1,
            nik=household.head_nik,
            no_kk=household.no_kk,
            name=name,
            desa=desa,
            household=household,
        )
        Result.objects.create(run=round_.run, proposal_row=row, status=status, programs=programs)
        if target:
            Allocation.objects.create(
                round=round_,
                household=household,
                proposal_row=row,
                target=Program.objects.get(code=target),
                phase=phase,
                status=state or Allocation.Status.PROPOSED,
            )
        return row

    return make


@pytest.fixture
def board(users, units, regions, make_family):
    """Seven proposals: four in Kecamatan Purworejo (Sindurjan), three in Grabag (Harjobinangun).

    | name          | proposed by | result           | allocation                |
    | SLAMET RIYADI | Sindurjan   | on PKH           | provincial quota          |
    | SUPARNO       | Sindurjan   | new              | JPS phase 1               |
    | TUKIYEM       | Sindurjan   | new              | JPS returned              |
    | SLAMET RIYADI | Dishub      | proposed twice   |                           |
    | SUPARMAN      | Harjobin.   | on DTSEN and PKH | JPS, not checked yet      |
    | PAINEM        | Harjobin.   | invalid          |                           |
    | WAGIYO        | Harjobin.   | in review        |                           |
    """
    run = Run.objects.create(created_by=users["staff"], status=Run.Status.DONE)
    round_ = AllocationRound.objects.create(name="JPS Mei 2026", run=run, created_by=users["staff"])
    round_.targets.create(program=Program.objects.get(code="BANSOSPROV"), places=5, position=0)
    round_.targets.create(program=Program.objects.get(code="JPSKAB"), budget=7_500_000, position=1)
    batch = {
        key: ProposalBatch.objects.create(unit=units[key], title=key, created_by=users["staff"])
        for key in ("village_a", "village_b", "agency")
    }
    run.batches.set(batch.values())
    a, b = regions["desa_a"], regions["desa_b"]
    make_family(round_, batch["village_a"], "SLAMET RIYADI", a, "in_roster", "PKH", "BANSOSPROV")
    make_family(round_, batch["village_a"], "SUPARNO", a, "new", "", "JPSKAB", 1, "valid")
    make_family(round_, batch["village_a"], "TUKIYEM", a, "new", "", "JPSKAB", None, "returned")
    make_family(round_, batch["agency"], "SLAMET RIYADI", a, "duplicate_in_batch")
    make_family(round_, batch["village_b"], "SUPARMAN", b, "in_roster", "DTSEN;PKH", "JPSKAB")
    make_family(round_, batch["village_b"], "PAINEM", b, "invalid")
    make_family(round_, batch["village_b"], "WAGIYO", b, "review")
    return round_


def login(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def urls(round_):
    dashboard = reverse("programs:round_dashboard", args=[round_.pk])
    results = reverse("dedup:results", args=[round_.run_id])
    families = reverse("programs:round_families", args=[round_.pk])
    return dashboard, results, families


def test_the_dashboard_shows_the_rounds_figures_each_a_link_to_its_list(client, users, board):
    dashboard, results, families = urls(board)
    response = login(client, users["staff"]).get(dashboard)
    assert response.status_code == 200
    links = Page(response.content.decode()).links

    # Cards, the charts' numbers and the tables' totals say the same, and link the same list.
    assert links[results] == {"7"}  # proposed
    assert links[f"{results}?status=duplicate_in_batch"] == {"1"}
    assert links[f"{results}?status=review"] == {"1"}
    assert links[f"{results}?status=invalid"] == {"1"}
    assert links[f"{results}?status=new"] == {"2"}  # with those on a roster: 4 go on
    assert links[f"{results}?status=in_roster"] == {"2"}
    assert links[f"{results}?status=in_roster&program=PKH"] == {"2"}
    assert links[f"{results}?status=in_roster&program=DTSEN"] == {"1"}
    assert links[f"{families}?target=BANSOSPROV"] == {"1", "Rp600.000"}
    assert links[f"{families}?target=JPSKAB"] == {"3", "Rp2.250.000"}
    assert links[f"{families}?target=JPSKAB&phase=none&status=proposed"] == {"1", "Rp750.000"}
    assert links[f"{families}?target=JPSKAB&phase=1"] == {"1", "Rp750.000"}
    assert links[f"{families}?target=JPSKAB&phase=none&status=returned"] == {"1", "Rp750.000"}
    assert links[f"{families}?target=JPSKAB&phase=2"] == {"0", NO_AMOUNT}
    assert links[families] == {"Rp2.850.000"}  # the budget: 1 x Rp600.000 + 3 x Rp750.000
    assert '<div class="n">4</div>' in response.content.decode()  # go on to allocation


def test_each_kecamatan_has_its_row_and_opens_its_desa(client, users, regions, board):
    dashboard, results, families = urls(board)
    purworejo, grabag = regions["desa_a"].parent_id, regions["desa_b"].parent_id
    login(client, users["staff"])
    page = Page(client.get(dashboard).content.decode())
    rows: dict[str, list] = {}  # a place's row in the cross-check table, then in allocation's
    for row in page.rows:
        rows.setdefault(row[0], []).append(row[1:])
    # proposed, twice, review, invalid, go on (new, on a roster), DTSEN, PKH
    assert rows["Purworejo"][0][:9] == ["4", "1", "0", "0", "3", "2", "1", "0", "1"]
    assert rows["Grabag"][0][:9] == ["3", "0", "1", "1", "1", "0", "1", "1", "1"]
    # BANSOSPROV, JPS: all, to check, phase 1, returned ... and the budget
    assert rows["Purworejo"][1][:5] == ["1", "2", "0", "1", "1"]
    assert rows["Grabag"][1][:5] == ["0", "1", "1", "0", "0"]
    assert (rows["Purworejo"][1][-2], rows["Grabag"][1][-2]) == ("Rp2.100.000", "Rp750.000")
    assert page.links[f"{results}?kecamatan={grabag}"] == {"3"}
    assert page.links[f"{results}?status=in_roster&program=DTSEN&kecamatan={grabag}"] == {"1"}
    assert page.links[f"{families}?target=JPSKAB&phase=1&kecamatan={purworejo}"] == {"1"}
    assert page.links[f"{families}?kecamatan={purworejo}"] == {"Rp2.100.000"}
    assert page.links[f"?kecamatan={grabag}#desa"] == {"Grabag"}

    response = client.get(dashboard, {"kecamatan": grabag})
    text = response.content.decode()
    assert 'id="desa"' in text and "Kecamatan Grabag" in text
    page = Page(text)
    desa = regions["desa_b"].pk
    assert page.links[f"{results}?desa={desa}"] == {"3"}
    assert page.links[f"{results}?status=invalid&desa={desa}"] == {"1"}
    assert page.links[f"{families}?target=JPSKAB&phase=none&status=proposed&desa={desa}"] == {
        "1",
    }
    assert f"{results}?desa={regions['desa_a'].pk}" not in page.links  # another kecamatan's


def test_every_number_opens_a_list_of_exactly_those_families(client, users, regions, board):
    dashboard, results, families = urls(board)
    login(client, users["staff"])
    grabag = regions["desa_b"].parent_id
    links = {}
    for query in ({}, {"kecamatan": grabag}):
        links.update(Page(client.get(dashboard, query).content.decode()).links)
    followed = 0
    for url, texts in links.items():
        numbers = {text for text in texts if text.isdigit()}
        if url.startswith(families) and numbers:
            (n,) = numbers
            assert len(families_listed(client, url)) == int(n), url
            followed += 1
        elif url.startswith(results):
            (n,) = numbers
            assert len(results_listed(client, url)) == int(n), url
            followed += 1
    assert followed >= 50  # every figure of the district, two kecamatan and a desa

    assert families_listed(client, f"{families}?target=JPSKAB&phase=1") == ["SUPARNO"]
    assert families_listed(client, f"{families}?target=JPSKAB&phase=none&status=returned") == [
        "TUKIYEM"
    ]
    assert families_listed(client, f"{families}?target=JPSKAB&kecamatan={grabag}") == ["SUPARMAN"]
    on_pkh = f"{results}?status=in_roster&program=PKH"
    assert results_listed(client, on_pkh) == ["SLAMET RIYADI", "SUPARMAN"]


def test_a_corrected_family_shows_in_its_own_step_of_jps(client, users, board):
    dashboard, _results, families = urls(board)
    Allocation.objects.filter(proposal_row__name="TUKIYEM").update(status="corrected")
    login(client, users["staff"])
    links = Page(client.get(dashboard).content.decode()).links
    url = f"{families}?target=JPSKAB&phase=none&status=corrected"
    assert links[url] == {"1", "Rp750.000"}
    assert links[f"{families}?target=JPSKAB&phase=none&status=returned"] == {"0", NO_AMOUNT}
    assert families_listed(client, url) == ["TUKIYEM"]


def test_the_families_list_keeps_its_filters_from_page_to_page(
    client, users, regions, board, make_family
):
    _dashboard, _results, families = urls(board)
    batch = ProposalBatch.objects.get(title="village_a")
    for n in range(50):
        make_family(board, batch, f"WARGA {n:02d}", regions["desa_a"], "new", "", "JPSKAB", 1)
    login(client, users["staff"])
    url = f"{families}?target=JPSKAB&phase=1&kecamatan={regions['desa_a'].parent_id}"
    listed = families_listed(client, url)  # page 2 through the page's own link
    assert listed == ["SUPARNO", *(f"WARGA {n:02d}" for n in range(50))]


@pytest.mark.parametrize("role", ["village", "agency", "desk"])
def test_operators_and_the_desk_cannot_open_the_dashboard(client, users, board, role):
    dashboard, _results, _families = urls(board)
    assert login(client, users[role]).get(dashboard).status_code == 403


def test_the_head_sees_the_dashboard_and_it_answers_only_get(client, users, board):
    dashboard, _results, _families = urls(board)
    assert login(client, users["head"]).get(dashboard).status_code == 200
    assert client.post(dashboard).status_code == 405


def test_the_dashboard_makes_the_same_few_queries_whatever_the_size(
    client, users, regions, board, make_family, django_assert_max_num_queries
):
    # The session and the user, the round, its targets, the regions, three counts by desa, and
    # the session saved again (three statements).
    dashboard, _results, _families = urls(board)
    login(client, users["staff"])
    grabag = regions["desa_b"].parent_id
    with django_assert_max_num_queries(11):
        client.get(dashboard)
    with django_assert_max_num_queries(11):
        client.get(dashboard, {"kecamatan": grabag})

    kecamatan = Region.objects.create(
        code="33.06.02", name="Bagelen", level=3, kind="kecamatan", parent=regions["district"]
    )
    batch = ProposalBatch.objects.get(title="village_b")
    for n in range(12):
        desa = Region.objects.create(
            code=f"33.06.02.20{n:02d}", name=f"Desa {n}", level=4, kind="desa", parent=kecamatan
        )
        for status, target, phase, state in [
            ("new", "JPSKAB", 2, "valid"),
            ("in_roster", "BANSOSPROV", None, "approved"),
            ("review", None, None, ""),
        ]:
            make_family(board, batch, f"WARGA {n}", desa, status, "BPNT", target, phase, state)
    with django_assert_max_num_queries(11):
        client.get(dashboard)
    with django_assert_max_num_queries(11):
        response = client.get(dashboard, {"kecamatan": kecamatan.pk})
    assert len([row for row in Page(response.content.decode()).rows if row[0] == "Desa 7"]) == 2
