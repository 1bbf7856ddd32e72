"""Checks of one proposed family as the operator typed it. Plain Python: no database.

Every problem names its column and tells the operator what to fix, in their language.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from households import identity
from households.address import Place, PlaceIndex, normalize_rt_rw, placeholder_name, tidy_name
from programs.intake.headers import REQUIRED_PROPOSAL
from programs.intake.readers import SourceRow

# How the sex column is written, upper-cased with single spaces -> "L" (laki-laki) or "P".
_MALE = ("L", "LK", "LAKI LAKI", "LAKI", "PRIA", "1")
_FEMALE = ("P", "PR", "PEREMPUAN", "WANITA", "2")
SEX = dict.fromkeys(_MALE, "L") | dict.fromkeys(_FEMALE, "P")
LABELS = {
    "no_kk": "NO KK", "nik": "NIK", "nama": "NAMA", "jenis_kelamin": "JENIS KELAMIN",
    "tanggal_lahir": "TANGGAL LAHIR", "alamat": "ALAMAT", "rt": "RT", "rw": "RW", "desa": "DESA",
    "kecamatan": "KECAMATAN", "sumber": "SUMBER", "sektor": "SEKTOR", "nama_ibu": "NAMA IBU",
    "no_hp": "NO HP", "keterangan": "KETERANGAN",
}  # fmt: skip


def parse_sex(text: str) -> str | None:
    """'L', 'LK', 'LAKI-LAKI', 'PRIA', '1' -> 'L'; 'P', 'PEREMPUAN', 'WANITA', '2' -> 'P';
    None when unreadable."""
    return SEX.get(" ".join(text.upper().replace("-", " ").split()))


def parse_date(text: str) -> datetime.date | None:
    """A date written dd-mm-yyyy, dd/mm/yyyy or yyyy-mm-dd; None when it is none of those or
    not a real day. The reader already writes Excel dates as dd-mm-yyyy."""
    parts = text.replace("/", "-").split("-")
    if len(parts) != 3 or not all(part.isascii() and part.isdigit() for part in parts):
        return None
    first, month, last = parts
    if len(first) == 4 and len(last) <= 2:
        year, day = first, last
    elif len(last) == 4 and len(first) <= 2:
        year, day = last, first
    else:
        return None
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        return None


@dataclass
class Checked:
    """A row after the checks: the values to store and what is wrong, column by column."""

    row: SourceRow
    fields: dict[str, object] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)
    # What was read other than typed, for the operator to see (a village's old spelling).
    notes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, column: str, message: str) -> None:
        self.problems.append((column, message))

    def note(self, column: str, message: str) -> None:
        self.notes.append((column, message))


class ProposalChecker:
    """Checks the rows of one file in order, remembering families seen earlier in it.

    `village_allowed(region_id)` returns None when the village may be proposed by this
    uploader, else the message saying why not (a village proposes only its own families).
    """

    def __init__(self, places: PlaceIndex, village_allowed: Callable[[int], str | None]) -> None:
        self.places = places
        self.village_allowed = village_allowed
        self._seen_nik: dict[str, int] = {}
        self._seen_kk: dict[str, int] = {}
        self._places: dict[tuple[str, str], int | None] = {}

    def check(self, row: SourceRow) -> Checked:
        values = row.values
        checked = Checked(row)
        for column in REQUIRED_PROPOSAL:
            if not values.get(column, "").strip() and column not in ("nik", "no_kk"):
                checked.problem(column, _("%(column)s is empty.") % {"column": LABELS[column]})
        self._identity(checked, "nik", identity.check_nik)
        self._identity(checked, "no_kk", identity.check_no_kk)
        fields = checked.fields
        fields["name"] = tidy_name(values.get("nama", ""))[:150]
        if fields["name"] and placeholder_name(fields["name"]):  # "-", "XXX", "TIDAK ADA"
            checked.problem(
                "nama",
                _("The name is missing or a placeholder (%(name)s).") % {"name": fields["name"]},
            )
        fields["address"] = values.get("alamat", "").strip()[:255]
        fields["mother_name"] = tidy_name(values.get("nama_ibu", ""))[:150]
        fields["phone"] = values.get("no_hp", "").strip()[:30]
        fields["remarks"] = values.get("keterangan", "").strip()[:255]
        fields["source"] = values.get("sumber", "").strip()
        fields["sector"] = values.get("sektor", "").strip()
        fields["ref"] = values.get("ref", "").strip()
        self._sex(checked, values.get("jenis_kelamin", ""))
        self._birth_date(checked, values.get("tanggal_lahir", ""))
        for column in ("rt", "rw"):
            raw = values.get(column, "")
            fields[column] = normalize_rt_rw(raw)
            if raw.strip() and not fields[column]:
                checked.problem(column, _("Write a number from 1 to 999, e.g. 2 or 002."))
        self._village(checked, values.get("desa", ""), values.get("kecamatan", ""))
        self._duplicates(checked)
        return checked

    def _identity(self, checked: Checked, column: str, check) -> None:
        raw = checked.row.values.get(column, "")
        result = check(raw)
        checked.fields[column] = result.value or raw.strip()[:40]
        for problem in result.errors:
            checked.problem(column, problem.message)

    def _sex(self, checked: Checked, raw: str) -> None:
        sex = parse_sex(raw) if raw.strip() else ""
        checked.fields["sex"] = sex or ""
        if sex is None:
            checked.problem("jenis_kelamin", _("Write L or P (or LAKI-LAKI, PEREMPUAN)."))

    def _birth_date(self, checked: Checked, raw: str) -> None:
        born = parse_date(raw) if raw.strip() else None
        checked.fields["birth_date"] = born
        if raw.strip() and born is None:
            checked.problem(
                "tanggal_lahir",
                _("%(value)s is not a date: write it as dd-mm-yyyy.") % {"value": raw.strip()[:20]},
            )

    def _village(self, checked: Checked, desa: str, kecamatan: str) -> None:
        checked.fields["desa_id"] = None
        if not desa.strip() or not kecamatan.strip():
            return  # already reported as empty
        key = (desa, kecamatan)
        if key not in self._places:
            self._places[key] = self.places.resolve(desa, kecamatan)
        place = self._places[key]
        typed = {"desa": desa.strip(), "kecamatan": kecamatan.strip()}
        if place.region is None:
            checked.problem("desa", place_refusal(place, typed))
            return
        checked.fields["desa_id"] = place.region
        for column, read_as, official in (
            ("kecamatan", place.kecamatan_read_as, place.kecamatan),
            ("desa", place.village_read_as, place.village),
        ):
            if read_as:  # the operator sees how a spelling was read and can object
                checked.note(
                    column,
                    _("%(typed)s read as %(official)s")
                    % {"typed": typed[column], "official": official.upper()},
                )
        if refusal := self.village_allowed(place.region):
            checked.problem("desa", refusal)

    def _duplicates(self, checked: Checked) -> None:
        # Only for usable numbers: a damaged number is already reported, and equal damage in
        # two rows says nothing about the family.
        number = checked.row.number
        nik, kk = checked.fields["nik"], checked.fields["no_kk"]
        if len(str(nik)) == 16 and nik in self._seen_nik:
            checked.problem(
                "nik",
                _("The same NIK as row %(row)s: the family is listed twice.")
                % {"row": self._seen_nik[nik]},
            )
        elif len(str(kk)) == 16 and kk in self._seen_kk:
            checked.problem(
                "no_kk",
                _("The same No. KK as row %(row)s: one family card is one family; list it once.")
                % {"row": self._seen_kk[kk]},
            )
        if checked.ok:
            self._seen_nik.setdefault(nik, number)
            self._seen_kk.setdefault(kk, number)


def place_refusal(place: Place, typed: dict[str, str]) -> str:
    """Why a desa was not found, naming what it could be when there is a choice."""
    if not place.kecamatan:
        return (
            _("There is no Kecamatan %(kecamatan)s in this district; check its spelling.") % typed
        )
    if place.candidates:
        return _(
            "%(desa)s in Kecamatan %(kecamatan)s could be %(candidates)s; write the name in full."
        ) % {
            "desa": typed["desa"],
            "kecamatan": place.kecamatan,
            "candidates": _(" or ").join(name.upper() for name in place.candidates),
        }
    return _(
        "There is no desa or kelurahan %(desa)s in Kecamatan %(kecamatan)s; check the spelling "
        "of both."
    ) % {"desa": typed["desa"], "kecamatan": place.kecamatan}
