"""An allocation round in the database: the families a cross-check run leaves eligible, the plan
`programs.allocation` proposes under the round's rules, and the plan saved as allocations.

    plan = plan_round(round_)            # nothing saved: the page shows its counts first
    save_plan(round_, plan, by=staff)    # allocations, each with its household and history
    revalidate_jps(round_, by=staff)     # JPS families to phase 1, or back to their proposer
    approve(prepare_list(round_, jps, 1, by=staff), by=head)    # maker-checker, frozen versions
"""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from dedup.models import Result
from households.address import fold_name
from households.models import Household, Unit, User
from programs.allocation import Family, Matrix, Plan, Target, propose
from programs.models import (
    Allocation,
    AllocationRound,
    Program,
    ProposalRow,
    RecipientList,
    RosterRow,
    RoundTarget,
)
from programs.revalidation import revalidate

ELIGIBLE = (Result.Status.NEW, Result.Status.IN_ROSTER)
REASON_LENGTH = (
    100  # what the audit history keeps of a reason  # not a duplicate, in review or invalid
)


def families_for(round_: AllocationRound) -> list[Family]:
    """The families of the round's run that may receive aid, in the order they were proposed:
    new ones and those already on a roster (the matrix decides which rosters exclude them).
    The desil comes from the roster that ranks families (DTSEN), where the family is on it."""
    results = (
        round_.run.results.filter(status__in=ELIGIBLE)
        .select_related("proposal_row__desa__parent", "proposal_row__batch__unit")
        .order_by("proposal_row__batch", "proposal_row__row_number")
    )
    # One family, one place: a row sharing a No. KK or head's NIK with an earlier eligible row
    # is that family again (the cross-check leaves such pairs when staff judged them apart).
    seen: set[str] = set()
    kept = []
    for result in results:
        numbers = {n for n in (result.proposal_row.no_kk, result.proposal_row.nik) if n}
        if numbers & seen:
            continue
        seen |= numbers
        kept.append(result)
    results = kept
    desils = _desils(round_, results)
    return [
        Family(
            ref=result.proposal_row_id,
            kecamatan=_name(result.proposal_row.desa and result.proposal_row.desa.parent),
            desa=_name(result.proposal_row.desa),
            source="agency"
            if result.proposal_row.batch.unit.kind == Unit.Kind.AGENCY
            else "village",
            desil=desils.get(result.pk),
            holds=frozenset(result.program_codes),
        )
        for result in results
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
    """What the round's rules propose for `families` (by default the run's eligible ones)."""
    return propose(
        families_for(round_) if families is None else families,
        [_target(t) for t in round_.targets.select_related("program")],
        matrix_for(round_),
        order=round_.order,
        kecamatan_shares=round_.kecamatan_shares,
        overrides=overrides,
    )


def _target(target: RoundTarget) -> Target:
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
    households = _households(list(rows.values()), by=by)
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
    return bulk_create_with_history(allocations, Allocation, default_user=by)


def _households(rows: list[ProposalRow], *, by: User) -> dict[int, Household]:
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
                head_name_folded=fold_name(row.name),
                head_sex=row.sex,
                head_birth_date=row.birth_date,
                address=row.address,
                rt=row.rt,
                rw=row.rw,
                desa=row.desa,
            )
    if made:
        bulk_create_with_history(list(made.values()), Household, default_user=by)
        by_nik.update(Household.objects.in_bulk(set(made), field_name="head_nik"))
    found, linked = {}, []
    for row in rows:
        household = row.household or by_nik[row.nik]
        found[row.pk] = household
        if row.household_id != household.pk:
            row.household = household
            linked.append(row)
    ProposalRow.objects.bulk_update(linked, ["household"], batch_size=2_000)
    return found


def _desils(round_: AllocationRound, results: list[Result]) -> dict[int, int]:
    """result id -> the desil of the ranking roster row it matched, if any."""
    ranking = {
        v.program.code: v.pk
        for v in round_.run.roster_versions.select_related("program")
        if v.program.carries_desil
    }
    wanted: dict[tuple[int, int], list[int]] = defaultdict(list)
    for result in results:
        for label in result.match_labels:
            code, _sep, number = label.partition(":")
            if code in ranking and number.isdigit():
                wanted[(ranking[code], int(number))].append(result.pk)
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


def _name(region) -> str:
    return region.name if region else ""


JPS = "JPSKAB"


@transaction.atomic
def revalidate_jps(round_: AllocationRound, *, by: User) -> dict[str, int]:
    """Check every family allocated to JPS and not yet in a phase again: a valid one becomes
    phase 1 (or phase 2 when it was returned and corrected before); the others are returned to
    the unit that proposed them with every reason. Returns the counts moved."""
    allocations = list(
        round_.allocations.select_for_update(of=("self",))
        .filter(target__code=JPS, phase__isnull=True)
        .select_related("proposal_row")
    )
    counts = {"phase_1": 0, "phase_2": 0, "returned": 0}
    for allocation in allocations:
        problems = revalidate(allocation.proposal_row)
        if problems:
            allocation.status = Allocation.Status.RETURNED
            allocation.return_reasons = [{"column": c, "message": m} for c, m in problems]
            counts["returned"] += 1
        else:
            allocation.phase = 2 if allocation.return_reasons else 1
            allocation.status = Allocation.Status.VALID
            counts[f"phase_{allocation.phase}"] += 1
    bulk_update_with_history(
        allocations, Allocation, ["status", "phase", "return_reasons"], default_user=by
    )
    return counts


def members(round_: AllocationRound, program: Program, phase: int | None) -> QuerySet:
    """The allocations a list of this target (and JPS phase) holds: those not returned."""
    found = round_.allocations.filter(target=program).exclude(status=Allocation.Status.RETURNED)
    return found.filter(phase=phase) if phase else found


@transaction.atomic
def prepare_list(
    round_: AllocationRound, program: Program, phase: int | None, *, by: User, reason: str = ""
) -> RecipientList:
    """The list the head will approve (maker-checker). A draft is brought up to date; once a
    version is approved it is frozen, and a change needs a new version with a written reason."""
    AllocationRound.objects.select_for_update().get(pk=round_.pk)  # one preparation at a time
    versions = RecipientList.objects.filter(round=round_, target=program, phase=phase)
    latest = versions.order_by("-version").first()
    if latest is not None and latest.approved_at is None:
        made = latest
        made.prepared_by = by
        made.reason = reason or made.reason
        made.save(update_fields=["prepared_by", "reason"])
    else:
        if latest is not None and not reason.strip():
            raise ValidationError(
                _("Version %(n)s was approved: a change needs a new version with a reason.")
                % {"n": latest.version}
            )
        made = RecipientList.objects.create(
            round=round_,
            target=program,
            phase=phase,
            version=latest.version + 1 if latest else 1,
            reason=reason.strip(),
            prepared_by=by,
        )
    made.allocations.set(members(round_, program, phase))
    return made


@transaction.atomic
def approve(recipients: RecipientList, *, by: User) -> RecipientList:
    """The head signs the list: it is frozen as a numbered, dated version, and its families
    are approved."""
    if by.role != User.Role.HEAD:
        raise PermissionDenied
    recipients = RecipientList.objects.select_for_update().get(pk=recipients.pk)
    if recipients.approved_at is not None:
        return recipients  # approved a moment ago (a second click)
    if recipients.prepared_by_id == by.pk:
        raise ValidationError(_("The head approves a list someone else prepared."))
    listed = set(recipients.allocations.values_list("pk", flat=True))
    now = set(
        members(recipients.round, recipients.target, recipients.phase).values_list("pk", flat=True)
    )
    if listed != now:
        raise ValidationError(
            _("Families have moved since the list was prepared: staff bring it up to date first.")
        )
    recipients.approved_by, recipients.approved_at = by, timezone.now()
    recipients._history_user = by
    recipients.save(update_fields=["approved_by", "approved_at"])
    approved = list(recipients.allocations.all())
    for allocation in approved:
        allocation.status = Allocation.Status.APPROVED
    bulk_update_with_history(approved, Allocation, ["status"], default_user=by)
    return recipients


def difference(older: RecipientList, newer: RecipientList) -> tuple[set[int], set[int]]:
    """(allocation ids added, ids removed) from one version to the next."""
    before = set(older.allocations.values_list("pk", flat=True))
    after = set(newer.allocations.values_list("pk", flat=True))
    return after - before, before - after


@transaction.atomic
def move(
    allocation: Allocation, *, to: Program | None, reason: str, by: User, override: str = ""
) -> Allocation | None:
    """Staff move one family to another target of the round, or out of it (`to` None), with a
    reason kept in its history. Into a target its rosters exclude it from only with an
    override's reason as well."""
    if not reason.strip():
        raise ValidationError(_("Say why the family moves."))
    if len(reason.strip()) > REASON_LENGTH:
        raise ValidationError(_("Keep the reason to %(n)s characters.") % {"n": REASON_LENGTH})
    allocation = Allocation.objects.select_for_update(of=("self",)).get(pk=allocation.pk)
    frozen = allocation.lists.filter(approved_at__isnull=False).order_by("-version").first()
    if frozen is not None:
        raise ValidationError(
            _(
                "The family is on the approved list %(code)s version %(n)s, which no longer "
                "changes; it stays as approved."
            )
            % {"code": frozen.target.code, "n": frozen.version}
        )
    if to is not None:
        capacity = _target(allocation.round.targets.get(program=to)).capacity
        if (
            capacity is not None
            and allocation.round.allocations.filter(target=to).count() >= capacity
        ):
            raise ValidationError(
                _("%(code)s is full (%(n)s families): move another family out first.")
                % {"code": to.code, "n": capacity}
            )
    allocation._history_user, allocation._change_reason = by, reason.strip()
    if to is None:
        allocation.delete()
        return None
    result = allocation.round.run.results.filter(proposal_row=allocation.proposal_row).first()
    holds = result.program_codes if result else []
    excluded = matrix_for(allocation.round).excluding(holds, to.code)
    if excluded and not override.strip():
        raise ValidationError(
            _("The family already receives %(programs)s: give the reason for overriding.")
            % {"programs": ", ".join(excluded)}
        )
    allocation.target, allocation.phase = to, None
    allocation.status, allocation.return_reasons = Allocation.Status.PROPOSED, []
    allocation.excluded_by = ";".join(excluded)
    allocation.override_reason = override.strip() if excluded else ""
    allocation.save()
    return allocation
