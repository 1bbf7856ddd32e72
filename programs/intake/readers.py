"""Spreadsheets from the field -> rows with canonical columns.

Proposals and programme rosters arrive as .xlsx, .xls or .csv, typed by hand, with title rows
above the header and headers that vary from desk to desk. `open_sheet` looks at what the file
really is (not at its name), refuses what cannot be read safely with a message telling the
operator what to do, finds the header row and maps its headers to the canonical columns of the
data contract. `Sheet.rows()` then hands the data rows over one by one.

Excel files are read with python-calamine: it loads the first visible sheet into its own
memory (about 100 bytes per cell) and converts rows to Python one at a time. CSV files are read
line by line and never held in memory whole.
"""

import datetime
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from programs.intake.csv_files import CsvText, open_csv
from programs.intake.headers import canonical, fold_header
from programs.intake.refusals import ReadError, empty_file, megabytes, too_many_rows
from programs.intake.workbooks import (
    OLE_MAGIC,
    ZIP_MAGIC,
    ZIP_MAX_TOTAL,
    RawRow,
    Sheets,
    open_xls,
    open_xlsx,
)

HEADER_SCAN_ROWS = 30  # non-blank rows searched for the header
IDENTIFIER_COLUMNS = frozenset({"no_kk", "nik"})
EXPECTED_HEADERS = "NIK, NO KK, NAMA, ALAMAT, DESA, KECAMATAN"


@dataclass(frozen=True)
class Layout:
    """What a table's header may say: how a header cell maps to a column, and the headers a
    refusal suggests when no row maps. Proposals and rosters by default; another table (the
    office's accounts) brings its own."""

    canonical: Callable[[str], str | None] = canonical
    expected: str = EXPECTED_HEADERS


FAMILIES = Layout()


@dataclass
class SourceRow:
    """One data row of the file."""

    number: int  # 1-based data row: title rows, the header and blank rows not counted
    line: int  # the row number the operator sees in Excel, for messages
    values: dict[str, str]  # canonical column -> cell text, stripped; missing or blank -> ""
    cells: list[str]  # every cell of the row as text, in file order (for handing rows back)
    # The header row again inside the data (a file pasted together from two exports): a data
    # row of its own, to be refused, so that every later row keeps its place in the file.
    repeated_header: bool = False


@dataclass
class Sheet:
    """The header found in a file and the way to its data rows.

    Read the rows with `for row in sheet.rows()`; a caller that stops early uses the sheet as
    a context manager (`with open_sheet(path) as sheet:`) or calls close().
    """

    filename: str
    header_line: int  # row number of the header as the operator sees it in Excel
    headers: list[str]  # header cells as written, file order
    columns: dict[int, str]  # column index (0 = A) -> canonical name, first occurrence wins
    ignored: list[str]  # header texts not recognised
    duplicates: list[str] = field(default_factory=list)  # headers of a column already mapped
    # The sheet read, when a workbook has more than one (a cover sheet, then the table).
    sheet_name: str = ""
    repeated_headers: list[int] = field(default_factory=list)  # filled while rows() runs
    # A CSV file: its encoding and delimiter (a bulk loader may read its bytes directly).
    text: "CsvText | None" = None
    _source: Iterator[RawRow] | None = field(default=None, repr=False, compare=False)
    _close: Callable[[], None] | None = field(default=None, repr=False, compare=False)
    _max_rows: int = field(default=0, repr=False, compare=False)

    def rows(self) -> Iterator[SourceRow]:
        """The data rows below the header, read as they are needed; can be called once.

        Blank rows are skipped. The header row repeated inside the data is a data row of its
        own, marked `repeated_header` (its lines are also added to `repeated_headers`): the
        caller refuses it, and every later row keeps its number. Raises
        ReadError('too_many_rows') when the file holds more than `max_rows` data rows: the
        caller must then throw away the rows already read and treat the whole file as refused.
        """
        source, self._source = self._source, None
        if source is None:
            raise RuntimeError("Sheet.rows() can be called only once")
        header_key = row_key(self.headers)
        probe = min(self.columns)  # folding one cell first keeps the check cheap on data rows
        identifiers = {i for i, name in self.columns.items() if name in IDENTIFIER_COLUMNS}
        number = 0
        try:
            for line, raw in source:
                cells = [_cell_text(value, i in identifiers) for i, value in enumerate(raw)]
                if not any(cells):
                    continue
                repeated = fold_header(_at(cells, probe)) == header_key[probe] and (
                    row_key(cells) == header_key
                )
                if repeated:
                    self.repeated_headers.append(line)
                if number >= self._max_rows:
                    raise too_many_rows(self.filename, self._max_rows)
                number += 1
                values = {name: _at(cells, i) for i, name in self.columns.items()}
                yield SourceRow(number, line, values, cells, repeated)
        finally:
            self.close()

    @property
    def max_rows(self) -> int:
        return self._max_rows

    def close(self) -> None:
        """Release the file and the memory it holds; rows() does this itself when it ends."""
        self._source = None
        close, self._close = self._close, None
        if close is not None:
            close()

    def __enter__(self) -> "Sheet":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_sheet(
    path: str | Path,
    *,
    filename: str | None = None,
    max_bytes: int = 50 * 1024 * 1024,
    max_rows: int = 2_000_000,
    required_any: tuple[str, ...] = ("nik", "no_kk"),
    max_unpacked: int = ZIP_MAX_TOTAL,
    layout: Layout = FAMILIES,
) -> Sheet:
    """Open a proposal or roster file and find its header row.

    The file type is decided by its content: an .xlsx renamed to .csv is still read as .xlsx.
    `filename` is the name the operator uploaded (messages use it); `required_any` lists the
    columns of which the header must have at least one (a roster may carry NIK and name only).
    Raises ReadError when the file cannot be read at all.
    """
    path = Path(path)
    name = filename or path.name
    find_header = functools.partial(_find_header, layout=layout)
    size = path.stat().st_size
    if size == 0:
        raise empty_file(name)
    if size > max_bytes:
        raise ReadError(
            "too_big",
            _(
                "%(name)s is %(size)s MB; the limit is %(limit)s MB. Split it into smaller "
                "files and upload them one by one."
            )
            % {"name": name, "size": megabytes(size), "limit": megabytes(max_bytes)},
        )
    with path.open("rb") as file:
        start = file.read(4096)
    text, sheet_name = None, ""
    if start.startswith(OLE_MAGIC) or start.startswith(ZIP_MAGIC):
        if start.startswith(OLE_MAGIC):
            sheets = open_xls(path, name)
        else:
            sheets = open_xlsx(path, name, max_unpacked)
        sheet_name, source, header = _find_table(sheets, required_any, name, find_header)
        close = _nothing_to_close  # calamine frees a sheet's memory with the sheet
    else:
        source, close, text = open_csv(path, name, start, required_any, find_header)
        try:
            header = find_header(source, required_any, name)
        except BaseException:
            close()
            raise
    return Sheet(
        filename=name,
        sheet_name=sheet_name,
        header_line=header.line,
        headers=header.cells,
        columns=header.columns,
        ignored=header.ignored,
        duplicates=header.duplicates,
        text=text,
        _source=source,
        _close=close,
        _max_rows=max_rows,
    )


# Header -----------------------------------------------------------------------------------


@dataclass
class _Header:
    line: int
    cells: list[str]
    columns: dict[int, str]
    ignored: list[str]
    duplicates: list[str]


def _find_header(
    source: Iterator[RawRow], required_any: tuple[str, ...], name: str, layout: Layout
) -> _Header:
    """The first row naming two known columns, one of them in `required_any`."""
    seen = 0
    for line, raw in source:
        cells = [_cell_text(value, False) for value in raw]
        if not any(cells):
            continue
        seen += 1
        columns: dict[int, str] = {}
        ignored, duplicates = [], []
        for i, text in enumerate(cells):
            found = layout.canonical(text) if text else None
            if found is None:
                if text:
                    ignored.append(text)
            elif found in columns.values():
                duplicates.append(text)
            else:
                columns[i] = found
        if len(columns) >= 2 and set(columns.values()) & set(required_any):
            return _Header(line, cells, columns, ignored, duplicates)
        if seen >= HEADER_SCAN_ROWS:
            break
    if not seen:
        raise empty_file(name)
    raise ReadError(
        "no_header",
        _(
            "%(name)s has no header row we recognise in its first %(rows)s rows. Put one row of "
            "column names above the data, such as %(expected)s, and upload again."
        )
        % {"name": name, "rows": HEADER_SCAN_ROWS, "expected": layout.expected},
    )


def _nothing_to_close() -> None:
    pass


def _find_table(
    sheets: Sheets, required_any: tuple[str, ...], name: str, find_header: Callable
) -> tuple[str, Iterator[RawRow], _Header]:
    """The one sheet of a workbook with a header row: a cover sheet (letterhead, notes) may
    come first. Two sheets with a table are refused: which one to read is the sender's call."""
    found: list[tuple[str, Iterator[RawRow], _Header]] = []
    refused: list[ReadError] = []
    for sheet_name, source in sheets:
        try:
            found.append((sheet_name, source, find_header(source, required_any, name)))
        except ReadError as error:
            if error.code not in ("no_header", "empty"):
                raise
            refused.append(error)
        if len(found) > 1:
            raise ReadError(
                "two_tables",
                _(
                    "%(name)s has a table on sheet %(first)s and another on sheet %(second)s. "
                    "Keep only the sheet to upload (delete or move the other), save and upload "
                    "again."
                )
                % {"name": name, "first": found[0][0], "second": found[1][0]},
            )
    if found:
        sheet_name, source, header = found[0]
        return (sheet_name if len(refused) + len(found) > 1 else ""), source, header
    no_header = [error for error in refused if error.code == "no_header"]
    raise (no_header or refused or [empty_file(name)])[0]


def row_key(cells: list[str]) -> tuple[str, ...]:
    """A row folded as headers are, trailing blanks dropped: how a repeated header is known."""
    key = [fold_header(cell) for cell in cells]
    while key and not key[-1]:
        key.pop()
    return tuple(key)


def _at(cells: list[str], i: int) -> str:
    return cells[i] if i < len(cells) else ""


def _cell_text(value: object, identifier: bool) -> str:
    """A cell as the operator would read it; an identifier stored as a number stays visibly one.

    A NIK or No. KK typed as a number has already lost what Excel dropped (digits past the
    15th, leading zeros), so it is never turned back into digits: "3306011203800000.0" and
    "3.30601e+15" let the identity checks say "stored as a number".
    """
    if value is None:
        return ""
    if isinstance(value, str):
        # One leading apostrophe is Excel's "keep this as text" mark (and how our own files
        # neutralise formulas); the operator never sees it as part of the value.
        return value.strip().removeprefix("'")
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return f"{value}.0" if identifier else str(value)
    if isinstance(value, float):
        if identifier or not value.is_integer():
            return repr(value)
        return str(int(value))
    if isinstance(value, datetime.date):  # datetimes too: a birth date has no time
        return f"{value.day:02d}-{value.month:02d}-{value.year:04d}"
    if isinstance(value, datetime.time):
        return value.isoformat(timespec="seconds")
    return str(value).strip()


def cell_text(value: object) -> str:
    """A text cell as `Sheet.rows` hands it over (surrounding blanks and one leading
    apostrophe removed); for loaders that read a CSV file's cells themselves."""
    return _cell_text(value, False)
