from django.shortcuts import redirect
from django.urls import Resolver404, resolve

# Where a user who must change the password may still go.
OPEN = {"password_change", "password_change_done", "logout", "set_language"}


def password_change_first(get_response):
    """A user signed in with a one-time password sees nothing but the page to choose their own
    (and signing out, and the language switch) until they have."""

    def middleware(request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.must_change_password:
            try:
                name = resolve(request.path_info).url_name
            except Resolver404:
                name = None  # a static file, or a page that is not there
            if name is not None and name not in OPEN:
                return redirect("password_change")
        return get_response(request)

    return middleware
