"""No family paid twice and none paid on a doubt: a second click, a superseded version of the
list, a later result contradicting a recorded one, a wrong amount, a NIK under another name,
the same file twice; and a family that died after its payment was corrected or made."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from distribution import payments, results
from distribution.models import Payment, ResultImport
from households.models import Household
from programs import rounds
from tests.distribution.conftest import corrected, family, result_file

pytestmark = pytest.mark.django_db

STATUS = Payment.Status
BANK = {"amount": 250_000, "funding": "apbd_kab", "channel": "bank"}


@pytest.fixture
def july(approved, users):
    return payments.add_tranche(approved, label="Juli 2026", by=users["staff"], **BANK)


def upload(tranche, users, lines, **kwargs):
    made = ResultImport.objects.create(
        tranche=tranche,
        file=SimpleUploadedFile("hasil.xlsx", result_file(lines, **kwargs)),
        filename="hasil.xlsx",
        uploaded_by=users["staff"],
    )
    results.read_result(made)
    return made


def test_a_second_click_makes_no_second_tranche(july, approved, users):
    with pytest.raises(ValidationError, match="sudah punya tahap juli 2026"):
        payments.add_tranche(approved, label=" juli  2026", by=users["staff"], **BANK)
    assert approved.tranches.count() == 1


def test_a_new_version_of_the_list_is_paid_from_and_carries_what_is_owed(
    july, approved, round_, users
):
    suparno = family(round_, "SUPARNO")
    upload(july, users, [(suparno.head_nik, "SUPARNO", "250.000", "GAGAL", "Rekening pasif")])
    corrected(july.payments.get(household=suparno), users, name="SUPARNO", account="777")
    newer = rounds.prepare_list(round_, approved.target, None, by=users["staff"], reason="tambah")
    rounds.approve(newer, by=users["head"])
    with pytest.raises(ValidationError, match="Versi 2"):
        payments.add_tranche(approved, label="Agustus 2026", by=users["staff"], **BANK)
    august = payments.add_tranche(newer, label="Agustus 2026", by=users["staff"], **BANK)
    paid = august.payments.get(household=suparno)
    assert (paid.amount, paid.arrears, paid.account) == (500_000, 250_000, "777")


def test_a_later_file_does_not_overturn_a_recorded_payment(july, round_, users):
    slamet = family(round_, "SLAMET RIYADI")
    upload(july, users, [(slamet.head_nik, "SLAMET RIYADI", "250.000", "BERHASIL", "")])
    later = upload(july, users, [(slamet.head_nik, "SLAMET RIYADI", "250.000", "GAGAL", "x")])
    line = later.lines.get()
    assert line.outcome == "check" and "sudah tercatat dibayar" in line.match
    assert july.payments.get(household=slamet).status == STATUS.PAID


def test_a_wrong_amount_or_another_name_waits_for_a_person(july, round_, users):
    slamet, suparno = family(round_, "SLAMET RIYADI"), family(round_, "SUPARNO")
    made = upload(july, users, [
        (slamet.head_nik, "SLAMET RIYADI", "100.000", "BERHASIL", ""),
        (suparno.head_nik, "BUDI SANTOSO", "250.000", "BERHASIL", ""),
    ])  # fmt: skip
    first, second = made.lines.order_by("number")
    assert first.outcome == second.outcome == "check"
    assert "nominal 100000 ≠ 250000" in first.match and "nama berbeda" in second.match
    assert set(july.payments.values_list("status", flat=True)) == {STATUS.PLANNED}


def test_status_words_as_channels_write_them_and_the_account_they_send(july, round_, users):
    slamet, suparno = family(round_, "SLAMET RIYADI"), family(round_, "SUPARNO")
    header = ("NO", "NIK", "NAMA", "NOMINAL", "STATUS", "KETERANGAN", "NO REKENING")
    upload(july, users, [
        (slamet.head_nik, "SLAMET RIYADI", "Rp. 250.000", "Sudah Diambil", "", "1234567890"),
        (suparno.head_nik, "SUPARNO", "IDR 250.000", "Gagal - rekening pasif", "", ""),
    ], header=header)  # fmt: skip
    by_name = {p.name: p for p in july.payments.all()}
    assert (by_name["SLAMET RIYADI"].status, by_name["SLAMET RIYADI"].account) == (
        STATUS.PAID, "1234567890",
    )  # fmt: skip
    assert by_name["SUPARNO"].status == STATUS.FAILED


def test_the_same_file_twice_is_refused(july, users, login):
    client = login(users["staff"])
    content = result_file([("3306019999990001", "ORANG", "250.000", "BERHASIL", "")])
    url = reverse("distribution:result_upload", args=[july.pk])
    client.post(url, {"file": SimpleUploadedFile("a.xlsx", content)})
    response = client.post(url, {"file": SimpleUploadedFile("b.xlsx", content)}, follow=True)
    assert july.imports.count() == 1
    assert "pernah diunggah" in response.content.decode()


def test_a_family_that_died_after_its_tranche_was_made_is_not_in_the_file(
    july, round_, users, login
):
    suparno = family(round_, "SUPARNO")
    Household.objects.filter(pk=suparno.pk).update(status=Household.Status.DIED)
    login(users["staff"]).post(
        reverse("distribution:tranche", args=[july.pk]), {"layout": "bank", "purpose": "bayar"}
    )
    stopped = july.payments.get(household=suparno)
    assert (stopped.status, stopped.amount) == (STATUS.STOPPED, 0)


def test_what_a_family_that_died_was_owed_is_stopped_with_it(july, approved, round_, users):
    suparno = family(round_, "SUPARNO")
    upload(july, users, [(suparno.head_nik, "SUPARNO", "250.000", "GAGAL", "x")])
    failed = july.payments.get(household=suparno)
    corrected(failed, users, name="SUPARNO", account="1")
    Household.objects.filter(pk=suparno.pk).update(status=Household.Status.DIED)
    payments.add_tranche(approved, label="Agustus 2026", by=users["staff"], **BANK)
    failed.refresh_from_db()
    assert failed.status == STATUS.STOPPED and "meninggal" in failed.reason


def test_a_correction_reaches_a_tranche_made_before_it(july, approved, round_, users):
    suparno = family(round_, "SUPARNO")
    upload(july, users, [(suparno.head_nik, "SUPARNO", "250.000", "GAGAL", "x")])
    august = payments.add_tranche(approved, label="Agustus 2026", by=users["staff"], **BANK)
    corrected(july.payments.get(household=suparno), users, name="SUPARNO", account="55")
    assert august.payments.get(household=suparno).account == "55"


def test_a_slip_that_makes_the_nik_impossible_still_finds_the_family(july, round_, users):
    """A bank clerk's slip turns month 03 into 93: no such NIK, one digit from the family's,
    under its name and amount."""
    slamet = family(round_, "SLAMET RIYADI")
    impossible = slamet.head_nik[:8] + "9" + slamet.head_nik[9:]
    made = upload(july, users, [(impossible, "SLAMET RIYADI", "250.000", "BERHASIL", "")])
    assert made.lines.get().payment.household == slamet
    assert july.payments.get(household=slamet).status == STATUS.PAID
