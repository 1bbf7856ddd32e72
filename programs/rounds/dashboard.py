"""What an allocation round's dashboard counts, from the families collected to the budget: each
figure for the district, by kecamatan and by desa of one kecamatan, with the filters of the list
that shows the families it counts. The database counts (a district has 71,000 proposals): three
grouped queries by desa whatever the size, rolled up here to kecamatan and district.

    board = figures(round_)                 # the district and its kecamatan
    board = figures(round_, kecamatan=pk)   # and the desa of that kecamatan
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils.translation import gettext as _

from dedup.models import ELIGIBLE, Result
from households.models import Region
from programs.models import (
    Allocation,
    AllocationRound,
    Program,
    ProposalBatch,
    ProposalRow,
    RoundTarget,
)
from programs.rounds.rules import JPS

RESULTS, FAMILIES = "results", "families"  # the run's results page, the round's families page
# A JPS family in one of these statuses has its phase; any other status waits for one.
PHASED = (Allocation.Status.VALID, Allocation.Status.APPROVED)


@dataclass
class Place:
    """The counts of one kecamatan or desa (pk None: desa not known), or of the district."""

    level: str  # "kecamatan", "desa", or "" for the district: the lists' filter of the place
    pk: int | None = None
    name: str = ""
    parent: int | None = None  # a desa's kecamatan
    collected: int = 0
    results: Counter = field(default_factory=Counter)  # result outcome -> proposals
    rosters: Counter = field(default_factory=Counter)  # roster code -> families going on, on it
    allocations: Counter = field(default_factory=Counter)  # (target id, phase, status) -> KK

    @property
    def eligible(self) -> int:
        """New families and those already on a roster, each once: the matrix decides which
        may add aid."""
        return sum(self.results[status] for status in ELIGIBLE)

    def add(self, other: Place) -> None:
        self.collected += other.collected
        self.results.update(other.results)
        self.rosters.update(other.rosters)
        self.allocations.update(other.allocations)


@dataclass(frozen=True)
class Column:
    """A count shown for every place, and how the list of the families it counts is filtered."""

    label: str
    page: str  # RESULTS or FAMILIES
    filters: tuple[tuple[str, str], ...]
    count: Callable[[Place], int]
    cost: int = 0  # Rp per family for the whole programme (benefit per month x months)


@dataclass
class TargetFigures:
    """A target of the round: its families, and for JPS each step of the re-check."""

    target: RoundTarget
    allocated: Column
    steps: list[Column]


@dataclass
class Figures:
    """A round's dashboard: the places with their counts, and the columns that read them."""

    district: Place
    kecamatan: list[Place]
    chosen: Place | None  # the kecamatan whose desa are shown
    desa: list[Place]
    checks: list[Column]  # proposed, proposed twice, in review, invalid
    eligible: list[Column]  # new, already on a roster: together, what goes on to allocation
    rosters: list[Column]  # one per roster code found
    targets: list[TargetFigures]

    def budget(self, place: Place) -> int:
        """Rupiah for every family the round placed there, each for the programme's months."""
        return sum(t.allocated.count(place) * t.allocated.cost for t in self.targets)


def figures(round_: AllocationRound, kecamatan: int | None = None) -> Figures:
    """The round's dashboard figures; with `kecamatan`, that kecamatan's desa as well."""
    desa = _by_desa(round_)
    by_kecamatan: dict[int | None, Place] = {}
    regions = Region.objects.filter(pk__in=[pk for pk in desa if pk is not None])
    for pk, name, parent, parent_name in regions.values_list(
        "pk", "name", "parent", "parent__name"
    ):
        desa[pk].name, desa[pk].parent = name, parent
        if parent not in by_kecamatan:
            by_kecamatan[parent] = Place("kecamatan", parent, parent_name)
        by_kecamatan[parent].add(desa[pk])
    if None in desa:  # the desa not known, so neither is the kecamatan
        by_kecamatan.setdefault(None, Place("kecamatan")).add(desa[None])
    district = Place("")
    for place in by_kecamatan.values():
        district.add(place)
    chosen = by_kecamatan.get(kecamatan) if kecamatan is not None else None
    return Figures(
        district=district,
        kecamatan=_in_order(by_kecamatan.values()),
        chosen=chosen,
        desa=_in_order(p for p in desa.values() if chosen and p.parent == chosen.pk),
        checks=[
            Column(_("proposed"), RESULTS, (), lambda p: p.collected),
            *map(_status, (Result.Status.DUPLICATE, Result.Status.REVIEW, Result.Status.INVALID)),
        ],
        eligible=[_status(Result.Status.NEW), _status(Result.Status.IN_ROSTER)],
        rosters=[
            Column(
                code,
                RESULTS,
                (("status", Result.Status.IN_ROSTER), ("program", code)),
                lambda p, code=code: p.rosters[code],
            )
            for code in sorted(district.rosters)
        ],
        targets=[_target(t, district) for t in round_.targets.select_related("program")],
    )


def _by_desa(round_: AllocationRound) -> dict[int | None, Place]:
    """The counts of each desa where the proposal rows put the families (None: not known), in
    three grouped queries: by desa, the database needs no region to count."""
    if round_.run_id is None:
        rows, results = ProposalRow.objects.none(), Result.objects.none()
    else:
        rows = ProposalRow.objects.filter(
            batch__in=ProposalBatch.objects.filter(runs=round_.run_id)
        )
        results = Result.objects.filter(run=round_.run_id)
    places: dict[int | None, Place] = {}

    def at(pk: int | None) -> Place:
        if pk not in places:
            places[pk] = Place("desa", pk)
        return places[pk]

    for desa, n in rows.values_list("desa").annotate(n=Count("pk")).order_by():
        at(desa).collected += n
    for group in results.outcome_counts("proposal_row__desa", "programs"):
        place = at(group["proposal_row__desa"])
        place.results[group["outcome"]] += group["n"]
        if group["outcome"] == Result.Status.IN_ROSTER:  # each family once, as its list shows
            for code in Result.split(group["programs"]):
                place.rosters[code] += group["n"]
    grouped = round_.allocations.values_list("proposal_row__desa", "target", "phase", "status")
    for desa, target, phase, status, n in grouped.annotate(n=Count("pk")).order_by():
        at(desa).allocations[(target, phase, status)] += n
    return places


def _in_order(places) -> list[Place]:
    """By name, the desa not known last."""
    return sorted(places, key=lambda place: (place.pk is None, place.name))


def _status(value: str) -> Column:
    label = Result.Status(value).label
    return Column(label, RESULTS, (("status", value),), lambda p: p.results[value])


def _target(target: RoundTarget, district: Place) -> TargetFigures:
    program = target.program
    cost = program.benefit_per_month * program.months

    def allocated(p: Place) -> int:
        return sum(n for (t, _ph, _st), n in p.allocations.items() if t == program.pk)

    column = Column(program.code, FAMILIES, (("target", program.code),), allocated, cost)
    found = {(ph, st) for (t, ph, st) in district.allocations if t == program.pk}
    return TargetFigures(
        target, column, _steps(program, cost, found) if program.code == JPS else []
    )


def _steps(program: Program, cost: int, found: set[tuple[int | None, str]]) -> list[Column]:
    """JPS families by where the re-check left them: to check, phase 1, returned for correction
    (then any other status waiting for a phase, such as corrected), phase 2. Together they are
    every JPS family of the round, each once, whatever (phase, status) pairs were `found`."""
    target = (("target", program.code),)

    def waiting(status: str, label: str) -> Column:
        def count(p: Place) -> int:
            return p.allocations[(program.pk, None, status)]

        return Column(
            label, FAMILIES, (*target, ("phase", "none"), ("status", status)), count, cost
        )

    def phase(value: int) -> Column:
        def count(p: Place) -> int:
            return sum(
                n for (t, ph, _st), n in p.allocations.items() if t == program.pk and ph == value
            )

        label = dict(Allocation.Phase.choices).get(value, str(value))
        return Column(label, FAMILIES, (*target, ("phase", str(value))), count, cost)

    statuses = [s for s in Allocation.Status.values if s not in PHASED]
    statuses += sorted({st for ph, st in found if ph is None} - set(statuses))
    first, *later = sorted({*Allocation.Phase.values, *(ph for ph, _st in found if ph)})
    labels = dict(Allocation.Status.choices)
    return [
        waiting(Allocation.Status.PROPOSED, _("to check")),
        phase(first),
        *(waiting(s, labels.get(s, s)) for s in statuses if s != Allocation.Status.PROPOSED),
        *map(phase, later),
    ]
