"""Browser tests: the real pages in Debian's chromium, driven by Playwright.

Never download a browser: launch /usr/bin/chromium. Without it these tests skip with the reason,
except in CI (BANSOS_REQUIRE_ALL=1), which installs chromium and counts a skip as a failure.
"""

import os
import shutil

import pytest

from tests.browser.test_roles import log_in

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    if os.path.exists(CHROMIUM):
        return
    for item in items:
        if "browser" in str(item.fspath):
            item.add_marker(pytest.mark.skip(reason="Debian's chromium is not installed here"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(autouse=True)
def plain_static_storage(settings):
    # The manifest storage needs collectstatic; the live server serves from the app folders.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def window(browser, live_server):
    """A browser window of its own for each person, logged in: each stays logged in."""
    contexts = []

    def logged_in(user):
        contexts.append(browser.new_context(base_url=live_server.url))
        page = contexts[-1].new_page()
        log_in(page, live_server, user.username)
        return page

    yield logged_in
    for context in contexts:
        context.close()
