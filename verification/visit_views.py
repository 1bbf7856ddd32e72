"""Verification cycles and visits: the district's cycles with their progress per village and
map, the families added to them, each visit as the operator fills it on a phone, the
kecamatan's check and the district's approval, and the visit's photos (personal data)."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Count, Q, Value, When
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bansos.paging import paged
from complaints.models import OPEN, Complaint
from households.access import managers, role_required
from households.models import Household, Member
from programs.models import Allocation, RosterRow

from . import visits
from .forms import AddByFilterForm, AddByNumberForm, CheckForm, CycleForm, VisitForm
from .models import Cycle, RosterChange, Task

STATUS = Task.Status
DONE = (STATUS.SUBMITTED, STATUS.CHECKED, STATUS.APPROVED)  # visited


def visitors(user) -> bool:
    """The district roles that work on the lists (not the complaint desk), village operators
    (their village's visits) and kecamatan staff (their villages')."""
    return user.sees_all_proposals or user.role == user.Role.VILLAGE or user.watches_kecamatan


@role_required(visitors)
@require_http_methods(["GET", "POST"])
def cycle_list(request: HttpRequest) -> HttpResponse:
    form = CycleForm(request.POST or None)
    if request.method == "POST":
        if not managers(request.user):
            raise PermissionDenied
        if form.is_valid():
            form.instance.created_by = request.user
            cycle = form.save()
            messages.success(request, _("Cycle created: add the families to visit."))
            return redirect("verification:cycle", pk=cycle.pk)
    tasks = Task.objects.for_user(request.user)
    cycles = Cycle.objects.annotate(
        n_tasks=Count("tasks", filter=Q(tasks__in=tasks)),
        n_visited=Count("tasks", filter=Q(tasks__in=tasks.filter(status__in=DONE))),
        n_approved=Count("tasks", filter=Q(tasks__in=tasks.filter(status=STATUS.APPROVED))),
    )
    if not request.user.sees_all_proposals:
        cycles = cycles.filter(n_tasks__gt=0)
    context = {"cycles": cycles, "form": form, "today": timezone.localdate()}
    return render(request, "verification/cycle_list.html", context)


def progress(tasks, today: datetime.date) -> list[dict]:
    """Per kecamatan and village: tasks, visited, approved, overdue (not visited by the
    cycle's deadline), with each kecamatan's subtotal."""
    grouped = tasks.values("desa_id", "desa__name", "desa__parent__name").annotate(
        tasks=Count("pk"),
        visited=Count("pk", filter=Q(status__in=DONE)),
        approved=Count("pk", filter=Q(status=STATUS.APPROVED)),
        returned=Count("pk", filter=Q(status=STATUS.RETURNED)),
        overdue=Count(
            "pk",
            filter=Q(cycle__due_on__lt=today) & Q(status__in=[STATUS.OPEN, STATUS.RETURNED]),
        ),
    )
    places: dict[str, list[dict]] = defaultdict(list)
    for row in grouped.order_by("desa__parent__name", "desa__name"):
        places[row["desa__parent__name"]].append(row)
    keys = ("tasks", "visited", "approved", "returned", "overdue")
    return [
        {"name": name, "villages": rows, "total": {k: sum(r[k] for r in rows) for k in keys}}
        for name, rows in places.items()
    ]


@role_required(visitors)
@require_GET
def cycle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = get_object_or_404(Cycle, pk=pk)
    tasks = Task.objects.for_user(request.user).filter(cycle=cycle)
    places = progress(tasks, timezone.localdate())
    status = request.GET.get("status", "")
    desa = request.GET.get("desa", "")
    listed = tasks.select_related("household", "desa__parent")
    if status in STATUS.values:
        listed = listed.filter(status=status)
    if desa.isdigit():
        listed = listed.filter(desa_id=int(desa))
    # The operator's own work first: what was sent back, then what waits for a visit.
    first = Case(
        When(status=STATUS.RETURNED, then=Value(0)),
        When(status=STATUS.OPEN, then=Value(1)),
        default=Value(2),
    )
    page, query = paged(request, listed.order_by(first, "desa__name", "pk"))
    context = {
        "cycle": cycle,
        "places": places,
        "total": {
            k: sum(p["total"][k] for p in places)
            for k in ("tasks", "visited", "approved", "returned", "overdue")
        },
        "page": page,
        "query": query,
        "status": status,
        "statuses": STATUS.choices,
        "overdue": cycle.due_on < timezone.localdate(),
    }
    if managers(request.user) and not cycle.closed:
        context["by_number"], context["by_filter"] = AddByNumberForm(), AddByFilterForm()
    return render(request, "verification/cycle_detail.html", context)


@role_required(managers)
@require_POST
def cycle_close(request: HttpRequest, pk: int) -> HttpResponse:
    """A cycle closed takes no more families and no more visits; opened again, it does."""
    cycle = get_object_or_404(Cycle, pk=pk)
    cycle.closed = not cycle.closed
    cycle._history_user = request.user
    cycle.save(update_fields=["closed"])
    messages.success(request, _("Cycle closed.") if cycle.closed else _("Cycle opened again."))
    return redirect("verification:cycle", pk=pk)


@role_required(managers)
@require_POST
def cycle_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Families added by hand (one NIK or No. KK) or by a filter."""
    cycle = get_object_or_404(Cycle, pk=pk)
    if "number" in request.POST:
        form = AddByNumberForm(request.POST)
        if form.is_valid():
            number = "".join(ch for ch in form.cleaned_data["number"] if ch.isdigit())
            found = Household.objects.filter(Q(head_nik=number) | Q(no_kk=number))
            if len(number) != 16 or not found.exists():
                messages.error(request, _("No household has this NIK or No. KK."))
                return redirect("verification:cycle", pk=pk)
            reason, note = Task.Reason.MANUAL, form.cleaned_data["note"]
            households = list(found)
    else:
        form = AddByFilterForm(request.POST)
        if form.is_valid():
            households, reason, note = _chosen(form.cleaned_data)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("verification:cycle", pk=pk)
    try:
        added = visits.add_tasks(cycle, households, reason=reason, note=note, by=request.user)
    except ValidationError as refused:
        messages.error(request, refused.messages[0])
        return redirect("verification:cycle", pk=pk)
    skipped = len(households) - added
    text = ngettext(
        "%(n)s family added to the cycle.", "%(n)s families added to the cycle.", added
    ) % {"n": added}
    if skipped:
        text += " " + ngettext("%(n)s was in it already.", "%(n)s were in it already.", skipped) % {
            "n": skipped
        }
    messages.success(request, text)
    return redirect("verification:cycle", pk=pk)


def _chosen(data: dict) -> tuple[list[Household], str, str]:
    """(households, reason, note) for a filter of AddByFilterForm."""
    source = data["source"]
    if source == AddByFilterForm.Source.ROSTER:
        version = data["version"]
        changed = RosterChange.objects.filter(version=version).exclude(kind=RosterChange.Kind.LEFT)
        rows = RosterRow.objects.filter(pk__in=changed.values("new_row_id"))
        found = Household.objects.filter(
            Q(head_nik__in=rows.exclude(nik="").values("nik"))
            | Q(no_kk__in=rows.exclude(no_kk="").values("no_kk"))
        )
        return list(found), Task.Reason.ROSTER, f"{version.program.code} {version.period}"
    if source == AddByFilterForm.Source.JPS:
        returned = Allocation.objects.filter(round=data["round"], status=Allocation.Status.RETURNED)
        found = Household.objects.filter(pk__in=returned.values("household"))
        return list(found), Task.Reason.JPS, data["round"].name
    if source == AddByFilterForm.Source.COMPLAINT:
        open_ = Complaint.objects.filter(status__in=OPEN, household__isnull=False)
        found = Household.objects.filter(pk__in=open_.values("household"))
        return list(found), Task.Reason.COMPLAINT, ""
    found = Household.objects.filter(desa=data["desa"], status=Household.Status.ACTIVE)
    return list(found), Task.Reason.MANUAL, data["desa"].name


def _visible(request: HttpRequest, pk: int) -> Task:
    """A visit of the user's own villages whose family they may see: else not found."""
    task = get_object_or_404(
        Task.objects.for_user(request.user).select_related(
            "cycle", "household__desa__parent", "visited_by", "hit__version__program"
        ),
        pk=pk,
    )
    if not Household.objects.for_user(request.user).filter(pk=task.household_id).exists():
        raise Http404
    return task


@role_required(visitors)
@require_http_methods(["GET", "POST"])
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The visit: the operator fills it on a phone; the kecamatan checks it; the district
    approves it. Each sees the steps so far."""
    task = _visible(request, pk)
    user = request.user
    may_visit = user.role == user.Role.VILLAGE and task.visitable and not task.cycle.closed
    form = (
        VisitForm(request.POST or None, request.FILES or None, instance=task) if may_visit else None
    )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data, photos = form.visit()
            try:
                visits.submit(task, data, photos, by=user)
            except ValidationError as refused:
                form.add_error(None, refused.messages[0])
            else:
                messages.success(request, _("Visit sent to the kecamatan."))
                return redirect("verification:task", pk=pk)
        task.refresh_from_db()  # the form's values stay in the form, not in the task
    statuses = dict(Member.Status.choices)
    names = dict(task.household.members.values_list("pk", "name"))
    context = {
        "task": task,
        "form": form,
        "steps": task.steps.select_related("by"),
        # What approving the visit changes, shown to whoever checks it.
        "corrections": [
            (Household._meta.get_field(field).verbose_name, seen, found)
            for field, (seen, found) in task.corrections.items()
        ],
        "member_changes": [
            (names.get(int(pk), "?"), statuses.get(seen, seen), statuses.get(found, found))
            for pk, (seen, found) in task.members.items()
        ],
        "may_check": user.watches_kecamatan and task.status == STATUS.SUBMITTED,
        "may_approve": user.can_manage
        and (
            task.status == STATUS.CHECKED
            or (task.status == STATUS.SUBMITTED and not visits.kecamatan_checks(task))
        ),
        "check_form": CheckForm(),
    }
    return render(request, "verification/task_detail.html", context)


@role_required(visitors)
@require_POST
def task_check(request: HttpRequest, pk: int) -> HttpResponse:
    """The kecamatan's check, or the district's approval: approve, or send back."""
    task = _visible(request, pk)
    form = CheckForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or send back."))
        return redirect("verification:task", pk=pk)
    approve, reason = form.cleaned_data["approve"], form.cleaned_data["reason"]
    try:
        if request.user.watches_kecamatan:
            visits.check(task, approve=approve, reason=reason, by=request.user)
        else:
            visits.approve(task, send_back=not approve, reason=reason, by=request.user)
    except ValidationError as refused:
        messages.error(request, refused.messages[0])
    else:
        messages.success(request, _("Approved.") if approve else _("Sent back to the village."))
    return redirect("verification:task", pk=pk)


@role_required(visitors)
@require_GET
def task_photo(request: HttpRequest, pk: int, which: str) -> FileResponse:
    """A visit's photo: to whom the visit and the family are visible, never cached."""
    task = _visible(request, pk)
    if which not in ("house", "head"):
        raise Http404
    photo = getattr(task, f"photo_{which}")
    if not photo:
        raise Http404
    response = FileResponse(photo.open("rb"), content_type="image/jpeg")
    response["Content-Disposition"] = f'inline; filename="kunjungan-{task.pk}-{which}.jpg"'
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(visitors)
@require_GET
def cycle_map(request: HttpRequest, pk: int) -> HttpResponse:
    """The cycle's visits with a location, on Leaflet: tiles from VISIT_MAP_TILES when the
    office has a tile server, else the points on a blank background."""
    cycle = get_object_or_404(Cycle, pk=pk)
    tasks = Task.objects.for_user(request.user).filter(
        cycle=cycle,
        latitude__isnull=False,
        household__in=Household.objects.for_user(request.user).values("pk"),
    )
    desa = request.GET.get("desa", "")
    if desa.isdigit():
        tasks = tasks.filter(desa_id=int(desa))
    points = [
        {
            "lat": float(t.latitude),
            "lng": float(t.longitude),
            "accuracy": t.accuracy,
            "status": t.status,
            "label": f"{t.household.head_name} · {t.desa.name} · {t.get_status_display()}",
            "url": reverse("verification:task", args=[t.pk]),
        }
        for t in tasks.select_related("household", "desa")
    ]
    context = {
        "cycle": cycle,
        "points": points,
        "tiles": settings.VISIT_MAP_TILES,
        "attribution": settings.VISIT_MAP_ATTRIBUTION,
        "villages": Task.objects.for_user(request.user)
        .filter(cycle=cycle)
        .values_list("desa_id", "desa__name")
        .distinct()
        .order_by("desa__name"),
        "desa": desa,
    }
    return render(request, "verification/cycle_map.html", context)
