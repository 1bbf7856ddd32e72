"""The complaint desk's work on a complaint: logging it with a ticket the public can follow, and
moving it through its statuses, each step recorded with who, when and why.

    complaint = log(by=desk, channel="phone", category=left_out, complainant_name="...", ...)
    move(complaint, Complaint.Status.HANDLING, by=desk, forward=village)    # the village's page
    move(complaint, Complaint.Status.RESOLVED, by=desk, resolution="Diusulkan ke putaran Juni")
    move(complaint, Complaint.Status.HANDLING, by=desk, note="Warga datang lagi: belum cair")

Statuses: new; being handled (assigned to a staff member or forwarded to a village or agency);
waiting for the complainant; resolved (with the resolution); rejected (with the reason). A
resolved or rejected complaint is reopened with a reason.
"""

from __future__ import annotations

import datetime
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from households.models import Unit, User
from programs.intake.family import add_to_proposal, check_family, typed_values, village_unit
from programs.models import ProposalBatch, ProposalRow

from .models import Complaint, Step, complaint_logged

Status = Complaint.Status
MOVES = {
    Status.NEW: {Status.HANDLING, Status.REJECTED},
    Status.HANDLING: {Status.HANDLING, Status.WAITING, Status.RESOLVED, Status.REJECTED},
    Status.WAITING: {Status.HANDLING, Status.RESOLVED, Status.REJECTED},
    Status.RESOLVED: {Status.HANDLING},  # reopened
    Status.REJECTED: {Status.HANDLING},  # reopened
}
ANSWERABLE = (Status.HANDLING, Status.WAITING)  # the unit it is forwarded to answers
# A ticket's random part: Crockford's base32 without I, L, O, U, read aloud over the phone;
# 8 characters are 2^40 possibilities, so a ticket cannot be guessed from another.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_ticket(received=None) -> str:
    """ADU-2611-7K3Q9XMB: the month it came in, then 8 random characters."""
    random_part = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"ADU-{timezone.localdate(received):%y%m}-{random_part}"


def typed_ticket(text: str) -> str:
    """A ticket as someone typed it after hearing it over the phone: any case and spacing, and
    O, I or L in the random part read as 0, 1 and 1, as Crockford's base32 reads them."""
    parts = "".join(text.split()).upper().split("-")
    if len(parts) == 3:
        parts[2] = parts[2].translate(str.maketrans("OIL", "011"))
    return "-".join(parts)


@transaction.atomic
def log(*, by: User, **fields) -> Complaint:
    """A new complaint with its ticket and its first step."""
    complaint = Complaint(**fields)
    complaint.received_at = complaint.received_at or timezone.now()
    while not complaint.ticket or Complaint.objects.filter(ticket=complaint.ticket).exists():
        complaint.ticket = new_ticket(complaint.received_at)
    complaint._history_user = by
    complaint.full_clean()
    complaint.save()
    Step.objects.create(  # it came in then, whenever it was typed in (the history says)
        complaint=complaint,
        to_status=complaint.status,
        by=by,
        at=complaint.received_at,
        due_on=complaint.due_on,
    )
    complaint_logged.send(Complaint, complaint=complaint, user=by)
    return complaint


@transaction.atomic
def move(
    complaint: Complaint,
    to: str,
    *,
    by: User,
    note: str = "",
    assign: User | None = None,
    forward: Unit | None = None,
    resolution: str = "",
    public_reply: str | None = None,
    at: datetime.datetime | None = None,
) -> Complaint:
    """Move the complaint to status `to`, refusing a step the desk's rules do not allow. `at`
    is when it happened, if not now (the demo's weeks)."""
    at = at or timezone.now()
    complaint = _locked(complaint)
    now, note = complaint.status, note.strip()
    if complaint.steps.filter(at__gt=at).exists():
        raise ValidationError(_("A step cannot come before the complaint's last one."))
    if to not in MOVES[now]:
        raise ValidationError(
            _("A complaint that is %(now)s cannot become %(to)s.")
            % {"now": Status(now).label, "to": Status(to).label}
        )
    if now in (Status.RESOLVED, Status.REJECTED) and not note:
        raise ValidationError(_("Say why the complaint is opened again."))
    if to == Status.HANDLING and assign is None and forward is None:
        raise ValidationError(
            _("Assign it to a staff member or forward it to a village or agency.")
        )
    if assign is not None and not (assign.is_active and assign.handles_complaints):
        raise ValidationError(
            _("%(user)s does not work at the complaint desk: forward it to a unit instead.")
            % {"user": assign}
        )
    if to == Status.RESOLVED and not resolution.strip():
        raise ValidationError(_("Say how it was resolved and what changed."))
    if to == Status.REJECTED and not note:
        raise ValidationError(_("Say why the complaint is rejected."))
    if to == Status.HANDLING:
        # Triaged, reopened, or given to someone else: the follow-up counts from today. Back
        # from the complainant to the same hands, it goes on counting.
        handler = (assign.pk if assign else None, forward.pk if forward else None)
        if now not in (Status.HANDLING, Status.WAITING) or handler != (
            complaint.assigned_to_id,
            complaint.forwarded_to_id,
        ):
            complaint.handled_since = at
        complaint.assigned_to, complaint.forwarded_to = assign, forward
    if to == Status.RESOLVED:
        complaint.resolution, complaint.resolved_at = resolution.strip(), at
    elif to == Status.HANDLING:
        complaint.resolved_at = None
    if public_reply is not None:
        complaint.public_reply = public_reply.strip()
    complaint.status = to
    complaint._history_user, complaint._change_reason = by, note[:100]
    complaint.save()
    Step.objects.create(
        complaint=complaint,
        from_status=now,
        to_status=to,
        by=by,
        at=at,
        note=note or resolution.strip(),
        assigned_to=assign,
        forwarded_to=forward,
        due_on=complaint.due_on,
    )
    return complaint


@transaction.atomic
def answer(complaint: Complaint, *, by: User, note: str) -> Step:
    """The village or agency a complaint was forwarded to answers it; the desk decides next."""
    complaint = _locked(complaint)
    if complaint.forwarded_to_id is None or complaint.forwarded_to_id != by.unit_id:
        raise ValidationError(_("Only the unit the complaint was forwarded to answers it."))
    if complaint.status not in ANSWERABLE:
        raise ValidationError(_("The complaint is closed; the desk reopens it if needed."))
    if not note.strip():
        raise ValidationError(_("Write the answer."))
    return Step.objects.create(
        complaint=complaint,
        from_status=complaint.status,
        to_status=complaint.status,
        by=by,
        note=note.strip(),
        due_on=complaint.due_on,
    )


@transaction.atomic
def propose(complaint: Complaint, values: dict[str, str], *, by: User) -> list[tuple[str, str]]:
    """A justified "left out" or "new family" complaint becomes a proposal row of the village
    the family lives in, checked as any proposal is (the intake's identity rules now, the
    cross-check with the village's next run). Returns the problems; [] when proposed.

    For a registered family, the NIK, No. KK and birth date left empty are the registered
    ones, which the desk does not see: what is wrong with them is said without their digits."""
    complaint = _locked(complaint)
    if refused := why_not_proposed(complaint):
        return [("", refused)]
    typed = typed_values(values)
    taken = set()
    if household := complaint.household:
        born = household.head_birth_date
        for column, registered in (
            ("no_kk", household.no_kk),
            ("nik", household.head_nik),
            ("tanggal_lahir", f"{born:%d-%m-%Y}" if born else ""),
        ):
            if not typed[column]:
                typed[column] = registered
                taken.add(column)
    unit = village_unit(typed)
    if unit is None:
        return [("desa", _("No village unit proposes for this desa; ask Dinsos to add it."))]
    unit = Unit.objects.select_for_update().get(pk=unit.pk)  # one desk batch a month per unit
    checked = check_family(typed, unit)
    if not checked.ok:
        hidden = _("What is registered does not pass the checks: type it from the family card.")
        return [(c, hidden if c in taken else message) for c, message in checked.problems]
    fields = checked.fields
    known = ProposalRow.objects.filter(batch__unit=unit, status=ProposalRow.Status.VALID).filter(
        Q(nik=fields["nik"]) | Q(no_kk=fields["no_kk"])
    )
    if (earlier := known.select_related("batch").first()) is not None:
        return [
            (
                "nik",
                _("%(unit)s proposed this family already (%(batch)s, row %(row)s).")
                % {"unit": unit, "batch": earlier.batch.title, "row": earlier.row_number},
            )
        ]
    # The month's batch from the desk, still waiting for its cross-check. What is stored is
    # data, not interface text: Indonesian whatever the user's language.
    title = f"Usulan dari posko pengaduan {timezone.localdate():%m-%Y}"
    batch = (
        ProposalBatch.objects.select_for_update()
        .filter(unit=unit, title=title, status=ProposalBatch.Status.SUBMITTED)
        .first()
    ) or ProposalBatch.objects.create(
        unit=unit, title=title, created_by=by, status=ProposalBatch.Status.SUBMITTED
    )
    row = add_to_proposal(
        batch,
        checked,
        by=by,
        remarks=f"pengaduan {complaint.ticket}",
        household=complaint.household,
    )
    complaint.proposal_row = row
    complaint._history_user, complaint._change_reason = by, "diusulkan untuk desanya"
    complaint.save(update_fields=["proposal_row"])
    Step.objects.create(
        complaint=complaint,
        from_status=complaint.status,
        to_status=complaint.status,
        by=by,
        note=f"Diusulkan dalam {batch.title}, baris {row.row_number}.",
        due_on=complaint.due_on,
    )
    return []


def _locked(complaint: Complaint) -> Complaint:
    """The complaint as it is now, locked until the transaction ends, with its category (its
    deadline needs it)."""
    return (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("category")
        .get(pk=complaint.pk)
    )


def why_not_proposed(complaint: Complaint) -> str:
    """Why this complaint cannot be proposed now; "" when it can."""
    if not complaint.category.becomes_proposal:
        return _("Only a family left out, or a new family, is proposed from a complaint.")
    if complaint.proposal_row_id is not None:
        return _("This complaint was proposed already.")
    if complaint.status not in ANSWERABLE:
        return _("The desk proposes a family while it handles the complaint.")
    return ""
