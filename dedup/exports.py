"""A run's result as the data contract's CSV (section 3): one row per proposal data row."""

import csv
import heapq
import io
from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from dedup.models import Result
from programs.intake.writers import safe_cell

RESULT_COLUMNS = ["row", "status", "programs", "matches", "score", "reason"]


def write_result_csv(
    stream, results: QuerySet[Result], refused: dict[int, str] | None = None
) -> None:
    """`results` in the file's order. Plain UTF-8 without a byte order mark: this file is read
    by programs; formulas are neutralised all the same. Read as plain values: a province's
    result has hundreds of thousands of rows.

    `refused` holds the file's rows that never became proposal rows (a header repeated in the
    data, a family already in the proposal) by their row number, with the reason: they are
    written in their place as `invalid`."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(RESULT_COLUMNS)
    columns = ("proposal_row__row_number", "status", "programs", "matches", "score", "reason")
    stored = results.values_list(*columns).iterator(chunk_size=5_000)
    others = (
        (row, Result.Status.INVALID, "", "", None, why)
        for row, why in sorted((refused or {}).items())
    )
    for row, status, programs, matches, score, reason in heapq.merge(
        stored, others, key=lambda values: values[0]
    ):
        writer.writerow(
            [
                row,
                status,
                safe_cell(programs),
                safe_cell(matches),
                "" if score is None else score,
                safe_cell(reason),
            ]
        )


def write_result_xlsx(stream, results: Iterable[Result]) -> None:
    """The same rows for people: the contract's columns, then who proposed the family, its
    name and desa (NIK and No. KK are not written: the list travels by e-mail and USB), and
    how the pages count it (a family's later listing is "proposed twice")."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Result"))
    header = [*RESULT_COLUMNS, _("proposed by"), _("name"), _("desa"), _("counted as")]
    bold = Font(bold=True)
    sheet.append([_bold(WriteOnlyCell(sheet, value=name), bold) for name in header])
    for result in results:
        row = result.proposal_row
        sheet.append(
            [
                row.row_number,
                result.status,
                safe_cell(result.programs),
                safe_cell(result.matches),
                result.score,
                safe_cell(result.reason),
                safe_cell(str(row.batch.unit)),
                safe_cell(row.name),
                safe_cell(row.desa.name if row.desa else ""),
                str(result.get_outcome_display()),  # as the pages count it: a family once
            ]
        )
    buffer = io.BytesIO()  # a response cannot seek back, which the zip writer wants
    workbook.save(buffer)
    stream.write(buffer.getvalue())


def _bold(cell: WriteOnlyCell, font: Font) -> WriteOnlyCell:
    cell.font = font
    return cell
