"""Families of a round that a new roster puts in doubt: those that left a roster since (its
active version's comparison says "left"), and those whose desil now stands above the round's
limit. Flagged on the round's page, never moved by themselves."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from households.models import User
from programs.models import AllocationRound, RosterRow, RosterVersion

from .models import RosterChange

PART = 5000  # numbers per query, under the database's parameter limit


def _by_number(round_: AllocationRound) -> dict[str, object]:
    allocations = round_.allocations.select_related("household", "target", "household__desa")
    found = {}
    for allocation in allocations:
        found[allocation.household.head_nik] = allocation
        found[allocation.household.no_kk] = allocation
    return found


def _rows(rows, numbers: list[str]):
    for start in range(0, len(numbers), PART):
        part = numbers[start : start + PART]
        yield from rows.filter(Q(nik__in=part) | Q(no_kk__in=part))


def flagged(round_: AllocationRound) -> dict[str, list[tuple]]:
    """{"left": [(allocation, roster row, programme code)], "desil": [(allocation, row)]}."""
    holders = _by_number(round_)
    numbers = sorted(n for n in holders if n)
    left_ids = dict(
        RosterChange.objects.filter(
            kind=RosterChange.Kind.LEFT, version__status=RosterVersion.Status.ACTIVE
        ).values_list("old_row_id", "version__program__code")
    )
    left = []
    if left_ids:
        rows = RosterRow.objects.filter(pk__in=left_ids)
        for row in _rows(rows, numbers):
            allocation = holders.get(row.nik) or holders.get(row.no_kk)
            left.append((allocation, row, left_ids[row.pk]))
    desil = []
    if round_.desil_limit:
        rows = RosterRow.objects.active().filter(
            version__program__carries_desil=True, desil__gt=round_.desil_limit
        )
        seen = set()
        for row in _rows(rows, numbers):
            allocation = holders.get(row.nik) or holders.get(row.no_kk)
            if allocation.pk not in seen:
                seen.add(allocation.pk)
                desil.append((allocation, row))
    return {"left": left, "desil": desil}


def round_notices(sender, round: AllocationRound, user: User, **kwargs) -> list[dict]:
    """programs.models.round_notices: the families a new roster puts in doubt."""
    if not user.sees_all_proposals or not round.allocations.exists():
        return []
    found = flagged(round)
    url = reverse("verification:round_flags", args=[round.pk])
    notices = []
    if found["left"]:
        text = _("%(n)s families of this round have left a roster since.") % {
            "n": len(found["left"])
        }
        notices.append({"text": text, "url": url, "level": "warning"})
    if found["desil"]:
        text = _("%(n)s families now stand above the round's desil %(limit)s.") % {
            "n": len(found["desil"]),
            "limit": round.desil_limit,
        }
        notices.append({"text": text, "url": url, "level": "warning"})
    if not notices:
        text = _("No family of this round has left a roster or risen above its desil limit.")
        notices.append({"text": text, "url": url, "level": "info"})
    return notices
