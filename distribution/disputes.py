"""Complaints about payments ("I never received the July aid"): the desk links a complaint to
the family's payment on the complaint's page, or the tranche the complaint named links it when
it is logged. Links keep who made them and when, with history (an unlink too); they are not
steps of the complaint, whose steps the service-level reports read.

    link(complaint, payment, by=desk_user)
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from complaints.models import Complaint
from households.models import User

from .models import Payment, PaymentComplaint


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
    if PaymentComplaint.objects.filter(payment=payment, complaint=complaint).exists():
        return None
    made = PaymentComplaint(payment=payment, complaint=complaint, linked_by=by)
    made._history_user = by
    made.save()
    return made


@transaction.atomic
def unlink(complaint: Complaint, payment: Payment, *, by: User) -> None:
    """Not about this payment after all."""
    _checked(complaint, payment, by)
    for made in PaymentComplaint.objects.filter(payment=payment, complaint=complaint):
        made._history_user = by
        made.delete()


def on_complaint_logged(sender, complaint: Complaint, user: User, **kwargs) -> None:
    """complaints.models.complaint_logged: a new complaint of a family that names a tranche
    ("Juli 2026") is linked to the family's payment of that tranche, when it has exactly
    one."""
    if not complaint.household_id or not complaint.tranche:
        return
    found = Payment.objects.filter(
        household_id=complaint.household_id,
        tranche__label__iexact=" ".join(complaint.tranche.split()),
    ).select_related("tranche__recipients__target")
    if complaint.program_id:
        found = found.filter(tranche__recipients__target_id=complaint.program_id)
    found = list(found[:2])
    if len(found) == 1:
        link(complaint, found[0], by=user, named=True)
