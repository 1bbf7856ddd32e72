"""An approved list to pay: the provincial quota of the verification tests' round (SLAMET
and SUPARNO in Sindurjan, SUPARMAN in Harjobinangun), approved by the head."""

import io

import pytest
from openpyxl import Workbook

from distribution import payments
from programs import rounds
from tests.verification.conftest import family


@pytest.fixture
def approved(round_, users):
    recipients = rounds.prepare_list(round_, round_.targets.get().program, None, by=users["staff"])
    return rounds.approve(recipients, by=users["head"])


def corrected(payment, users, *, name, account, by="village"):
    """A village's correction of a failed payment, accepted by the district's staff."""
    correction = payments.propose(payment, name=name, account=account, by=users[by])
    return payments.decide(correction, accept=True, by=users["staff"])


def names(payments):
    return sorted(p.name for p in payments)


def result_file(lines, header=("NO", "NIK", "NAMA", "NOMINAL", "STATUS", "KETERANGAN")):
    """A bank's result as .xlsx: a title row, the header, then `lines`."""
    book = Workbook()
    sheet = book.active
    sheet.append(["LAPORAN HASIL PENYALURAN BANK JATENG"])
    sheet.append(list(header))
    for n, line in enumerate(lines, start=1):
        sheet.append([n, *line])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


__all__ = ["corrected", "family", "names", "result_file"]
