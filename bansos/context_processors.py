from django.conf import settings


def password_reset(request):
    """Whether the sign-in page offers a reset link by e-mail (PASSWORD_RESET_BY_EMAIL)."""
    return {"password_reset_by_email": settings.PASSWORD_RESET_BY_EMAIL}


def csp_nonce(request):
    """Expose django-csp's nonce as ``csp_nonce``, the name django-htmx's script tag looks for."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}
