"""A roster stored on PostgreSQL (set-based, programs.intake.bulk) holds exactly what the row-by-row
path (programs.intake.rosters._Converter, what SQLite uses) makes of the same file: every column of
every row, the problems and the counts. Messy cells on purpose: blanks around values, Excel's
apostrophe, quoted delimiters and quotes, damaged numbers, bad dates and desil, an unknown
desa, a blank row and the header repeated inside the data."""

import csv

import openpyxl
import pytest
from django.db import connection
from django.utils import translation

from programs.intake import bulk, rosters
from programs.intake.readers import open_sheet
from programs.intake.roster_values import Counts, Values
from tests.conftest import make_nik, make_no_kk
from tests.programs.test_rosters import load

pytestmark = pytest.mark.django_db

HEADER = ["NO", "NOMOR KK", "NOMOR NIK", "NAMA", "JnsKel", "TglLahir", "ALAMAT", "RT", "RW"]
HEADER += ["DESA/KELURAHAN", "NMKEC", "DESIL", "KODE BANK"]
FIELDS = [
    *("row_number", "source_id", "no_kk", "nik", "name", "sex", "birth_date"),
    *("mother_name", "address", "rt", "rw", "desa_id", "desil", "raw", "problems"),
]


def rows(padded):
    def row(n, **cells):
        values = {
            "no": str(n),
            "kk": make_no_kk(),
            "nik": make_nik(),
            "nama": "SITI AMINAH",
            "sex": "P",
            "born": "12-03-1980",
            "alamat": "DUSUN KRAJAN",
            "rt": "2",
            "rw": "05",
            "desa": "SINDURJAN",
            "kec": "PURWOREJO",
            "desil": "3",
            "bank": "BRI",
        }
        values.update(cells)
        return list(values.values())

    found = [
        row(1),
        row(2, alamat='JL. MAWAR, NO. 5 "BARAT"', nama="Ny. Tuti; Sri", sex="PEREMPUAN"),
        row(3, nik="3.30601E+15", kk="330601120380000", born="31-02-1980", desil="11"),
        row(4, nik="", kk="", rt="RT 3", rw="005", sex="x"),
        row(5, desa="ATLANTIS", born="1980-03-12", desil=""),
        HEADER,  # the header again, as a merged export repeats it
        [""] * len(HEADER),  # a blank row
        row(6, nik="'" + make_nik(), nama="'=1+1", bank=""),
        row(7, desa="DS. SINDURJAN", kec="KEC. PURWOREJO", born="", sex="L"),
    ]
    if padded:
        found += [
            row(8, nik=f"  {make_nik()} ", nama="  Budi\u00a0", alamat=" \t ", rt=" 3 "),
            row(9, kk=f" '{make_no_kk()}", nama="'' quoted twice", desa=" SINDURJAN "),
        ]
    return found


def write(tmp_path, variant):
    data = [["DAFTAR PENERIMA PKH"], [], HEADER, *rows(padded=variant != "plain csv")]
    if variant == "xlsx":
        path = tmp_path / "pkh.xlsx"
        book = openpyxl.Workbook()
        for line in data:
            book.active.append(line)
        book.save(path)
        return path
    path = tmp_path / "pkh.csv"
    encoding, delimiter = ("cp1252", ";") if variant == "cp1252 semicolons" else ("utf-8", ",")
    with open(path, "w", encoding=encoding, newline="") as file:
        csv.writer(file, delimiter=delimiter).writerows(data)
    return path


def converted(path, version):
    """What the row-by-row path makes of the file, without storing anything."""
    with open_sheet(path, max_rows=rosters.MAX_ROWS) as sheet:
        counts = Counts()
        values = Values(carries_desil=version.program.carries_desil, sheet=sheet)
        convert = rosters._Converter(version, sheet, values, counts)
        made = [convert(row) for row in sheet.rows() if not row.repeated_header]
        return made, counts, sheet.repeated_headers


@pytest.mark.parametrize("variant", ["plain csv", "padded csv", "cp1252 semicolons", "xlsx"])
def test_both_ways_of_storing_a_roster_agree(tmp_path, users, regions, variant, monkeypatch):
    staged_row_by_row = []
    real = bulk.stage.copy_rows
    monkeypatch.setattr(
        bulk.stage, "copy_rows", lambda load: staged_row_by_row.append(1) or real(load)
    )
    path = write(tmp_path, variant)
    with translation.override("en"):
        upload = load(path, users, code="DTSEN")
        expected, counts, repeated = converted(path, upload.version)

    stored = list(upload.version.rows.order_by("row_number"))
    assert len(stored) == len(expected) == (9 if variant != "plain csv" else 7)
    for row, want in zip(stored, expected, strict=True):
        assert [getattr(row, f) for f in FIELDS] == [getattr(want, f) for f in FIELDS]
    assert upload.rows_invalid == counts.invalid > 0
    assert upload.version.problem_count == counts.damaged > 0
    assert upload.summary["desa_not_found"] == counts.desa_not_found == 1
    kinds = dict(upload.summary["problem_kinds"])
    assert sum(kinds.values()) == sum(counts.kinds.values())
    assert upload.summary["repeated_headers"] == repeated == [9]
    if connection.vendor == "postgresql" and variant != "xlsx":
        assert not staged_row_by_row  # the CSV went to COPY as bytes


def test_a_csv_that_copy_would_read_differently_is_read_row_by_row(tmp_path, users):
    # A quote inside an unquoted cell: Python keeps it, COPY would take it as quoting.
    nik = make_nik()
    path = tmp_path / "pkh.csv"
    path.write_text(f'NIK,NAMA,ALAMAT\n{nik},AHMAD "UDIN" SANTOSO,KRAJAN\n{make_nik()},SRI\n')
    upload = load(path, users)
    first, second = upload.version.rows.order_by("row_number")
    assert (first.nik, first.name) == (nik, 'AHMAD "UDIN" SANTOSO')
    assert (second.name, second.raw) == ("SRI", [second.nik, "SRI", ""])  # a short row


@pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions are PostgreSQL's")
def test_an_activated_roster_carries_each_index_of_the_roster_table_once(tmp_path, users):
    # ATTACH builds a constraint's index anew unless the partition already has the constraint:
    # a second copy of each unique index, built alone while the version is being activated.
    upload = load(write(tmp_path, "plain csv"), users)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_index WHERE indrelid = %s::regclass",
            [bulk.partition(upload.version)],
        )
        on_partition = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE c.conindid IS NOT NULL) FROM pg_index i "
            "LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid "
            "AND c.conrelid = i.indrelid WHERE i.indrelid = 'programs_rosterrow'::regclass"
        )
        on_parent, constraints = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE conrelid = %s::regclass "
            "AND contype IN ('p', 'u')",
            [bulk.partition(upload.version)],
        )
        partition_constraints = cursor.fetchone()[0]
    assert on_partition == on_parent == 5
    assert partition_constraints == constraints == 2
