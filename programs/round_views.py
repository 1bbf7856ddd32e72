"""Allocation rounds in the browser (Dinsos staff): set a round's rules, see what they propose
per kecamatan before anything is saved, then save it as the round's allocations."""

from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from households.models import Unit
from programs import list_exports, rounds
from programs.forms import ExportForm, RoundForm
from programs.models import Allocation, AllocationRound, ListExport, Program, RecipientList


def _staff(request: HttpRequest) -> None:
    """Who may look at rounds: staff and the head (administrators too)."""
    if not request.user.sees_all_proposals:
        raise PermissionDenied


def _maker(request: HttpRequest) -> None:
    """Who may change a round: staff, never the head, who checks (maker-checker)."""
    if not request.user.can_manage:
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def round_list(request: HttpRequest) -> HttpResponse:
    _staff(request)
    if request.method == "POST":
        _maker(request)
    form = RoundForm(request.POST or None)
    if form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            round_ = AllocationRound.objects.create(
                name=data["name"],
                run=data["run"],
                order=[data["order"]],
                kecamatan_shares=data["kecamatan_shares"],
                allowed_pairs=[pair.split("+") for pair in data["allowed"]],
                created_by=request.user,
            )
            round_.targets.create(
                program=Program.objects.get(code="BANSOSPROV"),
                places=data["provincial_places"],
                position=0,
            )
            round_.targets.create(
                program=Program.objects.get(code="JPSKAB"), budget=data["jps_budget"], position=1
            )
        return redirect("programs:round", pk=round_.pk)
    context = {"form": form, "rounds": AllocationRound.objects.select_related("run", "created_by")}
    return render(request, "programs/round_list.html", context)


@login_required
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Before saving: what the rules propose. After: the round's allocations."""
    _staff(request)
    round_ = get_object_or_404(AllocationRound, pk=pk)
    targets = list(round_.targets.select_related("program"))
    saved = round_.allocations.exists()
    if saved:
        by_place = Counter(
            {
                (row["target__code"], row["proposal_row__desa__parent__name"] or ""): row["n"]
                for row in round_.allocations.values(
                    "target__code", "proposal_row__desa__parent__name"
                ).annotate(n=Count("pk"))
            }
        )
        left_out: Counter = Counter()
    else:
        families = rounds.families_for(round_)
        plan = rounds.plan_round(round_, families=families)
        by_place = Counter()
        for code, places in plan.counts(families).items():
            for (kecamatan, _desa), n in places.items():
                by_place[(code, kecamatan)] += n
        left_out = Counter(plan.left_out.values())
    kecamatan = sorted({k for _code, k in by_place})
    rows = [(k, [by_place[(t.program.code, k)] for t in targets]) for k in kecamatan]
    totals = []
    for t in targets:
        n = sum(by_place[(t.program.code, k)] for k in kecamatan)
        cost = t.program.benefit_per_month * t.program.months
        totals.append((t, n, n * cost))
    context = {
        "round": round_,
        "targets": targets,
        "rows": rows,
        "totals": totals,
        "left_out": sorted(left_out.items(), key=lambda item: -item[1]),
        "saved": saved,
        "phases": _phases(round_) if saved else [],
        "lists": _lists(round_, targets) if saved else [],
    }
    return render(request, "programs/round_detail.html", context)


def _lists(round_: AllocationRound, targets) -> list[dict]:
    """Each list the round needs (the provincial quota; JPS phase 1 and 2), its latest version
    and how many families it would hold now."""
    found = []
    for target in targets:
        phases = [1, 2] if target.program.code == rounds.JPS else [None]
        for phase in phases:
            latest = (
                RecipientList.objects.filter(round=round_, target=target.program, phase=phase)
                .select_related("prepared_by", "approved_by")
                .order_by("-version")
                .first()
            )
            found.append(
                {
                    "program": target.program,
                    "phase": phase,
                    "latest": latest,
                    "families": latest.allocations.count() if latest else 0,
                    "now": rounds.members(round_, target.program, phase).count(),
                }
            )
    return found


@login_required
@require_POST
def list_prepare(request: HttpRequest, pk: int) -> HttpResponse:
    _maker(request)
    round_ = get_object_or_404(AllocationRound, pk=pk)
    target = get_object_or_404(round_.targets, program__code=request.POST.get("program", ""))
    program, phase = target.program, request.POST.get("phase", "")
    phase = int(phase) if phase in ("1", "2") else None
    if (phase is None) == (program.code == rounds.JPS):  # JPS lists go by phase, others not
        raise PermissionDenied
    try:
        made = rounds.prepare_list(
            round_,
            program,
            phase,
            by=request.user,
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as refused:
        messages.error(request, refused.messages[0])
    else:
        messages.success(
            request,
            _("List %(code)s version %(n)s prepared for approval.")
            % {"code": program.code, "n": made.version},
        )
    return redirect("programs:round", pk=pk)


@login_required
@require_POST
def list_approve(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    recipients = get_object_or_404(RecipientList, pk=pk)
    try:
        rounds.approve(recipients, by=request.user)
    except ValidationError as refused:
        messages.error(request, refused.messages[0])
    else:
        messages.success(request, _("List approved."))
    return redirect("programs:round", pk=recipients.round_id)


def _phases(round_: AllocationRound) -> list[tuple[str, int, int, int, int]]:
    """JPS by phase: (label, families, Rp per month, months, total Rp)."""
    jps = round_.targets.select_related("program").filter(program__code=rounds.JPS).first()
    if jps is None:
        return []
    mine = round_.allocations.filter(target=jps.program)
    rows = [
        (_("to check again"), mine.filter(phase__isnull=True).exclude(status="returned")),
        (_("phase 1"), mine.filter(phase=1)),
        (_("returned for correction"), mine.filter(status="returned")),
        (_("phase 2"), mine.filter(phase=2)),
    ]
    per_month, months = jps.program.benefit_per_month, jps.program.months
    found = []
    for label, allocations in rows:
        n = allocations.count()
        found.append((label, n, per_month, months, n * per_month * months))
    return found


@login_required
@require_POST
def round_revalidate(request: HttpRequest, pk: int) -> HttpResponse:
    _maker(request)
    round_ = get_object_or_404(AllocationRound, pk=pk)
    moved = rounds.revalidate_jps(round_, by=request.user)
    messages.success(
        request,
        _("Checked again: %(phase_1)s to phase 1, %(phase_2)s to phase 2, %(returned)s returned.")
        % moved,
    )
    return redirect("programs:round", pk=pk)


@login_required
@require_POST
def round_save(request: HttpRequest, pk: int) -> HttpResponse:
    _maker(request)
    with transaction.atomic():
        round_ = get_object_or_404(AllocationRound.objects.select_for_update(), pk=pk)
        if round_.allocations.exists():  # a second click, or a colleague was quicker
            messages.info(request, _("This round's allocation was saved already."))
        else:
            saved = rounds.save_plan(round_, rounds.plan_round(round_), by=request.user)
            messages.success(request, _("%(n)s families allocated.") % {"n": len(saved)})
    return redirect("programs:round", pk=pk)


@login_required
def round_families(request: HttpRequest, pk: int) -> HttpResponse:
    """The families behind a target's count, each with a move form."""
    _staff(request)
    round_ = get_object_or_404(AllocationRound, pk=pk)
    allocations = round_.allocations.select_related(
        "proposal_row__desa__parent", "proposal_row__batch__unit", "target"
    ).order_by("proposal_row__desa__parent__name", "proposal_row__desa__name", "pk")
    code = request.GET.get("target", "")
    if code:
        allocations = allocations.filter(target__code=code)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "round": round_,
        "page": Paginator(allocations, 50).get_page(request.GET.get("page")),
        "targets": [t.program for t in round_.targets.select_related("program")],
        "code": code,
        "query": query.urlencode(),
    }
    return render(request, "programs/round_families.html", context)


@login_required
@require_POST
def allocation_move(request: HttpRequest, pk: int) -> HttpResponse:
    _maker(request)
    allocation = get_object_or_404(Allocation.objects.select_related("target"), pk=pk)
    back = f"{reverse('programs:round_families', args=[allocation.round_id])}"
    back += f"?target={allocation.target.code}"
    code = request.POST.get("to", "")
    to = get_object_or_404(allocation.round.targets, program__code=code).program if code else None
    try:
        rounds.move(
            allocation,
            to=to,
            reason=request.POST.get("reason", ""),
            override=request.POST.get("override", ""),
            by=request.user,
        )
    except ValidationError as refused:
        messages.error(request, refused.messages[0])
    else:
        messages.success(request, _("Moved."))
    return redirect(back)


@login_required
@require_http_methods(["GET", "POST"])
def list_export(request: HttpRequest, pk: int) -> HttpResponse:
    """An approved list as the annex, once the user has said what it is for."""
    _staff(request)
    recipients = get_object_or_404(
        RecipientList.objects.select_related("round", "target", "approved_by"),
        pk=pk,
        approved_at__isnull=False,
    )
    form = ExportForm(request.POST or None)
    if form.is_valid():
        record = ListExport.objects.create(
            recipients=recipients,
            layout=form.cleaned_data["layout"],
            purpose=form.cleaned_data["purpose"],
            exported_by=request.user,
            rows=recipients.allocations.count(),
        )
        content, name, content_type = list_exports.export(record)
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    context = {
        "recipients": recipients,
        "form": form,
        "exports": recipients.exports.select_related("exported_by")[:20],
    }
    return render(request, "programs/list_export.html", context)


@login_required
def list_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """An approved list to print for the village notice boards: per desa, names and masked NIK
    only. Staff print any desa; a village operator prints their own."""
    recipients = get_object_or_404(
        RecipientList.objects.select_related("round", "target"), pk=pk, approved_at__isnull=False
    )
    allocations = recipients.allocations.select_related("proposal_row__desa__parent")
    if request.user.sees_all_proposals:
        desa = request.GET.get("desa", "")
        if desa.isdigit():
            allocations = allocations.filter(proposal_row__desa_id=int(desa))
    elif request.user.unit and request.user.unit.kind == Unit.Kind.VILLAGE:
        allocations = allocations.filter(proposal_row__desa_id=request.user.unit.region_id)
    else:
        raise PermissionDenied
    by_desa: dict = {}
    for allocation in allocations.order_by("proposal_row__desa__name", "proposal_row__name"):
        by_desa.setdefault(allocation.proposal_row.desa, []).append(allocation.proposal_row)
    context = {"recipients": recipients, "by_desa": by_desa.items()}
    return render(request, "programs/list_notice.html", context)
