"""The demo's offices and logins: Dinsos, the villages and the agencies (OPD), a user of
every role."""

from __future__ import annotations

from collections import Counter

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
        existing = {u.region_id: u for u in Unit.objects.filter(region__in=self.villages)}
        names = set(Unit.objects.values_list("name", flat=True))
        shared = {n for n, times in Counter(v.name for v in self.villages).items() if times > 1}
        new = []
        for village in self.villages:
            if village.pk in existing:
                continue
            name = f"{village.get_kind_display().title()} {village.name}"
            if village.name in shared or name in names:  # Purworejo has 23 names twice
                name = f"{name} (Kec. {village.parent.name})"
            names.add(name)
            new.append(Unit(kind=Unit.Kind.VILLAGE, name=name, region=village))
        Unit.objects.bulk_create(new)
        units: dict = {
            "village": {u.region_id: u for u in Unit.objects.filter(region__in=self.villages)}
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
            unit = units["village"][desa.pk] if unit_key == "village" else units.get(unit_key)
            first, last = full_name.split(" ", 1)
            if unit_key == "village":
                last = f"{last} {desa.name}"
            user = User(username=username, role=role, unit=unit, first_name=first, last_name=last)
            user.is_staff = user.is_superuser = role == User.Role.ADMIN
            user.set_password(PASSWORD)
            user.full_clean()
            user.save()
            users[username] = user
        return users, kept
