"""The people of the demo district: families with valid, consistent NIK and No. KK, and the
ways operators type them (old spellings, titles, Excel damage)."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from households import identity
from households.models import Household, Region

from .names import (
    FEMALE_FIRST,
    FEMALE_LAST,
    FEMALE_OLD,
    MALE_FIRST,
    MALE_LAST,
    MALE_OLD,
    STREETS,
    YOUNG_FEMALE,
    YOUNG_LAST,
    YOUNG_MALE,
)


@dataclass(slots=True)
class Person:
    nik: str
    name: str
    sex: str
    born: datetime.date


@dataclass(slots=True, eq=False)
class Family:
    desa: Region
    no_kk: str
    head: Person
    spouse: Person | None
    children: list[Person]
    address: str
    rt: str
    rw: str
    mother_name: str
    desil: int | None = None
    rosters: list[str] = field(default_factory=list)  # ROSTERS keys, "DTKS Januari 2024"
    household: Household | None = None


class People:
    """Draws valid, unique NIK and No. KK numbers with names that go with them."""

    def __init__(self, rng: random.Random, kecamatan: list[str], taken: set[int]):
        self.rng = rng
        self.kecamatan = kecamatan  # "330601"...
        self.niks = taken
        self.kks: set[int] = set()

    def date(self, first_year: int, last_year: int) -> datetime.date:
        start = datetime.date(first_year, 1, 1)
        days = (datetime.date(last_year, 12, 31) - start).days
        return start + datetime.timedelta(days=self.rng.randrange(days + 1))

    def region(self, home: str, stay: float) -> str:
        """Most people keep the NIK of their own kecamatan; others moved in from elsewhere."""
        return home if self.rng.random() < stay else self.rng.choice(self.kecamatan)

    def person(self, sex: str, years: tuple[int, int], region: str) -> Person:
        # Born 1940 or later and before this year, so DDMMYY reads back as the same date.
        while True:
            born = self.date(*years)
            day = born.day + (40 if sex == "P" else 0)
            stem = f"{region}{day:02d}{born:%m%y}"
            serial = 1 + int(self.rng.expovariate(1 / 12))
            while serial <= 9999 and int(f"{stem}{serial:04d}") in self.niks:
                serial += 1
            nik = f"{stem}{serial:04d}"
            check = identity.check_nik(nik)
            if serial > 9999 or check.errors or (check.birth_date, check.sex) != (born, sex):
                continue
            self.niks.add(int(nik))
            return Person(nik, self.name(sex, born), sex, born)

    def no_kk(self, region: str, years: tuple[int, int] = (2008, 2025)) -> str:
        while True:
            serial = 1 + int(self.rng.expovariate(1 / 40))
            number = f"{region}{self.date(*years):%d%m%y}{min(serial, 9999):04d}"
            check = identity.check_no_kk(number)
            if int(number) not in self.kks and not check.errors and not check.warnings:
                self.kks.add(int(number))
                return number

    def name(self, sex: str, born: datetime.date) -> str:
        rng = self.rng
        if born.year >= 1995:
            first = rng.choice(YOUNG_MALE if sex == "L" else YOUNG_FEMALE)
            return f"{first} {rng.choice(YOUNG_LAST)}" if rng.random() < 0.8 else first
        if born.year < 1970 and rng.random() < 0.6:
            return rng.choice(MALE_OLD if sex == "L" else FEMALE_OLD)
        if sex == "L":
            return f"{rng.choice(MALE_FIRST)} {rng.choice(MALE_LAST + MALE_OLD)}"
        return f"{rng.choice(FEMALE_FIRST)} {rng.choice(FEMALE_LAST)}"

    def titled(self, person: Person) -> str:
        """Titles as offices type them: H./Hj. before, Drs. before, S.Pd. after."""
        roll, year, name = self.rng.random(), person.born.year, person.name
        if roll < 0.04 and year < 1975:
            return f"{'H.' if person.sex == 'L' else 'Hj.'} {name}"
        if roll < 0.055 and 1950 <= year < 1970 and person.sex == "L":
            return f"Drs. {name}"
        if roll < 0.075 and 1970 <= year < 1995:
            return f"{name}, S.Pd."
        return name

    def family(self, desa: Region, dusun: list[str]) -> Family:
        rng, home = self.rng, desa.code.replace(".", "")[:6]
        head_sex = "L" if rng.random() < 0.82 else "P"
        head = self.person(head_sex, (1942, 1998), self.region(home, 0.85))
        head.name = self.titled(head)
        spouse = None
        if head_sex == "L" and rng.random() < 0.88:
            first = min(max(head.born.year + rng.randint(-3, 8), 1945), 2001)
            spouse = self.person("P", (first, first), self.region(home, 0.7))
            if head.name.startswith("H. ") and rng.random() < 0.7:
                spouse.name = f"Hj. {spouse.name}"
        children = []
        if rng.random() < 0.55:
            mother = spouse or head
            first, last = mother.born.year + 20, min(mother.born.year + 42, 2024)
            for _n in range(rng.randint(1, 3) if first <= last else 0):
                children.append(
                    self.person(rng.choice("LP"), (first, last), self.region(home, 0.95))
                )
        if desa.kind == Region.Kind.KELURAHAN:
            rw = rng.randint(1, 9)
            number = rng.randint(1, 120)
            street = rng.choice(STREETS)
            address = (
                f"JL. {street} GG. {rng.randint(1, 9)} NO. {number}"
                if rng.random() < 0.25
                else f"JL. {street} NO. {number}"
            )
        else:
            rw = rng.randrange(len(dusun)) + 1
            address = f"DUSUN {dusun[rw - 1]}"
        return Family(
            desa=desa,
            no_kk=self.no_kk(home),
            head=head,
            spouse=spouse,
            children=children,
            address=address,
            rt=f"{rng.randint(1, 12 if desa.kind == Region.Kind.KELURAHAN else 6):03d}",
            rw=f"{rw:03d}",
            mother_name=rng.choice(FEMALE_OLD),
        )


def date_text(born: datetime.date, style: int) -> str:
    return (f"{born:%d-%m-%Y}", f"{born:%d/%m/%Y}", f"{born:%Y-%m-%d}")[style]


def damage(number: str, rng: random.Random) -> str:
    """An identifier as Excel or a tired hand leaves it: scientific notation or a lost digit."""
    if rng.random() < 0.6:
        return f"{float(number):.5E}"
    cut = rng.randrange(16)
    return number[:cut] + number[cut + 1 :]


def old_spelling(name: str) -> str:
    words = []
    for word in name.split():
        if word in ("MUHAMMAD", "MOHAMMAD"):
            word = "MOCH."
        elif word.startswith("SU"):
            word = "SOE" + word[2:]
        elif word.startswith("J") and len(word) > 3:
            word = "DJ" + word[1:]
        words.append(word)
    return " ".join(words)


def without_titles(name: str) -> str:
    words = [w for w in name.replace(",", " ").split() if w not in ("H.", "Hj.", "Drs.", "S.Pd.")]
    return " ".join(words)
