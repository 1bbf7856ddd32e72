"""What changed on a roster: when a version becomes active, its families are compared with the
version it replaced (dedup/engine/changes.py), and each change is stored with the desa it
counts under. Safe to run again: a version's changes are replaced whole."""

from __future__ import annotations

import itertools
import logging

from django.db import transaction
from django.db.models import Q

from bansos.memory import without_cycle_collection
from dedup.engine.changes import MOVED, Family, compare
from households.models import Household, Member, Region
from programs.models import Program, RosterRow, RosterVersion

from .models import RosterChange

logger = logging.getLogger(__name__)
CHUNK = 10_000
FIELDS = ("id", "no_kk", "nik", "desil", "desa_id")


def on_activated(sender, version: RosterVersion, replaced: RosterVersion | None, **kwargs) -> None:
    """programs.models.roster_activated: compare in the background once the version is live."""
    if replaced is None or version.program.screens_out:
        return  # an exclusion list is screened against, not followed family by family
    from . import tasks  # tasks imports this module

    transaction.on_commit(lambda: tasks.compare_roster.delay(version.pk, replaced.pk))


def families(version: RosterVersion) -> list[Family]:
    rows = RosterRow.objects.filter(version=version).order_by("row_number").values_list(*FIELDS)
    return [Family(pk, kk, nik, desil, desa) for pk, kk, nik, desil, desa in rows.iterator(CHUNK)]


@without_cycle_collection()
def compare_versions(version: RosterVersion, replaced: RosterVersion) -> dict[str, int]:
    """Store the changes from `replaced` to `version`; returns how many of each kind."""
    changes = compare(families(replaced), families(version))
    moved = {c.before for c in changes if c.kind == MOVED} | {
        c.after for c in changes if c.kind == MOVED
    }
    names = {pk: region.name for pk, region in Region.objects.in_bulk(moved).items()}

    def shown(kind: str, value) -> str:
        if value is None:
            return ""
        return names.get(value, str(value)) if kind == MOVED else str(value)

    made = (
        RosterChange(
            version=version,
            replaced=replaced,
            kind=change.kind,
            old_row_id=change.old.key if change.old else None,
            new_row_id=change.new.key if change.new else None,
            desa_id=(change.new or change.old).place,
            before=shown(change.kind, change.before),
            after=shown(change.kind, change.after),
        )
        for change in changes
    )
    died = deaths(version, replaced)
    with transaction.atomic():
        RosterChange.objects.filter(version=version).delete()
        while chunk := list(itertools.islice(made, CHUNK)):
            RosterChange.objects.bulk_create(chunk)
        RosterChange.objects.bulk_create(died, batch_size=CHUNK)
    counts: dict[str, int] = {}
    for change in [*changes, *died]:
        counts[change.kind] = counts.get(change.kind, 0) + 1
    logger.debug("roster version %s against %s: %s", version.pk, replaced.pk, counts)
    return counts


def deaths(version: RosterVersion, replaced: RosterVersion) -> list[RosterChange]:
    """Families of the new version one of whose people died: on the civil registry's deaths
    list (an active exclusion list of deaths) or marked died in the household (a visit, a
    member's page). A roster carries one row a family, so deaths come from the people the
    office knows, matched to the roster by the head's NIK or the No. KK."""
    registry = RosterRow.objects.active().filter(
        version__program__screens_out=Program.Exclusion.DEATH
    )
    dead_niks = registry.exclude(nik="").values("nik")
    people = [
        *Member.objects.filter(Q(nik__in=dead_niks) | Q(status=Member.Status.DIED)).values_list(
            "household__head_nik", "household__no_kk", "name"
        ),
        *Household.objects.filter(
            Q(head_nik__in=dead_niks) | Q(status=Household.Status.DIED)
        ).values_list("head_nik", "no_kk", "head_name"),
    ]
    who: dict[str, str] = {}
    for nik, kk, name in people:
        who.setdefault(nik, name)
        who.setdefault(kk, name)
    # Reported on the version before already: a death is news once.
    reported = set()
    before = RosterChange.objects.filter(version=replaced, kind=RosterChange.Kind.DIED)
    for nik, kk, name in before.values_list("new_row__nik", "new_row__no_kk", "after"):
        reported |= {(number, name) for number in (nik, kk) if number}
    found: dict[int, RosterChange] = {}
    numbers = sorted(who)
    for start in range(0, len(numbers), 5000):  # under the database's parameter limit
        part = numbers[start : start + 5000]
        rows = RosterRow.objects.filter(version=version).filter(Q(nik__in=part) | Q(no_kk__in=part))
        for pk, nik, kk, desa in rows.values_list("pk", "nik", "no_kk", "desa_id"):
            name = (who.get(nik) or who.get(kk) or "")[:40]
            if (nik, name) in reported or (kk, name) in reported:
                continue
            found.setdefault(
                pk,
                RosterChange(
                    version=version,
                    replaced=replaced,
                    kind=RosterChange.Kind.DIED,
                    new_row_id=pk,
                    desa_id=desa,
                    after=name,
                ),
            )
    return list(found.values())
