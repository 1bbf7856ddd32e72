"""JPS re-validation: what keeps a family allocated to JPS from phase 1, column by column."""

import datetime
from dataclasses import dataclass, replace

import pytest

from programs.rounds.revalidation import revalidate
from tests.conftest import make_nik, make_no_kk

TODAY = datetime.date(2026, 11, 30)


@dataclass(frozen=True)
class Row:
    nik: str
    no_kk: str
    name: str = "SLAMET RIYADI"
    birth_date: datetime.date | None = datetime.date(1980, 3, 12)
    address: str = "DUSUN KRAJAN"
    rt: str = "002"
    rw: str = "005"
    desa_id: int | None = 7


@pytest.fixture
def row():
    return Row(nik=make_nik(born=datetime.date(1980, 3, 12)), no_kk=make_no_kk())


def columns(problems):
    return [column for column, _message in problems]


def test_a_complete_row_passes(row):
    assert revalidate(row, today=TODAY) == []


@pytest.mark.parametrize("name", ["-", "XXX", "nn", "Tidak Ada", "A", "  ", "0", "aaaa"])
def test_a_missing_or_placeholder_name_is_returned(row, name):
    assert columns(revalidate(replace(row, name=name), today=TODAY)) == ["name"]


@pytest.mark.parametrize("name", ["SITI", "Moch. Rochmat", "IR SUKARNO", "NY. PAINEM"])
def test_real_names_pass(row, name):
    assert revalidate(replace(row, name=name), today=TODAY) == []


def test_numbers_are_checked_again_with_the_intakes_messages(row):
    problems = revalidate(replace(row, nik="3.30606E+15", no_kk=row.no_kk[:15]), today=TODAY)
    assert columns(problems) == ["nik", "no_kk"]


def test_an_implausible_or_contradicted_birth_date_is_returned(row):
    child = replace(row, nik=make_nik(born=datetime.date(2020, 1, 5)), birth_date=None)
    assert columns(revalidate(child, today=TODAY)) == ["birth_date"]
    other_day = replace(row, birth_date=datetime.date(1980, 3, 13))
    ((column, message),) = revalidate(other_day, today=TODAY)
    assert column == "birth_date" and "13-03-1980" in message and "12-03-1980" in message


def test_an_address_without_rt_rw_or_desa_is_returned_saying_what_lacks(row):
    problems = revalidate(replace(row, rt="000", desa_id=None), today=TODAY)
    # Each under the column the operator fills in, in the users' language.
    assert problems == [
        ("rt", "Alamat belum lengkap: RT."),
        ("desa", "Alamat belum lengkap: desa."),
    ]
