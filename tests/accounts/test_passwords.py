"""Passwords people can change and recover: a one-time password from the office, changed at the
first sign-in; a reset link by e-mail; an account switched off ends its sessions at once; and
every change to an account kept in its history, with who and when."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from households.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

MINE = "Sawah-Luas-2026!"


def _new_operator(client, users, units) -> tuple[User, str]:
    client.force_login(users["staff"], backend="django.contrib.auth.backends.ModelBackend")
    shown = client.post(
        reverse("users:create"),
        {
            "username": "op.baru",
            "first_name": "Sri",
            "last_name": "Lestari",
            "email": "sri@example.id",
            "role": "village",
            "unit": units["village_a"].pk,
            "is_active": "on",
        },
    )
    client.logout()
    password = shown.context["password"]
    assert password in shown.content.decode()  # shown once, on the answer to the POST
    return User.objects.get(username="op.baru"), password


def test_a_one_time_password_is_shown_once_and_never_kept_readable(client, users, units):
    account, password = _new_operator(client, users, units)
    assert re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", password)
    assert account.check_password(password)
    kept = [str(value) for value in User.objects.filter(pk=account.pk).values().get().values()]
    kept += [str(r) for r in account.history.values_list()]
    assert not [value for value in kept if password in value]
    assert account.must_change_password
    client.force_login(users["staff"], backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(reverse("users:edit", args=[account.pk])).content.decode()
    assert password not in page


def test_the_first_sign_in_leads_only_to_choosing_ones_own_password(client, users, units):
    account, password = _new_operator(client, users, units)
    signed_in = client.post(
        reverse("login"), {"username": "op.baru", "password": password}, follow=True
    )
    assert signed_in.redirect_chain[-1][0] == reverse("password_change")
    assert "Anda masuk dengan kata sandi sekali pakai" in signed_in.content.decode()
    for url in (reverse("households:list"), reverse("programs:batches"), reverse("home")):
        assert client.get(url)["Location"] == reverse("password_change")

    same = client.post(
        reverse("password_change"),
        {"old_password": password, "new_password1": password, "new_password2": password},
    )
    assert "Pilih kata sandi Anda sendiri" in same.content.decode()  # the slip's stops working
    weak = client.post(
        reverse("password_change"),
        {"old_password": password, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert weak.status_code == 200  # Django's rules, explained in Indonesian
    assert "Kata sandi ini terlalu umum." in weak.content.decode()

    done = client.post(
        reverse("password_change"),
        {"old_password": password, "new_password1": MINE, "new_password2": MINE},
        follow=True,
    )
    assert done.status_code == 200
    account.refresh_from_db()
    assert not account.must_change_password
    assert account.check_password(MINE)
    assert client.get(reverse("households:list")).status_code == 200


def test_an_administrator_gives_a_new_one_time_password_and_the_old_one_stops(client, login, users):
    operator = users["village"]
    shown = login(users["admin"]).post(reverse("users:password", args=[operator.pk]))
    password = shown.context["password"]
    client.logout()
    old = client.post(reverse("login"), {"username": operator.username, "password": PASSWORD})
    assert old.status_code == 200  # refused: the form again
    new = client.post(reverse("login"), {"username": operator.username, "password": password})
    assert new["Location"] == reverse("home")
    assert client.get(reverse("home"))["Location"] == reverse("password_change")


def test_staff_may_not_reset_an_administrators_password_nor_anyone_their_own(login, users):
    staff = login(users["staff"])
    assert staff.post(reverse("users:password", args=[users["admin"].pk])).status_code == 403
    assert staff.post(reverse("users:password", args=[users["staff"].pk])).status_code == 403
    assert users["admin"].__class__.objects.get(pk=users["admin"].pk).check_password(PASSWORD)


def test_a_forgotten_password_is_reset_through_a_link_by_email(client, users):
    operator = users["village"]
    operator.email = "op@sindurjan.desa.id"
    operator.must_change_password = True
    operator.save()
    sent = client.post(reverse("password_reset"), {"email": "op@sindurjan.desa.id"}, follow=True)
    assert sent.status_code == 200
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["op@sindurjan.desa.id"]
    assert "Bansos" in message.subject
    link = re.search(r"https?://[^/\s]+(/password/reset/\S+/)", message.body).group(1)
    form = client.get(link, follow=True)
    assert form.context["validlink"]
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": MINE, "new_password2": MINE}, follow=True
    )
    assert done.redirect_chain[-1][0] == reverse("password_reset_complete")
    operator.refresh_from_db()
    assert operator.check_password(MINE)
    assert not operator.must_change_password  # chosen by its owner
    assert client.get(link, follow=True).context["validlink"] is False  # used once


def test_an_unknown_address_gets_no_mail_and_the_same_answer(client, users):
    known = client.post(reverse("password_reset"), {"email": "nobody@example.id"}, follow=True)
    assert known.redirect_chain[-1][0] == reverse("password_reset_done")
    assert mail.outbox == []


def test_switching_an_account_off_ends_its_sessions_at_once(client, login, users):
    operator = users["village"]
    client.force_login(operator, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("households:list")).status_code == 200
    operator.is_active = False
    operator.save()
    response = client.get(reverse("households:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_user_cannot_switch_themselves_off_or_change_their_own_role(login, users):
    admin = users["admin"]
    saved = login(admin).post(
        reverse("users:edit", args=[admin.pk]),
        {"username": "admin", "first_name": "Adi", "last_name": "", "email": "", "phone": "",
         "role": "staff"},
    )  # fmt: skip
    assert saved.status_code == 302  # saved, the other fields taken
    admin.refresh_from_db()
    assert admin.first_name == "Adi"
    assert admin.is_active and admin.role == User.Role.ADMIN


def test_role_unit_and_active_changes_are_kept_with_who_and_when(login, users, units):
    operator = users["village"]
    client = login(users["admin"])
    data = {
        "username": operator.username,
        "first_name": "Op",
        "last_name": "",
        "email": "",
        "role": "village",
        "unit": units["village_b"].pk,
        "is_active": "on",
    }
    client.post(reverse("users:edit", args=[operator.pk]), data)
    client.post(reverse("users:edit", args=[operator.pk]), {**data, "is_active": ""})
    moved, switched_off = operator.history.order_by("history_date")[1:3]
    assert moved.history_user == users["admin"]
    assert moved.unit_id == units["village_b"].pk
    assert switched_off.is_active is False and switched_off.history_user == users["admin"]
    page = client.get(reverse("users:edit", args=[operator.pk])).content.decode()
    assert "Kelurahan Sindurjan → Desa Harjobinangun" in page
    assert "Aktif: ya → tidak" in page or "aktif: ya → tidak" in page.lower()


def test_signing_in_adds_no_line_to_the_history(client, users):
    operator = users["village"]
    before = operator.history.count()
    client.post(reverse("login"), {"username": operator.username, "password": PASSWORD})
    operator.refresh_from_db()
    assert operator.last_login is not None
    assert operator.history.count() == before


def test_the_history_shows_a_phone_change_and_a_password_set_and_nothing_for_an_empty_save(
    login, users
):
    operator = users["village"]
    client = login(users["admin"])
    data = {
        "username": operator.username, "first_name": "Op", "last_name": "", "email": "",
        "phone": "", "role": "village", "unit": operator.unit_id, "is_active": "on",
    }  # fmt: skip
    client.post(reverse("users:edit", args=[operator.pk]), data)  # first name only
    client.post(reverse("users:edit", args=[operator.pk]), data)  # nothing changed
    client.post(reverse("users:edit", args=[operator.pk]), {**data, "phone": "081234567890"})
    client.post(reverse("users:password", args=[operator.pk]))
    history = client.get(reverse("users:edit", args=[operator.pk])).context["history"]
    assert [(c.kind, c.password, [f[0] for f in c.fields]) for c in history][:3] == [
        ("changed", True, ["wajib memilih kata sandi baru saat masuk berikutnya"]),
        ("changed", False, ["telepon"]),
        ("changed", False, ["nama depan"]),
    ]
