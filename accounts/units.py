"""The office's units in bulk: one per desa, kelurahan and kecamatan of the loaded regions,
and the agencies (OPD) from a list. Both add only what is missing, so running them again is safe."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db import transaction
from django.db.models import QuerySet

from households.models import Region, Unit


def village_unit_name(village: Region, repeated: set[str]) -> str:
    """`Desa Kaliboto`, as Kemendagri names it; with its kecamatan where the district has the
    name twice (Purworejo has 23 such names), as unit names are unique."""
    name = f"{village.get_kind_display().title()} {village.name}"
    if village.name in repeated:
        name = f"{name} (Kec. {village.parent.name})"
    return name


@transaction.atomic
def create_village_units(villages: QuerySet[Region] | None = None) -> list[Unit]:
    """A unit for each village (every loaded desa and kelurahan by default) that has none;
    returns the units made."""
    if villages is None:
        villages = Region.objects.filter(level=Region.Level.VILLAGE)
    villages = villages.filter(unit__isnull=True).select_related("parent").order_by("code")
    repeated = {
        name
        for name, times in Counter(
            Region.objects.filter(level=Region.Level.VILLAGE).values_list("name", flat=True)
        ).items()
        if times > 1
    }
    taken = set(Unit.objects.values_list("name", flat=True))
    new = []
    for village in villages:
        name = village_unit_name(village, repeated)
        if name in taken:  # an agency, or a unit typed by hand, already has the name
            name = village_unit_name(village, repeated | {village.name})
        taken.add(name)
        new.append(Unit(kind=Unit.Kind.VILLAGE, name=name, region=village))
    return Unit.objects.bulk_create(new)


@transaction.atomic
def create_kecamatan_units() -> list[Unit]:
    """A unit for each loaded kecamatan that has none (for its staff, who see all its
    villages); returns the units made."""
    kecamatan = Region.objects.filter(level=Region.Level.DISTRICT)
    repeated = {
        name
        for name, times in Counter(kecamatan.values_list("name", flat=True)).items()
        if times > 1
    }
    taken = set(Unit.objects.values_list("name", flat=True))
    new = []
    for region in kecamatan.filter(unit__isnull=True).select_related("parent").order_by("code"):
        name = f"Kecamatan {region.name}"
        if region.name in repeated or name in taken:
            name = f"{name} ({region.parent.name})"
        taken.add(name)
        new.append(Unit(kind=Unit.Kind.KECAMATAN, name=name, region=region))
    return Unit.objects.bulk_create(new)


def add_agencies(names: Iterable[str]) -> tuple[list[str], list[str]]:
    """Agencies by name, one each (blank lines and repeats ignored); returns the names added
    and those the office already had."""
    wanted: dict[str, str] = {}  # folded -> as first written
    for name in names:
        tidy = " ".join(name.split())
        if tidy:
            wanted.setdefault(tidy.casefold(), tidy)
    have = {name.casefold(): name for name in Unit.objects.values_list("name", flat=True)}
    added, kept = [], []
    for name in wanted.values():
        if name.casefold() in have:
            kept.append(have[name.casefold()])
            continue
        Unit.objects.create(kind=Unit.Kind.AGENCY, name=name)
        have[name.casefold()] = name
        added.append(name)
    return added, kept
