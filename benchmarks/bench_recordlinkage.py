"""The Python Record Linkage Toolkit (`recordlinkage` 0.16) on the cross-check's files.

A second library baseline beside `bench_linkage_library.py` (Splink): the same files
(`dedup_data.py generate`), the result in the format of data contract section 3, scored by
`dedup_data.score` when a labels.csv is at hand. `recordlinkage` 0.16 wants pandas < 3 where the
project has pandas 3.1, so it lives in a venv of its own; this script imports neither Django nor
the project, only the standalone `benchmarks/contract_files.py` (the header row, the contract's
header variants, Excel cells, the data folder, the result file; shared with the Splink bench) and
`benchmarks/dedup_data.py` for its scorer (untimed):

    python3 -m venv /tmp/rl-venv && /tmp/rl-venv/bin/pip install recordlinkage openpyxl
    .venv/bin/python benchmarks/dedup_data.py generate --out /tmp/rl-dev \\
        --proposals 3000 --roster-rows 50000
    /tmp/rl-venv/bin/python benchmarks/bench_recordlinkage.py \\
        --data /tmp/rl-dev --output /tmp/rl-dev-result.csv --json
    /tmp/rl-venv/bin/python benchmarks/bench_recordlinkage.py \\
        --proposals usulan.xlsx --roster DTKS=dtks.csv --roster PKH=pkh.csv --output out.csv

(pip resolved recordlinkage 0.16 with pandas 2.3.3 and numpy 2.4.6 on Python 3.11; openpyxl is
only needed for an `.xlsx` proposal file.) --data DIR reads `usulan.csv` (or `usulan.xlsx`) and
every other `*.csv` of DIR as the roster of the programme its name gives (`DTSEN.csv` is DTSEN);
`labels.csv`, `truth.csv` and any file without a NIK column are not rosters. --proposals FILE and
--roster CODE=FILE name the files one by one (and add to or override what --data found).
Printed: the seconds of each step and in total (reading to writing), the peak RSS of this
process (`ru_maxrss`), and with --json one JSON object on the last line: "bench", "seconds",
"peak_rss_mb", "rows" (proposal data rows), plus the library versions, the pair counts and,
with labels, the scorer's figures under "score".

What the library gets: the setup a competent user makes from recordlinkage's documentation (the
"Link two datasets" and "Data deduplication" guides, the Index / Compare / classifier reference
and the "Classification algorithms" guide), not a port of our engine.

- Reading, as bench_linkage_library.py does: the header row is the first of the top 30 lines
  (or rows of the first sheet of an .xlsx) that names a NIK column; a CSV's delimiter is the
  most frequent of `, ; | tab` in that line; headers map to the contract's columns through the
  contract's variants, folded (upper case, without blanks . / _ -). Every line after the header
  is a data row numbered from 1, except blank lines (nothing in any cell), which are skipped and
  not counted; a header repeated mid-file is a data row, `invalid`. Excel cells: a date cell is
  the date; a whole number below 1e15 is its digits; a larger float (Excel's `3.30601E+15`) is
  kept as Excel shows it, so it is not 16 digits.
- Cleaning (pandas string methods): name, desa upper case, anything but letters to one blank;
  the address upper case, anything but letters and digits to one blank; NIK and No. KK digits
  only, and missing unless exactly 16 digits (a damaged number is not an identifier, so it
  neither blocks nor compares); RT and RW as numbers, from the address ("RT 04 RW 01") when the
  file has no RT/RW column, compared as one "RW/RT" value; dates in `dd-mm-yyyy`, `dd/mm/yyyy`,
  `yyyy-mm-dd`; sex as L/P (also LAKI-LAKI/PEREMPUAN, 1/2); the desa without a leading DS./DESA/
  KEL./KELURAHAN. No title stripping (H., Drs.), no old-spelling folding, no knowledge of how a
  NIK is built. The first name is the first word of the cleaned name.
- Proposal rows whose NIK or No. KK is not 16 digits are `invalid` (contract section 1: both are
  required, 16 digits, damage rejected); they are still linked on the fields they have (their
  identifiers are missing) and, when matched, name their programs and matches (a repeated
  header row holds no family and is not linked). The rosters are one DataFrame (programme code
  and data row kept beside each record).
- Indexing (`recordlinkage.Index`, three `block` algorithms, the union of their pairs): same NIK;
  same No. KK; same desa and first name. Linking: proposals x rosters. Deduplication: the
  proposals alone, where the library keeps one pair per two rows (later row, earlier row).
  Records with a missing blocking key are not blocked on it (the library drops them).
- Comparing (`recordlinkage.Compare`), ten features: NIK and No. KK each `exact` and `string`
  with method damerau_levenshtein at threshold 15/16 (the similarity is 1 - distance / length:
  one digit mistyped, or two neighbours swapped, in 16); the name `string` jarowinkler at 0.85
  and the address `string` (default levenshtein) at 0.85, both the thresholds of the library's
  "Link two datasets" guide; the date of birth `date` (1 same, 0.5 day and month swapped or
  June/July, Sept/Oct confused); sex, desa and RW/RT `exact`. A missing value compares as 0
  (disagreement), the library's default and the approach its classifier guide recommends, so a
  BST record (NIK and name only) disagrees on everything else.
- Classifying: `ECMClassifier(binarize=0.8)` as in the library's classifier guide (the string
  features are already 0/1; the date's 0.5 counts as disagreement), fitted unsupervised on the
  proposal-roster comparison vectors (default `init="jaro"`, max_iter 100), and the same fitted
  model's `prob` scores the proposal-proposal vectors, as the Splink bench reuses its model.
  No labels are used anywhere.
- Decisions, the thresholds of the Splink bench, set before any run and not tuned: a pair with
  probability >= --match (0.95) is a match, >= --review (0.50, the library's own
  `predict` cut) a possible match. A proposal with a roster match is `in_roster` (every matched
  record as CODE:row, and USULAN:row for each matched earlier row); else with a match to an
  earlier row `duplicate_in_batch`; else with a possible match of either kind `review`; else
  `new`. The score is 100 x the best probability; the reason names the agreeing features of the
  best pair.
- Scale: the blocks are used as they are, uncapped (--max-block-pairs, default 0 = no cap,
  drops the desa + first name blocks with more candidate pairs than that; NIK and No. KK
  blocks are never capped). `Compare(n_jobs=--jobs)`; the default 1 keeps all the work in this
  process, so its ru_maxrss is the whole peak.

Measured on the project's 2-core machine, the files of `dedup_data.py generate` (seed 2026):
3,000 x 50,000 in 1.2 s (peak RSS 217 MB, 9,638 + 409 candidate pairs); 71,000 x 1,000,000 in
151 s (read 16, index 3, compare 112, ECM 20) at 3.4 GB peak RSS, 3,747,983 proposal-roster
and 151,532 proposal-proposal pairs, so no cap was needed; --jobs 2 brings it to 121 s (the
compare step 80 s; the workers' memory is not in this process's ru_maxrss).
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import recordlinkage

# Run as a script, this folder is on sys.path already: its neighbours import as modules.
from contract_files import (
    HEADERS,
    PROPOSALS,
    Layout,
    dedup_data,
    find_header_csv,
    fold,
    peak_rss_mb,
    proposal_file,
    read_xlsx,
    result_row,
    roster_files,
    write_result,
)

PROGRAM_ORDER = {
    code: i for i, code in enumerate(("DTSEN", "DTKS", "PKH", "BPNT", "BLTDESA", "BST"))
}

# label -> (what agreement says, for the reason column)
FEATURES = {
    "nik": "NIK sama",
    "nik_dl": "NIK mirip",
    "no_kk": "No. KK sama",
    "no_kk_dl": "No. KK mirip",
    "nama": "nama mirip",
    "tgl_lahir": "tgl lahir sama",
    "jk": "JK sama",
    "desa": "desa sama",
    "rw_rt": "RT/RW sama",
    "alamat": "alamat mirip",
}
ONE_EDIT_IN_16 = 1 - 1 / 16
BINARIZE = 0.8


# --- reading ------------------------------------------------------------------------------------


def read_csv(path: Path) -> tuple[pd.DataFrame, Layout]:
    """All cells as text, one row per non-blank line after the header, in file order."""
    layout = find_header_csv(path)
    options = dict(
        sep=layout.delimiter,
        header=None,
        names=list(range(layout.width)),
        skiprows=layout.skip + 1,
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        skip_blank_lines=True,
        encoding="utf-8-sig",
    )
    try:
        frame = pd.read_csv(path, **options)
    except pd.errors.ParserError:
        # A row with more cells than the header: keep it, cut to the header's width.
        frame = pd.read_csv(
            path, engine="python", on_bad_lines=lambda cells: cells[: layout.width], **options
        )
    frame = frame.fillna("")
    return drop_blank(frame), layout


def read_sheet(path: Path) -> tuple[pd.DataFrame, Layout]:
    layout, data = read_xlsx(path)
    frame = pd.DataFrame(data, columns=list(range(layout.width)), dtype=object)
    return drop_blank(frame), layout


def drop_blank(frame: pd.DataFrame) -> pd.DataFrame:
    """Blank lines (no cell holds anything) are not data rows; the rest are numbered from 1."""
    if len(frame):
        filled = np.zeros(len(frame), dtype=bool)
        for column in frame.columns:
            filled |= frame[column].astype(str).str.strip().ne("").to_numpy()
        frame = frame[filled]
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="data_row")
    return frame


def read_file(path: Path) -> tuple[pd.DataFrame, Layout]:
    if path.suffix.lower() == ".xlsx":
        return read_sheet(path)
    return read_csv(path)


# --- cleaning -----------------------------------------------------------------------------------


def _nullify(series: pd.Series) -> pd.Series:
    return series.where(series.ne(""), None)


def _letters(series: pd.Series) -> pd.Series:
    """Upper case, anything but letters to one blank, trimmed; missing when empty."""
    return _nullify(series.str.upper().str.replace(r"[^A-Z]+", " ", regex=True).str.strip())


def _digits(series: pd.Series) -> pd.Series:
    return series.str.replace(r"\D", "", regex=True)


def clean(raw: pd.DataFrame, layout: Layout) -> pd.DataFrame:
    """The linkage columns of one file; index = data row (1-based)."""
    empty = pd.Series("", index=raw.index, dtype=object)

    def col(name: str) -> pd.Series:
        position = layout.columns.get(name)
        return empty if position is None else raw[position].astype(str).str.strip()

    out = pd.DataFrame(index=raw.index)
    for name in ("nik", "no_kk"):
        digits = _digits(col(name))
        out[f"{name}_len"] = digits.str.len()
        out[name] = digits.where(digits.str.len().eq(16), None)
    out["nama"] = _letters(col("nama"))
    out["first"] = out["nama"].str.split(" ", n=1).str[0]
    born = col("tanggal_lahir")
    dob = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    for fmt in ("%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%d"):
        dob = dob.fillna(pd.to_datetime(born, format=fmt, errors="coerce"))
    out["tgl_lahir"] = dob.astype("datetime64[ns]")
    sex = col("jenis_kelamin").str.upper()
    out["jk"] = np.select(
        [sex.isin(("L", "LAKI-LAKI", "LAKI LAKI", "1")), sex.isin(("P", "PEREMPUAN", "2"))],
        ["L", "P"],
        default=None,
    )
    out["jk"] = out["jk"].astype(object).where(out["jk"].notna(), None)
    desa = _letters(col("desa"))
    out["desa"] = _nullify(
        desa.fillna("").str.replace(r"^(DS|DESA|KEL|KELURAHAN) ", "", regex=True)
    )
    address = col("alamat").str.upper()
    units = {}
    for unit in ("rt", "rw"):
        number = pd.to_numeric(_digits(col(unit)).where(lambda s: s.ne(""), None))
        found = pd.to_numeric(address.str.extract(rf"{unit.upper()}\D{{0,3}}(\d+)", expand=False))
        units[unit] = number.fillna(found)
    both = units["rt"].notna() & units["rw"].notna()
    out["rw_rt"] = None
    out.loc[both, "rw_rt"] = (
        units["rw"][both].astype("int64").astype(str)
        + "/"
        + units["rt"][both].astype("int64").astype(str)
    )
    out["alamat"] = _nullify(address.str.replace(r"[^A-Z0-9]+", " ", regex=True).str.strip())
    # A header repeated mid-file: its NIK cell is a NIK header again.
    out["header_again"] = col("nik").map(lambda cell: HEADERS.get(fold(cell)) == "nik")
    return out


def load_proposals(path: Path) -> pd.DataFrame:
    raw, layout = read_file(path)
    return clean(raw, layout)


def load_rosters(files: dict[str, Path]) -> tuple[pd.DataFrame, dict[str, int]]:
    """One DataFrame of every roster (RangeIndex), with `program` and `data_row` kept."""
    parts, rows = [], {}
    for code, path in files.items():
        raw, layout = read_file(path)
        table = clean(raw, layout)
        rows[code] = len(table)
        table["program"] = code
        table["data_row"] = table.index.to_numpy()
        parts.append(table.reset_index(drop=True))
        del raw
    roster = pd.concat(parts, ignore_index=True)
    return roster, rows


# --- the library --------------------------------------------------------------------------------


def indexer() -> recordlinkage.Index:
    index = recordlinkage.Index()
    index.block(left_on="nik")
    index.block(left_on="no_kk")
    index.block(left_on=["desa", "first"])
    return index


def capped(frame: pd.DataFrame, other: pd.DataFrame | None, limit: int) -> pd.DataFrame:
    """With --max-block-pairs: the first-name key blanked in oversized desa + name blocks."""
    if not limit:
        return frame
    keys = ["desa", "first"]
    left = frame.groupby(keys).size()
    right = left if other is None else other.groupby(keys).size()
    both = left.to_frame("left").join(right.to_frame("right"), how="inner")
    if other is None:
        pairs = both["left"] * (both["left"] - 1) // 2
    else:
        pairs = both["left"] * both["right"]
    big = pairs[pairs > limit].index
    if len(big) == 0:
        return frame
    frame = frame.copy()
    hit = pd.MultiIndex.from_frame(frame[keys]).isin(big)
    frame.loc[hit, "first"] = None
    return frame


def comparer(jobs: int) -> recordlinkage.Compare:
    compare = recordlinkage.Compare(n_jobs=jobs)
    for name in ("nik", "no_kk"):
        compare.exact(name, name, label=name)
        compare.string(
            name, name, method="damerau_levenshtein", threshold=ONE_EDIT_IN_16, label=f"{name}_dl"
        )
    compare.string("nama", "nama", method="jarowinkler", threshold=0.85, label="nama")
    compare.date("tgl_lahir", "tgl_lahir", label="tgl_lahir")
    compare.exact("jk", "jk", label="jk")
    compare.exact("desa", "desa", label="desa")
    compare.exact("rw_rt", "rw_rt", label="rw_rt")
    compare.string("alamat", "alamat", threshold=0.85, label="alamat")
    return compare


LINK_COLUMNS = ["nik", "no_kk", "nama", "first", "tgl_lahir", "jk", "desa", "rw_rt", "alamat"]


# --- decisions ----------------------------------------------------------------------------------


def agreeing(features: pd.DataFrame) -> pd.Series:
    """For each pair, the features it agrees on, as words for the reason column."""
    agree = features.to_numpy() > BINARIZE
    labels = [FEATURES[c] for c in features.columns]
    text = [", ".join(label for label, on in zip(labels, row, strict=True) if on) for row in agree]
    return pd.Series(text, index=features.index)


def program_key(code: str) -> tuple[int, str]:
    return (PROGRAM_ORDER.get(code, len(PROGRAM_ORDER)), code)


def decide(
    proposals: pd.DataFrame,
    roster_pairs: list[tuple[int, str, int, float, str]],
    batch_pairs: list[tuple[int, int, float, str]],
    match: float,
    review: float,
) -> list[dict]:
    """One contract row per proposal row, in file order."""
    to_roster: dict[int, list] = defaultdict(list)
    for row, code, roster_row, p, why in roster_pairs:
        to_roster[row].append((p, code, roster_row, why))
    to_earlier: dict[int, list] = defaultdict(list)
    for later, earlier, p, why in batch_pairs:
        to_earlier[later].append((p, earlier, why))

    results = []
    columns = proposals[["nik_len", "no_kk_len", "header_again"]]
    for row, nik_len, kk_len, header_again in columns.itertuples():
        roster = sorted(to_roster.get(row, ()), key=lambda t: (-t[0], program_key(t[1]), t[2]))
        earlier = sorted(to_earlier.get(row, ()), key=lambda t: (-t[0], t[1]))
        sure = [t for t in roster if t[0] >= match]
        sure_earlier = [t for t in earlier if t[0] >= match]
        codes = sorted({t[1] for t in sure}, key=program_key)
        refs = [f"{code}:{r}" for _, code, r, _ in sure]
        refs += [f"{PROPOSALS}:{r}" for _, r, _ in sure_earlier]
        best = max([t[0] for t in sure] + [t[0] for t in sure_earlier], default=None)
        why = next((t[-1] for t in (*sure, *sure_earlier) if t[0] == best), "")

        problems = []
        if header_again:
            problems.append("baris header berulang")
        else:
            for label, length in (("NIK", nik_len), ("No. KK", kk_len)):
                if length != 16:
                    problems.append(f"{label} tidak valid: {length} digit")
        if problems:
            reason = "; ".join(problems)
            if best is not None:
                reason += f"; ECM p={best:.4f}: {why}"
            results.append(
                result_row(row, "invalid", ";".join(codes), ";".join(refs), best, reason)
            )
            continue
        if sure:
            results.append(
                result_row(
                    row,
                    "in_roster",
                    ";".join(codes),
                    ";".join(refs),
                    best,
                    f"ECM p={best:.4f}: {why}",
                )
            )
            continue
        if sure_earlier:
            results.append(
                result_row(
                    row,
                    "duplicate_in_batch",
                    "",
                    ";".join(refs),
                    best,
                    f"ECM p={best:.4f}: {why}",
                )
            )
            continue
        possible = [(p, f"{code}:{r}", w) for p, code, r, w in roster if p >= review]
        possible += [(p, f"{PROPOSALS}:{r}", w) for p, r, w in earlier if p >= review]
        if possible:
            possible.sort(key=lambda t: -t[0])
            p, _, w = possible[0]
            results.append(
                result_row(
                    row,
                    "review",
                    "",
                    ";".join(ref for _, ref, _ in possible),
                    p,
                    f"ECM p={p:.4f} < {match}: {w}",
                )
            )
            continue
        results.append(result_row(row, "new"))
    return results


# --- command line -------------------------------------------------------------------------------


def inputs(args: argparse.Namespace) -> tuple[Path, dict[str, Path], Path | None]:
    proposals, rosters, labels = None, {}, None
    if args.data:
        folder = args.data
        proposals = proposal_file(folder)
        rosters = roster_files(folder)
        if (folder / "labels.csv").exists():
            labels = folder / "labels.csv"
    if args.proposals:
        proposals = args.proposals
    for item in args.roster or ():
        code, sep, file = item.partition("=")
        if not sep or not code or not file:
            raise SystemExit(f"--roster wants CODE=FILE, got {item!r}")
        rosters[code.strip().upper()] = Path(file)
    if args.labels:
        labels = args.labels
    if proposals is None:
        raise SystemExit("no proposal file: give --data DIR (with usulan.csv) or --proposals FILE")
    if not rosters:
        raise SystemExit("no roster: give --data DIR (with CODE.csv) or --roster CODE=FILE")
    return proposals, rosters, labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, help="folder with usulan.csv/.xlsx and CODE.csv")
    parser.add_argument("--proposals", type=Path, help="the proposal file (.csv or .xlsx)")
    parser.add_argument(
        "--roster", action="append", metavar="CODE=FILE", help="a programme's roster (repeat)"
    )
    parser.add_argument("--labels", type=Path, help="labels.csv to score against (untimed)")
    parser.add_argument(
        "--output", type=Path, help="result CSV (default /tmp/recordlinkage-result.csv)"
    )
    parser.add_argument("--json", action="store_true", help="a JSON summary on the last line")
    parser.add_argument("--match", type=float, default=0.95, help="ECM probability: a match")
    parser.add_argument("--review", type=float, default=0.50, help="... a possible match")
    parser.add_argument("--jobs", type=int, default=1, help="Compare(n_jobs=...)")
    parser.add_argument(
        "--max-block-pairs",
        type=int,
        default=0,
        help="skip desa + first name blocks with more pairs than this (0: no cap)",
    )
    parser.add_argument("--show-model", action="store_true", help="print the fitted m and u")
    args = parser.parse_args()
    warnings.simplefilter("ignore", FutureWarning)

    proposal_file, roster_files, labels = inputs(args)
    output = args.output or Path("/tmp/recordlinkage-result.csv")
    seconds: dict[str, float] = {}

    started = clock = time.monotonic()
    proposals = load_proposals(proposal_file)
    roster, roster_rows = load_rosters(roster_files)
    seconds["read"] = time.monotonic() - clock

    clock = time.monotonic()
    left = proposals.loc[~proposals["header_again"], LINK_COLUMNS]
    right = roster[LINK_COLUMNS]
    index = indexer()
    links = index.index(
        capped(left, right, args.max_block_pairs), capped(right, left, args.max_block_pairs)
    )
    within = index.index(capped(left, None, args.max_block_pairs))
    seconds["index"] = time.monotonic() - clock

    clock = time.monotonic()
    compare = comparer(args.jobs)
    link_features = compare.compute(links, left, right)
    batch_features = compare.compute(within, left)
    seconds["compare"] = time.monotonic() - clock

    clock = time.monotonic()
    ecm = recordlinkage.ECMClassifier(binarize=BINARIZE)
    ecm.fit(link_features)
    link_p = ecm.prob(link_features)
    batch_p = ecm.prob(batch_features) if len(batch_features) else pd.Series(dtype=float)
    seconds["classify"] = time.monotonic() - clock

    clock = time.monotonic()
    kept = link_p.to_numpy() >= args.review
    kept_links = link_features[kept]
    why = agreeing(kept_links)
    prow = kept_links.index.get_level_values(0).to_numpy()
    rpos = kept_links.index.get_level_values(1).to_numpy()
    roster_pairs = list(
        zip(
            prow.tolist(),
            roster["program"].to_numpy()[rpos].tolist(),
            roster["data_row"].to_numpy()[rpos].tolist(),
            link_p.to_numpy()[kept].tolist(),
            why.tolist(),
            strict=True,
        )
    )
    kept = batch_p.to_numpy() >= args.review
    kept_batch = batch_features[kept]
    why = agreeing(kept_batch)
    batch_pairs = list(
        zip(
            kept_batch.index.get_level_values(0).tolist(),
            kept_batch.index.get_level_values(1).tolist(),
            batch_p.to_numpy()[kept].tolist(),
            why.tolist(),
            strict=True,
        )
    )
    assert all(later > earlier for later, earlier, *_ in batch_pairs)
    results = decide(proposals, roster_pairs, batch_pairs, args.match, args.review)
    write_result(output, results)
    seconds["decide_write"] = time.monotonic() - clock
    seconds["total"] = time.monotonic() - started
    peak = peak_rss_mb()

    versions = (
        f"recordlinkage {recordlinkage.__version__}, pandas {pd.__version__}, "
        f"numpy {np.__version__}"
    )
    valid = int((proposals["nik_len"].eq(16) & proposals["no_kk_len"].eq(16)).sum())
    statuses = pd.Series([r["status"] for r in results]).value_counts()
    print(
        f"{versions}: {len(proposals):,} proposal rows ({valid:,} valid) x "
        f"{len(roster):,} roster rows ({', '.join(f'{c} {n:,}' for c, n in roster_rows.items())})"
    )
    print(
        f"  candidate pairs: proposal-roster {len(links):,}, proposal-proposal {len(within):,}; "
        f"pairs at p >= {args.review}: {len(roster_pairs):,} and {len(batch_pairs):,}; "
        f"match at p >= {args.match}"
    )
    print(f"  statuses: {', '.join(f'{k} {v:,}' for k, v in statuses.items())}")
    if args.show_model:
        print(f"  ECM prior p(match) {np.exp(ecm.kernel.class_log_prior_[1]):.3g}")
        m = ecm.m_probs
        u = ecm.u_probs
        for feature in link_features.columns:
            m1, u1 = m[feature].get(1, np.nan), u[feature].get(1, np.nan)
            print(f"  {feature:<10} agree: m {m1:.4f} u {u1:.2e} w {np.log2(m1 / u1):+7.2f}")
    for key, label in (
        ("read", "reading and cleaning the files"),
        ("index", "indexing (blocking)"),
        ("compare", "comparing"),
        ("classify", "ECM fit and prob"),
        ("decide_write", "deciding and writing the result"),
        ("total", "total"),
    ):
        print(f"  {label:<40} {seconds[key]:8.1f} s")
    print(f"  peak RSS {peak:,.0f} MB")
    print(f"  result: {output}")

    summary = {
        "bench": "recordlinkage",
        "seconds": round(seconds["total"], 2),
        "peak_rss_mb": round(peak),
        "rows": len(proposals),
        "library": versions,
        "steps": {key: round(value, 2) for key, value in seconds.items()},
        "pairs": {"proposal_roster": len(links), "proposal_proposal": len(within)},
    }
    if labels:
        print()
        data = dedup_data()
        figures = data.score(labels, output)
        print(data.report(figures, labels, output))
        summary["score"] = figures
    if args.json:
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
