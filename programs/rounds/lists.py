"""Recipient lists: prepared by staff from a round's allocations, approved by the head
(maker-checker) as frozen, numbered versions, compared with the version before; and a family
moved to another target or out of the round, with a reason.

    approve(prepare_list(round_, jps, 1, by=staff), by=head)
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from households.models import Household, User
from programs.models import (
    Allocation,
    AllocationRound,
    FamilyRecord,
    ListEntry,
    Program,
    RecipientList,
    list_approving,
)
from programs.rounds.plan import (
    INSERT_BATCH,
    REASON_LENGTH,
    matrix_for,
    save_allocations,
    target_of,
)


def members(round_: AllocationRound, program: Program, phase: int | None) -> QuerySet:
    """The allocations a list of this target (and JPS phase) holds: those not returned."""
    found = round_.allocations.filter(target=program).exclude(status=Allocation.Status.RETURNED)
    return found.filter(phase=phase) if phase else found


@transaction.atomic
def prepare_list(
    round_: AllocationRound, program: Program, phase: int | None, *, by: User, reason: str = ""
) -> RecipientList:
    """The list the head will approve (maker-checker). A draft is brought up to date; once a
    version is approved it is frozen, and a change needs a new version with a written reason."""
    AllocationRound.objects.select_for_update().get(pk=round_.pk)  # one preparation at a time
    versions = RecipientList.objects.filter(round=round_, target=program, phase=phase)
    latest = versions.order_by("-version").first()
    listed = members(round_, program, phase)
    if latest is None and not listed.exists():
        raise ValidationError(_("No family is on this list yet."))
    if latest is not None and latest.approved_at is None:
        made = latest
        made.prepared_by = by
        made.reason = reason or made.reason
        made.save(update_fields=["prepared_by", "reason"])
    else:
        if latest is not None and not reason.strip():
            raise ValidationError(
                _("Version %(n)s was approved: a change needs a new version with a reason.")
                % {"n": latest.version}
            )
        made = RecipientList.objects.create(
            round=round_,
            target=program,
            phase=phase,
            version=latest.version + 1 if latest else 1,
            reason=reason.strip(),
            prepared_by=by,
        )
    made.allocations.set(listed)
    return made


@transaction.atomic
def approve(recipients: RecipientList, *, by: User) -> RecipientList:
    """The head signs the list: it is frozen as a numbered, dated version, and its families
    are approved."""
    if by.role != User.Role.HEAD:
        raise PermissionDenied
    recipients = RecipientList.objects.select_for_update().get(pk=recipients.pk)
    if recipients.approved_at is not None:
        return recipients  # approved a moment ago (a second click)
    if recipients.prepared_by_id == by.pk:
        raise ValidationError(_("The head approves a list someone else prepared."))
    list_approving.send(RecipientList, recipients=recipients, user=by)
    listed = set(recipients.allocations.values_list("pk", flat=True))
    now = set(
        members(recipients.round, recipients.target, recipients.phase).values_list("pk", flat=True)
    )
    if listed != now:
        raise ValidationError(
            _("Families have moved since the list was prepared: staff bring it up to date first.")
        )
    recipients.approved_by, recipients.approved_at = by, timezone.now()
    recipients._history_user = by
    recipients.save(update_fields=["approved_by", "approved_at"])
    approved = list(recipients.allocations.select_related("proposal_row"))
    for allocation in approved:
        allocation.status = Allocation.Status.APPROVED
    save_allocations(approved, ["status"], by=by)
    ListEntry.objects.bulk_create(
        (
            ListEntry(
                recipients=recipients,
                allocation=allocation,
                household_id=allocation.household_id,
                **{name: getattr(row, name) for name in FamilyRecord.FAMILY_FIELDS},
            )
            for allocation in approved
            for row in [allocation.proposal_row]
        ),
        batch_size=INSERT_BATCH,
    )
    return recipients


def families(recipients: RecipientList) -> QuerySet:
    """The households of a list: as approved (frozen), or as prepared (a draft)."""
    if recipients.approved_at is not None:
        return Household.objects.filter(pk__in=recipients.entries.values("household"))
    return Household.objects.filter(pk__in=recipients.allocations.values("household"))


def difference(older: RecipientList, newer: RecipientList) -> tuple[QuerySet, QuerySet]:
    """(households added, households removed) from one version to another."""
    before, after = families(older), families(newer)
    return after.exclude(pk__in=before.values("pk")), before.exclude(pk__in=after.values("pk"))


@transaction.atomic
def move(
    allocation: Allocation, *, to: Program | None, reason: str, by: User, override: str = ""
) -> Allocation | None:
    """Staff move one family to another target of the round, or out of it (`to` None), with a
    reason kept in its history. Into a target its rosters exclude it from only with an
    override's reason as well."""
    if not reason.strip():
        raise ValidationError(_("Say why the family moves."))
    if len(reason.strip()) > REASON_LENGTH:
        raise ValidationError(_("Keep the reason to %(n)s characters.") % {"n": REASON_LENGTH})
    allocation = Allocation.objects.select_for_update(of=("self",)).get(pk=allocation.pk)
    frozen = allocation.lists.filter(approved_at__isnull=False).order_by("-version").first()
    if frozen is not None:
        raise ValidationError(
            _(
                "The family is on the approved list %(code)s version %(n)s, which no longer "
                "changes; it stays as approved."
            )
            % {"code": frozen.target.code, "n": frozen.version}
        )
    if to is not None:
        capacity = target_of(allocation.round.targets.get(program=to)).capacity
        if (
            capacity is not None
            and allocation.round.allocations.filter(target=to).count() >= capacity
        ):
            raise ValidationError(
                _("%(code)s is full (%(n)s families): move another family out first.")
                % {"code": to.code, "n": capacity}
            )
    allocation._history_user, allocation._change_reason = by, reason.strip()
    if to is None:
        allocation.delete()
        return None
    result = allocation.round.run.results.filter(proposal_row=allocation.proposal_row).first()
    holds = result.program_codes if result else []
    excluded = matrix_for(allocation.round).excluding(holds, to.code)
    if excluded and not override.strip():
        raise ValidationError(
            _("The family already receives %(programs)s: give the reason for overriding.")
            % {"programs": ", ".join(excluded)}
        )
    allocation.target, allocation.phase = to, None
    allocation.status, allocation.return_reasons = Allocation.Status.PROPOSED, []
    allocation.excluded_by = ";".join(excluded)
    allocation.override_reason = override.strip() if excluded else ""
    allocation.save()
    return allocation
