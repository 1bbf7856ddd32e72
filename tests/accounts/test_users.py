"""Managing users and units in the browser."""

import pytest
from django.urls import reverse

from households.models import Unit, User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _data(**overrides):
    data = {
        "username": "op.baru",
        "first_name": "Sri",
        "last_name": "Lestari",
        "email": "",
        "role": "village",
        "unit": "",
        "is_active": "on",
    }
    return {**data, **overrides}


def test_staff_creates_a_village_operator_who_can_log_in(client, login, users, units):
    shown = login(users["staff"]).post(reverse("users:create"), _data(unit=units["village_a"].pk))
    client.logout()
    assert User.objects.get(username="op.baru").unit == units["village_a"]
    password = shown.context["password"]
    response = client.post(reverse("login"), {"username": "op.baru", "password": password})
    assert response.status_code == 302


def test_village_operator_without_village_is_refused(login, users, units):
    response = login(users["staff"]).post(reverse("users:create"), _data())
    assert "unit" in response.context["form"].errors
    assert not User.objects.filter(username="op.baru").exists()


def test_village_operator_with_an_agency_unit_is_refused(login, users, units):
    response = login(users["staff"]).post(reverse("users:create"), _data(unit=units["agency"].pk))
    assert "unit" in response.context["form"].errors


def test_staff_cannot_make_an_administrator(login, users):
    response = login(users["staff"]).post(reverse("users:create"), _data(role="admin"))
    assert "role" in response.context["form"].errors
    assert not User.objects.filter(username="op.baru").exists()


@pytest.mark.parametrize("role", ["head", "village", "agency", "desk"])
@pytest.mark.parametrize("url", ["users:list", "users:create", "units:list", "regions:list"])
def test_other_roles_are_refused_user_unit_and_region_pages(login, users, role, url):
    client = login(users[role])
    assert client.get(reverse(url)).status_code == 403
    assert client.post(reverse("users:create"), _data(unit="")).status_code == 403
    assert not User.objects.filter(username="op.baru").exists()


def test_staff_cannot_promote_themselves_to_head(login, users):
    staff = users["staff"]
    response = login(staff).post(
        reverse("users:edit", args=[staff.pk]), _data(username="staf", role="head")
    )
    staff.refresh_from_db()
    assert response.status_code == 403 and staff.role == User.Role.STAFF


@pytest.mark.parametrize("target", ["head", "admin", "staff"])
def test_staff_cannot_touch_district_accounts(login, users, target):
    url = reverse("users:edit", args=[users[target].pk])
    assert login(users["staff"]).get(url).status_code == 403


def test_the_user_list_links_only_to_accounts_one_may_edit(login, users):
    def linked(viewer):
        html = login(users[viewer]).get(reverse("users:list")).content.decode()
        return {
            name
            for name, account in users.items()
            if reverse("users:edit", args=[account.pk]) in html
        }

    operators = {name for name, u in users.items() if u.role in User.OPERATOR_ROLES}
    assert linked("staff") == operators  # no link that would answer 403
    assert linked("admin") == set(users)


def test_staff_can_only_grant_operator_desk_and_kecamatan_roles(login, users):
    form = login(users["staff"]).get(reverse("users:create")).context["form"]
    assert {value for value, _ in form.fields["role"].choices} - {""} == {
        "village",
        "agency",
        "desk",
        "kecamatan",
    }


def test_staff_moves_an_operator_to_another_village(login, users, units):
    operator = users["village"]
    login(users["staff"]).post(
        reverse("users:edit", args=[operator.pk]),
        _data(username=operator.username, unit=units["village_b"].pk),
    )
    operator.refresh_from_db()
    assert operator.unit == units["village_b"]


def test_staff_renames_a_unit(login, users, units):
    unit = units["agency"]
    login(users["staff"]).post(
        reverse("units:edit", args=[unit.pk]), {"kind": "agency", "name": "Dinas Perhubungan Kab."}
    )
    unit.refresh_from_db()
    assert unit.name == "Dinas Perhubungan Kab."


def test_only_administrators_enter_the_django_admin(client, users):
    staff = users["staff"]
    staff.is_staff = True
    staff.save()
    client.force_login(staff, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("admin:index")).status_code == 302


def test_nobody_can_add_a_reveal_record_by_hand(client, users):
    admin = users["admin"]
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("admin:households_idreveal_add")).status_code == 403


def test_editing_a_user_without_a_password_keeps_the_password(client, login, users):
    target = users["desk"]
    login(users["admin"]).post(
        reverse("users:edit", args=[target.pk]),
        _data(username="posko", role="desk"),
    )
    client.logout()
    response = client.post(reverse("login"), {"username": "posko", "password": PASSWORD})
    assert response.status_code == 302


def test_staff_adds_an_agency_unit(login, users):
    login(users["staff"]).post(reverse("units:list"), {"kind": "agency", "name": "Dinas Koperasi"})
    assert Unit.objects.get(name="Dinas Koperasi").region is None


def test_agency_unit_tied_to_a_village_is_refused(login, users, regions):
    desa = regions["desa_a"]
    response = login(users["staff"]).post(
        reverse("units:list"), {"kind": "agency", "name": "Dinas X", "region": desa.pk}
    )
    assert response.status_code == 200
    assert not Unit.objects.filter(name="Dinas X").exists()


def test_createsuperuser_makes_an_administrator(db):
    from django.core.management import call_command

    call_command("createsuperuser", username="it", email="", interactive=False, verbosity=0)
    assert User.objects.get(username="it").role == User.Role.ADMIN


def test_pages_name_a_person_by_name_as_the_files_do_else_by_login(users):
    staff = users["staff"]
    staff.first_name, staff.last_name = "Sri", "Lestari"
    assert str(staff) == "Sri Lestari"
    staff.first_name = staff.last_name = ""
    assert str(staff) == staff.username
