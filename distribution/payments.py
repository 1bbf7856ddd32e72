"""Tranches and their payments: one payment a family of the approved list, at the tranche's
amount and funding, to the payee as the list (or the village's last correction) names them;
a family that died or moved is stopped with the reason; a failed payment its village has
corrected is paid with the next tranche, as arrears.

    tranche = add_tranche(recipients, label="Juli 2026", amount=250_000, funding="apbd_kab",
                          channel="bank", by=staff)
    correct(payment, name="SITI AMINAH", account="0123456789", by=operator)
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils.translation import gettext as _

from households.models import Household, User
from programs.models import RecipientList

from .models import Payment, Tranche

STATUS = Payment.Status
# Results that send a payment back to its village to correct.
TO_CORRECT = (STATUS.FAILED, STATUS.RETURNED, STATUS.UNCLAIMED)
INSERT_BATCH = 5000
STOPPED_BY = {
    Household.Status.DIED: _("Head of household died (verification)"),
    Household.Status.MOVED: _("Moved away (verification)"),
}


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
    """The list's next tranche and its payments, made at once (one insert a batch)."""
    if not by.can_manage:
        raise PermissionDenied
    if recipients.approved_at is None:
        raise ValidationError(_("Only an approved list is paid."))
    if not isinstance(amount, int) or amount <= 0:
        raise ValidationError(_("Give the amount a family in whole Rupiah."))
    RecipientList.objects.select_for_update().get(pk=recipients.pk)  # one tranche at a time
    number = (recipients.tranches.aggregate(n=Max("number"))["n"] or 0) + 1
    tranche = Tranche.objects.create(
        recipients=recipients,
        number=number,
        label=label.strip(),
        amount=amount,
        funding=funding,
        funding_by_desa=funding_by_desa or {},
        channel=channel,
        created_by=by,
    )
    _payments(tranche)
    return tranche


def _payments(tranche: Tranche) -> None:
    """One payment a family of the list. The payee is the one of the family's last payment
    (as its village may have corrected it), else the list's."""
    recipients = tranche.recipients
    earlier = Payment.objects.filter(tranche__recipients=recipients).exclude(tranche=tranche)
    last: dict[int, Payment] = {}  # each family's latest payment
    owed: dict[int, list[Payment]] = {}  # corrected, not yet paid again
    for payment in earlier.order_by("tranche__number"):
        last[payment.household_id] = payment
        if payment.status == STATUS.CORRECTED and payment.paid_with_id is None:
            owed.setdefault(payment.household_id, []).append(payment)
    statuses = dict(
        Household.objects.filter(pk__in=recipients.entries.values("household")).values_list(
            "pk", "status"
        )
    )
    made = []
    for entry in recipients.entries.all().order_by("pk"):
        payee = last.get(entry.household_id)
        arrears = sum(p.amount for p in owed.get(entry.household_id, []))
        status = statuses.get(entry.household_id, Household.Status.ACTIVE)
        stopped = status in STOPPED_BY
        made.append(
            Payment(
                tranche=tranche,
                household_id=entry.household_id,
                entry=entry,
                desa_id=entry.desa_id,
                name=payee.name if payee else entry.name,
                nik=entry.nik,
                no_kk=entry.no_kk,
                account=payee.account if payee else "",
                amount=0 if stopped else tranche.amount + arrears,
                arrears=0 if stopped else arrears,
                funding=tranche.funding_by_desa.get(str(entry.desa_id), tranche.funding),
                status=STATUS.STOPPED if stopped else STATUS.PLANNED,
                reason=str(STOPPED_BY.get(status, "")),
            )
        )
    Payment.objects.bulk_create(made, batch_size=INSERT_BATCH)
    by_household = {p.household_id: p.pk for p in tranche.payments.only("pk", "household_id")}
    for household, payments in owed.items():
        carrier = by_household.get(household)
        if carrier is not None and statuses.get(household) not in STOPPED_BY:
            Payment.objects.filter(pk__in=[p.pk for p in payments]).update(paid_with=carrier)


def for_village(user: User) -> QuerySet:
    """The payments a village operator corrects: those of the families of its desa."""
    if user.role != User.Role.VILLAGE or not user.unit_id:
        return Payment.objects.none()
    return Payment.objects.filter(desa__unit__id=user.unit_id)


@transaction.atomic
def correct(payment: Payment, *, name: str, account: str, by: User) -> Payment:
    """The village's correction of a failed, returned or unclaimed payment: the payee's name
    and account as they truly are. The amount goes with the next tranche, as arrears."""
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
    payment.name, payment.account, payment.status = name, account, STATUS.CORRECTED
    payment._history_user = by
    payment._change_reason = _("Corrected by the village after: %(why)s") % {
        "why": payment.reason or payment.get_status_display()
    }
    payment.save(update_fields=["name", "account", "status", "updated_at"])
    return payment
