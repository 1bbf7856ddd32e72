"""The ready rows of a checked accounts file become accounts, each with a one-time password
that exists only in the answer that prints the slips."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from households.models import User

from .models import AccountImport
from .passwords import give_one_time_password


@dataclass
class Slip:
    account: User
    password: str
    group: str  # the kecamatan, "OPD" or "Dinsos": the slips are handed out group by group
    place: str  # the desa or agency


class AlreadyConfirmed(Exception):
    """The file's accounts were created before (a second click, another tab)."""


@transaction.atomic
def create_accounts(record_pk: int, by: User) -> list[Slip]:
    """Create the ready rows' accounts, each with a one-time password. The roles are checked
    again for `by`, who confirms: staff never create an administrator's or the head's account,
    whoever uploaded the file."""
    record = AccountImport.objects.select_for_update().get(pk=record_pk)
    if record.status != AccountImport.Status.CHECKED:
        raise AlreadyConfirmed
    taken = {name.casefold() for name in User.objects.values_list("username", flat=True)}
    made: list[tuple[User, str]] = []
    for row in record.rows:
        fields = row["account"]
        if not fields:
            continue
        refusal = None
        if not by.may_grant(fields["role"]):
            refusal = _("Only an administrator creates %(role)s accounts.") % {
                "role": User.Role(fields["role"]).label
            }
        elif fields["username"].casefold() in taken:  # made by hand since the file was checked
            refusal = _("%(username)s already has an account.") % {"username": fields["username"]}
        if refusal:
            row["account"] = None
            row["problems"].append([None, refusal])
            continue
        taken.add(fields["username"].casefold())
        account = User(
            username=fields["username"],
            first_name=fields["first_name"],
            role=fields["role"],
            unit_id=fields["unit"],
            email=fields["email"],
            phone=fields["phone"],
        )
        made.append((account, give_one_time_password(account)))
    record.status = AccountImport.Status.DONE
    record.confirmed_at = timezone.now()
    record.save(update_fields=["status", "confirmed_at", "rows"])
    record.accounts.set([account for account, _password in made])
    return slips(made)


def slips(made: list[tuple[User, str]]) -> list[Slip]:
    """One per person, grouped by kecamatan then desa (agencies, then Dinsos, after them)."""
    accounts = User.objects.select_related("unit__region__parent").in_bulk(
        [account.pk for account, _password in made]
    )
    out = []
    for account, password in made:
        account = accounts[account.pk]
        unit = account.unit
        if unit is not None and unit.kind == unit.Kind.KECAMATAN:
            group, place = unit.region.name, unit.name
        elif unit is not None and unit.region_id:
            group, place = unit.region.parent.name, unit.region.name
        elif unit is not None:
            group, place = "OPD", unit.name
        else:
            group, place = "Dinsos", str(account.get_role_display())
        out.append(Slip(account, password, group, place))
    order = {"OPD": 1, "Dinsos": 2}
    out.sort(key=lambda s: (order.get(s.group, 0), s.group, s.place, s.account.first_name))
    return out
