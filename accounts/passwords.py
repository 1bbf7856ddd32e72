"""One-time passwords: made by the office for a new account or a forgotten password, shown or
printed once, never stored readable, and changed by their owner at the first sign-in."""

from __future__ import annotations

import secrets

from django.contrib.auth.password_validation import validate_password

from households.models import User

from .history import PASSWORD

# No 0/o, 1/l/i: read aloud or copied from a printed slip without doubt.
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
GROUPS, GROUP = 3, 4  # "k7qm-2xpa-9rtd"


def one_time_password() -> str:
    while True:
        groups = ["".join(secrets.choice(ALPHABET) for _ in range(GROUP)) for _ in range(GROUPS)]
        if any(c.isdigit() for c in "".join(groups)) and any(c.isalpha() for c in "".join(groups)):
            return "-".join(groups)


def give_one_time_password(user: User, *, save: bool = True) -> str:
    """Set a new one-time password on the account and return it, the only time it is
    readable; the user must choose their own at the next sign-in."""
    password = one_time_password()
    validate_password(password, user)
    user.set_password(password)
    user.must_change_password = True
    user._change_reason = PASSWORD  # the account's history says a password was set
    if save:
        user.save()
    return password
