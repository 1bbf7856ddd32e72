"""From an approved list to aid in hand: tranches and their payments, the payment file, the
bank's result matched back to the families (a mistyped NIK, a family paid twice in one file,
a line of nobody's), the village's correction paid with the next tranche, a family stopped by
its verification, the decree's annex, the receipts and the realisation."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from distribution import payments, results
from distribution.models import Payment, PaymentComplaint, ResultImport, ResultLine
from households.models import Download, Household
from programs.models import RecipientList
from tests.conftest import make_nik
from tests.distribution.conftest import corrected, family, names, result_file

pytestmark = pytest.mark.django_db

STATUS = Payment.Status
BACKEND = "django.contrib.auth.backends.ModelBackend"
BANK = {"amount": 250_000, "funding": "apbd_kab", "channel": "bank"}


@pytest.fixture
def july(approved, users):
    return payments.add_tranche(
        approved, label="Juli 2026", amount=250_000, funding="apbd_kab", channel="bank",
        by=users["staff"],
    )  # fmt: skip


def upload(tranche, users, lines, django_capture_on_commit_callbacks, **kwargs):
    made = ResultImport.objects.create(
        tranche=tranche,
        file=SimpleUploadedFile("hasil.xlsx", result_file(lines, **kwargs)),
        filename="hasil.xlsx",
        uploaded_by=users["staff"],
    )
    results.read_result(made)
    return made


def test_a_tranche_pays_every_family_of_the_approved_list(july, approved):
    assert names(july.payments.all()) == ["SLAMET RIYADI", "SUPARMAN", "SUPARNO"]
    assert {(p.amount, p.funding, p.status) for p in july.payments.all()} == {
        (250_000, "apbd_kab", STATUS.PLANNED)
    }
    assert july.number == 1


def test_only_staff_pay_and_only_an_approved_list(round_, users, approved):
    with pytest.raises(PermissionDenied):
        payments.add_tranche(
            approved, label="x", amount=1, funding="apbn", channel="bank", by=users["head"]
        )
    RecipientList.objects.filter(pk=approved.pk).update(approved_at=None)
    with pytest.raises(ValidationError):
        payments.add_tranche(
            approved, label="x", amount=1, funding="apbn", channel="bank", by=users["staff"]
        )


def test_a_family_that_died_is_stopped_before_the_next_tranche(july, approved, round_, users):
    suparno = family(round_, "SUPARNO")
    Household.objects.filter(pk=suparno.pk).update(status=Household.Status.DIED)
    august = payments.add_tranche(
        approved, label="Agustus 2026", amount=250_000, funding="apbd_kab", channel="bank",
        by=users["staff"],
    )  # fmt: skip
    stopped = august.payments.get(household=suparno)
    assert (stopped.status, stopped.amount) == (STATUS.STOPPED, 0)
    assert "meninggal" in stopped.reason


def test_the_payment_file_is_formula_safe_recorded_and_carries_its_purpose(july, users, login):
    Payment.objects.filter(name="SUPARNO").update(name='=HYPERLINK("http://x")')
    client = login(users["staff"])
    response = client.post(
        reverse("distribution:tranche", args=[july.pk]),
        {"layout": "bank", "purpose": "transfer ke Bank Jateng, SP2D 12/2026"},
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "transfer ke Bank Jateng, SP2D 12/2026" in rows[2][0]
    header = rows.index(next(r for r in rows if r[0] == "NO"))
    body = [r for r in rows[header + 1 :] if r and isinstance(r[0], int)]
    assert len(body) == 3 and all(r[5] == 250_000 for r in body)
    assert any(str(r[1]).startswith("'=") for r in body)  # never a formula
    assert all(len(r[2]) == 16 for r in body)  # NIK as text, whole
    download = Download.objects.get(kind=Download.Kind.PAYMENTS)
    assert (download.rows, download.purpose) == (3, "transfer ke Bank Jateng, SP2D 12/2026")


def test_the_banks_result_is_matched_line_by_line_and_nothing_is_dropped(
    july, round_, users, django_capture_on_commit_callbacks
):
    slamet, suparno, suparman = (
        family(round_, n) for n in ("SLAMET RIYADI", "SUPARNO", "SUPARMAN")
    )
    typo = suparman.head_nik[:-1] + ("0" if suparman.head_nik[-1] != "0" else "1")
    made = upload(july, users, [
        (slamet.head_nik, "SLAMET RIYADI", "250.000", "BERHASIL", ""),
        (suparno.head_nik, "SUPARNO", "250.000", "GAGAL", "Rekening tidak aktif"),
        (typo, "SUPARMAN", "Rp250.000", "SUKSES", ""),  # NIK mistyped by the bank
        (slamet.head_nik, "SLAMET RIYADI", "250.000", "BERHASIL", ""),  # twice in the file
        ("3306019999990001", "ORANG LAIN", "250.000", "BERHASIL", ""),  # nobody of ours
        (suparno.head_nik, "SUPARNO", "250.000", "DALAM PROSES", ""),  # not understood
    ], django_capture_on_commit_callbacks)  # fmt: skip
    outcomes = list(made.lines.order_by("number").values_list("number", "outcome"))
    assert outcomes == [
        (1, "matched"), (2, "matched"), (3, "matched"), (4, "twice"), (5, "unmatched"),
        (6, "unreadable"),
    ]  # fmt: skip
    assert made.counts == {"lines": 6, "matched": 3, "twice": 1, "unmatched": 1, "unreadable": 1}
    assert sum(v for k, v in made.counts.items() if k != "lines") == made.counts["lines"]
    by_name = {p.name: p for p in july.payments.all()}
    assert by_name["SLAMET RIYADI"].status == STATUS.PAID
    assert (by_name["SUPARNO"].status, by_name["SUPARNO"].reason) == (
        STATUS.FAILED, "Rekening tidak aktif",
    )  # fmt: skip
    assert by_name["SUPARMAN"].status == STATUS.PAID
    assert "NIK beda 1 digit" in made.lines.get(number=3).match
    record = by_name["SUPARNO"].history.latest()  # each status in the payment's history
    assert (record.status, record.history_change_reason, record.history_user) == (
        STATUS.FAILED, "hasil penyaluran", users["staff"],
    )  # fmt: skip
    # Read again (a task delivered twice): the same lines, once.
    results.read_result(made)
    assert made.lines.count() == 6
    assert by_name["SUPARNO"].history.count() == 1  # failed, recorded once: not applied twice


def test_a_status_not_understood_is_kept_and_not_applied(
    july, round_, users, django_capture_on_commit_callbacks
):
    suparno = family(round_, "SUPARNO")
    made = upload(july, users, [(suparno.head_nik, "SUPARNO", "250.000", "DALAM PROSES", "")],
                  django_capture_on_commit_callbacks)  # fmt: skip
    assert made.lines.get().outcome == ResultLine.Outcome.UNREADABLE
    assert july.payments.get(household=suparno).status == STATUS.PLANNED


def test_a_failed_payment_corrected_by_its_village_is_paid_with_the_next_tranche(
    july, approved, round_, users, django_capture_on_commit_callbacks
):
    suparno = family(round_, "SUPARNO")
    upload(july, users, [(suparno.head_nik, "SUPARNO", "250.000", "GAGAL", "Nama tidak sesuai")],
           django_capture_on_commit_callbacks)  # fmt: skip
    failed = july.payments.get(household=suparno)
    with pytest.raises(PermissionDenied):  # another village's family
        payments.propose(failed, name="SUPARNO", account="123", by=users["village_b"])
    sent = payments.propose(
        failed, name="suparno  hadi", account="0123 4567 89", by=users["village"]
    )
    with pytest.raises(PermissionDenied):  # a village does not check its own correction
        payments.decide(sent, accept=True, by=users["village"])
    failed.refresh_from_db()
    assert (failed.status, failed.name) == (STATUS.FAILED, "SUPARNO")  # not paid unchecked
    payments.decide(sent, accept=True, by=users["staff"])
    failed.refresh_from_db()
    assert (failed.status, failed.name, failed.account) == (
        STATUS.CORRECTED, "SUPARNO HADI", "0123456789",
    )  # fmt: skip
    assert failed.history.latest().history_user == users["staff"]
    assert str(users["village"]) in failed.history.latest().history_change_reason
    august = payments.add_tranche(
        approved, label="Agustus 2026", amount=250_000, funding="apbd_kab", channel="bank",
        by=users["staff"],
    )  # fmt: skip
    again = august.payments.get(household=suparno)
    assert (again.amount, again.arrears, again.name, again.account) == (
        500_000, 250_000, "SUPARNO HADI", "0123456789",
    )  # fmt: skip
    failed.refresh_from_db()
    assert failed.paid_with == again
    others = august.payments.exclude(household=suparno)
    assert {p.amount for p in others} == {250_000}
    # Paid once: a third tranche does not carry the arrears again.
    september = payments.add_tranche(
        approved, label="September 2026", amount=250_000, funding="apbd_kab", channel="bank",
        by=users["staff"],
    )  # fmt: skip
    assert september.payments.get(household=suparno).amount == 250_000


def test_the_village_corrects_on_its_phone_page_and_sees_only_its_own(
    july, round_, users, login, django_capture_on_commit_callbacks
):
    suparno, suparman = family(round_, "SUPARNO"), family(round_, "SUPARMAN")
    upload(july, users, [
        (suparno.head_nik, "SUPARNO", "250.000", "RETUR", "Rekening ditutup"),
        (suparman.head_nik, "SUPARMAN", "250.000", "GAGAL", "NIK tidak sesuai"),
    ], django_capture_on_commit_callbacks)  # fmt: skip
    client = login(users["village"])
    page = client.get(reverse("distribution:failed")).content.decode()
    assert "SUPARNO" in page and "Rekening ditutup" in page and "SUPARMAN" not in page
    other = july.payments.get(household=suparman)
    response = client.post(
        reverse("distribution:failed"), {"payment": other.pk, "name": "X", "account": "1"}
    )
    assert response.status_code == 404
    mine = july.payments.get(household=suparno)
    assert client.get(reverse("home")).context["payments_to_fix"] == 1
    client.post(
        reverse("distribution:failed"), {"payment": mine.pk, "name": "SUPARNO", "account": "998877"}
    )
    mine.refresh_from_db()
    assert (mine.status, mine.account) == (STATUS.RETURNED, "")  # the district's check first
    page = client.get(reverse("distribution:failed")).content.decode()
    assert "998877" in page and "menunggu pemeriksaan dinas" in page
    assert client.get(reverse("home")).context["payments_to_fix"] == 0  # sent: not to do


def test_the_district_checks_a_changed_payee_before_it_is_paid(
    july, approved, round_, users, django_capture_on_commit_callbacks
):
    """A correction naming someone outside the family is marked for the district, which
    refuses it with a reason the village reads; the next tranche pays no one unchecked."""
    suparno = family(round_, "SUPARNO")
    upload(july, users, [(suparno.head_nik, "SUPARNO", "250.000", "GAGAL", "Nama tidak sesuai")],
           django_capture_on_commit_callbacks)  # fmt: skip
    failed = july.payments.get(household=suparno)
    village, staff = Client(), Client()  # two people at once
    village.force_login(users["village"], backend=BACKEND)
    staff.force_login(users["staff"], backend=BACKEND)
    village.post(
        reverse("distribution:failed"), {"payment": failed.pk, "name": "BUDI", "account": "42"}
    )
    august = payments.add_tranche(approved, label="Agustus 2026", by=users["staff"], **BANK)
    waiting = august.payments.get(household=suparno)
    assert (waiting.name, waiting.account, waiting.arrears) == ("SUPARNO", "", 0)
    assert staff.get(reverse("home")).context["corrections_to_check"] == 1
    page = staff.get(reverse("distribution:corrections")).content.decode()
    assert "BUDI" in page and "bukan nama keluarga ini" in page
    head = Client()
    head.force_login(users["head"], backend=BACKEND)
    seen = head.get(reverse("distribution:corrections")).content.decode()
    assert "BUDI" in seen and "Terima</button>" not in seen  # the head reads, staff decide
    correction = failed.corrections.get()
    staff.post(reverse("distribution:corrections"), {"correction": correction.pk,
               "decision": "refuse", "note": ""})  # fmt: skip
    correction.refresh_from_db()
    assert correction.decision == "pending"  # a refusal says why
    staff.post(reverse("distribution:corrections"), {"correction": correction.pk,
               "decision": "refuse", "note": "Bukan anggota keluarga"})  # fmt: skip
    failed.refresh_from_db()
    assert (failed.status, failed.name) == (STATUS.FAILED, "SUPARNO")
    page = village.get(reverse("distribution:failed")).content.decode()
    assert "Bukan anggota keluarga" in page
    # The family's own name, accepted: the tranche made meanwhile pays the new account.
    village.post(
        reverse("distribution:failed"), {"payment": failed.pk, "name": "SUPARNO", "account": "7"}
    )
    page = staff.get(reverse("distribution:corrections")).content.decode()
    assert "nama SUPARNO, dari keluarga ini" in page
    pending = failed.corrections.get(decision="pending")
    staff.post(
        reverse("distribution:corrections"), {"correction": pending.pk, "decision": "accept"}
    )
    waiting.refresh_from_db()  # August's file has not gone out: it pays what July missed
    assert (waiting.name, waiting.account, waiting.amount, waiting.arrears) == (
        "SUPARNO", "7", 500_000, 250_000,
    )  # fmt: skip
    failed.refresh_from_db()
    assert failed.paid_with == waiting
    september = payments.add_tranche(approved, label="September 2026", by=users["staff"], **BANK)
    assert september.payments.get(household=suparno).arrears == 0  # carried once


def test_a_payee_accepted_after_a_file_went_out_is_paid_from_the_next_tranche(
    july, approved, round_, users, django_capture_on_commit_callbacks
):
    """August's payment file went to the bank with the old payee before the district accepted
    the correction: August is left as it went out, September pays the new payee and what
    July missed."""
    suparno = family(round_, "SUPARNO")
    upload(july, users, [(suparno.head_nik, "SUPARNO", "250.000", "GAGAL", "Rekening pasif")],
           django_capture_on_commit_callbacks)  # fmt: skip
    august = payments.add_tranche(approved, label="Agustus 2026", by=users["staff"], **BANK)
    payments.file_made(august)
    correction = payments.propose(
        july.payments.get(household=suparno), name="SUPARNO", account="88", by=users["village"]
    )
    assert payments.decide(correction, accept=True, by=users["staff"]) is None
    gone = august.payments.get(household=suparno)
    assert (gone.account, gone.arrears) == ("", 0)
    september = payments.add_tranche(approved, label="September 2026", by=users["staff"], **BANK)
    paid = september.payments.get(household=suparno)
    assert (paid.account, paid.amount, paid.arrears) == ("88", 500_000, 250_000)


def test_the_district_accepts_only_the_payee_it_was_shown(
    july, round_, users, django_capture_on_commit_callbacks
):
    """The village changes its correction while staff look at it: the one they were shown is
    replaced and cannot be accepted; a bank's long reason and long names still fit the
    history."""
    suparno = family(round_, "SUPARNO")
    reason = "REKENING TIDAK DAPAT DIPROSES KARENA STATUS DORMANT LEBIH DARI DUA BELAS BULAN " * 3
    upload(july, users, [(suparno.head_nik, "SUPARNO", "250.000", "GAGAL", reason[:250])],
           django_capture_on_commit_callbacks)  # fmt: skip
    failed = july.payments.get(household=suparno)
    shown = payments.propose(failed, name="SUPARNO", account="111", by=users["village"])
    payments.propose(failed, name="BUDI LAIN", account="999", by=users["village"])
    with pytest.raises(ValidationError):
        payments.decide(shown, accept=True, by=users["staff"])
    failed.refresh_from_db()
    assert (failed.status, failed.account) == (STATUS.FAILED, "")
    users["staff"].first_name, users["staff"].last_name = "Fransiska Xaveria", "Wulandari " * 4
    users["staff"].save()
    payments.decide(failed.corrections.get(decision="pending"), accept=True, by=users["staff"])
    failed.refresh_from_db()
    assert (failed.status, failed.name) == (STATUS.CORRECTED, "BUDI LAIN")
    assert len(failed.history.latest().history_change_reason) <= 100


def test_a_desa_paid_from_another_source_is_counted_under_it(july, approved, round_, users, login):
    suparman = family(round_, "SUPARMAN")
    client = login(users["staff"])
    client.post(
        reverse("distribution:tranche", args=[july.pk]),
        {"desa": suparman.desa_id, "funding": "apbn"},
    )
    assert july.payments.get(household=suparman).funding == "apbn"
    page = client.get(reverse("distribution:realisation", args=[approved.pk]))
    (july_row,) = page.context["table"]
    sources = {str(label): figures["n_planned"] for _source, label, figures in july_row["sources"]}
    assert sources == {"APBN (anggaran pusat)": 1, "APBD kabupaten": 2}


def test_the_decree_annex_adds_up_per_desa_kecamatan_and_district(approved, users, login):
    approved.decree_number, approved.decree_date = "400.9/123/2026", "2026-07-01"
    approved.save()
    client = login(users["staff"])
    page = client.post(
        reverse("distribution:annex", args=[approved.pk]),
        {"purpose": "ditandatangani Bupati", "format": "print"},
    )
    annex = page.context["annex"]
    program = approved.target
    assert annex["families"] == 3
    assert annex["total"] == 3 * program.benefit_per_month * program.months
    assert {k["name"]: k["families"] for k in annex["kecamatan"]} == {"Grabag": 1, "Purworejo": 2}
    text = page.content.decode()
    assert "400.9/123/2026" in text and "01-07-2026" in text and "Kepala" in text
    assert Download.objects.get(kind=Download.Kind.DECREE).purpose == "ditandatangani Bupati"
    workbook = client.post(
        reverse("distribution:annex", args=[approved.pk]),
        {"purpose": "arsip", "format": "xlsx"},
    )
    rows = list(load_workbook(io.BytesIO(workbook.content)).active.iter_rows(values_only=True))
    (district,) = [row for row in rows if row[0] == "Jumlah kabupaten"]
    assert district[2] == 3 and district[5] == annex["total"]
    assert rows[-1][4] == users["head"].get_full_name()  # the signature block
    assert 'filename="lampiran-sk-bansosprov-v1.xlsx"' in workbook["Content-Disposition"]


def test_the_decree_annex_downloads_as_pdf_where_the_server_draws_it(approved, users, login):
    from distribution import pdf

    if not pdf.available():
        pytest.skip("WeasyPrint cannot load Pango here (Debian: libpango-1.0-0)")
    approved.decree_number = "400.9/77/2026"
    approved.save()
    client = login(users["staff"])
    form = client.get(reverse("distribution:annex", args=[approved.pk])).content.decode()
    assert "Unduh PDF" in form
    response = client.post(
        reverse("distribution:annex", args=[approved.pk]), {"purpose": "arsip", "format": "pdf"}
    )
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = _pdf_text(response.content)
    assert "400.9/77/2026" in text and "Jumlah kabupaten" in text and "arsip" in text
    assert Download.objects.filter(kind=Download.Kind.DECREE, purpose="arsip").exists()


def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_complaint_desk_sees_the_familys_payments(july, round_, users, login, regions):
    from complaints import desk
    from complaints.models import Category, Complaint

    suparno = family(round_, "SUPARNO")
    july.payments.filter(household=suparno).update(
        status=STATUS.FAILED, reason="Rekening tidak aktif"
    )
    complaint = desk.log(
        by=users["desk"], channel=Complaint.Channel.WALK_IN,
        category=Category.objects.get(name="Belum menerima bantuan"),
        complainant_name="Suparno", desa=regions["desa_a"], story="Belum terima",
        household=suparno,
    )  # fmt: skip
    page = login(users["desk"]).get(reverse("complaints:detail", args=[complaint.pk]))
    text = page.content.decode()
    assert "Juli 2026" in text and "gagal" in text and "Rekening tidak aktif" in text


def log_complaint(users, household, **fields):
    from complaints import desk
    from complaints.models import Category, Complaint

    return desk.log(
        by=users["desk"], channel=Complaint.Channel.PHONE,
        category=Category.objects.get(name="Belum menerima bantuan"),
        complainant_name=household.head_name, desa=household.desa, story="Belum terima",
        household=household, **fields,
    )  # fmt: skip


def test_a_complaint_naming_the_tranche_is_linked_to_the_familys_payment(
    july, approved, round_, users, login
):
    suparno = family(round_, "SUPARNO")
    complaint = log_complaint(users, suparno, tranche=" juli 2026")
    (link,) = complaint.payment_links.all()
    assert link.payment == july.payments.get(household=suparno)
    assert link.linked_by == users["desk"]
    assert complaint.steps.count() == 1  # a link is not a step the service-level reports read
    assert log_complaint(users, suparno, tranche="Maret 2025").payment_links.count() == 0
    page = login(users["staff"]).get(
        reverse("distribution:payments", args=[july.pk]), {"status": "planned"}
    )
    assert "1 pengaduan" in page.content.decode()  # the payment shows its complaint


def test_the_desk_says_which_payment_a_complaint_is_about(july, approved, round_, users, login):
    suparno, slamet = family(round_, "SUPARNO"), family(round_, "SLAMET RIYADI")
    august = payments.add_tranche(approved, label="Agustus 2026", by=users["staff"], **BANK)
    complaint = log_complaint(users, suparno)
    url = reverse("distribution:complaint_payment", args=[complaint.pk])
    paid = august.payments.get(household=suparno)
    village = login(users["village"])
    assert village.post(url, {"payment": paid.pk}).status_code == 403
    desk = login(users["desk"])
    other = august.payments.get(household=slamet)
    assert desk.post(url, {"payment": other.pk}).status_code == 404  # not the family's
    desk.post(url, {"payment": paid.pk})
    page = desk.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert "pengaduan ini tentang pembayaran ini" in page
    desk.post(url, {"payment": paid.pk, "action": "unlink"})
    assert complaint.payment_links.count() == 0
    made, unmade = PaymentComplaint.history.order_by("history_date")
    assert (made.history_type, made.history_user, made.payment_id) == ("+", users["desk"], paid.pk)
    assert (unmade.history_type, unmade.history_user) == ("-", users["desk"])


def test_receipts_list_a_desas_families_to_pay_with_a_signature_column(
    july, round_, users, login, regions
):
    page = login(users["staff"]).get(
        reverse("distribution:receipts", args=[july.pk, regions["desa_a"].pk])
    )
    text = page.content.decode()
    assert "SLAMET RIYADI" in text and "SUPARNO" in text and "SUPARMAN" not in text
    assert "Tanda tangan" in text and page.context["total"] == 500_000
    assert family(round_, "SUPARNO").head_nik not in text  # masked


def test_the_notice_board_and_the_annex_file_carry_the_decree_number(approved, users, login):
    approved.decree_number, approved.decree_date = "400.9/123/2026", "2026-07-01"
    approved.save()
    client = login(users["village"])
    notice = client.get(reverse("programs:list_notice", args=[approved.pk])).content.decode()
    assert "SK 400.9/123/2026 tanggal 01-07-2026" in notice
    staff = login(users["staff"])
    exported = staff.post(
        reverse("programs:list_export", args=[approved.pk]),
        {"purpose": "arsip", "layout": "kecamatan"},
    )
    first = load_workbook(io.BytesIO(exported.content)).worksheets[0]
    texts = " ".join(str(c) for row in first.iter_rows(max_row=4, values_only=True) for c in row)
    assert "SK 400.9/123/2026 tanggal 01-07-2026" in texts


def test_each_number_opens_the_families_behind_it(
    july, round_, users, login, django_capture_on_commit_callbacks
):
    suparno = family(round_, "SUPARNO")
    upload(july, users, [(suparno.head_nik, "SUPARNO", "250.000", "GAGAL", "Rekening pasif")],
           django_capture_on_commit_callbacks)  # fmt: skip
    client = login(users["staff"])
    listed = client.get(reverse("distribution:payments", args=[july.pk]), {"status": "failed"})
    assert [p.name for p in listed.context["page"]] == ["SUPARNO"]
    assert "Rekening pasif" in listed.content.decode()
    assert suparno.head_nik not in listed.content.decode()  # masked
    # The village's home page counts what it has to correct.
    home = login(users["village"]).get("/").content.decode()
    assert "pembayaran gagal yang perlu diperbaiki" in home


def test_what_a_later_tranche_paid_as_arrears_counts_where_it_was_owed(
    july, approved, round_, users, login, django_capture_on_commit_callbacks
):
    """July: SLAMET and SUPARMAN paid, SUPARNO failed, corrected and paid with August. July's
    realisation counts SUPARNO as paid later (Rp250.000 realised for July, not August), per
    desa too; August pays out Rp1.000.000 of which Rp750.000 is for August."""
    slamet, suparno, suparman = (
        family(round_, name) for name in ("SLAMET RIYADI", "SUPARNO", "SUPARMAN")
    )
    upload(july, users, [
        (slamet.head_nik, "SLAMET RIYADI", "250.000", "BERHASIL", ""),
        (suparno.head_nik, "SUPARNO", "250.000", "GAGAL", "Rekening pasif"),
        (suparman.head_nik, "SUPARMAN", "250.000", "BERHASIL", ""),
    ], django_capture_on_commit_callbacks)  # fmt: skip
    corrected(july.payments.get(household=suparno), users, name="SUPARNO", account="31")
    august = payments.add_tranche(approved, label="Agustus 2026", by=users["staff"], **BANK)
    client = login(users["staff"])
    (july_row, august_row) = client.get(
        reverse("distribution:realisation", args=[approved.pk])
    ).context["table"]
    ((_s, _l, before),) = july_row["sources"]
    assert (before["n_paid"], before["n_late"], before["n_waiting"]) == (2, 0, 1)
    upload(august, users, [
        (p.nik, p.name, str(p.amount), "BERHASIL", "") for p in august.payments.all()
    ], django_capture_on_commit_callbacks)  # fmt: skip
    page = client.get(reverse("distribution:realisation", args=[approved.pk]))
    (july_row, august_row) = page.context["table"]
    ((_s, _l, july_figures),) = july_row["sources"]
    ((_s, _l, august_figures),) = august_row["sources"]
    assert (july_figures["n_paid"], july_figures["n_late"], july_figures["n_waiting"]) == (2, 1, 0)
    assert july_figures["rp_realised"] == 750_000
    assert (august_figures["rp_realised"], august_figures["rp_out"]) == (750_000, 1_000_000)
    # Per kecamatan and desa, for July: Sindurjan paid SLAMET and, later, SUPARNO.
    places = client.get(
        reverse("distribution:realisation", args=[approved.pk]), {"tranche": july.pk}
    ).context["places"]
    purworejo = next(k for k in places if k["name"] == "Purworejo")
    assert (purworejo["n_paid"], purworejo["n_late"], purworejo["rp_realised"]) == (1, 1, 500_000)
    listed = client.get(
        reverse("distribution:list_payments", args=[approved.pk]),
        {"kecamatan": purworejo["id"], "status": "late"},
    )
    assert [p.name for p in listed.context["page"]] == ["SUPARNO"]
    book = load_workbook(io.BytesIO(client.get(
        reverse("distribution:realisation", args=[approved.pk]), {"format": "xlsx"}
    ).content))  # fmt: skip
    assert "Jumlah Purworejo" in [row[1] for row in book.worksheets[1].iter_rows(values_only=True)]


def test_staff_settle_a_line_the_file_left_open(
    july, round_, users, login, django_capture_on_commit_callbacks
):
    """A line under a name the bank wrote its own way and a NIK two digits off matches no
    family; staff find SUPARNO among its candidates and settle it as paid, by name and with a
    reason; the file's counts follow and the line cannot be settled twice."""
    suparno, slamet = family(round_, "SUPARNO"), family(round_, "SLAMET RIYADI")
    wrong = (
        suparno.head_nik[:10]
        + str((int(suparno.head_nik[10]) + 3) % 10)
        + (str((int(suparno.head_nik[11]) + 5) % 10) + suparno.head_nik[12:])
    )
    made = upload(july, users, [
        (slamet.head_nik, "SLAMET RIYADI", "250.000", "GAGAL", "Rekening pasif"),
        (wrong, "SUPARNO BIN KARTO", "250.000", "BERHASIL", ""),
    ], django_capture_on_commit_callbacks)  # fmt: skip
    assert made.counts == {"matched": 1, "unmatched": 1, "lines": 2}
    client = login(users["staff"])
    url = reverse("distribution:result_line", args=[made.pk, 2])
    (best, _why), *_others = client.get(url).context["candidates"]
    assert best.name == "SUPARNO"
    assert "SLAMET" in client.get(url, {"q": "slam"}).content.decode()  # search the tranche
    paid = july.payments.get(household=suparno)
    asked = client.post(url, {"payment": paid.pk, "status": "paid", "note": ""})
    assert "Alasan keluarga ini: Bidang ini tidak boleh kosong" in asked.content.decode()
    with pytest.raises(ValidationError, match="alasan"):  # a reason is asked
        results.settle(
            made.lines.get(number=2), payment=paid, status="paid", note=" ", by=users["staff"]
        )
    taken = july.payments.get(household=slamet)
    refused = client.post(url, {"payment": taken.pk, "status": "paid", "note": "salah"})
    assert "Baris 1 berkas ini sudah mewakili" in refused.content.decode()  # line 1 is his
    client.post(url, {"payment": paid.pk, "status": "paid", "note": "nama dan alamat sama"})
    paid.refresh_from_db()
    assert paid.status == STATUS.PAID
    assert paid.history.latest().history_user == users["staff"]
    made.refresh_from_db()
    assert made.counts == {"matched": 2, "unmatched": 0, "lines": 2}
    line = made.lines.get(number=2)
    assert (line.outcome, line.settled_by, line.payment) == ("matched", users["staff"], paid)
    assert (line.status, line.settled_status) == ("paid", "paid")  # the file's word kept
    # A second file's line of someone else is not settled onto the paid family: paid once.
    again = upload(july, users, [(make_nik(9), "ORANG LAIN", "250.000", "GAGAL", "x")],
                   django_capture_on_commit_callbacks)  # fmt: skip
    with pytest.raises(ValidationError, match="dibayar"):
        results.settle(again.lines.get(), payment=paid, status="failed", note="x",
                       by=users["staff"])  # fmt: skip
    with pytest.raises(ValidationError):
        results.settle(line, payment=paid, status="failed", note="x", by=users["staff"])
    with pytest.raises(PermissionDenied):
        results.settle(line, payment=paid, status="paid", note="x", by=users["village"])


@pytest.mark.parametrize(
    ("name", "content"),
    [("hasil.xlsx", b"bukan buku kerja"), ("hasil.csv", b"NO;NAMA;ALAMAT\n1;SUPARNO;DUSUN\n")],
)
def test_a_file_that_is_no_result_is_refused_with_the_reason_on_its_page(
    july, users, login, django_capture_on_commit_callbacks, name, content
):
    client = login(users["staff"])
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            reverse("distribution:result_upload", args=[july.pk]),
            {"file": SimpleUploadedFile(name, content)},
        )
    page = client.get(sent["Location"])
    assert not page.context["waiting"]  # the page stops waiting and says why
    text = page.content.decode()
    assert "tidak memiliki baris judul kolom" in text and "NIK, NAMA, STATUS" in text
    assert not ResultLine.objects.exists()
    assert set(july.payments.values_list("status", flat=True)) == {STATUS.PLANNED}
