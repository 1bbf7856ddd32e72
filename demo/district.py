"""A realistic demo district: Purworejo (33.06) with its offices, logins, families, programme
rosters, proposal batches and an approved aid list being paid, for trying the product and for
benchmarks.

Everything is drawn from one `random.Random(seed)`, so a seed gives the same district every time.
Families are generated desa by desa in one pass and written in chunks, so the district scale
(300,000 families, about a million roster rows) runs in bounded memory. Bulk inserts leave no
history rows: the demo is one import event, not thousands of edits.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import TextIO

from django.db import transaction
from django.db.models import Count

from demo.base import (
    DISTRICT,
    MARKER_USER,
    PASSWORD,
    SCALES,
    USERS,
)
from demo.complaints import Complaints
from demo.distribution import Distribution
from demo.people import People
from demo.places import Places
from demo.proposals import Proposals
from demo.rosters import Rosters
from demo.verification import Verification
from distribution.models import Payment, Tranche
from households.models import Household, Member, Region, User
from households.regions import load_district
from programs.models import (
    ProposalBatch,
    ProposalRow,
    RecipientList,
    RosterVersion,
)

__all__ = ["PASSWORD", "SCALES", "DemoLogin", "DemoSummary", "demo_logins", "load_demo"]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    unit: str


@dataclass
class DemoSummary:
    """What the demo database holds; `created` is False when the demo was already there."""

    created: bool
    seconds: float
    households: int
    members: int
    versions: list[tuple[str, str, str, int, int]]  # code, period, status, rows, damaged rows
    batches: int
    proposal_rows: int
    invalid_proposal_rows: int
    logins: list[DemoLogin]
    approved_lists: int = 0
    tranches: int = 0
    payments: dict[str, int] = field(default_factory=dict)  # status -> payments
    kept_users: list[str] = field(default_factory=list)  # existed before; left untouched

    @property
    def roster_rows(self) -> int:
        return sum(v[3] for v in self.versions)


def load_demo(
    scale: str = "small",
    seed: int = 2020,
    stdout: TextIO | None = None,
    *,
    households: int | None = None,
) -> DemoSummary:
    """Fill the database with the demo district, unless the demo is already there.

    `households` overrides the scale's number of registry families (tests use a few hundred).
    """
    if scale not in SCALES:
        raise ValueError(f"Unknown scale {scale!r}; choose one of {', '.join(SCALES)}.")
    started = time.monotonic()
    load_district(DISTRICT)
    if User.objects.filter(username=MARKER_USER).exists():
        return _summary(False, started)
    with transaction.atomic():
        demo = _Demo(random.Random(seed), households or SCALES[scale], scale == "district", stdout)
        kept = demo.run()
    return _summary(True, started, kept)


def demo_logins() -> list[DemoLogin]:
    users = User.objects.filter(username__in=[u[0] for u in USERS]).select_related("unit")
    found = {user.username: user for user in users}
    return [
        DemoLogin(name, str(found[name].get_role_display()), str(found[name].unit or "-"))
        for name, *_ in USERS
        if name in found
    ]


def _summary(created: bool, started: float, kept: list[str] | None = None) -> DemoSummary:
    versions = RosterVersion.objects.select_related("program").order_by("program__code", "pk")
    rows = ProposalRow.objects.all()
    return DemoSummary(
        created=created,
        seconds=time.monotonic() - started,
        households=Household.objects.count(),
        members=Member.objects.count(),
        versions=[
            (v.program.code, v.period, v.status, v.row_count, v.problem_count) for v in versions
        ],
        batches=ProposalBatch.objects.count(),
        proposal_rows=rows.count(),
        invalid_proposal_rows=rows.filter(status=ProposalRow.Status.INVALID).count(),
        logins=demo_logins(),
        approved_lists=RecipientList.objects.filter(approved_at__isnull=False).count(),
        tranches=Tranche.objects.count(),
        payments=dict(
            Payment.objects.values_list("status").annotate(n=Count("pk")).order_by("status")
        ),
        kept_users=kept or [],
    )


class _Demo(Places, Rosters, Proposals, Complaints, Verification, Distribution):
    def __init__(self, rng: random.Random, households: int, history: bool, stdout: TextIO | None):
        self.rng, self.target, self.history, self.stdout = rng, households, history, stdout
        # Its own sequence: the gaps leave every other draw of the demo as it was.
        self.gaps = random.Random(str(rng.getstate()))  # str: hash() of it varies per process
        self.villages = list(
            Region.objects.filter(code__startswith=f"{DISTRICT}.", level=Region.Level.VILLAGE)
            .select_related("parent")
            .order_by("code")
        )
        kecamatan = sorted({v.parent.code.replace(".", "") for v in self.villages})
        taken = {int(n) for n in Household.objects.values_list("head_nik", flat=True)}
        taken |= {int(n) for n in Member.objects.exclude(nik="").values_list("nik", flat=True)}
        self.people = People(rng, kecamatan, taken)
        # Doubtful rows draw from a sequence of their own too, their new cards among the rest.
        self.doubts = random.Random(str(self.gaps.getstate()) + "doubts")
        self.new_cards = People(self.doubts, kecamatan, taken)
        self.new_cards.kks = self.people.kks
        self.dusun: dict[int, list[str]] = {}
        self.village_rows = min(max(households // 70, 8), 500)
        self.opd_rows = min(max(households // 50, 10), 1000)

    def say(self, text: str) -> None:
        if self.stdout is not None:
            self.stdout.write(text + "\n")

    def run(self) -> list[str]:
        units = self.units()
        users, kept = self.users(units)
        rosters = self.roster_versions(users["staf"])
        operator_desa = users[MARKER_USER].unit.region
        others = self.rng.sample([v for v in self.villages if v != operator_desa], 9)
        candidates = self.families(rosters, [operator_desa, *others])
        self.batches(units, users, candidates)
        self.complaints(users, operator_desa)
        for roster in rosters.values():  # in ROSTERS order, so a later period supersedes
            roster.rows.flush()
            version = roster.version
            version.row_count, version.problem_count = roster.rows.count, roster.problems
            version.save(update_fields=["row_count", "problem_count"])
            version.activate()
        self.exclusion_lists(users["staf"])
        self.verification_cycle(users, operator_desa)
        self.distribution(users, operator_desa)
        return kept
