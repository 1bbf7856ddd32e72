"""The demo's offices and logins: Dinsos, the villages and the agencies (OPD), a user of
every role."""

from __future__ import annotations

from accounts.units import create_kecamatan_units, create_village_units
from demo.base import (
    AGENCIES,
    OPERATOR_DESA,
    PASSWORD,
    USERS,
)
from households.models import Region, Unit, User


class Places:
    """Units and users (a part of demo.district._Demo)."""

    def units(self) -> dict[str, Unit]:
        create_village_units(Region.objects.filter(pk__in=[v.pk for v in self.villages]))
        create_kecamatan_units()
        units: dict = {
            "village": {u.region_id: u for u in Unit.objects.filter(region__in=self.villages)},
            "kecamatan": {u.region_id: u for u in Unit.objects.filter(kind=Unit.Kind.KECAMATAN)},
        }
        for name in AGENCIES:
            units[name], _created = Unit.objects.get_or_create(
                name=name, defaults={"kind": Unit.Kind.AGENCY}
            )
        return units

    def users(self, units: dict) -> tuple[dict[str, User], list[str]]:
        kecamatan, name = OPERATOR_DESA
        desa = (
            Region.objects.filter(parent__code=kecamatan, name=name, kind=Region.Kind.DESA).first()
            or Region.objects.filter(parent__code=kecamatan, kind=Region.Kind.DESA).first()
        )
        existing = {u.username: u for u in User.objects.filter(username__in=[u[0] for u in USERS])}
        users, kept = {}, []
        for username, role, unit_key, full_name in USERS:
            if username in existing:  # e.g. an admin made with createsuperuser: not ours to change
                users[username] = existing[username]
                kept.append(username)
                continue
            unit = units.get(unit_key)
            if unit_key in ("village", "kecamatan"):  # the operator's desa, or its kecamatan
                unit = units[unit_key][desa.pk if unit_key == "village" else desa.parent_id]
            first, last = full_name.split(" ", 1)
            if unit_key == "village":
                last = f"{last} {desa.name}"
            elif unit_key == "kecamatan":
                last = desa.parent.name
            user = User(username=username, role=role, unit=unit, first_name=first, last_name=last)
            user.is_staff = user.is_superuser = role == User.Role.ADMIN
            user.set_password(PASSWORD)
            user.full_clean()
            user.save()
            users[username] = user
        return users, kept
