"""An allocation round in the database: the families a cross-check run leaves eligible, the plan
`programs.allocation` proposes under the round's rules, and the plan saved as allocations.

    plan = plan_round(round_)            # nothing saved: the page shows its counts first
    save_plan(round_, plan, by=staff)    # allocations, each with its household and history
    revalidate_jps(round_, by=staff)     # JPS families to phase 1, or back to their proposer
    approve(prepare_list(round_, jps, 1, by=staff), by=head)    # maker-checker, frozen versions
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from dedup.engine.match import Thresholds
from dedup.models import Result, Run
from dedup.pipeline import start_run
from households.address import tidy_name
from households.models import Household, Unit, User
from programs.allocation import EXCLUDED, Family, Matrix, Plan, Target, propose
from programs.models import (
    Allocation,
    AllocationRound,
    ListEntry,
    Program,
    ProposalRow,
    RecipientList,
    RosterRow,
    RoundTarget,
)
from programs.revalidation import revalidate

logger = logging.getLogger(__name__)
# bulk_update writes one CASE WHEN per row: its cost grows with the square of a batch's rows.
UPDATE_BATCH = 500
INSERT_BATCH = 5_000  # rows a statement: SQLite takes 32,766 parameters
REASON_LENGTH = 100  # what the audit history keeps of a reason


@dataclass(frozen=True)
class Rules:
    """What staff set for a round: its name, checked proposals, targets (programme, places,
    budget; in the order they fill) and how families fill them."""

    name: str
    run: Run
    targets: list[tuple[Program, int | None, int | None]]
    order: str
    kecamatan_shares: bool
    allowed_pairs: list[list[str]]


class Stale(Exception):
    """The round changed since the user loaded it; `changes` says who changed what."""

    def __init__(self, changes: list[str]) -> None:
        super().__init__("; ".join(changes))
        self.changes = changes


@transaction.atomic
def create_round(rules: Rules, *, by: User) -> AllocationRound:
    round_ = AllocationRound(created_by=by)
    _write_rules(round_, rules, by=by)
    return round_


@transaction.atomic
def update_rules(round_: AllocationRound, rules: Rules, *, seen: int, by: User) -> AllocationRound:
    """New rules for a round not saved yet, made from revision `seen`. A colleague's change
    since then is not overwritten: `Stale` says what it was, and nothing is saved."""
    round_ = _lock_rules(round_, seen)
    round_.revision += 1
    _write_rules(round_, rules, by=by)
    return round_


def _lock_rules(round_: AllocationRound, seen: int) -> AllocationRound:
    """The round, locked for a change of its rules made from revision `seen`."""
    round_ = AllocationRound.objects.select_for_update().get(pk=round_.pk)
    if round_.allocations.exists() or round_.saving:
        raise ValidationError(_("The round's allocation is saved; its rules no longer change."))
    if round_.revision != seen:
        raise Stale(changes_since(round_, seen))
    return round_


def _write_rules(round_: AllocationRound, rules: Rules, *, by: User) -> None:
    round_.name, round_.run, round_.order = rules.name, rules.run, [rules.order]
    round_.kecamatan_shares, round_.allowed_pairs = rules.kecamatan_shares, rules.allowed_pairs
    if round_.pk is None:
        round_._history_user = by
        round_.save()
    current = {t.program_id: t for t in round_.targets.all()}
    for position, (program, places, budget) in enumerate(rules.targets):
        target = current.get(program.pk) or RoundTarget(round=round_, program=program)
        if target.pk is None or (target.places, target.budget, target.position) != (
            places,
            budget,
            position,
        ):  # only a change is saved, and so kept in the history
            target.places, target.budget, target.position = places, budget, position
            target._history_user = by
            target.save()
    kept = {program.pk for program, *_ in rules.targets}
    for program_id, target in current.items():
        if program_id not in kept:
            target._history_user = by
            target.delete()
    # The round last: its history record closes the revision, after its targets'.
    round_._history_user = by
    round_.save()


@transaction.atomic
def set_override(
    round_: AllocationRound, ref: int, code: str | None, reason: str, *, seen: int, by: User
) -> AllocationRound:
    """Place a family (proposal row `ref`) in target `code` although a roster excludes it, with
    the reason; `code` None takes the override back. A change of the rules like any other."""
    round_ = _lock_rules(round_, seen)
    if code is None:
        round_.overrides.pop(str(ref), None)
    else:
        if not round_.targets.filter(program__code=code).exists():
            raise ValidationError(_("%(code)s is not a target of this round.") % {"code": code})
        if not reason.strip():
            raise ValidationError(_("Give the reason for overriding the roster."))
        round_.overrides[str(ref)] = [code, reason.strip()[:500]]
    round_.revision += 1
    round_._history_user = by
    round_.save(update_fields=["overrides", "revision"])
    return round_


def changes_since(round_: AllocationRound, seen: int) -> list[str]:
    """What changed in the round's rules after revision `seen`, and who changed it last."""
    then = round_.history.filter(revision=seen).order_by("-history_date").first()
    latest = round_.history.select_related("history_user").order_by("-history_date").first()
    if then is None or latest is None:
        return [_("The round was changed meanwhile.")]
    changes = [
        _("%(who)s changed the round on %(when)s.")
        % {
            "who": latest.history_user,
            "when": f"{timezone.localtime(latest.history_date):%d-%m-%Y %H:%M}",
        }
    ]
    for change in latest.diff_against(then).changes:
        if change.field in ("revision",):
            continue
        label = AllocationRound._meta.get_field(change.field).verbose_name
        changes.append(f"{label}: {_shown(change.old)} → {_shown(change.new)}")
    before = {
        t.program_id: t
        for t in RoundTarget.history.as_of(then.history_date).filter(round_id=round_.pk)
    }
    now = {t.program_id: t for t in round_.targets.select_related("program")}
    for program_id in sorted(set(before) | set(now)):
        old, new = before.get(program_id), now.get(program_id)
        code = (new or old).program.code
        for field, label in (("places", _("places")), ("budget", _("budget (Rp)"))):
            a, b = getattr(old, field, None), getattr(new, field, None)
            if a != b:
                changes.append(f"{code} {label}: {_shown(a)} → {_shown(b)}")
    return changes


def _shown(value) -> str:
    if value in (None, "", []):
        return "-"
    if isinstance(value, dict):  # overrides: how many families
        return str(len(value))
    if isinstance(value, list):
        return ", ".join("+".join(v) if isinstance(v, list) else str(v) for v in value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    return str(value)


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
        [_target(t) for t in round_.targets.select_related("program")],
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


JPS = "JPSKAB"


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
    _save(fresh + rechecked, ["status", "phase", "return_reasons"], by=by)
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


def _save(allocations: list[Allocation], fields: list[str], *, by: User) -> None:
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
    _save(allocations, ["recheck_run"], by=by)  # who started it, and when, in the history


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
    households = _households([a.proposal_row for a in passing], by=by)
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
    listed = members(round_, program, phase)
    if latest is None and not listed.exists():
        raise ValidationError(_("No family is on this list yet."))
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
    made.allocations.set(listed)
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
    approved = list(recipients.allocations.select_related("proposal_row"))
    for allocation in approved:
        allocation.status = Allocation.Status.APPROVED
    _save(approved, ["status"], by=by)
    ListEntry.objects.bulk_create(
        (
            ListEntry(
                recipients=recipients,
                allocation=allocation,
                household_id=allocation.household_id,
                no_kk=row.no_kk,
                nik=row.nik,
                name=row.name,
                sex=row.sex,
                birth_date=row.birth_date,
                address=row.address,
                rt=row.rt,
                rw=row.rw,
                desa_id=row.desa_id,
            )
            for allocation in approved
            for row in [allocation.proposal_row]
        ),
        batch_size=INSERT_BATCH,
    )
    return recipients


def families(recipients: RecipientList) -> QuerySet:
    """The households of a list: as approved (frozen), or as prepared (a draft)."""
    if recipients.approved_at is not None:
        return Household.objects.filter(pk__in=recipients.entries.values("household"))
    return Household.objects.filter(pk__in=recipients.allocations.values("household"))


def difference(older: RecipientList, newer: RecipientList) -> tuple[QuerySet, QuerySet]:
    """(households added, households removed) from one version to another."""
    before, after = families(older), families(newer)
    return after.exclude(pk__in=before.values("pk")), before.exclude(pk__in=after.values("pk"))


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
