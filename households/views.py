import secrets

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, ProtectedError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import push_url

from bansos.paging import paged

from .access import (
    household_editors,
    id_revealers,
    managers,
    role_required,
    signed_in,
)
from .forms import HouseholdForm, HouseholdSearchForm, MemberForm
from .models import Household, IdReveal, Member


@role_required(signed_in)
@require_http_methods(["GET", "POST"])
def household_list(request: HttpRequest) -> HttpResponse:
    """Families by NIK, No. KK or name. The search is posted and kept in the session: the
    address holds only a token for it (`?s=...`), so a NIK is never in the browser's history,
    a shared link or the server's access log; the village filter stays in the address."""
    if request.method == "POST" or "q" in request.GET:  # a search (or an old link with ?q=)
        params = request.POST if request.method == "POST" else request.GET
        query = QueryDict(mutable=True)
        if typed := params.get("q", "").strip()[:100]:
            query["s"] = _remember_search(request, typed)
        if params.get("desa"):
            query["desa"] = params["desa"]
        address = f"{reverse('households:list')}?{query.urlencode()}"
        if not request.htmx:
            return redirect(address)  # 302 after a POST: the browser asks with GET
        response = _household_results(request, typed, params.get("desa", ""))
        return push_url(response, address)
    typed = request.session.get(SEARCHES, {}).get(request.GET.get("s", ""), "")
    return _household_results(request, typed, request.GET.get("desa", ""))


SEARCHES = "household_searches"  # session key: search token -> what was typed
SEARCHES_KEPT = 20


def _remember_search(request: HttpRequest, typed: str) -> str:
    searches = request.session.get(SEARCHES, {})
    token = next((t for t, q in searches.items() if q == typed), None) or secrets.token_urlsafe(6)
    searches.pop(token, None)
    searches[token] = typed  # the newest last; the oldest go first
    request.session[SEARCHES] = dict(list(searches.items())[-SEARCHES_KEPT:])
    return token


def _household_results(request: HttpRequest, typed: str, desa: str) -> HttpResponse:
    form = HouseholdSearchForm({"q": typed, "desa": desa})
    households = Household.objects.for_user(request.user).select_related("desa__parent")
    if not request.user.sees_district:  # the villages of its own families: one probe each
        form.fields["desa"].queryset = form.fields["desa"].queryset.filter(
            Exists(households.filter(desa=OuterRef("pk")))
        )
    form.is_valid()  # a stale village in the link must not drop the name typed beside it
    if query := form.cleaned_data.get("q", "").strip():
        households = households.search(query)
    if village := form.cleaned_data.get("desa"):
        households = households.filter(desa=village)
    page, query = paged(request, households, 25)
    template = "households/household_list.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#results"
    return render(request, template, {"form": form, "page": page, "query": query})


@role_required(id_revealers)
@require_POST
def household_reveal(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    household = get_object_or_404(Household.objects.for_user(request.user), pk=pk)
    if field not in IdReveal.Field.values:
        raise PermissionDenied
    IdReveal.objects.create(user=request.user, household=household, field=field)
    value = household.no_kk if field == IdReveal.Field.NO_KK else household.head_nik
    return render(
        request, "households/household_detail.html#revealed", {"value": value, "field": field}
    )


@role_required(household_editors)
@require_http_methods(["GET", "POST"])
def household_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    household = None
    if pk is not None:
        household = get_object_or_404(Household.objects.for_user(request.user), pk=pk)
    form = HouseholdForm(request.POST or None, instance=household, user=request.user)
    if household and request.method == "GET":
        # The form carries the full numbers, so opening it is recorded like "Show".
        IdReveal.objects.bulk_create(
            IdReveal(user=request.user, household=household, field=field)
            for field in IdReveal.Field.values
        )
    if request.method == "POST" and form.is_valid():
        if household and not form.has_changed():  # no history line that names no change
            messages.info(request, _("Nothing was changed."))
            return redirect("households:detail", pk=household.pk)
        household = form.save()
        for warning in form.warnings:
            messages.warning(request, warning)
        messages.success(request, _("Household saved."))
        return redirect("households:detail", pk=household.pk)
    return render(request, "households/household_form.html", {"form": form, "household": household})


@role_required(managers)
@require_http_methods(["GET", "POST"])
def household_delete(request: HttpRequest, pk: int) -> HttpResponse:
    household = get_object_or_404(Household.objects.for_user(request.user), pk=pk)
    if request.method == "POST":
        try:
            household.delete()
        except ProtectedError:
            messages.error(
                request,
                _(
                    "This household cannot be deleted: proposals, allocations or access records "
                    "refer to it. Correct its data instead."
                ),
            )
            return redirect("households:detail", pk=pk)
        messages.success(request, _("Household deleted."))
        return redirect("households:list")
    return render(request, "households/household_confirm_delete.html", {"household": household})


@role_required(household_editors)
@require_http_methods(["GET", "POST"])
def member_edit(request: HttpRequest, pk: int, member: int | None = None) -> HttpResponse:
    """A member added or corrected, or marked died or moved out; every change is in the
    history with who and when."""
    household = get_object_or_404(Household.objects.for_user(request.user), pk=pk)
    found = get_object_or_404(Member, household=household, pk=member) if member else None
    form = MemberForm(request.POST or None, instance=found or Member(household=household))
    if request.method == "POST" and form.is_valid():
        if found and not form.has_changed():
            messages.info(request, _("Nothing was changed."))
        else:
            form.save()
            messages.success(request, _("Family member saved."))
        return redirect("households:detail", pk=household.pk)
    context = {"form": form, "household": household, "member": found}
    return render(request, "households/member_form.html", context)
