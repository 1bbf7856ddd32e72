"""The dedup benchmark's data generator and scorer (benchmarks/dedup_data.py). No database: a
small district (300 proposals, 3,000 roster rows) is written once into a temporary folder."""

import csv
import importlib.util
import random
import re
import sys
from collections import Counter
from pathlib import Path

import pytest

from households.identity import check_nik, check_no_kk
from programs.intake.headers import canonical

MODULE_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "dedup_data.py"


def _load_module():
    # benchmarks/ is not a package. The module is registered before it runs because dataclasses
    # look their own module up while a class is being made.
    spec = importlib.util.spec_from_file_location("bansos_bench_dedup_data", MODULE_PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


dd = _load_module()

PROPOSALS, ROSTER_ROWS, SEED = 300, 3_000, 2026


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    out = tmp_path_factory.mktemp("dedup")
    summary = dd.generate(out, proposals=PROPOSALS, roster_rows=ROSTER_ROWS, seed=SEED)
    return out, summary


@pytest.fixture(scope="module")
def labels(district):
    return _read_dicts(district[0] / "labels.csv")


@pytest.fixture(scope="module")
def proposal_file(district):
    rows = _read(district[0] / "usulan.csv")
    header_at = next(i for i, row in enumerate(rows) if len(row) > 5)
    return rows[:header_at], rows[header_at], rows[header_at + 1 :]


@pytest.fixture(scope="module")
def proposals(proposal_file):
    """Data rows by row number, keyed by the contract's column names."""
    _, header, rows = proposal_file
    names = [_variant_column(cell) for cell in header]
    return {number: dict(zip(names, row, strict=True)) for number, row in enumerate(rows, start=1)}


@pytest.fixture(scope="module")
def rosters(district):
    """Each programme's data rows, keyed by the contract's column names."""
    found = {}
    for code, layout in dd.ROSTERS.items():
        rows = _read(district[0] / f"{code}.csv", layout.delimiter)
        assert [row[0] for row in rows[: len(layout.title)]] == list(layout.title)
        assert rows[len(layout.title)] == list(layout.header)
        data = rows[len(layout.title) + 1 :]
        found[code] = [dict(zip(layout.columns, row, strict=True)) for row in data]
    return found


def _read(path, delimiter=","):
    with open(path, encoding="utf-8", newline="") as file:
        return list(csv.reader(file, delimiter=delimiter))


def _read_dicts(path):
    with open(path, encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def _write_result(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=dd.RESULT_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _variant_column(header):
    return next(column for column, variants in dd.PROPOSAL_COLUMNS if header in variants)


def _desa(text):
    return re.sub(r"^(DS\.|KEL\.|DESA|KELURAHAN)\s+", "", text.upper())


def _nik_distance(a, b):
    """1 for one wrong digit or two neighbouring digits swapped, else None."""
    diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    if len(diff) == 1:
        return 1
    if (
        len(diff) == 2
        and diff[1] == diff[0] + 1
        and (a[diff[0]], a[diff[1]]) == (b[diff[1]], b[diff[0]])
    ):
        return 1
    return None


# --- what is generated ------------------------------------------------------------------------


def test_every_case_of_the_issue_is_in_the_labels_with_its_status(district, labels):
    cases = Counter(label["case"] for label in labels)
    assert set(cases) == set(dd.CASES)
    assert cases == dd.case_counts(PROPOSALS) == district[1]["cases"]
    assert cases["new"] > PROPOSALS / 2  # most proposed families are on no roster
    for label in labels:
        assert label["expected_status"] == dd.CASE_STATUS[label["case"]]
        assert bool(label["programs"]) == (label["expected_status"] == "in_roster")
        assert bool(label["duplicate_of"]) == (label["case"] == "proposed_twice")
    assert [int(label["row"]) for label in labels] == list(range(1, PROPOSALS + 1))


def test_case_counts_follow_the_shares_and_need_a_row_per_case():
    counts = dd.case_counts(71_000)
    assert counts["exact"] == 7_100
    assert counts["proposed_twice_first"] == counts["proposed_twice"] == 2_130
    assert counts["new"] == 43_310
    assert sum(counts.values()) == 71_000
    with pytest.raises(ValueError, match="at least 20 proposals"):
        dd.case_counts(19)


def test_proposal_file_has_title_rows_and_header_variants_the_product_understands(
    proposal_file,
):
    titles, header, rows = proposal_file
    assert 1 <= len(titles) <= 3
    assert titles[0] == [dd.TITLE]
    assert len(rows) == PROPOSALS
    assert [row[0] for row in rows] == [str(n) for n in range(1, PROPOSALS + 1)]
    for cell, (column, variants) in zip(header, dd.PROPOSAL_COLUMNS, strict=True):
        assert cell in variants
        assert canonical(cell) == (None if column == "no" else column), cell


def test_rosters_have_their_sizes_delimiters_and_only_valid_unique_numbers(district, rosters):
    sizes = district[1]["rosters"]
    assert sum(sizes.values()) == ROSTER_ROWS
    assert sizes["DTSEN"] == ROSTER_ROWS * 0.6
    assert set(rosters["BST"][0]) == {"nik", "nama"}
    assert (district[0] / "BPNT.csv").read_text().splitlines()[0].count("|") == 6
    for code, rows in rosters.items():
        assert len(rows) == sizes[code]
        niks = [row["nik"] for row in rows]
        assert all(re.fullmatch(r"3306(0[1-9]|1[0-6])\d{10}", nik) for nik in niks), code
        assert len(set(niks)) == len(niks), code
    assert {row["desil"] for row in rosters["DTSEN"]} <= {str(n) for n in range(1, 11)}


def test_common_names_are_shared_so_a_name_alone_proves_nothing(rosters):
    names = Counter(row["nama"] for row in rosters["DTSEN"])
    assert names["SLAMET"] > len(rosters["DTSEN"]) * 0.03
    assert sum(count for count in names.values() if count >= 10) > len(rosters["DTSEN"]) / 3


def test_the_truth_in_the_labels_is_what_the_files_hold(labels, proposals, rosters):
    by_nik = {code: {row["nik"]: row for row in rows} for code, rows in rosters.items()}
    kk_index = {
        code: {row["no_kk"] for row in rows} for code, rows in rosters.items() if "no_kk" in rows[0]
    }
    for label in labels:
        row, case = proposals[int(label["row"])], label["case"]
        programs = set(label["programs"].split(";")) - {""}
        for code in dd.PROGRAMS:
            listed = rosters[code]
            same_nik = by_nik[code].get(row["nik"])
            if code not in programs:
                if case != "nik_typo":  # the family's true NIK is not in the proposal
                    assert same_nik is None, (label, code)
                if case != "excel_damaged" and code in kk_index:
                    assert row["no_kk"] not in kk_index[code], (label, code)
                continue
            columns = listed[0].keys()
            if case == "exact":
                assert same_nik["nama"] == row["nama"]
                assert "no_kk" not in columns or same_nik["no_kk"] == row["no_kk"]
            elif case == "spouse_listed":
                husbands = [r for r in listed if r["no_kk"] == row["no_kk"]]
                assert len(husbands) == 1, label
                husband = husbands[0]
                assert husband["nik"] != row["nik"] and husband["nama"] != row["nama"]
                assert int(row["nik"][6:8]) > 40 >= int(husband["nik"][6:8])  # wife, husband
            elif case == "nik_typo":
                assert same_nik is None
                assert any(
                    r["nama"] == row["nama"] and _nik_distance(r["nik"], row["nik"]) == 1
                    for r in listed
                ), label
            elif case == "moved":
                where = ("desa", "rt", "alamat")
                assert "desa" not in columns or any(
                    _desa(same_nik[c]) != _desa(row[c]) for c in where if c in columns
                ), label
            elif case == "kk_reissued":
                assert "no_kk" not in columns or same_nik["no_kk"] != row["no_kk"]
            elif case == "spelling":
                assert same_nik["nama"] != row["nama"]
                assert dd.name_key(same_nik["nama"]) == dd.name_key(row["nama"])
            else:
                pytest.fail(f"{case} rows are on no roster")
        if case == "same_name_other_family":
            assert any(
                r["nama"] == row["nama"]
                and r["nik"] != row["nik"]
                and _desa(r["desa"]) == _desa(row["desa"])
                for code in ("DTSEN", "PKH", "BPNT", "BLTDESA")
                for r in rosters[code]
            ), label
        if case == "father_and_son":
            assert any(
                r["nama"] in row["nama"].split(" ", 1) + row["nama"].rsplit(" ", 1)
                and int(r["rt"]) == int(row["rt"])
                and _desa(r["desa"]) == _desa(row["desa"])
                and r["no_kk"] != row["no_kk"]
                for code in ("DTSEN", "PKH", "BLTDESA")
                for r in rosters[code]
            ), label
        if case == "proposed_twice":
            first = proposals[int(label["duplicate_of"])]
            first_label = labels[int(label["duplicate_of"]) - 1]
            assert int(label["duplicate_of"]) < int(label["row"])
            assert first_label["case"] == "proposed_twice_first"
            assert first_label["family_id"] == label["family_id"]
            assert (first["nik"], first["no_kk"]) == (row["nik"], row["no_kk"])
            assert first["sumber"].startswith(("DESA ", "KELURAHAN "))
            assert row["sumber"].startswith("Dinas ") and row["sektor"]
        if case == "excel_damaged":
            assert "E+" in row["nik"] + row["no_kk"] or 15 in (len(row["nik"]), len(row["no_kk"]))


def test_generation_is_deterministic_for_a_seed(tmp_path):
    for folder, seed in (("a", 7), ("b", 7), ("c", 8)):
        dd.generate(tmp_path / folder, proposals=60, roster_rows=600, seed=seed)
    for name in ("usulan.csv", "labels.csv", *(f"{code}.csv" for code in dd.PROGRAMS)):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert (tmp_path / "a" / "usulan.csv").read_bytes() != (
        tmp_path / "c" / "usulan.csv"
    ).read_bytes()


def test_xlsx_proposal_file_holds_the_same_families_under_its_title_rows(tmp_path):
    from openpyxl import load_workbook

    dd.generate(tmp_path / "csv", proposals=40, roster_rows=400, seed=3)
    dd.generate(tmp_path / "xlsx", proposals=40, roster_rows=400, seed=3, fmt="xlsx")
    labels = (tmp_path / "csv" / "labels.csv").read_bytes()
    assert (tmp_path / "xlsx" / "labels.csv").read_bytes() == labels
    rows = _read(tmp_path / "csv" / "usulan.csv")
    workbook = load_workbook(tmp_path / "xlsx" / "usulan.xlsx", read_only=True)
    sheet = workbook.active
    cells = [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    header_at = next(i for i, row in enumerate(rows) if len(row) > 5)
    assert cells[0][0] == dd.TITLE
    assert cells[header_at] == rows[header_at]
    assert [row[1:4] for row in cells[header_at + 1 :]] == [
        row[1:4] for row in rows[header_at + 1 :]
    ]


@pytest.mark.parametrize("female", [True, False])
def test_a_mistyped_nik_is_well_formed_one_digit_away_and_nobody_elses(female):
    population = dd.Population(random.Random(1))
    head, _ = population.household(female_head=female)
    for _ in range(40):
        typed = population.mistyped(head.nik)
        assert _nik_distance(typed, head.nik) == 1
        checked = check_nik(typed)
        assert checked.ok, (typed, checked.errors)
        assert checked.sex == head.sex
        assert population.last_serial[typed[:12]] >= int(typed[12:])  # reserved: never issued


def test_every_number_is_valid_except_the_excel_damaged_ones(labels, proposals, rosters):
    for label in labels:
        row = proposals[int(label["row"])]
        valid = check_nik(row["nik"]).ok and check_no_kk(row["no_kk"]).ok
        assert valid == (label["case"] != "excel_damaged"), (label, row["nik"], row["no_kk"])
    for code, rows in rosters.items():
        assert all(check_nik(row["nik"]).ok for row in rows), code
        assert all(check_no_kk(row["no_kk"]).ok for row in rows if "no_kk" in row), code


@pytest.mark.parametrize(
    ("name", "female"),
    [("SUPARNO", False), ("MUHAMMAD ROCHMAT", False), ("SITI AMINAH", True), ("CIPTO", False)],
)
def test_a_spelling_variant_differs_but_folds_to_the_same_name(name, female):
    rng = random.Random(5)
    for _ in range(30):
        variant = dd.spelling_variant(name, female, rng)
        assert variant != name
        assert dd.name_key(variant) == dd.name_key(name)


# --- scoring ----------------------------------------------------------------------------------


def _perfect(labels):
    return [
        {
            "row": label["row"],
            "status": label["expected_status"],
            "programs": label["programs"],
            "matches": f"USULAN:{label['duplicate_of']}" if label["duplicate_of"] else "",
            "score": "" if label["expected_status"] in ("new", "invalid") else "100",
            "reason": "",
        }
        for label in labels
    ]


def test_a_perfect_result_scores_one(district, labels, tmp_path):
    result = _write_result(tmp_path / "result.csv", _perfect(labels))
    figures = dd.score(district[0] / "labels.csv", result)
    pairs = sum(len(label["programs"].split(";")) for label in labels if label["programs"])
    assert figures["roster"] == {
        "tp": pairs,
        "fp": 0,
        "fn": 0,
        "fn_in_review": 0,
        "precision": 1.0,
        "recall": 1.0,
    }
    assert figures["duplicates"]["precision"] == figures["duplicates"]["recall"] == 1.0
    assert figures["duplicates"]["tp"] == dd.case_counts(PROPOSALS)["proposed_twice"]
    assert figures["review"] == {"rows": 0, "share": 0.0, "by_truth": {}}
    assert figures["invalid"]["accuracy"] == 1.0
    assert all(c["right"] == c["rows"] for c in figures["cases"].values())
    assert (figures["missing_rows"], figures["extra_rows"], figures["unknown_status"]) == (0, 0, 0)


def test_a_false_positive_a_missed_match_and_a_row_in_review_are_counted_exactly(
    district, labels, tmp_path
):
    rows = _perfect(labels)
    new = next(r for r, label in zip(rows, labels, strict=True) if label["case"] == "new")
    single = [
        r
        for r, label in zip(rows, labels, strict=True)
        if label["expected_status"] == "in_roster" and ";" not in label["programs"]
    ]
    missed, reviewed = single[0], single[1]
    new.update(status="in_roster", programs="PKH", matches="PKH:12", score="91")
    missed.update(status="new", programs="", matches="", score="")
    reviewed.update(status="review", programs="", matches="DTSEN:40", score="70")
    result = _write_result(tmp_path / "result.csv", rows)

    figures = dd.score(district[0] / "labels.csv", result)

    pairs = sum(len(label["programs"].split(";")) for label in labels if label["programs"])
    tp = pairs - 2
    assert figures["roster"] == {
        "tp": tp,
        "fp": 1,
        "fn": 2,
        "fn_in_review": 1,
        "precision": tp / (tp + 1),
        "recall": tp / pairs,
    }
    assert figures["review"] == {"rows": 1, "share": 1 / PROPOSALS, "by_truth": {"in_roster": 1}}
    assert figures["duplicates"]["precision"] == figures["duplicates"]["recall"] == 1.0
    cases = figures["cases"]
    assert cases["new"]["right"] == cases["new"]["rows"] - 1
    wrong = Counter(
        label["case"] for label in labels if label["row"] in (missed["row"], reviewed["row"])
    )
    for case, count in wrong.items():
        assert cases[case]["right"] == cases[case]["rows"] - count


def test_a_duplicate_pointing_at_another_row_is_not_the_right_outcome(district, labels, tmp_path):
    rows = _perfect(labels)
    twice = next(
        r for r, label in zip(rows, labels, strict=True) if label["case"] == "proposed_twice"
    )
    twice["matches"] = "USULAN:1"
    rows.pop()  # and one row missing from the result
    figures = dd.score(district[0] / "labels.csv", _write_result(tmp_path / "r.csv", rows))
    assert figures["duplicates"]["tp"] == dd.case_counts(PROPOSALS)["proposed_twice"]
    assert (
        figures["cases"]["proposed_twice"]["right"]
        == figures["cases"]["proposed_twice"]["rows"] - 1
    )
    assert figures["missing_rows"] == 1


def test_the_score_command_prints_the_figures_beside_the_targets(
    district, labels, tmp_path, capsys
):
    result = _write_result(tmp_path / "result.csv", _perfect(labels))
    dd.main(["score", "--labels", str(district[0] / "labels.csv"), "--result", str(result)])
    printed = capsys.readouterr().out
    assert "precision 1.0000  target >= 0.995: met" in printed
    assert "recall    1.0000  target >= 0.98: met" in printed
    assert "Review: 0 rows, 0.00%  target < 2%: met" in printed
    assert "for recall its true matches count as missed" in printed
    assert re.search(r"spouse_listed\s+9 /\s+9", printed)
