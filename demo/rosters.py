"""The demo's families and the programme rosters that list them, each roster in the column
layout of its source system, with the damage real exports carry."""

from __future__ import annotations

import random

from demo.base import (
    DESIL_WEIGHTS,
    OUTSIDER_SHARE,
    ROSTER_DAMAGE,
    ROSTERS,
    Chunked,
    RosterWriter,
    write_households,
)
from demo.names import (
    DUSUN,
)
from demo.people import Family, Person, damage, date_text, old_spelling, without_titles
from households import identity
from households.address import tidy_name
from households.models import Household, Member, Region, User
from programs.models import (
    Program,
    RosterRow,
    RosterVersion,
)


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


class Rosters:
    """Roster versions, families, households and roster rows (a part of demo.district._Demo)."""

    def roster_versions(self, by: User) -> dict[str, RosterWriter]:
        programs = {p.code: p for p in Program.objects.filter(code__in={r[0] for r in ROSTERS})}
        rosters: dict[str, RosterWriter] = {}
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
            rosters[f"{code} {period}"] = RosterWriter(version)
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

    def families(self, rosters: dict[str, RosterWriter], batch_desa: list[Region]) -> dict:
        """Generate every family desa by desa, writing households, members and roster rows."""
        rng, people = self.rng, self.people
        households = Chunked(write_households)
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

    def household(self, family: Family, households: Chunked) -> Household:
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

    def roster_row(self, roster: RosterWriter, family: Family) -> None:
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
