"""The pages of two-factor sign-in: the code after the password, setting up the app, and the
account's security page."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from households.access import managers, role_required, signed_in, two_factor_users
from households.models import User

from . import two_factor


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


@role_required(signed_in)
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    if not request.user.two_factor or request.user.is_verified():
        return redirect("home")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if two_factor.verify(request, form.cleaned_data["code"]):
            left = two_factor.recovery_codes_left(request.user)
            if left <= 3:
                messages.warning(
                    request,
                    _("%(n)s recovery codes left: make new ones on your security page.")
                    % {"n": left},
                )
            next_url = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
                next_url = "home"
            return redirect(next_url)
        form.add_error(
            "code",
            _("That code is not right (or was used already). Type the 6 digits the app shows "
              "now, or one of your recovery codes."),
        )  # fmt: skip
    return render(request, "accounts/two_factor_verify.html", {"form": form})


@role_required(two_factor_users)
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.two_factor and not request.user.is_verified():
        return redirect("two_factor_verify")
    device = two_factor.pending_device(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.confirm(request, device, form.cleaned_data["code"])
        if codes is not None:
            return render(request, "accounts/recovery_codes.html", {"codes": codes})
        form.add_error("code", _("That code is not right: check the phone's clock and try again."))
    return render(
        request,
        "accounts/two_factor_setup.html",
        {"form": form, "qr": two_factor.qr_image(device), "secret": two_factor.secret(device)},
    )


@role_required(signed_in)
@require_http_methods(["GET"])
def security(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "accounts/security.html",
        {
            "codes_left": two_factor.recovery_codes_left(user) if user.two_factor else 0,
        },
    )


@role_required(signed_in)
@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    if not request.user.two_factor:
        raise PermissionDenied
    codes = two_factor.new_recovery_codes(request.user)
    return render(request, "accounts/recovery_codes.html", {"codes": codes})


@role_required(signed_in)
@require_POST
def switch_off(request: HttpRequest) -> HttpResponse:
    if request.user.two_factor_required:
        raise PermissionDenied
    two_factor.switch_off(request.user)
    messages.success(request, _("Two-factor sign-in is off for your account."))
    return redirect("two_factor_security")


@role_required(managers)
@require_POST
def reset(request: HttpRequest, pk: int) -> HttpResponse:
    """A lost phone: the app and the recovery codes are removed; the owner sets it up again at
    the next sign-in where the role requires it."""
    account = get_object_or_404(User, pk=pk)
    if not request.user.may_edit(account) or account == request.user:
        raise PermissionDenied
    two_factor.switch_off(account)
    messages.success(
        request, _("Two-factor sign-in of %(user)s is reset.") % {"user": account.username}
    )
    return redirect("users:edit", pk=pk)
