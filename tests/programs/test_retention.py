"""Uploaded files full of NIKs are deleted UPLOAD_RETENTION_DAYS after their proposal or roster
version closes, with the deletion recorded; what was read from them stays."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from programs.intake import retention
from programs.models import ProposalBatch, ProposalRow, RosterVersion, Upload
from tests.conftest import program

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def upload_of(user, *, kind=Upload.Kind.PROPOSAL, status=Upload.Status.DONE, days_ago=0, **fields):
    made = Upload(kind=kind, status=status, filename="usulan.csv", uploaded_by=user, **fields)
    made.file.save("usulan.csv", ContentFile(b"NIK,NAMA\n3306061203800001,SLAMET\n"), save=False)
    made.save()
    Upload.objects.filter(pk=made.pk).update(created_at=NOW - datetime.timedelta(days=days_ago))
    made.refresh_from_db()
    return made


def stored(upload) -> bool:
    return upload.file.storage.exists(upload.file.name)


def test_a_refused_file_goes_once_its_days_are_past(users, settings):
    settings.UPLOAD_RETENTION_DAYS = 30
    old = upload_of(users["village"], status=Upload.Status.REFUSED, days_ago=31)
    recent = upload_of(users["village"], status=Upload.Status.REFUSED, days_ago=29)
    purged = retention.purge(now=NOW)
    assert [p.upload for p in purged] == [old]
    old.refresh_from_db()
    assert old.file_deleted_at == NOW and not stored(old)
    assert stored(recent)
    assert retention.purge(now=NOW) == []  # run again: nothing more


def test_a_proposal_file_stays_while_its_proposal_is_open(users, batches, settings):
    settings.UPLOAD_RETENTION_DAYS = 30
    batch = batches["a"]
    upload = upload_of(users["village"], batch=batch, days_ago=400)
    ProposalRow.objects.filter(batch=batch).update(upload=upload)
    assert retention.purge(now=NOW) == []
    batch.move_to(ProposalBatch.Status.SUBMITTED, by=users["village"])
    assert retention.purge(now=NOW) == []  # submitted, not yet cross-checked
    batch.move_to(ProposalBatch.Status.CHECKED, by=users["staff"])
    checked = batch.history.filter(status="checked")
    checked.update(history_date=NOW - datetime.timedelta(days=10))
    assert retention.purge(now=NOW) == []  # cross-checked, but only 10 days ago
    assert retention.closed_at(upload) == NOW - datetime.timedelta(days=10)
    checked.update(history_date=NOW - datetime.timedelta(days=31))
    (purged,) = retention.purge(now=NOW)
    assert purged.upload == upload and not stored(upload)
    assert ProposalRow.objects.filter(upload=upload).count() == 2  # what was read stays


def test_a_roster_file_goes_after_a_later_version_replaced_it(users, settings):
    settings.UPLOAD_RETENTION_DAYS = 30
    dtsen = program("DTSEN")
    old = RosterVersion.objects.create(
        program=dtsen, period="Oktober", status=RosterVersion.Status.SUPERSEDED,
        activated_at=NOW - datetime.timedelta(days=90),
    )  # fmt: skip
    RosterVersion.objects.create(
        program=dtsen, period="November", status=RosterVersion.Status.ACTIVE,
        activated_at=NOW - datetime.timedelta(days=40),
    )  # fmt: skip
    active_file = upload_of(
        users["staff"], kind=Upload.Kind.ROSTER, days_ago=40,
        version=RosterVersion.objects.get(period="November"),
    )  # fmt: skip
    old_file = upload_of(users["staff"], kind=Upload.Kind.ROSTER, days_ago=90, version=old)
    assert [p.upload for p in retention.purge(now=NOW)] == [old_file]
    assert stored(active_file)
    assert retention.closed_at(old_file) == NOW - datetime.timedelta(days=40)


def test_the_command_lists_first_then_deletes_and_the_trail_and_page_say_so(
    users, login, settings, capsys
):
    settings.UPLOAD_RETENTION_DAYS = 30
    old = upload_of(users["village"], status=Upload.Status.CANCELLED, days_ago=60)
    call_command("purge_uploads", "--dry-run")
    assert "would delete" in capsys.readouterr().out and stored(old)
    call_command("purge_uploads")
    assert "deleted" in capsys.readouterr().out and not stored(old)
    trail = login(users["admin"]).get(reverse("audit:trail"), {"kind": "file_deleted"})
    assert [e["subject"] for e in trail.context["page"]] == ["usulan.csv"]
    page = login(users["staff"]).get(reverse("programs:upload", args=[old.pk]))
    assert "dihapus" in page.content.decode()
