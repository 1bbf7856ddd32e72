"""Complaints about payments ("I never received the July aid"): the desk links a complaint to
the family's payment on the complaint's page, or the tranche the complaint named links it when
it is logged. Each link or unlink is a step of the complaint, with who and when.

    link(complaint, payment, by=desk_user)
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from complaints.models import Complaint, Step
from households.models import User
from households.templatetags.bansos import rupiah

from .models import Payment, PaymentComplaint


def described(payment: Payment) -> str:
    """BPNT · Juli 2026 · Rp250.000 · failed: Rekening pasif."""
    text = " · ".join(
        [payment.tranche.recipients.target.code, payment.tranche.label, rupiah(payment.amount),
         str(payment.get_status_display())]
    )  # fmt: skip
    return f"{text}: {payment.reason}" if payment.reason else text


def _checked(complaint: Complaint, payment: Payment, by: User) -> None:
    if not by.handles_complaints:
        raise PermissionDenied
    if payment.household_id != complaint.household_id:
        raise ValidationError(_("The payment is not of the complaint's family."))


@transaction.atomic
def link(
    complaint: Complaint, payment: Payment, *, by: User, named: bool = False
) -> PaymentComplaint | None:
    """The complaint is about the payment (`named`: by the tranche it named when `by` logged
    it). Returns the link, or None when it was there already."""
    if not named:
        _checked(complaint, payment, by)
    made, created = PaymentComplaint.objects.get_or_create(
        payment=payment, complaint=complaint, defaults={"linked_by": by}
    )
    if not created:
        return None
    Step.objects.create(
        complaint=complaint,
        from_status=complaint.status,
        to_status=complaint.status,
        by=by,
        note=_("About the payment %(payment)s") % {"payment": described(payment)},
        due_on=complaint.due_on,
    )
    return made


@transaction.atomic
def unlink(complaint: Complaint, payment: Payment, *, by: User) -> None:
    """Not about this payment after all."""
    _checked(complaint, payment, by)
    if PaymentComplaint.objects.filter(payment=payment, complaint=complaint).delete()[0]:
        Step.objects.create(
            complaint=complaint,
            from_status=complaint.status,
            to_status=complaint.status,
            by=by,
            note=_("Not about the payment %(payment)s") % {"payment": described(payment)},
            due_on=complaint.due_on,
        )


def on_complaint_saved(sender, instance: Complaint, created: bool, **kwargs) -> None:
    """post_save of a complaint: a new complaint of a family that names a tranche ("Juli
    2026") is linked to the family's payment of that tranche, when it has exactly one."""
    by = getattr(instance, "_history_user", None)
    if not created or by is None or not instance.household_id or not instance.tranche:
        return
    found = Payment.objects.filter(
        household_id=instance.household_id,
        tranche__label__iexact=" ".join(instance.tranche.split()),
    ).select_related("tranche__recipients__target")
    if instance.program_id:
        found = found.filter(tranche__recipients__target_id=instance.program_id)
    found = list(found[:2])
    if len(found) == 1:
        link(instance, found[0], by=by, named=True)
