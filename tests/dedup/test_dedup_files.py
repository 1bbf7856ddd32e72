"""The offline cross-check (`manage.py dedup_files`): files in, the contract's result CSV out,
through the intake, the Celery tasks (in-process here) and the same pipeline as the browser."""

import csv
import datetime
import json
from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from dedup.models import ReviewPair, Run
from tests.conftest import make_nik, make_no_kk

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("run_on_commit")]


HEADER = ["NO KK", "NIK KEPALA KELUARGA", "NAMA KRT", "L/P", "TGL LAHIR", "ALAMAT", "RT", "RW"]
HEADER += ["DESA/KELURAHAN", "KEC"]


def write(path, header, rows, title="DAFTAR USULAN PENERIMA JPS KABUPATEN PURWOREJO"):
    with open(path, "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        if title:
            writer.writerows([[title], []])
        writer.writerows([header, *rows])
    return path


def family(kk, nik, name, sex="L", born="12-03-1980", alamat="DUSUN KRAJAN", rt="2", rw="5"):
    return [kk, nik, name, sex, born, alamat, rt, rw, "SINDURJAN", "PURWOREJO"]


def results(path):
    with open(path, encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def test_each_kind_of_family_gets_its_status_programmes_and_reason(tmp_path, users, regions):
    exact, husband, twice = (make_nik() for _ in range(3))
    typo = make_nik(born=datetime.date(1971, 7, 7))  # one slip from it is nobody else's
    kk_exact, kk_family, kk_typo, kk_twice = (make_no_kk() for _ in range(4))
    wife = make_nik(born=datetime.date(1982, 1, 5), female=True)
    typed = typo[:-1] + ("1" if typo[-1] != "1" else "2")
    proposals = write(
        tmp_path / "usulan.csv",
        HEADER,
        [
            family(kk_exact, exact, "SLAMET RIYADI"),  # 1: on PKH as it is
            family(kk_family, husband, "SUPARNO"),  # 2: his wife heads the family on PKH
            family(kk_typo, typed, "Moch. Rochmat"),  # 3: NIK mistyped, on BST
            family(make_no_kk(), make_nik(), "TUKINEM", sex="P"),  # 4: on no roster
            family(kk_twice, twice, "SRI WAHYUNI", sex="P"),  # 5
            family(kk_twice, twice, "Sri Wahyuni", sex="P"),  # 6: row 5 again (an agency)
            family(make_no_kk()[:15], make_nik(), "PAINEM", sex="P"),  # 7: No. KK of 15 digits
        ],
    )
    roster_header = ["NOMOR KK", "NOMOR NIK", "NAMA", "JnsKel", "ALAMAT", "RT", "RW"]
    place = ["SINDURJAN", "PURWOREJO"]
    pkh = write(
        tmp_path / "pkh.csv",
        [*roster_header, "DESA/KELURAHAN", "NMKEC"],
        [
            [kk_exact, exact, "SLAMET RIYADI", "L", "DSN KRAJAN", "002", "005", *place],
            [kk_family, wife, "SITI AMINAH", "P", "DSN KRAJAN", "002", "005", *place],
        ],
        title="DATA PKH",
    )
    bst = write(tmp_path / "bst.csv", ["NIK", "NAMA"], [[typo, "MUHAMMAD ROCHMAT"]], title="")
    output = tmp_path / "hasil.csv"

    call_command(
        "dedup_files",
        proposals=str(proposals),
        roster=[f"PKH={pkh}", f"BST={bst}"],
        output=str(output),
        summary=str(tmp_path / "summary.json"),
    )

    found = {int(r["row"]): r for r in results(output)}
    assert list(found) == [1, 2, 3, 4, 5, 6, 7]  # every data row, in the file's order
    assert found[1] == {
        "row": "1",
        "status": "in_roster",
        "programs": "PKH",
        "matches": "PKH:1",
        "score": "100",
        "reason": "NIK sama + nama sama",
    }
    assert (found[2]["status"], found[2]["matches"]) == ("in_roster", "PKH:2")
    assert found[2]["reason"] == "No. KK sama, kepala keluarga berbeda (istri)"
    assert (found[3]["status"], found[3]["programs"], found[3]["matches"]) == (
        "review",
        "",
        "BST:1",
    )  # BST has only NIK and name: one digit off and nothing else to vouch for it
    assert found[3]["reason"] == "NIK beda 1 digit + nama sama"
    assert (found[4]["status"], found[4]["score"], found[4]["reason"]) == ("new", "", "")
    assert found[5]["status"] == "new"
    assert (found[6]["status"], found[6]["matches"], found[6]["score"]) == (
        "duplicate_in_batch",
        "USULAN:5",
        "100",
    )
    assert found[7]["status"] == "invalid" and "15 digit" in found[7]["reason"]

    # The summary a script reads: the result's counts, and how long each step took.
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["rows"] == 7
    assert summary["statuses"] == Counter(r["status"] for r in found.values())
    assert summary["statuses"] == {
        "new": 2, "in_roster": 2, "duplicate_in_batch": 1, "review": 1, "invalid": 1
    }  # fmt: skip
    steps = summary["seconds"]
    assert 0 < steps["files_ready"] <= steps["cross_checked"] <= steps["written"]

    run = Run.objects.get()
    assert run.status == Run.Status.DONE and run.rows_done == run.rows_total == 7
    assert set(run.roster_versions.values_list("program__code", flat=True)) == {"PKH", "BST"}
    pair = ReviewPair.objects.get()  # the doubtful one waits for a person
    assert (pair.proposal_row.row_number, pair.roster_row.nik, pair.score) == (3, typo, 80)


def test_a_decision_taken_in_review_is_not_asked_again(tmp_path, users, regions):
    nik = make_nik()
    typed = nik[:-1] + ("1" if nik[-1] != "1" else "2")
    proposals = write(tmp_path / "u.csv", HEADER, [family(make_no_kk(), typed, "SLAMET")])
    bst = write(tmp_path / "bst.csv", ["NIK", "NAMA"], [[nik, "SLAMET"]], title="")
    options = {"roster": [f"BST={bst}"], "output": str(tmp_path / "r.csv")}
    call_command("dedup_files", proposals=str(proposals), **options)
    assert results(tmp_path / "r.csv")[0]["status"] == "review"
    pair = ReviewPair.objects.get()
    pair.same_family, pair.decided_by = True, users["staff"]
    pair.decided_at = datetime.datetime.now(datetime.UTC)
    pair.save()

    call_command("dedup_files", proposals=str(proposals), **options)
    again = results(tmp_path / "r.csv")[0]
    assert (again["status"], again["reason"]) == ("in_roster", "diputuskan sama oleh petugas")
    assert ReviewPair.objects.count() == 1  # nothing new to ask


def test_unknown_programme_and_missing_file_are_refused_before_anything_is_read(tmp_path):
    proposals = write(tmp_path / "u.csv", HEADER, [])
    with pytest.raises(CommandError, match="ATLANTIS"):
        call_command(
            "dedup_files",
            proposals=str(proposals),
            roster=[f"ATLANTIS={proposals}"],
            output=str(tmp_path / "r.csv"),
        )
    with pytest.raises(CommandError, match=r"nothing\.csv"):
        call_command(
            "dedup_files", proposals=str(tmp_path / "nothing.csv"), output=str(tmp_path / "r")
        )
    assert not Run.objects.exists()


def test_a_proposal_file_the_intake_refuses_stops_the_command_with_its_reason(tmp_path, regions):
    proposals = write(tmp_path / "u.csv", ["NOMOR", "KETERANGAN"], [["1", "x"]])
    with pytest.raises(CommandError, match="tidak memiliki baris judul kolom yang dikenali"):
        call_command("dedup_files", proposals=str(proposals), output=str(tmp_path / "r.csv"))
    assert not (tmp_path / "r.csv").exists() and not Run.objects.exists()
