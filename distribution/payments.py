"""Tranches and their payments: one payment a family of the approved list, at the tranche's
amount and funding, to the payee as the list (or the village's last correction) names them;
a family that died or moved is stopped with the reason; a failed payment its village has
corrected, and the district has checked, is paid with the next tranche, as arrears.

    tranche = add_tranche(recipients, label="Juli 2026", amount=250_000, funding="apbd_kab",
                          channel="bank", by=staff)
    correction = propose(payment, name="SITI AMINAH", account="0123456789", by=operator)
    decide(correction, accept=True, by=staff)  # the payee changes only when checked
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dedup.engine.normalize import name_similarity
from households.models import Household, User
from programs.models import RecipientList

from .models import Correction, Payment, Tranche

STATUS = Payment.Status
# Results that send a payment back to its village to correct.
TO_CORRECT = (STATUS.FAILED, STATUS.RETURNED, STATUS.UNCLAIMED)
INSERT_BATCH = 5000
SAME_PERSON = 85  # name_similarity of a corrected payee to one of the family's names
STOPPED_BY = {
    Household.Status.DIED: gettext_lazy("Head of household died (verification)"),
    Household.Status.MOVED: gettext_lazy("Moved away (verification)"),
}


def lineage(recipients: RecipientList) -> QuerySet:
    """Every version of the list (its round, target and phase): a family's payee and what it
    is owed follow it from one version to the next."""
    return RecipientList.objects.filter(
        round_id=recipients.round_id, target_id=recipients.target_id, phase=recipients.phase
    )


@transaction.atomic
def add_tranche(
    recipients: RecipientList,
    *,
    label: str,
    amount: int,
    funding: str,
    channel: str,
    by: User,
    funding_by_desa: dict[str, str] | None = None,
) -> Tranche:
    """The list's next tranche and its payments, made at once (one insert a batch). The desa
    another source paid in the list's last tranche keep that source unless told otherwise."""
    if not by.can_manage:
        raise PermissionDenied
    recipients = RecipientList.objects.select_for_update().get(pk=recipients.pk)  # one at a time
    if recipients.approved_at is None:
        raise ValidationError(_("Only an approved list is paid."))
    newer = lineage(recipients).filter(version__gt=recipients.version, approved_at__isnull=False)
    if newer.exists():
        raise ValidationError(
            _("Version %(n)s of this list is approved: its tranches are paid from it.")
            % {"n": newer.order_by("-version").first().version}
        )
    if not isinstance(amount, int) or amount <= 0:
        raise ValidationError(_("Give the amount a family in whole Rupiah."))
    label = " ".join(label.split())
    earlier = Tranche.objects.filter(recipients__in=lineage(recipients))
    if earlier.filter(label__iexact=label).exists():  # a second click, or the month again
        raise ValidationError(_("The list has a tranche %(label)s already.") % {"label": label})
    last = earlier.order_by("-created_at").first()
    tranche = Tranche.objects.create(
        recipients=recipients,
        number=(recipients.tranches.aggregate(n=Max("number"))["n"] or 0) + 1,
        label=label,
        amount=amount,
        funding=funding,
        funding_by_desa=funding_by_desa if funding_by_desa is not None else (
            last.funding_by_desa if last else {}
        ),
        channel=channel,
        created_by=by,
    )  # fmt: skip
    _payments(tranche)
    return tranche


def _payments(tranche: Tranche) -> None:
    """One payment a family of the list, to the household's current numbers. The payee is the
    one of the family's last payment in any version of the list (as its village may have
    corrected it), else the list's; what a corrected payment still owes is added, once."""
    recipients = tranche.recipients
    earlier = (
        Payment.objects.filter(tranche__recipients__in=lineage(recipients))
        .exclude(tranche=tranche)
        .order_by("tranche__created_at", "pk")
        .values_list("pk", "household_id", "name", "account", "status", "paid_with_id", "amount",
                     "tranche__created_at")
    )  # fmt: skip
    payee: dict[int, tuple[str, str]] = {}  # household -> (name, account) of its last payment
    made_at: dict[int, datetime.datetime] = {}  # household -> when its last tranche was made
    owed: dict[int, list[tuple[int, int]]] = {}  # household -> [(payment, amount)] corrected
    for pk, household, name, account, status, paid_with, amount, made in earlier.iterator(20_000):
        payee[household], made_at[household] = (name, account), made
        if status == STATUS.CORRECTED and paid_with is None:
            owed.setdefault(household, []).append((pk, amount))
    # A payee the district accepted after the family's last tranche was made (whose file had
    # gone out with the payee before) is the payee from now on.
    for household, name, account, decided in (
        Correction.objects.filter(
            decision=Correction.Decision.ACCEPTED,
            payment__tranche__recipients__in=lineage(recipients),
        )
        .order_by("decided_at")
        .values_list("payment__household_id", "name", "account", "decided_at")
    ):
        if household in made_at and decided > made_at[household]:
            payee[household] = (name, account)
    households = {
        pk: (status, nik, kk)
        for pk, status, nik, kk in Household.objects.filter(
            pk__in=recipients.entries.values("household")
        ).values_list("pk", "status", "head_nik", "no_kk")
    }
    made = []
    for entry in recipients.entries.order_by("pk").iterator(20_000):
        status, nik, kk = households[entry.household_id]
        stopped = status in STOPPED_BY
        arrears = 0 if stopped else sum(amount for _pk, amount in owed.get(entry.household_id, []))
        name, account = payee.get(entry.household_id, (entry.name, ""))
        made.append(
            Payment(
                tranche=tranche,
                household_id=entry.household_id,
                entry=entry,
                desa_id=entry.desa_id,
                name=name,
                nik=nik,
                no_kk=kk,
                account=account,
                amount=0 if stopped else tranche.amount + arrears,
                arrears=arrears,
                funding=tranche.funding_by_desa.get(str(entry.desa_id), tranche.funding),
                status=STATUS.STOPPED if stopped else STATUS.PLANNED,
                reason=str(STOPPED_BY[status]) if stopped else "",
            )
        )
    Payment.objects.bulk_create(made, batch_size=INSERT_BATCH)
    carriers = dict(tranche.payments.values_list("household_id", "pk"))
    # What was owed: carried by this tranche's payment, or stopped with the family.
    carried, stopped_owed = [], []
    for household, payments in owed.items():
        if households.get(household, ("",))[0] in STOPPED_BY:
            stopped_owed += [pk for pk, _amount in payments]
        elif household in carriers:
            carried += [Payment(pk=pk, paid_with_id=carriers[household]) for pk, _a in payments]
    Payment.objects.bulk_update(carried, ["paid_with"], batch_size=INSERT_BATCH)
    for payment in Payment.objects.filter(pk__in=stopped_owed).select_related("household"):
        payment.status = STATUS.STOPPED
        payment.reason = str(STOPPED_BY[payment.household.status])
        payment._change_reason = payment.reason
        payment.save(update_fields=["status", "reason", "updated_at"])


def stop_gone(tranche: Tranche) -> int:
    """Payments still to make to a family verification has since found dead or moved: stopped
    with the reason before a file carries them. Returns how many."""
    gone = tranche.payments.filter(
        status=STATUS.PLANNED, household__status__in=list(STOPPED_BY)
    ).select_related("household")
    count = 0
    for payment in gone:
        payment.status, payment.amount, payment.arrears = STATUS.STOPPED, 0, 0
        payment.reason = str(STOPPED_BY[payment.household.status])
        payment._change_reason = payment.reason
        payment.save(update_fields=["status", "amount", "arrears", "reason", "updated_at"])
        for owed in payment.arrears_of.all():  # what it was to carry stops with it
            owed.status, owed.reason, owed._change_reason = (
                STATUS.STOPPED,
                payment.reason,
                payment.reason,
            )
            owed.save(update_fields=["status", "reason", "updated_at"])
        count += 1
    return count


def file_made(tranche: Tranche) -> None:
    """The tranche's payment file or a receipt list was made: its payees are out."""
    Tranche.objects.filter(pk=tranche.pk, file_made_at__isnull=True).update(
        file_made_at=timezone.now()
    )


def for_village(user: User) -> QuerySet:
    """The payments a village operator corrects: those of the families of its desa."""
    if user.role != User.Role.VILLAGE or not user.unit_id:
        return Payment.objects.none()
    return Payment.objects.filter(desa__unit__id=user.unit_id)


@transaction.atomic
def propose(payment: Payment, *, name: str, account: str, by: User) -> Correction:
    """The village's correction of a failed, returned or unclaimed payment: the payee's name
    and account as they truly are. It waits for the district's check (`decide`); a correction
    still waiting is replaced by the village's newer one (so the district never accepts a
    payee other than the one it was shown)."""
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if not for_village(by).filter(pk=payment.pk).exists():
        raise PermissionDenied
    if payment.status not in TO_CORRECT:
        raise ValidationError(_("Only a failed, returned or unclaimed payment is corrected."))
    name, account = " ".join(name.split()).upper(), "".join(account.split())
    if not name:
        raise ValidationError(_("Give the name as on the account or identity card."))
    if account and not account.isdigit():
        raise ValidationError(_("An account number is digits only."))
    if name == payment.name and account == payment.account:
        raise ValidationError(_("Nothing was changed: correct the name or the account."))
    for earlier in payment.corrections.filter(decision=Correction.Decision.PENDING):
        earlier.decision, earlier._history_user = Correction.Decision.REPLACED, by
        earlier.save(update_fields=["decision"])
    correction = Correction(
        payment=payment, name=name, account=account, was_name=payment.name,
        was_account=payment.account, made_by=by,
    )  # fmt: skip
    correction._history_user = by
    correction.save()
    return correction


def pending_for(user: User) -> QuerySet:
    """The corrections waiting for the district's check (none for other roles): of payments
    still to correct (a later result may have settled one meanwhile)."""
    if not user.can_manage:
        return Correction.objects.none()
    return Correction.objects.filter(
        decision=Correction.Decision.PENDING, payment__status__in=TO_CORRECT
    )


@transaction.atomic
def decide(correction: Correction, *, accept: bool, by: User, note: str = "") -> Tranche | None:
    """The district's check of a village's correction. Accepted, the payment is corrected:
    the family's planned payments of this list whose file has not gone out yet take the new
    payee, and the first of them carries what was missed as arrears (else the next tranche
    made does). Refused, with the reason, the payment goes back to its village. Returns the
    tranche that pays the arrears, when one already made does."""
    if not by.can_manage:
        raise PermissionDenied
    payment = Payment.objects.select_for_update().get(pk=correction.payment_id)  # locks as propose
    correction = Correction.objects.select_for_update().get(pk=correction.pk)
    if correction.decision != Correction.Decision.PENDING:
        raise ValidationError(_("This correction was decided already."))
    note = " ".join(note.split())
    if not accept and not note:
        raise ValidationError(_("Say why the correction is refused: the village reads it."))
    if accept and payment.status not in TO_CORRECT:  # a later result settled it meanwhile
        raise ValidationError(_("The payment is no longer failed: nothing to correct."))
    correction.decision = Correction.Decision.ACCEPTED if accept else Correction.Decision.REFUSED
    correction.decided_by, correction.decided_at, correction.note = by, timezone.now(), note
    correction._history_user = by
    correction.save()
    if not accept:
        return None
    why = _("Corrected by the village (%(who)s), checked by %(checker)s, after: %(why)s") % {
        "who": correction.made_by,
        "checker": by,
        "why": payment.reason or payment.get_status_display(),
    }
    why = why[:100]  # the history's change reason holds 100 characters
    name, account = correction.name, correction.account
    payment.name, payment.account, payment.status = name, account, STATUS.CORRECTED
    later = (
        Payment.objects.select_for_update(of=("self",))
        .filter(
            household_id=payment.household_id,
            status=STATUS.PLANNED,
            tranche__recipients__in=lineage(payment.tranche.recipients),
            tranche__created_at__gt=payment.tranche.created_at,
            tranche__file_made_at__isnull=True,  # a file gone out keeps the payee it carried
        )
        .select_related("tranche")
        .order_by("tranche__created_at")
    )
    carrier = None
    for planned in later:
        planned.name, planned.account = name, account
        fields = ["name", "account", "updated_at"]
        if carrier is None:  # the first pays what was missed
            carrier = planned
            planned.amount += payment.amount
            planned.arrears += payment.amount
            fields += ["amount", "arrears"]
        planned._history_user, planned._change_reason = by, why
        planned.save(update_fields=fields)
    payment.paid_with = carrier
    payment._history_user, payment._change_reason = by, why
    payment.save(update_fields=["name", "account", "status", "paid_with", "updated_at"])
    return carrier.tranche if carrier else None


def in_family(correction: Correction) -> str:
    """The family's member (or head) the corrected payee's name is, if any: a name from
    outside the family is what the district looks at twice."""
    household = correction.payment.household
    named = [household.head_name, *(member.name for member in household.members.all())]
    scored = [(name_similarity(correction.name, n), n) for n in named if n]
    score, name = max(scored, default=(0, ""))
    return name if score >= SAME_PERSON else ""
