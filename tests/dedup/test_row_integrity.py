"""Every data row of a proposal file comes back once, in its place, with every repeat linked:
the result staff pay or refuse families from (`manage.py dedup_files`, data contract §3)."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from programs.models import ProposalRow
from tests.conftest import make_nik, make_no_kk
from tests.dedup.test_dedup_files import HEADER, family, results, write

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("run_on_commit")]


def check(tmp_path, rows, *, rosters=(), title="DAFTAR USULAN"):
    proposals = write(tmp_path / "usulan.csv", HEADER, rows, title=title)
    output = tmp_path / "hasil.csv"
    call_command(
        "dedup_files",
        proposals=str(proposals),
        roster=[f"{code}={path}" for code, path in rosters],
        output=str(output),
    )
    return results(output)


def roster(tmp_path, code, rows):
    header = ["NOMOR KK", "NOMOR NIK", "NAMA", "JnsKel", "ALAMAT", "RT", "RW"]
    return code, write(tmp_path / f"{code}.csv", [*header, "DESA/KELURAHAN", "NMKEC"], rows)


def test_a_head_whose_nik_equals_another_familys_no_kk_is_kept_and_later_rows_keep_their_place(
    tmp_path, users, regions
):
    # Both numbers are region + date + serial: a card issued on 1 January 2020 and a man born
    # that day in the same kecamatan can share all 16 digits.
    kk = make_no_kk()
    found = check(
        tmp_path,
        [
            family(kk, make_nik(), "SLAMET"),
            family(make_no_kk(), kk, "TUGIMAN"),  # his NIK is row 1's No. KK
            family(make_no_kk(), make_nik(), "PAINEM", sex="P"),
        ],
    )
    assert [(r["row"], r["status"]) for r in found] == [("1", "new"), ("2", "new"), ("3", "new")]
    assert ProposalRow.objects.filter(name="TUGIMAN").exists()


def test_a_family_proposed_twice_and_on_a_roster_names_the_roster_and_its_earlier_row(
    tmp_path, users, regions
):
    kk, nik = make_no_kk(), make_nik()
    found = check(
        tmp_path,
        [
            family(kk, nik, "SLAMET RIYADI"),
            family(make_no_kk(), make_nik(), "TUKINEM", sex="P"),
            family(kk, nik, "Slamet Riyadi", alamat="DSN KRAJAN"),  # the agency's listing
        ],
        rosters=[
            roster(
                tmp_path,
                "DTSEN",
                [[kk, nik, "SLAMET RIYADI", "L", "KRAJAN", "2", "5", "SINDURJAN", "PURWOREJO"]],
            )
        ],
    )
    assert (found[0]["status"], found[0]["matches"]) == ("in_roster", "DTSEN:1")
    assert (found[2]["status"], found[2]["programs"]) == ("in_roster", "DTSEN")
    assert found[2]["matches"] == "DTSEN:1;USULAN:1"
    # The operator still reads "listed twice" on their own row.
    again = ProposalRow.objects.get(row_number=3)
    assert again.status == "invalid" and "baris 1" in again.problems[0]["message"]


def test_a_repeat_found_by_the_intake_is_a_duplicate_linked_to_its_earlier_row(
    tmp_path, users, regions
):
    kk, nik = make_no_kk(), make_nik()
    found = check(
        tmp_path,
        [
            family(kk, nik, "SRI WAHYUNI", sex="P"),
            family(make_no_kk(), nik, "SRI WAHYUNI", sex="P"),
        ],
    )
    assert (found[1]["status"], found[1]["matches"]) == ("duplicate_in_batch", "USULAN:1")


def test_a_refused_row_still_says_on_which_roster_the_family_is(tmp_path, users, regions):
    kk, nik = make_no_kk(), make_nik()
    damaged = nik[:6] + "35" + nik[8:]  # a slip that makes the birth day 35
    found = check(
        tmp_path,
        [family(kk, damaged, "SLAMET RIYADI")],
        rosters=[
            roster(
                tmp_path,
                "PKH",
                [[kk, nik, "SLAMET RIYADI", "L", "KRAJAN", "2", "5", "SINDURJAN", "PURWOREJO"]],
            )
        ],
    )
    assert (found[0]["status"], found[0]["programs"], found[0]["matches"]) == (
        "invalid", "PKH", "PKH:1")  # fmt: skip
    assert found[0]["reason"].startswith("NIK") and "No. KK sama" in found[0]["reason"]


def test_a_header_repeated_mid_file_is_a_refused_row_and_nothing_shifts(tmp_path, users, regions):
    found = check(
        tmp_path,
        [
            family(make_no_kk(), make_nik(), "SLAMET"),
            HEADER,
            family(make_no_kk(), make_nik(), "PAINEM", sex="P"),
        ],
    )
    assert [(r["row"], r["status"]) for r in found] == [
        ("1", "new"), ("2", "invalid"), ("3", "new")]  # fmt: skip
    assert "judul kolom" in found[1]["reason"]
    assert ProposalRow.objects.get(name="PAINEM").row_number == 3


# --- Any file: one result row per data row, in order -----------------------------------------

_born = st.dates(datetime.date(1940, 1, 1), datetime.date(2005, 12, 28))
_kinds = st.sampled_from(["new", "exact_repeat", "fuzzy_repeat", "nik_is_kk", "damaged", "blank",
                          "header", "empty_name"])  # fmt: skip


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(kinds=st.lists(_kinds, min_size=1, max_size=14), born=_born, title=st.booleans())
def test_any_file_gives_one_result_row_per_data_row_in_its_order(
    tmp_path_factory, users, regions, kinds, born, title
):
    tmp_path = tmp_path_factory.mktemp("file")
    rows, families = [], []
    for kind in kinds:
        if kind == "blank":
            rows.append([""] * len(HEADER))
            continue
        if kind == "header":
            rows.append(HEADER)
        elif kind in ("exact_repeat", "fuzzy_repeat") and families:
            kk, nik, name = families[-1]
            name = name if kind == "exact_repeat" else name.lower() + "H"
            rows.append(family(kk, nik, name))
        elif kind == "nik_is_kk" and families:
            rows.append(family(make_no_kk(), families[-1][0], "TUGIMAN"))
        elif kind == "damaged":
            rows.append(family(make_no_kk()[:15], f"{make_nik()[:-2]}E+15", "PAIJO"))
        elif kind == "empty_name":
            rows.append(family(make_no_kk(), make_nik(), ""))
        else:
            families.append((make_no_kk(), make_nik(born=born), f"WARGA {len(families)}"))
            rows.append(family(*families[-1]))
    data_rows = sum(1 for row in rows if any(row))
    if not data_rows:
        return
    found = check(tmp_path, rows, title="DAFTAR USULAN" if title else "")
    assert [int(r["row"]) for r in found] == list(range(1, data_rows + 1))
    assert all(r["status"] for r in found)


def test_a_result_missing_a_row_of_the_file_is_refused_and_nothing_is_written(
    tmp_path, users, regions, monkeypatch
):
    # Were a row ever lost between the file and the result, staff must not get the file.
    monkeypatch.setattr(
        "dedup.management.commands.dedup_files.Command.rows_not_stored", lambda self, up: {}
    )
    rows = [
        family(make_no_kk(), make_nik(), "SLAMET"),
        HEADER,
        family(make_no_kk(), make_nik(), "PAINEM"),
    ]
    with pytest.raises(CommandError, match=r"3 baris dibaca, 2 hasil; hilang \[2\]"):
        check(tmp_path, rows)
    assert not (tmp_path / "hasil.csv").exists()


def test_a_refused_row_names_no_doubtful_match(tmp_path, users, regions):
    # Its NIK lost a digit in Excel; PKH lists a SLAMET of the same RT without any number: a
    # person could decide, but not before the row is fixed.
    pkh = roster(tmp_path, "PKH", [["", "", "SLAMET", "L", "", "2", "5", "SINDURJAN", "PURWOREJO"]])
    found = check(tmp_path, [family(make_no_kk(), make_nik()[:15], "SLAMET")], rosters=[pkh])
    assert (found[0]["status"], found[0]["matches"], found[0]["score"]) == ("invalid", "", "")
    assert found[0]["reason"].startswith("NIK berisi 15 digit")
    assert found[0]["reason"].endswith("oleh Excel; periksa kartunya.")  # the reason alone
