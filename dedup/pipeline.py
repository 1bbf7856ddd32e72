"""A cross-check run: every proposed family of the chosen batches against the active version of
every roster (or the versions staff chose) and against the other proposals of the run.

    run = start_run(batches=[...], user=staff)     # chunks made, tasks queued on commit
    # each chunk: tasks.match_chunk(chunk.pk) -> run_chunk(chunk.pk)
    resume_run(run)                                # a failed or stalled run: the chunks left

The work is cut by kecamatan: a chunk loads its proposals, the roster rows of its own
kecamatan (for names, neighbourhoods and birth dates), and the roster rows and proposals
anywhere that share a No. KK or NIK with them or hold one a slip away under a name alike (a
family moves; a roster may carry no desa): those it finds in the run's number table, loaded once
per worker. It hands them all to `dedup.engine`.
A chunk's results are written once, with the chunk marked done, in one transaction: a task
that runs twice (a retry, a killed worker) finds the chunk done and stops. The run records the
roster versions it used, so it stays explainable after a roster update.
"""

from __future__ import annotations

import hashlib
import logging
import operator
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence

import numpy as np
from django.contrib.postgres.aggregates import StringAgg
from django.db import connection, transaction
from django.db.models import F, TextField, Value
from django.db.models.functions import Cast, Replace, RPad
from django.utils import timezone
from django.utils.translation import gettext as _

from bansos.bulk import insert_rows
from bansos.memory import without_cycle_collection
from dedup.engine.match import (
    DECIDED_SAME,
    NUMBER_WIDTH,
    Candidate,
    Index,
    NumberTable,
    Outcome,
    Record,
    Slipped,
    Thresholds,
    decide,
    digits16,
    match,
)
from dedup.engine.normalize import fold_name
from dedup.models import Chunk, MatchSettings, Result, ReviewPair, Run
from households.identity import check_nik, check_no_kk
from households.models import Region
from programs.models import ProposalBatch, ProposalRow, RosterRow, RosterVersion, SourceFamily

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # a chunk whose worker is lost this often fails the run
IN_BATCH = 2_000  # values per IN (...) list: SQLite allows 32,766 parameters a statement
PROPOSAL = "USULAN"
FIELDS = ("id", *SourceFamily.MATCHED_FIELDS)  # _record unpacks them in this order


def start_run(
    *,
    batches: Iterable[ProposalBatch],
    user,
    versions: Iterable[RosterVersion] | None = None,
    thresholds: Thresholds | None = None,
    only: Collection[int] | None = None,
) -> Run:
    """Create a run and its chunks; the chunks are queued when the transaction commits. With
    `only` (proposal row ids) just those rows are checked, against the rosters and every
    proposal of the batches (corrected rows, checked again)."""
    from dedup import tasks  # tasks imports this module

    thresholds = thresholds or MatchSettings.current().thresholds
    if versions is None:
        # Exclusion lists (civil servants, deaths) screen rounds; they are no roster of aid.
        versions = RosterVersion.objects.filter(
            status=RosterVersion.Status.ACTIVE, program__screens_out=""
        )
    with transaction.atomic():
        run = Run.objects.create(
            created_by=user,
            thresholds={"same": thresholds.same, "review": thresholds.review},
            recheck=only is not None,
        )
        run.batches.set(batches)
        run.roster_versions.set(versions)
        rows = ProposalRow.objects.filter(batch__in=run.batches.all())
        if only is not None:
            rows = rows.filter(pk__in=only)
        by_kecamatan: dict[int | None, list[int]] = defaultdict(list)
        for pk, kecamatan in rows.values_list("pk", "desa__parent_id").order_by("pk"):
            by_kecamatan[kecamatan].append(pk)
        # Largest first (chunks are queued in this order): the last chunk a worker takes up
        # is a small one, so workers finish close together.
        Chunk.objects.bulk_create(
            Chunk(run=run, kecamatan_id=kecamatan, proposal_rows=ids)
            for kecamatan, ids in sorted(by_kecamatan.items(), key=lambda item: -len(item[1]))
        )
        run.rows_total = sum(len(ids) for ids in by_kecamatan.values())
        run.status = Run.Status.RUNNING
        run.save(update_fields=["rows_total", "status"])
        if not run.rows_total:  # nothing to match: done now, its proposals cross-checked
            _finish(run)
        chunks = list(run.chunks.values_list("pk", flat=True))
        transaction.on_commit(lambda: [tasks.match_chunk.delay(pk) for pk in chunks])
    return run


def resume_run(run: Run) -> int:
    """Queue again the chunks a failed or stalled run has not finished; returns how many."""
    from dedup import tasks

    if run.status != Run.Status.FAILED and not run.stalled:
        return 0  # a running run has its chunks queued already
    chunks = list(run.chunks.filter(done=False).values_list("pk", flat=True))
    if chunks:
        Run.objects.filter(pk=run.pk).update(
            status=Run.Status.RUNNING, error="", resumed_at=timezone.now()
        )
        run.chunks.filter(done=False).update(attempts=0)
        transaction.on_commit(lambda: [tasks.match_chunk.delay(pk) for pk in chunks])
    else:  # it failed on a chunk another delivery had finished
        with transaction.atomic():
            _finish(run)
    return len(chunks)


def _finish(run: Run) -> None:
    """The run is done (once, whoever gets here first): each family that goes on is counted
    once, and its submitted proposals are now cross-checked, by the person who started it."""
    finished = Run.objects.filter(pk=run.pk).exclude(status=Run.Status.DONE)
    if not finished.update(status=Run.Status.DONE, finished_at=timezone.now(), error=""):
        return
    run.count_families()
    for batch in run.batches.filter(status=ProposalBatch.Status.SUBMITTED):
        batch.move_to(ProposalBatch.Status.CHECKED, by=run.created_by)


def count_families(run_id: int) -> None:
    """Count a finished run's families again (Run.count_families), its row locked so that two
    counts never write over each other; no decision holds a result while waiting for it."""
    with transaction.atomic():
        for run in Run.objects.select_for_update().filter(pk=run_id, status=Run.Status.DONE):
            run.count_families()


def run_chunk(chunk_id: int) -> None:
    """Match one chunk and write its results; nothing happens if it is done already."""
    chunk = Chunk.objects.select_related("run").get(pk=chunk_id)
    if chunk.done:
        return
    run = chunk.run
    Chunk.objects.filter(pk=chunk_id).update(started_at=timezone.now(), attempts=F("attempts") + 1)
    if chunk.attempts >= MAX_ATTEMPTS:  # its worker was lost each time: out of memory?
        message = _(
            "The families of %(place)s were taken up %(n)s times and the worker stopped each "
            "time (out of memory?). Resume the run once the workers have more memory."
        ) % {"place": chunk.kecamatan or _("unknown desa"), "n": chunk.attempts}
        Run.objects.filter(pk=run.pk).exclude(status=Run.Status.DONE).update(
            status=Run.Status.FAILED, error=message
        )
        return
    try:
        with without_cycle_collection():
            results, pairs = _match(chunk)
    except Exception as error:
        logger.exception("run %s, chunk %s failed", run.pk, chunk.pk)
        if not Chunk.objects.filter(pk=chunk_id, done=True).exists():
            Run.objects.filter(pk=run.pk).exclude(status=Run.Status.DONE).update(
                status=Run.Status.FAILED, error=str(error)[:2000]
            )
        raise
    with transaction.atomic():
        chunk = Chunk.objects.select_for_update().get(pk=chunk_id)
        if chunk.done:  # another worker finished this chunk first
            return
        insert_rows(Result, results)
        ReviewPair.objects.bulk_create(pairs, batch_size=1_000)
        chunk.done, chunk.finished_at = True, timezone.now()
        chunk.save(update_fields=["done", "finished_at"])
        Run.objects.filter(pk=run.pk).update(rows_done=F("rows_done") + len(results))
        if not run.chunks.filter(done=False).exists():
            _finish(run)


# --- One chunk ------------------------------------------------------------------------------


class _Sources:
    """The records one chunk is matched with, and the way back from a ref to its row."""

    def __init__(self, run: Run, rows: list[dict], kecamatan: int | None) -> None:
        self.run = run
        keys = [
            (kind, row[field], fold_name(row["name"]))
            for row in rows
            for kind, field in (("nik", "nik"), ("kk", "no_kk"))
        ]
        numbers = [(kind, number) for kind, number, _name in keys]
        slipped = Slipped(keys)  # for the rosters and the proposals
        desas = list(Region.objects.filter(parent=kecamatan).values_list("pk", flat=True))
        versions = {v.pk: v.program.code for v in run.roster_versions.select_related("program")}
        # ref -> the roster row's _ROSTER_COLUMNS: tuples, a dict only for the few compared
        # (a kecamatan has 100,000 roster rows; a dict each cost a second a run).
        self.roster_found: dict[str, tuple] = {}
        roster: dict[int, Record] = {}
        base = RosterRow.objects.filter(version__in=versions)
        table = _numbers(run, "roster", base)
        slips = _Slips(table, keys, slipped)
        ids = table.holding(numbers) | slips.ids
        for found in _queries(base, desas, _ROSTER_COLUMNS, ids):
            ref = f"{versions[found[-1]]}:{found[-2]}"  # the roster's code and data row
            self.roster_found[ref] = found
            roster[found[0]] = _record(ref, found)
        self.roster = Index(roster.values(), near=slips.near(lambda pk: roster[pk].ref))
        # Other proposals of the run: the valid ones, and rows refused only for repeating an
        # earlier row's number (the intake's own duplicate check), which are families too.
        others = ProposalRow.objects.filter(batch__in=run.batches.all())
        table = _numbers(run, "proposals", others)
        slips = _Slips(table, keys, slipped)
        ids = table.holding(numbers) | slips.ids
        columns = (*FIELDS, "row_number", "batch_id", "status")
        # The run's proposals of this kecamatan are the chunk's own rows, loaded already.
        self.proposals = {row["id"]: row for row in rows}
        for found in _queries(others, [], columns, ids, known=self.proposals):
            self.proposals[found[0]] = dict(zip(columns, found, strict=True))
        self.labels = {
            f"{PROPOSAL}:{r['id']}": run.proposal_label(r["batch_id"], r["row_number"])
            for r in self.proposals.values()
        }
        # Every row, on what is sound in it: a family listed twice is linked to its earlier
        # row whatever the intake said of either.
        self.batch_index = Index(
            (_proposal(r) for r in self.proposals.values()),
            near=slips.near(lambda pk: f"{PROPOSAL}:{pk}"),
        )

    def usable(self, ref: str) -> bool:
        return _usable(self.proposals[int(ref.partition(":")[2])])

    def row(self, ref: str) -> dict:
        """The values of a candidate's row, roster row or proposal."""
        if ref.startswith(f"{PROPOSAL}:"):
            return self.proposals[int(ref.partition(":")[2])]
        return dict(zip(_ROSTER_COLUMNS, self.roster_found[ref], strict=True))


def _match(chunk: Chunk) -> tuple[list[dict], list[ReviewPair]]:
    """The chunk's results (as `Result` fields' values) and its pairs for review."""
    run = chunk.run
    thresholds = Thresholds(**run.thresholds) if run.thresholds else Thresholds()
    rows = list(ProposalRow.objects.filter(pk__in=chunk.proposal_rows).values(*_COLUMNS))
    sources = _Sources(run, rows, chunk.kecamatan_id)
    # Refused rows too, on what is sound in them (a damaged NIK beside a sound No. KK, name
    # and address): staff see where the family already is, not only why it came back.
    records = [_proposal(r) for r in rows]
    on_rosters = match(records, sources.roster, thresholds)
    earlier = match(records, sources.batch_index, thresholds, earlier_only=True)
    decided = _decisions(
        fingerprint(row, sources.row(candidate.ref))
        for row in rows
        for found in (on_rosters, earlier)
        for candidate in found.get(f"{PROPOSAL}:{row['id']}", [])
    )

    results, pairs = [], []
    for row in rows:
        ref = f"{PROPOSAL}:{row['id']}"
        found_rosters = _apply(decided, row, on_rosters.get(ref, []), sources)
        found_earlier = _apply(decided, row, earlier.get(ref, []), sources)
        # An earlier listing that was refused cannot be paid until it is fixed: this row is
        # the family's usable one, and only names it.
        refused = [c for c in found_earlier if not sources.usable(c.ref)]
        found_earlier = [c for c in found_earlier if sources.usable(c.ref)]
        outcome = decide(found_rosters, found_earlier, thresholds)
        links = [c.ref for c in refused if c.score >= thresholds.same]
        usable = _usable(row)
        if not usable and outcome.status not in (Result.Status.IN_ROSTER, Result.Status.DUPLICATE):
            # A doubtful match of a refused row is no one's to review until the row is fixed.
            outcome = Outcome(Result.Status.NEW)
        labels = [sources.labels.get(m, m) for m in [*outcome.matches, *links]]
        if not usable:
            results.append(_invalid(run, row, outcome, labels))
            continue
        results.append(
            {
                "run_id": run.pk,
                "proposal_row_id": row["id"],
                "status": outcome.status,
                "programs": ";".join(outcome.programs),
                "matches": ";".join(labels),
                "score": outcome.score,
                "reason": outcome.reason[:255],
            }
        )
        if outcome.status == Result.Status.REVIEW:
            for candidate in [*found_rosters, *found_earlier]:
                if candidate.score < thresholds.same:
                    pairs.append(_pair(run, row, candidate, sources))
    return results, pairs


_COLUMNS = (*FIELDS, "row_number", "batch_id", "status", "problems")
_ROSTER_COLUMNS = (*FIELDS, "row_number", "version_id")


def _queries(
    base,
    desas: list[int],
    columns: tuple[str, ...],
    ids: Iterable[int],
    known: Collection[int] = (),
) -> Iterator[tuple]:
    """The `columns` (the first is "id") of the rows of the chunk's desas, then of those of
    `ids` elsewhere (sharing a number with the chunk, or one slip from it); each once, none of
    the `known` ids. In slices: SQLite takes 32,766 parameters a statement."""
    seen: set[int] = set(known)
    base = base.order_by()  # the rows' order does not matter: no sort of a kecamatan's rows
    if desas:
        for found in base.filter(desa__in=desas).values_list(*columns):
            seen.add(found[0])
            if found[0] not in known:
                yield found
    wanted = sorted(pk for pk in ids if pk not in seen)
    for start in range(0, len(wanted), IN_BATCH):
        yield from base.filter(pk__in=wanted[start : start + IN_BATCH]).values_list(*columns)


# A run's numbers, per worker process: every chunk looks up mistyped numbers in them.
_NUMBERS: dict[tuple, NumberTable] = {}
ORDER = 10_000_000  # a proposal's order in a run: batch id * ORDER + row


def _numbers(run: Run, kind: str, base) -> NumberTable:
    """Every NIK and No. KK of the run's roster versions (or proposals), with names. Loaded
    once per worker and run: a run's versions and batches do not change under it."""
    key = (run.pk, run.created_at, kind)  # a database made anew may give an id again
    found = _NUMBERS.get(key)
    if found is None:
        found = NumberTable.from_columns(*_number_columns(base.order_by()))
        for old in [k for k in _NUMBERS if k[:2] != key[:2]]:
            del _NUMBERS[old]  # one run at a time is enough to keep
        _NUMBERS[key] = found
    return found


NAMES_APART = "\x1e"  # between names in one text (the record separator: no one's name)


def _number_columns(rows) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """The rows' ids, NIKs, No. KKs and names, as `NumberTable.from_columns` takes them. On
    PostgreSQL a million rows come as four long texts of one query (a second, where a million
    tuples cost three): the numbers end to end, NUMBER_WIDTH characters each, and the names
    apart."""
    if connection.vendor == "postgresql":
        found = rows.aggregate(
            ids=StringAgg(Cast("pk", TextField()), ","),
            # rpad pads a shorter number and cuts a longer one: NUMBER_WIDTH characters each.
            nik=StringAgg(RPad("nik", NUMBER_WIDTH, Value(" ")), ""),
            kk=StringAgg(RPad("no_kk", NUMBER_WIDTH, Value(" ")), ""),
            names=StringAgg(Replace("name", Value(NAMES_APART), Value(" ")), NAMES_APART),
        )
        if found["ids"] is None:  # no rows
            found = {"ids": "", "nik": "", "kk": "", "names": None}
        ids = np.fromstring(found["ids"], dtype=np.int64, sep=",")
        nik, kk = found["nik"], found["kk"]
        names = found["names"].split(NAMES_APART) if found["names"] is not None else []
    else:  # SQLite: a district's demo, not a province
        values = list(rows.values_list("pk", "nik", "no_kk", "name"))
        ids = np.array([pk for pk, *_ in values], dtype=np.int64)
        nik = "".join(_padded(number) for _pk, number, _kk, _name in values)
        kk = "".join(_padded(number) for _pk, _nik, number, _name in values)
        names = [name for *_, name in values]
    written: dict[str, int] = {}
    positions = [written.setdefault(name, len(written)) for name in names]
    return ids, digits16(nik), digits16(kk), np.array(positions, dtype=np.int64), list(written)


def _padded(number: str) -> str:
    """As PostgreSQL's rpad: padded with spaces, or cut, to NUMBER_WIDTH characters."""
    return number[:NUMBER_WIDTH].ljust(NUMBER_WIDTH)


class _Slips:
    """The rows of a run's table whose NIK or No. KK is one mistyped digit or one swap from a
    chunk row's, under a name alike, wherever they live (a roster with only NIK and name has no
    desa). Searched once a chunk; the chunk's indexes take the answer instead of searching
    their own numbers again."""

    def __init__(
        self, table: NumberTable, keys: list[tuple[str, str, str]], slipped: Slipped
    ) -> None:
        self.keys = keys  # (kind, number, folded name) of the chunk's rows, as in `slipped`
        given, found = table.slip_pairs(slipped)
        self.pairs = list(zip(given.tolist(), found.tolist(), strict=True))
        self.ids = {pk for _, pk in self.pairs}

    def near(self, ref: Callable[[int], str]) -> dict[tuple[str, str, str], list[str]]:
        """(kind, number, folded name) -> the refs of the rows one slip from it."""
        found: dict[tuple[str, str, str], list[str]] = defaultdict(list)
        for at, pk in self.pairs:
            found[self.keys[at]].append(ref(pk))
        return found


def _proposal(row: dict) -> Record:
    """A proposal row as the engine sees it; its order in the run is its batch's, then row."""
    order = row["batch_id"] * ORDER + row["row_number"]
    return _record(f"{PROPOSAL}:{row['id']}", _FIELDS_OF(row), order)


_FIELDS_OF = operator.itemgetter(*FIELDS)


def _record(ref: str, values: Sequence, order: int = 0) -> Record:
    """values: a row's FIELDS in that order, as a query gives them (more may follow)."""
    _pk, nik, kk, name, sex, birth_date, mother_name, address, rt, rw, desa = values[:11]
    # Positional, in Record's order: a million calls a run, keywords cost a third more.
    return Record(
        ref,
        kk if len(kk) == 16 and kk.isascii() and kk.isdigit() else "",
        nik if len(nik) == 16 and nik.isascii() and nik.isdigit() else "",
        name,
        sex,
        birth_date,
        mother_name,
        address,
        rt,
        rw,
        str(desa or ""),
        order,
    )


def _usable(row: dict) -> bool:
    """A valid proposal row, or one refused only because an earlier row has its number."""
    if "status" not in row or row["status"] == ProposalRow.Status.VALID:
        return True
    columns = {problem.get("column") for problem in row.get("problems", [])}
    return columns <= {"nik", "no_kk"} and check_nik(row["nik"]).ok and check_no_kk(row["no_kk"]).ok


def _invalid(run: Run, row: dict, outcome: Outcome, labels: list[str]) -> dict:
    """A refused row keeps its status and reason, and says where the family surely is: on a
    roster (`outcome`), in an earlier row (`labels`)."""
    messages = [p.get("message", "") for p in row.get("problems", [])]
    reason = "; ".join(m for m in messages if m)
    if outcome.status != Result.Status.NEW:
        reason = f"{reason} · {outcome.reason}"
    elif labels:  # only an earlier listing that was refused too
        reason = f"{reason} · diusulkan lebih dulu"
    return {
        "run_id": run.pk,
        "proposal_row_id": row["id"],
        "status": Result.Status.INVALID,
        "programs": ";".join(outcome.programs),
        "matches": ";".join(labels),
        "score": outcome.score,
        "reason": reason[:255],
    }


# --- Decisions staff made before ------------------------------------------------------------


def fingerprint(proposal: dict, candidate: dict) -> str:
    """Both records as compared; a remembered decision holds while this stays the same."""
    text = "\x1f".join(
        str(record.get(name) or "") for record in (proposal, candidate) for name in FIELDS[1:]
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _decisions(fingerprints: Iterable[str]) -> dict[str, bool]:
    """What staff decided about these pairs of records in earlier runs (the latest word)."""
    if not ReviewPair.objects.filter(same_family__isnull=False).exists():
        return {}  # nothing decided yet (a first run): no fingerprint made nor looked up
    wanted, decided = sorted(set(fingerprints)), {}
    for start in range(0, len(wanted), IN_BATCH):
        decided.update(
            ReviewPair.objects.filter(
                fingerprint__in=wanted[start : start + IN_BATCH], same_family__isnull=False
            )
            .order_by("decided_at")
            .values_list("fingerprint", "same_family")
        )
    return decided


def _apply(
    decided: dict[str, bool], row: dict, candidates: list[Candidate], sources: _Sources
) -> list[Candidate]:
    """A pair staff decided before, with both records unchanged, is not asked again: "same
    family" makes it a match, "different" drops it."""
    if not decided:
        return candidates
    kept = []
    for candidate in candidates:
        verdict = decided.get(fingerprint(row, sources.row(candidate.ref)))
        if verdict is None:
            kept.append(candidate)
        elif verdict:
            kept.append(Candidate(candidate.ref, 100, DECIDED_SAME))
    return kept


def _pair(run: Run, row: dict, candidate: Candidate, sources: _Sources) -> ReviewPair:
    pair = ReviewPair(
        run_id=run.pk,
        proposal_row_id=row["id"],
        score=candidate.score,
        reason=candidate.reason[:255],
        fingerprint=fingerprint(row, sources.row(candidate.ref)),
    )
    if candidate.ref.startswith(f"{PROPOSAL}:"):
        pair.other_proposal_id = int(candidate.ref.partition(":")[2])
    else:
        pair.roster_row_id = sources.roster_found[candidate.ref][0]
    return pair
