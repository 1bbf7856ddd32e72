"""Login throttling, session lifetime, production settings, health and translation."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def _login(client, username, password, ip="10.1.1.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_repeated_wrong_passwords_lock_that_user_from_that_address(client, users):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "staf", "salah")
    response = _login(client, "staf", PASSWORD)
    assert response.status_code == 429
    assert "Terlalu banyak percobaan masuk yang gagal" in response.content.decode()
    # Another user at the same office address is not locked out.
    assert _login(client, "kepala", PASSWORD).status_code == 302


def test_lock_ends_after_the_cool_off(client, users):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "staf", "salah")
    from axes.models import AccessAttempt

    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )
    assert _login(client, "staf", PASSWORD).status_code == 302


def test_session_ends_after_inactivity(client, users):
    assert _login(client, "staf", PASSWORD).status_code == 302
    assert client.get(reverse("home")).status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get(reverse("home")).status_code == 302


def test_session_cookie_dies_with_the_browser_and_lasts_at_most_the_idle_time(client, users):
    response = _login(client, "staf", PASSWORD)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert not cookie["max-age"] and not cookie["expires"]
    assert settings.SESSION_COOKIE_AGE <= 60 * 60


def test_logout_ends_the_session(client, users):
    _login(client, "staf", PASSWORD)
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302
    assert not Session.objects.exists()


def _manage(*args, **env):
    """manage.py as production runs it: no DEBUG, no secret, and no developer's .env file."""
    unset = ("DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE")
    environ = {k: v for k, v in os.environ.items() if k not in unset}
    environ.update(ENV_FILE=os.devnull, **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="a-production-secret-" + "x" * 50,
        ALLOWED_HOSTS="bansos.example.go.id",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret():
    result = _manage("check")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


MONITORING_TOKEN = "token-of-the-office-monitoring"


def health(client, settings) -> tuple[int, dict[str, str]]:
    """The health page as the office's monitoring reads it: check name -> status."""
    settings.HEALTH_TOKEN = MONITORING_TOKEN
    response = client.get(reverse("health"), HTTP_AUTHORIZATION=f"Bearer {MONITORING_TOKEN}")
    return response.status_code, response.json()


def test_health_endpoint_reports_the_database(client, settings):
    status, checks = health(client, settings)
    assert checks["Database"] == "OK"
    # Without Redis there is no worker to ask about; with it, a missing worker is an error.
    assert status == (200 if not settings.REDIS_URL else 500)


@pytest.mark.parametrize("accept", ["text/html", "*/*", "application/json", "text/plain", None])
def test_anyone_gets_a_plain_status_from_the_health_page_whatever_they_ask(
    client, settings, accept
):
    """A browser, curl or a probe: one word, no 500 for a missing template, and nothing of the
    services behind (Redis's address, the Celery app)."""
    settings.HEALTH_TOKEN = MONITORING_TOKEN
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    wrong = client.get(reverse("health"), HTTP_AUTHORIZATION="Bearer guessed", **headers)
    for response in (client.get(reverse("health"), **headers), wrong):
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        expected = ("OK\n", 200) if not settings.REDIS_URL else ("ERROR\n", 500)
        assert (response.content.decode(), response.status_code) == expected
        assert "no-cache" in response["Cache-Control"]


def test_an_administrator_sees_each_check_but_staff_do_not(client, settings, users):
    client.force_login(users["admin"])
    assert client.get(reverse("health")).json()["Database"] == "OK"
    client.force_login(users["staff"])
    assert client.get(reverse("health")).content.decode() in ("OK\n", "ERROR\n")


def test_pages_are_in_indonesian_with_english_on_offer(client):
    html = client.get(reverse("login")).content.decode()
    assert "Masuk ke Bansos" in html and "English" in html
    client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    assert "Log in to Bansos" in client.get(reverse("login")).content.decode()


def test_indonesian_translation_is_complete_and_compiled():
    po = polib.pofile(str(ROOT / "locale/id/LC_MESSAGES/django.po"))
    assert po.untranslated_entries() == [] and po.fuzzy_entries() == []
    mo = polib.mofile(str(ROOT / "locale/id/LC_MESSAGES/django.mo"))
    compiled = {e.msgid: e.msgstr or e.msgstr_plural for e in mo}
    assert compiled == {e.msgid: e.msgstr or e.msgstr_plural for e in po.translated_entries()}


def test_pages_forbid_inline_scripts(client):
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy and "unsafe-inline" not in policy


def test_an_english_browser_still_gets_indonesian_until_the_user_switches(client):
    html = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "Masuk ke Bansos" in html


@pytest.mark.parametrize(  # not "page": pytest-playwright's fixture of that name
    "url_name", ["home", "households:list", "programs:batches", "programs:template"]
)
def test_signed_in_pages_and_downloads_are_never_stored_by_a_browser_or_proxy(
    client, users, url_name
):
    client.force_login(users["staff"])
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives
