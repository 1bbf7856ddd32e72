"""Excel workbooks (.xlsx, .xls) read safely: the zip's table of contents checked before anything is
unpacked, cells typed far from the table refused before calamine would load a grid of billions,
passwords and damage named; then each visible sheet's rows, one at a time."""

import io
import re
import struct
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook, PasswordError, SheetTypeEnum, SheetVisibleEnum

from programs.intake.refusals import ReadError, corrupt, encrypted, megabytes, wrong_type

RawRow = tuple[int, list[object]]  # (line the operator sees in Excel, cell values)
Sheets = Iterator[tuple[str, Iterator[RawRow]]]  # a workbook's (sheet name, its rows), in turn

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


# Excel ------------------------------------------------------------------------------------


def open_xlsx(path: Path, name: str, max_unpacked: int = ZIP_MAX_TOTAL) -> Sheets:
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise corrupt(name) from exc
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
        raise wrong_type(name)  # a .docx, .ods, .xlsb or any other zip
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


def open_xls(path: Path, name: str) -> Sheets:
    try:
        streams = _ole_stream_names(path)
    except (OSError, ValueError, struct.error) as exc:
        raise corrupt(name) from exc
    # A password-protected .xlsx is stored in an OLE2 envelope with these two streams.
    if streams & {"encryptioninfo", "encryptedpackage"}:
        raise encrypted(name)
    if not streams & {"workbook", "book"}:
        raise wrong_type(name)  # a .doc, .ppt, .msg or other OLE2 file
    # No grid check: an .xls sheet holds at most 65,536 rows of 256 columns, within bounds.
    return _calamine_sheets(path, name)


def _calamine_sheets(path: Path, name: str, check: Callable[[str], None] | None = None) -> Sheets:
    """Each visible worksheet, in the workbook's order, loaded when its turn comes; `check`
    (the sheet's name) may refuse a sheet before it is loaded."""
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except PasswordError as exc:  # an .xls with a password to open
        raise encrypted(name) from exc
    except BaseException as exc:
        _reraise_interrupt(exc)
        raise corrupt(name) from exc
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
        raise encrypted(name) from exc
    except BaseException as exc:
        _reraise_interrupt(exc)
        raise corrupt(name) from exc
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
            raise corrupt(name) from exc
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
