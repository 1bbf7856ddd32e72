"""A complaint's way through the desk: logged with a ticket, handled, waiting, resolved or
rejected, reopened; every step with who, when and why; no step the rules do not allow."""

import re

import pytest
from django.core.exceptions import ValidationError

from complaints import desk
from complaints.models import Complaint

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
        assign=users["staff"],
        note="Warga datang lagi: bantuan belum diterima",
    )
    assert (reopened.status, reopened.assigned_to, reopened.resolved_at) == (
        S.HANDLING,
        users["staff"],
        None,
    )
    assert reopened.steps.last().note == "Warga datang lagi: bantuan belum diterima"
