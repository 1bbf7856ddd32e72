"""Two-factor sign-in (TOTP, with django-otp): a code from an authenticator app on the phone
after the password, and ten recovery codes for a lost phone.

Required for the roles in TWO_FACTOR_REQUIRED_ROLES (administrators and the head by default),
offered to those in TWO_FACTOR_OPTIONAL_ROLES (administrators, the head, staff, the desk and
kecamatan staff by default);
village and agency operators sign in with a password only unless the office adds their roles.
`User.two_factor` says whether it is set up, so each change is in the account's history.
"""

from __future__ import annotations

import base64
import io

import django_otp
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.qr import write_qrcode_image

from households.models import User

RECOVERY_CODES = 10
APP_NAME = "Bansos"


def pending_device(user: User) -> TOTPDevice:
    """The authenticator being set up: a new secret until a code from it is confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=APP_NAME, confirmed=False)


def qr_image(device: TOTPDevice) -> str:
    """The QR code the authenticator app scans, as an SVG data address for an <img> (made
    here: no outside service sees the secret)."""
    out = io.BytesIO()
    write_qrcode_image(device.config_url, out)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


def secret(device: TOTPDevice) -> str:
    """The key for typing into an app by hand, in groups of four."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


@transaction.atomic
def confirm(request, device: TOTPDevice, token: str) -> list[str] | None:
    """Switch two-factor sign-in on when the code is right; returns the recovery codes (shown
    once), or None when the code is wrong."""
    if not device.verify_token(token.replace(" ", "")):
        return None
    user = request.user
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = new_recovery_codes(user)
    user.two_factor = True
    user.save(update_fields=["two_factor"])
    django_otp.login(request, device)
    return codes


def new_recovery_codes(user: User) -> list[str]:
    """Ten fresh recovery codes, each good once; the old ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def verify(request, token: str) -> bool:
    """The second step of signing in: a code from the app, or a recovery code."""
    token = token.strip().replace(" ", "").lower()
    user = request.user
    kind = TOTPDevice if token.isdigit() else StaticDevice
    for device in kind.objects.filter(user=user, confirmed=True):
        with transaction.atomic():
            if django_otp.verify_token(user, device.persistent_id, token):
                django_otp.login(request, device)
                return True
    return False


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def switch_off(user: User) -> None:
    """Remove the app and the recovery codes (a lost phone reset by an administrator, or a
    staff member who no longer wants it); the next sign-in asks to set it up again where the
    role requires it."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    user.two_factor = False
    user.save(update_fields=["two_factor"])
