from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, ProtectedError, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from bansos.paging import paged
from households.access import managers, operators, proposal_handlers, role_required, signed_in
from households.models import Download, User
from programs.intake import imports, rosters, tasks, writers
from programs.intake.checks import LABELS
from programs.intake.filters import BatchFilter
from programs.intake.forms import BatchForm, ProgramForm, RosterImportForm, UploadForm
from programs.intake.writers import XLSX
from programs.models import (
    Allocation,
    Program,
    ProposalBatch,
    ProposalRow,
    RosterRow,
    RosterVersion,
    Upload,
)


@role_required(signed_in)
@require_GET
def program_list(request: HttpRequest) -> HttpResponse:
    programs = Program.objects.prefetch_related(
        Prefetch(
            "versions",
            queryset=RosterVersion.objects.filter(status=RosterVersion.Status.ACTIVE),
            to_attr="active_versions",
        )
    )
    context = {"programs": programs.aid(), "exclusion_lists": programs.exclusion_lists()}
    return render(request, "programs/program_list.html", context)


@role_required(signed_in)
@require_GET
def program_detail(request: HttpRequest, code: str) -> HttpResponse:
    program = get_object_or_404(Program, code=code)
    versions = program.versions.select_related("imported_by")
    return render(
        request, "programs/program_detail.html", {"program": program, "versions": versions}
    )


@role_required(managers)
@require_http_methods(["GET", "POST"])
def program_edit(request: HttpRequest, code: str | None = None) -> HttpResponse:
    program = get_object_or_404(Program, code=code) if code else None
    form = ProgramForm(request.POST or None, instance=program)
    if request.method == "POST" and form.is_valid():
        program = form.save()
        messages.success(request, _("Programme saved."))
        return redirect("programs:detail", code=program.code)
    return render(request, "programs/program_form.html", {"form": form, "program": program})


@role_required(managers)
@require_http_methods(["GET", "POST"])
def program_delete(request: HttpRequest, code: str) -> HttpResponse:
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


@role_required(signed_in)
@require_GET
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(RosterVersion.objects.select_related("program"), pk=pk)
    rows = RosterRow.objects.for_user(request.user).filter(version=version).select_related("desa")
    if request.GET.get("problems"):
        rows = rows.exclude(problems=[])
    page, query = paged(request, rows)
    context = {"version": version, "page": page, "query": query}
    return render(request, "programs/version_detail.html", context)


@role_required(signed_in)
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
    filters = BatchFilter(request.GET, queryset=batches) if request.user.sees_district else None
    if filters is not None:
        batches = filters.qs
    page, query = paged(request, batches, 25)
    context = {"page": page, "filters": filters, "query": query}
    return render(request, "programs/batch_list.html", context)


@role_required(signed_in)
@require_GET
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(
        ProposalBatch.objects.for_user(request.user).select_related("unit", "sector"), pk=pk
    )
    return _batch_page(request, batch)


def _unit_batch(request: HttpRequest, pk: int) -> ProposalBatch:
    """A batch of the user's own unit (the views check that it is still a draft)."""
    batch = get_object_or_404(ProposalBatch.objects.for_user(request.user), pk=pk)
    if batch.unit_id != request.user.unit_id:
        raise PermissionDenied
    return batch


@role_required(operators)
@require_http_methods(["GET", "POST"])
def batch_create(request: HttpRequest) -> HttpResponse:
    unit = request.user.unit
    form = BatchForm(request.POST or None, unit=unit)
    if request.method == "POST" and form.is_valid():
        batch = form.save(commit=False)
        batch.unit, batch.created_by = unit, request.user
        batch.save()
        return redirect("programs:batch", pk=batch.pk)
    return render(request, "programs/batch_form.html", {"form": form})


@role_required(operators)
@require_POST
def batch_upload(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _unit_batch(request, pk)
    if batch.status != ProposalBatch.Status.DRAFT:  # submitted meanwhile (another tab)
        messages.error(request, _("This proposal has been submitted; rows can no longer be added."))
        return redirect("programs:batch", pk=pk)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _batch_page(request, batch, form, status=400)
    upload = imports.start_upload(
        kind=Upload.Kind.PROPOSAL,
        file=form.cleaned_data["file"],
        filename=form.cleaned_data["file"].name,
        user=request.user,
        batch=batch,
    )
    transaction.on_commit(lambda: tasks.check_upload.delay(upload.pk))
    return redirect("programs:upload", pk=upload.pk)


@role_required(operators)
@require_POST
def batch_submit(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _unit_batch(request, pk)
    if batch.status != ProposalBatch.Status.DRAFT:  # a second click, an old tab
        messages.error(request, _("This proposal was submitted already."))
        return redirect("programs:batch", pk=pk)
    pending = (
        Upload.Status.QUEUED,
        Upload.Status.CHECKING,
        Upload.Status.CHECKED,
        Upload.Status.SAVING,
    )
    if batch.uploads.filter(status__in=pending).exists():
        messages.error(
            request,
            _(
                "A file is still being checked or waits for your confirmation; save or cancel it "
                "before submitting."
            ),
        )
        return redirect("programs:batch", pk=pk)
    try:
        batch.move_to(ProposalBatch.Status.SUBMITTED, by=request.user)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, _("The proposal was submitted to Dinsos."))
    return redirect("programs:batch", pk=pk)


@role_required(operators)
@require_POST
def row_delete(request: HttpRequest, pk: int, row: int) -> HttpResponse:
    """An operator drops a rejected row they will not fix (a family listed twice, say)."""
    batch = _unit_batch(request, pk)
    rejected = get_object_or_404(batch.rows, pk=row, status=ProposalRow.Status.INVALID)
    if batch.status == ProposalBatch.Status.DRAFT:
        rejected._history_user = request.user
        rejected.delete()
        messages.success(request, _("The row was removed from the proposal."))
    return redirect(f"{reverse('programs:batch', args=[pk])}?status=invalid")


@role_required(proposal_handlers)
@require_GET
def template_download(request: HttpRequest) -> HttpResponse:
    unit = request.user.unit
    region = unit.region if unit and unit.region_id else None
    batch = (
        ProposalBatch.objects.for_user(request.user).filter(pk=request.GET["batch"]).first()
        if request.GET.get("batch", "").isdigit()
        else None
    )
    response = HttpResponse(content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="template-usulan.xlsx"'
    writers.write_template(
        response,
        desa=region.name if region else "",
        kecamatan=region.parent.name if region else "",
        sektor=batch.sector.name if batch and batch.sector_id else "",
    )
    return response


@role_required(managers)
@require_http_methods(["GET", "POST"])
def combined_upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = imports.start_upload(
            kind=Upload.Kind.COMBINED,
            file=form.cleaned_data["file"],
            filename=form.cleaned_data["file"].name,
            user=request.user,
        )
        transaction.on_commit(lambda: tasks.check_upload.delay(upload.pk))
        return redirect("programs:upload", pk=upload.pk)
    return render(request, "programs/combined_form.html", {"form": form})


@role_required(managers)
@require_http_methods(["GET", "POST"])
def roster_import(request: HttpRequest, code: str) -> HttpResponse:
    program = get_object_or_404(Program, code=code)
    form = RosterImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = rosters.start_import(
            program=program,
            period=form.cleaned_data["period"],
            file=form.cleaned_data["file"],
            filename=form.cleaned_data["file"].name,
            user=request.user,
        )
        transaction.on_commit(lambda: tasks.import_roster.delay(upload.pk))
        return redirect("programs:upload", pk=upload.pk)
    return render(request, "programs/roster_import.html", {"form": form, "program": program})


@role_required(signed_in)
@require_GET
def upload_detail(request: HttpRequest, pk: int) -> HttpResponse:
    upload = get_object_or_404(
        Upload.objects.for_user(request.user).select_related(
            "batch__unit", "version__program", "uploaded_by"
        ),
        pk=pk,
    )
    if request.htmx and not request.htmx.history_restore_request:
        upload = Upload.objects.defer("problems", "summary").get(pk=upload.pk)
        if not upload.running:
            return HttpResponseClientRefresh()  # the preview or the result replaces the bar
        context = {"upload": upload, "may_change": _may_change(request.user, upload)}
        return render(request, "programs/upload_detail.html#progress", context)
    context = {
        "upload": upload,
        "problems": upload.problems[:200],
        "may_change": _may_change(request.user, upload),
    }
    return render(request, "programs/upload_detail.html", context)


@role_required(signed_in)
@require_POST
def upload_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    upload = get_object_or_404(Upload.objects.for_user(request.user), pk=pk)
    if _may_change(request.user, upload) and imports.confirm_upload(upload):
        transaction.on_commit(lambda: tasks.save_upload.delay(upload.pk))
    return redirect("programs:upload", pk=pk)


@role_required(signed_in)
@require_POST
def upload_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    upload = get_object_or_404(Upload.objects.for_user(request.user), pk=pk)
    if _may_change(request.user, upload):
        imports.cancel_upload(upload)
    return redirect("programs:upload", pk=pk)


def _may_change(user: User, upload: Upload) -> bool:
    return upload.uploaded_by_id == user.pk or user.can_manage


@role_required(proposal_handlers)
@require_GET
def upload_problems(request: HttpRequest, pk: int) -> HttpResponse:
    upload = get_object_or_404(Upload.objects.for_user(request.user), pk=pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="masalah-{upload.pk}.csv"'
    writers.write_problems_csv(
        response, ({**p, "column": LABELS.get(p["column"], p["column"])} for p in upload.problems)
    )
    return response


@role_required(proposal_handlers)
@require_GET
def upload_rejected(request: HttpRequest, pk: int) -> HttpResponse:
    upload = get_object_or_404(Upload.objects.for_user(request.user), pk=pk)
    response = HttpResponse(content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="perbaiki-{upload.pk}.xlsx"'
    rows = _write_rejected(response, upload.rows.order_by("row_number"), upload)
    Download.record(request.user, Download.Kind.REJECTED_ROWS, upload.filename, rows)
    return response


@role_required(proposal_handlers)
@require_GET
def batch_rejected(request: HttpRequest, pk: int) -> HttpResponse:
    """Every row of a proposal still waiting for a fix, whichever file brought it (a village
    cannot see the district's combined upload its rows came from)."""
    batch = get_object_or_404(ProposalBatch.objects.for_user(request.user), pk=pk)
    rows = batch.rows.order_by("row_number")
    latest = rows.filter(status=ProposalRow.Status.INVALID, upload__isnull=False).last()
    response = HttpResponse(content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="perbaiki-usulan-{batch.pk}.xlsx"'
    count = _write_rejected(response, rows, latest.upload if latest else None)
    Download.record(request.user, Download.Kind.REJECTED_ROWS, batch.title, count)
    return response


def _write_rejected(response: HttpResponse, rows, upload: Upload | None) -> int:
    """Writes the rows to fix; returns how many."""
    headers, columns = imports.layout(upload)
    rejected = [writers.RejectedRow(*row) for row in imports.rejected_rows(rows, headers, columns)]
    writers.write_rejected(response, headers=headers, rows=rejected)
    return len(rejected)


def _batch_page(request, batch, upload_form=None, status=200) -> HttpResponse:
    rows = batch.rows.select_related("desa")
    if request.GET.get("status") in ProposalRow.Status.values:
        rows = rows.filter(status=request.GET["status"])
    page, query = paged(request, rows)  # page 2 of the rows to fix stays the rows to fix
    context = {
        "batch": batch,
        "page": page,
        "query": query,
        "uploads": batch.uploads.select_related("uploaded_by")[:10],
        "upload_form": upload_form or UploadForm(),
        "can_add": batch.unit_id == request.user.unit_id
        and batch.status == ProposalBatch.Status.DRAFT,
        "counts": dict(batch.rows.values_list("status").annotate(n=Count("pk")).order_by()),
    }
    # Families allocated to JPS and returned for correction, with every reason.
    context["returned"] = (
        Allocation.objects.filter(proposal_row__batch=batch, status=Allocation.Status.RETURNED)
        .select_related("proposal_row", "round")
        .order_by("proposal_row__row_number")
    )
    # What the cross-check made of the families: the template asks dedup (cross_check tags).
    return render(request, "programs/batch_detail.html", context, status=status)
