"""Verification visits, from the village to the district: a cycle's tasks, the operator's
visit (the household as found, the outcome, two photos, the phone's location), the
kecamatan's check (approve, or send back with a reason), the district's approval, and what an
approved outcome changes: the household and its members (with history), the family's
proposal rows, its open allocations and the screening hit that sent it.

    task = add_task(cycle, household, reason="manual", by=staff)
    submit(task, {"outcome": "died", ...}, photos, by=operator)
    check(task, approve=True, by=kecamatan); approve(task, by=staff)
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from households.models import Household, Member, User
from programs.models import ProposalRow

from . import screening
from .models import Cycle, ScreeningHit, Step, Task

STATUS, OUTCOME = Task.Status, Task.Outcome
PHOTO_MAX_BYTES = 15 * 1024 * 1024  # a phone's camera: 3-8 MB; larger is not a photo
PHOTO_MAX_PIXELS = 40_000_000  # a 40 MP phone camera; more is not a photo of a house
PHOTO_SIDE = 1600  # pixels on the long side once shrunk: a house and a face stay readable
PHOTO_QUALITY = 82
# Outcomes that take the family out of rounds not yet approved.
LEAVES_ROUNDS = {OUTCOME.MOVED, OUTCOME.DIED, OUTCOME.NOT_POOR, OUTCOME.REFUSES}
CORRECTED = ("head_name", "address", "rt", "rw")  # fields a visit may correct


def add_task(
    cycle: Cycle,
    household: Household,
    *,
    reason: str,
    by: User,
    note: str = "",
    hit: ScreeningHit | None = None,
) -> Task | None:
    """The family to visit in the cycle; None when it is in the cycle already (not twice)."""
    if cycle.closed:
        raise ValidationError(_("The cycle is closed."))
    try:
        with transaction.atomic():
            made = _task(cycle, household, reason=reason, note=note, by=by, hit=hit)
            made.save()
            return made
    except IntegrityError:
        return None


def _task(cycle: Cycle, household: Household, *, reason: str, note: str, by: User, hit=None):
    """A visit of the family, the form filled in advance with the household as recorded."""
    return Task(
        cycle=cycle,
        household=household,
        desa_id=household.desa_id,
        reason=reason,
        reason_note=note[:255],
        hit=hit,
        head_name=household.head_name,
        address=household.address,
        rt=household.rt,
        rw=household.rw,
        created_by=by,
    )


def add_tasks(
    cycle: Cycle, households: Iterable[Household], *, reason: str, by: User, note: str = ""
) -> int:
    """Many families at once (a filter, a roster's changes, a desa): one insert a batch, the
    families already in the cycle left as they are. Returns how many were added."""
    if cycle.closed:
        raise ValidationError(_("The cycle is closed."))
    known = set(cycle.tasks.values_list("household_id", flat=True))
    new = [h for h in {h.pk: h for h in households}.values() if h.pk not in known]
    before = len(known)
    Task.objects.bulk_create(
        (_task(cycle, household, reason=reason, note=note, by=by) for household in new),
        batch_size=2000,
        ignore_conflicts=True,  # added by another hand a moment ago: still once
    )
    return cycle.tasks.count() - before


def shrink_photo(upload) -> ContentFile:
    """A photo checked by its content (a JPEG, PNG or WebP a phone makes, not whatever its
    name says), refused when its pixels would not fit in memory, shrunk to PHOTO_SIDE, turned
    upright and saved as JPEG without its metadata (a phone's EXIF carries its owner and
    place)."""
    if upload.size > PHOTO_MAX_BYTES:
        raise ValidationError(_("The photo is larger than 15 MB."))
    try:
        with warnings.catch_warnings():
            # Pillow only warns below twice its limit: a small file may hold a huge picture.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                image.verify()  # the whole file is an image, not a header before something else
            upload.seek(0)
            with Image.open(upload) as image:
                if image.format not in {"JPEG", "PNG", "WEBP", "MPO"}:
                    raise ValidationError(_("Send a photo (JPG or PNG)."))
                if image.width * image.height > PHOTO_MAX_PIXELS:
                    raise ValidationError(_("This file is not a photo."))
                image.draft("RGB", (PHOTO_SIDE, PHOTO_SIDE))  # a JPEG decoded at a fraction
                image.thumbnail((PHOTO_SIDE, PHOTO_SIDE))  # before turning: a small copy
                image = ImageOps.exif_transpose(image).convert("RGB")
                out = io.BytesIO()
                image.save(out, "JPEG", quality=PHOTO_QUALITY, optimize=True)
    except (
        UnidentifiedImageError,
        OSError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as refused:
        raise ValidationError(_("This file is not a photo.")) from refused
    return ContentFile(out.getvalue())


def kecamatan_checks(task: Task) -> bool:
    """The visit's kecamatan has an active account to check it; else the district does."""
    return User.objects.filter(
        role=User.Role.KECAMATAN, is_active=True, unit__region_id=task.desa.parent_id
    ).exists()


@transaction.atomic
def submit(task: Task, data: dict, photos: dict, *, by: User) -> Task:
    """The operator's visit: the household as found (`data`: outcome, head_name, address, rt,
    rw, note, members {pk: status}, latitude, longitude, accuracy) and the photos ("house",
    "head": uploads). What differs from the household now is kept as the visit's
    corrections. A visit sent back keeps the photos it had unless new ones come."""
    task = Task.objects.select_for_update().select_related("household").get(pk=task.pk)
    if not task.visitable or task.cycle.closed:
        raise ValidationError(_("This visit was sent already."))
    if by.role != User.Role.VILLAGE or not Task.objects.for_user(by).filter(pk=task.pk).exists():
        raise PermissionDenied
    for field in ("outcome", *CORRECTED, "note", "latitude", "longitude", "accuracy"):
        setattr(task, field, data.get(field))
    household = task.household
    task.corrections = {
        field: [getattr(household, field), getattr(task, field)]
        for field in CORRECTED
        if getattr(task, field) and getattr(task, field) != getattr(household, field)
    }
    statuses = dict(household.members.values_list("pk", "status"))
    task.members = {
        str(pk): [statuses[int(pk)], status]
        for pk, status in (data.get("members") or {}).items()
        if int(pk) in statuses and status in Member.Status.values and status != statuses[int(pk)]
    }
    missing = [
        label
        for which, label in (("house", _("the house")), ("head", _("the head of household")))
        if not photos.get(which) and not getattr(task, f"photo_{which}")
    ]
    if missing and task.outcome not in (OUTCOME.NOT_FOUND, OUTCOME.MOVED, OUTCOME.DIED):
        raise ValidationError(_("Take a photo of %(what)s.") % {"what": " & ".join(missing)})
    shrunk = {which: shrink_photo(upload) for which, upload in photos.items() if upload}
    for which, content in shrunk.items():
        field = getattr(task, f"photo_{which}")
        replaced = field.name
        field.save(f"{task.pk}-{which}.jpg", content, save=False)
        if replaced:  # the photo sent before goes once this one is kept
            transaction.on_commit(lambda name=replaced, at=field.storage: at.delete(name))
    task.status, task.visited_by, task.visited_at = STATUS.SUBMITTED, by, timezone.now()
    task._history_user = by
    task.save()
    Step.objects.create(task=task, action=Step.Action.SUBMITTED, by=by)
    return task


@transaction.atomic
def check(task: Task, *, approve: bool, by: User, reason: str = "") -> Task:
    """The kecamatan's check of its village's visit: approved on to the district, or sent back
    to the operator with the reason."""
    task = Task.objects.select_for_update().get(pk=task.pk)
    if not by.watches_kecamatan or not Task.objects.for_user(by).filter(pk=task.pk).exists():
        raise PermissionDenied
    if task.status != STATUS.SUBMITTED:
        raise ValidationError(_("Only a visit waiting for the kecamatan is checked."))
    return _step(task, approve=approve, by=by, reason=reason, to=STATUS.CHECKED)


@transaction.atomic
def approve(task: Task, *, by: User, send_back: bool = False, reason: str = "") -> Task:
    """The district's approval, after the kecamatan's check (or straight after the visit where
    the kecamatan has no account); the outcome then changes the data. Or sent back to the
    operator with the reason."""
    task = Task.objects.select_for_update().get(pk=task.pk)
    if not by.can_manage:
        raise PermissionDenied
    unchecked = task.status == STATUS.SUBMITTED and not kecamatan_checks(task)
    if task.status != STATUS.CHECKED and not unchecked:
        raise ValidationError(_("The kecamatan checks the visit first."))
    task = _step(task, approve=not send_back, by=by, reason=reason, to=STATUS.APPROVED)
    if task.status == STATUS.APPROVED:
        skipped = apply_outcome(task, by=by)
        if skipped:
            step = task.steps.latest("at")
            step.reason = _("Not applied, changed at the office since the visit: %(fields)s") % {
                "fields": ", ".join(skipped)
            }
            step.save(update_fields=["reason"])
    return task


def _step(task: Task, *, approve: bool, by: User, reason: str, to: str) -> Task:
    reason = reason.strip()
    if not approve and not reason:
        raise ValidationError(_("Say why the visit goes back: the operator reads it."))
    task.status = to if approve else STATUS.RETURNED
    task.sent_back_reason = "" if approve else reason
    task._history_user = by
    task.save(update_fields=["status", "sent_back_reason"])
    action = (
        (Step.Action.CHECKED if to == STATUS.CHECKED else Step.Action.APPROVED)
        if approve
        else Step.Action.RETURNED
    )
    Step.objects.create(task=task, action=action, by=by, reason=reason)
    return task


def apply_outcome(task: Task, *, by: User) -> list[str]:
    """What an approved visit changes, each change in the history with the cycle's name. A
    correction is applied where the household still says what the operator saw; the fields
    the office changed since are left and named back."""
    why = _("Visit of %(cycle)s: %(outcome)s") % {
        "cycle": task.cycle.name,
        "outcome": task.get_outcome_display(),
    }
    household = Household.objects.select_for_update().get(pk=task.household_id)
    changed, skipped = [], []
    for field, (seen, found) in task.corrections.items():
        if getattr(household, field) == seen:
            setattr(household, field, found)
            changed.append(field)
        elif getattr(household, field) != found:
            skipped.append(str(Household._meta.get_field(field).verbose_name))
    if task.outcome == OUTCOME.DIED:
        household.status, changed = Household.Status.DIED, [*changed, "status"]
    elif task.outcome == OUTCOME.MOVED:
        household.status, changed = Household.Status.MOVED, [*changed, "status"]
    if changed:
        household._history_user, household._change_reason = by, why
        household.save()
        # The family's proposal rows say what the household now says, each with its history.
        fields = {"head_name": "name", "address": "address", "rt": "rt", "rw": "rw"}
        updates = {fields[f]: getattr(household, f) for f in changed if f in fields}
        for row in ProposalRow.objects.filter(household=household) if updates else ():
            for name, value in updates.items():
                setattr(row, name, value)
            row._history_user, row._change_reason = by, why
            row.save(update_fields=list(updates))
    for member in household.members.filter(pk__in=[int(pk) for pk in task.members]):
        seen, found = task.members[str(member.pk)]
        if member.status == seen:
            member.status = found
            member._history_user, member._change_reason = by, why
            member.save()
    if task.outcome in LEAVES_ROUNDS:
        screening.remove_from_open_rounds(household, reason=why, by=by)
    settle_hits(household, task.outcome, why=why, by=by)
    return skipped


def settle_hits(household: Household, outcome: str, *, why: str, by: User) -> None:
    """Every screening hit of the family waiting for a visit, in any screening: found
    eligible, cleared; gone from the rounds, screened out; not found, back to staff."""
    decision = (
        ScreeningHit.Decision.CLEARED
        if outcome == OUTCOME.ELIGIBLE
        else ScreeningHit.Decision.EXCLUDED
        if outcome in LEAVES_ROUNDS
        else ScreeningHit.Decision.UNDECIDED
    )
    for hit in ScreeningHit.objects.filter(
        household=household, decision=ScreeningHit.Decision.VISIT
    ):
        hit.decision, hit.note = decision, f"{hit.note}\n{why}".strip()
        hit.decided_by, hit.decided_at, hit._history_user = by, timezone.now(), by
        hit.save(update_fields=["decision", "note", "decided_by", "decided_at"])


def on_household_saved(sender, instance: Household, created: bool, **kwargs) -> None:
    """post_save of a household: a family that moved desa is visited by its new village, the
    visits not yet sent going with it (the old village no longer sees the family)."""
    if not created:
        Task.objects.filter(household=instance, status__in=[STATUS.OPEN, STATUS.RETURNED]).exclude(
            desa_id=instance.desa_id
        ).update(desa_id=instance.desa_id)
