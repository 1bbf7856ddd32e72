"""Accounts from a spreadsheet: a training day's operators in one file.

Each data row gets one outcome: ready (an account to create) or refused, with every problem
named by its column; the ready rows are created when staff confirm, the refused ones handed
back in their own file to fix and upload again. The file is refused whole only when it cannot be
read (no header, too many rows): then nothing is created.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import override

from households.address import PlaceIndex
from households.models import Unit, User
from households.regions import place_index
from programs.intake.checks import place_refusal
from programs.intake.headers import header_map
from programs.intake.readers import Layout, open_sheet
from programs.intake.refusals import ReadError

MAX_ROWS = 2_000  # a district's operators, several times over
COLUMNS = {
    "nama": ["NAMA", "NAMA LENGKAP"],
    "username": ["USERNAME", "NAMA PENGGUNA", "USER", "AKUN", "NAMA AKUN", "LOGIN"],
    "peran": ["PERAN", "ROLE", "HAK AKSES"],
    "desa": ["DESA", "KELURAHAN", "DESA/KELURAHAN", "DESA KELURAHAN", "NAMA DESA"],
    "kecamatan": ["KECAMATAN", "KEC", "NAMA KECAMATAN"],
    "opd": ["OPD", "PERANGKAT DAERAH", "DINAS", "INSTANSI", "UNIT KERJA"],
    "email": ["EMAIL", "E-MAIL", "SUREL", "ALAMAT EMAIL"],
    "no_hp": ["NO HP", "NOMOR HP", "HP", "TELEPON", "NO TELEPON", "NOMOR TELEPON", "NO WA"],
}
TEMPLATE_HEADERS = ["NAMA", "PERAN", "DESA/KELURAHAN", "KECAMATAN", "OPD", "EMAIL", "NO HP"]
ACCOUNTS = Layout(canonical=header_map(COLUMNS), expected="NAMA, PERAN, DESA/KELURAHAN, KECAMATAN")

# Words an office writes for a role, besides the role's own names (in both languages).
ROLE_WORDS = {
    User.Role.VILLAGE: ["desa", "kelurahan", "operator", "operator kelurahan"],
    User.Role.AGENCY: ["opd", "operator dinas", "dinas"],
    User.Role.STAFF: ["staf", "staff", "staf dinsos"],
    User.Role.HEAD: ["kepala", "kadis", "kepala dinas"],
    User.Role.DESK: ["posko", "pengaduan", "posko pengaduan"],
    User.Role.ADMIN: ["admin", "administrator"],
    User.Role.KECAMATAN: ["kecamatan", "tksk", "staf kecamatan", "operator kecamatan"],
}
_WORD = re.compile(r"[^a-z0-9]+")
_KECAMATAN_PREFIX = re.compile(r"^(kecamatan|kec) ")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return " ".join(_WORD.sub(" ", text.casefold()).split())


def role_names() -> dict[str, str]:
    """Every way of writing a role, folded -> the role."""
    names: dict[str, str] = {}
    for role in User.Role:
        words = [role.value, *ROLE_WORDS.get(role, [])]
        for language in ("id", "en"):
            with override(language):
                words.append(str(role.label))
        for word in words:
            names.setdefault(_fold(word), role.value)
    return names


@dataclass
class AccountRow:
    """One data row of the file and what became of it."""

    line: int  # the row number in Excel
    cells: list[str]
    problems: list[tuple[int | None, str]] = field(default_factory=list)  # (column, message)
    account: dict | None = None  # the fields of the account to create, when ready

    def as_json(self) -> dict:
        return {
            "line": self.line,
            "cells": self.cells,
            "problems": self.problems,
            "account": self.account,
        }


@dataclass
class Checked:
    filename: str
    headers: list[str] = field(default_factory=list)
    rows: list[AccountRow] = field(default_factory=list)
    refused: str = ""  # why the whole file was refused


def check_file(path: Path, filename: str, editor: User) -> Checked:
    """Read and check every row; creates nothing."""
    checked = Checked(filename)
    try:
        with open_sheet(
            path, filename=filename, max_rows=MAX_ROWS, required_any=("nama",), layout=ACCOUNTS
        ) as sheet:
            checked.headers = sheet.headers
            column_of = {name: i for i, name in sheet.columns.items()}
            missing = [c for c in ("nama", "peran") if c not in column_of]
            if missing:
                checked.refused = _(
                    "%(name)s has no %(columns)s column. Use the template's headers: %(headers)s."
                ) % {
                    "name": filename,
                    "columns": ", ".join(c.upper() for c in missing),
                    "headers": ", ".join(TEMPLATE_HEADERS),
                }
                return checked
            rules = _Rules(editor, column_of)
            for source in sheet.rows():
                row = AccountRow(source.line, source.cells)
                if source.repeated_header:
                    row.problems.append((None, _("The header row again: not an account.")))
                else:
                    rules.check(row, source.values)
                checked.rows.append(row)
    except ReadError as error:
        checked.refused = error.message
        checked.rows = []
    return checked


class _Rules:
    """The checks of one row, with what they need loaded once for the file."""

    def __init__(self, editor: User, column_of: dict[str, int]) -> None:
        self.editor = editor
        self.column_of = column_of
        self.roles = role_names()
        self.places: PlaceIndex = place_index()
        self.units = {u.region_id: u for u in Unit.objects.filter(kind=Unit.Kind.VILLAGE)}
        self.kecamatan: dict[str, list[Unit]] = {}
        for unit in Unit.objects.filter(kind=Unit.Kind.KECAMATAN).select_related("region"):
            self.kecamatan.setdefault(_fold(unit.region.name), []).append(unit)
        # Who has an account already, by name, role and unit: the same file uploaded twice
        # would give everyone a second one.
        self.people = {
            (_fold(first), role, unit): username
            for first, role, unit, username in User.objects.values_list(
                "first_name", "role", "unit_id", "username"
            )
        }
        self.seen: dict[tuple, int] = {}  # (name, role, unit) -> the row that listed it first
        self.agencies = {_fold(u.name): u for u in Unit.objects.filter(kind=Unit.Kind.AGENCY)}
        self.taken = {name.casefold() for name in User.objects.values_list("username", flat=True)}
        self.first_line: dict[str, int] = {}  # username -> the row that asked for it first

    def problem(self, row: AccountRow, column: str | None, message: str) -> None:
        row.problems.append((self.column_of.get(column) if column else None, message))

    def check(self, row: AccountRow, values: dict[str, str]) -> None:
        name = " ".join(values.get("nama", "").split())
        if len(name) < 2:
            self.problem(row, "nama", _("The name is empty."))
        elif len(name) > 150:
            self.problem(row, "nama", _("The name is longer than 150 characters."))
        role = self.roles.get(_fold(values.get("peran", "")))
        if role is None:
            self.problem(
                row,
                "peran",
                _("Unknown role %(role)s; write one of: %(roles)s.")
                % {"role": values.get("peran", "") or "-", "roles": self._role_choices()},
            )
        elif not self.editor.may_grant(role):
            self.problem(
                row,
                "peran",
                _("Only an administrator creates %(role)s accounts.")
                % {"role": User.Role(role).label},
            )
        unit = self._unit(row, role, values) if role else None
        email = values.get("email", "")
        if email:
            try:
                validate_email(email)
            except ValidationError:
                self.problem(
                    row, "email", _("%(email)s is not an e-mail address.") % {"email": email}
                )
        phone = _phone(values.get("no_hp", ""))
        if phone is None:
            self.problem(
                row,
                "no_hp",
                _("%(phone)s is not a phone number (08..., 9 to 15 digits).")
                % {"phone": values["no_hp"]},
            )
        username = self._username(row, values.get("username", ""), name)
        person = (_fold(name), role, unit.pk if unit else None)
        if not row.problems and person in self.people:
            self.problem(
                row,
                "nama",
                _("%(name)s already has an account as %(role)s: %(username)s.")
                % {"name": name, "role": User.Role(role).label, "username": self.people[person]},
            )
        elif not row.problems and person in self.seen:
            self.problem(
                row,
                "nama",
                _("%(name)s is also on row %(line)s of this file, with the same role and unit.")
                % {"name": name, "line": self.seen[person]},
            )
        self.seen.setdefault(person, row.line)
        if not row.problems:
            row.account = {
                "username": username,
                "first_name": name,
                "role": role,
                "unit": unit.pk if unit else None,
                "email": email,
                "phone": phone or "",
            }

    def _role_choices(self) -> str:
        roles = [role for role in User.Role if self.editor.may_grant(role)]
        return ", ".join(str(User.Role(r).label) for r in roles)

    def _unit(self, row: AccountRow, role: str, values: dict[str, str]) -> Unit | None:
        desa, kecamatan, opd = (values.get(c, "") for c in ("desa", "kecamatan", "opd"))
        if role == User.Role.VILLAGE:
            if not desa or not kecamatan:
                self.problem(
                    row,
                    "desa" if not desa else "kecamatan",
                    _("A village operator needs the DESA/KELURAHAN and the KECAMATAN."),
                )
                return None
            place = self.places.resolve(desa, kecamatan)
            if place.region is None:
                self.problem(
                    row, "desa", place_refusal(place, {"desa": desa, "kecamatan": kecamatan})
                )
                return None
            if place.village_read_as or place.kecamatan_read_as:
                # An account opens a village's families: no guessing at a spelling.
                self.problem(
                    row,
                    "desa",
                    _(
                        "Write the village as Kemendagri names it: %(desa)s, "
                        "Kecamatan %(kecamatan)s."
                    )
                    % {"desa": place.village, "kecamatan": place.kecamatan},
                )
                return None
            unit = self.units.get(place.region)
            if unit is None:
                self.problem(
                    row,
                    "desa",
                    _("%(desa)s has no unit yet: add the villages' units on the Units page first.")
                    % {"desa": place.village},
                )
            return unit
        if role == User.Role.AGENCY:
            unit = self.agencies.get(_fold(opd)) if opd else None
            if unit is None:
                self.problem(
                    row,
                    "opd",
                    _("Unknown agency %(opd)s: add it on the Units page, or correct its name.")
                    % {"opd": opd or "-"}
                    if opd
                    else _("An agency operator needs the OPD."),
                )
            return unit
        if role == User.Role.KECAMATAN:
            found = self.kecamatan.get(_KECAMATAN_PREFIX.sub("", _fold(kecamatan)), [])
            if len(found) == 1:
                return found[0]
            self.problem(
                row,
                "kecamatan",
                _("%(kecamatan)s has no kecamatan unit: add the units on the Units page first.")
                % {"kecamatan": kecamatan or "-"}
                if not found
                else _("%(kecamatan)s is the name of %(n)s kecamatan units: write the unit's name.")
                % {"kecamatan": kecamatan, "n": len(found)},
            )
            return None
        return None  # district roles work for the whole district

    def _username(self, row: AccountRow, typed: str, name: str) -> str:
        typed = typed.strip()
        if typed:
            try:
                User.username_validator(typed)
            except ValidationError:
                self.problem(
                    row,
                    "username",
                    _("%(username)s: use letters, digits and . _ - only.") % {"username": typed},
                )
                return ""
            key = typed.casefold()
            if key in self.first_line:
                self.problem(
                    row,
                    "username",
                    _("%(username)s is also on row %(line)s of this file.")
                    % {"username": typed, "line": self.first_line[key]},
                )
            elif key in self.taken:
                self.problem(
                    row, "username", _("%(username)s already has an account.") % {"username": typed}
                )
            self.first_line.setdefault(key, row.line)
            self.taken.add(key)
            return typed
        base = ".".join(_fold(name).split()[:3])[:30] or "operator"
        username, n = base, 1
        while username in self.taken:
            n += 1
            username = f"{base}{n}"
        self.taken.add(username)  # made here: a name typed on a later row is "taken", not "twice"
        return username


def _phone(text: str) -> str | None:
    """The number as digits (a leading + kept); '' when none was written, None when wrong."""
    text = text.strip()
    if not text:
        return ""
    digits = "".join(c for c in text if c.isdigit())
    if text.startswith("8") and not text.startswith("+"):
        digits = "0" + digits  # Excel dropped the leading 0
    if not 9 <= len(digits) <= 15 or re.search(r"[^\d\s+().-]", text):
        return None
    return ("+" if text.startswith("+") else "") + digits
