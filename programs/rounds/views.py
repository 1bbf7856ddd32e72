"""Allocation rounds in the browser (Dinsos staff): set a round's rules, see what they propose
per kecamatan before anything is saved, then save it as the round's allocations."""

from collections import Counter

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from bansos.paging import paged
from complaints.models import OPEN, Complaint
from dedup.models import Run
from households.access import district, managers, notice_readers, role_required
from programs import rounds
from programs.models import (
    Allocation,
    AllocationRound,
    ListExport,
    ProposalRow,
    RecipientList,
    round_notices,
)
from programs.rounds import list_exports, tasks
from programs.rounds.forms import ExportForm, RoundForm


@role_required(district)
@require_http_methods(["GET", "POST"])
def round_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and not managers(request.user):  # the head checks, not makes
        raise PermissionDenied
    form = RoundForm(request.POST or None)
    if form.is_valid():
        round_ = rounds.create_round(form.rules(), by=request.user)
        return redirect("programs:round", pk=round_.pk)
    context = {"form": form, "rounds": AllocationRound.objects.select_related("run", "created_by")}
    return render(request, "programs/round_list.html", context)


@role_required(district)
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Before saving: what the rules propose. After: the round's allocations."""
    round_ = get_object_or_404(AllocationRound, pk=pk)
    saved = round_.allocations.exists()
    saving = round_.saving and not saved
    if request.htmx:  # the page asks while the allocation is being saved
        if saving:
            return render(request, "programs/_round_saving.html", {"round": round_})
        return HttpResponseClientRefresh()
    if saving:  # the worker plans it now: not twice, and the page shows it when done
        return render(request, "programs/round_detail.html", {"round": round_, "saving": True})
    targets = list(round_.targets.select_related("program"))
    # (target, kecamatan, desa) -> families: saved, or as the rules propose them.
    if saved:
        by_place = Counter(
            {
                (
                    row["target__code"],
                    row["proposal_row__desa__parent__name"] or "",
                    row["proposal_row__desa__name"] or "",
                ): row["n"]
                for row in round_.allocations.values(
                    "target__code", "proposal_row__desa__parent__name", "proposal_row__desa__name"
                ).annotate(n=Count("pk"))
            }
        )
        left_out: Counter = Counter()
        going_on = None
    else:
        families = rounds.families_for(round_)
        plan = rounds.plan_round(round_, families=families)
        by_place = Counter()
        for code, places in plan.counts(families).items():
            for (kecamatan, desa), n in places.items():
                by_place[(code, kecamatan, desa)] += n
        left_out = Counter(rounds.why_left_out(plan).values())
        going_on = len(families)
    # Per kecamatan; the chosen kecamatan (?kecamatan=name) opens into its desa.
    chosen = request.GET.get("kecamatan")
    per_kecamatan, per_desa = Counter(), Counter()
    for (code, kecamatan, desa), n in by_place.items():
        per_kecamatan[(code, kecamatan)] += n
        if kecamatan == chosen:
            per_desa[(code, desa)] += n
    rows = [
        (k, [per_kecamatan[(t.program.code, k)] for t in targets])
        for k in sorted({k for _code, k in per_kecamatan})
    ]
    desa_rows = [
        (d, [per_desa[(t.program.code, d)] for t in targets])
        for d in sorted({d for _code, d in per_desa})
    ]
    totals = []
    for t in targets:
        n = sum(n for (code, _k), n in per_kecamatan.items() if code == t.program.code)
        cost = t.program.benefit_per_month * t.program.months
        totals.append((t, n, n * cost))
    context = {
        "round": round_,
        "targets": targets,
        "rows": rows,
        "chosen": chosen,
        "desa_rows": desa_rows,
        "totals": totals,
        "left_out": sorted(left_out.items(), key=lambda item: -item[1]),
        "going_on": going_on,  # placed and not placed, before saving
        "saved": saved,
        "phases": _phases(round_) if saved else [],
        # Cross-checks of corrected families the re-check has not taken in yet.
        "rechecks": Run.objects.filter(
            rechecked__round=round_, rechecked__status=Allocation.Status.CORRECTED
        ).distinct(),
        "lists": _lists(round_, targets) if saved else [],
        # What the apps above know of the round: screening, families flagged since.
        "notices": [
            notice
            for _receiver, found in round_notices.send(
                AllocationRound, round=round_, user=request.user
            )
            for notice in found
        ],
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


@role_required(managers)
@require_POST
def list_prepare(request: HttpRequest, pk: int) -> HttpResponse:
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


@role_required(district)
def list_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One version of a list: who prepared and approved it and why, its families (as approved,
    for an approved version), the other versions, and what changed from the one before."""
    recipients = get_object_or_404(
        RecipientList.objects.select_related("round", "target", "prepared_by", "approved_by"),
        pk=pk,
    )
    versions = RecipientList.objects.filter(
        round=recipients.round, target=recipients.target, phase=recipients.phase
    ).order_by("version")
    previous = versions.filter(version__lt=recipients.version).last()
    if recipients.approved_at is not None:
        rows = recipients.entries.all()  # as the head approved them
    else:
        rows = ProposalRow.objects.filter(allocations__lists=recipients)
    rows = rows.select_related("desa").order_by("desa__name", "name", "pk")
    page, query = paged(request, rows)
    context = {
        "recipients": recipients,
        "versions": versions.select_related("approved_by"),
        "previous": previous,
        "page": page,
        "query": query,
    }
    if previous is not None:
        added, removed = rounds.difference(previous, recipients)
        context["added"], context["added_count"] = added.select_related("desa")[:500], added.count()
        context["removed"] = removed.select_related("desa")[:500]
        context["removed_count"] = removed.count()
    return render(request, "programs/list_detail.html", context)


@role_required(district)
@require_POST
def list_approve(request: HttpRequest, pk: int) -> HttpResponse:
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
        (_("to check"), mine.filter(status=Allocation.Status.PROPOSED)),
        (_("phase 1"), mine.filter(phase=1)),
        (_("returned for correction"), mine.filter(status="returned")),
        (Allocation.Status.CORRECTED.label, mine.filter(status=Allocation.Status.CORRECTED)),
        (_("phase 2"), mine.filter(phase=2)),
    ]
    per_month, months = jps.program.benefit_per_month, jps.program.months
    found = []
    for label, allocations in rows:
        n = allocations.count()
        found.append((label, n, per_month, months, n * per_month * months))
    return found


@role_required(managers)
@require_http_methods(["GET", "POST"])
def round_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The rules of a round not saved yet. Two staff editing at once: the later save is
    refused and shown what the other changed, with the current rules to start from."""
    round_ = get_object_or_404(AllocationRound, pk=pk)
    if round_.allocations.exists():
        messages.info(request, _("The round's allocation is saved; its rules no longer change."))
        return redirect("programs:round", pk=pk)
    form = RoundForm(request.POST or None, initial=RoundForm.initial_for(round_))
    if request.method == "POST" and form.is_valid():
        try:
            rounds.update_rules(
                round_, form.rules(), seen=form.cleaned_data["seen"] or 0, by=request.user
            )
        except rounds.Stale as stale:
            messages.error(
                request,
                " ".join(
                    [
                        _("Not saved: someone changed the round while you were editing it."),
                        *stale.changes,
                        _("The form now shows the round as it is; make your change again."),
                    ]
                ),
            )
            return redirect("programs:round_edit", pk=pk)
        except ValidationError as refused:
            messages.error(request, " ".join(refused.messages))
        return redirect("programs:round", pk=pk)
    return render(request, "programs/round_edit.html", {"round": round_, "form": form})


@role_required(district)
def round_left_out(request: HttpRequest, pk: int) -> HttpResponse:
    """Before saving: the families the rules leave out, each with why, and the families staff
    placed by an override. Staff may place a family a roster excludes, with a reason."""
    round_ = get_object_or_404(AllocationRound, pk=pk)
    families = rounds.families_for(round_)
    plan = rounds.plan_round(round_, families=families)
    # The rows of this page's families alone: a district leaves out thousands.
    page, _query = paged(request, list(rounds.why_left_out(plan).items()))
    wanted = [*(ref for ref, _reason in page), *(int(ref) for ref in round_.overrides)]
    rows = ProposalRow.objects.select_related("desa").in_bulk(wanted)
    holds = {f.ref: sorted(f.holds) for f in families}
    page.object_list = [(rows[ref], reason, holds.get(ref, [])) for ref, reason in page]
    overridden = [
        (rows[int(ref)], code, reason, plan.assigned.get(int(ref)))
        for ref, (code, reason) in round_.overrides.items()
        if int(ref) in rows
    ]
    context = {
        "round": round_,
        "page": page,
        "overridden": overridden,
        "targets": [t.program for t in round_.targets.select_related("program")],
        "saved": round_.allocations.exists(),
    }
    return render(request, "programs/round_left_out.html", context)


@role_required(managers)
@require_POST
def round_override(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = get_object_or_404(AllocationRound, pk=pk)
    row = request.POST.get("row", "")
    row = get_object_or_404(ProposalRow, pk=int(row) if row.isdigit() else 0)
    seen = request.POST.get("seen", "")
    try:
        rounds.set_override(
            round_,
            row.pk,
            request.POST.get("to") or None,
            request.POST.get("reason", ""),
            seen=int(seen) if seen.isdigit() else 0,
            by=request.user,
        )
        messages.success(request, _("%(name)s: the proposal is updated.") % {"name": row.name})
    except rounds.Stale as stale:
        messages.error(
            request,
            " ".join([_("Not saved: the rules changed meanwhile."), *stale.changes]),
        )
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    return redirect("programs:round_left_out", pk=pk)


@role_required(managers)
@require_POST
def round_revalidate(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = get_object_or_404(AllocationRound, pk=pk)
    moved = rounds.revalidate_jps(round_, by=request.user)
    messages.success(
        request,
        _("Checked again: %(phase_1)s to phase 1, %(phase_2)s to phase 2, %(returned)s returned.")
        % moved,
    )
    if moved["checking"]:
        messages.info(
            request,
            _(
                "%(checking)s corrected families are being cross-checked again; check again "
                "when the run is done to put them in phase 2."
            )
            % moved,
        )
    if moved["in_review"]:
        messages.warning(
            request,
            _(
                "%(in_review)s corrected families look like another family: decide them on "
                "the review page, then check again."
            )
            % moved,
        )
    return redirect("programs:round", pk=pk)


@role_required(managers)
@require_POST
def round_save(request: HttpRequest, pk: int) -> HttpResponse:
    with transaction.atomic():
        round_ = get_object_or_404(AllocationRound.objects.select_for_update(), pk=pk)
        seen = request.POST.get("seen", "")
        if round_.allocations.exists():  # a second click, or a colleague was quicker
            messages.info(request, _("This round's allocation was saved already."))
        elif seen != str(round_.revision):  # the rules changed after the page was loaded
            messages.error(
                request,
                " ".join(
                    [
                        _("Not saved: the rules changed after you looked at the proposal."),
                        *rounds.changes_since(round_, int(seen) if seen.isdigit() else 0),
                        _("Look at the new proposal below, then save."),
                    ]
                ),
            )
        elif round_.saving:
            messages.info(request, _("This round's allocation is being saved."))
        else:  # in the background: a district's families take most of a minute
            round_.saving_since, round_.save_error, round_.save_attempts = timezone.now(), "", 0
            round_.save(update_fields=["saving_since", "save_error", "save_attempts"])
            user = request.user.pk
            transaction.on_commit(lambda: tasks.save_round.delay(round_.pk, user))
    return redirect("programs:round", pk=pk)


@role_required(district)
def round_families(request: HttpRequest, pk: int) -> HttpResponse:
    """The families behind a count of the round (the dashboard links here), each with a move
    form: ?target=CODE, ?phase=1|2|none, ?status=returned..., ?kecamatan=<id>, ?desa=<id>."""
    round_ = get_object_or_404(AllocationRound, pk=pk)
    allocations = round_.allocations.select_related(
        "proposal_row__desa__parent", "proposal_row__batch__unit", "target"
    ).order_by("proposal_row__desa__parent__name", "proposal_row__desa__name", "pk")
    code, phase, status = (request.GET.get(name, "") for name in ("target", "phase", "status"))
    if code:
        allocations = allocations.filter(target__code=code)
    if phase == "none":
        allocations = allocations.filter(phase__isnull=True)
    elif phase.isdigit():
        allocations = allocations.filter(phase=int(phase))
    if status in Allocation.Status.values:
        allocations = allocations.filter(status=status)
    kecamatan, desa = request.GET.get("kecamatan", ""), request.GET.get("desa", "")
    if kecamatan.isdigit():
        allocations = allocations.filter(proposal_row__desa__parent_id=int(kecamatan))
    if desa.isdigit():
        allocations = allocations.filter(proposal_row__desa_id=int(desa))
    page, query = paged(request, allocations)
    context = {
        "round": round_,
        "page": page,
        # Families with an open complaint (wrongly listed, wrong data...): look before moving.
        "complained": set(
            Complaint.objects.for_user(request.user)
            .filter(household__in=[a.household_id for a in page], status__in=OPEN)
            .values_list("household", flat=True)
        ),
        "targets": [t.program for t in round_.targets.select_related("program")],
        "code": code,
        "phase": dict(Allocation.Phase.choices).get(int(phase) if phase.isdigit() else None, ""),
        "status": dict(Allocation.Status.choices).get(status, ""),
        "kecamatan": kecamatan.isdigit(),  # the page's rows name the place
        "desa": desa.isdigit(),
        "query": query,
    }
    return render(request, "programs/round_families.html", context)


@role_required(managers)
@require_POST
def allocation_move(request: HttpRequest, pk: int) -> HttpResponse:
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


@role_required(district)
@require_http_methods(["GET", "POST"])
def list_export(request: HttpRequest, pk: int) -> HttpResponse:
    """An approved list as the annex, once the user has said what it is for."""
    recipients = get_object_or_404(
        RecipientList.objects.select_related("round", "target", "approved_by"),
        pk=pk,
        approved_at__isnull=False,
    )
    form = ExportForm(request.POST or None, target=recipients.target)
    if form.is_valid():
        record = ListExport.objects.create(
            recipients=recipients,
            layout=form.cleaned_data["layout"],
            purpose=form.cleaned_data["purpose"],
            exported_by=request.user,
            rows=recipients.entries.count(),
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


@role_required(notice_readers)
def list_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """An approved list to print for the village notice boards: per desa, names and masked NIK
    only. Staff print any desa; a village operator prints their own."""
    recipients = get_object_or_404(
        RecipientList.objects.select_related("round", "target"), pk=pk, approved_at__isnull=False
    )
    entries = recipients.entries.select_related("desa__parent")  # as approved
    if request.user.sees_all_proposals:
        desa = request.GET.get("desa", "")
        if desa.isdigit():
            entries = entries.filter(desa_id=int(desa))
    else:  # a village operator: their own desa
        entries = entries.filter(desa_id=request.user.unit.region_id)
    by_desa: dict = {}
    for entry in entries.order_by("desa__name", "name"):
        by_desa.setdefault(entry.desa, []).append(entry)
    context = {"recipients": recipients, "by_desa": by_desa.items()}
    return render(request, "programs/list_notice.html", context)
