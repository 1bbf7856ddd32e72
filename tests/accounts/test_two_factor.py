"""Two-factor sign-in: required of administrators and the head, offered to staff, a code from
an authenticator app after the password, ten recovery codes for a lost phone, and every change
to it in the account's history."""

import re
import time

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def required(settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = ["admin", "head"]


@pytest.fixture
def no_pause(settings):
    """A wrong code makes the next try wait a second, doubling each time (tested on its own
    below); these tests type a wrong code, then the right one at once."""
    settings.OTP_TOTP_THROTTLE_FACTOR = settings.OTP_STATIC_THROTTLE_FACTOR = 0


def code(device: TOTPDevice, steps_later: int = 0) -> str:
    """What the phone's app shows now (or `steps_later` periods of 30 s from now)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_later * device.step
    return f"{totp.token():06d}"


def sign_in(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def set_up(client, user) -> list[str]:
    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=user)
    shown = client.post(reverse("two_factor_setup"), {"code": code(device)})
    return shown.context["codes"]


def test_an_administrator_must_set_it_up_before_anything_else(client, users, required, no_pause):
    admin = users["admin"]
    sign_in(client, admin)
    assert client.get(reverse("users:list"))["Location"] == reverse("two_factor_setup")
    page = client.get(reverse("two_factor_setup"))
    html = page.content.decode()
    assert 'src="data:image/svg+xml;base64,' in html  # the QR code, made here
    assert re.search(r"[A-Z2-7]{4} [A-Z2-7]{4}", html)  # the key to type by hand

    wrong = client.post(reverse("two_factor_setup"), {"code": "000000"})
    assert "codes" not in wrong.context and wrong.context["form"].errors
    codes = set_up(client, admin)
    assert len(codes) == len(set(codes)) == 10
    assert client.get(reverse("users:list")).status_code == 200
    admin.refresh_from_db()
    assert admin.two_factor
    switched_on = admin.history.latest()
    assert switched_on.two_factor and switched_on.history_user == admin


def test_after_the_password_the_code_is_asked_before_any_page(client, users, required, no_pause):
    head = users["head"]
    sign_in(client, head)
    set_up(client, head)
    client.logout()

    landed = sign_in(client, head)
    assert client.get(landed["Location"])["Location"] == reverse("two_factor_verify")
    for url in (reverse("households:list"), reverse("password_change"), reverse("home")):
        assert client.get(url)["Location"] == reverse("two_factor_verify")
    refused = client.post(reverse("two_factor_verify"), {"code": "123456"})
    assert refused.context["form"].errors
    device = TOTPDevice.objects.get(user=head)
    done = client.post(reverse("two_factor_verify"), {"code": code(device, steps_later=1)})
    assert done["Location"] == reverse("home")
    assert client.get(reverse("households:list")).status_code == 200


def test_guessing_codes_is_slowed_down(client, users, required):
    head = users["head"]
    sign_in(client, head)
    set_up(client, head)
    client.logout()
    sign_in(client, head)
    device = TOTPDevice.objects.get(user=head)
    for _ in range(3):
        client.post(reverse("two_factor_verify"), {"code": "000000"})
    # Even the right code waits out the pause that wrong guesses earned.
    right = client.post(reverse("two_factor_verify"), {"code": code(device, steps_later=1)})
    assert right.status_code == 200 and right.context["form"].errors


def test_a_recovery_code_signs_in_once(client, users, required, no_pause):
    admin = users["admin"]
    sign_in(client, admin)
    codes = set_up(client, admin)
    client.logout()

    sign_in(client, admin)
    assert client.post(reverse("two_factor_verify"), {"code": codes[0]})["Location"] == "/"
    client.logout()
    sign_in(client, admin)
    again = client.post(reverse("two_factor_verify"), {"code": codes[0]})
    assert again.status_code == 200 and again.context["form"].errors
    assert client.post(reverse("two_factor_verify"), {"code": codes[1]}).status_code == 302


def test_staff_may_choose_it_and_switch_it_off_but_the_head_may_not(client, login, users, required):
    staff = users["staff"]
    sign_in(client, staff)
    assert client.get(reverse("households:list")).status_code == 200  # not forced on staff
    set_up(client, staff)
    client.post(reverse("two_factor_off"))
    staff.refresh_from_db()
    assert not staff.two_factor and not TOTPDevice.objects.filter(user=staff).exists()

    client.logout()
    head = users["head"]
    sign_in(client, head)
    set_up(client, head)
    assert client.post(reverse("two_factor_off")).status_code == 403
    head.refresh_from_db()
    assert head.two_factor


def test_operators_are_not_offered_it_unless_the_office_adds_their_role(login, users, settings):
    operator = login(users["village"])
    assert operator.get(reverse("two_factor_setup")).status_code == 403
    settings.TWO_FACTOR_REQUIRED_ROLES = ["admin", "head", "village"]
    assert operator.get(reverse("households:list"))["Location"] == reverse("two_factor_setup")


def test_an_administrator_resets_a_lost_phone_and_it_is_recorded(client, login, users):
    staff = users["staff"]
    sign_in(client, staff)
    set_up(client, staff)
    login(users["admin"]).post(reverse("users:two_factor_reset", args=[staff.pk]))
    staff.refresh_from_db()
    assert not staff.two_factor and not TOTPDevice.objects.filter(user=staff).exists()
    reset = staff.history.latest()
    assert reset.history_user == users["admin"] and not reset.two_factor
    page = login(users["admin"]).get(reverse("users:edit", args=[staff.pk])).content.decode()
    assert "Verifikasi dua langkah: ya → tidak" in page


def test_staff_may_not_reset_the_heads_two_factor(client, login, users, required):
    head = users["head"]
    sign_in(client, head)
    set_up(client, head)
    response = login(users["staff"]).post(reverse("users:two_factor_reset", args=[head.pk]))
    assert response.status_code == 403
    head.refresh_from_db()
    assert head.two_factor
