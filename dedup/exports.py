"""A run's result as the data contract's CSV (section 3): one row per proposal data row."""

import csv
from collections.abc import Iterable

from dedup.models import Result
from programs.writers import safe_cell

RESULT_COLUMNS = ["row", "status", "programs", "matches", "score", "reason"]


def write_result_csv(stream, results: Iterable[Result]) -> None:
    """`results` in the file's order, with their proposal rows. Plain UTF-8 without a byte
    order mark: this file is read by programs; formulas are neutralised all the same."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(RESULT_COLUMNS)
    for result in results:
        writer.writerow(
            [
                result.proposal_row.row_number,
                result.status,
                safe_cell(result.programs),
                safe_cell(result.matches),
                "" if result.score is None else result.score,
                safe_cell(result.reason),
            ]
        )
