"""A realistic demo district: Purworejo (33.06) with its offices, logins, families, programme
rosters and proposal batches, for trying the product and for benchmarks.

Everything is drawn from one `random.Random(seed)`, so a seed gives the same district every time.
Families are generated desa by desa in one pass and written in chunks, so the district scale
(300,000 families, about a million roster rows) runs in bounded memory. Bulk inserts leave no
history rows: the demo is one import event, not thousands of edits.
"""

from __future__ import annotations

import datetime
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from django.db import reset_queries, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import desk
from complaints.models import Category, Complaint
from programs.models import (
    Program,
    ProposalBatch,
    ProposalRow,
    RosterRow,
    RosterVersion,
    Sector,
)

from .. import identity
from ..address import tidy_name
from ..models import Household, Member, Region, Unit, User
from ..regions import load_district
from .names import (
    DUSUN,
    REMARKS,
)
from .people import Family, People, Person, damage, date_text, old_spelling, without_titles

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
        kept_users=kept or [],
    )


# --- people and families ------------------------------------------------------------------------


def _pick_rosters(family: Family, rng: random.Random, outsider: bool) -> list[str]:
    """Which roster versions list this family: PKH and BPNT follow the DTSEN desil; the Covid
    aid of 2020 and BLT Desa went to families the central programmes missed."""
    on: list[str] = []
    r = rng.random
    if r() < (0.75 if outsider else 0.4):
        family.desil = rng.choices(range(1, 11), DESIL_WEIGHTS)[0]
    desil = family.desil or 99
    dtks = r() < (0.85 if desil <= 6 else 0.5 if desil <= 10 else 0.06)
    if (dtks and r() > 0.04) or (not dtks and r() < 0.03):
        on.append("DTKS Januari 2024")
    if dtks:
        on.append("DTKS Oktober 2024")
    pkh = desil <= 4 and r() < 0.45
    bpnt = desil <= 5 and r() < (0.75 if pkh else 0.55)
    bst = not (pkh or bpnt) and r() < (0.3 if dtks else 0.04)
    if bst:
        on.append("BST Juni 2020")
    if r() < (0.12 if dtks else 0.03):
        on.append("SEMBAKO Juni 2020")
    for period in ("April 2026", "Juli 2026"):  # earlier monthly rankings
        if (family.desil and r() < 0.97) or (not family.desil and r() < 0.03):
            on.append(f"DTSEN {period}")
    if family.desil:
        on.append("DTSEN Oktober 2026")
    if pkh:
        on.append("PKH Oktober 2026")
    if bpnt:
        on.append("BPNT Oktober 2026")
    blt = not (pkh or bpnt or bst) and r() < 0.08
    if blt:
        on.append("BLTDESA Oktober 2026")
    if not (pkh or bpnt) and r() < 0.02:
        on.append("BANSOSPROV September 2026")
    if not (pkh or bpnt or bst or blt) and r() < 0.03:
        on.append("JPSKAB September 2026")
    return on


# --- writing in chunks --------------------------------------------------------------------------


class _Chunked:
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


def _write_households(pairs: list[tuple[Household, list[Member]]]) -> None:
    """Households first, so that their new ids can go on their members."""
    Household.objects.bulk_create([household for household, _members in pairs])
    members = []
    for household, family_members in pairs:
        for member in family_members:
            member.household = household
            members.append(member)
    Member.objects.bulk_create(members, batch_size=CHUNK)


class _Roster:
    """One roster version being written, in the column layout of its source."""

    def __init__(self, version: RosterVersion):
        self.version, self.code = version, version.program.code
        self.rows = _Chunked(RosterRow.objects.bulk_create)
        self.number = self.problems = 0
        self.latest = True  # the version that ends up active


class _Demo:
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
        return kept

    def complaints(self, users: dict[str, User], operator_desa: Region) -> None:
        """A desk's few weeks: complaints by every channel, some handled, one forwarded to the
        demo village, one resolved, one overdue, so each page has something to show."""
        rng = random.Random(f"complaints {self.rng.getstate()}")  # its own: the rest stays
        categories = list(Category.objects.all())
        if not categories or Complaint.objects.exists():
            return
        clerk = users["posko"]
        now = timezone.now()
        # (category, story): what a desk hears in a month.
        heard = [
            ("Belum menerima bantuan", "Kami belum menerima bantuan JPS padahal suami di-PHK."),
            ("Salah sasaran (inclusion error)", "Tetangga yang pegawai negeri masuk daftar."),
            ("Data salah (nama, NIK, alamat)", "Nama ibu saya salah ketik di daftar desa."),
            ("Pemotongan atau pungutan oleh perantara", "Bantuan dipotong Rp50.000 oleh oknum."),
            ("Masalah kartu atau rekening", "Kartu KKS belum diterima sejak Januari."),
            ("Lainnya", "Mohon informasi jadwal pencairan tahap 2."),
            ("Usulan keluarga baru", "Keluarga baru pindah ke desa ini dan belum terdata."),
            ("Salah sasaran (inclusion error)", "Penerima sudah meninggal tetapi masih tercantum."),
        ]
        by_name = {c.name: c for c in categories}
        # The wrongly listed and wrong data complaints are about families of the demo village.
        families = list(Household.objects.filter(desa=operator_desa).order_by("pk")[:2])
        for n, (category, story) in enumerate(heard):
            received = now - datetime.timedelta(days=3 + 4 * n)
            complaint = desk.log(
                by=clerk,
                channel=rng.choice(Complaint.Channel.values),
                kind=Complaint.Kind.INFORMATION
                if "informasi" in story
                else Complaint.Kind.COMPLAINT,
                category=by_name.get(category) or rng.choice(categories),
                complainant_name=rng.choice(COMPLAINANTS),
                complainant_contact=f"08{rng.randrange(10**9, 10**10)}",
                desa=operator_desa if n < 3 else rng.choice(self.villages),
                story=story,
                household=families[n - 1] if n in (1, 2) and len(families) == 2 else None,
                received_at=received,
            )
            next_day = received + datetime.timedelta(days=1)
            if n == 0:
                desk.move(
                    complaint,
                    Complaint.Status.HANDLING,
                    by=clerk,
                    forward=users[MARKER_USER].unit,
                    at=next_day,
                )
            elif n in (1, 2):
                desk.move(complaint, Complaint.Status.HANDLING, by=clerk, assign=clerk, at=next_day)
            elif n == 3:
                desk.move(complaint, Complaint.Status.HANDLING, by=clerk, assign=clerk, at=next_day)
                desk.move(
                    complaint,
                    Complaint.Status.RESOLVED,
                    by=clerk,
                    at=next_day + datetime.timedelta(days=2),
                    resolution="Dana dikembalikan; perantara dilaporkan ke inspektorat.",
                    public_reply="Pengaduan Anda sudah ditindaklanjuti.",
                )

    def units(self) -> dict[str, Unit]:
        existing = {u.region_id: u for u in Unit.objects.filter(region__in=self.villages)}
        names = set(Unit.objects.values_list("name", flat=True))
        shared = {n for n, times in Counter(v.name for v in self.villages).items() if times > 1}
        new = []
        for village in self.villages:
            if village.pk in existing:
                continue
            name = f"{village.get_kind_display().title()} {village.name}"
            if village.name in shared or name in names:  # Purworejo has 23 names twice
                name = f"{name} (Kec. {village.parent.name})"
            names.add(name)
            new.append(Unit(kind=Unit.Kind.VILLAGE, name=name, region=village))
        Unit.objects.bulk_create(new)
        units: dict = {
            "village": {u.region_id: u for u in Unit.objects.filter(region__in=self.villages)}
        }
        for name in AGENCIES:
            units[name], _created = Unit.objects.get_or_create(
                name=name, defaults={"kind": Unit.Kind.AGENCY}
            )
        return units

    def users(self, units: dict) -> tuple[dict[str, User], list[str]]:
        kecamatan, name = OPERATOR_DESA
        desa = (
            Region.objects.filter(parent__code=kecamatan, name=name, kind=Region.Kind.DESA).first()
            or Region.objects.filter(parent__code=kecamatan, kind=Region.Kind.DESA).first()
        )
        existing = {u.username: u for u in User.objects.filter(username__in=[u[0] for u in USERS])}
        users, kept = {}, []
        for username, role, unit_key, full_name in USERS:
            if username in existing:  # e.g. an admin made with createsuperuser: not ours to change
                users[username] = existing[username]
                kept.append(username)
                continue
            unit = units["village"][desa.pk] if unit_key == "village" else units.get(unit_key)
            first, last = full_name.split(" ", 1)
            if unit_key == "village":
                last = f"{last} {desa.name}"
            user = User(username=username, role=role, unit=unit, first_name=first, last_name=last)
            user.is_staff = user.is_superuser = role == User.Role.ADMIN
            user.set_password(PASSWORD)
            user.full_clean()
            user.save()
            users[username] = user
        return users, kept

    def roster_versions(self, by: User) -> dict[str, _Roster]:
        programs = {p.code: p for p in Program.objects.filter(code__in={r[0] for r in ROSTERS})}
        rosters: dict[str, _Roster] = {}
        for code, period, district_only in ROSTERS:
            if code not in programs or (district_only and not self.history):
                continue
            version = RosterVersion.objects.create(
                program=programs[code],
                period=period,
                source_name=f"{code}_3306_PURWOREJO_{period.upper().replace(' ', '_')}.xlsx",
                imported_by=by,
                headers=roster_headers(code),
            )
            for earlier in rosters.values():
                earlier.latest = earlier.latest and earlier.code != code
            rosters[f"{code} {period}"] = _Roster(version)
        return rosters

    def household_counts(self, batch_desa: list[Region]) -> list[int]:
        weights = [
            (1.6 if v.kind == Region.Kind.KELURAHAN else 1.0) * self.rng.uniform(0.5, 1.5)
            for v in self.villages
        ]
        # Villages with a batch need enough families for a batch of real neighbours.
        fixed = {v.pk: self.village_rows * 2 for v in batch_desa}
        left = max(self.target - sum(fixed.values()), 0)
        total = sum(w for v, w in zip(self.villages, weights, strict=True) if v.pk not in fixed)
        return [
            fixed.get(v.pk) or int(left * w / total + self.rng.random())
            for v, w in zip(self.villages, weights, strict=True)
        ]

    def families(self, rosters: dict[str, _Roster], batch_desa: list[Region]) -> dict:
        """Generate every family desa by desa, writing households, members and roster rows."""
        rng, people = self.rng, self.people
        households = _Chunked(_write_households)
        candidates: dict = {v.pk: {"registry": [], "rostered": []} for v in batch_desa}
        reservoir: list[Family] = []  # agencies propose working men from anywhere
        seen = 0
        counts = self.household_counts(batch_desa)
        kecamatan = None
        for village, count in zip(self.villages, counts, strict=True):
            if kecamatan not in (None, village.parent):
                self.say(f"Kec. {kecamatan.name}: {households.count + len(households.items)}")
            kecamatan = village.parent
            dusun = self.dusun[village.pk] = rng.sample(DUSUN, rng.randint(3, 6))
            kinds = [False] * count + [True] * int(count * OUTSIDER_SHARE + rng.random())
            rng.shuffle(kinds)
            for outsider in kinds:
                family = people.family(village, dusun)
                family.rosters = _pick_rosters(family, rng, outsider)
                for key in family.rosters:
                    if key in rosters:
                        self.roster_row(rosters[key], family)
                if outsider:
                    if family.rosters and village.pk in candidates:
                        candidates[village.pk]["rostered"].append(family)
                    continue
                family.household = self.household(family, households)
                if village.pk in candidates:
                    candidates[village.pk]["registry"].append(family)
                if family.head.sex == "L" and 1955 <= family.head.born.year <= 1995:
                    seen += 1
                    if len(reservoir) < self.opd_rows * 4:
                        reservoir.append(family)
                    elif (slot := rng.randrange(seen)) < len(reservoir):
                        reservoir[slot] = family
        households.flush()
        self.say(f"Kec. {kecamatan.name}: {households.count} households")
        candidates["agency"] = reservoir
        return candidates

    def household(self, family: Family, households: _Chunked) -> Household:
        head = family.head
        household = Household(
            no_kk=family.no_kk,
            head_nik=head.nik,
            head_name=head.name,
            head_name_folded=tidy_name(head.name),  # bulk_create skips Household.save()
            head_sex=head.sex,
            head_birth_date=head.born,
            address=family.address,
            rt=family.rt,
            rw=family.rw,
            desa=family.desa,
        )
        members = [
            Member(nik=p.nik, name=p.name, sex=p.sex, birth_date=p.born, relation=relation)
            for p, relation in [
                *([(family.spouse, Member.Relation.SPOUSE)] if family.spouse else []),
                *((child, Member.Relation.CHILD) for child in family.children),
            ]
        ]
        households.add((household, members))
        return household

    def roster_row(self, roster: _Roster, family: Family) -> None:
        rng, code = self.rng, roster.code
        # PKH pays the mother of the family; food aid often goes to the wife as well.
        wife_share = {"PKH": 0.7, "BPNT": 0.3}.get(code, 0.05)
        person = family.spouse if family.spouse and rng.random() < wife_share else family.head
        name = without_titles(person.name) if code in ("DTSEN", "DTKS") else person.name
        if code != "DTSEN" and rng.random() < 0.03:  # DTSEN is matched to the civil registry
            name = old_spelling(name)
        no_kk = family.no_kk
        if code == "DTKS" and rng.random() < 0.03:  # the family moved or split since
            no_kk = self.people.no_kk(no_kk[:6], (1995, 2007))
        mother = family.mother_name if person is family.head and rng.random() < 0.8 else ""
        roster.number += 1
        desil = family.desil if code == "DTSEN" else None
        if desil and not roster.latest and rng.random() < 0.1:
            desil = min(max(desil + rng.choice((-1, 1)), 1), 10)  # re-ranked since
        nik, problems = person.nik, []
        raw_nik = nik
        if rng.random() < ROSTER_DAMAGE:
            raw_nik = damage(nik, rng)
            nik, problems = "", [p.message for p in identity.check_nik(raw_nik).errors]
            roster.problems += 1
        source_id = f"{code[:2]}{family.desa.code.replace('.', '')}{roster.number:07d}"
        if code in ("BLTDESA", "JPSKAB", "BANSOSPROV"):
            source_id = ""
        raw = _roster_raw(code, source_id, roster.number, no_kk, raw_nik, name, person, family)
        if mother and code in ("DTSEN", "DTKS"):
            raw["NAMA IBU KANDUNG" if code == "DTSEN" else "NamaIbu"] = mother
        if desil:
            raw["DESIL"] = str(desil)
        roster.rows.add(
            RosterRow(
                version=roster.version,
                row_number=roster.number,
                source_id=source_id,
                no_kk=no_kk,
                nik=nik,
                name=name,
                sex=person.sex,
                birth_date=person.born,
                mother_name=mother if code in ("DTSEN", "DTKS") else "",
                address=family.address,
                rt=family.rt,
                rw=family.rw,
                desa=family.desa,
                desil=desil,
                raw=[raw.get(header, "") for header in roster.version.headers],
                problems=problems,
            )
        )

    # --- proposals ------------------------------------------------------------------------------

    def batches(self, units: dict, users: dict[str, User], candidates: dict) -> None:
        rng, rows, proposed = self.rng, [], []
        operator = users[MARKER_USER]
        villages = [k for k in candidates if k != "agency"]
        for i, village_pk in enumerate(villages):
            unit = units["village"][village_pk]
            # Villages without an operator account send their file to Dinsos to upload.
            batch = ProposalBatch.objects.create(
                unit=unit,
                title=f"Usulan JPS {unit.name} {MONTH}",
                status=ProposalBatch.Status.SUBMITTED if i < 7 else ProposalBatch.Status.DRAFT,
                created_by=operator if unit == operator.unit else users["staf"],
            )
            pool = candidates[village_pk]
            picked = self.pick(pool["registry"], pool["rostered"], self.village_rows, unit.region)
            proposed += [f for f in picked if f.household]
            rows += self.proposal_rows(batch, picked, layout=i % 3)
        sectors = {s.name: s for s in Sector.objects.all()}
        workers = candidates["agency"]
        for unit_name, sector_name, own_operator in OPD_BATCHES:
            batch = ProposalBatch.objects.create(
                unit=units[unit_name],
                sector=sectors.get(sector_name),
                title=f"Usulan JPS {unit_name} sektor {sector_name} {MONTH}",
                status=ProposalBatch.Status.SUBMITTED,
                created_by=users["operator.opd" if own_operator else "staf"],
            )
            # Some families are proposed both by their village and by an agency.
            both = rng.sample(proposed, min(len(proposed), max(2, self.opd_rows // 8)))
            pool, workers = workers[: self.opd_rows], workers[self.opd_rows :]
            picked = both + self.pick(pool, [], self.opd_rows - len(both), None)
            rng.shuffle(picked)
            rows += self.proposal_rows(batch, picked, layout=3, sector=sector_name)
        ProposalRow.objects.bulk_create(rows, batch_size=CHUNK)

    def pick(
        self, registry: list[Family], rostered: list[Family], n: int, desa: Region | None
    ) -> list[Family]:
        """Mostly registry families, some known only from a roster, some never seen before."""
        rng = self.rng
        new = max(1, n * 15 // 100)
        outside = min(len(rostered), n // 10)
        known = min(len(registry), n - new - outside)
        picked = rng.sample(registry, known) + rng.sample(rostered, outside)
        for _n in range(new):
            home = desa or rng.choice(self.villages)
            picked.append(self.people.family(home, self.dusun[home.pk]))
        rng.shuffle(picked)
        return picked

    def proposal_rows(
        self, batch: ProposalBatch, families: list[Family], *, layout: int, sector: str = ""
    ) -> list[ProposalRow]:
        rng, rows = self.rng, []
        if families and rng.random() < 0.6:  # the same family typed twice in one file
            families = [*families, rng.choice(families)]
        damaged = set(
            rng.sample(range(len(families)), max(1, round(len(families) * PROPOSAL_DAMAGE)))
        )
        for number, family in enumerate(families, start=1):
            wife = family.spouse is not None and rng.random() < 0.06
            person = family.spouse if wife else family.head
            row = ProposalRow(
                batch=batch,
                row_number=number,
                no_kk=family.no_kk,
                nik=person.nik,  # as the intake stores it; the cell keeps it as typed
                name=self.typed_name(person.name),
                sex=person.sex,
                birth_date=person.born,
                address=family.address,
                rt=family.rt,
                rw=family.rw,
                desa=family.desa,
                phone=f"08{rng.choice('1257')}{rng.randrange(10**8, 10**9)}" if sector else "",
                remarks=rng.choice(REMARKS) if not sector else sector.upper(),
                household=family.household,
            )
            if number - 1 in damaged:
                self.damage(row, sector=bool(sector))
            elif self.gaps.random() < JPS_GAPS:
                field, value = self.gaps.choice([("rt", ""), ("rt", ""), ("rw", ""), ("name", "-")])
                setattr(row, field, value)
            elif not wife and family.rosters and self.doubts.random() < DOUBTFUL:
                self.doubtful(row, family)
            row.raw = self.proposal_raw(row, layout)
            rows.append(row)
        return rows

    def doubtful(self, row: ProposalRow, family: Family) -> None:
        """The head's NIK under the name of another of the family's people, on the new card of
        a family that split: the rosters know that NIK under another name and card, so the
        cross-check asks a person (a handful a district, as in the field)."""
        others = [p for p in (family.spouse, *family.children) if p is not None]
        if not others:
            return
        row.no_kk = self.new_cards.no_kk(family.no_kk[:6])
        row.name = self.typed_name(self.doubts.choice(others).name)
        row.household = None  # another card: which family it is, is the question

    def damage(self, row: ProposalRow, *, sector: bool) -> None:
        rng = self.rng
        kinds = ["nik", "no_kk", "nama"] + ([] if sector else ["desa"])
        column = rng.choice(kinds)
        if column == "nik":
            row.nik = f"{float(row.nik):.5E}"
            messages = [p.message for p in identity.check_nik(row.nik).errors]
        elif column == "no_kk":
            cut = rng.randrange(16)
            row.no_kk = row.no_kk[:cut] + row.no_kk[cut + 1 :]
            messages = [p.message for p in identity.check_no_kk(row.no_kk).errors]
        elif column == "nama":
            row.name = ""
            messages = [_("The name of the head of household is empty.")]
        else:
            home = row.desa
            row.desa = rng.choice([v for v in self.villages if v.parent_id != home.parent_id])
            messages = [
                _("%(desa)s is not %(unit)s: a village proposes only families living there.")
                % {"desa": row.desa, "unit": home}
            ]
        row.status = ProposalRow.Status.INVALID
        row.problems = [{"column": column, "message": m} for m in messages]
        row.household = None

    def typed_number(self, number: str) -> str:
        """A number as an operator's spreadsheet holds it: mostly plain, sometimes behind the
        apostrophe that keeps Excel from rounding it, sometimes in groups of four."""
        if not number.isdigit():
            return number  # damaged already (1.23E+15): written as it is
        roll = self.rng.random()
        if roll < 0.05:
            return f"'{number}"  # the apostrophe that makes Excel keep it as text
        if roll < 0.08:
            return " ".join(number[i : i + 4] for i in range(0, 16, 4))
        return number

    def typed_name(self, name: str) -> str:
        roll = self.rng.random()
        if roll < 0.1:
            name = old_spelling(name).title()
        elif roll < 0.25:
            name = name.title()
        elif roll < 0.33:
            name = name.lower()
        elif roll < 0.36:
            name = f" {name}  "
        return name

    def proposal_raw(self, row: ProposalRow, layout: int) -> dict[str, str]:
        rng = self.rng
        desa = row.desa.name if row.desa else ""
        kec = row.desa.parent.name if row.desa else ""
        rt = (str(int(row.rt)) if rng.random() < 0.5 else row.rt[1:]) if row.rt else ""
        rw = (str(int(row.rw)) if rng.random() < 0.5 else row.rw) if row.rw else ""
        born = date_text(row.birth_date, layout % 3) if row.birth_date else ""
        sex = {"L": "LAKI-LAKI", "P": "PEREMPUAN"}[row.sex] if layout == 1 else row.sex
        columns = [
            (["NO", "No.", "NO", "NO"], str(row.row_number)),
            (["NO KK", "Nomor Kartu Keluarga", "NOKK", "NO. KK"], row.no_kk),
            (["NIK", "NIK KEPALA KELUARGA", "NIK KRT", "NIK"], self.typed_number(row.nik)),
            (["NAMA", "NAMA KEPALA KELUARGA", "NAMA KRT", "NAMA LENGKAP"], row.name),
            (["L/P", "JK", None, "L/P"], sex),
            (["TGL LAHIR", "TANGGAL LAHIR", None, "TGL LAHIR"], born),
            (["ALAMAT", "DUSUN", "ALAMAT LENGKAP", "ALAMAT"], row.address),
            (["RT", "RT", "RT", "RT"], rt),
            (["RW", "RW", "RW", "RW"], rw),
            (["DESA", "DESA/KELURAHAN", "NAMA DESA", "DESA/KELURAHAN"], desa.upper()),
            (["KECAMATAN", "KEC", "NAMA KECAMATAN", "KECAMATAN"], f"KEC. {kec.upper()}"),
            ([None, None, "NO HP", "NO HP"], row.phone),
            (["KETERANGAN", "KET", None, "SEKTOR"], row.remarks),
        ]
        raw = {names[layout]: value for names, value in columns if names[layout]}
        if layout == 1:
            raw["DESA/KELURAHAN"] = desa.title()
        return raw


# Each roster's columns, as its source system names them (RosterVersion.headers).
ROSTER_HEADERS = {
    "DTSEN": [
        *("ID DTSEN", "NOMOR KK", "NIK", "NAMA", "JENIS KELAMIN", "TANGGAL LAHIR", "ALAMAT"),
        *("RT", "RW", "DESA/KELURAHAN", "KECAMATAN", "NAMA IBU KANDUNG", "DESIL"),
    ],
    "DTKS": [
        *("IDDTKS", "NoKK", "NIK", "Nama", "JnsKel", "TglLahir", "Alamat", "RT", "RW"),
        *("NMKEL", "NMKEC", "NamaIbu"),
    ],
    "PKH": [
        *("ID_PESERTA", "NOMOR KK", "NOMOR NIK", "NAMA PENERIMA", "JK", "TGL LAHIR"),
        *("ALAMAT", "DESA/KELURAHAN", "KECAMATAN"),
    ],
    "other": [
        *("NO", "NO KK", "NIK", "NAMA KK", "L/P", "TGL LAHIR", "ALAMAT", "RT", "RW"),
        *("DESA", "KECAMATAN"),
    ],
}


def roster_headers(code: str) -> list[str]:
    if code in ("PKH", "BPNT", "BST", "SEMBAKO"):
        code = "PKH"
    return ROSTER_HEADERS.get(code, ROSTER_HEADERS["other"])


def _roster_raw(
    code: str,
    source_id: str,
    number: int,
    no_kk: str,
    nik: str,
    name: str,
    person: Person,
    family: Family,
) -> dict[str, str]:
    """The row in the column names of the roster's source system, every value as text."""
    desa, kec = family.desa.name.upper(), family.desa.parent.name.upper()
    if code == "DTSEN":
        return {
            "ID DTSEN": source_id,
            "NOMOR KK": no_kk,
            "NIK": nik,
            "NAMA": name,
            "JENIS KELAMIN": "LAKI-LAKI" if person.sex == "L" else "PEREMPUAN",
            "TANGGAL LAHIR": date_text(person.born, 2),
            "ALAMAT": family.address,
            "RT": family.rt,
            "RW": family.rw,
            "DESA/KELURAHAN": desa,
            "KECAMATAN": kec,
        }
    if code == "DTKS":
        return {
            "IDDTKS": source_id,
            "NoKK": no_kk,
            "NIK": nik,
            "Nama": name,
            "JnsKel": "1" if person.sex == "L" else "2",
            "TglLahir": date_text(person.born, 0),
            "Alamat": family.address,
            "RT": family.rt,
            "RW": family.rw,
            "NMKEL": desa,
            "NMKEC": kec,
        }
    if code in ("PKH", "BPNT", "BST", "SEMBAKO"):
        return {
            "ID_PESERTA": source_id,
            "NOMOR KK": no_kk,
            "NOMOR NIK": nik,
            "NAMA PENERIMA": name,
            "JK": person.sex,
            "TGL LAHIR": date_text(person.born, 1),
            "ALAMAT": f"{family.address} RT {family.rt} RW {family.rw}",
            "DESA/KELURAHAN": desa,
            "KECAMATAN": kec,
        }
    return {
        "NO": str(number),
        "NO KK": no_kk,
        "NIK": nik,
        "NAMA KK": name,
        "L/P": person.sex,
        "TGL LAHIR": date_text(person.born, 0),
        "ALAMAT": family.address,
        "RT": str(int(family.rt)),
        "RW": str(int(family.rw)),
        "DESA": desa.title(),
        "KECAMATAN": kec.title(),
    }
