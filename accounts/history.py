"""An account's history as the office reads it: when, who, what changed from what to what."""

from __future__ import annotations

from dataclasses import dataclass

from django.template.defaultfilters import yesno

from households.models import Unit, User

# The fields a reader of the history cares about, in this order.
NONE = "\u2013"  # an en dash, as the pages show nothing
WATCHED = (
    "username",
    "role",
    "unit",
    "is_active",
    "must_change_password",
    "two_factor",
    "email",
    "first_name",
    "last_name",
)


@dataclass
class Change:
    when: object
    by: User | None
    kind: str  # created, changed, deleted
    fields: list[tuple[str, str, str]]  # (label, before, after)


def changes(records) -> list[Change]:
    """Newest first, from simple_history's records of one user (newest first)."""
    records = list(records)
    units = {
        u.pk: str(u) for u in Unit.objects.filter(pk__in={r.unit_id for r in records if r.unit_id})
    }
    out = []
    for newer, older in zip(records, [*records[1:], None], strict=False):
        if older is None or newer.history_type != "~":
            kind = {"+": "created", "-": "deleted"}.get(newer.history_type, "changed")
            out.append(Change(newer.history_date, newer.history_user, kind, []))
            continue
        fields = []
        for field in WATCHED:
            before, after = getattr(older, _attname(field)), getattr(newer, _attname(field))
            if before != after:
                fields.append(
                    (_label(field), _show(field, before, units), _show(field, after, units))
                )
        kind = "changed" if fields else "password"
        out.append(Change(newer.history_date, newer.history_user, kind, fields))
    return out


def _attname(field: str) -> str:
    return "unit_id" if field == "unit" else field


def _label(field: str) -> str:
    return str(User._meta.get_field(field).verbose_name)


def _show(field: str, value, units: dict) -> str:
    if field == "unit":
        return units.get(value, NONE)
    if field == "role":
        return str(User.Role(value).label) if value else NONE
    if isinstance(value, bool):
        return yesno(value)
    return str(value or NONE)
