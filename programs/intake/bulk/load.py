"""What the steps of one roster load share: its tables, the file's columns and what the
steps learn about the file on the way."""

from __future__ import annotations

from collections.abc import Callable

from programs.intake.readers import Sheet
from programs.intake.roster_values import Counts, Values
from programs.models import RosterRow, RosterVersion, Upload

from .sql import WHITESPACE, literal

TABLE = RosterRow._meta.db_table
CHUNK_ROWS = 100_000  # rows per INSERT (and per COPY of a row-by-row read); the bar moves per chunk

Progress = Callable[[Upload], None]


def partition(version: RosterVersion | int) -> str:
    """The table a version's rows are loaded into, attached as its partition when complete."""
    return f"{TABLE}_v{getattr(version, 'pk', version)}"


def stage_table(version: RosterVersion) -> str:
    return f"programs_rosterstage_{version.pk}"


class Load:
    """One upload's load: the names of its tables, and what staging and surveying found."""

    def __init__(self, upload: Upload, sheet: Sheet, values: Values) -> None:
        self.upload = upload
        self.version = upload.version
        self.sheet = sheet
        self.values = values
        self.counts = Counts()
        self.width = len(sheet.headers)
        self.chunk_rows = CHUNK_ROWS
        self.stage_table = stage_table(self.version)
        self.lookup = f"{self.stage_table}_lookup"
        self.part = partition(self.version)
        self.raw_cells = False  # the stage holds the file's cells before strip()
        self.skipped: list[int] = []  # stage rows that are not families (blank, header again)
        self.blank: list[int] = []  # of those, the blank ones: no number of their own
        self.extra = False  # some row had cells past the header's last column
        self.index_of = {name: i for i, name in sheet.columns.items()}
        self.damage: set[str] = set()  # the messages that mark a damaged identifier

    def save_counters(self, **fields: int) -> None:
        """Set the upload's counters, here and in the database, for the progress bar."""
        for name, value in fields.items():
            setattr(self.upload, name, value)
        Upload.objects.filter(pk=self.upload.pk).update(**fields)

    def cell(self, name: str) -> str:
        """The SQL of a canonical column's cell in a row of `source()`; '' when the file
        lacks the column."""
        i = self.index_of.get(name)
        return "''" if i is None else f"s.c{i}"

    def source(self, names: list[str] | None = None, where: str = "") -> str:
        """The stage as rows of cells the way `Sheet.rows` gives them."""
        indexes = (
            range(self.width)
            if names is None
            else sorted({self.index_of[name] for name in names if name in self.index_of})
        )
        cells = ", ".join(f"{self._cell_sql(i)} AS c{i}" for i in indexes) or "NULL AS none"
        # OFFSET 0 keeps the subquery whole: each cell is cleaned once, not per use.
        return f"(SELECT seq, extra, {cells} FROM {self.stage_table} {where} OFFSET 0) s"

    def _cell_sql(self, i: int) -> str:
        column = f"c{i}"
        if not self.raw_cells:
            return column
        blank, edge = literal(WHITESPACE), literal(WHITESPACE + "'")
        trimmed = f"btrim({column}, {blank})"
        # Most cells need nothing: no blank at either end, no apostrophe in front.
        return (
            f"CASE WHEN strpos({edge}, left({column}, 1)) = 0 "
            f"AND strpos({blank}, right({column}, 1)) = 0 THEN {column} "
            f"WHEN left({trimmed}, 1) = '''' THEN substr({trimmed}, 2) ELSE {trimmed} END"
        )
