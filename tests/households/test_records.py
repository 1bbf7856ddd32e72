"""What the households pages leave behind: who changed a family and which fields (the history on
the family page), a record for every full NIK or No. KK shown, the accounts and units only the
right people may change, and a search that finds whole numbers and never puts them in the
address."""

import datetime
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from households.models import Household, IdReveal, Member, Region, Unit, User
from tests.conftest import PASSWORD as FIXTURE_PASSWORD
from tests.conftest import make_nik

pytestmark = pytest.mark.django_db

PASSWORD = "Sindur-jan-2026!"


def _household_data(household=None, **overrides):
    """The household form as a browser posts it: a new family, or one's current values."""
    if household is None:
        data = {"no_kk": "3306060101200998", "head_nik": "3306061203800998", "head_name": "PARJO"}
        data.update(head_sex="L", head_birth_date="12-03-1980", address="DUSUN KRAJAN", rt="2")
    else:
        names = ["no_kk", "head_nik", "head_name", "head_sex", "address", "rt", "rw"]
        data = {name: getattr(household, name) for name in names}
        data.update(head_birth_date=f"{household.head_birth_date:%d-%m-%Y}", desa=household.desa_id)
    return {**data, **overrides}


def _user_data(**overrides):
    data = dict(username="op.baru", first_name="Sri", last_name="Lestari", email="", unit="")
    data.update(role="village", is_active="on")
    return {**data, **overrides}


def _account_data(account, **overrides):
    """An existing account's form, its password left as it is."""
    unit = account.unit_id or ""
    data = _user_data(username=account.username, role=account.role, unit=unit)
    return {**data, **overrides}


def search(client, typed, **params):
    return client.post(reverse("households:list"), {"q": typed, **params}, follow=True)


def family_page(client, household):
    return client.get(reverse("households:detail", args=[household.pk]))


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def shown_at(record):
    """A history record's time as the family page writes it, in the office's time zone."""
    return timezone.localtime(record.history_date).strftime("%d-%m-%Y %H:%M")


# --- Adding, changing and deleting a family -------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "staff", "village", "head", "agency", "desk"])
def test_only_administrators_staff_and_village_operators_add_families(login, users, regions, role):
    allowed = role in ("admin", "staff", "village")
    client = login(users[role])
    data = _household_data(desa=regions["desa_a"].pk)
    assert client.get(reverse("households:create")).status_code == (200 if allowed else 403)
    response = client.post(reverse("households:create"), data)
    assert response.status_code == (302 if allowed else 403)
    assert Household.objects.filter(head_name="PARJO").exists() is allowed


def test_administrator_adds_a_family_in_any_village_and_is_named_as_its_creator(
    login, users, regions
):
    client = login(users["admin"])
    response = client.post(
        reverse("households:create"), _household_data(desa=regions["desa_b"].pk), follow=True
    )
    household = Household.objects.get(head_name="PARJO")
    assert household.desa == regions["desa_b"]
    assert "Data keluarga disimpan." in messages_of(response)
    (entry,) = response.context["history"]
    assert entry["record"].history_user == users["admin"]
    row = rf"<td>{shown_at(entry['record'])}</td>\s*<td>Admin</td>\s*<td>dibuat</td>"
    assert re.search(row, response.content.decode())


def test_a_nik_that_already_heads_another_family_is_refused(login, users, households):
    taken = households["a"].head_nik
    response = login(users["staff"]).post(
        reverse("households:create"),
        _household_data(head_nik=taken, desa=households["a"].desa_id),
    )
    assert response.context["form"].errors["head_nik"] == [
        "NIK ini sudah terdaftar sebagai kepala keluarga lain."
    ]
    assert Household.objects.filter(head_nik=taken).get() == households["a"]


def test_village_operator_corrects_own_family_and_the_page_says_who_when_and_what(
    login, users, households
):
    household = households["a"]
    client = login(users["village"])
    client.post(
        reverse("households:edit", args=[household.pk]),
        _household_data(household, head_name="SLAMET RIYADI SH", rw="006"),
    )
    response = family_page(client, household)
    rows = response.context["history"]
    assert [(r["record"].history_type, r["record"].history_user, r["who"]) for r in rows] == [
        ("~", users["village"], ""),
        ("+", None, "SRI WAHYUNI"),  # the wife, listed after the household was made
        ("+", None, ""),  # made outside the pages, newest first
    ]
    newest = rows[0]
    assert newest["changes"] == ["nama kepala keluarga", "RW"]
    html = response.content.decode()
    row = rf"<td>{shown_at(newest['record'])}</td>\s*<td>Op.Sindurjan</td>\s*<td>diubah: "
    assert re.search(row + "nama kepala keluarga, RW</td>", html)
    assert "sistem atau impor" in html  # the author of the first record


def test_a_corrected_number_is_named_in_the_history_without_showing_either_number(
    login, users, households
):
    household = households["a"]
    old_nik, old_kk = household.head_nik, household.no_kk
    new_nik, new_kk = make_nik("330606"), "3306060101209876"
    client = login(users["staff"])
    client.post(
        reverse("households:edit", args=[household.pk]),
        _household_data(household, head_nik=new_nik, no_kk=new_kk),
    )
    household.refresh_from_db()
    assert (household.head_nik, household.no_kk) == (new_nik, new_kk)
    html = family_page(client, household).content.decode()
    assert "diubah: NIK kepala keluarga, No. KK" in html
    for number in (old_nik, old_kk, new_nik, new_kk):
        assert number not in html


def test_saving_a_family_unchanged_adds_no_empty_change_to_its_history(login, users, households):
    household = households["a"]
    client = login(users["staff"])
    client.post(reverse("households:edit", args=[household.pk]), _household_data(household))
    html = family_page(client, household).content.decode()
    assert "diubah: </td>" not in html  # a line of the history naming no field


@pytest.mark.parametrize("role", ["head", "agency", "desk"])
def test_roles_that_only_read_cannot_change_a_family(login, users, households, batches, role):
    household = households["b"]  # the agency proposed this family, so it may see it
    response = login(users[role]).post(
        reverse("households:edit", args=[household.pk]),
        _household_data(household, head_name="DIUBAH"),
    )
    household.refresh_from_db()
    assert response.status_code == 403 and household.head_name == "SUPARMAN"


def test_only_opening_a_familys_form_records_its_numbers_as_shown(login, users, households):
    household = households["a"]
    client = login(users["admin"])
    client.get(reverse("households:create"))
    assert not IdReveal.objects.exists()  # an empty form shows nobody's number
    client.get(reverse("households:edit", args=[household.pk]))
    client.post(
        reverse("households:edit", args=[household.pk]),
        _household_data(household, address="JL. MAWAR 3"),
    )
    reveals = IdReveal.objects.values_list("user", "household", "field")
    assert sorted(reveals) == [
        (users["admin"].pk, household.pk, "nik"),
        (users["admin"].pk, household.pk, "no_kk"),
    ]


@pytest.mark.parametrize("role", ["admin", "staff", "head", "village"])
def test_each_press_of_show_by_a_role_that_may_shows_the_number_and_is_recorded(
    login, users, households, role
):
    household = households["a"]
    client = login(users[role])
    url = reverse("households:reveal", args=[household.pk, "no_kk"])
    for _press in range(2):
        html = client.post(url).content.decode()
        assert f'<span class="mono" id="no_kk-value">{household.no_kk}</span>' in html
    reveals = IdReveal.objects.values_list("user", "household", "field")
    assert list(reveals) == [(users[role].pk, household.pk, "no_kk")] * 2


@pytest.mark.parametrize(("role", "field"), [("agency", "nik"), ("staff", "head_name")])
def test_showing_is_refused_to_an_agency_and_for_other_fields(
    login, users, households, batches, role, field
):
    household = households["b"]  # proposed by the agency, so on its pages (masked)
    url = reverse("households:reveal", args=[household.pk, field])
    response = login(users[role]).post(url)
    assert response.status_code == 403 and household.head_nik not in response.content.decode()
    assert not IdReveal.objects.exists()


@pytest.mark.parametrize(
    ("role", "show", "edit", "delete"),
    [
        ("staff", True, True, True),
        ("village", True, True, False),
        ("head", True, False, False),
        ("desk", False, False, False),
    ],
)
def test_the_family_page_offers_each_role_only_the_buttons_it_may_use(
    login, users, households, role, show, edit, delete
):
    household = households["a"]
    html = family_page(login(users[role]), household).content.decode()
    assert (reverse("households:reveal", args=[household.pk, "nik"]) in html) is show
    assert (reverse("households:edit", args=[household.pk]) in html) is edit
    assert (reverse("households:delete", args=[household.pk]) in html) is delete


def test_deleting_a_family_and_its_members_keeps_a_record_of_who_deleted_them(
    login, users, households
):
    household = households["a"]
    wife = household.members.get()
    client = login(users["admin"])
    response = client.post(reverse("households:delete", args=[household.pk]), follow=True)
    assert "Keluarga dihapus." in messages_of(response)
    assert family_page(client, household).status_code == 404
    assert not Member.objects.filter(pk=wife.pk).exists()
    record = Household.history.filter(id=household.pk).latest("history_date")
    assert (record.history_type, record.history_user) == ("-", users["admin"])
    assert record.head_name == "SLAMET RIYADI"
    assert Member.history.get(id=wife.pk, history_type="-").history_user == users["admin"]


@pytest.mark.parametrize("role", ["village", "head", "desk"])
def test_only_managers_may_delete_a_family(login, users, households, role):
    household = households["a"]  # in the village operator's own desa
    url = reverse("households:delete", args=[household.pk])
    assert login(users[role]).post(url).status_code == 403
    assert Household.objects.filter(pk=household.pk).exists()


def test_a_family_whose_number_was_shown_cannot_be_deleted(login, users, households):
    household = households["b"]
    client = login(users["staff"])
    client.post(reverse("households:reveal", args=[household.pk, "no_kk"]))
    response = client.post(reverse("households:delete", args=[household.pk]), follow=True)
    assert "Keluarga ini tidak dapat dihapus" in response.content.decode()
    assert Household.objects.filter(pk=household.pk).exists()
    assert IdReveal.objects.filter(household=household).count() == 1


# --- Family members -------------------------------------------------------------------------


def test_a_member_added_later_is_listed_masked_and_found_by_nik(login, users, households):
    child_nik = make_nik("330606", datetime.date(2010, 5, 4))
    Member.objects.create(
        household=households["a"],
        nik=child_nik,
        name="BAGUS PRASETYO",
        sex="L",
        birth_date=datetime.date(2010, 5, 4),
        relation=Member.Relation.CHILD,
    )
    client = login(users["staff"])
    html = family_page(client, households["a"]).content.decode()
    assert "BAGUS PRASETYO" in html and "04-05-2010" in html and "anak" in html
    assert child_nik not in html
    assert list(search(client, child_nik).context["page"]) == [households["a"]]


def test_a_members_corrected_nik_finds_the_family_and_the_old_one_no_longer_does(
    login, users, households
):
    wife = households["a"].members.get()
    old_nik = wife.nik
    wife.nik = make_nik("330606", datetime.date(1982, 7, 1), female=True)
    wife.save()
    client = login(users["desk"])
    assert list(search(client, wife.nik).context["page"]) == [households["a"]]
    assert search(client, old_nik).context["page"].paginator.count == 0
    assert [r.nik for r in wife.history.order_by("history_date")] == [old_nik, wife.nik]


# --- Accounts and units ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "editor", ["admin", "staff", "head", "village", "agency", "desk", "kecamatan"]
)
def test_who_may_edit_which_account(users, editor):
    may_edit = {name for name, account in users.items() if users[editor].may_edit(account)}
    expected = {
        "admin": set(users),  # every account, their own too
        "staff": {"village", "village_b", "agency", "desk", "kecamatan"},
    }
    assert may_edit == expected.get(editor, set())


NEEDS_VILLAGE = "Peran operator desa memerlukan unit berjenis desa atau kelurahan."
NEEDS_AGENCY = "Peran operator OPD memerlukan unit berjenis perangkat daerah (OPD)."
NO_UNIT = "Peran tingkat kabupaten bekerja untuk seluruh kabupaten, tanpa unit."


@pytest.mark.parametrize(
    ("role", "unit", "message"),
    [
        ("village", None, NEEDS_VILLAGE),
        ("agency", None, NEEDS_AGENCY),
        ("agency", "village_a", NEEDS_AGENCY),
        ("head", "village_a", NO_UNIT),
        ("desk", "agency", NO_UNIT),
    ],
)
def test_an_account_whose_unit_does_not_fit_its_role_is_refused_with_the_reason(
    login, users, units, role, unit, message
):
    data = _user_data(role=role, unit=units[unit].pk if unit else "")
    response = login(users["admin"]).post(reverse("users:create"), data)
    assert response.context["form"].errors["unit"] == [message]
    assert message in response.content.decode()
    assert not User.objects.filter(username="op.baru").exists()


def test_administrator_changes_a_district_account(login, users):
    head = users["head"]
    client = login(users["admin"])
    response = client.post(
        reverse("users:edit", args=[head.pk]),
        _account_data(head, last_name="Wibowo", email="kepala@dinsos.example"),
        follow=True,
    )
    assert "Pengguna disimpan." in messages_of(response)
    head.refresh_from_db()
    assert (head.get_full_name(), head.email) == ("Sri Wibowo", "kepala@dinsos.example")


def test_administrator_cannot_change_their_own_role(login, users):
    admin = users["admin"]
    client = login(admin)
    form = client.get(reverse("users:edit", args=[admin.pk])).context["form"]
    assert form.fields["role"].disabled
    client.post(reverse("users:edit", args=[admin.pk]), _account_data(admin, role="staff"))
    admin.refresh_from_db()
    assert admin.role == User.Role.ADMIN


def test_staff_cannot_turn_an_operator_into_the_head(login, users):
    operator = users["village"]
    response = login(users["staff"]).post(
        reverse("users:edit", args=[operator.pk]), _account_data(operator, role="head", unit="")
    )
    assert "role" in response.context["form"].errors
    operator.refresh_from_db()
    assert (operator.role, operator.unit_id) == (User.Role.VILLAGE, users["village"].unit_id)


def test_an_operator_switched_off_by_staff_can_no_longer_sign_in(client, login, users):
    operator = users["village"]
    data = _account_data(operator)
    del data["is_active"]  # an unticked box is not posted
    login(users["staff"]).post(reverse("users:edit", args=[operator.pk]), data)
    client.logout()
    response = client.post(
        reverse("login"), {"username": operator.username, "password": FIXTURE_PASSWORD}
    )
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_the_user_list_shows_each_accounts_role_and_unit(login, users):
    html = login(users["staff"]).get(reverse("users:list")).content.decode()
    assert "<td>operator desa</td><td>Kelurahan Sindurjan</td>" in html
    assert "<td>kepala Dinsos</td><td>\N{EN DASH}</td>" in html  # no unit


def test_a_village_unit_without_its_village_is_refused_with_the_reason(login, users):
    response = login(users["staff"]).post(
        reverse("units:list"), {"kind": "village", "name": "Desa Kosong", "region": ""}
    )
    assert response.context["form"].errors["region"] == [
        "Unit desa harus dikaitkan dengan desa atau kelurahannya."
    ]
    assert not Unit.objects.filter(name="Desa Kosong").exists()


def test_an_agency_tied_to_a_village_is_told_why(login, users, regions):
    free = Region(code="33.06.06.1002", name="Baledono", level=4, kind="kelurahan")
    free.parent = regions["desa_a"].parent
    free.save()
    response = login(users["staff"]).post(
        reverse("units:list"), {"kind": "agency", "name": "Dinas X", "region": free.pk}
    )
    assert response.context["form"].errors["region"] == ["OPD tidak terikat pada satu desa."]
    assert not Unit.objects.filter(name="Dinas X").exists()


def test_a_village_already_served_by_a_unit_cannot_be_given_to_another(
    login, users, units, regions
):
    response = login(users["staff"]).post(
        reverse("units:list"),
        {"kind": "village", "name": "Sindurjan Baru", "region": regions["desa_a"].pk},
    )
    assert "region" in response.context["form"].errors
    assert Unit.objects.get(region=regions["desa_a"]) == units["village_a"]


def test_a_units_form_offers_its_own_village_but_none_taken_by_another(
    login, users, units, regions
):
    url = reverse("units:edit", args=[units["village_a"].pk])
    form = login(users["staff"]).get(url).context["form"]
    # Its own desa, and the kecamatan (no unit yet) a kecamatan unit could take; not desa_b.
    offered = list(form.fields["region"].queryset)
    assert regions["desa_a"] in offered and regions["desa_b"] not in offered
    assert {r.level for r in offered} == {3, 4}


@pytest.mark.parametrize("role", ["head", "village", "agency", "desk"])
def test_other_roles_cannot_rename_a_unit(login, users, units, role):
    unit = units["agency"]
    url = reverse("units:edit", args=[unit.pk])
    response = login(users[role]).post(url, {"kind": "agency", "name": "Dinas Lain"})
    unit.refresh_from_db()
    assert response.status_code == 403 and unit.name == "Dinas Perhubungan"


def test_a_unit_cannot_change_kind_under_the_operators_working_in_it(
    login, users, units, households
):
    unit = units["village_a"]
    login(users["staff"]).post(
        reverse("units:edit", args=[unit.pk]), {"kind": "agency", "name": unit.name, "region": ""}
    )
    unit.refresh_from_db()
    assert unit.kind == Unit.Kind.VILLAGE
    operator = User.objects.get(pk=users["village"].pk)
    operator.full_clean()
    assert list(Household.objects.for_user(operator)) == [households["a"]]


# --- Searching ------------------------------------------------------------------------------


def test_a_nik_typed_in_groups_of_four_finds_the_family(login, users, households):
    nik = households["b"].head_nik
    grouped = " ".join(nik[i : i + 4] for i in range(0, 16, 4))
    assert list(search(login(users["staff"]), grouped).context["page"]) == [households["b"]]


def test_a_number_one_digit_longer_or_belonging_to_nobody_finds_nothing(login, users, households):
    nik = households["a"].head_nik
    unknown = nik[:-1] + ("1" if nik[-1] != "1" else "2")
    client = login(users["admin"])
    for typed in (nik + "1", unknown, "0" * 16):
        response = search(client, typed)
        assert response.context["page"].paginator.count == 0, typed
        assert "Tidak ada keluarga yang cocok." in response.content.decode()


@pytest.mark.parametrize(
    ("role", "typed", "found"),
    [
        ("village", "nik of b", []),
        ("village", "suparman", []),
        ("village", "no_kk of a", ["a"]),
        ("village_b", "SLAMET", []),
        ("agency", "slamet riyadi", []),
        ("agency", "nik of b", ["b"]),
        ("desk", "no_kk of b", ["b"]),
        ("head", "Slamet", ["a"]),
    ],
)
def test_a_search_finds_only_families_the_user_may_see(
    login, users, households, batches, role, typed, found
):
    if typed.startswith("nik of "):
        typed = households[typed[-1]].head_nik
    elif typed.startswith("no_kk of "):
        typed = households[typed[-1]].no_kk
    response = search(login(users[role]), typed)
    assert list(response.context["page"]) == [households[key] for key in found]


def test_a_family_found_by_its_number_is_listed_with_masked_numbers(login, users, households):
    household = households["a"]
    wife = household.members.get()
    html = search(login(users["village"]), wife.nik).content.decode()
    assert "SLAMET RIYADI" in html
    for number in (household.head_nik, household.no_kk):
        assert number not in html
        assert f"{number[:4]}********{number[-4:]}" in html


def test_the_same_search_keeps_its_address_and_the_village_stays_readable(
    login, users, households, regions
):
    client = login(users["staff"])
    nik = households["a"].head_nik
    desa = regions["desa_a"].pk
    first = client.post(reverse("households:list"), {"q": nik, "desa": desa})
    again = client.post(reverse("households:list"), {"q": nik, "desa": desa})
    assert first.url == again.url
    assert first.url.startswith(reverse("households:list") + "?s=")
    assert f"desa={desa}" in first.url and nik not in first.url
    assert list(client.get(first.url).context["page"]) == [households["a"]]


def test_a_member_is_added_corrected_and_marked_died_in_the_browser_with_history(
    login, users, households
):
    household = households["a"]
    client = login(users["village"])
    url = reverse("households:member_create", args=[household.pk])
    refused = client.post(
        url, {"name": "ANTON", "nik": "12345", "relation": "child", "status": "living"}
    )
    assert "NIK berisi 5 digit, seharusnya 16." in refused.content.decode()
    client.post(url, {"name": "ANTON", "nik": "", "relation": "child", "status": "living"})
    son = household.members.get(name="ANTON")
    client.post(
        reverse("households:member_edit", args=[household.pk, son.pk]),
        {"name": "ANTON", "nik": "", "relation": "child", "status": "died"},
    )
    son.refresh_from_db()
    assert son.status == "died"
    rows = family_page(client, household).context["history"]
    assert (rows[0]["who"], rows[0]["changes"], rows[0]["record"].history_user) == (
        "ANTON",
        ["status: meninggal"],
        users["village"],
    )
    # Another village's operator cannot touch the family.
    other = login(users["village_b"])
    assert (
        other.get(reverse("households:member_edit", args=[household.pk, son.pk])).status_code == 404
    )
