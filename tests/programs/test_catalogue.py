"""The programme catalogue and its roster versions as staff and operators meet them: who may
change a programme, what the form says when a code is wrong, why a programme in use stays,
the history of its changes; a roster imported through the page, its versions' states, its
damaged rows listed and counted, each village's share of it; the import_roster command's
refusals and progress."""

import datetime
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import translation

from programs.intake import bulk, rosters
from programs.management.commands.import_roster import Command
from programs.models import Allocation, AllocationRound, Program, RosterVersion
from tests.conftest import make_nik, make_no_kk

pytestmark = pytest.mark.django_db

REFUSED = ["head", "village", "agency", "desk"]
SLUG = "Masukkan “slug” valid yang terdiri dari huruf, angka, garis bawah, atau tanda hubung."
TAKEN = "Program dengan Kode telah ada."
IN_USE = (
    "{code} tidak dapat dihapus: daftar atau alokasinya merujuk kepadanya. "
    "Isi tanggal berakhirnya saja."
)
NO_ID_COLUMN = (
    "{name} tidak memiliki baris judul kolom yang dikenali dalam 30 baris pertamanya. Letakkan "
    "satu baris nama kolom di atas data, misalnya NIK, NO KK, NAMA, ALAMAT, DESA, KECAMATAN, "
    "lalu unggah lagi."
)
SCIENTIFIC = (
    "NIK 3.30601E+15 diubah Excel menjadi notasi ilmiah dan ada digit yang hilang: format kolom "
    "sebagai Teks lalu ketik ulang nomornya."
)
SHORT_KK = (
    "No. KK berisi 15 digit, seharusnya 16: ada digit yang hilang atau digit pertama terhapus "
    "oleh Excel; periksa kartunya."
)
BAD_DATE = "Tanggal lahir 31-02-1980 bukan tanggal; tulis sebagai hh-bb-tttt."
HEADER = "NOMOR KK;NIK;NAMA;TGL LAHIR;DESA;KECAMATAN\n"


def form(**changes):
    """What staff type into the programme form for a new district programme."""
    data = {
        "code": "JPSDESA",
        "name": "JPS Desa",
        "level": "kabupaten",
        "funding": "apbd",
        "benefit_per_month": "200000",
        "months": "3",
        "active_from": "",
        "active_until": "",
        "description": "",
    }
    return {**data, **changes}


def new_programme(code="BARU"):
    return Program.objects.create(code=code, name="Program Baru", level="kabupaten", funding="apbd")


def errors(response, field):
    return response.context["form"].errors.get(field, [])


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def family(name, nik=None, no_kk=None, born="12-03-1980", desa="SINDURJAN", kec="PURWOREJO"):
    """One line of a roster CSV under HEADER."""
    return f"{no_kk or make_no_kk()};{nik or make_nik()};{name};{born};{desa};{kec}\n"


def import_page(client, text, code="PKH", period="Januari 2027", name="pkh.csv"):
    return client.post(
        reverse("programs:roster_import", args=[code]),
        {"period": period, "file": SimpleUploadedFile(name, text.encode())},
    )


def versions_shown(client, code="PKH"):
    """(period, status) of each version as the programme page lists them, newest first."""
    html = client.get(reverse("programs:detail", args=[code])).content.decode()
    return re.findall(
        r'/programs/rosters/\d+/">([^<]+)</a></td><td><span class="badge \w+">([^<]+)<', html
    )


def names_listed(client, version, **params):
    page = client.get(reverse("programs:version", args=[version.pk]), params).context["page"]
    return [row.name for row in page]


# --- who may change a programme -------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "offered"), [("admin", True), ("staff", True)] + [(r, False) for r in REFUSED]
)
def test_only_managers_are_offered_to_add_edit_delete_or_import(login, users, role, offered):
    client = login(users[role])
    listing = client.get(reverse("programs:list")).content.decode()
    detail = client.get(reverse("programs:detail", args=["PKH"])).content.decode()
    assert ("Tambah program" in listing) is offered
    for link in ("/programs/PKH/edit/", "/programs/PKH/delete/", "/programs/PKH/import/"):
        assert (f'href="{link}"' in detail) is offered


@pytest.mark.parametrize("role", REFUSED)
def test_head_operators_and_desk_are_refused_every_change_of_a_programme(login, users, role):
    client = login(users[role])
    assert client.get(reverse("programs:edit", args=["PKH"])).status_code == 403
    assert client.get(reverse("programs:delete", args=["PKH"])).status_code == 403
    edit = client.post(reverse("programs:edit", args=["PKH"]), form(code="PKH", name="Diubah"))
    create = client.post(reverse("programs:create"), form())
    assert (edit.status_code, create.status_code) == (403, 403)
    assert Program.objects.get(code="PKH").name == "Program Keluarga Harapan"
    assert not Program.objects.filter(code="JPSDESA").exists()


def test_a_signed_out_visitor_is_sent_to_sign_in_instead_of_the_form(client):
    response = client.get(reverse("programs:edit", args=["PKH"]))
    assert response.status_code == 302 and "next=/programs/PKH/edit/" in response.url


def test_admin_adds_a_programme_and_is_told_it_was_saved(login, users):
    response = login(users["admin"]).post(reverse("programs:create"), form(), follow=True)
    assert response.redirect_chain == [(reverse("programs:detail", args=["JPSDESA"]), 302)]
    assert messages_of(response) == ["Program disimpan."]
    assert "Rp200.000 per keluarga per bulan selama 3 bulan (seluruhnya Rp600.000)" in (
        response.content.decode()
    )


# --- what the form says ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("PKH PLUS", SLUG),
        ("PKH/2", SLUG),
        ("BLT.DESA", SLUG),
        ("BANTUAN-ÜBER", SLUG),
        (
            "A" * 21,
            "Pastikan nilai ini mengandung paling banyak 20 karakter (sekarang 21 karakter).",
        ),
    ],
)
def test_a_code_in_the_wrong_format_is_refused_with_a_message(login, users, code, message):
    response = login(users["staff"]).post(reverse("programs:create"), form(code=code))
    assert response.status_code == 200 and errors(response, "code") == [message]
    assert Program.objects.count() == 9  # the preloaded programmes only


@pytest.mark.parametrize("code", ["PKH", "pkh", "Pkh", " pkh "])
def test_a_code_already_used_in_any_case_is_refused(login, users, code):
    response = login(users["staff"]).post(reverse("programs:create"), form(code=code))
    assert errors(response, "code") == [TAKEN]
    assert Program.objects.filter(code__iexact="pkh").count() == 1


def test_renaming_a_programme_to_the_code_of_another_is_refused(login, users):
    response = login(users["staff"]).post(
        reverse("programs:edit", args=["BST"]), form(code="pkh", name="Bantuan Sosial Tunai")
    )
    assert errors(response, "code") == [TAKEN]
    assert Program.objects.filter(code="BST").exists()


def test_a_programme_opened_for_editing_saves_back_unchanged_but_for_what_was_typed(login, users):
    Program.objects.filter(code="JPSKAB").update(
        active_from=datetime.date(2027, 1, 1), active_until=datetime.date(2027, 3, 31)
    )
    client = login(users["staff"])
    page = client.get(reverse("programs:edit", args=["JPSKAB"])).content.decode()
    assert 'value="01-01-2027"' in page and 'value="31-03-2027"' in page  # dd-mm-yyyy
    edited = form(code="JPSKAB", name="JPS Kabupaten 2027", benefit_per_month="250000")
    edited.update(active_from="01-01-2027", active_until="31-03-2027")
    response = client.post(reverse("programs:edit", args=["JPSKAB"]), edited)
    assert response.url == reverse("programs:detail", args=["JPSKAB"])
    program = Program.objects.get(code="JPSKAB")
    assert (program.name, program.benefit_total) == ("JPS Kabupaten 2027", 750_000)
    assert program.active_until == datetime.date(2027, 3, 31)


def test_the_monthly_benefit_may_be_typed_as_the_office_writes_rupiah(login, users):
    login(users["staff"]).post(reverse("programs:create"), form(benefit_per_month="Rp250.000"))
    program = Program.objects.filter(code="JPSDESA").first()
    assert program is not None and program.benefit_per_month == 250_000


# --- deleting and history -------------------------------------------------------------------


def test_an_unused_programme_is_deleted_only_after_confirming(login, users):
    program = new_programme()
    client = login(users["staff"])
    confirm = client.get(reverse("programs:delete", args=["BARU"])).content.decode()
    assert "Hapus BARU?" in confirm and Program.objects.filter(code="BARU").exists()
    response = client.post(reverse("programs:delete", args=["BARU"]), follow=True)
    assert response.redirect_chain == [(reverse("programs:list"), 302)]
    assert messages_of(response) == ["Program dihapus."]
    assert not Program.objects.filter(code="BARU").exists()
    deleted = Program.history.filter(id=program.pk).latest("history_date")
    assert (deleted.history_type, deleted.history_user) == ("-", users["staff"])


@pytest.mark.parametrize("use", ["allocation", "round target", "failed roster"])
def test_a_programme_in_use_stays_and_the_user_is_told_why(login, users, households, use):
    program = new_programme()
    round_ = AllocationRound.objects.create(name="JPS Mei", created_by=users["staff"])
    if use == "allocation":
        Allocation.objects.create(round=round_, household=households["a"], target=program)
    elif use == "round target":
        round_.targets.create(program=program, places=10)
    else:
        RosterVersion.objects.create(program=program, period="Mei", status="failed")
    response = login(users["admin"]).post(reverse("programs:delete", args=["BARU"]), follow=True)
    assert response.redirect_chain == [(reverse("programs:detail", args=["BARU"]), 302)]
    assert messages_of(response) == [IN_USE.format(code="BARU")]
    assert Program.objects.filter(code="BARU").exists()
    assert not Program.history.filter(history_type="-").exists()


def test_each_change_of_a_programme_is_kept_with_who_made_it(login, users):
    login(users["admin"]).post(reverse("programs:create"), form())
    url = reverse("programs:edit", args=["JPSDESA"])
    login(users["staff"]).post(url, form(name="JPS Desa Tahap 2"))
    login(users["admin"]).post(url, form(name="JPS Desa Tahap 2", benefit_per_month="300000"))
    created, renamed, raised = Program.objects.get(code="JPSDESA").history.order_by("history_date")
    assert (created.history_type, created.history_user, created.name) == (
        "+",
        users["admin"],
        "JPS Desa",
    )
    assert (renamed.history_user, renamed.name) == (users["staff"], "JPS Desa Tahap 2")
    assert [c.field for c in renamed.diff_against(created).changes] == ["name"]
    assert (raised.history_user, raised.benefit_per_month) == (users["admin"], 300_000)
    assert [c.field for c in raised.diff_against(renamed).changes] == ["benefit_per_month"]


def test_the_first_change_of_a_preloaded_programme_keeps_what_it_replaced(login, users):
    edited = form(code="BST", name="BST Tahap 2", level="pusat", benefit_per_month="600000")
    login(users["staff"]).post(reverse("programs:edit", args=["BST"]), edited)
    before = Program.objects.get(code="BST").history.order_by("history_date").first()
    assert (before.name, before.benefit_per_month) == ("Bantuan Sosial Tunai Kemensos", 300_000)


# --- roster versions through the page -------------------------------------------------------


def test_while_a_roster_is_importing_the_programme_page_says_so_and_the_old_list_serves(
    login, users, roster
):
    client = login(users["staff"])  # no run_on_commit: the task waits for the commit
    import_page(client, HEADER + family("SITI"))
    assert versions_shown(client) == [("Januari 2027", "sedang diimpor"), ("Oktober 2026", "aktif")]
    listing = client.get(reverse("programs:list")).content.decode()
    assert f'/programs/rosters/{roster.pk}/">Oktober 2026</a>' in listing
    assert Program.objects.get(code="PKH").active_version == roster


def test_a_completed_import_is_active_on_every_page_and_the_old_one_superseded(
    login, users, roster, run_on_commit
):
    client = login(users["staff"])
    import_page(client, HEADER + family("SITI") + family("BUDI") + family("WATI"))
    assert versions_shown(client) == [
        ("Januari 2027", "aktif"),
        ("Oktober 2026", "diganti versi baru"),
    ]
    newer = RosterVersion.objects.get(period="Januari 2027")
    listing = client.get(reverse("programs:list")).content.decode()
    assert re.search(rf'rosters/{newer.pk}/">Januari 2027</a></td><td class="num">3<', listing)
    assert "Oktober 2026" not in listing


def test_a_roster_without_nik_or_kk_column_is_refused_and_the_old_list_stays(
    login, users, roster, run_on_commit
):
    client = login(users["staff"])
    response = import_page(client, "NAMA;ALAMAT;DESA\nSITI;KRAJAN;SINDURJAN\n", name="data.csv")
    html = client.get(response.url).content.decode()
    assert f'<li class="error">{NO_ID_COLUMN.format(name="data.csv")}</li>' in html
    assert "Tidak ada yang disimpan dari berkas ini." in html
    assert versions_shown(client) == [("Januari 2027", "gagal"), ("Oktober 2026", "aktif")]
    failed = RosterVersion.objects.get(period="Januari 2027")
    assert (failed.row_count, failed.rows.count()) == (0, 0)


def test_the_import_form_asks_for_a_period_and_a_file(login, users):
    response = login(users["staff"]).post(
        reverse("programs:roster_import", args=["PKH"]), {"period": ""}
    )
    assert response.status_code == 200
    required = ["Bidang ini tidak boleh kosong."]
    assert errors(response, "period") == errors(response, "file") == required
    assert not RosterVersion.objects.exists()


def test_three_imports_leave_one_active_version_and_every_earlier_one_readable(
    login, users, roster, run_on_commit
):
    client = login(users["staff"])
    import_page(client, HEADER + family("SITI"), period="Januari 2027")
    import_page(client, HEADER + family("BUDI"), period="Februari 2027")
    assert versions_shown(client) == [
        ("Februari 2027", "aktif"),
        ("Januari 2027", "diganti versi baru"),
        ("Oktober 2026", "diganti versi baru"),
    ]
    assert RosterVersion.objects.filter(program__code="PKH", status="active").count() == 1
    january = RosterVersion.objects.get(period="Januari 2027")
    assert names_listed(client, january) == ["SITI"]
    assert names_listed(client, roster) == ["SRI WAHYUNI", "SUPARMAN"]


def test_a_new_version_leaves_the_active_lists_of_other_programmes_alone(roster):
    bst = RosterVersion.objects.create(program=Program.objects.get(code="BST"), period="2026")
    bst.activate()
    RosterVersion.objects.create(program=roster.program, period="Januari 2027").activate()
    bst.refresh_from_db()
    roster.refresh_from_db()
    assert (bst.status, roster.status) == ("active", "superseded")


@pytest.mark.parametrize("status", ["active", "superseded", "failed"])
def test_only_an_import_in_progress_can_become_active(roster, status):
    version = roster
    if status != "active":
        version = RosterVersion.objects.create(program=roster.program, period="X", status=status)
    with pytest.raises(ValidationError) as refused:
        version.activate()
    assert refused.value.messages == ["Hanya impor yang sedang berjalan yang dapat diaktifkan."]
    roster.refresh_from_db()
    assert roster.status == "active"


@pytest.fixture
def mixed(login, users, regions, run_on_commit):
    """A PKH roster imported by staff: two sound rows (one in each village), a NIK Excel turned
    into scientific notation, a No. KK short by a digit, and an impossible birth date."""
    client = login(users["staff"])
    text = HEADER + family("SITI") + family("SUPARMAN", desa="HARJOBINANGUN", kec="GRABAG")
    text += family("TUKIYEM", nik="3.30601E+15")
    text += family("PAIJO", no_kk=make_no_kk()[:15], desa="HARJOBINANGUN", kec="GRABAG")
    text += family("WAGINEM", born="31-02-1980")
    response = import_page(client, text)
    return client, response.url, RosterVersion.objects.get(period="Januari 2027")


def test_damaged_identifiers_are_kept_and_listed_with_their_problem(mixed):
    client, _upload, version = mixed
    response = client.get(reverse("programs:version", args=[version.pk]), {"problems": "1"})
    html = response.content.decode()
    assert "5 keluarga, 2 dengan nomor identitas rusak disimpan apa adanya." in html
    assert [row.name for row in response.context["page"]] == ["TUKIYEM", "PAIJO", "WAGINEM"]
    for message in (SCIENTIFIC, SHORT_KK, BAD_DATE):
        assert f"<td>{message}</td>" in html
    tukiyem = version.rows.get(name="TUKIYEM")
    assert tukiyem.nik == "" and tukiyem.source["NIK"] == "3.30601E+15"


def test_the_counts_on_the_pages_add_up(mixed):
    client, upload_url, version = mixed
    url = reverse("programs:version", args=[version.pk])
    every = client.get(url).context["page"].paginator.count
    flagged = client.get(url, {"problems": "1"}).context["page"].paginator.count
    sound = version.rows.filter(problems=[]).count()
    assert every == version.row_count == sound + flagged == 5
    cards = re.findall(
        r'<div class="n">(\d+)</div><div class="what">([^<]+)<',
        client.get(upload_url).content.decode(),
    )
    assert cards == [
        ("5", "baris dibaca"),
        ("5", "baris tersimpan"),
        ("2", "baris dengan nomor identitas rusak, disimpan dan ditandai"),
    ]


def test_the_problems_of_an_imported_roster_are_named_in_the_operators_words(mixed):
    client, upload_url, _version = mixed
    html = client.get(upload_url).content.decode()
    kinds = re.findall(r"<li>([^<]+): 1</li>", html)
    assert "TANGGAL LAHIR" in kinds and not [kind for kind in kinds if "_" in kind]


def test_the_list_of_damaged_rows_pages_on_without_losing_the_filter(login, users, run_on_commit):
    client = login(users["staff"])
    text = HEADER + family("SEHAT") + "".join(family(f"RUSAK {n}", nik="123") for n in range(51))
    import_page(client, text)
    version = RosterVersion.objects.get(period="Januari 2027")
    first = client.get(reverse("programs:version", args=[version.pk]), {"problems": "1"})
    assert len(first.context["page"]) == 50 and "SEHAT" not in first.content.decode()
    assert 'href="?problems=1&amp;page=2"' in first.content.decode()
    assert names_listed(client, version, problems="1", page="2") == ["RUSAK 50"]


@pytest.mark.parametrize(
    ("role", "names"),
    [
        ("village", ["SITI", "TUKIYEM", "WAGINEM"]),
        ("village_b", ["SUPARMAN", "PAIJO"]),
        ("agency", []),
        ("desk", ["SITI", "SUPARMAN", "TUKIYEM", "PAIJO", "WAGINEM"]),  # looks families up
        ("head", ["SITI", "SUPARMAN", "TUKIYEM", "PAIJO", "WAGINEM"]),
    ],
)
def test_each_user_sees_only_the_roster_rows_of_their_own_desa(mixed, login, users, role, names):
    _client, _upload, version = mixed
    client = login(users[role])
    assert names_listed(client, version) == names
    damaged = [n for n in names if n in ("TUKIYEM", "PAIJO", "WAGINEM")]
    assert names_listed(client, version, problems="1") == damaged
    html = client.get(reverse("programs:version", args=[version.pk])).content.decode()
    own_only = "Anda hanya melihat keluarga di desa Anda sendiri."
    assert (own_only in html) is (role in ("village", "village_b", "agency"))


# --- the import_roster command ---------------------------------------------------------------


def write_roster(tmp_path, text, name="pkh.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def from_shell(capfd, *args):
    """Run the command as a terminal does; (exit code, stdout, stderr lines). The command's
    closing of every connection at its end is held back: the test's transaction lives on it."""
    from django.db import connections

    argv = ["manage.py", "import_roster", "--period", "Maret 2027", *map(str, args)]
    with pytest.MonkeyPatch.context() as patched, pytest.raises(SystemExit) as exited:
        patched.setattr(connections, "close_all", lambda: None)
        Command().run_from_argv(argv)
    out, err = capfd.readouterr()
    return exited.value.code, out, err.splitlines()


def test_from_a_shell_an_unknown_programme_is_one_line_on_stderr(tmp_path, users, capfd):
    path = write_roster(tmp_path, HEADER + family("SITI"))
    code, out, err = from_shell(capfd, "--program", "PKHX", path)
    assert code == 1 and out == ""
    assert err == [
        "Tidak ada program PKHX. Kode yang dikenal: BANSOSPROV, BLTDESA, BPNT, BST, DTKS, "
        "DTSEN, JPSKAB, PKH, SEMBAKO."
    ]
    assert not RosterVersion.objects.exists()


def test_from_a_shell_a_missing_file_is_one_line_on_stderr(tmp_path, users, capfd):
    missing = tmp_path / "hilang.csv"
    code, out, err = from_shell(capfd, "--program", "PKH", missing)
    assert (code, out, err) == (1, "", [f"{missing} bukan berkas."])
    assert not RosterVersion.objects.exists()


def test_from_a_shell_a_roster_without_nik_or_kk_column_is_refused_as_on_the_page(
    tmp_path, users, roster, capfd
):
    path = write_roster(tmp_path, "NAMA;ALAMAT;DESA\nSITI;KRAJAN;SINDURJAN\n", "data.csv")
    code, out, err = from_shell(capfd, "--program", "PKH", path)
    assert code == 1 and err == [NO_ID_COLUMN.format(name="data.csv")]
    assert out.startswith("Mengimpor data.csv sebagai PKH Maret 2027...")
    assert RosterVersion.objects.get(period="Maret 2027").status == "failed"
    assert Program.objects.get(code="PKH").active_version == roster


def test_the_command_reports_progress_per_chunk_on_stdout(tmp_path, users, monkeypatch):
    monkeypatch.setattr(rosters, "CHUNK_ROWS", 2)
    monkeypatch.setattr(bulk.load, "CHUNK_ROWS", 2)
    rows = [family(name) for name in ("SITI", "BUDI", "WATI", "JOKO")] + [family("X", nik="1")]
    path = write_roster(tmp_path, HEADER + "".join(rows))
    out, err = io.StringIO(), io.StringIO()
    options = {"program": "PKH", "period": "Maret 2027", "user": "staf"}
    with translation.override("id"):
        call_command("import_roster", str(path), **options, stdout=out, stderr=err)
    lines = [line.rstrip() for line in out.getvalue().splitlines()]
    progress = [line for line in lines if "baris dibaca" in line]
    assert progress[-1] == "5 baris dibaca, 5 tersimpan, 1 bermasalah"
    if connection.vendor != "postgresql":  # PostgreSQL reads the whole file before storing
        assert progress == [
            "2 baris dibaca, 2 tersimpan, 0 bermasalah",
            "4 baris dibaca, 4 tersimpan, 0 bermasalah",
            "5 baris dibaca, 5 tersimpan, 1 bermasalah",
        ]
    assert lines[0] == "Mengimpor pkh.csv sebagai PKH Maret 2027..."
    assert lines.index(progress[-1]) < lines.index("Baris tersimpan: 5")
    assert "Baris dengan nomor identitas rusak: 1" in lines
    assert err.getvalue() == ""
    version = RosterVersion.objects.get(period="Maret 2027")
    assert (version.status, version.imported_by) == ("active", users["staff"])
