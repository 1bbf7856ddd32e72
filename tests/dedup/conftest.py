import pytest

from dedup import pipeline
from programs.models import Program, ProposalBatch, ProposalRow, RosterRow, RosterVersion
from tests.conftest import make_nik, make_no_kk


@pytest.fixture
def run_on_commit(monkeypatch):
    # The test's transaction never commits: queue the chunks at once, as a commit would.
    monkeypatch.setattr("django.db.transaction.on_commit", lambda func, *a, **k: func())


@pytest.fixture
def doubtful_run(users, units, regions, run_on_commit):
    """A village's proposal of two families: SLAMET is on PKH as he is; SUPARNO's NIK on BST
    (which lists only NIK and name) is one digit off, so a person must decide."""
    batch = ProposalBatch.objects.create(
        unit=units["village_a"], title="Usulan Sindurjan", created_by=users["village"]
    )
    rows = [
        ProposalRow.objects.create(
            batch=batch,
            row_number=n,
            nik=make_nik(),
            no_kk=make_no_kk(),
            name=name,
            address="DUSUN KRAJAN",
            rt="002",
            rw="005",
            desa=regions["desa_a"],
        )
        for n, name in enumerate(["SLAMET RIYADI", "SUPARNO"], start=1)
    ]
    pkh = RosterVersion.objects.create(program=Program.objects.get(code="PKH"), period="2026")
    RosterRow.objects.create(version=pkh, row_number=1, nik=rows[0].nik, name="SLAMET RIYADI")
    pkh.activate()
    bst = RosterVersion.objects.create(program=Program.objects.get(code="BST"), period="2026")
    slipped = rows[1].nik[:-1] + ("1" if rows[1].nik[-1] != "1" else "2")
    RosterRow.objects.create(version=bst, row_number=7, nik=slipped, name="SUPARNO")
    bst.activate()
    return pipeline.start_run(batches=[batch], user=users["staff"])
