"""The plan of a round: the families a cross-check run sends on to allocation, what
`programs.rounds.allocation` proposes for them under the round's rules, and the plan saved as
allocations, each with its household and history.

    plan = plan_round(round_)            # nothing saved: the page shows its counts first
    save_plan(round_, plan, by=staff)    # allocations, each with its household and history
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict

from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from dedup.models import Result
from households.address import tidy_name
from households.models import Household, Unit, User
from programs.models import (
    Allocation,
    AllocationRound,
    ProposalRow,
    RosterRow,
    RoundTarget,
)
from programs.rounds.allocation import EXCLUDED, Family, Matrix, Plan, Target, propose

logger = logging.getLogger(__name__)
# bulk_update writes one CASE WHEN per row: its cost grows with the square of a batch's rows.
UPDATE_BATCH = 500
INSERT_BATCH = 5_000  # rows a statement: SQLite takes 32,766 parameters
REASON_LENGTH = 100  # what the audit history keeps of a reason


def families_for(round_: AllocationRound) -> list[Family]:
    """The families of the round's run that go on to allocation, each once, in the order they
    were proposed: new ones and those already on a roster (the matrix decides which rosters
    exclude them). The desil comes from the roster that ranks families (DTSEN), where the
    family is on it. Read as plain values: a district's 70,000 results as model objects take
    seconds."""
    if round_.run is None:
        return []
    results = (
        round_.run.results.going_on()
        .order_by("proposal_row__batch_id", "proposal_row__row_number")
        .values_list(
            "pk",
            "proposal_row_id",
            "proposal_row__desa__parent__name",
            "proposal_row__desa__name",
            "proposal_row__batch__unit__kind",
            "programs",
            "matches",
        )
    )
    kept = list(results.iterator(chunk_size=10_000))
    desils = _desils(round_, [(pk, matches) for pk, *_rest, matches in kept])
    return [
        Family(
            ref=row_id,
            kecamatan=kecamatan or "",
            desa=desa or "",
            source="agency" if kind == Unit.Kind.AGENCY else "village",
            desil=desils.get(pk),
            holds=frozenset(Result.split(programs)),
        )
        for pk, row_id, kecamatan, desa, kind, programs, _matches in kept
    ]


def matrix_for(round_: AllocationRound) -> Matrix:
    """The round's allowed pairs; lists that pay nothing (DTSEN, DTKS: no months) exclude no one."""
    registers = {
        version.program.code
        for version in round_.run.roster_versions.select_related("program")
        if not version.program.months
    }
    return Matrix(allowed=[tuple(pair) for pair in round_.allowed_pairs], registers=registers)


def plan_round(round_: AllocationRound, overrides=None, families=None) -> Plan:
    """What the round's rules propose for `families` (by default the run's eligible ones),
    with the round's overrides unless others are given."""
    if overrides is None:
        overrides = {int(ref): tuple(given) for ref, given in round_.overrides.items()}
    return propose(
        families_for(round_) if families is None else families,
        [target_of(t) for t in round_.targets.select_related("program")],
        matrix_for(round_),
        order=round_.order,
        kecamatan_shares=round_.kecamatan_shares,
        overrides=overrides,
    )


def why_left_out(plan: Plan) -> dict[int, str]:
    """ref -> why the plan leaves the family out, in the user's language."""
    found = {}
    for ref, why in plan.left_out.items():
        if why == EXCLUDED:
            reasons = "; ".join(
                _("%(code)s: already receives %(programs)s")
                % {"code": code, "programs": ", ".join(by)}
                for code, by in plan.excluded[ref].items()
            )
            found[ref] = _("may not be combined (%(reasons)s)") % {"reasons": reasons}
        else:
            found[ref] = _("no places or budget left")
    return found


def target_of(target: RoundTarget) -> Target:
    program = target.program
    return Target(
        program.code,
        places=target.places,
        budget=target.budget,
        benefit_per_month=program.benefit_per_month,
        months=program.months,
    )


@transaction.atomic
def save_plan(round_: AllocationRound, plan: Plan, *, by: User) -> list[Allocation]:
    """The plan's families as allocations of the round, each linked to its household (found by
    the head's NIK or the No. KK, else made from the proposal row), with who made them."""
    matrix = matrix_for(round_)
    programs = {t.program.code: t.program for t in round_.targets.select_related("program")}
    rows = ProposalRow.objects.select_related("household").in_bulk(plan.assigned)
    households = households_for(list(rows.values()), by=by)
    result_of = {
        r.proposal_row_id: r for r in round_.run.results.filter(proposal_row__in=list(rows))
    }
    allocations, placed = [], set(round_.allocations.values_list("household", flat=True))
    for ref, code in plan.assigned.items():
        row = rows[ref]
        household = households[ref]
        if household.pk in placed:  # another row of the plan is this family (an old number)
            continue
        placed.add(household.pk)
        excluded = matrix.excluding(result_of[ref].program_codes, code)
        allocations.append(
            Allocation(
                round=round_,
                household=household,
                proposal_row=row,
                target=programs[code],
                excluded_by=";".join(excluded),
                override_reason=plan.overridden.get(ref, ""),
            )
        )
    return bulk_create_with_history(
        allocations, Allocation, default_user=by, batch_size=INSERT_BATCH
    )


MAX_SAVE_ATTEMPTS = 3  # workers lost saving one round before it is given up


def save_round(round_id: int, user_id: int) -> None:
    """The round's proposal saved as its allocations, in the background (a district's 46,000
    families take most of a minute). Safe to run twice: a round with allocations is left."""
    by = User.objects.get(pk=user_id)
    rounds = AllocationRound.objects.filter(pk=round_id)
    rounds.update(save_attempts=F("save_attempts") + 1)  # outside the save: it must stay
    if rounds.get().save_attempts > MAX_SAVE_ATTEMPTS:
        rounds.update(
            saving_since=None,
            save_attempts=0,
            save_error=_(
                "Saving stopped the server's worker %(n)s times (out of memory?), so it was given "
                "up; nothing was saved. Try again once the workers have more memory."
            )
            % {"n": MAX_SAVE_ATTEMPTS},
        )
        return
    try:
        with transaction.atomic():
            round_ = AllocationRound.objects.select_for_update().get(pk=round_id)
            if not round_.allocations.exists():
                save_plan(round_, plan_round(round_), by=by)
            rounds.update(saving_since=None, save_error="", save_attempts=0)
    except Exception:
        logger.exception("saving round %s failed", round_id)
        rounds.update(
            save_attempts=0,
            save_error=_("Saving stopped because of an error on the server; nothing was saved."),
        )
        raise


def households_for(rows: list[ProposalRow], *, by: User) -> dict[int, Household]:
    """row id -> its household: the one it is linked to, else the one its head's NIK heads,
    else a new one made from the row (the No. KK is no household's key: families split). New
    links are remembered on the rows. In bulk: a round places tens of thousands of families."""
    niks = {row.nik for row in rows if row.household_id is None and row.nik}
    by_nik = Household.objects.in_bulk(niks, field_name="head_nik") if niks else {}
    made = {}
    for row in rows:
        if row.household_id is None and row.nik and row.nik not in by_nik and row.nik not in made:
            made[row.nik] = Household(
                no_kk=row.no_kk,
                head_nik=row.nik,
                head_name=row.name,
                head_name_folded=tidy_name(row.name),
                head_sex=row.sex,
                head_birth_date=row.birth_date,
                address=row.address,
                rt=row.rt,
                rw=row.rw,
                desa_id=row.desa_id,
            )
    if made:
        bulk_create_with_history(
            list(made.values()), Household, default_user=by, batch_size=INSERT_BATCH
        )
        by_nik.update(Household.objects.in_bulk(set(made), field_name="head_nik"))
    found, linked = {}, []
    for row in rows:
        household = row.household or by_nik[row.nik]
        found[row.pk] = household
        if row.household_id != household.pk:
            row.household = household
            linked.append(row)
    # Every new link is to the household its head's NIK heads: one UPDATE per slice.
    head = Household.objects.filter(head_nik=OuterRef("nik")).values("pk")[:1]
    ids = [row.pk for row in linked]
    for start in range(0, len(ids), INSERT_BATCH):
        ProposalRow.objects.filter(pk__in=ids[start : start + INSERT_BATCH]).update(
            household=Subquery(head)
        )
    return found


def _desils(round_: AllocationRound, results: list[tuple[int, str]]) -> dict[int, int]:
    """result id -> the desil of the ranking roster row it matched, if any; `results` are
    (result id, its matches "DTSEN:5;PKH:1")."""
    ranking = {
        v.program.code: v.pk
        for v in round_.run.roster_versions.select_related("program")
        if v.program.carries_desil
    }
    wanted: dict[tuple[int, int], list[int]] = defaultdict(list)
    for pk, matches in results:
        for label in Result.split(matches):
            code, _sep, number = label.partition(":")
            if code in ranking and number.isdigit():
                wanted[(ranking[code], int(number))].append(pk)
    if not wanted:
        return {}
    found: dict[int, int] = {}
    rows = RosterRow.objects.filter(
        version__in=set(ranking.values()), row_number__in={n for _, n in wanted}
    ).exclude(desil=None)
    for version, number, desil in rows.values_list("version_id", "row_number", "desil"):
        for result in wanted.get((version, number), ()):
            found[result] = min(desil, found.get(result, desil))  # the poorer ranking counts
    return found


def save_allocations(allocations: list[Allocation], fields: list[str], *, by: User) -> None:
    """Write `fields` of many allocations, with their history: one UPDATE per set of equal
    values (most families of a re-check end the same way), not a CASE per row, whose cost
    grows with the square of the rows."""
    groups: dict[str, tuple[dict, list[int]]] = {}
    for allocation in allocations:
        values = {field: getattr(allocation, field) for field in fields}
        key = json.dumps(values, sort_keys=True, default=str)
        groups.setdefault(key, (values, []))[1].append(allocation.pk)
    for values, ids in groups.values():
        for start in range(0, len(ids), INSERT_BATCH):
            Allocation.objects.filter(pk__in=ids[start : start + INSERT_BATCH]).update(**values)
    Allocation.history.bulk_history_create(
        allocations, update=True, default_user=by, batch_size=INSERT_BATCH
    )
