"""Fast checks of the field-realistic benchmark generator and scorer (benchmarks/field_data.py).

No database, no Django: the generator is standalone and loaded from its path.
"""

import csv
import importlib.util
import json
import pathlib
import re
from collections import defaultdict

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("field_data", ROOT / "benchmarks" / "field_data.py")
fd = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fd)

SMALL = {"proposals": 300, "roster_rows": 3000, "seed": 11, "fmt": "csv", "repeat_header": "yes"}
ROSTER_DELIM = {"BPNT": "|", "BLTDESA": ";"}
NIK_HEADERS = {"nik", "nikkrt", "nikkepalakeluarga", "nomorindukkependudukan", "nomornik"}
KK_HEADERS = {"nokk", "nomorkk", "nomorkartukeluarga"}


def fold(header):
    return re.sub(r"[\s._/]", "", header).lower()


def read_proposals(out):
    """Header row and data rows as the contract defines them (blank lines skipped)."""
    with open(out / "usulan.csv", newline="", encoding="utf-8") as fh:
        lines = list(csv.reader(fh))
    at = next(i for i, r in enumerate(lines) if any(fold(c) in NIK_HEADERS for c in r))
    data = [r for r in lines[at + 1 :] if any(c.strip() for c in r)]
    return lines[at], data


def read_truth(out):
    with open(out / "truth.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def read_roster(out, code):
    with open(out / f"{code}.csv", newline="", encoding="utf-8") as fh:
        lines = list(csv.reader(fh, delimiter=ROSTER_DELIM.get(code, ",")))
    at = next(i for i, r in enumerate(lines) if any(fold(c) in NIK_HEADERS for c in r))
    return lines[at], lines[at + 1 :]


def column(header, names):
    return next((i for i, h in enumerate(header) if fold(h) in names), None)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    out = tmp_path_factory.mktemp("field") / "a"
    meta = fd.generate(
        str(out),
        SMALL["proposals"],
        SMALL["roster_rows"],
        SMALL["seed"],
        SMALL["fmt"],
        SMALL["repeat_header"],
    )
    return out, meta


def perfect_result(truth, path):
    """A result CSV that says exactly what the truth says."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["row", "status", "programs", "matches", "score", "reason"])
        for t in truth:
            progs = [p for p in t["programs"].split(";") if p]
            matches = [f"{p}:1" for p in progs]
            matches += [f"USULAN:{r}" for r in t["earlier_rows"].split(";") if r]
            w.writerow(
                [
                    t["row"],
                    t["expected_status"],
                    t["programs"],
                    ";".join(matches),
                    "100" if matches else "",
                    "uji",
                ]
            )


def test_seed_reproduces_identical_bytes(small, tmp_path):
    out, _ = small
    again = tmp_path / "b"
    fd.generate(
        str(again),
        SMALL["proposals"],
        SMALL["roster_rows"],
        SMALL["seed"],
        SMALL["fmt"],
        SMALL["repeat_header"],
    )
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(p.name for p in again.iterdir())
    for name in names:
        assert (out / name).read_bytes() == (again / name).read_bytes(), name
    other = tmp_path / "c"
    fd.generate(str(other), 300, 3000, SMALL["seed"] + 1, "csv", "yes")
    assert (other / "usulan.csv").read_bytes() != (out / "usulan.csv").read_bytes()


def test_xlsx_is_reproducible_too(tmp_path):
    fd.generate(str(tmp_path / "x1"), 250, 2000, 5, "xlsx", "auto")
    fd.generate(str(tmp_path / "x2"), 250, 2000, 5, "xlsx", "auto")
    assert (tmp_path / "x1" / "usulan.xlsx").read_bytes() == (
        tmp_path / "x2" / "usulan.xlsx"
    ).read_bytes()
    assert not (tmp_path / "x1" / "usulan.csv").exists()


def test_truth_has_one_row_per_data_row(small):
    out, meta = small
    _, data = read_proposals(out)
    truth = read_truth(out)
    assert len(data) == len(truth) == SMALL["proposals"] == meta["proposals"]
    assert [int(t["row"]) for t in truth] == list(range(1, len(truth) + 1))
    assert list(truth[0]) == [
        "row",
        "family_id",
        "expected_status",
        "programs",
        "earlier_rows",
        "case",
    ]


def test_repeated_header_is_an_invalid_data_row(small):
    out, meta = small
    header, data = read_proposals(out)
    truth = read_truth(out)
    repeats = [t for t in truth if t["case"] == "header_repeat"]
    assert len(repeats) == 1
    t = repeats[0]
    assert t["expected_status"] == "invalid" and t["family_id"] == "" and t["programs"] == ""
    assert int(t["row"]) == meta["header_repeat_row"]
    assert data[int(t["row"]) - 1] == header
    assert 1 < int(t["row"]) < len(truth)


def test_expected_status_follows_the_contract(small):
    out, _ = small
    truth = read_truth(out)
    by_row = {int(t["row"]): t for t in truth}
    for t in truth:
        earlier = [int(r) for r in t["earlier_rows"].split(";") if r]
        for r in earlier:
            assert r < int(t["row"]) and by_row[r]["family_id"] == t["family_id"]
        if t["case"] in ("excel_damage", "empty_name", "header_repeat"):
            assert t["expected_status"] == "invalid"
        elif t["programs"]:
            assert t["expected_status"] == "in_roster"
        elif earlier:
            assert t["expected_status"] == "duplicate_in_batch"
        else:
            assert t["expected_status"] == "new"
    # some invalid rows still have programmes (the family is on a roster)
    assert {t["expected_status"] for t in truth} == {
        "new",
        "in_roster",
        "duplicate_in_batch",
        "invalid",
    }


def test_every_case_appears(small):
    out, meta = small
    cases = {t["case"] for t in read_truth(out)}
    assert cases == set(fd.CASES)
    assert all(meta["cases"][c] >= 1 for c in fd.CASES)


def test_niks_are_structurally_valid_except_damaged_cases(small):
    from lokal.nik import parse_nik

    out, _ = small
    header, data = read_proposals(out)
    nik_i = column(header, NIK_HEADERS)
    damaged = fd.NIK_DAMAGED_CASES | {"header_repeat"}
    for row, t in zip(data, read_truth(out), strict=True):
        if t["case"] not in damaged:
            assert parse_nik(row[nik_i]).valid, (t, row[nik_i])
    for code in fd.ROSTERS:
        rheader, rows = read_roster(out, code)
        i = column(rheader, NIK_HEADERS)
        assert rows and all(parse_nik(r[i]).valid for r in rows), code


def test_identifiers_only_hit_the_rosters_the_truth_names(small):
    """No accidental collisions: a proposal's sound NIK / No. KK is found only on its own
    family's rosters, and an `exact` row is found on all of them."""
    out, meta = small
    header, data = read_proposals(out)
    nik_i, kk_i = column(header, NIK_HEADERS), column(header, KK_HEADERS)
    nik_on, kk_on = defaultdict(set), defaultdict(set)
    total = 0
    for code in fd.ROSTERS:
        rheader, rows = read_roster(out, code)
        ni, ki = column(rheader, NIK_HEADERS), column(rheader, KK_HEADERS)
        total += len(rows)
        for r in rows:
            nik_on[r[ni]].add(code)
            if ki is not None:
                kk_on[r[ki]].add(code)
    assert total == SMALL["roster_rows"] == meta["roster_rows"]
    for row, t in zip(data, read_truth(out), strict=True):
        if t["case"] == "header_repeat":
            continue
        progs = {p for p in t["programs"].split(";") if p}
        hit = nik_on.get(row[nik_i], set()) | kk_on.get(row[kk_i], set())
        assert hit <= progs, t
        if t["case"] == "exact":
            assert hit == progs, t
        if t["case"] != "nik_equals_other_kk":
            assert not (kk_on.get(row[nik_i]) or nik_on.get(row[kk_i])), t


def test_scorer_gives_full_marks_to_the_truth(small, tmp_path):
    out, _ = small
    truth = read_truth(out)
    perfect_result(truth, tmp_path / "result.csv")
    s = fd.score(str(out / "truth.csv"), str(tmp_path / "result.csv"))
    assert s["integrity"]["ok"] is True
    assert s["integrity"]["missing"] == s["integrity"]["extra"] == 0
    assert s["roster"]["precision"] == s["roster"]["recall"] == 1.0
    assert s["roster"]["truth_pairs"] > 0
    assert s["repeats"]["precision"] == s["repeats"]["recall"] == 1.0
    assert s["repeats"]["true_repeat_rows"] > 0
    assert s["invalid"]["precision"] == s["invalid"]["recall"] == 1.0
    assert s["review_share"] == 0.0
    assert all(c["right"] == 1.0 for c in s["cases"].values())


def test_scorer_catches_a_dropped_and_a_renumbered_row(small, tmp_path):
    out, _ = small
    truth = read_truth(out)
    perfect_result(truth, tmp_path / "full.csv")
    with open(tmp_path / "full.csv", newline="", encoding="utf-8") as fh:
        lines = list(csv.reader(fh))
    header, body = lines[0], lines[1:]

    def write(name, rows):
        with open(tmp_path / name, "w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows([header, *rows])
        return fd.score(str(out / "truth.csv"), str(tmp_path / name))

    dropped = write("dropped.csv", body[:40] + body[41:])
    assert dropped["integrity"]["missing"] == 1 and dropped["integrity"]["ok"] is False
    renumbered = [list(r) for r in body]
    renumbered[40][0] = str(len(body) + 5)
    s = write("renumbered.csv", renumbered)
    assert s["integrity"]["missing"] == 1 and s["integrity"]["extra"] == 1
    assert s["integrity"]["out_of_order"] == 1 and s["integrity"]["ok"] is False
    swapped = [list(r) for r in body]
    swapped[10], swapped[11] = swapped[11], swapped[10]
    s = write("swapped.csv", swapped)
    assert s["integrity"]["out_of_order"] == 1 and s["integrity"]["missing"] == 0
    assert s["integrity"]["ok"] is False


def test_scorer_counts_wrong_links_and_programmes(small, tmp_path):
    out, _ = small
    truth = read_truth(out)
    perfect_result(truth, tmp_path / "r.csv")
    with open(tmp_path / "r.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    new_row = next(r for r in rows if r["status"] == "new" and int(r["row"]) > 5)
    new_row.update(status="in_roster", programs="DTSEN", matches="DTSEN:3;USULAN:1")
    rep = next(r for r in rows if r["status"] == "duplicate_in_batch")
    rep.update(status="new", matches="")
    with open(tmp_path / "r.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    s = fd.score(str(out / "truth.csv"), str(tmp_path / "r.csv"))
    assert s["integrity"]["ok"] is True
    assert s["roster"]["precision"] < 1.0 and s["roster"]["recall"] == 1.0
    assert s["repeats"]["precision"] < 1.0 and s["repeats"]["recall"] < 1.0


def test_score_cli_prints_json_last(small, tmp_path, capsys):
    out, _ = small
    perfect_result(read_truth(out), tmp_path / "r.csv")
    assert (
        fd.main(
            [
                "score",
                "--truth",
                str(out / "truth.csv"),
                "--result",
                str(tmp_path / "r.csv"),
                "--json",
            ]
        )
        == 0
    )
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert json.loads(last)["integrity"]["ok"] is True
