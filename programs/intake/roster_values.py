"""What a roster's cells become: the checked NIK and No. KK, the date, desil, desa, RT/RW, sex.

One place for the rules, used by both ways a roster is stored: row by row
(`programs.intake.rosters`, SQLite) and set-based on PostgreSQL (`programs.intake.bulk`, which
asks once per distinct text).
Rosters repeat the same villages, dates and RT numbers hundreds of thousands of times, so
every answer is remembered for the length of the import.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from households.address import normalize_rt_rw
from households.identity import _issue_dates, _known_district, _nik_dates, check_nik, check_no_kk
from households.regions import place_index
from programs.intake.checks import parse_date, parse_sex
from programs.intake.readers import Sheet

CACHE_LIMIT = 200_000  # distinct texts remembered per lookup before its memo starts over

# Lengths of the text columns of RosterRow; longer cells are cut (the whole cell stays in raw).
LENGTHS = {"id": 40, "nama": 150, "nama_ibu": 150, "alamat": 255}


@dataclass
class Counts:
    """What an import met, for the upload's counters and summary."""

    read: int = 0  # data rows
    invalid: int = 0  # rows with at least one problem
    damaged: int = 0  # rows whose NIK / No. KK is damaged or missing
    desa_not_found: int = 0
    kinds: Counter[str] = field(default_factory=Counter)  # problem kind -> rows


class Values:
    """Answers for one import. Problems come back as (messages, kinds): the messages are stored
    on the row in the interface's language, the kinds are counted for the summary."""

    def __init__(self, *, carries_desil: bool, sheet: Sheet) -> None:
        self.today = datetime.date.today()
        self.carries_desil = carries_desil
        self.places = place_index() if "desa" in sheet.columns.values() else None
        # The identity module's tables for clean numbers (what check_nik/check_no_kk consult).
        self.nik_dates = _nik_dates(self.today)
        self.issue_dates = _issue_dates()
        self._ids: dict[tuple[str, str], tuple[str, list[str], list[str]]] = {}
        self._dates: dict[str, tuple[datetime.date | None, list[str]]] = {}
        self._desils: dict[str, tuple[int | None, list[str]]] = {}
        self._desa: dict[tuple[str, str], int | None] = {}
        self._rt: dict[str, str] = {}
        self._sex: dict[str, str] = {}

    @staticmethod
    def no_identifier() -> str:
        return _("The row has neither a NIK nor a No. KK.")

    def clean(self, column: str, text: str) -> bool:
        """A well-formed number of a known kecamatan: the test the identity checks make first,
        without a call."""
        dates = self.nik_dates if column == "nik" else self.issue_dates
        return (
            len(text) == 16
            and text.isascii()
            and text.isdigit()
            and text[12:] != "0000"
            and text[6:12] in dates
            and _known_district(text[:6])
        )

    def identifier(self, column: str, text: str) -> tuple[str, list[str], list[str]]:
        """(the clean 16 digits or "", messages, kinds) for a NIK or No. KK cell."""
        key = (column, text)
        found = self._ids.get(key)
        if found is None:
            check = check_nik(text, today=self.today) if column == "nik" else check_no_kk(text)
            found = (
                check.value or "",
                [p.message for p in check.errors],
                [f"{column}:{p.code}" for p in check.errors],
            )
            _remember(self._ids, key, found)
        return found

    def birth_date(self, text: str) -> tuple[datetime.date | None, list[str]]:
        found = self._dates.get(text)
        if found is None:
            born = parse_date(text)
            message = _("Date of birth %(value)s is not a date; write it as dd-mm-yyyy.")
            found = (born, [] if born else [message % {"value": text}])
            _remember(self._dates, text, found)
        return found

    def desil(self, text: str) -> tuple[int | None, list[str]]:
        found = self._desils.get(text)
        if found is None:
            desil = int(text) if text.isascii() and text.isdigit() else None
            if desil is not None and not 1 <= desil <= 10:
                desil = None
            message = _("Desil %(value)s is not a number from 1 to 10.")
            found = (desil, [] if desil else [message % {"value": text}])
            _remember(self._desils, text, found)
        return found

    def desa(self, village: str, kecamatan: str) -> int | None:
        key = (village, kecamatan)
        if key not in self._desa:
            _remember(self._desa, key, self.places.find(village, kecamatan))
        return self._desa[key]

    def rt_rw(self, text: str) -> str:
        found = self._rt.get(text)
        if found is None:
            found = normalize_rt_rw(text)
            _remember(self._rt, text, found)
        return found

    def sex(self, text: str) -> str:
        found = self._sex.get(text)
        if found is None:
            found = parse_sex(text) or ""
            _remember(self._sex, text, found)
        return found


def _remember(memo: dict, key: object, value: object) -> None:
    if len(memo) >= CACHE_LIMIT:
        memo.clear()
    memo[key] = value
