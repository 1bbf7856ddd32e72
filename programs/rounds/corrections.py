"""Returned JPS families corrected by the village or agency that proposed them.

A family the JPS re-check returned (`rounds.revalidate_jps`) is corrected on its operator's
page, one by one or as a spreadsheet of the returned rows. A correction goes through the
intake's identity rules and the JPS re-check at once: still wrong, the family stays returned
with the new reasons, and what was typed is kept on its row. Right, the row takes the values
and the family waits ("corrected") for staff's next re-check (`rounds.revalidate_jps`), which
cross-checks the corrected rows again and, once that run is done, puts them in phase 2.

    problems = correct(allocation, {"nik": "...", "nama": "..."}, by=operator)
"""

from __future__ import annotations

from types import SimpleNamespace

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from dedup.models import Result, recount
from households.models import User
from programs.intake.checks import ProposalChecker
from programs.intake.family import check_family, family_checker
from programs.intake.headers import canonical
from programs.intake.readers import open_sheet
from programs.intake.writers import TEMPLATE_HEADERS, RejectedRow, write_rejected
from programs.models import Allocation, ProposalRow
from programs.rounds.revalidation import revalidate

# The JPS re-check names some columns after the row's fields.
_INTAKE_NAME = {"name": "nama", "birth_date": "tanggal_lahir", "address": "alamat"}
TEMPLATE_COLUMNS = [canonical(header) for header in TEMPLATE_HEADERS]
REF_PREFIX = "JPS-"  # the ref of a returned family in a corrections spreadsheet
RETURNED = Allocation.Status.RETURNED


def returned_for(user: User):
    """The returned (or corrected, not yet re-checked) families the user's unit proposed."""
    if not user.proposes:
        return Allocation.objects.none()
    return (
        Allocation.objects.filter(
            proposal_row__batch__unit=user.unit_id,
            status__in=(Allocation.Status.RETURNED, Allocation.Status.CORRECTED),
        )
        .select_related("proposal_row__desa__parent", "round")
        .order_by("proposal_row__batch_id", "proposal_row__row_number")
    )


def values_of(row: ProposalRow) -> dict[str, str]:
    """The row's values as an operator types them (dd-mm-yyyy dates, desa by name)."""
    desa = row.desa
    return {
        "no_kk": row.no_kk,
        "nik": row.nik,
        "nama": row.name,
        "jenis_kelamin": row.sex,
        "tanggal_lahir": f"{row.birth_date:%d-%m-%Y}" if row.birth_date else "",
        "alamat": row.address,
        "rt": row.rt,
        "rw": row.rw,
        "desa": desa.name if desa else "",
        "kecamatan": desa.parent.name if desa and desa.parent else "",
    }


def problems_by_column(allocation: Allocation) -> dict[str, list[str]]:
    """The reasons the family was returned, under the column the operator corrects."""
    found: dict[str, list[str]] = {}
    for problem in allocation.return_reasons:
        column = _INTAKE_NAME.get(problem.get("column"), problem.get("column") or "")
        found.setdefault(column, []).append(problem.get("message", ""))
    return found


@transaction.atomic
def correct(
    allocation: Allocation,
    values: dict[str, str],
    *,
    by: User,
    checker: ProposalChecker | None = None,
) -> list[tuple[str, str]]:
    """Correct a returned family's row with `values` (column -> text as typed). Returns the
    problems left, by column; [] when the family now waits for the re-check."""
    allocation = Allocation.objects.select_for_update(of=("self",)).get(pk=allocation.pk)
    row = ProposalRow.objects.select_related("batch__unit").get(pk=allocation.proposal_row_id)
    if not by.proposes or row.batch.unit_id != by.unit_id:
        raise PermissionDenied
    if allocation.status not in (Allocation.Status.RETURNED, Allocation.Status.CORRECTED):
        return [("", _("This family is no longer waiting for a correction."))]
    checked = check_family(values, row.batch.unit, number=row.row_number, checker=checker)
    fields = checked.fields
    problems = list(checked.problems)
    if not problems:
        candidate = SimpleNamespace(
            **{k: fields[k] for k in ("nik", "no_kk", "name", "birth_date", "address", "rt")},
            rw=fields["rw"],
            desa_id=fields["desa_id"],
        )
        problems = [(_INTAKE_NAME.get(c, c), m) for c, m in revalidate(candidate)]
    # What was typed is kept either way, so the operator never types it twice.
    row.no_kk, row.nik, row.name = fields["no_kk"], fields["nik"], fields["name"]
    row.sex, row.birth_date = fields["sex"], fields["birth_date"]
    row.address, row.rt, row.rw = fields["address"], fields["rt"], fields["rw"]
    if fields["desa_id"] is not None:
        row.desa_id = fields["desa_id"]
    row.problems = [{"column": c, "message": m} for c, m in problems]
    row.status = ProposalRow.Status.INVALID if problems else ProposalRow.Status.VALID
    row._history_user, row._change_reason = by, _("corrected after the JPS re-check")
    row.save()
    # New numbers may join the family to another row, or part it from one.
    recount(Result.objects.filter(proposal_row=row).values_list("run_id", flat=True))
    # The row is one family's: every round waiting for its correction has it now.
    waiting = Allocation.objects.select_for_update(of=("self",)).filter(
        proposal_row=row,
        status__in=(Allocation.Status.RETURNED, Allocation.Status.CORRECTED),
    )
    for each in waiting:
        if problems:
            each.status = Allocation.Status.RETURNED
            each.return_reasons = [{"column": c, "message": m} for c, m in problems]
            each._change_reason = _("correction still invalid")
        else:
            each.status = Allocation.Status.CORRECTED
            each.recheck_run = None  # a new correction is cross-checked anew
            each._change_reason = _("corrected, to be checked again")
        each._history_user = by
        each.save(update_fields=["status", "return_reasons", "recheck_run"])
    return problems


def write_returned(stream, allocations) -> None:
    """The returned families as a spreadsheet to correct: the proposal template's columns,
    ALASAN, and each family's ref, which brings the corrected row back to its family."""
    headers = list(TEMPLATE_HEADERS)
    position = {column: i for i, column in enumerate(TEMPLATE_COLUMNS)}
    rows = []
    for allocation in allocations:
        values = values_of(allocation.proposal_row)
        cells = [values.get(column, "") for column in TEMPLATE_COLUMNS]
        rows.append(
            RejectedRow(
                cells=cells,
                problems=[
                    (position.get(column), message)
                    for column, messages in problems_by_column(allocation).items()
                    for message in messages
                ],
                ref=f"{REF_PREFIX}{allocation.pk}",
            )
        )
    write_rejected(stream, headers=headers, rows=rows)


def correct_file(path: str, filename: str, *, by: User) -> dict:
    """Every row of a corrections spreadsheet applied to the returned family its ref names.
    Returns what happened: {"corrected": n, "still": [(line, column, message)], "unknown":
    [lines whose ref names no returned family of the user's unit]}."""
    mine = {f"{REF_PREFIX}{a.pk}": a for a in returned_for(by)}
    report: dict = {"corrected": 0, "still": [], "unknown": []}
    checker = family_checker(by.unit)
    with open_sheet(path, filename=filename) as sheet:
        for source in sheet.rows():
            if source.repeated_header:
                continue
            allocation = mine.get(source.values.get("ref", ""))
            if allocation is None:
                report["unknown"].append(source.line)
                continue
            problems = correct(allocation, source.values, by=by, checker=checker)
            if problems:
                report["still"] += [(source.line, column, message) for column, message in problems]
            else:
                report["corrected"] += 1
    return report
