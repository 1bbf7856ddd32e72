"""The JPS re-check before each phase: valid families to phase 1 (phase 2 once corrected), the
others back to the village or agency that proposed them with the reasons; corrected families
cross-checked again and judged on it.

    revalidate_jps(round_, by=staff)
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Q
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from dedup.engine.match import Thresholds
from dedup.models import Result, Run
from dedup.pipeline import start_run
from households.address import tidy_name
from households.models import Household, User
from programs.models import (
    Allocation,
    AllocationRound,
    ProposalRow,
)
from programs.rounds.allocation import Matrix
from programs.rounds.plan import (
    UPDATE_BATCH,
    households_for,
    matrix_for,
    save_allocations,
)
from programs.rounds.revalidation import revalidate
from programs.rounds.rules import JPS


@transaction.atomic
def revalidate_jps(round_: AllocationRound, *, by: User) -> dict[str, int]:
    """Check the round's JPS families not yet in a phase. A family allocated for the first time
    becomes phase 1, or goes back to the unit that proposed it with every reason. A family its
    unit has corrected is cross-checked again first: the first call starts a run of the
    corrected rows alone (in the background), a call after it is done puts each in phase 2, or
    returns it once more with the new reasons. Returns the counts."""
    allocations = list(
        round_.allocations.select_for_update(of=("self",))
        .filter(
            target__code=JPS,
            phase__isnull=True,
            status__in=(Allocation.Status.PROPOSED, Allocation.Status.CORRECTED),
        )
        .select_related("proposal_row", "recheck_run", "household")
    )
    counts = {"phase_1": 0, "phase_2": 0, "returned": 0, "checking": 0, "in_review": 0}
    fresh = [a for a in allocations if a.status == Allocation.Status.PROPOSED]
    for allocation in fresh:
        _judge(allocation, revalidate(allocation.proposal_row), phase=1, counts=counts)
    corrected = [a for a in allocations if a.status == Allocation.Status.CORRECTED]
    _start_recheck(round_, [a for a in corrected if a.recheck_run_id is None], by=by)
    checked = [a for a in corrected if a.recheck_run and a.recheck_run.status == Run.Status.DONE]
    counts["checking"] = len(corrected) - len(checked)
    before = {a.pk: a.household_id for a in checked}
    rechecked = _apply_recheck(round_, checked, counts, by=by)
    moved = [a for a in rechecked if a.household_id != before[a.pk]]
    Allocation.objects.bulk_update(moved, ["household"], batch_size=UPDATE_BATCH)
    save_allocations(fresh + rechecked, ["status", "phase", "return_reasons"], by=by)
    # A household made from a wrong head's NIK, now left by its family, goes.
    left = {before[a.pk] for a in moved}
    for household in Household.objects.filter(
        pk__in=left,
        allocations__isnull=True,
        proposal_rows__isnull=True,
        members__isnull=True,
        reveals__isnull=True,
    ).distinct():
        household._history_user = by
        try:
            with transaction.atomic():
                household.delete()
        except (ProtectedError, RestrictedError):
            pass  # something else holds it (a complaint): it stays
    return counts


def _judge(allocation: Allocation, problems, *, phase: int, counts: dict[str, int]) -> None:
    if problems:
        allocation.status = Allocation.Status.RETURNED
        allocation.return_reasons = [{"column": c, "message": m} for c, m in problems]
        counts["returned"] += 1
    else:
        allocation.phase, allocation.status = phase, Allocation.Status.VALID
        counts[f"phase_{phase}"] += 1


def _start_recheck(round_: AllocationRound, allocations: list[Allocation], *, by: User) -> None:
    """One cross-check run of the corrected rows, against the rosters and proposals the round's
    run used, with its thresholds."""
    if not allocations:
        return
    source = round_.run
    run = start_run(
        batches=source.batches.all(),
        user=by,
        versions=source.roster_versions.all(),
        thresholds=Thresholds(**source.thresholds) if source.thresholds else None,
        only=[a.proposal_row_id for a in allocations],
    )
    for allocation in allocations:
        allocation.recheck_run = run
    save_allocations(allocations, ["recheck_run"], by=by)  # who started it and when: history


def _apply_recheck(
    round_: AllocationRound, allocations: list[Allocation], counts: dict[str, int], *, by: User
) -> list[Allocation]:
    """The corrected families whose cross-check is done, judged on it: the same rules as any
    proposal (a duplicate, a roster that excludes JPS without an override), then the JPS
    re-check, then no other family of the round with the same head's NIK or No. KK."""
    results = {
        (r.run_id, r.proposal_row_id): r
        for r in Result.objects.filter(
            run__in={a.recheck_run_id for a in allocations},
            proposal_row__in=[a.proposal_row_id for a in allocations],
        )
    }
    matrix = matrix_for(round_)
    # Rows the re-checks linked the corrected families to that go on in the round's own run:
    # a corrected family that is one of those is proposed twice, whatever its status says.
    taken = round_.run.going_on_among(
        {label for result in results.values() for label in Result.split(result.matches)}
    )
    judged, problems_of = [], {}
    for allocation in allocations:
        result = results.get((allocation.recheck_run_id, allocation.proposal_row_id))
        if result is None or result.status == Result.Status.REVIEW:
            counts["in_review"] += 1  # staff decide the pairs on the review page first
            continue
        judged.append(allocation)
        problems_of[allocation.pk] = _recheck_problems(
            result, matrix, allocation, taken
        ) or revalidate(allocation.proposal_row)
    # A new head's NIK may head a household already: one with a place in the round (the
    # family is returned, nothing relinked), or the family's own.
    valid = [a for a in judged if not problems_of[a.pk]]
    moved = [a for a in valid if a.household.head_nik != a.proposal_row.nik]
    existing = Household.objects.in_bulk({a.proposal_row.nik for a in moved}, field_name="head_nik")
    taken = _taken(
        round_,
        valid,
        {a.pk: existing[a.proposal_row.nik].pk for a in moved if a.proposal_row.nik in existing},
    )
    for allocation_id, why in taken.items():
        problems_of[allocation_id] = [("", why)]
    passing = [a for a in moved if a.pk not in taken]
    for allocation in passing:
        allocation.proposal_row.household = None
    households = households_for([a.proposal_row for a in passing], by=by)
    for allocation in passing:
        allocation.household = households[allocation.proposal_row_id]
    _copy_corrections([a for a in valid if a.pk not in taken], by=by)
    for allocation in judged:
        _judge(allocation, problems_of[allocation.pk], phase=2, counts=counts)
    return judged


def _copy_corrections(allocations: list[Allocation], *, by: User) -> None:
    """A household made from a corrected row (no other row is its) takes the corrected head's
    name, sex, birth date, No. KK and address."""
    rows_of = dict(
        ProposalRow.objects.filter(household__in={a.household_id for a in allocations})
        .values_list("household")
        .annotate(n=Count("pk"))
        .order_by()
    )
    changed = []
    for allocation in allocations:
        household, row = allocation.household, allocation.proposal_row
        if rows_of.get(household.pk, 0) > 1 or household.head_nik != row.nik:
            continue
        household.no_kk, household.head_name = row.no_kk, row.name
        household.head_name_folded = tidy_name(row.name)
        household.head_sex, household.head_birth_date = row.sex, row.birth_date
        household.address, household.rt, household.rw = row.address, row.rt, row.rw
        household.desa_id = row.desa_id
        changed.append(household)
    bulk_update_with_history(
        changed,
        Household,
        [
            *("no_kk", "head_name", "head_name_folded", "head_sex", "head_birth_date"),
            *("address", "rt", "rw", "desa"),
        ],
        default_user=by,
        batch_size=UPDATE_BATCH,
        default_change_reason=_("corrected after the JPS re-check"),
    )


def _recheck_problems(result: Result, matrix: Matrix, allocation: Allocation, taken: set[str]):
    if result.status == Result.Status.INVALID:
        return [("", result.reason)]
    if result.status == Result.Status.DUPLICATE or taken.intersection(Result.split(result.matches)):
        return [
            (
                "",
                _("The same family was proposed before (%(rows)s); it is paid once.")
                % {"rows": result.matches.replace(";", ", ")},
            )
        ]
    excluded = matrix.excluding(result.program_codes, JPS)
    if excluded and not allocation.override_reason:
        return [
            (
                "",
                _("The family already receives %(programs)s, which JPS may not be added to.")
                % {"programs": ", ".join(excluded)},
            )
        ]
    return []


def _taken(
    round_: AllocationRound, allocations: list[Allocation], new_household: dict[int, int]
) -> dict[int, str]:
    """allocation id -> why its corrected family already has a place in the round: another
    allocation holds its household (`new_household`: the one its new head's NIK heads), or a
    row with its No. KK."""
    mine = {a.pk for a in allocations}
    household_of = {a.pk: new_household.get(a.pk, a.household_id) for a in allocations}
    others = round_.allocations.exclude(pk__in=mine).filter(
        Q(household__in=set(household_of.values()))
        | Q(proposal_row__no_kk__in={a.proposal_row.no_kk for a in allocations})
    )
    holder = {}
    for household, no_kk, target in others.values_list(
        "household", "proposal_row__no_kk", "target__code"
    ):
        holder[("household", household)] = holder[("kk", no_kk)] = target
    found = {}
    for allocation in allocations:
        target = holder.get(("household", household_of[allocation.pk])) or holder.get(
            ("kk", allocation.proposal_row.no_kk)
        )
        if target:
            found[allocation.pk] = _(
                "This family already has a place in the round (%(target)s)."
            ) % {"target": target}
    return found
