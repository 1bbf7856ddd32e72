"""An account's history as the office reads it: when, who, what changed from what to what."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

from django.template.defaultfilters import yesno

from households.models import Unit, User

NONE = "\u2013"  # an en dash, as the pages show nothing
# The fields a reader of the history cares about, in this order (never the password's hash).
WATCHED = (
    "username",
    "role",
    "unit",
    "is_active",
    "is_staff",
    "is_superuser",
    "must_change_password",
    "two_factor",
    "email",
    "phone",
    "first_name",
    "last_name",
)
PASSWORD = "password"  # the change reason of a save that set a password (`_change_reason`)


@dataclass
class Change:
    when: object
    by: User | None
    kind: str  # created, changed, deleted
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (label, before, after)
    password: bool = False  # a new password was set


def changes(records, limit: int = 50) -> list[Change]:
    """The account's last `limit` changes, newest first, from simple_history's records (newest
    first). A save that changed nothing the office reads is left out."""
    records = list(records[: limit + 1])  # one more: the oldest shown is compared with it
    units = {
        u.pk: str(u) for u in Unit.objects.filter(pk__in={r.unit_id for r in records if r.unit_id})
    }
    out = []
    for newer, older in pairwise([*records, None]):
        if len(out) == limit:
            break
        if newer.history_type == "+":
            out.append(Change(newer.history_date, newer.history_user, "created"))
            continue
        if newer.history_type == "-":
            out.append(Change(newer.history_date, newer.history_user, "deleted"))
            continue
        if older is None:  # the oldest record at hand: nothing to compare it with
            break
        fields = [
            (_label(name), _show(name, before, units), _show(name, after, units))
            for name in WATCHED
            if (before := getattr(older, _attname(name)))
            != (after := getattr(newer, _attname(name)))
        ]
        password = newer.history_change_reason == PASSWORD
        if fields or password:
            out.append(Change(newer.history_date, newer.history_user, "changed", fields, password))
    return out


def _attname(name: str) -> str:
    return "unit_id" if name == "unit" else name


def _label(name: str) -> str:
    return str(User._meta.get_field(name).verbose_name)


def _show(name: str, value, units: dict) -> str:
    if name == "unit":
        return units.get(value, NONE)
    if name == "role":
        return str(User.Role(value).label) if value else NONE
    if isinstance(value, bool):
        return yesno(value)
    return str(value or NONE)
