"""One family typed in a form rather than read from a file: checked by the same rules as every
proposal row of its unit, and added to a proposal as its next row. Used by the complaint desk
(a family proposed for its village) and by JPS corrections (a returned family's row typed
again).

    checked = check_family(values, unit)          # values: column -> text as typed
    if checked.ok:
        add_to_proposal(batch, checked, by=user, remarks="pengaduan PGD-...")
"""

from __future__ import annotations

from django.db.models import Max

from households.models import Unit, User
from households.regions import place_index
from programs.intake.checks import Checked, ProposalChecker
from programs.intake.readers import SourceRow
from programs.intake.routing import Router
from programs.models import ProposalBatch, ProposalRow

# A family's columns, in the template's order, as the intake names them.
COLUMNS = (
    *("no_kk", "nik", "nama", "jenis_kelamin", "tanggal_lahir", "alamat", "rt", "rw"),
    *("desa", "kecamatan"),
)


def typed_values(values: dict) -> dict[str, str]:
    """Every column of a family, as text without surrounding spaces ("" when not given)."""
    return {column: str(values.get(column, "")).strip() for column in COLUMNS}


def village_unit(values: dict) -> Unit | None:
    """The village unit that proposes for the desa typed (as people write its name), if any."""
    typed = typed_values(values)
    region = place_index().find(typed["desa"], typed["kecamatan"])
    return Unit.objects.filter(kind=Unit.Kind.VILLAGE, region=region).first() if region else None


def family_checker(unit: Unit) -> ProposalChecker:
    """The checks of `unit`'s proposals: made once for many families (a corrections file)."""
    return ProposalChecker(place_index(), Router(unit).refusal)


def check_family(
    values: dict, unit: Unit, *, number: int = 0, checker: ProposalChecker | None = None
) -> Checked:
    """A family's typed values checked as row `number` of a proposal of `unit`."""
    typed = typed_values(values)
    checker = checker or family_checker(unit)
    return checker.check(SourceRow(number, number, typed, list(typed.values())))


def add_to_proposal(
    batch: ProposalBatch, checked: Checked, *, by: User, remarks: str = "", household=None
) -> ProposalRow:
    """A checked family as the batch's next row, with what was typed kept as its raw cells.
    The caller holds the batch locked (select_for_update) so two additions never share a row
    number."""
    fields = checked.fields
    last = batch.rows.aggregate(n=Max("row_number"))["n"] or 0
    row = ProposalRow(
        batch=batch,
        row_number=last + 1,
        **{k: fields[k] for k in ("no_kk", "nik", "name", "sex", "birth_date", "address")},
        rt=fields["rt"],
        rw=fields["rw"],
        desa_id=fields["desa_id"],
        remarks=remarks,
        raw={"cells": checked.row.cells, "line": checked.row.line},
        household=household,
    )
    row._history_user = by
    row.save()
    return row
