"""A real Celery worker, through Redis, against the configured database (PostgreSQL in CI).

Runs where REDIS_URL is set; on a newcomer's machine tasks run in-process instead and the other
tests cover them. CI sets REDIS_URL, and there a skip here counts as a failure.
"""

import time

import pytest
from django.conf import settings
from django.urls import reverse

from households.models import Region

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not settings.REDIS_URL, reason="REDIS_URL is not set: no broker to use"),
]


@pytest.fixture(scope="module")
def worker(django_db_blocker):
    from celery.contrib.testing.worker import start_worker

    from bansos.celery import app

    app.control.purge()  # nothing left over from an earlier run may reach this worker
    with django_db_blocker.unblock(), start_worker(app, pool="solo", perform_ping_check=False):
        yield


def _wait_for(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.django_db(transaction=True)
def test_worker_loads_a_district_requested_in_the_browser(worker, client, users):
    client.force_login(users["staff"], backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(reverse("regions:list"), {"code": "33.07"})
    assert response.status_code == 302
    assert _wait_for(
        lambda: Region.objects.filter(level=4, code__startswith="33.07.").count() == 265
    )


@pytest.mark.django_db(transaction=True)
def test_health_endpoint_sees_redis_and_a_worker(worker, client):
    from tests.bansos.test_security import health

    status, checks = health(client)
    assert (status, checks["Database"], checks["Redis"], checks["Ping"]) == (200, "OK", "OK", "OK")
