"""The run's bookkeeping: decisions settle results, the same records are asked once, a chunk
is written once, mistyped numbers are found across kecamatan."""

import datetime

import pytest

from dedup import pipeline
from dedup.models import Chunk, Result, ReviewPair, Run
from programs.models import ProposalBatch, ProposalRow, RosterRow, RosterVersion
from tests.conftest import make_nik, make_no_kk, program

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("run_on_commit")]


def slipped(nik: str) -> str:
    return nik[:-1] + ("1" if nik[-1] != "1" else "2")


def test_ruling_out_one_of_two_doubts_keeps_the_other_in_review(users, doubtful_run):
    row = ProposalRow.objects.get(name="SUPARNO")
    bst = RosterVersion.objects.get(program__code="BST")
    # A second doubtful candidate of the same family, as another run would have found it.
    second = RosterRow.objects.create(version=bst, row_number=8, nik=slipped(row.nik), name="X")
    ReviewPair.objects.create(
        run=doubtful_run, proposal_row=row, roster_row=second, score=75, reason="lain"
    )
    first = ReviewPair.objects.get(roster_row__row_number=7)

    first.decide(same_family=False, by=users["staff"])
    result = Result.objects.get(proposal_row=row)
    assert (result.status, result.matches, result.score, result.reason) == (
        "review",
        "BST:8",
        75,
        "lain",
    )
    ReviewPair.objects.get(roster_row=second).decide(same_family=False, by=users["head"])
    result.refresh_from_db()
    assert (result.status, result.matches, result.score, result.programs) == ("new", "", None, "")


def test_the_same_records_in_two_runs_are_decided_once(users, doubtful_run):
    again = pipeline.start_run(batches=[ProposalBatch.objects.get()], user=users["staff"])
    assert ReviewPair.objects.filter(same_family__isnull=True).count() == 2  # one per run
    ReviewPair.objects.filter(run=doubtful_run).get().decide(same_family=True, by=users["staff"])

    assert not ReviewPair.objects.filter(same_family__isnull=True).exists()
    result = Result.objects.get(run=again, proposal_row__name="SUPARNO")
    assert (result.status, result.programs, result.reason) == (
        "in_roster",
        "BST",
        "diputuskan sama oleh petugas",
    )


def test_a_later_run_applies_an_earlier_decision(users, doubtful_run):
    ReviewPair.objects.get().decide(same_family=False, by=users["staff"])
    again = pipeline.start_run(batches=[ProposalBatch.objects.get()], user=users["staff"])
    assert Result.objects.get(run=again, proposal_row__name="SUPARNO").status == "new"
    assert not ReviewPair.objects.filter(run=again).exists()


def test_a_mistyped_duplicate_in_another_kecamatan_is_found(users, units, regions):
    batch = ProposalBatch.objects.create(
        unit=units["agency"], title="Usulan", created_by=users["agency"]
    )
    nik = make_nik()
    for n, (desa, number) in enumerate(
        [(regions["desa_a"], nik), (regions["desa_b"], slipped(nik))], start=1
    ):
        ProposalRow.objects.create(
            batch=batch, row_number=n, nik=number, no_kk=make_no_kk(), name="SUPARNO", desa=desa
        )
    program("PKH")
    run = pipeline.start_run(batches=[batch], user=users["staff"])

    assert run.chunks.count() == 2  # Purworejo and Grabag
    second = Result.objects.get(run=run, proposal_row__row_number=2)
    assert (second.status, second.matches) == ("review", "USULAN:1")
    assert second.reason == "NIK beda 1 digit + nama sama"
    assert Result.objects.get(run=run, proposal_row__row_number=1).status == "new"


def test_a_chunk_finished_meanwhile_by_another_worker_is_not_written_twice(
    users, doubtful_run, monkeypatch
):
    Result.objects.all().delete()
    ReviewPair.objects.all().delete()
    chunk = Chunk.objects.get()
    Chunk.objects.filter(pk=chunk.pk).update(done=False)
    Run.objects.filter(pk=doubtful_run.pk).update(rows_done=0, status="running")
    real = pipeline._match

    def slow_match(chunk):
        found = real(chunk)
        if not Chunk.objects.get(pk=chunk.pk).done:
            monkeypatch.setattr(pipeline, "_match", real)
            pipeline.run_chunk(chunk.pk)  # the other delivery finishes first
        return found

    monkeypatch.setattr(pipeline, "_match", slow_match)
    pipeline.run_chunk(chunk.pk)

    run = Run.objects.get(pk=doubtful_run.pk)
    assert Result.objects.count() == run.rows_done == 2 and ReviewPair.objects.count() == 1
    assert run.status == "done"


def test_a_late_failure_of_a_finished_chunk_leaves_the_run_done(users, doubtful_run, monkeypatch):
    chunk = Chunk.objects.get()
    Chunk.objects.filter(pk=chunk.pk).update(done=False)

    def finished_elsewhere_then_failed(chunk):
        Chunk.objects.filter(pk=chunk.pk).update(done=True)
        raise ConnectionError("lost")

    monkeypatch.setattr(pipeline, "_match", finished_elsewhere_then_failed)
    with pytest.raises(ConnectionError):
        pipeline.run_chunk(chunk.pk)
    assert Run.objects.get(pk=doubtful_run.pk).status == "done"
    assert pipeline.resume_run(Run.objects.get(pk=doubtful_run.pk)) == 0


def _interrupted(run: Run) -> Chunk:
    """The run as a lost worker leaves it: running, its chunk not done, nothing written."""
    run.results.all().delete()
    run.pairs.all().delete()
    run.chunks.update(done=False)
    Run.objects.filter(pk=run.pk).update(status=Run.Status.RUNNING, rows_done=0)
    return run.chunks.get()


def test_a_chunk_whose_worker_is_lost_again_and_again_fails_the_run_with_a_reason(
    doubtful_run,
):
    chunk = _interrupted(doubtful_run)
    Chunk.objects.filter(pk=chunk.pk).update(attempts=pipeline.MAX_ATTEMPTS)
    pipeline.run_chunk(chunk.pk)  # the fourth delivery of the same chunk

    run = Run.objects.get(pk=doubtful_run.pk)
    assert run.status == Run.Status.FAILED and "kehabisan memori" in run.error
    assert not run.results.exists() and not Chunk.objects.get(pk=chunk.pk).done
    assert pipeline.resume_run(run) == 1  # staff resume it: a fresh count, and it finishes
    run.refresh_from_db()
    assert run.status == Run.Status.DONE and run.results.count() == 2


def test_resuming_a_stalled_run_twice_queues_its_chunks_once(doubtful_run, settings, monkeypatch):
    _interrupted(doubtful_run)
    long_ago = doubtful_run.created_at - datetime.timedelta(hours=2)
    Run.objects.filter(pk=doubtful_run.pk).update(created_at=long_ago)
    doubtful_run.chunks.update(started_at=long_ago, finished_at=None)
    queued = []
    monkeypatch.setattr("dedup.tasks.match_chunk.delay", queued.append)
    settings.DEDUP_STALLED_AFTER = datetime.timedelta(minutes=15)

    run = Run.objects.get(pk=doubtful_run.pk)
    assert run.stalled
    assert pipeline.resume_run(run) == 1
    run.refresh_from_db()
    assert not run.stalled  # queued again a moment ago: a second click waits
    assert pipeline.resume_run(run) == 0
    assert len(queued) == 1


def test_a_run_reads_every_number_and_name_of_its_rosters_as_the_engine_would(users, units):
    """The run's number table comes from the database in bulk (on PostgreSQL four long texts):
    every clean NIK and No. KK with its row and name, damaged ones left out, names intact
    whatever they hold."""
    from dedup.engine.match import NumberTable

    version = RosterVersion.objects.create(program=program("PKH"), period="2026")
    values = [
        (make_nik(), make_no_kk(), "SLAMET"),
        ("3.30601E+15", make_no_kk(), "Siti\x1eAminah, S.Pd"),  # Excel's NIK; a stray control
        (make_nik()[:15], "", "NGATIMAN"),  # fifteen digits, no No. KK: nothing to look up
        (make_nik()[:15] + "é", make_no_kk(), "Ñoman, Ä"),
        ("", "", ""),
    ]
    for n, (nik, no_kk, name) in enumerate(values, start=1):
        RosterRow.objects.create(version=version, row_number=n, nik=nik, no_kk=no_kk, name=name)
    rows = RosterRow.objects.filter(version=version)
    batch = ProposalBatch.objects.create(
        unit=units["village_a"], title="Usulan", created_by=users["village"]
    )
    seventeen = make_nik() + "7"  # one digit too many: no NIK, not its first 16 digits
    ProposalRow.objects.create(batch=batch, row_number=1, nik=seventeen, name="X", status="invalid")
    proposals = pipeline._numbers(
        Run.objects.create(created_by=users["staff"]), "proposals", batch.rows.all()
    )
    assert len(proposals.values) == 0

    table = pipeline._numbers(Run.objects.create(created_by=users["staff"]), "roster", rows)

    def content(t: NumberTable) -> list[tuple]:
        names = [t.spellings[i] for i in t.name_ids.tolist()]
        return sorted(zip(t.values.tolist(), t.ids.tolist(), names, strict=True))

    expected = NumberTable(
        (pk, kind, number, name)
        for pk, nik, no_kk, name in rows.values_list("pk", "nik", "no_kk", "name")
        for kind, number in (("nik", nik), ("kk", no_kk))
    )
    assert len(table.values) == 4  # SLAMET's NIK and No. KK, the No. KKs of rows 2 and 4
    assert content(table) == content(expected)


def test_a_finished_run_marks_its_submitted_proposals_cross_checked(users, units, regions):
    submitted, draft = (
        ProposalBatch.objects.create(unit=units[unit], title=unit, created_by=users["village"])
        for unit in ("village_a", "agency")
    )
    for batch in (submitted, draft):
        ProposalRow.objects.create(
            batch=batch, row_number=1, nik=make_nik(), no_kk=make_no_kk(), name="SLAMET",
            desa=regions["desa_a"],
        )  # fmt: skip
    submitted.move_to(ProposalBatch.Status.SUBMITTED, by=users["village"])

    run = pipeline.start_run(batches=[submitted, draft], user=users["staff"])

    run.refresh_from_db()
    submitted.refresh_from_db()
    draft.refresh_from_db()
    assert run.status == Run.Status.DONE
    assert (submitted.status, draft.status) == ("checked", "draft")
    assert submitted.history.first().history_user == users["staff"]
