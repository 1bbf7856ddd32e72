"""Accounts from a spreadsheet: every row gets one outcome, the good ones are created when
staff confirm, each with a one-time password printed once on a slip, and the bad ones come back
in the operator's own file with the reason on the cell."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from accounts.models import AccountImport
from households.models import User

pytestmark = pytest.mark.django_db

HEADER = ["NO", "NAMA", "PERAN", "DESA/KELURAHAN", "KECAMATAN", "OPD", "EMAIL", "NO HP"]
GOOD = [
    [
        "1",
        "Sri Lestari",
        "Operator desa",
        "Sindurjan",
        "Purworejo",
        "",
        "sri@example.id",
        "81234567890",
    ],
    ["2", "Sri Lestari", "operator desa", "HARJOBINANGUN", "Grabag", "", "", ""],
    ["3", "Bambang", "Operator OPD", "", "", "Dinas Perhubungan", "", "0812-3456-7891"],
    ["4", "Wati", "Posko pengaduan", "", "", "", "", ""],
]
BAD = [
    ["5", "Joko", "Operator desa", "Kaliboto", "Purworejo", "", "", ""],  # no such desa
    ["6", "Tono", "Operator desa", "", "", "", "", ""],  # a village operator without a village
    ["7", "Rini", "bendahara", "", "", "", "", ""],  # no such role
    ["8", "Budi", "Administrator", "", "", "", "", ""],  # staff may not make administrators
    ["9", "Ani", "Operator OPD", "", "", "Dinas Pariwisata", "", ""],  # unknown agency
    ["10", "Dewi", "Posko pengaduan", "", "", "", "dewi@", "12"],  # bad e-mail and phone
    HEADER,  # the header again, pasted mid-file
]


def xlsx(rows, header=HEADER) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(["DAFTAR OPERATOR PELATIHAN 2026"])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "operator.xlsx"
    return out


def upload(client, rows, header=HEADER) -> AccountImport:
    response = client.post(reverse("users:imports"), {"file": xlsx(rows, header)})
    assert response.status_code == 302
    return AccountImport.objects.latest("pk")


def test_every_row_gets_one_outcome_and_each_problem_names_its_row_and_column(login, users, units):
    before = User.objects.count()
    record = upload(login(users["staff"]), GOOD + BAD)
    assert User.objects.count() == before  # nothing is created before confirming
    assert len(record.rows) == 11
    assert len(record.ready) + len(record.problem_rows) == len(record.rows)
    assert [row["line"] for row in record.ready] == [3, 4, 5, 6]
    problems = {
        row["line"]: [(record.headers[c] if c is not None else None, m) for c, m in row["problems"]]
        for row in record.problem_rows
    }
    assert problems[7][0][0] == "DESA/KELURAHAN" and "KALIBOTO" in problems[7][0][1].upper()
    assert problems[8][0][0] == "DESA/KELURAHAN"
    assert problems[9][0][0] == "PERAN" and "bendahara" in problems[9][0][1]
    assert problems[10][0][0] == "PERAN"
    assert problems[11][0][0] == "OPD" and "Dinas Pariwisata" in problems[11][0][1]
    assert [column for column, _m in problems[12]] == ["EMAIL", "NO HP"]
    assert problems[13] == [(None, problems[13][0][1])]  # the header again: the whole row

    page = login(users["staff"]).get(reverse("users:import", args=[record.pk])).content.decode()
    assert "Baris dibaca" in page and ">11<" in page
    assert "Kaliboto" in page


def test_confirming_creates_the_ready_accounts_with_one_time_passwords_and_slips(
    client, login, users, units
):
    staff = login(users["staff"])
    record = upload(staff, GOOD + BAD)
    response = staff.post(reverse("users:import", args=[record.pk]))
    slips = response.context["slips"]
    assert len(slips) == 4
    # Grouped by kecamatan then desa; agencies, then Dinsos, after them.
    assert [(s.group, s.place) for s in slips] == [
        ("Grabag", "Harjobinangun"),
        ("Purworejo", "Sindurjan"),
        ("OPD", "Dinas Perhubungan"),
        ("Dinsos", slips[3].place),
    ]
    sri_a = User.objects.get(unit=units["village_a"], first_name="Sri Lestari")
    sri_b = User.objects.get(unit=units["village_b"], first_name="Sri Lestari")
    assert sri_a.username != sri_b.username  # two people of one name, two accounts
    assert sri_a.phone == "081234567890"  # Excel's lost leading 0 put back
    assert sri_a.email == "sri@example.id" and sri_a.must_change_password
    html = response.content.decode()
    for slip in slips:
        assert slip.password in html
        assert slip.account.check_password(slip.password)
        assert slip.password not in slip.account.password
    record.refresh_from_db()
    assert record.status == AccountImport.Status.DONE
    assert set(record.accounts.all()) == {s.account for s in slips}
    first = sri_a.history.earliest()
    assert first.history_type == "+" and first.history_user == users["staff"]

    again = staff.post(reverse("users:import", args=[record.pk]), follow=True)
    assert "slips" not in again.context
    assert User.objects.filter(first_name="Sri Lestari").count() == 2

    client.logout()
    password = next(s.password for s in slips if s.account == sri_b)
    signed_in = client.post(
        reverse("login"), {"username": sri_b.username, "password": password}, follow=True
    )
    assert signed_in.redirect_chain[-1][0] == reverse("password_change")


def test_the_refused_rows_come_back_in_the_operators_own_columns(login, users, units):
    staff = login(users["staff"])
    record = upload(staff, GOOD + BAD)
    response = staff.get(reverse("users:import_rejected", args=[record.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0][: len(HEADER)]) == HEADER
    assert rows[0][len(HEADER)] == "ALASAN"
    assert [r[1] for r in rows[1:]] == ["Joko", "Tono", "Rini", "Budi", "Ani", "Dewi", "NAMA"]
    assert sheet.cell(row=2, column=4).comment is not None  # the desa cell carries its reason

    problems = staff.get(reverse("users:import_problems", args=[record.pk]))
    lines = list(csv.reader(io.StringIO(problems.content.decode("utf-8-sig"))))
    assert lines[0] == ["baris", "baris_excel", "kolom", "alasan"]
    assert len(lines) - 1 == sum(len(row["problems"]) for row in record.problem_rows)


def test_a_username_taken_or_written_twice_is_refused_on_its_row(login, users, units):
    header = ["NAMA", "USERNAME", "PERAN", "DESA/KELURAHAN", "KECAMATAN"]
    rows = [
        ["Sri", "op.sindurjan", "Operator desa", "Sindurjan", "Purworejo"],  # an existing login
        ["Ani", "ani.grabag", "Operator desa", "Harjobinangun", "Grabag"],
        ["Ana", "ANI.grabag", "Operator desa", "Harjobinangun", "Grabag"],  # twice in the file
    ]
    record = upload(login(users["staff"]), rows, header)
    messages = {row["line"]: row["problems"] for row in record.rows}
    assert "op.sindurjan" in messages[3][0][1] and messages[3][0][0] == 1
    assert messages[4] == []
    assert "baris 4" in messages[5][0][1] or "row 4" in messages[5][0][1]


def test_a_file_without_the_name_or_role_column_is_refused_whole(login, users, units):
    record = upload(login(users["staff"]), [["Sri", "Sindurjan"]], ["NAMA", "DESA"])
    assert record.status == AccountImport.Status.REFUSED
    assert "PERAN" in record.refused
    assert record.rows == []
    page = login(users["staff"]).get(reverse("users:import", args=[record.pk])).content.decode()
    assert record.refused.split(".")[0] in page
    assert "Buat" not in page


def test_an_administrator_may_create_district_accounts(login, users, units):
    admin = login(users["admin"])
    record = upload(admin, [["1", "Budi", "Administrator", "", "", "", "", ""]])
    assert len(record.ready) == 1
    admin.post(reverse("users:import", args=[record.pk]))
    assert User.objects.get(first_name="Budi").role == User.Role.ADMIN


def test_the_template_lists_the_roles_the_uploader_may_create(login, users):
    response = login(users["staff"]).get(reverse("users:template"))
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["Akun"]
    assert [c.value for c in sheet[1]] == [
        "NAMA",
        "PERAN",
        "DESA/KELURAHAN",
        "KECAMATAN",
        "OPD",
        "EMAIL",
        "NO HP",
    ]
    choices = sheet.data_validations.dataValidation[0].formula1
    assert "Operator desa" in choices or "operator desa" in choices.lower()
    assert "dministrator" not in choices
    assert sheet["G2"].number_format == "@"


def test_operators_may_not_import_accounts(login, users):
    response = login(users["village"]).post(reverse("users:imports"), {"file": xlsx(GOOD)})
    assert response.status_code == 403
    assert not AccountImport.objects.exists()


def test_kecamatan_staff_are_placed_in_their_kecamatans_unit(login, users, units):
    rows = [
        ["1", "Suyatno", "TKSK", "", "Purworejo", "", "", ""],
        ["2", "Parmi", "petugas kecamatan (TKSK)", "", "Grabag", "", "", ""],  # no unit yet
    ]
    record = upload(login(users["staff"]), rows)
    (ready,) = record.ready
    assert ready["account"]["role"] == "kecamatan"
    assert ready["account"]["unit"] == units["kecamatan"].pk
    (refused,) = record.problem_rows
    assert record.headers[refused["problems"][0][0]] == "KECAMATAN"
    assert "Grabag" in refused["problems"][0][1]
    (slip,) = login(users["staff"]).post(reverse("users:import", args=[record.pk])).context["slips"]
    assert (slip.group, slip.place) == ("Purworejo", "Kecamatan Purworejo")


def test_staff_confirming_an_administrators_file_never_create_district_accounts(
    login, users, units
):
    record = upload(
        login(users["admin"]),
        [
            ["1", "Budi", "Administrator", "", "", "", "", ""],
            ["2", "Sri", "Operator desa", "Sindurjan", "Purworejo", "", "", ""],
        ],
    )
    assert len(record.ready) == 2  # the administrator may
    slips = login(users["staff"]).post(reverse("users:import", args=[record.pk])).context["slips"]
    assert [slip.account.first_name for slip in slips] == ["Sri"]
    assert not User.objects.filter(first_name="Budi").exists()
    record.refresh_from_db()
    (refused,) = record.problem_rows
    assert "administrator" in refused["problems"][-1][1].lower()


def test_the_same_file_uploaded_again_gives_nobody_a_second_account(login, users, units):
    staff = login(users["staff"])
    first = upload(staff, GOOD)
    staff.post(reverse("users:import", args=[first.pk]))
    again = upload(staff, GOOD)
    assert again.ready == []
    assert all("sudah memiliki akun" in row["problems"][0][1] for row in again.rows)


def test_a_kecamatan_is_found_however_the_office_writes_it(login, users, units):
    rows = [["1", "Suyatno", "TKSK", "", "KEC. PURWOREJO", "", "", ""]]
    (ready,) = upload(login(users["staff"]), rows).ready
    assert ready["account"]["unit"] == units["kecamatan"].pk
