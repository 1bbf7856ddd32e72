"""Who gets which aid in an allocation round: the proposal the office starts from.

Plain Python, no Django: the pages hand it the checked families and the round's rules, show
what it proposes (per kecamatan and desa) before anything is saved, and store what staff keep.

    matrix = Matrix(allowed=[("PKH", "BPNT")], registers=["DTSEN"])
    plan = propose(families, [provincial, jps], matrix, order=["desil", "village_first"])
    plan.assigned[ref]          # the target's code, for each family placed
    plan.left_out[ref]          # why a family was not placed: EXCLUDED (plan.excluded) or FULL

The rules, as the office sets them for a round:
- **targets** are filled in the order given (the provincial quota first, then JPS); a target
  holds as many families as its places allow and its budget pays for (benefit per month x
  months), whichever is fewer;
- a **programme-combination matrix** says which programmes a family may hold together: a family
  already on a roster that may not be combined with a target is excluded from that target,
  unless staff override it with a written reason. Registers (DTSEN) are no aid and exclude
  nothing;
- the **order** in which eligible families fill a target: poorest desil first (the national
  register gives one), village proposals before agency ones or the other way round, and
  always the order of proposal last, so the same rules give the same plan;
- with **kecamatan shares**, each kecamatan gets the target's places in proportion to its
  eligible families (largest remainders), and the order applies inside each kecamatan.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

__all__ = ["Family", "Matrix", "Plan", "Target", "fair_shares", "propose"]

ORDERS = ("desil", "village_first", "agency_first")
# Why a family is left out: every target is excluded by its rosters (`Plan.excluded` says
# which), or no target had a place left for it. The pages put it in the user's language.
EXCLUDED, FULL = "excluded", "full"


@dataclass(frozen=True, slots=True)
class Family:
    """A checked family that may receive aid: `ref` is its proposal row (or household) id."""

    ref: int
    kecamatan: str
    desa: str
    source: str = "village"  # "village" or "agency": who proposed it
    desil: int | None = None  # 1 (poorest) to 10, where the national register gives one
    holds: frozenset[str] = frozenset()  # the programmes whose rosters list it already


@dataclass(frozen=True, slots=True)
class Target:
    """Where families can be placed: the provincial quota, JPS Kabupaten, or another aid."""

    code: str
    places: int | None = None  # what the province or the office gives; None: no limit
    budget: int | None = None  # Rupiah; None: no limit
    benefit_per_month: int = 0
    months: int = 0

    @property
    def capacity(self) -> int | None:
        """How many families it can take: its places, or what its budget pays for."""
        limits = [self.places] if self.places is not None else []
        cost = self.benefit_per_month * self.months
        if self.budget is not None and cost:
            limits.append(self.budget // cost)
        return min(limits) if limits else None


@dataclass(frozen=True)
class Matrix:
    """Which programmes a family may hold together (pairs, in either order)."""

    allowed: Iterable[tuple[str, str]] = ()
    registers: Iterable[str] = ()  # lists that pay nothing and exclude nobody (DTSEN)

    def __post_init__(self) -> None:
        object.__setattr__(self, "allowed", frozenset(frozenset(p) for p in self.allowed))
        object.__setattr__(self, "registers", frozenset(self.registers))

    def excluding(self, holds: Iterable[str], target: str) -> list[str]:
        """The programmes among `holds` that keep a family out of `target`, sorted."""
        return sorted(
            code
            for code in holds
            if code not in self.registers
            and code != target
            and frozenset((code, target)) not in self.allowed
        )


@dataclass
class Plan:
    assigned: dict[int, str] = field(default_factory=dict)  # ref -> target code
    overridden: dict[int, str] = field(default_factory=dict)  # ref -> the reason given
    left_out: dict[int, str] = field(default_factory=dict)  # ref -> EXCLUDED or FULL
    excluded: dict[int, dict[str, list[str]]] = field(default_factory=dict)  # ref -> target -> by

    def counts(self, families: Iterable[Family]) -> dict[str, Counter]:
        """target -> Counter of (kecamatan, desa): what the page shows before saving."""
        where = {f.ref: (f.kecamatan, f.desa) for f in families}
        found: dict[str, Counter] = defaultdict(Counter)
        for ref, code in self.assigned.items():
            found[code][where[ref]] += 1
        return found


def fair_shares(eligible: Mapping[str, int], places: int) -> dict[str, int]:
    """`places` shared out in proportion to each kecamatan's eligible families, by largest
    remainders (ties to the kecamatan listed first), never more than it has."""
    total = sum(eligible.values())
    if total <= places:
        return dict(eligible)
    shares = {k: places * n // total for k, n in eligible.items()}
    rest = places - sum(shares.values())
    # Exact remainders (integers, not floats): equal ones go to the kecamatan listed first.
    order = {k: i for i, k in enumerate(eligible)}
    by_remainder = sorted(eligible, key=lambda k: (-(places * eligible[k] % total), order[k]))
    for k in by_remainder[:rest]:
        shares[k] += 1
    return shares


def propose(
    families: Sequence[Family],
    targets: Sequence[Target],
    matrix: Matrix,
    *,
    order: Sequence[str] = ("desil",),
    kecamatan_shares: bool = False,
    overrides: Mapping[int, tuple[str, str]] | None = None,
) -> Plan:
    """Fill the targets in turn with the families the matrix allows, best first by `order`.
    `overrides`: ref -> (target code, reason): staff place that family there although a
    roster excludes it (it still needs a place)."""
    unknown = set(order) - set(ORDERS)
    if unknown:
        raise ValueError(f"unknown order {sorted(unknown)}; choose from {ORDERS}")
    overrides = overrides or {}
    plan = Plan()
    position = {f.ref: i for i, f in enumerate(families)}
    waiting = list(families)
    for target in targets:
        eligible = []
        for family in waiting:
            by = matrix.excluding(family.holds, target.code)
            override = overrides.get(family.ref)
            if by and not (override and override[0] == target.code):
                plan.excluded.setdefault(family.ref, {})[target.code] = by
                continue
            eligible.append(family)
        eligible.sort(key=lambda f: (*(_key(f, name) for name in order), position[f.ref]))
        chosen = _take(eligible, target.capacity, kecamatan_shares)
        for family in chosen:
            plan.assigned[family.ref] = target.code
            if matrix.excluding(family.holds, target.code):  # there by an override
                plan.overridden[family.ref] = overrides[family.ref][1]
        taken = {f.ref for f in chosen}
        waiting = [f for f in waiting if f.ref not in taken]
    for family in waiting:
        excluded = plan.excluded.get(family.ref, {})
        plan.left_out[family.ref] = EXCLUDED if len(excluded) == len(targets) > 0 else FULL
    return plan


def _key(family: Family, name: str) -> int:
    if name == "desil":
        return family.desil if family.desil is not None else 11  # unknown desil last
    if name == "village_first":
        return 0 if family.source == "village" else 1
    return 0 if family.source == "agency" else 1  # agency_first


def _take(eligible: list[Family], capacity: int | None, kecamatan_shares: bool) -> list[Family]:
    if capacity is None or capacity >= len(eligible):
        return eligible
    if not kecamatan_shares:
        return eligible[:capacity]
    by_kecamatan: dict[str, list[Family]] = defaultdict(list)
    for family in eligible:
        by_kecamatan[family.kecamatan].append(family)
    shares = fair_shares({k: len(v) for k, v in by_kecamatan.items()}, capacity)
    return [f for k, members in by_kecamatan.items() for f in members[: shares[k]]]
