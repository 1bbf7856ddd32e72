"""One gate for every page: who may open it, as a rule on the signed-in user's role. What each
one then sees is scoped by the querysets' `for_user()` (households, proposals, complaints...);
checks on one object (the batch is the operator's own, the account is one the user may edit)
stay in the view.

    @role_required(managers)
    def program_edit(request, code): ...

    @public("the sign-in page")
    def login(request): ...

`tests/bansos/test_access.py` walks every URL and fails on a view with neither.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

Rule = Callable[..., bool]  # households.models.User -> may it open the page


def role_required(rule: Rule):
    """The view for signed-in users the rule lets in: anyone else signed in is refused (403),
    not sent to sign in again; anyone signed out is sent to the sign-in page. The rule stays on
    the view as `gate`."""

    def decorate(view):
        @wraps(view)
        def gated(request, *args, **kwargs):
            if not rule(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        gated = login_required(gated)
        gated.gate = rule
        return gated

    return decorate


def public(reason: str):
    """A view anyone may open, signed in or not, and why (kept on the view as `public`)."""

    def decorate(view):
        view.public = reason
        return view

    return decorate


# --- The rules: who a page is for -----------------------------------------------------------


def signed_in(user) -> bool:
    """Every role: each sees only its own region or unit, by the querysets' for_user()."""
    return True


def managers(user) -> bool:
    """Administrators and Dinsos staff: users, units, programmes, rosters, rounds."""
    return user.can_manage


def district(user) -> bool:
    """The district roles that work on proposals: administrators, staff, the head."""
    return user.sees_all_proposals


def operators(user) -> bool:
    """Village and agency operators, for their own unit."""
    return user.proposes


def notice_readers(user) -> bool:
    """The district roles, and village operators for their own desa's notice board."""
    return user.sees_all_proposals or (user.proposes and user.role == user.Role.VILLAGE)


def complaint_desk(user) -> bool:
    """The complaint desk and administrators."""
    return user.handles_complaints


def household_editors(user) -> bool:
    """Administrators, staff and village operators (for their own village)."""
    return user.can_edit_households


def id_revealers(user) -> bool:
    """The roles that may show a full NIK or No. KK, each reveal recorded."""
    return user.can_reveal_ids


def complaint_readers(user) -> bool:
    """The desk, the district roles, operators for the complaints sent to their unit, and
    kecamatan staff for those about their villages."""
    return (
        user.handles_complaints
        or user.proposes
        or user.sees_all_proposals
        or user.watches_kecamatan
    )


def desk_or_district(user) -> bool:
    """The desk and the district roles: the monthly complaint report."""
    return user.handles_complaints or user.sees_all_proposals


def two_factor_users(user) -> bool:
    """The roles two-factor sign-in is required of or offered to (accounts/two_factor.py)."""
    return user.two_factor_offered


def auditors(user) -> bool:
    """Administrators and the head: the audit trail of personal data."""
    return user.role in (user.Role.ADMIN, user.Role.HEAD)


def proposal_handlers(user) -> bool:
    """Operators and the district roles, for the files of proposal rows (full NIK and No. KK);
    kecamatan staff read the proposals, masked, and never take the files."""
    return user.takes_proposal_files
