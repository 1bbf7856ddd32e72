"""Two staff saving one round at the same moment, in two real database connections: one wins,
the other is refused and told what changed; nothing is written twice or overwritten.
PostgreSQL only: SQLite's in-memory test database cannot be shared by two connections."""

import threading

import pytest
from django.db import connection, connections

from households.models import User
from programs import rounds
from programs.models import Allocation
from tests.conftest import program

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="two connections need PostgreSQL"),
]


def at_once(*calls):
    """Run the calls in two threads released together; returns what each returned or raised."""
    start = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(i, call):
        try:
            start.wait()
            outcomes[i] = call()
        except Exception as error:  # what the user would be shown
            outcomes[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.fixture
def open_round(users, doubtful_run):
    return rounds.create_round(
        rounds.Rules(
            name="JPS Desember 2026",
            run=doubtful_run,
            targets=[(program("BANSOSPROV"), 10, None)],
            order="desil",
            kecamatan_shares=False,
            allowed_pairs=[["BANSOSPROV", "PKH"]],
        ),
        by=users["staff"],
    )


def rules(round_, places):
    return rounds.Rules(
        name=round_.name,
        run=round_.run,
        targets=[(program("BANSOSPROV"), places, None)],
        order="desil",
        kecamatan_shares=False,
        allowed_pairs=round_.allowed_pairs,
    )


def test_two_simultaneous_rule_changes_one_wins_the_other_is_told(users, open_round):
    other = User.objects.create_user("staf2", password="x", role=User.Role.STAFF)
    outcomes = at_once(
        lambda: rounds.update_rules(open_round, rules(open_round, 11), seen=1, by=users["staff"]),
        lambda: rounds.update_rules(open_round, rules(open_round, 12), seen=1, by=other),
    )
    refused = [o for o in outcomes if isinstance(o, rounds.Stale)]
    assert len(refused) == 1, outcomes
    winner = 11 if not isinstance(outcomes[0], Exception) else 12
    open_round.refresh_from_db()
    assert open_round.revision == 2
    assert open_round.targets.get().places == winner
    assert f"10 → {winner}" in " ".join(refused[0].changes)  # told what the other did


def test_two_simultaneous_saves_of_a_plan_allocate_each_family_once(users, open_round, client):
    from django.urls import reverse

    def save():
        from django.test import Client

        browser = Client()
        browser.force_login(users["staff"], backend="django.contrib.auth.backends.ModelBackend")
        return browser.post(
            reverse("programs:round_save", args=[open_round.pk]), {"seen": 1}
        ).status_code

    assert at_once(save, save) == [302, 302]
    assert Allocation.objects.filter(round=open_round).count() == 1
