"""Screening a round against the exclusion lists, and staff's decision on each hit."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from bansos.paging import paged
from households.access import district, managers, role_required
from programs.models import AllocationRound, RosterRow

from . import flags, screening
from .forms import HitDecisionForm
from .models import Screening, ScreeningHit

DECISIONS = ScreeningHit.Decision


@role_required(district)
@require_GET
def round_screening(request: HttpRequest, pk: int) -> HttpResponse:
    """The round's latest screening: its progress while it runs, then every hit with its
    evidence, the undecided first, each decided here."""
    round_ = get_object_or_404(AllocationRound, pk=pk)
    latest = screening.latest(round_)
    running = (
        latest is not None
        and latest.status == Screening.Status.RUNNING
        and not screening.stalled(latest)
    )
    if request.htmx:  # the progress bar asks
        if running:
            return render(request, "verification/_screening_progress.html", {"screening": latest})
        return HttpResponseClientRefresh()
    context = {
        "round": round_,
        "screening": latest,
        "running": running,
        "lists": screening.exclusion_versions().select_related("program"),
    }
    if latest is not None and latest.status == Screening.Status.DONE:
        hits = latest.hits.select_related(
            "household__desa__parent", "version__program", "decided_by"
        )
        shown = request.GET.get("decision", DECISIONS.UNDECIDED)
        if shown in DECISIONS.values:
            hits = hits.filter(decision=shown)
        counts = latest.hits.aggregate(
            total=Count("pk"),
            **{value: Count("pk", filter=Q(decision=value)) for value in DECISIONS.values},
        )
        page, query = paged(request, hits.order_by("-score", "pk"))
        rows = RosterRow.objects.filter(pk__in=[hit.row_id for hit in page]).in_bulk()
        for hit in page:
            hit.listed = rows.get(hit.row_id)
        context |= {
            "page": page,
            "query": query,
            "shown": shown,
            "counts": counts,
            "decisions": [(v, label, counts[v]) for v, label in DECISIONS.choices],
            "form": HitDecisionForm(),
        }
    return render(request, "verification/screening.html", context)


@role_required(managers)
@require_POST
def screening_start(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = get_object_or_404(AllocationRound, pk=pk)
    latest = screening.latest(round_)
    if (
        latest is not None
        and latest.status == Screening.Status.RUNNING
        and not screening.stalled(latest)
    ):
        return redirect("verification:screening", pk=pk)  # a second click
    try:
        screening.start(round_, by=request.user)
    except ValidationError as refused:
        messages.error(request, refused.messages[0])
    return redirect("verification:screening", pk=pk)


@role_required(managers)
@require_POST
def hit_decide(request: HttpRequest, pk: int) -> HttpResponse:
    hit = get_object_or_404(ScreeningHit.objects.select_related("screening"), pk=pk)
    form = HitDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a decision."))
    else:
        try:
            screening.decide(
                hit,
                form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
                cycle=form.cleaned_data["cycle"],
                by=request.user,
            )
        except ValidationError as refused:
            messages.error(request, refused.messages[0])
        else:
            messages.success(request, _("Decision saved."))
    return redirect("verification:screening", pk=hit.screening.round_id)


@role_required(district)
@require_http_methods(["GET", "POST"])
def round_flags(request: HttpRequest, pk: int) -> HttpResponse:
    """The round's families a new roster puts in doubt, and the round's desil limit."""
    round_ = get_object_or_404(AllocationRound, pk=pk)
    if request.method == "POST":
        if not managers(request.user):
            raise PermissionDenied
        limit = request.POST.get("desil_limit", "").strip()
        if limit and not (limit.isdigit() and 1 <= int(limit) <= 10):
            messages.error(request, _("The desil is a number from 1 to 10."))
        else:
            round_.desil_limit = int(limit) if limit else None
            round_.save(update_fields=["desil_limit"])
            messages.success(request, _("Desil limit saved."))
        return redirect("verification:round_flags", pk=pk)
    context = {"round": round_, **flags.flagged(round_)}
    return render(request, "verification/round_flags.html", context)
