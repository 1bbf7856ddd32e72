from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, ProtectedError, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from .forms import ProgramForm
from .models import Program, ProposalBatch, ProposalRow, RosterRow, RosterVersion


@login_required
@require_GET
def program_list(request: HttpRequest) -> HttpResponse:
    programs = Program.objects.prefetch_related(
        Prefetch(
            "versions",
            queryset=RosterVersion.objects.filter(status=RosterVersion.Status.ACTIVE),
            to_attr="active_versions",
        )
    )
    return render(request, "programs/program_list.html", {"programs": programs})


@login_required
@require_GET
def program_detail(request: HttpRequest, code: str) -> HttpResponse:
    program = get_object_or_404(Program, code=code)
    versions = program.versions.select_related("imported_by")
    return render(
        request, "programs/program_detail.html", {"program": program, "versions": versions}
    )


@login_required
@require_http_methods(["GET", "POST"])
def program_edit(request: HttpRequest, code: str | None = None) -> HttpResponse:
    if not request.user.can_manage:
        raise PermissionDenied
    program = get_object_or_404(Program, code=code) if code else None
    form = ProgramForm(request.POST or None, instance=program)
    if request.method == "POST" and form.is_valid():
        program = form.save()
        messages.success(request, _("Programme saved."))
        return redirect("programs:detail", code=program.code)
    return render(request, "programs/program_form.html", {"form": form, "program": program})


@login_required
@require_http_methods(["GET", "POST"])
def program_delete(request: HttpRequest, code: str) -> HttpResponse:
    if not request.user.can_manage:
        raise PermissionDenied
    program = get_object_or_404(Program, code=code)
    if request.method == "POST":
        try:
            program.delete()
        except ProtectedError:
            messages.error(
                request,
                _(
                    "%(code)s cannot be deleted: its rosters or allocations refer to it. "
                    "Set an end date instead."
                )
                % {"code": program.code},
            )
            return redirect("programs:detail", code=code)
        messages.success(request, _("Programme deleted."))
        return redirect("programs:list")
    return render(request, "programs/program_confirm_delete.html", {"program": program})


@login_required
@require_GET
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(RosterVersion.objects.select_related("program"), pk=pk)
    rows = RosterRow.objects.for_user(request.user).filter(version=version).select_related("desa")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "programs/version_detail.html", {"version": version, "page": page})


@login_required
@require_GET
def batch_list(request: HttpRequest) -> HttpResponse:
    batches = (
        ProposalBatch.objects.for_user(request.user)
        .select_related("unit", "sector")
        .annotate(
            n_rows=Count("rows"),
            n_invalid=Count("rows", filter=Q(rows__status=ProposalRow.Status.INVALID)),
        )
        .order_by("-created_at", "pk")
    )
    page = Paginator(batches, 25).get_page(request.GET.get("page"))
    return render(request, "programs/batch_list.html", {"page": page})


@login_required
@require_GET
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(
        ProposalBatch.objects.for_user(request.user).select_related("unit", "sector"), pk=pk
    )
    rows = batch.rows.select_related("desa")
    if request.GET.get("status") in ProposalRow.Status.values:
        rows = rows.filter(status=request.GET["status"])
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "programs/batch_detail.html", {"batch": batch, "page": page})
