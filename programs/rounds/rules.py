"""A round's rules: what it allocates, to which targets, in which order, which programmes may be
combined, and staff's overrides; who changed them, and when two staff edit at once."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dedup.models import Run
from households.models import User
from programs.models import (
    AllocationRound,
    Program,
    RoundTarget,
)

JPS = "JPSKAB"  # the district's safety net, re-checked and paid in phases


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
