"""Reading proposal and roster spreadsheets as they arrive from desa, OPD and the ministry.

Every file is built in tmp_path by the test itself; no database is needed.
"""

import csv
import datetime
import struct
import time
import tracemalloc
import zipfile

import openpyxl
import pytest
from django.utils import translation

from households.identity import check_nik, check_no_kk
from programs.intake.headers import ALIASES, REQUIRED_PROPOSAL, canonical, fold_header
from programs.intake.readers import open_sheet
from programs.intake.refusals import ReadError

NIK = "3306011203800001"
NO_KK = "3306010101200001"
HEADER = ["NO", "NO KK", "NIK", "NAMA", "ALAMAT", "DESA", "KECAMATAN"]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def write_xlsx(path, rows, title="Usulan"):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def write_csv(path, rows, *, encoding="utf-8", delimiter=","):
    with open(path, "w", encoding=encoding, newline="") as file:
        csv.writer(file, delimiter=delimiter).writerows(rows)
    return path


def read(path, **options):
    sheet = open_sheet(path, **options)
    return sheet, list(sheet.rows())


def refused(path, **options) -> ReadError:
    with pytest.raises(ReadError) as caught:
        read(path, **options)
    return caught.value


def family(n, nama="SITI AMINAH"):
    return [str(n), NO_KK, NIK, nama, "DUSUN KRAJAN RT 02 RW 05", "SINDURJAN", "PURWOREJO"]


# --- headers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        *[(h, "no_kk") for h in ["NO KK", "No. KK", "NOMOR KK", "NOKK", "NO_KK", "NoKK"]],
        ("Nomor Kartu Keluarga", "no_kk"),
        *[(h, "nik") for h in ["NIK", "NIK KRT", "NIK KEPALA KELUARGA", "NOMOR NIK"]],
        ("NOMOR INDUK KEPENDUDUKAN", "nik"),
        *[(h, "nama") for h in ["NAMA", "NAMA KRT", "NAMA KEPALA KELUARGA", "NAMA KK"]],
        ("NAMA LENGKAP", "nama"),
        *[(h, "jenis_kelamin") for h in ["JENIS KELAMIN", "L/P", "JK", "JnsKel"]],
        *[(h, "tanggal_lahir") for h in ["TANGGAL LAHIR", "TGL LAHIR", "TglLahir"]],
        *[(h, "alamat") for h in ["ALAMAT", "ALAMAT LENGKAP", "DUSUN"]],
        ("RT", "rt"),
        ("RW", "rw"),
        *[(h, "desa") for h in ["DESA", "KELURAHAN", "DESA/KELURAHAN", "NAMA DESA", "NMKEL"]],
        *[(h, "kecamatan") for h in ["KECAMATAN", "KEC", "NAMA KECAMATAN"]],
        ("SUMBER", "sumber"),
        ("SEKTOR", "sektor"),
        ("NAMA IBU KANDUNG", "nama_ibu"),
        ("NO HP", "no_hp"),
        ("KETERANGAN", "keterangan"),
        *[(h, "id") for h in ["IDDTKS", "ID DTKS", "ID_PESERTA", "NO PESERTA"]],
        ("DESIL", "desil"),
    ],
)
def test_every_header_variant_of_the_data_contract_maps_to_its_column(header, expected):
    assert canonical(header) == expected
    assert canonical(header.lower()) == expected


@pytest.mark.parametrize("name", sorted(ALIASES))
def test_canonical_names_and_all_their_aliases_map_back(name):
    assert canonical(name) == name
    assert {canonical(variant) for variant in ALIASES[name]} == {name}


def test_headers_fold_spaces_dots_slashes_underscores_and_hyphens():
    assert fold_header("No. KK") == fold_header("NO_KK") == fold_header("nokk") == "nokk"
    assert fold_header(" No-K.K ") == "nokk"
    assert canonical("Desa / Kelurahan") == canonical("DESA_KELURAHAN") == "desa"
    assert canonical("KEC.") == "kecamatan"
    assert canonical("NIK (16 digit)") == "nik"
    assert canonical("NIK*") == "nik"


def test_nama_kk_is_the_heads_name_and_kk_alone_is_not_guessed():
    assert canonical("NAMA KK") == "nama"
    assert canonical("NO KK") == canonical("NOMOR KK") == "no_kk"
    assert canonical("KK") is None
    assert canonical("NO") is None  # the row numbering column
    assert set(REQUIRED_PROPOSAL) <= set(ALIASES)


# --- finding the header --------------------------------------------------------------------


def test_title_rows_above_the_header_are_skipped(tmp_path):
    path = write_xlsx(
        tmp_path / "usulan.xlsx",
        [
            ["PEMERINTAH KABUPATEN PURWOREJO"],
            ["DAFTAR USULAN CALON PENERIMA BANSOS DESA SINDURJAN"],
            [],
            [*HEADER, "KET.", "PETUGAS"],
            family(1),
            family(2, "BUDI SANTOSO"),
        ],
    )
    sheet, rows = read(path)
    assert sheet.filename == "usulan.xlsx"
    assert sheet.header_line == 4
    assert sheet.headers == [*HEADER, "KET.", "PETUGAS"]
    assert sheet.columns == {
        1: "no_kk",
        2: "nik",
        3: "nama",
        4: "alamat",
        5: "desa",
        6: "kecamatan",
        7: "keterangan",
    }
    assert sheet.ignored == ["NO", "PETUGAS"]
    assert [(r.number, r.line) for r in rows] == [(1, 5), (2, 6)]
    assert rows[1].values == {
        "no_kk": NO_KK,
        "nik": NIK,
        "nama": "BUDI SANTOSO",
        "alamat": "DUSUN KRAJAN RT 02 RW 05",
        "desa": "SINDURJAN",
        "kecamatan": "PURWOREJO",
        "keterangan": "",
    }
    assert rows[0].cells == [*family(1), "", ""]


def test_column_indexes_are_excel_columns_when_the_table_starts_further_right(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for col, text in enumerate(["NIK", "NAMA"], start=3):  # C and D
        sheet.cell(row=3, column=col, value=text)
        sheet.cell(row=4, column=col, value=NIK if text == "NIK" else "SITI")
    workbook.save(tmp_path / "kanan.xlsx")
    sheet, rows = read(tmp_path / "kanan.xlsx")
    assert sheet.header_line == 3
    assert sheet.columns == {2: "nik", 3: "nama"}
    assert rows[0].line == 4
    assert rows[0].cells == ["", "", NIK, "SITI"]


def test_header_repeated_in_the_data_is_a_marked_row_of_its_own_and_blank_rows_not_counted(
    tmp_path,
):
    path = write_xlsx(
        tmp_path / "usulan.xlsx",
        [
            HEADER,
            family(1),
            [],
            ["No.", "No. KK", "nik", "Nama", "alamat", "Desa", "Kecamatan"],  # page two
            family(2),
            [None, "  ", None],
            family(3),
        ],
    )
    sheet, rows = read(path)
    assert [(r.number, r.line, r.repeated_header) for r in rows] == [
        (1, 2, False), (2, 4, True), (3, 5, False), (4, 7, False)]  # fmt: skip
    assert sheet.repeated_headers == [4]


def test_a_second_column_for_the_same_field_is_reported_and_the_first_one_wins(tmp_path):
    path = write_csv(
        tmp_path / "dobel.csv",
        [["NIK", "NAMA", "NIK KEPALA KELUARGA"], [NIK, "SITI", "3306011203800002"]],
    )
    sheet, rows = read(path)
    assert sheet.columns == {0: "nik", 1: "nama"}
    assert sheet.duplicates == ["NIK KEPALA KELUARGA"]
    assert rows[0].values["nik"] == NIK


def test_a_roster_with_only_nik_and_name_is_read(tmp_path):
    path = write_csv(tmp_path / "pkh.csv", [["NIK", "NAMA"], [NIK, "SITI"]])
    sheet, rows = read(path)
    assert sheet.columns == {0: "nik", 1: "nama"}
    assert rows[0].values == {"nik": NIK, "nama": "SITI"}


def test_a_header_without_nik_or_no_kk_is_found_only_when_the_caller_allows_it(tmp_path):
    path = write_csv(tmp_path / "nama.csv", [["NAMA", "ALAMAT"], ["SITI", "KRAJAN"]])
    assert refused(path).code == "no_header"
    _, rows = read(path, required_any=("nama",))
    assert rows[0].values == {"nama": "SITI", "alamat": "KRAJAN"}


def test_no_recognisable_header_is_refused_listing_the_expected_headers(tmp_path):
    path = write_csv(tmp_path / "lain.csv", [["NOMOR", "PENERIMA", "KAMPUNG"], ["1", "SITI", "X"]])
    error = refused(path)
    assert error.code == "no_header"
    assert "lain.csv" in str(error)
    assert "NIK, NO KK, NAMA, ALAMAT, DESA, KECAMATAN" in str(error)


def test_the_header_must_be_within_the_first_30_rows(tmp_path):
    rows = [[f"catatan {i}"] for i in range(30)] + [HEADER, family(1)]
    assert refused(write_csv(tmp_path / "jauh.csv", rows)).code == "no_header"
    sheet, _ = read(write_csv(tmp_path / "dekat.csv", rows[1:]))
    assert sheet.header_line == 30


# --- CSV -----------------------------------------------------------------------------------


def test_utf8_csv_with_bom(tmp_path):
    path = write_csv(tmp_path / "bom.csv", [HEADER, family(1, "JOSÉ")], encoding="utf-8-sig")
    sheet, rows = read(path)
    assert sheet.headers[0] == "NO"  # the BOM is not part of the first header
    assert rows[0].values["nama"] == "JOSÉ"


def test_semicolon_csv_as_excel_saves_it_in_indonesian_settings(tmp_path):
    path = write_csv(tmp_path / "titik-koma.csv", [HEADER, family(1)], delimiter=";")
    sheet, rows = read(path)
    assert sheet.columns[2] == "nik"
    assert rows[0].values["desa"] == "SINDURJAN"


def test_excel_sep_line_names_the_delimiter(tmp_path):
    path = tmp_path / "sep.csv"
    path.write_text(f"sep=;\nNIK;NAMA\n{NIK};SITI, S.Pd.\n", encoding="utf-8")
    sheet, rows = read(path)
    assert sheet.header_line == 2
    assert rows[0].values == {"nik": NIK, "nama": "SITI, S.Pd."}


def test_pipe_delimited_ministry_export(tmp_path):
    header = ["NoKK", "NOMOR NIK", "NAMA", "TglLahir", "JnsKel", "NMKEL", "IDDTKS", "DESIL"]
    line = [NO_KK, NIK, "SITI AMINAH", "12-03-1980", "P", "SINDURJAN", "DTKS-0042", "1"]
    sheet, rows = read(write_csv(tmp_path / "dtks.txt", [header, line], delimiter="|"))
    assert list(sheet.columns.values()) == [
        "no_kk",
        "nik",
        "nama",
        "tanggal_lahir",
        "jenis_kelamin",
        "desa",
        "id",
        "desil",
    ]
    assert rows[0].values["tanggal_lahir"] == "12-03-1980"
    assert rows[0].values["jenis_kelamin"] == "P"


def test_tab_delimited_csv(tmp_path):
    _, rows = read(write_csv(tmp_path / "tab.csv", [HEADER, family(1)], delimiter="\t"))
    assert rows[0].values["nik"] == NIK


def test_windows_1252_csv_keeps_its_accents(tmp_path):
    path = write_csv(tmp_path / "lama.csv", [HEADER, family(1, "JOSÉ MUÑOZ")], encoding="cp1252")
    assert "JOSÉ".encode("cp1252") in path.read_bytes()
    _, rows = read(path)
    assert rows[0].values["nama"] == "JOSÉ MUÑOZ"


def test_quoted_cells_with_delimiters_and_line_breaks(tmp_path):
    path = write_csv(
        tmp_path / "kutip.csv",
        [
            ["NIK", "NAMA", "ALAMAT"],
            [NIK, "SITI, S.Pd.", "DUSUN KRAJAN\nRT 02 RW 05"],
            ["3306011203800002", '"BUDI"', "=SUM(A1)"],
        ],
    )
    _, rows = read(path)
    assert rows[0].values == {
        "nik": NIK,
        "nama": "SITI, S.Pd.",
        "alamat": "DUSUN KRAJAN\nRT 02 RW 05",
    }
    assert rows[1].line == 3  # one Excel row, although the cell above spans two text lines
    assert rows[1].values["nama"] == '"BUDI"'
    assert rows[1].values["alamat"] == "=SUM(A1)"  # neutralised on output, not here


def test_csv_cells_are_text_and_identifiers_are_left_as_typed(tmp_path):
    path = write_csv(tmp_path / "angka.csv", [["NIK", "NAMA"], ["3.30601E+15", " SITI "]])
    _, rows = read(path)
    assert rows[0].values == {"nik": "3.30601E+15", "nama": "SITI"}
    assert [p.code for p in check_nik(rows[0].values["nik"]).errors] == ["scientific"]


@pytest.mark.parametrize(
    "content",
    [
        b"NIK,NAMA\r\n3306011203800001,JOS\x81\xff\r\n",  # neither UTF-8 nor Windows-1252
        b"NIK,NAMA\r\n" + b"3306011203800001,SITI\r\n" * 400 + b"\0\0\0\r\n",
        "NIK\tNAMA\r\n3306011203800001\tSITI\r\n".encode("utf-16"),  # Excel's "Unicode Text"
    ],
    ids=["undecodable", "nul-bytes", "utf-16"],
)
def test_text_in_an_unreadable_encoding_is_refused(tmp_path, content):
    path = tmp_path / "rusak.csv"
    path.write_bytes(content)
    error = refused(path)
    assert error.code == "encoding"
    assert "CSV UTF-8" in str(error)


def test_a_csv_cell_too_long_to_be_real_is_refused_with_its_row(tmp_path):
    path = tmp_path / "panjang.csv"
    path.write_text(f"NIK,NAMA\n{NIK},SITI\n{NIK},{'A' * 200_000}\n", encoding="utf-8")
    sheet = open_sheet(path)
    rows = sheet.rows()
    assert next(rows).values["nama"] == "SITI"
    with pytest.raises(ReadError) as caught:
        next(rows)
    assert caught.value.code == "corrupt"
    assert "row 3" in str(caught.value)


# --- file type by content ------------------------------------------------------------------


def test_a_pdf_renamed_to_xlsx_is_refused_naming_the_accepted_types(tmp_path):
    path = tmp_path / "usulan.xlsx"
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    error = refused(path)
    assert error.code == "type"
    assert ".xlsx" in str(error) and ".xls" in str(error) and ".csv" in str(error)


def test_an_image_is_refused(tmp_path):
    path = tmp_path / "foto.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(200))
    assert refused(path).code == "type"


def test_a_word_document_or_other_zip_is_refused(tmp_path):
    path = tmp_path / "surat.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    assert refused(path).code == "type"


def test_a_web_page_saved_as_xls_is_refused_with_how_to_convert_it(tmp_path):
    path = tmp_path / "ekspor.xls"
    path.write_text("<html><body><table><tr><td>NIK</td></tr></table></body></html>")
    error = refused(path)
    assert error.code == "type"
    assert "Save As" in str(error)


def test_an_xlsx_renamed_to_csv_is_read_as_xlsx(tmp_path):
    path = tmp_path / "usulan.csv"
    write_xlsx(tmp_path / "asli.xlsx", [HEADER, family(1)]).rename(path)
    sheet, rows = read(path)
    assert sheet.filename == "usulan.csv"
    assert rows[0].values["nik"] == NIK


def test_a_csv_renamed_to_xlsx_is_read_as_csv(tmp_path):
    path = write_csv(tmp_path / "usulan.xlsx", [HEADER, family(1)])
    _, rows = read(path)
    assert rows[0].values["nama"] == "SITI AMINAH"


def test_the_uploaded_name_is_used_in_messages(tmp_path):
    path = tmp_path / "tmp-upload-8f3a"
    path.write_bytes(b"")
    error = refused(path, filename="usulan sindurjan.xlsx")
    assert error.code == "empty"
    assert "usulan sindurjan.xlsx" in str(error)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("kosong.csv", b""),
        ("kosong.xlsx", b""),
        ("baris-kosong.csv", b"\r\n,,,\r\n , ,\r\n\r\n"),
    ],
)
def test_an_empty_file_is_refused(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    assert refused(path).code == "empty"


def test_an_xlsx_without_data_is_empty(tmp_path):
    assert refused(write_xlsx(tmp_path / "kosong.xlsx", [])).code == "empty"


def test_a_table_behind_a_cover_sheet_is_found_and_its_sheet_named(tmp_path):
    workbook = openpyxl.Workbook()
    cover = workbook.active
    cover.title = "Sampul"
    cover.append(["DINAS SOSIAL KABUPATEN PURWOREJO"])
    cover.append(["Petunjuk: isi lembar Data, satu keluarga satu baris."])
    data = workbook.create_sheet("Data")
    data.append(HEADER)
    data.append(family(1))
    workbook.save(tmp_path / "usulan.xlsx")

    sheet, rows = read(tmp_path / "usulan.xlsx")

    assert sheet.sheet_name == "Data" and sheet.header_line == 1
    assert [row.values["nama"] for row in rows] == ["SITI AMINAH"]


def test_a_workbook_with_a_table_on_two_sheets_is_refused_naming_both(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.title = "Mei"
    for sheet in (workbook.active, workbook.create_sheet("Juni")):
        sheet.append(HEADER)
        sheet.append(family(1))
    workbook.save(tmp_path / "usulan.xlsx")

    error = refused(tmp_path / "usulan.xlsx")

    assert error.code == "two_tables"
    assert "sheet Mei and another on sheet Juni" in str(error)


def test_a_workbook_of_one_sheet_names_no_sheet(tmp_path):
    sheet, _rows = read(write_xlsx(tmp_path / "usulan.xlsx", [HEADER, family(1)]))
    assert sheet.sheet_name == ""


def test_the_first_visible_sheet_is_read(tmp_path):
    workbook = openpyxl.Workbook()
    hidden = workbook.active
    hidden.append(["NIK", "NAMA"])
    hidden.append(["3306011203800009", "TERSEMBUNYI"])
    hidden.sheet_state = "hidden"
    visible = workbook.create_sheet("Usulan")
    visible.append(["NIK", "NAMA"])
    visible.append([NIK, "SITI"])
    workbook.save(tmp_path / "dua.xlsx")
    _, rows = read(tmp_path / "dua.xlsx")
    assert rows[0].values["nama"] == "SITI"


# --- size and hostile files ----------------------------------------------------------------


def test_a_file_over_the_size_limit_is_refused_naming_the_limit_in_mb(tmp_path):
    path = tmp_path / "besar.csv"
    path.write_bytes(b"NIK,NAMA\n" + b"3306011203800001,SITI AMINAH\n" * 56_000)  # 1.5 MB
    error = refused(path, max_bytes=1024 * 1024)
    assert error.code == "too_big"
    assert "1 MB" in str(error)
    assert "1,5 MB" in str(error)  # the office's decimal comma, in English too


def test_an_xlsx_that_unpacks_to_hundreds_of_megabytes_is_refused_before_unpacking(tmp_path):
    path = tmp_path / "bom.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        zeros = bytes(4 * 1024 * 1024)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as entry:
            for _ in range(75):  # 300 MB
                entry.write(zeros)
    assert path.stat().st_size < 2 * 1024 * 1024
    started = time.monotonic()
    error = refused(path)
    assert error.code == "zip_bomb"
    assert time.monotonic() - started < 1


def test_an_xlsx_with_too_many_entries_is_refused(tmp_path):
    path = tmp_path / "banyak.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        for i in range(10_000):
            archive.writestr(f"xl/media/{i}.bin", b"")
    assert refused(path).code == "zip_bomb"


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)
_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + ("" if i == 1 else str(i - 1)) + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]>"
)


def write_raw_xlsx(path, sheet_xml, shared_xml):
    """An .xlsx written part by part, so that a part can carry what Excel never writes."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{_RELS_NS}"><Relationship Id="rId1" '
            f'Type="{_DOC_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{_MAIN_NS}" xmlns:r="{_DOC_NS}"><sheets>'
            '<sheet name="Usulan" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{_RELS_NS}">'
            f'<Relationship Id="rId1" Type="{_DOC_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{_DOC_NS}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>",
        )
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        archive.writestr("xl/sharedStrings.xml", shared_xml)
    return path


def _sheet_xml(second_name, doctype=""):
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{doctype}<worksheet xmlns="{_MAIN_NS}"><sheetData>'
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
        f'<row r="2"><c r="A2" t="inlineStr"><is><t>{NIK}</t></is></c>'
        f'<c r="B2" t="inlineStr"><is><t>{second_name}</t></is></c></row>'
        "</sheetData></worksheet>"
    )


def _shared_xml(second="NAMA", doctype=""):
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{doctype}<sst xmlns="{_MAIN_NS}" count="2" '
        f'uniqueCount="2"><si><t>NIK</t></si><si><t>{second}</t></si></sst>'
    )


def test_a_hand_written_xlsx_is_read(tmp_path):
    path = write_raw_xlsx(tmp_path / "polos.xlsx", _sheet_xml("SITI"), _shared_xml())
    _, rows = read(path)
    assert rows[0].values == {"nik": NIK, "nama": "SITI"}


@pytest.mark.parametrize("part", ["sharedStrings.xml", "sheet1.xml"])
def test_an_xml_bomb_inside_an_xlsx_is_refused_quickly(tmp_path, part):
    if part == "sharedStrings.xml":
        sheet_xml, shared_xml = _sheet_xml("SITI"), _shared_xml("&lol9;", _LAUGHS)
    else:
        sheet_xml, shared_xml = _sheet_xml("&lol9;", _LAUGHS), _shared_xml()
    path = write_raw_xlsx(tmp_path / "tawa.xlsx", sheet_xml, shared_xml)
    started = time.monotonic()
    error = refused(path)  # calamine rejects the unknown entity instead of expanding it
    assert error.code == "corrupt"
    assert "damaged" in str(error)
    assert time.monotonic() - started < 2


def test_a_truncated_xlsx_is_refused_as_damaged(tmp_path):
    path = write_xlsx(tmp_path / "terpotong.xlsx", [HEADER, family(1)])
    path.write_bytes(path.read_bytes()[:3000])
    error = refused(path)
    assert error.code == "corrupt"
    assert "save it again" in str(error)


# --- OLE2 (.xls and password-protected workbooks) ------------------------------------------
# No .xls writer is installed, so real .xls reading is not tested here. These compound files
# are built by hand only to check what the reader decides from the container's stream names.

_FREE, _END, _FAT, _NONE = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def write_ole(path, streams):
    """A minimal OLE2 compound file (version 3, 512-byte sectors) holding the given streams."""
    body, fat, starts = b"", [_FAT, _END], []  # sector 0 is the FAT, sector 1 the directory
    for content in streams.values():
        content = content.ljust(4096, b"\0")  # 4096 bytes or more: outside the mini stream
        count = -(-len(content) // 512)
        starts.append(len(fat))
        fat += [len(fat) + i + 1 for i in range(count - 1)] + [_END]
        body += content.ljust(count * 512, b"\0")
    assert len(fat) <= 128 and len(streams) <= 3

    def entry(name, kind, start, size, child=_NONE, right=_NONE):
        raw = name.encode("utf-16-le") + b"\0\0"
        return (
            raw.ljust(64, b"\0")
            + struct.pack("<HBBIII", len(raw), kind, 1, _NONE, right, child)
            + bytes(36)
            + struct.pack("<IQ", start, size)
        )

    names = list(streams)
    directory = entry("Root Entry", 5, _END, 0, child=1 if names else _NONE)
    for i, name in enumerate(names):
        right = i + 2 if i + 1 < len(names) else _NONE
        directory += entry(name, 2, starts[i], len(streams[name].ljust(4096, b"\0")), right=right)
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + bytes(16)
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + bytes(6)
        + struct.pack("<9I", 0, 1, 1, 0, 4096, _END, 0, _END, 0)
        + struct.pack("<109I", 0, *[_FREE] * 108)
    )
    fat_sector = struct.pack(f"<{len(fat)}I", *fat).ljust(512, b"\xff")
    path.write_bytes(header + fat_sector + directory.ljust(512, b"\0") + body)
    return path


def test_a_password_protected_workbook_is_refused_with_how_to_remove_the_password(tmp_path):
    path = write_ole(
        tmp_path / "rahasia.xlsx",
        {"EncryptionInfo": b"\x04\x00\x04\x00", "EncryptedPackage": b"\x99" * 5000},
    )
    error = refused(path)
    assert error.code == "encrypted"
    assert "File > Info > Protect Workbook" in str(error)


def test_a_word_97_document_is_refused(tmp_path):
    path = write_ole(tmp_path / "surat.xls", {"WordDocument": b"\xec\xa5"})
    assert refused(path).code == "type"


def test_a_damaged_xls_is_refused_as_damaged(tmp_path):
    path = write_ole(tmp_path / "rusak.xls", {"Workbook": b"\x09\x08\x10\x00" + bytes(100)})
    assert refused(path).code == "corrupt"


def test_a_cut_off_ole_file_is_refused_as_damaged(tmp_path):
    path = write_ole(tmp_path / "terpotong.xls", {"Workbook": b"\x09\x08"})
    path.write_bytes(path.read_bytes()[:700])
    assert refused(path).code == "corrupt"


# --- cell values ---------------------------------------------------------------------------


def test_a_nik_typed_as_a_number_is_not_silently_turned_back_into_digits(tmp_path):
    path = write_xlsx(
        tmp_path / "angka.xlsx",
        [
            ["NO KK", "NIK", "NAMA", "RT", "DESIL"],
            [3306010101200001, 3306011203800000, "SITI", 2, 1.0],
            [NO_KK, 33060112038000011, "BUDI", 2.5, None],
        ],
    )
    _, rows = read(path)
    first, second = rows[0].values, rows[1].values
    assert first["nik"] == "3306011203800000.0"
    assert [p.code for p in check_nik(first["nik"]).errors] == ["decimal"]
    assert [p.code for p in check_no_kk(first["no_kk"]).errors] == ["decimal"]
    assert "stored as a number" in check_nik(first["nik"]).errors[0].message
    assert second["nik"] == "3.306011203800001e+16"
    assert [p.code for p in check_nik(second["nik"]).errors] == ["scientific"]
    assert second["no_kk"] == NO_KK  # typed as text: left alone
    assert (first["rt"], first["desil"], second["rt"], second["desil"]) == ("2", "1", "2.5", "")


def test_excel_dates_come_back_as_dd_mm_yyyy(tmp_path):
    path = write_xlsx(
        tmp_path / "tanggal.xlsx",
        [
            ["NIK", "NAMA", "TGL LAHIR", "KETERANGAN"],
            [NIK, "SITI", datetime.date(1980, 3, 12), True],
            [NIK, "BUDI", datetime.datetime(1975, 5, 25, 0, 0), False],
            [NIK, "AMIN", "25/05/1975", None],
        ],
    )
    _, rows = read(path)
    assert [r.values["tanggal_lahir"] for r in rows] == ["12-03-1980", "25-05-1975", "25/05/1975"]
    assert [r.values["keterangan"] for r in rows] == ["TRUE", "FALSE", ""]


def test_a_formula_gives_its_cached_value_and_text_stays_text(tmp_path):
    path = write_raw_xlsx(
        tmp_path / "rumus.xlsx",
        f'<worksheet xmlns="{_MAIN_NS}"><sheetData>'
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
        f'<row r="2"><c r="A2" t="inlineStr"><is><t>{NIK}</t></is></c>'
        '<c r="B2" t="str"><f>UPPER("siti")</f><v>SITI</v></c></row>'
        "</sheetData></worksheet>",
        _shared_xml(),
    )
    _, rows = read(path)
    assert rows[0].values == {"nik": NIK, "nama": "SITI"}


# --- rows ----------------------------------------------------------------------------------


def test_more_rows_than_allowed_is_refused_while_reading(tmp_path):
    path = write_csv(tmp_path / "banyak.csv", [HEADER] + [family(n) for n in range(1, 6)])
    _, rows = read(path, max_rows=5)
    assert len(rows) == 5
    sheet = open_sheet(path, max_rows=4)
    read_rows = []
    with pytest.raises(ReadError) as caught:
        for row in sheet.rows():
            read_rows.append(row)
    assert len(read_rows) == 4
    assert caught.value.code == "too_many_rows"
    assert "4" in str(caught.value)


def test_rows_can_be_read_only_once(tmp_path):
    sheet, _ = read(write_csv(tmp_path / "sekali.csv", [HEADER, family(1)]))
    with pytest.raises(RuntimeError):
        list(sheet.rows())


def test_a_large_csv_is_streamed_not_loaded(tmp_path):
    path = tmp_path / "dtks.csv"
    with open(path, "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, delimiter="|")
        writer.writerow(["NoKK", "NIK", "NAMA", "ALAMAT", "NMKEL"])
        for n in range(200_000):
            writer.writerow([NO_KK, f"330601120380{n % 10_000:04d}", f"NAMA {n}", "KRAJAN", "X"])
    assert path.stat().st_size > 10 * 1024 * 1024
    tracemalloc.start()
    try:
        sheet = open_sheet(path)
        count = sum(1 for _ in sheet.rows())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 200_000
    assert peak < 50 * 1024 * 1024


# --- a cell far from the table -------------------------------------------------------------


def _read_in_a_child(path, queue):
    """open_sheet in a process of its own with 2 GB of address space: a reader that tries to
    load the sheet's whole grid dies there, not in the test run."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))
    try:
        with translation.override("en"):
            queue.put(("rows", len(read(path)[1])))
    except ReadError as error:
        queue.put((error.code, str(error)))


def _outcome(path):
    import multiprocessing

    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_read_in_a_child, args=(path, queue))
    child.start()
    child.join(120)
    assert child.exitcode == 0, f"the reader died (exit code {child.exitcode})"
    return queue.get(timeout=5)


@pytest.mark.parametrize(
    ("cell", "rows", "columns"),
    [
        ("XFD1048576", "1.048.576", "16.384"),
        ("Z1048576", "1.048.576", "26"),  # no column past Z, but a million rows
        ("AAA30000", "30.000", "703"),
    ],
)
def test_a_value_typed_far_from_the_table_is_refused_naming_its_cell(tmp_path, cell, rows, columns):
    """One stray value at XFD1048576 makes the sheet's grid 17 billion cells: loading it aborts
    the process (and a Celery worker would take the task up again and again)."""
    path = write_xlsx(tmp_path / "usulan.xlsx", [HEADER, *(family(n) for n in range(1, 7))])
    workbook = openpyxl.load_workbook(path)
    workbook.active[cell] = "x"
    workbook.save(path)

    code, message = _outcome(path)

    assert code == "far_cell"
    assert f"cell {cell}" in message and "sheet Usulan" in message
    assert f"span {rows} rows and {columns} columns" in message
    assert "Delete what is in that cell" in message


def test_a_table_past_column_z_is_read(tmp_path):
    """Thirty columns of a real table: read cell by cell, and within bounds."""
    wide = [*HEADER, *(f"KOLOM {n}" for n in range(23))]
    path = write_xlsx(tmp_path / "usulan.xlsx", [wide, *(family(n) + [""] * 23 for n in (1, 2))])
    assert _outcome(path) == ("rows", 2)


def test_formatting_far_from_the_table_is_no_reason_to_refuse(tmp_path):
    path = write_xlsx(tmp_path / "usulan.xlsx", [HEADER, *(family(n) for n in range(1, 7))])
    workbook = openpyxl.load_workbook(path)
    workbook.active["XFD1048576"].font = openpyxl.styles.Font(bold=True)
    workbook.save(path)

    assert _outcome(path) == ("rows", 6)
