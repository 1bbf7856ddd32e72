"""Managing users and units in the browser."""

import pytest
from django.urls import reverse

from households.models import Unit, User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Sindur-jan-2026!"


def _data(**overrides):
    data = {
        "username": "op.baru",
        "first_name": "Sri",
        "last_name": "Lestari",
        "email": "",
        "role": "village",
        "unit": "",
        "is_active": "on",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    return {**data, **overrides}


def test_staff_creates_a_village_operator_who_can_log_in(client, login, users, units):
    login(users["staff"]).post(reverse("users:create"), _data(unit=units["village_a"].pk))
    client.logout()
    assert User.objects.get(username="op.baru").unit == units["village_a"]
    response = client.post(reverse("login"), {"username": "op.baru", "password": NEW_PASSWORD})
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
def test_other_roles_cannot_manage_users(login, users, role):
    assert login(users[role]).get(reverse("users:list")).status_code in (302, 403)
    assert not User.objects.filter(username="op.baru").exists()


def test_editing_a_user_without_a_password_keeps_the_password(client, login, users):
    target = users["desk"]
    login(users["admin"]).post(
        reverse("users:edit", args=[target.pk]),
        _data(username="posko", role="desk", password1="", password2=""),
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
