"""The demo's distribution: a JPS Kabupaten round of the submitted village proposals, screened
and approved under a decree, its first tranche paid through the bank with the bank's result
file read back (a few payments failed, for the villages to correct), its second tranche still
to pay."""

from __future__ import annotations

import hashlib
import io
import random
from collections import defaultdict

from django.core.files.base import ContentFile
from django.db.models import Q
from django.utils import timezone
from openpyxl import Workbook

from complaints import desk
from complaints.models import Category, Complaint
from dedup.models import MatchSettings, Result, Run
from demo.base import MARKER_USER
from distribution import payments, results
from distribution.models import Funding, Payment, ResultImport, Tranche
from households.models import Household, Region, Unit, User
from programs import rounds
from programs.models import (
    AllocationRound,
    Program,
    ProposalBatch,
    ProposalRow,
    RosterRow,
    RosterVersion,
)
from programs.rounds.revalidation import revalidate
from verification import screening
from verification.models import Screening, ScreeningHit

ROUND = "JPS Kabupaten November 2026"
DECREE = "400.9/317/2026"  # Keputusan Bupati Purworejo: the list is its annex
TRANCHES = ["November 2026", "Desember 2026"]  # the first paid, the second still to pay
RESULT_FILE = "HASIL_SALUR_JPSKAB_NOVEMBER_2026_BANK_JATENG.xlsx"
FAILED_SHARE = 0.03
# What Bank Jateng writes when a transfer to a family's account does not go through.
FAILED = ["REKENING TIDAK AKTIF", "NAMA TIDAK SESUAI", "REKENING DORMANT", "REKENING DITUTUP"]
RETURNED = ["PENERIMA TIDAK DITEMUKAN", "DANA TIDAK DIAMBIL 30 HARI"]


class Distribution:
    """An approved JPS list with its decree, tranches, payments and a bank result (a part of
    demo.district._Demo)."""

    def distribution(self, users: dict[str, User], operator_desa: Region) -> None:
        rng = random.Random(f"distribution {self.rng.getstate()}")  # its own: the rest stays
        staff, head = users["staf"], users["kepala"]
        if not staff.can_manage or head.role != User.Role.HEAD:  # kept accounts of another role
            self.say("No distribution: the accounts staf and kepala are not Dinsos staff and head.")
            return
        jps = Program.objects.get(code=rounds.JPS)
        run = _cross_check(staff)
        round_ = rounds.create_round(
            rounds.Rules(
                name=ROUND,
                run=run,
                targets=[(jps, run.rows_total, None)],
                order="desil",
                kecamatan_shares=False,
                allowed_pairs=[],
            ),
            by=staff,
        )
        rounds.save_plan(round_, rounds.plan_round(round_), by=staff)
        rounds.revalidate_jps(round_, by=staff)
        if not round_.allocations.filter(phase=1).exists():  # a demo of a handful of families
            return
        _screen(round_, staff)
        recipients = rounds.approve(rounds.prepare_list(round_, jps, 1, by=staff), by=head)
        recipients.decree_number = DECREE
        recipients.decree_date = timezone.localdate()
        recipients._history_user = staff
        recipients.save(update_fields=["decree_number", "decree_date"])
        # One desa pays its families from its own village funds, as Kupang's BPNT was paid
        # from two budgets.
        others = sorted(
            set(recipients.entries.exclude(desa=operator_desa).values_list("desa_id", flat=True))
        )
        funded = {str(rng.choice(others)): Funding.DANA_DESA} if others else {}
        first, second = TRANCHES
        tranche = payments.add_tranche(
            recipients, label=first, amount=jps.benefit_per_month, funding=Funding.APBD_DISTRICT,
            channel=Tranche.Channel.BANK, by=staff, funding_by_desa=funded,
        )  # fmt: skip
        _bank_result(rng, tranche, staff, operator_desa)
        payments.add_tranche(
            recipients, label=second, amount=jps.benefit_per_month,
            funding=Funding.APBD_DISTRICT, channel=Tranche.Channel.BANK, by=staff,
        )  # fmt: skip
        _aftermath(tranche, users, operator_desa)


def _aftermath(tranche: Tranche, users: dict[str, User], operator_desa: Region) -> None:
    """What follows a failed payment: the demo village has sent one correction for the
    district to check (the other waits for it), and a family of it has complained."""
    failed = list(
        tranche.payments.filter(desa=operator_desa, status__in=payments.TO_CORRECT).order_by("pk")
    )
    operator = users[MARKER_USER]
    if len(failed) >= 2:  # the first is corrected: the account the family showed at the office
        payments.propose(failed[0], name=failed[0].name, account="3003123456", by=operator)
    if failed:  # the last complains at the desk, naming the month: linked to its payment
        payment = failed[-1]
        desk.log(
            by=users["posko"], channel=Complaint.Channel.WALK_IN,
            category=Category.objects.get_or_create(name="Belum menerima bantuan")[0],
            complainant_name=payment.name.title(), desa=operator_desa,
            household=payment.household, program=tranche.recipients.target,
            tranche=tranche.label,
            story="Bantuan JPS bulan ini belum masuk ke rekening, kata bank rekening bermasalah.",
        )  # fmt: skip


def _cross_check(by: User) -> Run:
    """A finished cross-check of the submitted villages' sound families, each once, found on the
    rosters by the very NIK or No. KK (the engine's first evidence). It holds no batch: the
    submitted batches wait for the newcomer's own first cross-check, and their pages would
    show this one instead."""
    versions = RosterVersion.objects.filter(
        status=RosterVersion.Status.ACTIVE, program__screens_out=""
    ).select_related("program")
    batches = ProposalBatch.objects.filter(
        unit__kind=Unit.Kind.VILLAGE, status=ProposalBatch.Status.SUBMITTED
    )
    rows, seen = [], set()
    for row in (
        ProposalRow.objects.filter(
            batch__in=batches, status=ProposalRow.Status.VALID, household__isnull=False
        )
        .order_by("batch_id", "row_number")
        .iterator()
    ):
        # A family typed twice, or whose row the JPS re-check would return: not this round's.
        if row.household_id not in seen and not revalidate(row):
            seen.add(row.household_id)
            rows.append(row)
    thresholds = MatchSettings.current().thresholds
    run = Run.objects.create(
        created_by=by,
        thresholds={"same": thresholds.same, "review": thresholds.review},
        status=Run.Status.DONE,
        rows_total=len(rows),
        rows_done=len(rows),
        finished_at=timezone.now(),
    )
    run.roster_versions.set(versions)
    found = defaultdict(list)  # NIK or No. KK -> its rows on the active rosters, "PKH:12"
    code_of = {v.pk: v.program.code for v in versions}
    listed = RosterRow.objects.filter(version__in=versions).filter(
        Q(nik__in=[r.nik for r in rows]) | Q(no_kk__in=[r.no_kk for r in rows])
    )
    for version, number, nik, no_kk in listed.values_list(
        "version_id", "row_number", "nik", "no_kk"
    ):
        for key in {nik, no_kk} - {""}:
            found[key].append(f"{code_of[version]}:{number}")
    made = []
    for row in rows:
        matches = sorted(set(found[row.nik] + found[row.no_kk]))
        made.append(
            Result(
                run=run,
                proposal_row=row,
                status=Result.Status.IN_ROSTER if matches else Result.Status.NEW,
                programs=";".join(sorted({m.partition(":")[0] for m in matches})),
                matches=";".join(matches),
                reason=("NIK sama" if found[row.nik] else "No. KK sama") if matches else "",
            )
        )
    Result.objects.bulk_create(made)
    run.count_families()
    return run


def _screen(round_: AllocationRound, by: User) -> None:
    """The round screened against the exclusion lists, each hit decided: a civil servant is
    screened out, a member who died leaves the family eligible."""
    found = Screening.objects.create(round=round_, started_by=by)
    found.versions.set(screening.exclusion_versions())
    screening.screen(found)  # here, not in a worker: the demo is one transaction
    for hit in found.hits.select_related("version__program"):
        if hit.version.program.screens_out == Program.Exclusion.CIVIL_SERVANT:
            decision, note = ScreeningHit.Decision.EXCLUDED, "NIP aktif di data BKD"
        else:
            decision = ScreeningHit.Decision.CLEARED
            note = "Yang meninggal anggota keluarga; keluarga tetap memenuhi syarat"
        screening.decide(hit, decision, note=note, by=by)


def _bank_result(rng: random.Random, tranche: Tranche, by: User, operator_desa: Region) -> None:
    """The bank's result of the tranche, read as an upload is: mostly paid with the account
    credited, a few failed (one in the demo village) or returned, one NIK mistyped, a family
    twice and two people of another list."""
    paid = list(
        tranche.payments.filter(status=Payment.Status.PLANNED)
        .order_by("desa__parent__name", "desa__name", "name", "pk")
        .values_list("pk", "nik", "name", "amount", "desa_id")
    )
    if len(paid) < 8:  # too few families for the file's kinds of lines
        return
    ours = [p[0] for p in paid if p[4] == operator_desa.pk]
    failed = {rng.choice(ours)} if ours else set()
    failed |= set(rng.sample([p[0] for p in paid], max(2, round(len(paid) * FAILED_SHARE))))
    returned = set(rng.sample([p[0] for p in paid if p[0] not in failed], 2))
    credited = [p[0] for p in paid if p[0] not in failed | returned]
    mistyped, twice = rng.sample(credited, 2)
    line_of = {}  # payment -> its line, in the order of the payment file
    for pk, nik, name, amount, _desa in paid:
        if pk in failed:
            line_of[pk] = [nik, name, "", amount, "GAGAL", rng.choice(FAILED)]
        elif pk in returned:
            line_of[pk] = [nik, name, "", amount, "RETUR", rng.choice(RETURNED)]
        else:
            if pk == mistyped:  # the bank's clerk typed one digit of the serial wrong
                at = rng.randrange(12, 16)
                nik = nik[:at] + str((int(nik[at]) + rng.randrange(1, 10)) % 10) + nik[at + 1 :]
            account = str(rng.randrange(1_000_000_000, 4_000_000_000))
            line_of[pk] = [nik, name, account, amount, "BERHASIL", ""]
    lines = [*line_of.values(), line_of[twice]]  # a family sent again at the end of the file
    # Two people of another programme's transfer, sent in the same file.
    others = list(
        Household.objects.exclude(pk__in=tranche.payments.values("household"))
        .order_by("pk")
        .values_list("head_nik", "head_name")[:500]
    )
    for nik, name in rng.sample(others, min(2, len(others))):
        account = str(rng.randrange(1_000_000_000, 4_000_000_000))
        lines.append([nik, name, account, tranche.amount, "BERHASIL", ""])
    content = _workbook(lines)
    upload = ResultImport.objects.create(
        tranche=tranche,
        file=ContentFile(content, name=RESULT_FILE),
        filename=RESULT_FILE,
        uploaded_by=by,
        sha256=hashlib.sha256(content).hexdigest(),
    )
    results.read_result(upload)  # what distribution.tasks.read_result runs in a worker


def _workbook(lines: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["LAPORAN HASIL PENYALURAN BANK JATENG CABANG PURWOREJO"])
    sheet.append(["NO", "NIK", "NAMA NASABAH", "NO REKENING", "NOMINAL", "STATUS", "KETERANGAN"])
    for number, line in enumerate(lines, start=1):
        sheet.append([number, *line])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
