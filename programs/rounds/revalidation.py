"""The rules of the JPS re-validation (programs.rounds.recheck applies them): before a family
allocated to the district safety net is paid, its name, NIK and address are checked again, more
strictly than at intake. A family that passes goes to phase 1; the others go back to the village
or agency that proposed them, with every reason.

    problems = revalidate(row)      # [(column, message), ...]; empty: valid
"""

from __future__ import annotations

import datetime
from typing import Protocol

from django.utils.translation import gettext as _

from households.address import placeholder_name
from households.identity import check_nik, check_no_kk

__all__ = ["revalidate"]

OLDEST = 120  # years: a head of household born before this is a typing slip
YOUNGEST = 15  # years: younger heads of household are not plausible


class Row(Protocol):
    nik: str
    no_kk: str
    name: str
    birth_date: datetime.date | None
    address: str
    rt: str
    rw: str
    desa_id: int | None


def revalidate(row: Row, *, today: datetime.date | None = None) -> list[tuple[str, str]]:
    """Every reason the row may not be paid yet, as (column, message); [] when it may."""
    today = today or datetime.date.today()
    problems: list[tuple[str, str]] = []
    nik = check_nik(row.nik, today=today)
    problems += [("nik", p.message) for p in nik.errors]
    problems += [("no_kk", p.message) for p in check_no_kk(row.no_kk).errors]
    if placeholder_name(row.name):
        problems.append(
            ("name", _("The name is missing or a placeholder (%(name)s).") % {"name": row.name})
        )
    born = row.birth_date or nik.birth_date
    if born is not None:
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        if not YOUNGEST <= age <= OLDEST:
            problems.append(
                (
                    "birth_date",
                    _("A head of household aged %(age)s is not plausible; check the birth date.")
                    % {"age": age},
                )
            )
    if row.birth_date and nik.birth_date and row.birth_date != nik.birth_date:
        problems.append(
            (
                "birth_date",
                _("The birth date (%(written)s) is not the one in the NIK (%(in_nik)s).")
                % {
                    "written": f"{row.birth_date:%d-%m-%Y}",
                    "in_nik": f"{nik.birth_date:%d-%m-%Y}",
                },
            )
        )
    # Each missing part under its own column, where the operator fills it in.
    for column, label, value in (
        ("address", _("address"), row.address.strip()),
        ("rt", "RT", row.rt.strip().strip("0")),
        ("rw", "RW", row.rw.strip().strip("0")),
        ("desa", _("desa"), row.desa_id),
    ):
        if not value:
            problems.append((column, _("The address lacks: %(missing)s.") % {"missing": label}))
    return problems
