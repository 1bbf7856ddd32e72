from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bansos.paging import paged
from households import tasks
from households.access import managers, role_required
from households.models import Region, Unit, User

from . import passwords
from . import units as office_units
from .forms import AgenciesForm, DistrictForm, UnitForm, UserForm
from .history import PASSWORD, changes


@role_required(managers)
@require_GET
def user_list(request: HttpRequest) -> HttpResponse:
    accounts = User.objects.select_related("unit").order_by("role", "username")
    page, query = paged(request, accounts, per_page=100)
    for account in page:  # a link only to the accounts this user may edit
        account.editable = request.user.may_edit(account)
    return render(request, "accounts/user_list.html", {"page": page, "query": query})


@role_required(managers)
@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = get_object_or_404(User, pk=pk) if pk else None
    if user and not request.user.may_edit(user):
        raise PermissionDenied
    form = UserForm(request.POST or None, instance=user, editor=request.user)
    if request.method == "POST" and form.is_valid():
        if user is not None:
            form.save()
            messages.success(request, _("User saved."))
            return redirect("users:list")
        created = form.save(commit=False)
        password = passwords.give_one_time_password(created)
        return _show_password(request, created, password)
    history = user.history.select_related("history_user") if user else []
    return render(
        request,
        "accounts/user_form.html",
        {"form": form, "object": user, "history": changes(history)},
    )


@role_required(managers)
@require_POST
def user_password(request: HttpRequest, pk: int) -> HttpResponse:
    """A new one-time password for someone who forgot theirs (or never got the slip)."""
    user = get_object_or_404(User, pk=pk)
    if not request.user.may_edit(user) or user == request.user:
        raise PermissionDenied
    password = passwords.give_one_time_password(user)
    return _show_password(request, user, password)


def _show_password(request: HttpRequest, user: User, password: str) -> HttpResponse:
    """The one time the password is readable: in this answer to the POST, never stored, never
    in a URL; the page is not kept by the browser (private, no-store)."""
    return render(
        request, "accounts/one_time_password.html", {"account": user, "password": password}
    )


@role_required(managers)
@require_http_methods(["GET", "POST"])
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_object_or_404(Unit, pk=pk)
    form = UnitForm(request.POST or None, instance=unit)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Unit saved."))
        return redirect("units:list")
    return render(request, "accounts/unit_form.html", {"form": form, "unit": unit})


@role_required(managers)
@require_http_methods(["GET", "POST"])
def unit_list(request: HttpRequest) -> HttpResponse:
    form = UnitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Unit saved."))
        return redirect("units:list")
    units = Unit.objects.select_related("region__parent").annotate(n_users=Count("users"))
    without_unit = Region.objects.filter(
        level__in=[Region.Level.VILLAGE, Region.Level.DISTRICT], unit__isnull=True
    ).count()
    return render(
        request,
        "accounts/unit_list.html",
        {
            "units": units,
            "form": form,
            "agencies": AgenciesForm(),
            "without_unit": without_unit,
        },
    )


@role_required(managers)
@require_POST
def village_units(request: HttpRequest) -> HttpResponse:
    made = office_units.create_village_units() + office_units.create_kecamatan_units()
    if made:
        messages.success(
            request,
            ngettext(
                "%(n)s unit added, named as Kemendagri names its region.",
                "%(n)s units added, named as Kemendagri names their regions.",
                len(made),
            )
            % {"n": len(made)},
        )
    else:
        messages.info(
            request, _("Every loaded desa, kelurahan and kecamatan already has its unit.")
        )
    return redirect("units:list")


@role_required(managers)
@require_http_methods(["GET", "POST"])
def agencies(request: HttpRequest) -> HttpResponse:
    form = AgenciesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        added, kept = office_units.add_agencies(form.cleaned_data["names"])
        messages.success(
            request,
            _("Agencies added: %(added)s. Already there: %(kept)s.")
            % {"added": len(added), "kept": len(kept)},
        )
        return redirect("units:list")
    return render(request, "accounts/agencies_form.html", {"form": form})


@role_required(managers)
@require_http_methods(["GET", "POST"])
def region_list(request: HttpRequest) -> HttpResponse:
    form = DistrictForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        transaction.on_commit(lambda: tasks.load_district_regions.delay(code))
        messages.success(
            request,
            _("Loading the regions of %(name)s. Refresh this page in a minute to see them.")
            % {"name": form.district_name},
        )
        return redirect("regions:list")
    districts = (
        Region.objects.filter(level=Region.Level.REGENCY)
        .annotate(
            n_kecamatan=Count("children", distinct=True),
            n_villages=Count("children__children", distinct=True),
        )
        .order_by("code")
    )
    return render(request, "accounts/region_list.html", {"districts": districts, "form": form})


class OwnPasswordForm(PasswordChangeForm):
    def clean_new_password1(self):
        new = self.cleaned_data.get("new_password1")
        if self.user.must_change_password and new and self.user.check_password(new):
            raise forms.ValidationError(
                _("Choose a password of your own, not the one-time password."), code="same"
            )
        return new


class PasswordChange(auth_views.PasswordChangeView):
    """Choose one's own password; the one-time password's hold on every page ends."""

    form_class = OwnPasswordForm

    def form_valid(self, form):
        _own_password(form.user)
        return super().form_valid(form)


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    """The link from the reset e-mail: the password chosen here is the user's own."""

    def form_valid(self, form):
        _own_password(form.user)
        return super().form_valid(form)


def _own_password(user: User) -> None:
    """The user chose their password: no one-time password holds the pages any more, and the
    account's history says a password was set."""
    user.must_change_password = False
    user._change_reason = PASSWORD
