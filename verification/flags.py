"""Families of a round that a new roster puts in doubt: those that left a roster since (its
active version's comparison says "left"), and those whose desil now stands above the round's
limit. Flagged on the round's page, never moved by themselves."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from households.models import Household, User
from programs.models import Allocation, AllocationRound, RosterRow, RosterVersion

from .models import RosterChange


def _rows_of_round(rows, round_: AllocationRound):
    """The roster rows carrying the head's NIK or the No. KK of a family of the round, matched
    in the database: a round of 71,000 families never comes into Python to be looked up."""
    households = Household.objects.filter(allocations__round=round_)
    return rows.filter(
        Q(nik__in=households.values("head_nik")) | Q(no_kk__in=households.values("no_kk"))
    )


def _named_by(round_: AllocationRound, rows):
    """The round's allocations of the families these rows name (subqueries, no id lists)."""
    return round_.allocations.filter(
        Q(household__head_nik__in=rows.exclude(nik="").values("nik"))
        | Q(household__no_kk__in=rows.exclude(no_kk="").values("no_kk"))
    )


def _left_rows():
    """The rows of the versions that active versions replaced, of the families that left."""
    left = RosterChange.objects.filter(
        kind=RosterChange.Kind.LEFT, version__status=RosterVersion.Status.ACTIVE
    )
    return RosterRow.objects.filter(pk__in=left.values("old_row_id"))


def _desil_rows(round_: AllocationRound):
    return RosterRow.objects.active().filter(
        version__program__carries_desil=True, desil__gt=round_.desil_limit
    )


def counts(round_: AllocationRound) -> dict[str, int]:
    """How many of the round's families each flag holds: counted in the database, for the
    round's page (each view of it)."""
    found = {"left": _named_by(round_, _left_rows()).count(), "desil": 0}
    if round_.desil_limit:
        found["desil"] = _named_by(round_, _desil_rows(round_)).count()
    return found


def flagged(round_: AllocationRound) -> dict[str, list[tuple]]:
    """{"left": [(allocation, roster row, programme code)], "desil": [(allocation, row)]}."""
    left_rows = list(_rows_of_round(_left_rows(), round_).select_related("version__program"))
    desil_rows = list(_rows_of_round(_desil_rows(round_), round_)) if round_.desil_limit else []
    holders: dict[str, Allocation] = {}
    for query in [_named_by(round_, _left_rows())] + (
        [_named_by(round_, _desil_rows(round_))] if round_.desil_limit else []
    ):
        for allocation in query.select_related("household__desa", "target"):
            holders[allocation.household.no_kk] = allocation
            holders[allocation.household.head_nik] = allocation  # the head's own NIK first

    def holder(row: RosterRow) -> Allocation:
        return holders.get(row.nik) or holders[row.no_kk]

    # A left row belongs to the version it left; the code named is the programme's.
    left = [(holder(row), row, row.version.program.code) for row in left_rows]
    desil, seen = [], set()
    for row in desil_rows:
        allocation = holder(row)
        if allocation.pk not in seen:
            seen.add(allocation.pk)
            desil.append((allocation, row))
    return {"left": left, "desil": desil}


def round_notices(sender, round: AllocationRound, user: User, **kwargs) -> list[dict]:
    """programs.models.round_notices: the families a new roster puts in doubt."""
    if not user.sees_all_proposals or not round.allocations.exists():
        return []
    found = counts(round)
    url = reverse("verification:round_flags", args=[round.pk])
    notices = []
    if found["left"]:
        text = _("%(n)s families of this round have left a roster since.") % {"n": found["left"]}
        notices.append({"text": text, "url": url, "level": "warning"})
    if found["desil"]:
        text = _("%(n)s families now stand above the round's desil %(limit)s.") % {
            "n": found["desil"],
            "limit": round.desil_limit,
        }
        notices.append({"text": text, "url": url, "level": "warning"})
    if not notices:
        text = _("No family of this round has left a roster or risen above its desil limit.")
        notices.append({"text": text, "url": url, "level": "info"})
    return notices
