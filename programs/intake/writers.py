"""Spreadsheets we hand to operators: the proposal template and their own rejected rows.

Both files must survive a round trip through Excel and come back through `readers.open_sheet`:
identifier columns are formatted as text, so 16 digits never turn into 3.30601E+15, and every
text cell passes through `safe_cell`, so a name typed as "=HYPERLINK(...)" stays text on the
next person's computer. The headers are the Indonesian ones the reader maps back
(see programs/intake/headers.py), so they are written as they are, never translated.
"""

import csv
import io
import os
from collections.abc import Iterable
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from programs.intake.headers import REQUIRED_PROPOSAL, canonical

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"  # the content type

# Excel, LibreOffice and Google Sheets run a cell starting with one of these as a formula.
RISKY_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# Columns whose digits must stay exactly as typed: leading zeros, all 16 digits of a NIK.
TEXT_COLUMNS = frozenset({"no_kk", "nik", "rt", "rw", "no_hp", "id", "ref"})
TEXT = "@"

REASON_HEADER = "ALASAN"
REF_HEADER = "ID BARIS BANSOS"

TEMPLATE_SHEET = "Usulan"
GUIDE_SHEET = "Petunjuk"
TEMPLATE_ROWS = 1000  # rows formatted as text below the header; the column style covers the rest

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="FFD9E1F2")  # light blue
PROBLEM_FILL = PatternFill("solid", fgColor="FFFFC7CE")  # Excel's own "bad" red
COMMENT_AUTHOR = "Bansos"
MAX_CELL_CHARS = 32_767  # Excel refuses to open a file with a longer cell


def safe_cell(value: object) -> object:
    """Text a spreadsheet would run as a formula gets a leading apostrophe ("'=SUM(A1)").

    Numbers and dates pass unchanged. Only str values are touched, so a str "-5" or "-" alone
    is prefixed too: we never write numbers as text.
    """
    if isinstance(value, str) and value.startswith(RISKY_PREFIXES):
        return "'" + value
    return value


# Template ---------------------------------------------------------------------------------

# Header as written, column width, text format, what the operator types (for the Petunjuk).
_TEMPLATE_COLUMNS: list[tuple[str, int, bool, str]] = [
    ("NO KK", 20, True, "Nomor Kartu Keluarga, 16 angka."),
    ("NIK", 20, True, "NIK kepala keluarga, 16 angka."),
    ("NAMA", 30, False, "Nama lengkap kepala keluarga, seperti tertulis di KTP."),
    ("JENIS KELAMIN", 15, False, "L (laki-laki) atau P (perempuan)."),
    # Text, so Excel with English settings cannot read 12-03-1980 as 3 December.
    ("TANGGAL LAHIR", 15, True, "Tanggal lahir kepala keluarga: dd-mm-yyyy, contoh 12-03-1980."),
    ("ALAMAT", 35, False, "Jalan, dusun atau kampung tempat keluarga tinggal."),
    ("RT", 6, True, "Nomor RT, angka saja: 2 atau 002, tanpa tulisan RT."),
    ("RW", 6, True, "Nomor RW, angka saja: 5 atau 005, tanpa tulisan RW."),
    ("DESA", 22, False, "Nama desa atau kelurahan."),
    ("KECAMATAN", 22, False, "Nama kecamatan."),
    ("SEKTOR", 22, False, "Sektor terdampak, misalnya tukang becak atau pedagang pasar."),
    ("NAMA IBU", 25, False, "Nama ibu kandung kepala keluarga."),
    ("NO HP", 16, True, "Nomor HP yang bisa dihubungi, contoh 081234567890."),
    ("KETERANGAN", 30, False, "Catatan lain bila perlu."),
]
TEMPLATE_HEADERS = tuple(header for header, *_rest in _TEMPLATE_COLUMNS)

_GUIDE_RULES = [
    "Satu baris untuk satu keluarga (KK), diisi dengan data kepala keluarga.",
    "Isi mulai baris 2 di lembar Usulan. Jangan mengubah atau menghapus baris judul kolom.",
    "NIK dan No. KK diketik sebagai teks, 16 angka, tanpa spasi atau titik. Kolomnya sudah "
    "diatur sebagai teks. Bila tampil seperti 3,30601E+15, angkanya sudah rusak: ketik ulang "
    "dari Kartu Keluarga.",
    "Tanggal lahir ditulis dd-mm-yyyy, contoh 12-03-1980.",
    "RT dan RW diisi angka saja, contoh 2 atau 002.",
    "Baris yang bermasalah akan dikembalikan kepada Anda dalam file Excel: sel yang salah "
    "berwarna merah dan alasannya tertulis di kolom ALASAN. Perbaiki baris itu lalu unggah "
    "lagi file tersebut. Jangan menghapus kolom ID BARIS BANSOS.",
]


def write_template(
    stream_or_path, *, desa: str = "", kecamatan: str = "", sektor: str = ""
) -> None:
    """The proposal template operators download: sheet "Usulan", then "Petunjuk".

    "Usulan" holds only the header row, so an untouched template has no data rows. The
    operator's desa, kecamatan and sektor (when given) are offered as a drop-down list on their
    column and named in "Petunjuk", never written into the rows: a prefilled row would read
    as a proposal. The SEKTOR column is there only when `sektor` is given.
    """
    columns = [c for c in _TEMPLATE_COLUMNS if c[0] != "SEKTOR" or sektor]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = TEMPLATE_SHEET
    sheet.append([header for header, *_rest in columns])
    _style_header(sheet)
    choices = {
        "JENIS KELAMIN": ["L", "P"],
        "DESA": [desa],
        "KECAMATAN": [kecamatan],
        "SEKTOR": [sektor],
    }
    for index, (header, width, text, _meaning) in enumerate(columns, start=1):
        letter = get_column_letter(index)
        dimension = sheet.column_dimensions[letter]
        dimension.width = width
        if text:
            dimension.number_format = TEXT
            for row in range(2, TEMPLATE_ROWS + 2):
                sheet.cell(row=row, column=index).number_format = TEXT
        _offer_choice(sheet, letter, header, [c for c in choices.get(header, []) if c])

    guide = workbook.create_sheet(GUIDE_SHEET)
    guide.append(["PETUNJUK PENGISIAN USULAN BANSOS"])
    guide["A1"].font = Font(bold=True, size=13)
    guide.append([])
    for label, value in (("Desa/Kelurahan", desa), ("Kecamatan", kecamatan), ("Sektor", sektor)):
        if value:
            guide.append([label, _text(value)])
    guide.append([])
    for number, rule in enumerate(_GUIDE_RULES, start=1):
        guide.append([f"{number}.", rule])
    guide.append([])
    guide.append(["Kolom", "Isi", "Wajib"])
    for cell in guide[guide.max_row]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    for header, *_layout, meaning in columns:
        required = "Wajib" if canonical(header) in REQUIRED_PROPOSAL else "Boleh kosong"
        guide.append([header, meaning, required])
    guide.column_dimensions["A"].width = 18
    guide.column_dimensions["B"].width = 100
    guide.column_dimensions["C"].width = 14
    _save(workbook, stream_or_path)


def _offer_choice(sheet: Worksheet, letter: str, header: str, choices: list[str]) -> None:
    """A drop-down on the whole column; typing something else asks before accepting it."""
    listed = ",".join(choices)
    # Inside a list formula a comma separates choices and the whole list holds 255 characters.
    if not choices or any("," in choice for choice in choices) or len(listed) > 250:
        return
    validation = DataValidation(
        type="list",
        formula1='"' + listed.replace('"', '""') + '"',
        allow_blank=True,
        errorStyle="warning",
        showErrorMessage=True,
        errorTitle=header,
        error=f"Isi {header} dengan: {' atau '.join(choices)}.",
    )
    validation.add(f"{letter}2:{letter}1048576")
    sheet.add_data_validation(validation)


# Rejected rows ----------------------------------------------------------------------------


@dataclass
class RejectedRow:
    """One row of the operator's upload that cannot be used as it is."""

    cells: list[str]  # the row as uploaded, in the uploaded column order
    problems: list[tuple[int | None, str]] = field(default_factory=list)  # (column or None, msg)
    ref: str = ""  # our id for the row, so a corrected upload replaces it


def write_rejected(stream_or_path, *, headers: list[str], rows: list[RejectedRow]) -> None:
    """The operator's own rejected rows handed back to fix and upload again.

    One sheet with their headers in their order, then ALASAN (every message of the row, joined
    with "; ") and ID BARIS BANSOS (the row's ref). A bad cell is filled red and carries its
    message as a note; a problem of the whole row (column None) is in ALASAN only. A file that
    is itself a corrected rejected file brings its old ALASAN and ID BARIS BANSOS columns
    along: they are replaced, not repeated.
    """
    keep = _kept_columns(headers, rows)
    position = {old: new for new, old in enumerate(keep)}
    width = len(keep)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = TEMPLATE_SHEET
    sheet.append([_text(_at(headers, i)) for i in keep] + [REASON_HEADER, REF_HEADER])
    _style_header(sheet)
    text_columns = {n for n, i in enumerate(keep) if canonical(_at(headers, i)) in TEXT_COLUMNS}
    text_columns.add(width + 1)  # ID BARIS BANSOS

    longest = [len(str(cell.value)) for cell in sheet[1]]
    for line, row in enumerate(rows, start=2):
        notes: dict[int, list[str]] = {}
        reasons: list[str] = []
        for column, message in row.problems:
            if message not in reasons:
                reasons.append(message)
            if column is not None and column in position:
                notes.setdefault(position[column], []).append(message)
        values = [_at(row.cells, i) for i in keep] + ["; ".join(reasons), row.ref]
        for index, value in enumerate(values):
            cell = sheet.cell(row=line, column=index + 1, value=_text(value))
            if index in text_columns:
                cell.number_format = TEXT
            longest[index] = max(longest[index], len(str(cell.value or "")))
        for index, messages in notes.items():
            cell = sheet.cell(row=line, column=index + 1)
            cell.fill = PROBLEM_FILL
            cell.comment = _note("\n".join(dict.fromkeys(messages)))

    for index, chars in enumerate(longest):
        limit = 60 if index == width else 40  # ALASAN may be long; the rest stays on screen
        sheet.column_dimensions[get_column_letter(index + 1)].width = min(max(chars + 2, 8), limit)
    _save(workbook, stream_or_path)


def _kept_columns(headers: list[str], rows: list[RejectedRow]) -> list[int]:
    """Indexes of the uploaded columns to hand back, without a previous ALASAN and ref pair."""
    used = max((_last_filled(r.cells) for r in rows), default=0)
    count = max(_last_filled(headers), used)
    dropped: set[int] = set()
    for i in range(count):
        if canonical(_at(headers, i)) == "ref":
            dropped.add(i)
            if i > 0 and _at(headers, i - 1).strip().upper() == REASON_HEADER:
                dropped.add(i - 1)
    return [i for i in range(count) if i not in dropped]


def _last_filled(cells: list[str]) -> int:
    for i in range(len(cells), 0, -1):
        if str(cells[i - 1] or "").strip():
            return i
    return 0


def _at(cells: list[str], i: int) -> str:
    return cells[i] if i < len(cells) and cells[i] is not None else ""


def _note(message: str) -> Comment:
    comment = Comment(message, COMMENT_AUTHOR)
    comment.width = 300
    comment.height = 20 * (2 + len(message) // 40)
    return comment


# Problems as CSV --------------------------------------------------------------------------

PROBLEM_COLUMNS = ("baris", "baris_excel", "kolom", "alasan")


def write_problems_csv(stream, problems: Iterable[dict]) -> None:
    """The list of problems as CSV: baris, baris_excel, kolom, alasan.

    Each problem is a dict with "row" (data row), "line" (row number in Excel), "column"
    (None for the whole row) and "message", as programs.intake.imports lists them. Written with a
    UTF-8 byte order mark, so Excel shows the Indonesian text correctly. `stream` is a text
    stream: an open file (newline="") or an HttpResponse.
    """
    if (getattr(stream, "encoding", None) or "").lower().replace("_", "-") != "utf-8-sig":
        stream.write("\ufeff")
    writer = csv.writer(stream)
    writer.writerow(PROBLEM_COLUMNS)
    for problem in problems:
        writer.writerow(
            [
                _csv_value(problem.get("row")),
                _csv_value(problem.get("line")),
                _csv_value(problem.get("column")),
                _csv_value(problem.get("message")),
            ]
        )


def _csv_value(value: object) -> object:
    return "" if value is None else safe_cell(value)


# Shared -----------------------------------------------------------------------------------


def _style_header(sheet: Worksheet) -> None:
    for cell in sheet[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    sheet.freeze_panes = "A2"


def _text(value: object) -> object:
    """A cell value Excel will open: no control characters, not too long, never a formula."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_CELL_CHARS]
    return safe_cell(value)


def _save(workbook: Workbook, stream_or_path) -> None:
    if isinstance(stream_or_path, str | os.PathLike):
        workbook.save(stream_or_path)
        return
    # A response or upload stream cannot seek back, which a zip writer wants: build it aside.
    buffer = io.BytesIO()
    workbook.save(buffer)
    stream_or_path.write(buffer.getvalue())
