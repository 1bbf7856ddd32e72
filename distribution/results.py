"""The channel's result file for a tranche: every line read in its place, matched to the
tranche's families by the identity rules of the cross-check (the very NIK, the very No. KK
of one family, else the engine's evidence: a NIK one digit off under a name alike), and its
status (paid, failed with the bank's reason, returned, unclaimed) applied to the payment. A
line that matches no family, a family's second line, a status not understood: kept and shown,
never dropped, never applied twice.

    counts = read_result(upload)   # {"matched": ..., "unmatched": ..., "twice": ..., ...}
"""

from __future__ import annotations

import operator
import re
from collections import Counter, defaultdict
from functools import reduce

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

from bansos.bulk import insert_rows
from bansos.memory import without_cycle_collection
from dedup.engine.match import Index, Record, Thresholds, match
from dedup.engine.normalize import fold_name, folded_similarity, name_similarity
from households.identity import check_nik, check_no_kk
from households.models import User
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
    "rekening": ["NO REKENING", "NOMOR REKENING", "REKENING", "NO REK", "NOREK", "NO. REKENING"],
}
RESULTS = Layout(canonical=header_map(COLUMNS), expected="NIK, NAMA, STATUS, KETERANGAN")
# What banks and post offices write for each outcome, folded to capitals and single spaces.
STATUS_WORDS = {
    STATUS.PAID: [
        "BERHASIL", "SUKSES", "SUCCESS", "PAID", "DIBAYAR", "TERSALUR", "TERSALURKAN", "CAIR",
        "OK", "SUDAH DIAMBIL", "DIAMBIL", "SUKSES DIPROSES", "BERHASIL DISALURKAN", "LUNAS",
    ],
    STATUS.FAILED: ["GAGAL", "FAILED", "FAIL", "DITOLAK", "REJECT", "REJECTED", "ERROR"],
    STATUS.RETURNED: ["RETUR", "RETURN", "RETURNED", "DIKEMBALIKAN", "KEMBALI", "RETUR DANA"],
    STATUS.UNCLAIMED: ["TIDAK DIAMBIL", "BELUM DIAMBIL", "UNCLAIMED", "TIDAK HADIR"],
}  # fmt: skip
_WORDS = {word: status for status, words in STATUS_WORDS.items() for word in words}
_SPACES = re.compile(r"[\s_\-]+")
INSERT_BATCH = 5000
APPLY_PART = 5000  # payments updated at a time (SQLite takes 32,766 parameters at most)
NAME_ALIKE = 80  # the cross-check's "NIK sama" needs a name this alike, else a person decides
WHY = "hasil penyaluran"
# Payments a result no longer changes: corrected by their village, or stopped.
SETTLED = (STATUS.CORRECTED, STATUS.STOPPED)


def status_of(text: str) -> str:
    """The Payment status a channel's word stands for ("GAGAL - rekening pasif" is GAGAL); ""
    when it is not understood."""
    words = _SPACES.sub(" ", re.sub(r"[^\w\s]", " ", text.upper())).strip()
    if words in _WORDS:
        return _WORDS[words]
    # The longest known words the status starts with: "RETUR DANA KE KAS NEGARA".
    for size in (3, 2, 1):
        head = " ".join(words.split()[:size])
        if head in _WORDS:
            return _WORDS[head]
    return ""


def _clean(value: str, check) -> str:
    found = check(value)
    return found.value or "" if not found.errors else ""


@without_cycle_collection()
def read_result(upload: ResultImport) -> dict[str, int]:
    """Read, match and apply the file; store every line with its outcome. Safe to run twice:
    the upload's lines are replaced, and a status already recorded is not changed again."""
    tranche = upload.tranche
    with local_copy(upload.file, upload.filename) as path, open_sheet(
        path, filename=upload.filename, layout=RESULTS, max_rows=2_000_000
    ) as sheet:  # fmt: skip
        lines = [
            _Line(
                upload_id=upload.pk,
                number=row.number,
                nik=row.values.get("nik", "")[:40],
                no_kk=row.values.get("no_kk", "")[:40],
                name=row.values.get("nama", "")[:150],
                amount=row.values.get("nominal", "")[:30],
                status=status_of(row.values.get("status", "")),
                reason=row.values.get("alasan", "")[:255],
                account="".join(ch for ch in row.values.get("rekening", "") if ch.isdigit())[:30],
            )
            for row in sheet.rows()
        ]
    payments = {
        pk: (nik, kk, name, amount, status, account)
        for pk, nik, kk, name, amount, status, account in tranche.payments.values_list(
            "pk", "nik", "no_kk", "name", "amount", "status", "account"
        ).iterator(chunk_size=20_000)
    }
    matched = match_lines(lines, [(pk, *values) for pk, values in payments.items()])
    taken: set[int] = set()  # payments a line of this file has spoken for
    changed: dict[int, tuple[str, str, str]] = {}
    for line, (payment, why) in zip(lines, matched, strict=True):
        if payment is None:
            line.outcome = OUTCOME.UNMATCHED
            continue
        line.payment_id, line.match = payment, why
        _nik, _kk, name, amount, status, account = payments[payment]
        if not line.status:
            line.outcome = OUTCOME.UNREADABLE  # the family's next line may still speak for it
            continue
        if payment in taken:
            line.outcome = OUTCOME.TWICE  # a family paid twice in one file: shown, not applied
            continue
        taken.add(payment)
        doubt = _doubt(line, why, name, amount, status)
        if doubt:
            line.outcome, line.match = OUTCOME.CHECK, f"{why}; {doubt}"[:255]
            continue
        line.outcome = OUTCOME.MATCHED
        if status != line.status or (line.account and not account):
            changed[payment] = (line.status, line.reason, account or line.account)
    with transaction.atomic():
        upload.lines.all().delete()
        insert_rows(ResultLine, (_line_values(line) for line in lines))
        _apply(changed, upload.uploaded_by_id)
        counts = dict(Counter(line.outcome for line in lines))
        counts["lines"] = len(lines)
        upload.counts = counts
        upload.save(update_fields=["counts"])
    return counts


def _doubt(line: _Line, why: str, name: str, amount: int, status: str) -> str:
    """Why a person looks at this line before it counts; "" when it is what we paid."""
    written = money.parse_rupiah(line.amount) if line.amount else None
    if line.amount and written is None:
        return f"nominal tidak terbaca ({line.amount})"
    if written is not None and written != amount:
        return f"nominal {written} ≠ {amount}"
    if (
        why == "NIK sama"
        and line.name
        and line.name.upper() != name  # written as we paid it: nothing to fold
        and folded_similarity(fold_name(line.name), fold_name(name)) < NAME_ALIKE
    ):
        return f"nama berbeda ({name})"  # as the cross-check: the same NIK, another name
    if status in SETTLED or (status == STATUS.PAID and line.status != STATUS.PAID):
        return f"sudah tercatat {STATUS(status).label}"
    return ""


class _Line:
    """A result line on its way to the table: a model instance costs four times as much to
    make, 500,000 times a file."""

    __slots__ = (
        "account",
        "amount",
        "match",
        "name",
        "nik",
        "no_kk",
        "number",
        "outcome",
        "payment_id",
        "reason",
        "status",
        "upload_id",
    )  # fmt: skip

    def __init__(self, **values) -> None:
        self.payment_id, self.outcome, self.match = None, "", ""
        for name, value in values.items():
            setattr(self, name, value)


def _line_values(line: _Line) -> dict:
    return {name: getattr(line, name) for name in _Line.__slots__}


def _apply(changed: dict[int, tuple[str, str, str]], user_id: int) -> None:
    """The statuses (and account numbers) the file gives, each change in the payment's
    history. A payment settled meanwhile (its village corrected it) is left."""
    if connection.vendor == "postgresql":
        _apply_in_postgres(changed, user_id)
        return
    ids = sorted(changed)
    now = timezone.now()
    for start in range(0, len(ids), APPLY_PART):
        part = ids[start : start + APPLY_PART]
        payments = list(Payment.objects.filter(pk__in=part).exclude(status__in=SETTLED))
        for payment in payments:
            payment.status, reason, payment.account = changed[payment.pk]
            payment.reason, payment.updated_at = reason[:255], now
        Payment.objects.bulk_update(
            payments, ["status", "reason", "account", "updated_at"], batch_size=1000
        )
        Payment.history.bulk_history_create(
            payments, default_user=User.objects.get(pk=user_id), default_change_reason=WHY,
            default_date=now, update=True,
        )  # fmt: skip


def _apply_in_postgres(changed: dict[int, tuple[str, str, str]], user_id: int) -> None:
    """As _apply, set-based: the changes go to a temporary table by COPY, one UPDATE applies
    them, one INSERT ... SELECT writes their history rows (500,000 results: seconds, where an
    UPDATE a part of 1,000 rows takes minutes)."""
    history = Payment.history.model
    fields = [
        f.column for f in history._meta.concrete_fields if not f.column.startswith("history_")
    ]
    columns = ", ".join(connection.ops.quote_name(c) for c in fields)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE result_apply (id bigint PRIMARY KEY, status varchar(9), "
            "reason varchar(255), account varchar(30)) ON COMMIT DROP"
        )
        with cursor.cursor.copy("COPY result_apply FROM STDIN") as copy:
            for pk, (status, reason, account) in changed.items():
                copy.write_row((pk, status, reason[:255], account))
        cursor.execute(
            f"UPDATE {Payment._meta.db_table} AS p SET status = r.status, reason = r.reason, "
            "account = r.account, updated_at = %s FROM result_apply AS r "
            "WHERE p.id = r.id AND NOT p.status = ANY(%s)",
            [now, [str(status) for status in SETTLED]],
        )
        cursor.execute(
            f"INSERT INTO {history._meta.db_table} ({columns}, history_date, "
            "history_change_reason, history_type, history_user_id) "
            f"SELECT {', '.join('p.' + c for c in fields)}, %s, %s, '~', %s "
            f"FROM {Payment._meta.db_table} AS p JOIN result_apply AS r ON p.id = r.id "
            "WHERE p.updated_at = %s",
            [now, WHY, user_id, now],
        )
        cursor.execute("DROP TABLE result_apply")


def match_lines(lines: list, payments: list[tuple]) -> list[tuple[int | None, str]]:
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
        if line.nik in by_nik:  # the very NIK of a payment, as we wrote it: nothing to check
            found.append((by_nik[line.nik], "NIK sama"))
            continue
        nik, kk = _clean(line.nik, check_nik), _clean(line.no_kk, check_no_kk)
        if nik and nik in by_nik:
            found.append((by_nik[nik], "NIK sama"))
        elif kk and len(by_kk.get(kk, ())) == 1:
            found.append((by_kk[kk][0], "No. KK sama"))
        else:
            found.append((None, ""))
            # A slip may make the NIK impossible (month 21, region 39): its 16 digits still
            # go to the engine, which finds the payment one digit away under a name alike.
            typed = "".join(ch for ch in line.nik if ch.isdigit())
            nik = nik or (typed if len(typed) == 16 else "")
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


# Lines a person settles by hand: no family found, to check, a status not understood.
BY_HAND = (OUTCOME.UNMATCHED, OUTCOME.CHECK, OUTCOME.UNREADABLE)
RESULT_STATUSES = (STATUS.PAID, STATUS.FAILED, STATUS.RETURNED, STATUS.UNCLAIMED)


def candidates(line: ResultLine, limit: int = 6) -> list[tuple[Payment, str]]:
    """The tranche's payments a line may be, with why, best first: the line's own for a line
    to check, then those one slip from its NIK or No. KK (a digit typed wrong, two swapped)
    and those under a name alike, the same name and a near number first. Each says how many
    digits of its NIK differ from the line's, so no number needs to be shown whole. A few
    queries, whatever the tranche's size: no index of the tranche is built."""
    tranche = line.upload.tranche
    nik = "".join(ch for ch in line.nik if ch.isdigit())
    kk = "".join(ch for ch in line.no_kk if ch.isdigit())
    nik_near = _one_slip(nik, itself=True) if len(nik) == 16 else set()
    near = Q(pk=line.payment_id) if line.payment_id else Q(pk__in=[])
    if nik_near:
        near |= Q(nik__in=nik_near)
    if len(kk) == 16:
        near |= Q(no_kk__in=_one_slip(kk, itself=True))
    found = set(tranche.payments.filter(near).values_list("pk", flat=True)[:50])
    # Names alike share a word (as written or folded): those are scored, not the whole tranche.
    words = {w for w in [*line.name.upper().split(), *fold_name(line.name).split()] if len(w) > 2}
    rows = []
    if words:
        sharing = reduce(operator.or_, (Q(name__icontains=word) for word in words))
        rows = list(tranche.payments.filter(sharing).values_list("pk", "name")[:50_000])
    if rows:
        pks, written = zip(*rows, strict=True)
        for _name, _score, at in process.extract(
            fold_name(line.name), written, scorer=fuzz.token_sort_ratio, limit=limit,
            score_cutoff=NAME_ALIKE, processor=default_process,
        ):  # fmt: skip
            found.add(pks[at])
    ranked = []
    for payment in tranche.payments.select_related("desa__parent").filter(pk__in=found):
        alike = name_similarity(line.name, payment.name) if line.name else 0
        slips = payment.nik in nik_near
        same_kk = len(kk) == 16 and payment.no_kk == kk
        why = [f"nama mirip ({alike})" if alike < 100 else "nama sama"]
        why += ["No. KK sama"] if same_kk else []
        if payment.pk == line.payment_id:
            why = [line.match]
        key = (payment.pk != line.payment_id, -(alike + 30 * bool(slips) + 20 * same_kk))
        ranked.append((key, payment, _with_digits("; ".join(why), nik, payment.nik)))
    ranked.sort(key=lambda row: (row[0], row[1].pk))
    return [(payment, why) for _key, payment, why in ranked[:limit]]


def _one_slip(number: str, *, itself: bool = False) -> set[str]:
    """Every number one slip from `number`: a digit typed wrong, two neighbours swapped."""
    near = {number} if itself else set()
    for at, digit in enumerate(number):
        near.update(number[:at] + d + number[at + 1 :] for d in "0123456789" if d != digit)
    for at in range(len(number) - 1):
        near.add(number[:at] + number[at + 1] + number[at] + number[at + 2 :])
    near.discard("" if itself else number)
    return near


def _with_digits(why: str, typed: str, nik: str) -> str:
    if len(typed) != 16 or len(nik) != 16:
        return why
    apart = [str(at + 1) for at in range(16) if typed[at] != nik[at]]
    if not apart:
        return f"{why}; NIK sama"
    return f"{why}; NIK beda {len(apart)} angka (ke-{', '.join(apart[:4])})"


@transaction.atomic
def settle(line: ResultLine, *, payment: Payment, status: str, note: str, by: User) -> None:
    """A person's word on a line the file left open: it is this family's, with this status.
    The status goes to the payment with the person's name in its history; the line keeps
    what the file said beside what the person settled; the file's counts follow. A payment
    already paid, corrected or stopped is not changed by a line."""
    if not by.can_manage:
        raise PermissionDenied
    line = ResultLine.objects.select_for_update().get(pk=line.pk)
    upload = ResultImport.objects.select_for_update().get(pk=line.upload_id)
    if line.outcome not in BY_HAND:
        raise ValidationError(_("This line was settled already."))
    payment = Payment.objects.select_for_update().get(pk=payment.pk, tranche_id=upload.tranche_id)
    note = " ".join(note.split())
    if not note:
        raise ValidationError(_("Say why this line is this family's: it is kept with it."))
    if status not in RESULT_STATUSES:
        raise ValidationError(_("Choose the status the channel reported."))
    if payment.status in (STATUS.PAID, *SETTLED):  # paid once: a second line is not applied
        raise ValidationError(
            _("The family's payment is %(status)s: a result no longer changes it.")
            % {"status": payment.get_status_display()}
        )
    other = upload.lines.filter(payment=payment, outcome=OUTCOME.MATCHED).exclude(pk=line.pk)
    if other.exists():
        raise ValidationError(
            _("Line %(n)s of the file already speaks for this family.")
            % {"n": other.first().number}
        )
    before = line.outcome
    line.payment, line.outcome = payment, OUTCOME.MATCHED
    line.settled_status, line.settled_note = status, note
    line.settled_by, line.settled_at = by, timezone.now()
    line.save()
    if payment.status != status:
        payment.status = status
        payment.reason = "" if status == STATUS.PAID else line.reason[:255]
        payment._history_user = by
        payment._change_reason = f"{WHY} baris {line.number}: {note}"[:100]
        payment.save(update_fields=["status", "reason", "updated_at"])
    counts = upload.counts
    counts[before] = counts.get(before, 0) - 1
    counts[OUTCOME.MATCHED] = counts.get(OUTCOME.MATCHED, 0) + 1
    upload.save(update_fields=["counts"])
