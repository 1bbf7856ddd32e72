"""How long an uploaded file is kept: proposal and roster files are full of NIKs, and once
their proposal or roster version is closed nobody needs the file itself, only what was read
from it (which stays). UPLOAD_RETENTION_DAYS after it closes, the file is deleted and the
upload keeps when (`file_deleted_at`, shown on its page and in the audit trail).

An upload closes when:
- it was refused or cancelled: at once (nothing was kept from it);
- it brought proposals: when every proposal its rows went to has been cross-checked (or
  closed), at the last one's time: the rows are read, checked and kept, and fixes come back as
  new files;
- it brought a roster: when a later version of the programme was activated, or the import
  failed.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Max, Min
from django.utils import timezone

from programs.models import ProposalBatch, RosterVersion, Upload

logger = logging.getLogger(__name__)


@dataclass
class Purged:
    upload: Upload
    closed_at: datetime.datetime


def closed_at(upload: Upload) -> datetime.datetime | None:
    """When the upload's proposal or roster version closed; None while it is open."""
    if upload.status in (Upload.Status.REFUSED, Upload.Status.CANCELLED):
        return upload.created_at
    if upload.kind == Upload.Kind.ROSTER:
        version = upload.version
        if version is None:
            return None
        if version.status == RosterVersion.Status.FAILED:
            return version.created_at
        if version.status != RosterVersion.Status.SUPERSEDED:
            return None
        later = RosterVersion.objects.filter(
            program_id=version.program_id, activated_at__gt=version.activated_at
        )
        return later.aggregate(first=Min("activated_at"))["first"] or version.created_at
    if upload.status != Upload.Status.DONE:
        return None
    batch_ids = set(upload.rows.values_list("batch_id", flat=True).distinct())
    if upload.batch_id:
        batch_ids.add(upload.batch_id)
    if not batch_ids:
        return upload.created_at  # nothing was saved from it
    done = (ProposalBatch.Status.CHECKED, ProposalBatch.Status.CLOSED)
    if ProposalBatch.objects.filter(pk__in=batch_ids).exclude(status__in=done).exists():
        return None
    closings = (  # when each last became checked (a batch may go back and be checked again)
        ProposalBatch.history.filter(id__in=batch_ids, status__in=done)
        .values("id")
        .annotate(at=Max("history_date"))
    )
    return max((row["at"] for row in closings), default=upload.created_at)


def due(now: datetime.datetime | None = None, days: int | None = None) -> list[Purged]:
    """The uploads whose file has been kept `days` after it closed."""
    now = now or timezone.now()
    days = settings.UPLOAD_RETENTION_DAYS if days is None else days
    limit = now - datetime.timedelta(days=days)
    found = []
    candidates = (
        Upload.objects.filter(file_deleted_at__isnull=True)
        .exclude(file="")
        .select_related("version")
        .order_by("pk")
    )
    for upload in candidates.iterator():
        when = closed_at(upload)
        if when is not None and when <= limit:
            found.append(Purged(upload, when))
    return found


def purge(now: datetime.datetime | None = None, days: int | None = None) -> list[Purged]:
    """Delete the files that are due; each upload records when. Safe to run again: a file
    already gone (deleted by hand) is recorded as deleted too."""
    now = now or timezone.now()
    purged = due(now, days)
    for item in purged:
        upload = item.upload
        upload.file.storage.delete(upload.file.name)
        Upload.objects.filter(pk=upload.pk).update(file_deleted_at=now)
        logger.info("upload %s: file %s deleted (retention)", upload.pk, upload.file.name)
    return purged
