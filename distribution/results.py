"""The channel's result file for a tranche: every line read in its place, matched to the
tranche's families by the identity rules of the cross-check (the very NIK, the very No. KK
of one family, else the engine's evidence: a NIK one digit off under a name alike), and its
status (paid, failed with the bank's reason, returned, unclaimed) applied to the payment. A
line that matches no family, a family's second line, a status not understood: kept and shown,
never dropped, never applied twice.

    counts = read_result(upload)   # {"matched": ..., "unmatched": ..., "twice": ..., ...}
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from django.db import transaction
from simple_history.utils import bulk_update_with_history

from bansos.memory import without_cycle_collection
from dedup.engine.match import Index, Record, Thresholds, match
from households.identity import check_nik, check_no_kk
from programs.intake.headers import ALIASES, header_map
from programs.intake.readers import Layout, open_sheet
from programs.intake.stored import local_copy

from . import money
from .models import Payment, ResultImport, ResultLine

STATUS, OUTCOME = Payment.Status, ResultLine.Outcome
COLUMNS = {
    "nik": ALIASES["nik"],
    "no_kk": ALIASES["no_kk"],
    "nama": [*ALIASES["nama"], "NAMA NASABAH", "NAMA REKENING"],
    "nominal": ["NOMINAL", "JUMLAH", "JUMLAH (RP)", "NILAI", "AMOUNT", "JUMLAH BANTUAN"],
    "status": ["STATUS", "STATUS PENYALURAN", "STATUS TRANSAKSI", "HASIL", "STATUS BAYAR"],
    "alasan": ["KETERANGAN", "ALASAN", "ALASAN GAGAL", "REASON", "KET", "KETERANGAN GAGAL"],
}
RESULTS = Layout(canonical=header_map(COLUMNS), expected="NIK, NAMA, STATUS, KETERANGAN")
# What banks and post offices write for each outcome, folded to capitals and single spaces.
STATUS_WORDS = {
    STATUS.PAID: ["BERHASIL", "SUKSES", "SUCCESS", "PAID", "DIBAYAR", "TERSALUR", "CAIR", "OK"],
    STATUS.FAILED: ["GAGAL", "FAILED", "FAIL", "DITOLAK", "REJECT", "REJECTED", "ERROR"],
    STATUS.RETURNED: ["RETUR", "RETURN", "RETURNED", "DIKEMBALIKAN", "KEMBALI"],
    STATUS.UNCLAIMED: ["TIDAK DIAMBIL", "BELUM DIAMBIL", "UNCLAIMED", "TIDAK HADIR"],
}
_WORDS = {word: status for status, words in STATUS_WORDS.items() for word in words}
_SPACES = re.compile(r"[\s_\-]+")
INSERT_BATCH = 5000
# Payments a result no longer changes: corrected by their village, or stopped.
SETTLED = (STATUS.CORRECTED, STATUS.STOPPED)


def status_of(text: str) -> str:
    """The Payment status a channel's word stands for; "" when it is not understood."""
    return _WORDS.get(_SPACES.sub(" ", text.strip().upper()), "")


def _clean(value: str, check) -> str:
    found = check(value)
    return found.value or "" if not found.errors else ""


@without_cycle_collection()
def read_result(upload: ResultImport) -> dict[str, int]:
    """Read, match and apply the file; store every line with its outcome. Safe to run twice:
    the upload's lines are replaced, and a status is what the file says, applied once."""
    tranche = upload.tranche
    with local_copy(upload.file, upload.filename) as path, open_sheet(
        path, filename=upload.filename, layout=RESULTS, max_rows=2_000_000
    ) as sheet:  # fmt: skip
        lines = [
            ResultLine(
                upload=upload,
                number=row.number,
                nik=row.values.get("nik", "")[:40],
                no_kk=row.values.get("no_kk", "")[:40],
                name=row.values.get("nama", "")[:150],
                amount=row.values.get("nominal", "")[:30],
                status=status_of(row.values.get("status", "")),
                reason=row.values.get("alasan", "")[:255],
            )
            for row in sheet.rows()
        ]
    payments = list(tranche.payments.values_list("pk", "nik", "no_kk", "name", "amount", "status"))
    matched = match_lines(lines, payments)
    amounts = {pk: (amount, status) for pk, _nik, _kk, _name, amount, status in payments}
    seen: set[int] = set()
    changed: dict[int, tuple[str, str]] = {}
    for line, (payment, why) in zip(lines, matched, strict=True):
        if payment is None:
            line.outcome = OUTCOME.UNMATCHED
            continue
        line.payment_id, line.match = payment, why
        amount, status = amounts[payment]
        written = money.parse_rupiah(line.amount) if line.amount else None
        if written is not None and written != amount:
            line.match = f"{why}; nominal {written} ≠ {amount}"[:255]
        if payment in seen:
            line.outcome = OUTCOME.TWICE  # a family paid twice in one file: shown, not applied
        elif not line.status:
            line.outcome = OUTCOME.UNREADABLE
        else:
            line.outcome = OUTCOME.MATCHED
            if status not in SETTLED:
                changed[payment] = (line.status, line.reason)
        seen.add(payment)
    with transaction.atomic():
        upload.lines.all().delete()
        ResultLine.objects.bulk_create(lines, batch_size=INSERT_BATCH)
        _apply(changed)
        counts = dict(Counter(line.outcome for line in lines))
        counts["lines"] = len(lines)
        upload.counts = counts
        upload.save(update_fields=["counts"])
    return counts


def _apply(changed: dict[int, tuple[str, str]]) -> None:
    """The statuses the file gives, each change in the payment's history."""
    if not changed:
        return
    payments = list(Payment.objects.filter(pk__in=changed).only("pk", "status", "reason"))
    for payment in payments:
        payment.status, reason = changed[payment.pk]
        payment.reason = reason[:255]
    bulk_update_with_history(
        payments, Payment, ["status", "reason"], batch_size=INSERT_BATCH,
        default_change_reason="hasil penyaluran",
    )  # fmt: skip


def match_lines(lines: list[ResultLine], payments: list[tuple]) -> list[tuple[int | None, str]]:
    """(payment id or None, why) for each line, in order. payments: (pk, nik, no_kk, name,
    amount, status). The very NIK first, then the very No. KK of one family only, then the
    engine's evidence, sure matches only (a person is never paid on a doubt)."""
    by_nik = {nik: pk for pk, nik, *_rest in payments if nik}
    by_kk: dict[str, list[int]] = defaultdict(list)
    for pk, _nik, kk, *_rest in payments:
        if kk:
            by_kk[kk].append(pk)
    found: list[tuple[int | None, str]] = []
    doubtful: list[tuple[int, Record]] = []
    for at, line in enumerate(lines):
        nik, kk = _clean(line.nik, check_nik), _clean(line.no_kk, check_no_kk)
        if nik and nik in by_nik:
            found.append((by_nik[nik], "NIK sama"))
        elif kk and len(by_kk.get(kk, ())) == 1:
            found.append((by_kk[kk][0], "No. KK sama"))
        else:
            found.append((None, ""))
            if nik or kk:
                doubtful.append((at, Record(f"BARIS:{at + 1}", kk, nik, line.name)))
    if doubtful:
        index = Index(
            Record(f"BAYAR:{pk}", kk, nik, name) for pk, nik, kk, name, *_rest in payments
        )
        thresholds = Thresholds()
        candidates = match([record for _at, record in doubtful], index, thresholds)
        amounts = {pk: amount for pk, _nik, _kk, _name, amount, *_rest in payments}
        for at, record in doubtful:
            alike = candidates.get(record.ref, [])
            sure = [c for c in alike if c.score >= thresholds.same]
            if len(sure) == 1:  # two families alike: a person decides, not the file
                found[at] = (int(sure[0].ref.partition(":")[2]), sure[0].reason)
            elif not sure and len(alike) == 1:
                # The file answers our own payment file: its amount for that very family is
                # the evidence a roster lacks (a NIK one digit off, the same name).
                pk = int(alike[0].ref.partition(":")[2])
                if money.parse_rupiah(lines[at].amount) == amounts[pk]:
                    found[at] = (pk, f"{alike[0].reason} + nominal sama")
    return found
