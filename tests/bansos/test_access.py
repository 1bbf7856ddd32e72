"""One gate for every page (households/access.py): each URL's view either names the roles it is
for or says why anyone may open it; signed out, a gated page sends to the sign-in page; signed
in with a role the gate does not name, it answers 403 before it looks anything up."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

# Views of Django itself, outside the project's gate, and why that is right.
NOT_OURS = {
    "set_language": "the language switch: before signing in too",
}


def patterns(resolver=None, prefix="", namespace=""):
    """(route, name, view) of every URL, the admin's left to Django's own staff gate."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue
            inner = f"{namespace}:{entry.namespace}" if entry.namespace else namespace
            yield from patterns(entry, prefix + str(entry.pattern), inner.strip(":"))
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}".strip(":")
            yield prefix + str(entry.pattern), name, entry.callback


def example(route: str) -> str:
    """A path for the route, its parameters filled with values no object has."""
    path = re.sub(r"<int:\w+>", "987654", route)
    path = re.sub(r"<(?:str|slug):\w+>", "zz", path)
    return "/" + path


GATED = [(route, name, view) for route, name, view in patterns() if hasattr(view, "gate")]


def test_every_view_has_the_gate_or_a_reason_to_be_public():
    ungated = [
        name
        for _route, name, view in patterns()
        if not hasattr(view, "gate")
        and not getattr(view, "public", "")
        and name.rpartition(":")[2] not in NOT_OURS
    ]
    assert ungated == []
    assert len(GATED) > 70  # the walk found the project's pages


@pytest.mark.parametrize(("route", "name", "view"), GATED, ids=[n for _r, n, _v in GATED])
def test_a_gated_page_sends_the_signed_out_to_sign_in(client, route, name, view):
    response = client.get(example(route))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize(("route", "name", "view"), GATED, ids=[n for _r, n, _v in GATED])
def test_a_gated_page_refuses_every_role_its_gate_does_not_name(client, users, route, name, view):
    refused = [user for user in users.values() if not view.gate(user)]
    for user in refused:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        assert client.get(example(route)).status_code == 403, user.role
        assert client.post(example(route)).status_code in (403, 405), user.role


@pytest.mark.parametrize(("route", "name", "view"), GATED, ids=[n for _r, n, _v in GATED])
def test_a_gated_page_lets_in_every_role_its_gate_names(client, users, route, name, view):
    # Nothing there at this address (404), or the page itself: never the gate's 403.
    for user in [user for user in users.values() if view.gate(user)]:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        assert client.get(example(route)).status_code != 403, user.role


def test_public_pages_open_without_signing_in(client):
    public = [route for route, _name, view in patterns() if getattr(view, "public", "")]
    assert {"login/", "complaints/status/", "health/"} <= set(public)
    for route in public:
        response = client.get(example(route))  # health may say ERROR (500): no worker here
        assert response.status_code != 403, route
        assert not response.get("Location", "").startswith("/login/"), route
