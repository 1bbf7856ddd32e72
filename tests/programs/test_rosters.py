"""Importing a programme roster: every row stored, the new version active only when complete,
the previous version active and whole whenever an import is refused or fails.

Files are written in tmp_path; the regions are the two villages of tests/conftest.py.
"""

import csv
import datetime
import io

import openpyxl
import pytest
from django.core.files import File
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation

from households.models import User
from programs.intake import bulk, rosters
from programs.intake.checks import parse_date
from programs.models import Program, RosterRow, RosterVersion, Upload
from tests.conftest import make_nik, make_no_kk

pytestmark = pytest.mark.django_db

TITLE = ["DAFTAR KELUARGA PENERIMA MANFAAT PKH KABUPATEN PURWOREJO"]
MINISTRY = ["NO", "NOMOR KK", "NOMOR NIK", "NAMA", "JnsKel", "TglLahir", "ALAMAT", "RT", "RW"]
MINISTRY += ["DESA/KELURAHAN", "NMKEC", "KODE BANK"]
SCIENTIFIC = (
    "NIK 3.30601E+15 diubah Excel menjadi notasi ilmiah dan ada digit yang hilang: format kolom "
    "sebagai Teks lalu ketik ulang nomornya."
)
FIFTEEN = (
    "NIK berisi 15 digit, seharusnya 16: ada digit yang hilang atau digit pertama terhapus oleh "
    "Excel; periksa kartunya."
)
GENERIC = (
    "The import of {name} stopped because of an error on the server. None of its rows were kept "
    "and the previous list is still in use. Try again; if it happens again, tell the "
    "administrator."
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def write_csv(path, rows, delimiter=","):
    with open(path, "w", encoding="utf-8", newline="") as file:
        csv.writer(file, delimiter=delimiter).writerows(rows)
    return path


def family(n, nik=None, desa="SINDURJAN", kecamatan="PURWOREJO", **cells):
    """A row of a ministry export in MINISTRY's columns."""
    return [
        str(n),
        cells.get("no_kk", make_no_kk()),
        nik or make_nik(),
        cells.get("nama", "siti  aminah"),
        cells.get("sex", "2"),
        cells.get("born", "12-03-1980"),
        "DUSUN KRAJAN",
        "2",
        "05",
        desa,
        kecamatan,
        "BRI",
    ]


def ministry_file(tmp_path, n=3, name="pkh.csv", rows=None):
    return write_csv(
        tmp_path / name, [TITLE, [], MINISTRY, *(rows or [family(i) for i in range(1, n + 1)])]
    )


def start(path, users, code="PKH", period="Januari 2027"):
    with open(path, "rb") as file:
        return rosters.start_import(
            program=Program.objects.get(code=code),
            period=period,
            file=File(file),
            filename=path.name,
            user=users["staff"],
        )


def load(path, users, code="PKH", **options):
    return rosters.run_import(start(path, users, code).pk, **options)


def assert_still_active(old):
    old.refresh_from_db()
    assert old.status == RosterVersion.Status.ACTIVE
    assert old.rows.count() == old.row_count == 2


# --- a complete import ---------------------------------------------------------------------


def test_start_import_keeps_the_file_and_waits(tmp_path, users):
    path = ministry_file(tmp_path)
    upload = start(path, users)
    assert upload.status == Upload.Status.QUEUED and upload.kind == Upload.Kind.ROSTER
    assert upload.size == path.stat().st_size
    assert len(upload.sha256) == 64
    assert upload.file.read() == path.read_bytes()
    version = upload.version
    assert version.status == RosterVersion.Status.IMPORTING
    assert version.source_name == "pkh.csv" and version.imported_by == users["staff"]
    assert not version.rows.exists()


def test_ministry_csv_under_a_title_row_becomes_the_active_list(tmp_path, users, regions, roster):
    nik, no_kk = make_nik(), make_no_kk()
    rows = [family(1, nik, no_kk=no_kk), family(2, desa="HARJOBINANGUN", kecamatan="GRABAG")]
    upload = load(ministry_file(tmp_path, rows=rows), users)

    assert upload.status == Upload.Status.DONE and upload.finished_at
    assert (upload.rows_read, upload.rows_saved, upload.rows_invalid) == (2, 2, 0)
    version = upload.version
    assert version.status == RosterVersion.Status.ACTIVE and version.row_count == 2
    assert Program.objects.get(code="PKH").active_version == version
    roster.refresh_from_db()
    assert roster.status == RosterVersion.Status.SUPERSEDED
    assert roster.rows.count() == 2  # the earlier list stays readable

    first, second = version.rows.order_by("row_number")
    assert (first.row_number, first.source_id, first.nik, first.no_kk) == (1, "", nik, no_kk)
    assert (first.name, first.sex, first.birth_date) == (
        "siti  aminah",
        "P",
        datetime.date(1980, 3, 12),
    )
    assert (first.address, first.rt, first.rw) == ("DUSUN KRAJAN", "002", "005")
    assert first.desa == regions["desa_a"] and second.desa == regions["desa_b"]
    assert first.problems == []
    assert first.source["NOMOR NIK"] == nik and first.source["KODE BANK"] == "BRI"
    assert first.raw[:3] == ["1", no_kk, nik]  # every cell, in the file's order
    recognised = dict(upload.summary["recognised"])
    assert (recognised["NOMOR KK"], recognised["NMKEC"]) == ("NO KK", "KECAMATAN")
    assert upload.summary["ignored"] == ["NO", "KODE BANK"]
    assert upload.summary["problem_kinds"] == []


def test_dtsen_desil_is_stored_and_a_wrong_one_marked(tmp_path, users):
    header = ["ID DTSEN", "NOMOR KK", "NIK", "NAMA", "DESIL"]
    rows = [["DT01", make_no_kk(), make_nik(), "SUPARMAN", "3"]]
    rows += [["DT02", make_no_kk(), make_nik(), "SUTINAH", "11"]]
    path = write_csv(tmp_path / "dtsen.csv", [header, *rows])
    with translation.override("en"):
        upload = load(path, users, code="DTSEN")
    three, eleven = upload.version.rows.order_by("row_number")
    assert (three.source_id, three.desil, three.problems) == ("DT01", 3, [])
    assert eleven.desil is None
    assert eleven.problems == ["Desil 11 is not a number from 1 to 10."]
    assert upload.rows_invalid == 1
    assert upload.version.problem_count == 0  # its identifiers are fine
    assert dict(upload.summary["problem_kinds"]) == {"DESIL": 1}


def test_desil_is_ignored_for_a_programme_without_it(tmp_path, users):
    path = write_csv(tmp_path / "pkh.csv", [["NIK", "NAMA", "DESIL"], [make_nik(), "A", "3"]])
    row = load(path, users).version.rows.get()
    assert row.desil is None and row.problems == []


def test_pipe_delimited_roster_with_only_nik_and_name(tmp_path, users):
    nik = make_nik()
    path = write_csv(tmp_path / "bpnt.txt", [["NIK", "NAMA"], [nik, "Sri Wahyuni"]], "|")
    upload = load(path, users, code="BPNT")
    row = upload.version.rows.get()
    assert (row.nik, row.no_kk, row.name, row.desa) == (nik, "", "Sri Wahyuni", None)
    assert row.problems == [] and upload.version.status == RosterVersion.Status.ACTIVE


def test_cells_with_quotes_backslashes_and_line_breaks_are_stored_as_written(tmp_path, users):
    # COPY's text format and JSON both escape these characters: the row must come back whole.
    rows = [
        family(1, nama='Ny. "Tuti"\\ Sri', born="31-02-1980\\x"),
        [*family(2, nama="Andi\tBudi"), "extra\ncell"],
        family(3, nama="Dewi Ṣāliḥ ✓"),
    ]
    rows[0][6] = "JL. MAWAR\nNO. 5\r\nDUSUN \\N"
    rows[2][6] = "\\."
    with translation.override("en"):
        upload = load(ministry_file(tmp_path, rows=rows), users)
    first, second, third = upload.version.rows.order_by("row_number")
    assert first.name == 'Ny. "Tuti"\\ Sri'
    assert first.address == "JL. MAWAR\nNO. 5\r\nDUSUN \\N"
    assert first.source["NAMA"] == 'Ny. "Tuti"\\ Sri'
    assert first.source["ALAMAT"] == "JL. MAWAR\nNO. 5\r\nDUSUN \\N"
    assert first.problems == ["Date of birth 31-02-1980\\x is not a date; write it as dd-mm-yyyy."]
    assert first.birth_date is None
    assert second.name == "Andi\tBudi" and second.source["NAMA"] == "Andi\tBudi"
    assert second.source["M"] == "extra\ncell" and second.problems == []
    assert third.name == "Dewi Ṣāliḥ ✓" and third.source["NAMA"] == "Dewi Ṣāliḥ ✓"
    assert third.address == "\\." and third.source["ALAMAT"] == "\\."
    assert third.source["KODE BANK"] == "BRI" and "NO" in third.source
    assert len(third.raw) == 12  # no cell past the header: nothing added


def test_headers_with_quotes_and_backslashes_are_kept_in_raw(tmp_path, users):
    nik = make_nik()
    header = ["NIK", "NAMA", 'CATATAN "RT"', "KODE\\BANK"]
    path = write_csv(tmp_path / "pkh.csv", [header, [nik, "Sri", "baru", "BRI"]])
    row = load(path, users).version.rows.get()
    assert row.source == {"NIK": nik, "NAMA": "Sri", 'CATATAN "RT"': "baru", "KODE\\BANK": "BRI"}
    assert (row.nik, row.name) == (nik, "Sri")


def test_rows_with_damaged_nik_are_stored_marked_and_counted(tmp_path, users):
    good = make_nik()
    rows = [family(1, good), family(2, "3.30601E+15"), family(3, make_nik()[:15])]
    upload = load(ministry_file(tmp_path, rows=rows), users)
    stored = list(upload.version.rows.order_by("row_number"))
    assert [r.nik for r in stored] == [good, "", ""]
    assert stored[1].problems == [SCIENTIFIC]
    assert stored[2].problems == [FIFTEEN]
    assert stored[1].source["NOMOR NIK"] == "3.30601E+15"  # as the ministry sent it
    assert stored[1].no_kk  # the family can still be matched by its card
    assert (upload.rows_read, upload.rows_saved, upload.rows_invalid) == (3, 3, 2)
    assert upload.rows_valid == 1
    assert upload.version.row_count == 3 and upload.version.problem_count == 2
    assert dict(upload.summary["problem_kinds"]) == {
        "NIK: diubah Excel menjadi notasi ilmiah": 1,
        "NIK: jumlah digit salah": 1,
    }


def test_nik_stored_as_a_number_in_xlsx_is_marked(tmp_path, users):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    good = make_nik()
    sheet.append(["NIK", "NAMA", "TANGGAL LAHIR", "JENIS KELAMIN"])
    sheet.append([good, "PAIJO", datetime.date(1975, 8, 17), "LAKI-LAKI"])
    sheet.append([3306011203800001, "PAIMIN", "31-02-1970", "PEREMPUAN"])
    path = tmp_path / "bst.xlsx"
    workbook.save(path)
    with translation.override("en"):
        upload = load(path, users, code="BST")
    text, number = upload.version.rows.order_by("row_number")
    assert (text.nik, text.birth_date, text.sex) == (good, datetime.date(1975, 8, 17), "L")
    assert (number.nik, number.birth_date, number.sex) == ("", None, "P")
    assert number.problems == [
        "NIK 3306**********01.0 was stored as a number, not text: format the column as Text and "
        "retype the number.",
        "Date of birth 31-02-1970 is not a date; write it as dd-mm-yyyy.",
    ]


def test_desa_names_with_prefixes_find_their_village(tmp_path, users, regions):
    rows = [
        family(1, desa="DS. HARJOBINANGUN", kecamatan="KEC. GRABAG"),
        family(2, desa="KEL. SINDURJAN", kecamatan="Kec Purworejo"),
        family(3, desa="Desa Atlantis", kecamatan="PURWOREJO"),
    ]
    upload = load(ministry_file(tmp_path, rows=rows), users)
    desa = list(upload.version.rows.order_by("row_number").values_list("desa", flat=True))
    assert desa == [regions["desa_b"].pk, regions["desa_a"].pk, None]
    assert upload.summary["desa_not_found"] == 1


# --- refused and failed imports ------------------------------------------------------------


def test_file_without_header_is_refused_and_the_old_list_stays(tmp_path, users, roster):
    path = write_csv(tmp_path / "rekap.csv", [["a", "b"], ["1", "2"]])
    upload = load(path, users)
    message = (
        "rekap.csv tidak memiliki baris judul kolom yang dikenali dalam 30 baris pertamanya. "
        "Letakkan satu baris nama kolom di atas data, misalnya NIK, NO KK, NAMA, ALAMAT, DESA, "
        "KECAMATAN, lalu unggah lagi."
    )
    assert upload.status == Upload.Status.REFUSED and upload.error == message
    assert upload.finished_at
    version = upload.version
    assert version.status == RosterVersion.Status.FAILED and version.error == message
    assert not version.rows.exists()
    assert_still_active(roster)


def test_an_import_that_stopped_three_workers_is_given_up_and_the_old_list_stays(
    tmp_path, users, roster
):
    from programs.intake.imports import MAX_ATTEMPTS

    upload = start(ministry_file(tmp_path), users)
    Upload.objects.filter(pk=upload.pk).update(attempts=MAX_ATTEMPTS)  # three workers lost

    upload = rosters.run_import(upload.pk)

    assert upload.status == Upload.Status.REFUSED
    assert "menghentikan proses server 3 kali" in upload.error
    assert upload.version.status == RosterVersion.Status.FAILED
    assert_still_active(roster)


def test_header_without_rows_is_refused_instead_of_emptying_the_list(tmp_path, users, roster):
    with translation.override("en"):
        upload = load(write_csv(tmp_path / "kosong.csv", [MINISTRY]), users)
    assert upload.status == Upload.Status.REFUSED
    assert upload.error.startswith("kosong.csv has a header row but no data rows")
    assert_still_active(roster)


def test_file_over_the_row_limit_is_refused_whole(tmp_path, users, roster, monkeypatch):
    monkeypatch.setattr(rosters, "CHUNK_ROWS", 2)
    monkeypatch.setattr(rosters, "MAX_ROWS", 3)
    with translation.override("en"):
        upload = load(ministry_file(tmp_path, n=5), users)
    assert upload.status == Upload.Status.REFUSED
    assert upload.error.startswith("pkh.csv has more than 3 data rows")
    assert not upload.version.rows.exists() and upload.rows_saved == 0
    assert_still_active(roster)


def test_failure_mid_import_keeps_nothing_and_a_retry_completes(
    tmp_path, users, roster, monkeypatch
):
    monkeypatch.setattr(rosters, "CHUNK_ROWS", 2)
    monkeypatch.setattr(bulk.load, "CHUNK_ROWS", 2)
    stored_before = []

    def server_trouble(upload):
        # The server fails once the first rows are stored (and, row by row, committed).
        if upload.rows_saved:
            stored_before.append(upload.rows_saved)
            raise RuntimeError("disk full")

    upload = start(ministry_file(tmp_path, n=5), users)
    with translation.override("en"), pytest.raises(RuntimeError, match="disk full"):
        rosters.run_import(upload.pk, progress=server_trouble)
    assert stored_before == [2]

    upload.refresh_from_db()
    assert upload.status == Upload.Status.REFUSED
    assert upload.error == GENERIC.format(name="pkh.csv")
    assert upload.version.status == RosterVersion.Status.FAILED
    assert not RosterRow.objects.filter(version=upload.version).exists()
    assert_still_active(roster)

    upload = rosters.run_import(upload.pk)
    assert upload.status == Upload.Status.DONE and upload.error == ""
    numbers = list(upload.version.rows.values_list("row_number", flat=True))
    assert sorted(numbers) == [1, 2, 3, 4, 5]
    assert upload.version.status == RosterVersion.Status.ACTIVE
    roster.refresh_from_db()
    assert roster.status == RosterVersion.Status.SUPERSEDED


def test_rows_lost_to_a_parallel_attempt_keep_the_version_from_going_live(
    tmp_path, users, roster, monkeypatch
):
    monkeypatch.setattr(rosters, "CHUNK_ROWS", 2)
    monkeypatch.setattr(bulk.load, "CHUNK_ROWS", 2)
    upload = start(ministry_file(tmp_path, n=3), users)

    def a_row_goes_missing(upload):  # what a task delivered twice could do to the first
        if upload.rows_saved == 3:
            table = RosterRow._meta.db_table
            if connection.vendor == "postgresql":
                table = bulk.partition(upload.version)  # not attached yet
            with connection.cursor() as cursor:
                cursor.execute(
                    f"DELETE FROM {table} WHERE version_id = %s AND row_number = 2",
                    [upload.version_id],
                )

    with pytest.raises(RuntimeError, match="changed under its import"):
        rosters.run_import(upload.pk, progress=a_row_goes_missing)
    upload.refresh_from_db()
    assert upload.status == Upload.Status.REFUSED
    assert upload.version.status == RosterVersion.Status.FAILED
    assert not upload.version.rows.exists()
    assert_still_active(roster)


def test_an_interrupted_import_is_started_again_from_the_first_row(tmp_path, users):
    upload = start(ministry_file(tmp_path, n=3), users)
    # What a killed worker leaves: a row stored, counters moved, status still saving.
    RosterRow.objects.create(version=upload.version, row_number=1, nik="x")
    Upload.objects.filter(pk=upload.pk).update(status=Upload.Status.SAVING, rows_saved=1)
    upload = rosters.run_import(upload.pk)
    assert upload.version.rows.count() == 3 and upload.rows_saved == 3
    assert "x" not in upload.version.rows.values_list("nik", flat=True)


def test_running_a_finished_import_again_changes_nothing(
    tmp_path, users, django_assert_num_queries
):
    upload = load(ministry_file(tmp_path), users)
    before = list(RosterRow.objects.values_list("pk", flat=True))
    with django_assert_num_queries(1):
        again = rosters.run_import(upload.pk)
    assert again.status == Upload.Status.DONE and again.finished_at == upload.finished_at
    assert list(RosterRow.objects.values_list("pk", flat=True)) == before


def test_progress_is_reported_after_each_committed_chunk(tmp_path, users, monkeypatch):
    monkeypatch.setattr(rosters, "CHUNK_ROWS", 2)
    monkeypatch.setattr(bulk.load, "CHUNK_ROWS", 2)
    depth = len(connection.savepoint_ids)
    seen = []

    def progress(upload):
        stored = Upload.objects.get(pk=upload.pk)
        seen.append((upload.rows_read, stored.rows_saved, upload.version.status))
        # No transaction of run_import's own is open: the chunk is committed and visible.
        assert len(connection.savepoint_ids) == depth

    load(ministry_file(tmp_path, n=5), users, progress=progress)
    if connection.vendor == "postgresql":  # the whole file is staged first, then stored
        staged, *chunks = seen
        assert staged == (5, 0, "importing")
        assert chunks == [(5, 2, "importing"), (5, 4, "importing"), (5, 5, "importing")]
    else:
        assert seen == [(2, 2, "importing"), (4, 4, "importing"), (5, 5, "importing")]


# --- the command ---------------------------------------------------------------------------


def command(*args):
    out, err = io.StringIO(), io.StringIO()
    with translation.override("en"):
        call_command("import_roster", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_imports_and_prints_the_summary(tmp_path, users, roster):
    rows = [family(1), family(2, "3.30601E+15")]
    out, err = command(
        "--program", "pkh", "--period", "Maret 2027", ministry_file(tmp_path, rows=rows)
    )
    version = RosterVersion.objects.get(period="Maret 2027")
    assert version.status == RosterVersion.Status.ACTIVE and version.rows.count() == 2
    assert Upload.objects.get(version=version).uploaded_by == users["admin"]
    assert f"Version PKH Maret 2027 (no. {version.pk}) is now the active list." in out
    assert "Rows stored: 2" in out
    assert "Rows with damaged identifiers: 1" in out
    assert "NIK: turned into scientific notation by Excel: 1" in out
    assert "NOMOR NIK -> NIK" in out and "Columns ignored: NO, KODE BANK" in out
    assert "2 rows read, 2 stored, 1 with problems" in out  # progress: stdout, as the result
    assert err == ""


def test_from_a_shell_a_refused_file_is_one_line_on_stderr_and_exit_code_1(
    tmp_path, users, roster, capfd
):
    """What a script or a person at a terminal sees: the reason alone, in Indonesian, on
    stderr (no "CommandError:", no log lines), and a non-zero exit."""
    from programs.management.commands.import_roster import Command

    path = write_csv(tmp_path / "rekap.csv", [["a", "b"], ["1", "2"]])
    argv = ["manage.py", "import_roster", "--program", "PKH", "--period", "Maret 2027", str(path)]
    with pytest.raises(SystemExit) as exited:
        Command().run_from_argv(argv)

    out, err = capfd.readouterr()
    assert exited.value.code == 1
    assert err.splitlines() == [
        "rekap.csv tidak memiliki baris judul kolom yang dikenali dalam 30 baris pertamanya. "
        "Letakkan satu baris nama kolom di atas data, misalnya NIK, NO KK, NAMA, ALAMAT, DESA, "
        "KECAMATAN, lalu unggah lagi."
    ]
    assert "Mengimpor rekap.csv" in out


def test_command_can_load_the_same_file_twice(tmp_path, users):
    path = ministry_file(tmp_path)
    command("--program", "PKH", "--period", "Maret 2027", "--user", "staf", path)
    command("--program", "PKH", "--period", "Maret 2027", "--user", "staf", path)
    first, second = RosterVersion.objects.filter(period="Maret 2027").order_by("pk")
    assert first.status == RosterVersion.Status.SUPERSEDED and first.rows.count() == 3
    assert second.status == RosterVersion.Status.ACTIVE and second.imported_by == users["staff"]


def test_command_refuses_an_unknown_programme(tmp_path, users):
    with pytest.raises(CommandError) as refused:
        command("--program", "PKHX", "--period", "Maret 2027", ministry_file(tmp_path))
    assert "There is no programme PKHX. Known codes: BANSOSPROV, BLTDESA, BPNT" in str(
        refused.value
    )
    assert not RosterVersion.objects.exists()


def test_command_fails_on_a_refused_file_and_keeps_the_old_list(tmp_path, users, roster):
    path = write_csv(tmp_path / "rekap.csv", [["a", "b"], ["1", "2"]])
    with pytest.raises(CommandError, match=r"rekap\.csv has no header row we recognise"):
        command("--program", "PKH", "--period", "Maret 2027", path)
    assert RosterVersion.objects.get(period="Maret 2027").status == RosterVersion.Status.FAILED
    assert_still_active(roster)


def test_command_needs_someone_to_record_as_importer(tmp_path, users):
    User.objects.filter(role=User.Role.ADMIN).update(is_active=False)
    with pytest.raises(CommandError, match="no active administrator"):
        command("--program", "PKH", "--period", "Maret 2027", ministry_file(tmp_path))
    with pytest.raises(CommandError, match="no active user nobody"):
        command("--program", "PKH", "--period", "X", "--user", "nobody", ministry_file(tmp_path))


# --- small pieces --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12-03-1980", datetime.date(1980, 3, 12)),
        ("12/03/1980", datetime.date(1980, 3, 12)),
        ("1980-03-12", datetime.date(1980, 3, 12)),
        ("2-3-1980", datetime.date(1980, 3, 2)),
        ("31-02-1980", None),
        ("12-03-80", None),
        ("kemarin", None),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected
