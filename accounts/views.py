from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from households import tasks
from households.access import managers, role_required
from households.models import Region, Unit, User

from . import units as office_units
from .forms import AgenciesForm, DistrictForm, UnitForm, UserForm


@role_required(managers)
@require_GET
def user_list(request: HttpRequest) -> HttpResponse:
    users = list(User.objects.select_related("unit").order_by("role", "username"))
    for account in users:  # a link only to the accounts this user may edit
        account.editable = request.user.may_edit(account)
    return render(request, "accounts/user_list.html", {"users": users})


@role_required(managers)
@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = get_object_or_404(User, pk=pk) if pk else None
    is_admin = request.user.role == User.Role.ADMIN
    if user and not request.user.may_edit(user):
        raise PermissionDenied
    form = UserForm(request.POST or None, instance=user)
    if not is_admin:
        form.fields["role"].choices = [
            c for c in form.fields["role"].choices if c[0] in User.OPERATOR_ROLES
        ]
    if user == request.user:
        form.fields["role"].disabled = True
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("User saved."))
        return redirect("users:list")
    return render(request, "accounts/user_form.html", {"form": form, "object": user})


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
    without_unit = Region.objects.filter(level=Region.Level.VILLAGE, unit__isnull=True).count()
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
    made = office_units.create_village_units()
    if made:
        messages.success(
            request,
            ngettext(
                "%(n)s village unit added, named as Kemendagri names the village.",
                "%(n)s village units added, named as Kemendagri names the villages.",
                len(made),
            )
            % {"n": len(made)},
        )
    else:
        messages.info(request, _("Every loaded desa and kelurahan already has its unit."))
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
