"""A complaint's way through the desk: logged with a ticket, handled, waiting, resolved or
rejected, reopened; every step with who, when and why; no step the rules do not allow."""

import datetime
import importlib
import re
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from complaints import desk, service_level
from complaints.models import Complaint
from tests.complaints.conftest import walk_in

pytestmark = pytest.mark.django_db
S = Complaint.Status


def test_a_logged_complaint_has_a_ticket_that_cannot_be_guessed_and_its_first_step(
    complaint, users
):
    assert re.fullmatch(r"ADU-\d{4}-[0-9A-HJKMNP-TV-Z]{8}", complaint.ticket)
    assert len({desk.new_ticket() for _ in range(1000)}) == 1000
    (step,) = complaint.steps.all()
    assert (step.to_status, step.by) == (S.NEW, users["desk"])


def test_forwarded_to_a_village_answered_and_resolved_each_step_recorded(complaint, users, units):
    desk.move(complaint, S.HANDLING, by=users["desk"], forward=units["village_a"])
    desk.move(complaint, S.WAITING, by=users["desk"], note="Menunggu fotokopi KK")
    done = desk.move(
        complaint,
        S.RESOLVED,
        by=users["desk"],
        resolution="Diusulkan lewat usulan desa untuk tahap 2",
        public_reply="Keluarga Anda diusulkan untuk JPS tahap 2.",
    )
    assert (done.status, done.forwarded_to, done.resolved_at is not None) == (
        S.RESOLVED,
        units["village_a"],
        True,
    )
    steps = [(s.from_status, s.to_status, s.by) for s in complaint.steps.all()]
    assert steps == [
        ("", S.NEW, users["desk"]),
        (S.NEW, S.HANDLING, users["desk"]),
        (S.HANDLING, S.WAITING, users["desk"]),
        (S.WAITING, S.RESOLVED, users["desk"]),
    ]
    assert done.history.first().history_user == users["desk"]


@pytest.mark.parametrize(
    ("to", "kwargs", "message"),
    [
        (S.HANDLING, {}, "teruskan"),  # to whom?
        (S.RESOLVED, {}, "tidak dapat menjadi"),  # a new complaint is handled first
        (S.REJECTED, {}, "alasan"),  # why?
        (S.WAITING, {}, "tidak dapat menjadi"),
    ],
)
def test_a_step_the_rules_do_not_allow_is_refused_saying_why(complaint, users, to, kwargs, message):
    with pytest.raises(ValidationError, match=message):
        desk.move(complaint, to, by=users["desk"], **kwargs)
    complaint.refresh_from_db()
    assert complaint.status == S.NEW and complaint.steps.count() == 1


def test_a_resolved_complaint_is_reopened_only_with_a_reason(complaint, users):
    desk.move(complaint, S.HANDLING, by=users["desk"], assign=users["desk"])
    desk.move(complaint, S.RESOLVED, by=users["desk"], resolution="Sudah dicairkan")
    with pytest.raises(ValidationError, match="dibuka lagi"):
        desk.move(complaint, S.HANDLING, by=users["desk"], assign=users["desk"])
    reopened = desk.move(
        complaint,
        S.HANDLING,
        by=users["desk"],
        assign=users["desk"],
        note="Warga datang lagi: bantuan belum diterima",
    )
    assert (reopened.status, reopened.resolved_at) == (S.HANDLING, None)
    assert reopened.steps.last().note == "Warga datang lagi: bantuan belum diterima"


def test_a_rejected_complaint_is_reopened_with_a_reason(complaint, users, units):
    desk.move(complaint, S.REJECTED, by=users["desk"], note="Bukan wewenang Dinsos")
    reopened = desk.move(
        complaint, S.HANDLING, by=users["desk"], forward=units["village_a"], note="Bukti baru"
    )
    assert (reopened.status, reopened.forwarded_to) == (S.HANDLING, units["village_a"])


def test_it_is_assigned_only_to_someone_at_the_desk(complaint, users):
    with pytest.raises(ValidationError, match="bukan petugas posko"):
        desk.move(complaint, S.HANDLING, by=users["desk"], assign=users["staff"])
    complaint.refresh_from_db()
    assert complaint.status == S.NEW


def test_the_follow_up_restarts_when_given_to_other_hands_not_when_the_complainant_answers(
    users, units, regions
):
    start = timezone.now() - datetime.timedelta(days=14)
    complaint = walk_in(users, regions, received_at=start - datetime.timedelta(days=1))
    desk.move(complaint, S.HANDLING, by=users["desk"], assign=users["desk"], at=start)
    desk.move(complaint, S.WAITING, by=users["desk"], note="Minta fotokopi KK")
    back = desk.move(complaint, S.HANDLING, by=users["desk"], assign=users["desk"], note="KK ada")
    assert back.handled_since == start  # the same hands: the count goes on
    assert back.due_on == service_level.due(timezone.localdate(start), 5)
    forwarded = desk.move(complaint, S.HANDLING, by=users["desk"], forward=units["village_a"])
    assert forwarded.handled_since > start
    assert forwarded.due_on == service_level.due(timezone.localdate(), 5)
    assert complaint.steps.last().due_on == forwarded.due_on  # kept with the step


def test_a_unit_does_not_answer_a_closed_complaint(complaint, users, units):
    desk.move(complaint, S.HANDLING, by=users["desk"], forward=units["village_a"])
    desk.answer(complaint, by=users["village"], note="Sudah dicek.")
    desk.move(complaint, S.RESOLVED, by=users["desk"], resolution="Selesai")
    with pytest.raises(ValidationError, match="ditutup"):
        desk.answer(complaint, by=users["village"], note="Tambahan")
    assert complaint.steps.count() == 4


def test_a_ticket_heard_over_the_phone_is_found_as_typed():
    assert desk.typed_ticket(" adu-2611-7k3q9xmo ") == "ADU-2611-7K3Q9XM0"
    assert desk.typed_ticket("ADU-2611-IL000000") == "ADU-2611-11000000"


def test_deadlines_count_from_the_day_in_jakarta_not_in_utc(complaint):
    jakarta = zoneinfo.ZoneInfo("Asia/Jakarta")
    # Thursday 00:30 in Jakarta is still Wednesday in UTC: the day it came in is Thursday.
    complaint.received_at = datetime.datetime(2026, 11, 26, 0, 30, tzinfo=jakarta)
    complaint.save()
    assert complaint.due_on == datetime.date(2026, 12, 1)  # Friday, Monday, Tuesday


def test_complaints_logged_before_deadlines_were_kept_get_them_from_their_steps(
    users, units, regions
):
    """Migration 0008 walks each complaint's steps as desk.move() now counts them."""
    from django.apps import apps

    deadlines_stored = importlib.import_module("complaints.migrations.0008_deadlines_stored")
    start = timezone.now() - datetime.timedelta(days=20)
    complaint = walk_in(users, regions, received_at=start)
    forwarded = start + datetime.timedelta(days=1)
    desk.move(complaint, S.HANDLING, by=users["desk"], forward=units["village_a"], at=forwarded)
    desk.move(complaint, S.WAITING, by=users["desk"], note="Minta KK", at=forwarded)
    desk.move(complaint, S.HANDLING, by=users["desk"], forward=units["village_a"], note="KK ada")
    kept = [s.due_on for s in complaint.steps.all()]
    Complaint.objects.update(handled_since=None, due_on=None)
    complaint.steps.update(due_on=None)

    deadlines_stored.deadlines(apps, None)
    complaint.refresh_from_db()
    assert complaint.handled_since == forwarded  # back in the same hands: counted from then
    assert [s.due_on for s in complaint.steps.all()] == kept
    assert complaint.due_on == kept[-1]
