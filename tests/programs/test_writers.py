"""The files we hand to operators: the proposal template, their rejected rows, the problem list.

Every file is written to tmp_path, opened with openpyxl as Excel would see it and read back
with programs.intake.readers, the way it comes back when the operator uploads it. No database.
"""

import csv
import datetime
import io

import openpyxl
import pytest
from django.http import HttpResponse
from django.utils import translation

from programs.intake.headers import canonical
from programs.intake.readers import open_sheet
from programs.intake.writers import (
    PROBLEM_FILL,
    XLSX,
    RejectedRow,
    safe_cell,
    write_problems_csv,
    write_rejected,
    write_template,
)

NIK = "3306011203800001"
NO_KK = "3306010101200001"
UPLOADED = ["NO", "NIK", "No. KK", "NAMA", "ALAMAT", "DESA", "KECAMATAN", "CATATAN RT"]
INJECTIONS = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)"]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def uploaded_row(n=1, nik=NIK, nama="SITI AMINAH"):
    return [str(n), nik, NO_KK, nama, "DUSUN KRAJAN", "SINDURJAN", "PURWOREJO", ""]


def read_back(path):
    sheet = open_sheet(path)
    return sheet, list(sheet.rows())


def is_red(cell) -> bool:
    return cell.fill.fill_type == "solid" and cell.fill.fgColor.rgb == PROBLEM_FILL.fgColor.rgb


# --- safe_cell -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("-", "'-"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("SITI AMINAH", "SITI AMINAH"),
        ("", ""),
        ("'=SUM(A1)", "'=SUM(A1)"),  # already safe: a second round trip adds nothing
        (-5, -5),
        (2.5, 2.5),
        (None, None),
    ],
)
def test_safe_cell_prefixes_only_text_a_spreadsheet_would_run(value, expected):
    assert safe_cell(value) == expected


def test_safe_cell_leaves_dates_alone():
    born = datetime.date(1980, 3, 12)
    assert safe_cell(born) is born


# --- template ------------------------------------------------------------------------------

TEMPLATE_HEADERS = [
    "NO KK",
    "NIK",
    "NAMA",
    "JENIS KELAMIN",
    "TANGGAL LAHIR",
    "ALAMAT",
    "RT",
    "RW",
    "DESA",
    "KECAMATAN",
    "NAMA IBU",
    "NO HP",
    "KETERANGAN",
]


def test_template_has_the_canonical_headers_in_order(tmp_path):
    path = tmp_path / "template.xlsx"
    write_template(path)
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["Usulan", "Petunjuk"]
    sheet = workbook["Usulan"]
    assert [c.value for c in sheet[1]] == TEMPLATE_HEADERS
    assert all(c.font.bold and c.fill.fill_type == "solid" for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width >= 18  # 16 digits fit


def test_template_with_sektor_adds_the_column_before_nama_ibu(tmp_path):
    path = tmp_path / "template.xlsx"
    write_template(path, sektor="tukang becak")
    headers = [c.value for c in openpyxl.load_workbook(path)["Usulan"][1]]
    assert headers == [*TEMPLATE_HEADERS[:10], "SEKTOR", *TEMPLATE_HEADERS[10:]]


def test_template_identifier_columns_are_text_so_excel_keeps_16_digits(tmp_path):
    path = tmp_path / "template.xlsx"
    write_template(path)
    sheet = openpyxl.load_workbook(path)["Usulan"]
    letters = {c.value: c.column_letter for c in sheet[1]}
    for header in ["NO KK", "NIK", "RT", "RW", "NO HP"]:
        letter = letters[header]
        assert sheet[f"{letter}2"].number_format == "@", header
        assert sheet[f"{letter}1001"].number_format == "@", header
        assert sheet.column_dimensions[letter].number_format == "@", header
    assert sheet[f"{letters['NAMA']}2"].number_format == "General"


def test_untouched_template_reads_back_with_no_data_rows(tmp_path):
    path = tmp_path / "template.xlsx"
    write_template(path, desa="SINDURJAN", kecamatan="PURWOREJO", sektor="tukang becak")
    sheet, rows = read_back(path)
    assert rows == []  # the reader finds the header and nothing below it
    assert sheet.header_line == 1
    assert sheet.ignored == []


def test_filled_template_reads_back_with_every_column_recognised(tmp_path):
    path = tmp_path / "template.xlsx"
    write_template(path, desa="SINDURJAN", kecamatan="PURWOREJO", sektor="tukang becak")
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Usulan"]
    typed = {
        "NO KK": NO_KK,
        "NIK": NIK,
        "NAMA": "SITI AMINAH",
        "JENIS KELAMIN": "P",
        "TANGGAL LAHIR": "12-03-1980",
        "ALAMAT": "DUSUN KRAJAN",
        "RT": "002",
        "RW": "005",
        "DESA": "SINDURJAN",
        "KECAMATAN": "PURWOREJO",
        "SEKTOR": "tukang becak",
        "NAMA IBU": "SUMIATI",
        "NO HP": "081234567890",
        "KETERANGAN": "lansia",
    }
    for cell in sheet[1]:
        sheet.cell(row=2, column=cell.column, value=typed[cell.value])
    workbook.save(path)

    read, rows = read_back(path)
    assert sorted(read.columns.values()) == sorted(
        [
            "no_kk",
            "nik",
            "nama",
            "jenis_kelamin",
            "tanggal_lahir",
            "alamat",
            "rt",
            "rw",
            "desa",
            "kecamatan",
            "sektor",
            "nama_ibu",
            "no_hp",
            "keterangan",
        ]
    )
    assert len(rows) == 1
    assert rows[0].values == {canonical(header): value for header, value in typed.items()}


def test_template_offers_the_operators_desa_as_a_choice_not_as_data(tmp_path):
    path = tmp_path / "template.xlsx"
    write_template(path, desa="SINDURJAN", kecamatan="PURWOREJO")
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Usulan"]
    letters = {c.value: c.column_letter for c in sheet[1]}
    lists = {
        str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation if v.type == "list"
    }
    assert lists[f"{letters['DESA']}2:{letters['DESA']}1048576"] == '"SINDURJAN"'
    assert lists[f"{letters['KECAMATAN']}2:{letters['KECAMATAN']}1048576"] == '"PURWOREJO"'
    assert sheet[f"{letters['DESA']}2"].value is None
    guide = [c for row in workbook["Petunjuk"].iter_rows(values_only=True) for c in row if c]
    assert "SINDURJAN" in guide and "PURWOREJO" in guide


def test_template_without_desa_has_no_desa_choice(tmp_path):
    path = tmp_path / "template.xlsx"
    write_template(path)
    sheet = openpyxl.load_workbook(path)["Usulan"]
    formulas = [v.formula1 for v in sheet.data_validations.dataValidation]
    assert formulas == ['"L,P"']  # only JENIS KELAMIN


def test_template_guide_explains_the_rules_in_indonesian(tmp_path):
    path = tmp_path / "template.xlsx"
    write_template(path, desa="SINDURJAN", kecamatan="PURWOREJO")
    guide = openpyxl.load_workbook(path)["Petunjuk"]
    text = "\n".join(str(c) for row in guide.iter_rows(values_only=True) for c in row if c)
    assert "16 angka" in text
    assert "dd-mm-yyyy" in text
    assert "Satu baris untuk satu keluarga" in text
    assert "berwarna merah" in text
    explained = {row[0] for row in guide.iter_rows(values_only=True)}
    assert set(TEMPLATE_HEADERS) <= explained


def test_template_downloads_through_an_http_response(tmp_path):
    response = HttpResponse(content_type=XLSX)
    write_template(response, desa="SINDURJAN")
    path = tmp_path / "download.xlsx"
    path.write_bytes(response.content)
    assert open_sheet(path).headers[:2] == ["NO KK", "NIK"]


# --- rejected rows -------------------------------------------------------------------------


def rejected_file(tmp_path, rows, headers=UPLOADED):
    path = tmp_path / "ditolak.xlsx"
    write_rejected(path, headers=headers, rows=rows)
    return path


def test_rejected_rows_keep_the_operators_headers_then_alasan_and_ref(tmp_path):
    rows = [RejectedRow(uploaded_row(), [(1, "NIK berisi 15 digit.")], ref="41")]
    path = rejected_file(tmp_path, rows)
    sheet = openpyxl.load_workbook(path).active
    assert [c.value for c in sheet[1]] == [*UPLOADED, "ALASAN", "ID BARIS BANSOS"]
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"

    read, back = read_back(path)
    assert read.headers[: len(UPLOADED)] == UPLOADED
    assert back[0].cells[-2:] == ["NIK berisi 15 digit.", "41"]
    assert back[0].values["ref"] == "41"


def test_rejected_bad_cells_are_red_with_their_message_as_a_note(tmp_path):
    rows = [
        RejectedRow(
            uploaded_row(1),
            [(1, "NIK berisi 15 digit."), (5, "Desa tidak dikenal.")],
            ref="41",
        ),
        RejectedRow(uploaded_row(2), [(3, "Nama kosong.")], ref="42"),
    ]
    sheet = openpyxl.load_workbook(rejected_file(tmp_path, rows)).active
    red = {(c.row, c.column - 1) for row in sheet.iter_rows(min_row=2) for c in row if is_red(c)}
    assert red == {(2, 1), (2, 5), (3, 3)}
    assert sheet.cell(row=2, column=2).comment.text == "NIK berisi 15 digit."
    assert sheet.cell(row=2, column=6).comment.text == "Desa tidak dikenal."
    assert sheet.cell(row=3, column=4).comment.text == "Nama kosong."
    assert sheet.cell(row=2, column=1).comment is None
    assert sheet.cell(row=2, column=9).value == "NIK berisi 15 digit.; Desa tidak dikenal."


def test_rejected_row_level_problem_is_in_alasan_only(tmp_path):
    problems = [(None, "Keluarga ini sudah diusulkan di baris 3."), (1, "NIK berisi 15 digit.")]
    path = rejected_file(tmp_path, [RejectedRow(uploaded_row(), problems, ref="7")])
    sheet = openpyxl.load_workbook(path).active
    assert [c.column - 1 for c in sheet[2] if is_red(c)] == [1]
    assert [c.column - 1 for c in sheet[2] if c.comment] == [1]
    assert sheet.cell(row=2, column=9).value == (
        "Keluarga ini sudah diusulkan di baris 3.; NIK berisi 15 digit."
    )


def test_rejected_identifiers_stay_text_through_the_round_trip(tmp_path):
    path = rejected_file(tmp_path, [RejectedRow(uploaded_row(), [(3, "Nama kosong.")], ref="9")])
    sheet = openpyxl.load_workbook(path).active
    nik, no_kk, ref = sheet["B2"], sheet["C2"], sheet["J2"]
    assert (nik.value, nik.data_type, nik.number_format) == (NIK, "s", "@")
    assert (no_kk.value, no_kk.data_type, no_kk.number_format) == (NO_KK, "s", "@")
    assert ref.number_format == "@"
    _read, back = read_back(path)
    assert back[0].values["nik"] == NIK
    assert back[0].values["no_kk"] == NO_KK
    assert back[0].values["nama"] == "SITI AMINAH"


def test_rejected_cells_that_look_like_formulas_stay_text(tmp_path):
    cells = [*uploaded_row()[:4], *INJECTIONS]
    path = rejected_file(tmp_path, [RejectedRow(cells, [(4, "Alamat kosong.")], ref="1")])
    sheet = openpyxl.load_workbook(path).active
    for cell in sheet[2][4:8]:
        assert cell.data_type == "s"
        assert cell.value == "'" + INJECTIONS[cell.column - 5]
    # Read back, the apostrophe is dropped again: the operator's values come back as typed.
    _read, back = read_back(path)
    assert back[0].cells[4:8] == INJECTIONS


def test_a_corrected_rejected_file_rejected_again_keeps_one_alasan_and_ref(tmp_path):
    headers = [*UPLOADED, "ALASAN", "ID BARIS BANSOS"]
    cells = [*uploaded_row(), "NIK berisi 15 digit.", "41"]
    path = rejected_file(tmp_path, [RejectedRow(cells, [(1, "NIK salah.")], ref="41")], headers)
    sheet = openpyxl.load_workbook(path).active
    assert [c.value for c in sheet[1]] == headers
    assert [c.value for c in sheet[2]][-2:] == ["NIK salah.", "41"]


def test_an_operators_own_alasan_column_is_kept(tmp_path):
    headers = [*UPLOADED, "ALASAN"]  # their reason for proposing, not ours
    cells = [*uploaded_row(), "lansia"]
    path = rejected_file(tmp_path, [RejectedRow(cells, [(1, "NIK salah.")], ref="5")], headers)
    sheet = openpyxl.load_workbook(path).active
    assert [c.value for c in sheet[1]] == [*headers, "ALASAN", "ID BARIS BANSOS"]
    assert [c.value for c in sheet[2]][-3:] == ["lansia", "NIK salah.", "5"]


def test_rejected_cells_right_of_the_header_are_kept_before_alasan(tmp_path):
    cells = [*uploaded_row(), "tanpa judul"]
    path = rejected_file(tmp_path, [RejectedRow(cells, [(1, "NIK salah.")], ref="5")])
    sheet = openpyxl.load_workbook(path).active
    assert [c.value for c in sheet[1]][-3:] == [None, "ALASAN", "ID BARIS BANSOS"]
    assert [c.value for c in sheet[2]][-3:] == ["tanpa judul", "NIK salah.", "5"]


def test_rejected_file_survives_control_characters(tmp_path):
    cells = uploaded_row(nama="SITI\x0bAMINAH")
    path = rejected_file(tmp_path, [RejectedRow(cells, [(3, "Nama salah.")], ref="5")])
    assert openpyxl.load_workbook(path).active["D2"].value == "SITIAMINAH"


# --- problems as CSV -----------------------------------------------------------------------


def test_problems_csv_has_a_bom_and_indonesian_header():
    stream = io.StringIO()
    write_problems_csv(
        stream,
        [
            {"row": 1, "line": 5, "column": "nik", "message": "NIK berisi 15 digit."},
            {"row": 2, "line": 6, "column": None, "message": "Baris kosong."},
        ],
    )
    text = stream.getvalue()
    assert text.startswith("\ufeffbaris,baris_excel,kolom,alasan\r\n")
    assert list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))[1:] == [
        ["1", "5", "nik", "NIK berisi 15 digit."],
        ["2", "6", "", "Baris kosong."],
    ]


def test_problems_csv_bytes_open_as_utf8_with_bom(tmp_path):
    path = tmp_path / "masalah.csv"
    with open(path, "w", encoding="utf-8", newline="") as file:
        write_problems_csv(file, [{"row": 1, "line": 2, "column": "nama", "message": "Nama ké."}])
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfbaris,")
    assert data.count(b"\xef\xbb\xbf") == 1
    assert "Nama ké." in data.decode("utf-8-sig")


def test_problems_csv_downloads_through_an_http_response():
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    write_problems_csv(response, [{"row": 3, "line": 4, "column": "nik", "message": "NIK salah."}])
    assert response.content == (
        b"\xef\xbb\xbfbaris,baris_excel,kolom,alasan\r\n3,4,nik,NIK salah.\r\n"
    )


def test_problems_csv_with_a_utf8_sig_stream_gets_one_bom(tmp_path):
    path = tmp_path / "masalah.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as file:
        write_problems_csv(file, [])
    assert path.read_bytes() == b"\xef\xbb\xbfbaris,baris_excel,kolom,alasan\r\n"


def test_problems_csv_defuses_formulas():
    stream = io.StringIO()
    problems = [{"row": 1, "line": 2, "column": value, "message": value} for value in INJECTIONS]
    write_problems_csv(stream, problems)
    rows = list(csv.reader(io.StringIO(stream.getvalue().removeprefix("\ufeff"))))[1:]
    assert [row[2] for row in rows] == ["'" + value for value in INJECTIONS]
    assert [row[3] for row in rows] == ["'" + value for value in INJECTIONS]
