"""The complaint desk in the browser: the desk logs, routes and resolves complaints; a village or
agency answers those forwarded to it; the public follows a ticket on the status page."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from ipware import get_client_ip

from programs.forms import CorrectionForm
from programs.views import XLSX

from . import desk, reports, service_level
from .forms import (
    AnswerForm,
    AttachmentForm,
    CategoryForm,
    ComplaintForm,
    MoveForm,
    TicketForm,
)
from .models import OPEN, Attachment, Category, Complaint

LOOKUPS_PER_WINDOW, WINDOW_SECONDS = 20, 600  # the public status page, per address


@login_required
def complaint_list(request: HttpRequest) -> HttpResponse:
    """Open complaints, the overdue first and the oldest first among them; ?status= filters."""
    user = request.user
    if not (user.handles_complaints or user.proposes or user.sees_all_proposals):
        raise PermissionDenied
    complaints = Complaint.objects.for_user(request.user).select_related(
        "category", "desa", "forwarded_to", "assigned_to"
    )
    status = request.GET.get("status", "")
    complaints = (
        complaints.filter(status=status)
        if status in Complaint.Status.values
        else complaints.filter(status__in=OPEN)
    )
    today = timezone.localdate()
    rows = []
    for complaint in complaints.order_by("received_at"):
        due = complaint.due()
        rows.append((complaint, due, complaint.status in OPEN and due < today))
    rows.sort(key=lambda row: not row[2])  # the overdue first; each part oldest first
    context = {
        "page": Paginator(rows, 50).get_page(request.GET.get("page")),
        "today": today,
        "status": status,
        "statuses": Complaint.Status.choices,
        "overdue": sum(1 for _c, _due_day, late in rows if late),
    }
    return render(request, "complaints/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def complaint_create(request: HttpRequest) -> HttpResponse:
    if not request.user.handles_complaints:
        raise PermissionDenied
    form = ComplaintForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        extra = ("family", "pick", "attachment")
        data = {k: v for k, v in form.cleaned_data.items() if k not in extra}
        complaint = desk.log(by=request.user, household=form.cleaned_data["family"], **data)
        if upload := form.cleaned_data["attachment"]:
            _attach(complaint, upload, by=request.user)
        for warning in form.warnings:
            messages.warning(request, warning)
        messages.success(
            request,
            _("Logged as ticket %(ticket)s: give it to the complainant to follow it.")
            % {"ticket": complaint.ticket},
        )
        return redirect("complaints:detail", pk=complaint.pk)
    return render(request, "complaints/form.html", {"form": form})


@login_required
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = get_object_or_404(
        Complaint.objects.for_user(request.user).select_related(
            *("category", "desa__parent", "program", "household", "forwarded_to"),
            *("assigned_to", "proposal_row__batch"),
        ),
        pk=pk,
    )
    due = complaint.due()
    # Staff allocating aid read it; those handling it see who complained and what was attached.
    handles = Complaint.objects.handled_by(request.user).filter(pk=pk).exists()
    context = {
        "complaint": complaint,
        "handles": handles,
        "due": due,
        "holidays_known": service_level.known_year(due.year),
        # What the cross-check made of the family it proposed: its latest run's word.
        "proposal_result": complaint.proposal_row.results.order_by("-run__created_at").first()
        if complaint.proposal_row_id
        else None,
        "steps": complaint.steps.select_related("by", "assigned_to", "forwarded_to"),
        # What the family receives or is allocated: a wrongly listed family, wrong data.
        "allocations": complaint.household.allocations.select_related("round", "target")
        if complaint.household_id
        else [],
        "move_form": MoveForm() if request.user.handles_complaints else None,
        "answer_form": AnswerForm()
        if request.user.proposes and complaint.forwarded_to_id == request.user.unit_id
        else None,
        "attachment_form": AttachmentForm() if handles else None,
    }
    return render(request, "complaints/detail.html", context)


@login_required
@require_POST
def complaint_move(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.handles_complaints:
        raise PermissionDenied
    complaint = get_object_or_404(Complaint, pk=pk)
    form = MoveForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            desk.move(
                complaint,
                data["to"],
                by=request.user,
                note=data["note"],
                assign=data["assign"],
                forward=data["forward"],
                resolution=data["resolution"],
                public_reply="" if data["clear_reply"] else (data["public_reply"] or None),
            )
        except ValidationError as refused:
            messages.error(request, " ".join(refused.messages))
    return redirect("complaints:detail", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def complaint_propose(request: HttpRequest, pk: int) -> HttpResponse:
    """A justified "left out" or "new family" complaint proposed for its village: the family's
    data, checked as any proposal row is."""
    if not request.user.handles_complaints:
        raise PermissionDenied
    complaint = get_object_or_404(Complaint.objects.select_related("desa__parent"), pk=pk)
    form = CorrectionForm(request.POST or _family_of(complaint))
    if request.method == "POST" and form.is_valid():
        problems = desk.propose(complaint, form.cleaned_data, by=request.user)
        if not problems:
            messages.success(request, _("The family is proposed; the next cross-check checks it."))
            return redirect("complaints:detail", pk=pk)
        form.show(problems)
    elif request.method == "GET":
        form.is_valid()
        form.errors.clear()
    return render(request, "complaints/propose.html", {"complaint": complaint, "form": form})


def _family_of(complaint: Complaint) -> dict[str, str]:
    """What the complaint knows of the family, to start the proposal from."""
    values = {"desa": "", "kecamatan": ""}
    if complaint.desa:
        values["desa"] = complaint.desa.name
        values["kecamatan"] = complaint.desa.parent.name if complaint.desa.parent else ""
    if household := complaint.household:
        values |= {
            "no_kk": household.no_kk,
            "nik": household.head_nik,
            "nama": household.head_name,
            "jenis_kelamin": household.head_sex,
            "tanggal_lahir": f"{household.head_birth_date:%d-%m-%Y}"
            if household.head_birth_date
            else "",
            "alamat": household.address,
            "rt": household.rt,
            "rw": household.rw,
        }
    return values


@login_required
@require_POST
def complaint_answer(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = get_object_or_404(Complaint.objects.handled_by(request.user), pk=pk)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            desk.answer(complaint, by=request.user, note=form.cleaned_data["note"])
            messages.success(request, _("Your answer is sent to the complaint desk."))
        except ValidationError as refused:
            messages.error(request, " ".join(refused.messages))
    return redirect("complaints:detail", pk=pk)


def public_status(request: HttpRequest) -> HttpResponse:
    """The public follows a ticket: its status and the office's public reply, nothing else."""
    form = TicketForm(request.GET or None)
    found, limited = None, False
    if form.is_valid():
        proxies = getattr(settings, "AXES_IPWARE_PROXY_COUNT", 0)
        # Without proxies in front, X-Forwarded-For is whatever the visitor writes.
        address = (
            get_client_ip(request, proxy_count=proxies)[0]
            if proxies
            else request.META.get("REMOTE_ADDR", "")
        )
        key = f"complaint-status:{address}"
        cache.add(key, 0, WINDOW_SECONDS)
        limited = cache.incr(key) > LOOKUPS_PER_WINDOW
        if not limited:
            ticket = form.cleaned_data["ticket"].strip().upper()
            found = (
                Complaint.objects.filter(ticket=ticket)
                .only("ticket", "status", "public_reply", "received_at", "resolved_at")
                .first()
            )
    status = 429 if limited else 200
    return render(
        request,
        "complaints/status.html",
        {"form": form, "found": found, "limited": limited, "asked": form.is_bound},
        status=status,
    )


@login_required
@require_POST
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = get_object_or_404(Complaint.objects.handled_by(request.user), pk=pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        _attach(complaint, upload, by=request.user)
        messages.success(request, _("%(name)s is attached.") % {"name": upload.name})
    else:
        messages.error(request, " ".join(form.errors.get("file", [])))
    return redirect("complaints:detail", pk=pk)


@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """Only to those who handle the complaint; always as a download, never shown in the page."""
    attachment = get_object_or_404(
        Attachment, pk=pk, complaint__in=Complaint.objects.handled_by(request.user)
    )
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )


@login_required
def report(request: HttpRequest) -> HttpResponse:
    """The month's figures, to read, print (the head's monthly summary) or download."""
    user = request.user
    if not (user.handles_complaints or user.sees_all_proposals):
        raise PermissionDenied
    try:
        month = datetime.date.fromisoformat(f"{request.GET.get('month', '')}-01")
    except ValueError:
        month = timezone.localdate().replace(day=1)
    found = reports.month_report(month)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(reports.workbook(found), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="pengaduan-{month:%Y-%m}.xlsx"'
        return response
    return render(request, "complaints/report.html", {"report": found, "month": month})


def _attach(complaint: Complaint, upload, *, by) -> Attachment:
    return Attachment.objects.create(
        complaint=complaint,
        file=upload,
        name=upload.name[:255],
        content_type=upload.checked_type,
        size=upload.size,
        uploaded_by=by,
    )


@login_required
@require_http_methods(["GET", "POST"])
def categories(request: HttpRequest) -> HttpResponse:
    """The office's categories and their targets in working days; the desk adds and adjusts."""
    if not request.user.handles_complaints:
        raise PermissionDenied
    editing = None
    if pk := request.GET.get("edit", ""):
        editing = get_object_or_404(Category, pk=pk) if pk.isdigit() else None
    form = CategoryForm(request.POST or None, instance=editing)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("%(name)s is saved.") % {"name": form.instance.name})
        return redirect("complaints:categories")
    context = {"form": form, "categories": Category.objects.all(), "editing": editing}
    return render(request, "complaints/categories.html", context)
