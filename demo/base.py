"""What every part of the demo shares: its figures and shares, and writing in chunks."""

from __future__ import annotations

from collections.abc import Callable

from django.db import reset_queries

from households.models import Household, Member, User
from programs.models import (
    RosterRow,
    RosterVersion,
)

DISTRICT = "33.06"
PASSWORD = "bansos-demo"
SCALES = {"small": 2_500, "district": 300_000}
CHUNK = 5_000
MONTH = "November 2026"  # the proposal round the demo office is working on
OPERATOR_DESA = ("33.06.06", "Semawung")  # a desa of Kecamatan Purworejo
AGENCIES = ["Dinas Perhubungan", "Dinas Perdagangan", "Dinas Pariwisata dan Kebudayaan"]
OPD_BATCHES = [  # unit, sector, uploaded by the agency's own operator
    ("Dinas Perhubungan", "tukang becak", True),
    ("Dinas Perhubungan", "sopir angkot", False),
    ("Dinas Perdagangan", "pedagang pasar", False),
]
USERS = [  # username, role, unit, name
    ("admin", User.Role.ADMIN, None, "Admin Demo"),
    ("staf", User.Role.STAFF, None, "Staf Dinsos"),
    ("kepala", User.Role.HEAD, None, "Kepala Dinsos"),
    ("operator.desa", User.Role.VILLAGE, "village", "Operator Desa"),
    ("operator.opd", User.Role.AGENCY, AGENCIES[0], "Operator Dishub"),
    ("posko", User.Role.DESK, None, "Posko Pengaduan"),
    ("kecamatan", User.Role.KECAMATAN, "kecamatan", "TKSK Kecamatan"),
]
COMPLAINANTS = ["Sumarni", "Pak Darmo", "Bu Tukinem", "Slamet Widodo", "Sri Lestari", "Wagiman"]
MARKER_USER = "operator.desa"  # created only by the demo, in the same transaction as its data
# Roster versions in the order they were activated: a later one supersedes an earlier one.
# The district scale keeps more DTSEN history, as a benchmark database would.
ROSTERS = [  # code, period, district scale only
    ("DTKS", "Januari 2024", False),
    ("DTKS", "Oktober 2024", False),
    ("BST", "Juni 2020", False),
    ("SEMBAKO", "Juni 2020", False),
    ("DTSEN", "April 2026", True),
    ("DTSEN", "Juli 2026", True),
    ("DTSEN", "Oktober 2026", False),
    ("PKH", "Oktober 2026", False),
    ("BPNT", "Oktober 2026", False),
    ("BLTDESA", "Oktober 2026", False),
    ("BANSOSPROV", "September 2026", False),
    ("JPSKAB", "September 2026", False),
]
OUTSIDER_SHARE = 0.3  # families on national rosters that the office's registry does not hold
ROSTER_DAMAGE = 0.005
PROPOSAL_DAMAGE = 0.05
# Rows the intake accepts but the JPS re-check returns (May 2020: 7,318 of 22,870 families):
# no RT or RW, or a placeholder for the name.
JPS_GAPS = 0.2
# Proposal rows of families already on a roster that the cross-check cannot settle alone.
DOUBTFUL = 0.04
DESIL_WEIGHTS = [16, 14, 12, 11, 10, 9, 8, 7, 7, 6]  # a poor district: more low deciles


# --- writing in chunks --------------------------------------------------------------------------


class Chunked:
    """Collects objects and writes them with bulk_create every CHUNK objects."""

    def __init__(self, write: Callable[[list], None]):
        self.write, self.items, self.count = write, [], 0

    def add(self, item) -> None:
        self.items.append(item)
        if len(self.items) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.items:
            self.write(self.items)
            self.count += len(self.items)
            self.items = []
            reset_queries()  # with DEBUG on, Django keeps every multi-megabyte INSERT it ran


def write_households(pairs: list[tuple[Household, list[Member]]]) -> None:
    """Households first, so that their new ids can go on their members."""
    Household.objects.bulk_create([household for household, _members in pairs])
    members = []
    for household, family_members in pairs:
        for member in family_members:
            member.household = household
            members.append(member)
    Member.objects.bulk_create(members, batch_size=CHUNK)


class RosterWriter:
    """One roster version being written, in the column layout of its source."""

    def __init__(self, version: RosterVersion):
        self.version, self.code = version, version.program.code
        self.rows = Chunked(RosterRow.objects.bulk_create)
        self.number = self.problems = 0
        self.latest = True  # the version that ends up active
