"""Pages of the households app: each role sees its own, another village's data is a 404."""

import pytest
from django.urls import reverse

from households.models import Household, IdReveal

pytestmark = pytest.mark.django_db


def search(client, typed, **params):
    """A search as the page sends it: posted, then the results page it leads to."""
    return client.post(reverse("households:list"), {"q": typed, **params}, follow=True)


@pytest.mark.parametrize(
    ("role", "heading"),
    [
        ("admin", "Administrator"),
        ("staff", "Staf Dinsos"),
        ("head", "Kepala Dinsos"),
        ("village", "Operator Kelurahan Sindurjan"),
        ("agency", "Operator OPD: Dinas Perhubungan"),
        ("desk", "Posko pengaduan"),
    ],
)
def test_each_role_lands_on_its_own_home_page(login, users, role, heading):
    response = login(users[role]).get(reverse("home"))
    assert response.status_code == 200
    assert heading in response.content.decode()


def test_anonymous_visitor_is_sent_to_login(client, db):
    response = client.get(reverse("households:list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_household_list_masks_identity_numbers(login, users, households):
    html = login(users["staff"]).get(reverse("households:list")).content.decode()
    household = households["a"]
    assert household.head_name in html
    assert household.head_nik not in html and household.no_kk not in html
    assert household.head_nik[:4] + "********" + household.head_nik[-4:] in html


def test_a_searched_nik_stays_out_of_the_address_history_and_logs(login, users, households):
    client = login(users["staff"])
    nik = households["a"].head_nik
    response = client.post(reverse("households:list"), {"q": nik})
    assert response.status_code == 302 and nik not in response.url
    page = client.get(response.url)
    assert list(page.context["page"]) == [households["a"]]
    assert nik not in page.content.decode().replace(f'value="{nik}"', "")  # only in the box
    again = client.get(response.url.replace("?", "?page=1&"))  # the pager keeps the search
    assert list(again.context["page"]) == [households["a"]]
    # Another user's copy of the link finds no search behind the token: all families.
    other = login(users["admin"]).get(response.url)
    assert other.context["form"]["q"].value() == ""


def test_an_old_link_with_the_number_in_it_is_moved_out_of_the_address(login, users, households):
    response = login(users["staff"]).get(reverse("households:list"), {"q": "slamet"})
    assert response.status_code == 302 and "slamet" not in response.url.lower()


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("  slamet   riyadi ", True),
        ("Slamet", True),
        ("riyadi", True),
        ("suparmi", False),
    ],
)
def test_name_search_ignores_case_and_spacing(login, users, households, query, found):
    html = search(login(users["staff"]), query).content.decode()
    assert ("SLAMET RIYADI" in html) is found


def test_search_by_full_nik_of_a_member_finds_the_family(login, users, households):
    wife = households["a"].members.get()
    response = search(login(users["desk"]), wife.nik)
    assert list(response.context["page"]) == [households["a"]]


def test_search_by_no_kk(login, users, households):
    response = search(login(users["staff"]), households["b"].no_kk)
    assert list(response.context["page"]) == [households["b"]]


def test_list_query_count_does_not_grow_with_households(
    login, users, make_household, django_assert_max_num_queries
):
    for i in range(30):
        make_household(name=f"WARGA {i}")
    client = login(users["staff"])
    with django_assert_max_num_queries(8):
        response = client.get(reverse("households:list"))
    assert len(response.context["page"]) == 25


def test_village_operator_sees_only_own_village(login, users, households):
    response = login(users["village"]).get(reverse("households:list"))
    assert list(response.context["page"]) == [households["a"]]


@pytest.mark.parametrize(
    ("name", "answer"),
    [("households:detail", 404), ("households:edit", 404), ("households:delete", 403)],
)
def test_operator_cannot_open_household_of_other_desa(login, users, households, name, answer):
    # Not there for the operator; deleting is the managers' whatever the village.
    url = reverse(name, args=[households["b"].pk])
    assert login(users["village"]).get(url).status_code == answer


def test_operator_cannot_reveal_nik_of_other_desa(login, users, households):
    url = reverse("households:reveal", args=[households["b"].pk, "nik"])
    assert login(users["village"]).post(url).status_code == 404
    assert not IdReveal.objects.exists()


def test_agency_sees_only_families_it_proposed(login, users, households, batches):
    client = login(users["agency"])
    assert list(client.get(reverse("households:list")).context["page"]) == [households["b"]]
    url = reverse("households:detail", args=[households["a"].pk])
    assert client.get(url).status_code == 404


def test_detail_shows_programmes_members_and_dates(login, users, households, roster):
    html = (
        login(users["staff"])
        .get(reverse("households:detail", args=[households["a"].pk]))
        .content.decode()
    )
    assert "PKH" in html and "Oktober 2026" in html
    assert "SRI WAHYUNI" in html
    assert "12-03-1980" in html
    assert households["a"].head_nik not in html


def test_revealing_a_nik_shows_it_and_records_who_and_when(login, users, households):
    household = households["a"]
    client = login(users["staff"])
    response = client.post(reverse("households:reveal", args=[household.pk, "nik"]))
    assert household.head_nik in response.content.decode()
    reveal = IdReveal.objects.get()
    assert (reveal.user, reveal.household, reveal.field) == (users["staff"], household, "nik")
    assert reveal.at is not None


def test_complaint_desk_cannot_reveal_identity_numbers(login, users, households):
    url = reverse("households:reveal", args=[households["a"].pk, "no_kk"])
    assert login(users["desk"]).post(url).status_code == 403
    assert not IdReveal.objects.exists()


def test_reveal_needs_post(login, users, households):
    url = reverse("households:reveal", args=[households["a"].pk, "nik"])
    assert login(users["staff"]).get(url).status_code == 405


def _form_data(regions, **overrides):
    data = {
        "no_kk": "3306060101200999",
        "head_nik": "3306061203800999",
        "head_name": "PARJO",
        "head_sex": "L",
        "head_birth_date": "12-03-1980",
        "address": "DUSUN KRAJAN",
        "rt": "2",
        "rw": "05",
        "desa": regions["desa_a"].pk,
    }
    return {**data, **overrides}


def test_operator_adds_a_household_typed_as_excel_shows_it(login, users, regions):
    client = login(users["village"])
    data = _form_data(regions, head_nik="'3306 0612 0380 0999")
    response = client.post(reverse("households:create"), data)
    assert response.status_code == 302, response.context["form"].errors
    household = Household.objects.get(head_name="PARJO")
    assert (household.head_nik, household.rt, household.rw) == ("3306061203800999", "002", "005")
    record = household.history.get()
    assert record.history_user == users["village"] and record.history_type == "+"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("head_nik", "3.30606E+15", "notasi ilmiah"),
        ("head_nik", "330606120380099", "15 digit"),
        ("head_nik", "3306063203800999", "tanggal lahir"),
        ("no_kk", "3306060101200000", "0000"),
    ],
)
def test_malformed_identity_number_is_refused_with_the_reason(
    login, users, regions, field, value, message
):
    response = login(users["village"]).post(
        reverse("households:create"), _form_data(regions, **{field: value})
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Household.objects.exists()


def test_operator_cannot_add_household_in_other_village(login, users, regions):
    response = login(users["village"]).post(
        reverse("households:create"), _form_data(regions, desa=regions["desa_b"].pk)
    )
    assert "desa" in response.context["form"].errors
    assert not Household.objects.exists()


def test_editing_records_what_changed_and_who(login, users, households):
    household = households["a"]
    client = login(users["staff"])
    data = {
        "no_kk": household.no_kk,
        "head_nik": household.head_nik,
        "head_name": "SLAMET RIYADI",
        "head_sex": "L",
        "head_birth_date": "12-03-1980",
        "address": "JL. MAWAR 3",
        "rt": "3",
        "rw": "5",
        "desa": household.desa_id,
    }
    client.post(reverse("households:edit", args=[household.pk]), data)
    response = client.get(reverse("households:detail", args=[household.pk]))
    latest = response.context["history"][0]
    assert latest["record"].history_user == users["staff"]
    assert latest["changes"] == ["alamat (jalan, dusun)", "RT"]
    assert "diubah: alamat (jalan, dusun), RT" in response.content.decode()


def test_desk_cannot_edit_households(login, users, households):
    url = reverse("households:edit", args=[households["a"].pk])
    assert login(users["desk"]).get(url).status_code == 403


def test_household_referred_to_by_a_proposal_is_not_deleted(login, users, households, batches):
    household = households["a"]
    client = login(users["staff"])
    response = client.post(reverse("households:delete", args=[household.pk]), follow=True)
    assert "tidak dapat dihapus" in response.content.decode()
    assert Household.objects.filter(pk=household.pk).exists()


def test_unreferenced_household_can_be_deleted_by_staff(login, users, households):
    household = households["b"]
    login(users["staff"]).post(reverse("households:delete", args=[household.pk]))
    assert not Household.objects.filter(pk=household.pk).exists()


def test_household_loaded_in_bulk_has_a_detail_page_without_history(login, users, regions):
    from tests.conftest import make_nik, make_no_kk

    [household] = Household.objects.bulk_create(
        [
            Household(
                no_kk=make_no_kk(),
                head_nik=make_nik(),
                head_name="TUKINO",
                head_name_folded="TUKINO",
                address="DUSUN KRAJAN",
                desa=regions["desa_a"],
            )
        ]
    )
    response = login(users["staff"]).get(reverse("households:detail", args=[household.pk]))
    assert response.status_code == 200
    assert "Dimuat secara massal" in response.content.decode()


def test_opening_the_edit_form_records_that_full_numbers_were_shown(login, users, households):
    household = households["a"]
    login(users["village"]).get(reverse("households:edit", args=[household.pk]))
    assert sorted(IdReveal.objects.values_list("field", flat=True)) == ["nik", "no_kk"]


def test_operator_cannot_post_changes_to_household_of_other_desa(login, users, households):
    household = households["b"]
    response = login(users["village"]).post(
        reverse("households:edit", args=[household.pk]), {"head_name": "DIUBAH"}
    )
    household.refresh_from_db()
    assert response.status_code == 404 and household.head_name == "SUPARMAN"


@pytest.mark.parametrize("query", ["3306", "330606120380", "33060612038000"])
def test_part_of_a_number_finds_nothing(login, users, households, query):
    response = search(login(users["desk"]), query)
    assert response.context["page"].paginator.count == 0


def test_search_as_you_type_returns_only_the_results(login, users, households):
    response = login(users["staff"]).post(
        reverse("households:list"), {"q": "slamet"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results">') and "SLAMET RIYADI" in html
    assert "slamet" not in response["HX-Push-Url"].lower()  # the address the browser shows
    assert "?s=" in response["HX-Push-Url"]


def test_back_button_after_search_gets_the_whole_page(login, users, households):
    client = login(users["staff"])
    address = client.post(reverse("households:list"), {"q": "slamet"}).url
    response = client.get(address, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in response.content.decode()


def test_a_stale_village_in_the_link_keeps_the_name_search(login, users, households):
    response = search(login(users["staff"]), "suparman", desa="999999")
    assert list(response.context["page"]) == [households["b"]]


def test_birth_date_differing_from_the_nik_is_saved_with_a_warning(login, users, regions):
    response = login(users["village"]).post(
        reverse("households:create"), _form_data(regions, head_birth_date="13-03-1980"), follow=True
    )
    assert Household.objects.filter(head_name="PARJO").exists()
    assert "NIK memuat tanggal lahir 12-03-1980, tetapi yang diisi 13-03-1980" in (
        response.content.decode()
    )


def test_agency_sees_no_roster_rows_and_desk_sees_them_masked(login, users, roster, households):
    url = reverse("programs:version", args=[roster.pk])
    assert list(login(users["agency"]).get(url).context["page"]) == []
    html = login(users["desk"]).get(url).content.decode()
    assert "SUPARMAN" in html and households["b"].head_nik not in html


def test_the_home_page_shows_its_counts_in_the_office_format(login, users, make_household):
    desa = make_household().desa
    Household.objects.bulk_create(
        Household(
            head_name=f"WARGA {i}", head_nik=f"3306061203{i:06d}", no_kk=f"3306060101{i:06d}",
            desa=desa,
        )
        for i in range(1233)
    )  # fmt: skip
    page = login(users["head"]).get(reverse("home")).content.decode()
    assert '<div class="n">1.234</div>' in page  # 1,234 families, grouped as the office writes


@pytest.mark.parametrize("chosen", [None, "desa_b"])
def test_the_village_list_is_written_as_djangos_select_would_write_it(regions, chosen):
    """QuickSelect writes the 494 villages in Python (a template per option cost 60 ms a page):
    the same options, labels and choice as Django's own select."""
    import re

    from django import forms

    from households.forms import VillageChoiceField, villages

    value = regions[chosen].pk if chosen else None
    field = VillageChoiceField(queryset=villages().order_by("parent__name", "name"))
    quick = field.widget.render("desa", value, {"id": "id_desa"})
    plain = forms.Select(choices=field.choices).render("desa", value, {"id": "id_desa"})

    def options(html):
        found = re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', html)
        return [(v, bool(s), label) for v, s, label in found]

    assert options(quick) == options(plain) and len(options(quick)) > 2
    assert quick.startswith('<select name="desa" id="id_desa">')
    assert [v for v, selected, _label in options(quick) if selected] == [str(value or "")]
