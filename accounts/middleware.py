from django.shortcuts import redirect
from django.urls import Resolver404, resolve

# Namespaced view names: the admin's own logout and password pages are not these.
ALWAYS = {"logout", "set_language"}
# Each step a signed-in user may have to take before anything else, in order, and the pages
# that step leaves open.
VERIFY = ALWAYS | {"two_factor_verify"}
CHANGE_PASSWORD = ALWAYS | {"password_change", "password_change_done"}
SET_UP = ALWAYS | {"two_factor_setup", "password_change_done"}


def sign_in_steps(get_response):
    """After the password: the code from the authenticator app (when the account has one), then
    a password of one's own (after a one-time password), then setting up the app (when the role
    requires it). Until each is done, every other page sends there."""

    def middleware(request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            step = _next_step(request, user)
            if step is not None:
                target, open_pages = step
                try:
                    name = resolve(request.path_info).view_name
                except Resolver404:
                    name = None  # a static file, or a page that is not there
                if name is not None and name not in open_pages:
                    return redirect(target)
        return get_response(request)

    return middleware


def _next_step(request, user):
    if user.two_factor and not request.user.is_verified():
        return "two_factor_verify", VERIFY
    if user.must_change_password:
        return "password_change", CHANGE_PASSWORD
    if not user.two_factor and user.two_factor_required:
        return "two_factor_setup", SET_UP
    return None
