from collections import Counter

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from bansos.paging import paged
from dedup import pipeline
from dedup.engine.match import Thresholds
from dedup.exports import write_result_csv, write_result_xlsx
from dedup.forms import DecisionForm, RunForm, SettingsForm
from dedup.models import MatchSettings, Result, ReviewPair, Run, moves
from households.access import district, managers, role_required
from households.models import Download
from programs.intake.writers import XLSX
from programs.models import ProposalBatch


@role_required(district)
@require_http_methods(["GET", "POST"])
def run_list(request: HttpRequest) -> HttpResponse:
    form = RunForm(request.POST or None)
    if not request.POST:
        current = MatchSettings.current()
        form.initial.update(same=current.same, review=current.review)
        submitted = ProposalBatch.objects.filter(status=ProposalBatch.Status.SUBMITTED)
        form.initial["batches"] = list(submitted.values_list("pk", flat=True))
        form.initial["versions"] = list(
            form.fields["versions"].queryset.values_list("pk", flat=True)
        )
    if form.is_valid():
        data = form.cleaned_data
        run = pipeline.start_run(
            batches=data["batches"],
            versions=data["versions"],
            thresholds=Thresholds(same=data["same"], review=data["review"]),
            user=request.user,
        )
        return redirect("dedup:run", pk=run.pk)
    runs = Run.objects.select_related("created_by").prefetch_related("roster_versions__program")
    return render(request, "dedup/run_list.html", {"form": form, "runs": runs[:50]})


@role_required(district)
@require_GET
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(Run.objects.for_user(request.user), pk=pk)
    if request.htmx and not request.htmx.history_restore_request:
        if run.status != Run.Status.RUNNING:
            return HttpResponseClientRefresh()
        return render(request, "dedup/run_detail.html#progress", {"run": run})
    results = run.results.all()
    by_outcome = Counter({group["outcome"]: group["n"] for group in results.outcome_counts()})
    by_program: dict[str, int] = {}
    on_rosters = results.outcome(Result.Status.IN_ROSTER)  # each family once, as the links list
    for programs, n in on_rosters.values_list("programs").annotate(n=Count("pk")).order_by():
        for code in programs.split(";"):
            by_program[code] = by_program.get(code, 0) + n
    kecamatan = _by_place(results, "proposal_row__desa__parent")
    chosen = request.GET.get("kecamatan", "")
    desa = None
    if chosen.isdigit():  # the desa of one kecamatan, opened from its row
        in_kecamatan = results.filter(proposal_row__desa__parent_id=int(chosen))
        desa = _by_place(in_kecamatan, "proposal_row__desa")
        chosen = next((name for pk, name, _counts in kecamatan if pk == int(chosen)), None)
        desa = desa if chosen else None  # a kecamatan without families in this run
    total = by_outcome.total()
    new, on_roster = by_outcome[Result.Status.NEW], by_outcome[Result.Status.IN_ROSTER]
    # Each row of the file once, each family once: the steps after the second add up to it.
    funnel = [
        (_("proposed"), total, "", False),
        (_("usable, cross-checked"), total - by_outcome[Result.Status.INVALID], "", False),
        (_("waiting for a decision"), by_outcome[Result.Status.REVIEW], "review", False),
        (_("proposed twice"), by_outcome[Result.Status.DUPLICATE], "duplicate_in_batch", False),
        (_("go on to allocation"), new + on_roster, "", False),
        (_("new"), new, "new", True),
        (_("already on a roster"), on_roster, "in_roster", True),
    ]
    context = {
        "run": run,
        "funnel": funnel,
        "total": total,
        "statuses": [(s, label, by_outcome[s]) for s, label in Result.Status.choices],
        "by_program": sorted(by_program.items()),
        "kecamatan": kecamatan,
        "desa": desa,
        "chosen": chosen,
        "open_pairs": run.pairs.open().count(),
    }
    return render(request, "dedup/run_detail.html", context)


def _by_place(results, place: str) -> list[tuple[int | None, str, list[tuple[str, int]]]]:
    """(region id, name, [(outcome, count) for each outcome]) of the results' rows, by the
    region `place` names (the desa, or its kecamatan), in name order."""
    counted: dict[tuple, dict] = {}
    rows = results.outcome_counts(f"{place}_id", f"{place}__name")
    for row in sorted(
        rows, key=lambda row: (row[f"{place}__name"] is None, row[f"{place}__name"] or "")
    ):
        key = (row[f"{place}_id"], row[f"{place}__name"])
        counted.setdefault(key, {})[row["outcome"]] = row["n"]
    return [
        (pk, name, [(s, counts.get(s, 0)) for s in Result.Status.values])
        for (pk, name), counts in counted.items()
    ]


@role_required(district)
@require_POST
def run_resume(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(Run.objects.for_user(request.user), pk=pk)
    if run.status != Run.Status.DONE:
        pipeline.resume_run(run)
    return redirect("dedup:run", pk=pk)


@role_required(district)
@require_GET
def result_list(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(Run.objects.for_user(request.user), pk=pk)
    results = run.results.select_related("proposal_row__batch__unit", "proposal_row__desa")
    status, program = request.GET.get("status"), request.GET.get("program")
    kecamatan = request.GET.get("kecamatan")
    if status in Result.Status.values:  # as the run's page counts it
        results = results.outcome(status)
    if program:
        results = results.filter(
            Q(programs=program)
            | Q(programs__startswith=f"{program};")
            | Q(programs__endswith=f";{program}")
            | Q(programs__contains=f";{program};")
        )
    if kecamatan and kecamatan.isdigit():
        results = results.filter(proposal_row__desa__parent_id=int(kecamatan))
    desa = request.GET.get("desa")
    if desa and desa.isdigit():
        results = results.filter(proposal_row__desa_id=int(desa))
    page, query = paged(
        request, results.order_by("proposal_row__batch_id", "proposal_row__row_number")
    )
    context = {
        "run": run,
        "page": page,
        "status": status,
        "query": query,
    }
    return render(request, "dedup/result_list.html", context)


@role_required(district)
@require_GET
def result_download(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """The run's result as the contract's CSV, or as .xlsx for people."""
    run = get_object_or_404(Run.objects.for_user(request.user), pk=pk)
    results = run.results.select_related(
        "proposal_row__batch__unit", "proposal_row__desa"
    ).order_by("proposal_row__batch_id", "proposal_row__row_number")
    if kind == "xlsx":
        response = HttpResponse(content_type=XLSX)
        write_result_xlsx(response, results.iterator(chunk_size=5_000))
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        write_result_csv(response, results)
    response["Content-Disposition"] = f'attachment; filename="pemadanan-{run.pk}.{kind}"'
    Download.record(
        request.user, Download.Kind.CROSS_CHECK, f"pemadanan-{run.pk}.{kind}", results.count()
    )
    return response


@role_required(district)
@require_GET
def review(request: HttpRequest) -> HttpResponse:
    context = {"pair": _next_pair(request), "form": DecisionForm(), "left": _left(request)}
    return render(request, "dedup/review.html", context)


@role_required(district)
@require_POST
def pair_decide(request: HttpRequest, pk: int) -> HttpResponse:
    pair = get_object_or_404(ReviewPair.objects.for_user(request.user).open(), pk=pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            pair.decide(
                same_family=form.cleaned_data["same_family"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except ValidationError as taken:  # a colleague decided it a moment ago
            messages.info(request, taken.messages[0])
        else:
            if not request.htmx:
                messages.success(request, _("Decision saved."))
        if not request.htmx:
            return redirect("dedup:review")
        pair, form = _next_pair(request), DecisionForm()
    template = "dedup/review.html#pair" if request.htmx else "dedup/review.html"
    return render(request, template, {"pair": pair, "form": form, "left": _left(request)})


def _left(request: HttpRequest) -> int:
    """How many pairs this person may still decide: the queue's length."""
    return ReviewPair.objects.for_user(request.user).open().count()


def _next_pair(request: HttpRequest) -> ReviewPair | None:
    return (
        ReviewPair.objects.for_user(request.user)
        .open()
        .select_related(
            "proposal_row__desa",
            "proposal_row__batch__unit",
            "roster_row__version__program",
            "roster_row__desa",
            "other_proposal__desa",
            "other_proposal__batch__unit",
            "run",
        )
        .first()
    )


@role_required(district)
@require_http_methods(["GET", "POST"])
def settings_edit(request: HttpRequest) -> HttpResponse:
    """The thresholds for new runs; before saving, what they would move in the latest run."""
    current = MatchSettings.current()
    form = SettingsForm(
        request.POST or None, initial={"same": current.same, "review": current.review}
    )
    latest = Run.objects.filter(status=Run.Status.DONE, recheck=False).first()
    effect = None
    if form.is_valid():
        proposed = Thresholds(**form.cleaned_data)
        if "save" in request.POST:
            if not managers(request.user):  # the head looks, staff change
                raise PermissionDenied
            current.same, current.review = proposed.same, proposed.review
            current.updated_by = current._history_user = request.user
            current.save()
            messages.success(request, _("The thresholds apply to the next runs."))
            return redirect("dedup:settings")
        bands = {"match": _("same family"), "review": _("review"), "new": _("no match")}
        found = moves(latest, proposed) if latest else {}
        effect = [(bands[old], bands[new], n) for (old, new), n in sorted(found.items())]
    context = {"form": form, "current": current, "latest": latest, "effect": effect}
    return render(request, "dedup/settings.html", context)
