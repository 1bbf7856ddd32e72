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

import codecs
import csv
import datetime
import io
import re
import struct
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook, PasswordError, SheetTypeEnum, SheetVisibleEnum

from programs.intake.headers import canonical, fold_header

HEADER_SCAN_ROWS = 30  # non-blank rows searched for the header
IDENTIFIER_COLUMNS = frozenset({"no_kk", "nik"})
EXPECTED_HEADERS = "NIK, NO KK, NAMA, ALAMAT, DESA, KECAMATAN"

# An .xlsx is a zip: these limits are checked on its table of contents before anything is
# unpacked, so a small upload cannot make the server unpack gigabytes.
ZIP_MAX_ENTRIES = 10_000
ZIP_MAX_RATIO = 100
ZIP_RATIO_FLOOR = 200 * 1024 * 1024
ZIP_MAX_TOTAL = 1024 * 1024 * 1024

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
# Files that are clearly not text even when their first bytes happen to hold no NUL.
BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"{\\rtf", b"\x1f\x8b", b"Rar!")
DELIMITERS = (",", ";", "\t", "|")
SNIFF_CHARS = 256 * 1024
_SEP_LINE = re.compile(r"\Asep=(.)\r?\n")  # Excel's own hint on the first line of a CSV

RawRow = tuple[int, list[object]]  # (line the operator sees in Excel, cell values)
Sheets = Iterator[tuple[str, Iterator[RawRow]]]  # a workbook's (sheet name, its rows), in turn


class ReadError(Exception):
    """The whole file cannot be read; .code is stable ('type', 'empty', 'no_header', 'encrypted',
    'too_big', 'zip_bomb', 'encoding', 'corrupt', 'too_many_rows'), str(err) is the translated
    message naming the problem and what to do."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


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
) -> Sheet:
    """Open a proposal or roster file and find its header row.

    The file type is decided by its content: an .xlsx renamed to .csv is still read as .xlsx.
    `filename` is the name the operator uploaded (messages use it); `required_any` lists the
    columns of which the header must have at least one (a roster may carry NIK and name only).
    Raises ReadError when the file cannot be read at all.
    """
    path = Path(path)
    name = filename or path.name
    size = path.stat().st_size
    if size == 0:
        raise _empty(name)
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
            sheets = _open_xls(path, name)
        else:
            sheets = _open_xlsx(path, name, max_unpacked)
        sheet_name, source, header = _find_table(sheets, required_any, name)
        close = _nothing_to_close  # calamine frees a sheet's memory with the sheet
    else:
        source, close, text = _open_csv(path, name, start, required_any)
        try:
            header = _find_header(source, required_any, name)
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


def _find_header(source: Iterator[RawRow], required_any: tuple[str, ...], name: str) -> _Header:
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
            found = canonical(text) if text else None
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
        raise _empty(name)
    raise ReadError(
        "no_header",
        _(
            "%(name)s has no header row we recognise in its first %(rows)s rows. Put one row of "
            "column names above the data, such as %(expected)s, and upload again."
        )
        % {"name": name, "rows": HEADER_SCAN_ROWS, "expected": EXPECTED_HEADERS},
    )


def _nothing_to_close() -> None:
    pass


def _find_table(
    sheets: Sheets, required_any: tuple[str, ...], name: str
) -> tuple[str, Iterator[RawRow], _Header]:
    """The one sheet of a workbook with a header row: a cover sheet (letterhead, notes) may
    come first. Two sheets with a table are refused: which one to read is the sender's call."""
    found: list[tuple[str, Iterator[RawRow], _Header]] = []
    refused: list[ReadError] = []
    for sheet_name, source in sheets:
        try:
            found.append((sheet_name, source, _find_header(source, required_any, name)))
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
    raise (no_header or refused or [_empty(name)])[0]


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


# Excel ------------------------------------------------------------------------------------


def _open_xlsx(path: Path, name: str, max_unpacked: int = ZIP_MAX_TOTAL) -> Sheets:
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise _corrupt(name) from exc
    unpacked = sum(entry.file_size for entry in entries)
    packed = max(1, sum(entry.compress_size for entry in entries))
    if (
        len(entries) > ZIP_MAX_ENTRIES
        or unpacked > ZIP_MAX_TOTAL
        or (unpacked > ZIP_RATIO_FLOOR and unpacked > ZIP_MAX_RATIO * packed)
    ):
        raise ReadError(
            "zip_bomb",
            _(
                "%(name)s would unpack to far more data than a spreadsheet of its size can hold, "
                "so it was refused. Open it in Excel, save it again as .xlsx and upload the new "
                "file."
            )
            % {"name": name},
        )
    if unpacked > max_unpacked:
        # calamine holds the whole sheet in memory: refuse before loading, not after.
        raise ReadError(
            "too_big",
            _(
                "%(name)s holds %(size)s MB of sheet data, more than %(limit)s MB. Split it "
                "into smaller files, or save it as CSV, and upload again."
            )
            % {"name": name, "size": megabytes(unpacked), "limit": megabytes(max_unpacked)},
        )
    names = {entry.filename for entry in entries}
    if not {"[Content_Types].xml", "xl/workbook.xml"} <= names:
        raise _wrong_type(name)  # a .docx, .ods, .xlsb or any other zip
    return _calamine_sheets(path, name, check=_xlsx_grid_check(path, name))


# calamine holds a sheet as a grid from A1 to its last cell with a value, about 32 bytes a
# cell, empty or not: one value typed at XFD1048576 asks for 549 GB and aborts the process.
# A table of a million rows and 20 columns fits.
MAX_GRID_CELLS = 20_000_000
_WIDE = re.compile(rb'r="[A-Z]{2,3}[0-9]')  # a cell past column Z (a row's r= has no letters)
_LAST_ROW = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="([0-9]+)"')
_CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"[^>]*?(/?)>')
_ATTRIBUTE = re.compile(r'([\w:]+)="([^"]*)"')
_CHUNK = 1024 * 1024


def _xlsx_grid_check(path: Path, name: str) -> Callable[[str], None]:
    """A check of a sheet (by name) before calamine loads it: the grid its cells with a value
    span, from the sheet's own cells (its declared dimension may lie; formatting alone does
    not count). A quick look first: a sheet with no cell past column Z and not many rows is
    small whatever it holds (a twentieth of a second for 70,000 rows); only others are read
    cell by cell."""

    def check(sheet: str) -> None:
        with zipfile.ZipFile(path) as archive:
            part = _sheet_parts(archive).get(sheet)
            if part is None or _narrow_and_short(archive, part):
                return
            rows, columns, far = _grid(archive, part)
        if rows * columns > MAX_GRID_CELLS:
            raise ReadError(
                "far_cell",
                _(
                    "%(name)s: sheet %(sheet)s has something typed in cell %(cell)s, far "
                    "outside the table, so the sheet would span %(rows)s rows and %(columns)s "
                    "columns. Delete what is in that cell (or delete the empty rows and columns "
                    "around the table), save and upload again."
                )
                % {
                    "name": name,
                    "sheet": sheet,
                    "cell": far,
                    "rows": number_format(rows, force_grouping=True),
                    "columns": number_format(columns, force_grouping=True),
                },
            )

    return check


def _narrow_and_short(archive: zipfile.ZipFile, part: str) -> bool:
    """No cell past column Z, and a last row low enough that 26 columns stay in bounds."""
    last_row, tail = 0, b""
    with archive.open(part) as stream:
        while chunk := stream.read(_CHUNK):
            text = tail + chunk
            if _WIDE.search(text):
                return False
            rows = _LAST_ROW.findall(text[-_CHUNK // 4 :])  # rows come in order
            last_row = int(rows[-1]) if rows else last_row
            tail = text[-64:]
    return last_row * 26 <= MAX_GRID_CELLS


def _grid(archive: zipfile.ZipFile, part: str) -> tuple[int, int, str]:
    """(last row, last column, the cell farthest out) of the sheet's cells with a value."""
    rows = columns = 0
    far, tail = "", b""
    with archive.open(part) as stream:
        while chunk := stream.read(_CHUNK):
            text = tail + chunk
            end = text.rfind(b"<")  # a cell cut by the chunk's end is read with the next one
            for found in _CELL.finditer(text, 0, end):
                if found[3]:  # <c r="..." s="1"/>: formatting, no value
                    continue
                row, column = int(found[2]), _column_number(found[1])
                if row * column > rows * columns:
                    far = (found[1] + found[2]).decode()
                rows, columns = max(rows, row), max(columns, column)
            tail = text[end:] if end >= 0 else b""
    return rows, columns, far


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> the archive's path of its XML, from the workbook and its relations."""
    import html

    workbook = archive.read("xl/workbook.xml").decode("utf-8", "replace")
    try:
        relations = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except KeyError:
        return {}
    targets = {}
    for found in re.finditer(r"<(?:\w+:)?Relationship\b([^>]*)>", relations):
        attributes = dict(_ATTRIBUTE.findall(found[1]))
        target = attributes.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        targets[attributes.get("Id")] = target
    parts = {}
    for found in re.finditer(r"<(?:\w+:)?sheet\b([^>]*)>", workbook):
        attributes = dict(_ATTRIBUTE.findall(found[1]))
        relation = next((v for k, v in attributes.items() if k.endswith(":id")), None)
        if relation in targets:
            parts[html.unescape(attributes.get("name", ""))] = targets[relation]
    return parts


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _open_xls(path: Path, name: str) -> Sheets:
    try:
        streams = _ole_stream_names(path)
    except (OSError, ValueError, struct.error) as exc:
        raise _corrupt(name) from exc
    # A password-protected .xlsx is stored in an OLE2 envelope with these two streams.
    if streams & {"encryptioninfo", "encryptedpackage"}:
        raise _encrypted(name)
    if not streams & {"workbook", "book"}:
        raise _wrong_type(name)  # a .doc, .ppt, .msg or other OLE2 file
    # No grid check: an .xls sheet holds at most 65,536 rows of 256 columns, within bounds.
    return _calamine_sheets(path, name)


def _calamine_sheets(path: Path, name: str, check: Callable[[str], None] | None = None) -> Sheets:
    """Each visible worksheet, in the workbook's order, loaded when its turn comes; `check`
    (the sheet's name) may refuse a sheet before it is loaded."""
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except PasswordError as exc:  # an .xls with a password to open
        raise _encrypted(name) from exc
    except BaseException as exc:
        _reraise_interrupt(exc)
        raise _corrupt(name) from exc
    for index, sheet_name in _visible_worksheets(workbook):
        if check is not None:
            check(sheet_name)
        yield sheet_name, _calamine_rows(workbook, index, name)


def _calamine_rows(workbook: CalamineWorkbook, index: int, name: str) -> Iterator[RawRow]:
    try:
        sheet = workbook.get_sheet_by_index(index)
        start = sheet.start
        rows = sheet.iter_rows()
    except PasswordError as exc:
        raise _encrypted(name) from exc
    except BaseException as exc:
        _reraise_interrupt(exc)
        raise _corrupt(name) from exc
    # iter_rows() starts at row 1 but at the first used column: pad so indexes are Excel's.
    pad: list[object] = [""] * (start[1] if start else 0)
    line = 0
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except BaseException as exc:
            _reraise_interrupt(exc)
            raise _corrupt(name) from exc
        line += 1
        yield line, pad + row


def _visible_worksheets(workbook: CalamineWorkbook) -> list[tuple[int, str]]:
    """(index, name) of the visible worksheets; the first sheet if none is."""
    sheets = workbook.sheets_metadata
    visible = [
        (i, sheet.name)
        for i, sheet in enumerate(sheets)
        if sheet.visible == SheetVisibleEnum.Visible and sheet.typ == SheetTypeEnum.WorkSheet
    ]
    return visible or [(0, sheets[0].name if sheets else "")]


def _reraise_interrupt(exc: BaseException) -> None:
    # calamine's Rust panics arrive as BaseException (pyo3's PanicException): a damaged file
    # must give the operator a message, not a server error; only a real interrupt goes on.
    if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
        raise exc


def _ole_stream_names(path: Path) -> set[str]:
    """Lower-cased names of the entries in an OLE2 compound file (the .xls container)."""
    end_of_chain, free = 0xFFFFFFFE, 0xFFFFFFFF
    with path.open("rb") as file:
        file_size = file.seek(0, io.SEEK_END)
        file.seek(0)
        header = file.read(512)
        if len(header) < 512:
            raise ValueError("OLE2 header cut off")
        shift = struct.unpack_from("<H", header, 30)[0]
        if shift not in (9, 12):
            raise ValueError("OLE2 sector size")
        size = 1 << shift
        max_sectors = file_size // size + 1
        first_dir, difat_start, difat_count = (
            struct.unpack_from("<I", header, o)[0] for o in (48, 68, 72)
        )

        def sector(number: int) -> bytes:
            if number >= max_sectors:
                raise ValueError("OLE2 sector outside the file")
            file.seek((number + 1) * size)
            data = file.read(size)
            if len(data) < size:
                raise ValueError("OLE2 file cut off")
            return data

        fat_sectors = [s for s in struct.unpack_from("<109I", header, 76) if s != free]
        next_difat, per_sector = difat_start, size // 4 - 1
        for _ in range(min(difat_count, max_sectors)):
            if next_difat in (end_of_chain, free):
                break
            entries = struct.unpack(f"<{per_sector + 1}I", sector(next_difat))
            fat_sectors += [s for s in entries[:per_sector] if s != free]
            next_difat = entries[per_sector]
        per_fat = size // 4

        def next_sector(number: int) -> int:
            index = number // per_fat
            if index >= len(fat_sectors):
                raise ValueError("OLE2 sector outside the FAT")
            return struct.unpack_from("<I", sector(fat_sectors[index]), (number % per_fat) * 4)[0]

        names: set[str] = set()
        current, visited = first_dir, set()
        while current != end_of_chain:
            if current in visited or len(visited) > max_sectors:
                raise ValueError("OLE2 directory chain loops")
            visited.add(current)
            data = sector(current)
            for offset in range(0, size, 128):
                length, kind = struct.unpack_from("<HB", data, offset + 64)
                if kind in (1, 2, 5) and 2 <= length <= 64:
                    names.add(data[offset : offset + length - 2].decode("utf-16-le").casefold())
            current = next_sector(current)
        return names


# CSV --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CsvText:
    encoding: str  # "utf-8-sig" (with or without a BOM) or "cp1252"
    delimiter: str


def _open_csv(
    path: Path, name: str, start: bytes, required_any: tuple[str, ...]
) -> tuple[Iterator[RawRow], Callable[[], None], CsvText]:
    if start.startswith(BINARY_MAGIC):
        raise _wrong_type(name)
    if b"\0" in start and not start.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _wrong_type(name)  # binary; UTF-16 text ("Unicode Text") is an encoding problem
    opening = start.lstrip(b"\xef\xbb\xbf \t\r\n")[:1024].lower()
    if opening.startswith(b"<") and any(tag in opening for tag in (b"<html", b"<table", b"<?xml")):
        raise ReadError(
            "type",
            _(
                "%(name)s is a web page or XML file saved under a spreadsheet name. Open it in "
                "Excel, choose Save As > Excel Workbook (.xlsx) and upload the new file."
            )
            % {"name": name},
        )
    encoding = _text_encoding(path)
    if encoding is None:
        raise ReadError(
            "encoding",
            _(
                "%(name)s is not text we can read. In Excel choose File > Save As > "
                "CSV UTF-8 (Comma delimited), or save it as .xlsx, and upload again."
            )
            % {"name": name},
        )
    delimiter = _sniff_delimiter(path, encoding, required_any)
    text = io.TextIOWrapper(path.open("rb"), encoding=encoding, newline="")
    reader = csv.reader(text, delimiter=delimiter)

    def read() -> Iterator[RawRow]:
        try:
            yield from enumerate(reader, start=1)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ReadError(
                "corrupt",
                _(
                    "%(name)s cannot be read from row %(line)s on: a quote may be left open or "
                    "a cell is far too long. Check that row, save the file again and upload it."
                )
                % {"name": name, "line": reader.line_num},
            ) from exc
        finally:
            text.close()

    return read(), text.close, CsvText(encoding, delimiter)


def _text_encoding(path: Path) -> str | None:
    """'utf-8-sig' (with or without BOM), else 'cp1252', else None; NUL bytes mean not text."""
    for encoding in ("utf-8", "cp1252"):
        # cp1252 decodes almost any byte; it fails on 0x81, 0x8D, 0x8F, 0x90 and 0x9D only.
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as file:
                while chunk := file.read(1024 * 1024):
                    if b"\0" in chunk:
                        return None
                    decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return "utf-8-sig" if encoding == "utf-8" else encoding
    return None


def _sniff_delimiter(path: Path, encoding: str, required_any: tuple[str, ...]) -> str:
    """The delimiter under which the header row names the most known columns."""
    with io.TextIOWrapper(path.open("rb"), encoding=encoding, newline="") as text:
        sample = text.read(SNIFF_CHARS)
        if text.read(1):
            sample = sample[: sample.rfind("\n") + 1] or sample
    hint = _SEP_LINE.match(sample)
    if hint and hint.group(1) in DELIMITERS:
        return hint.group(1)
    best, best_count = ",", 0
    for delimiter in DELIMITERS:
        rows = enumerate(csv.reader(io.StringIO(sample), delimiter=delimiter), start=1)
        try:
            header = _find_header(rows, required_any, "")
        except (ReadError, csv.Error):
            continue
        if len(header.columns) > best_count:
            best, best_count = delimiter, len(header.columns)
    return best


# Messages ---------------------------------------------------------------------------------


def too_many_rows(name: str, limit: int) -> ReadError:
    return ReadError(
        "too_many_rows",
        _(
            "%(name)s has more than %(limit)s data rows, the most one file may hold. Split it "
            "into smaller files and upload them one by one."
        )
        % {"name": name, "limit": limit},
    )


def cell_text(value: object) -> str:
    """A text cell as `Sheet.rows` hands it over (surrounding blanks and one leading
    apostrophe removed); for loaders that read a CSV file's cells themselves."""
    return _cell_text(value, False)


def megabytes(size: int) -> str:
    """77,4 (the office's decimal comma); a whole number without its decimals."""
    megabytes = round(size / (1024 * 1024), 1)
    return number_format(megabytes, 0 if megabytes.is_integer() else 1)


def _empty(name: str) -> ReadError:
    return ReadError(
        "empty",
        _("%(name)s is empty: it has no rows with data. Check that you chose the right file.")
        % {"name": name},
    )


def _wrong_type(name: str) -> ReadError:
    return ReadError(
        "type",
        _(
            "%(name)s is not a spreadsheet. Upload an Excel file (.xlsx or .xls) or a CSV file "
            "(.csv)."
        )
        % {"name": name},
    )


def _encrypted(name: str) -> ReadError:
    return ReadError(
        "encrypted",
        _(
            "%(name)s is protected with a password. Remove the password in Excel (File > Info > "
            "Protect Workbook), save the file and upload again."
        )
        % {"name": name},
    )


def _corrupt(name: str) -> ReadError:
    return ReadError(
        "corrupt",
        _(
            "%(name)s is damaged and cannot be opened. Open it in Excel, save it again as .xlsx "
            "and upload the new file."
        )
        % {"name": name},
    )
