"""One family typed in a form (the complaint desk, a JPS correction): checked by the rules of
its unit's proposals and added as the proposal's next row, what was typed kept."""

import pytest

from programs.intake.family import add_to_proposal, check_family
from programs.models import ProposalBatch
from tests.conftest import make_nik, make_no_kk

pytestmark = pytest.mark.django_db


def typed(**changes):
    values = {
        "no_kk": make_no_kk(), "nik": make_nik(), "nama": " slamet  riyadi ", "rt": "2",
        "rw": "05", "alamat": "Dusun Krajan", "desa": "Sindurjan", "kecamatan": "Purworejo",
    }  # fmt: skip
    return values | changes


def test_a_family_is_checked_as_a_row_of_its_unit_and_added_as_the_next_row(users, units):
    batch = ProposalBatch.objects.create(
        unit=units["village_a"], title="Dari posko", created_by=users["desk"]
    )
    first = add_to_proposal(batch, check_family(typed(), units["village_a"]), by=users["desk"])
    checked = check_family(typed(nama="SUPARMI"), units["village_a"])
    second = add_to_proposal(batch, checked, by=users["desk"], remarks="pengaduan PGD-1")

    assert (first.row_number, second.row_number) == (1, 2)
    assert (first.name, first.rt, first.rw, first.desa.name) == (
        "SLAMET RIYADI",
        "002",
        "005",
        "Sindurjan",
    )
    assert second.remarks == "pengaduan PGD-1" and "SUPARMI" in second.raw["cells"]
    assert second.history.get().history_user == users["desk"]


def test_a_family_of_another_village_is_refused_by_the_units_rule(units):
    checked = check_family(typed(desa="Harjobinangun", kecamatan="Grabag"), units["village_a"])
    assert not checked.ok and [column for column, _ in checked.problems] == ["desa"]
