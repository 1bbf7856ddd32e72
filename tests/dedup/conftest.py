import time

import pytest

from programs.models import Program, ProposalBatch, ProposalRow, RosterRow, RosterVersion
from tests.conftest import make_nik, make_no_kk


@pytest.fixture
def twelve_families(users, units, regions):
    """An agency's proposal of twelve families in two kecamatan (two chunks); the PKH roster
    lists the first four. For tests whose workers need the rows committed."""
    batch = ProposalBatch.objects.create(
        unit=units["agency"], title="Usulan Dishub", created_by=users["agency"]
    )
    # (A transactional test empties the tables after it, the migrated programmes too.)
    pkh, _created = Program.objects.get_or_create(
        code="PKH",
        defaults={"name": "Program Keluarga Harapan", "level": "pusat", "funding": "apbn"},
    )
    version = RosterVersion.objects.create(program=pkh, period="2026")
    for n in range(1, 13):
        desa = regions["desa_a"] if n % 2 else regions["desa_b"]
        row = ProposalRow.objects.create(
            batch=batch,
            row_number=n,
            nik=make_nik(),
            no_kk=make_no_kk(),
            name=f"WARGA NOMOR {n}",
            address="DUSUN KRAJAN",
            desa=desa,
        )
        if n <= 4:
            RosterRow.objects.create(
                version=version, row_number=n, nik=row.nik, no_kk=row.no_kk, name=row.name
            )
    version.activate()
    return batch


@pytest.fixture
def wait_for():
    """wait_for(run, status): the run, once it has that status; fails after `seconds`."""

    def wait(run, status, seconds=60):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            run.refresh_from_db()
            if run.status == status:
                return run
            time.sleep(0.2)
        raise AssertionError(f"run is {run.status}, not {status}")

    return wait
