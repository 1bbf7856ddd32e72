"""The preview of a checked file: rows read, valid, with problems, and the problems by kind in
the operator's words (the proposal's columns, a roster's damage)."""

from __future__ import annotations

from collections import Counter

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from programs.intake.checks import LABELS
from programs.intake.readers import Sheet


def sheet_summary(sheet: Sheet, kinds: Counter[str]) -> dict:
    """What the preview shows of a file: its columns as read, and problems by column."""
    return {
        "headers": sheet.headers,
        "columns": sorted((c, i) for i, c in sheet.columns.items()),
        "recognised": [
            (sheet.headers[i], LABELS.get(c, c.upper())) for i, c in sorted(sheet.columns.items())
        ],
        # A second column for the same field (a spouse's NIK beside the head's) is not read.
        "ignored": [*sheet.ignored, *sheet.duplicates],
        "repeated_headers": sheet.repeated_headers,
        "header_line": sheet.header_line,
        "sheet": sheet.sheet_name,  # "" unless the workbook had more than one sheet
        "problem_kinds": [(_problem_label(kind), n) for kind, n in kinds.most_common()],
    }


_KINDS = {
    "empty": gettext_lazy("empty"),
    "decimal": gettext_lazy("stored as a number"),
    "scientific": gettext_lazy("turned into scientific notation by Excel"),
    "not_digits": gettext_lazy("not only digits"),
    "length": gettext_lazy("wrong number of digits"),
    "province": gettext_lazy("unknown province"),
    "region_zero": gettext_lazy("region code with 00"),
    "birth_date": gettext_lazy("impossible birth date"),
    "serial": gettext_lazy("serial 0000"),
}


# The kinds a roster import counts that are not a column's name.
_ROSTER_KINDS = {"birth_date": "tanggal_lahir"}


def _problem_label(kind: str) -> str:
    """'nik' -> 'NIK'; a roster's 'nik:scientific' -> 'NIK: turned into scientific notation...';
    'birth_date' -> 'TANGGAL LAHIR'; a row with no number at all -> what is wrong with it."""
    if kind == "no_identifier":
        return _("NIK and NO KK: neither is usable")
    column, _sep, code = kind.partition(":")
    column = _ROSTER_KINDS.get(column, column)
    label = LABELS.get(column, column.upper())
    return f"{label}: {_KINDS[code]}" if code in _KINDS else label
