"""The complaint desk in the browser: the desk logs, routes and resolves complaints; a village or
agency answers those forwarded to it; the public follows a ticket on the status page."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, F, OuterRef, Q, Subquery, When
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from ipware import get_client_ip

from bansos.paging import paged
from households.access import (
    complaint_desk,
    complaint_readers,
    desk_or_district,
    public,
    role_required,
    signed_in,
)
from households.identity import mask_id
from households.models import Download, Household
from programs.intake.forms import FamilyForm
from programs.intake.writers import XLSX

from . import desk, reports, service_level
from .forms import (
    AnswerForm,
    AttachmentForm,
    CategoryForm,
    ComplaintForm,
    MoveForm,
    TicketForm,
)
from .models import OPEN, Attachment, Category, Complaint, Step

LOOKUPS_PER_WINDOW, WINDOW_SECONDS = 20, 600  # the public status page, per address


@role_required(complaint_readers)
def complaint_list(request: HttpRequest) -> HttpResponse:
    """Open complaints, the overdue first and the oldest first among them; ?status= filters."""
    user = request.user
    today = timezone.localdate()
    complaints = Complaint.objects.for_user(user)
    status = request.GET.get("status", "")
    complaints = (
        complaints.filter(status=status)
        if status in Complaint.Status.values
        else complaints.filter(status__in=OPEN)
    )
    late = Q(status__in=OPEN, due_on__lt=today)
    page, query = paged(
        request,
        complaints.select_related("category", "desa", "forwarded_to", "assigned_to")
        .annotate(
            late=Case(When(late, then=True), default=False),
            # The unit it was forwarded to took the last step (its answer): the desk's turn.
            last_by_unit=Subquery(
                Step.objects.filter(complaint=OuterRef("pk"))
                .order_by("-at", "-pk")
                .values("by__unit")[:1]
            ),
            answered=Case(
                When(status__in=desk.ANSWERABLE, last_by_unit=F("forwarded_to"), then=True),
                default=False,
            ),
        )
        .order_by("-late", "received_at", "pk"),
    )
    context = {
        "page": page,
        "status": status,
        "query": query,
        "statuses": Complaint.Status.choices,
        "overdue": complaints.filter(late).count(),
    }
    return render(request, "complaints/list.html", context)


@role_required(complaint_desk)
@require_http_methods(["GET", "POST"])
def complaint_create(request: HttpRequest) -> HttpResponse:
    form = ComplaintForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        extra = ("family", "pick", "attachment", "received_on")
        data = {k: v for k, v in form.cleaned_data.items() if k not in extra}
        complaint = desk.log(
            by=request.user,
            household=form.cleaned_data["family"],
            received_at=form.cleaned_data["received_on"],
            **data,
        )
        if upload := form.cleaned_data["attachment"]:
            _attach(complaint, upload, by=request.user)
        for warning in form.warnings:
            messages.warning(request, warning)
        messages.success(
            request,
            _(
                "Logged as ticket %(ticket)s. Give the complainant the receipt: with the ticket "
                "they follow it at %(address)s."
            )
            % {"ticket": complaint.ticket, "address": _status_address(request)},
        )
        return redirect("complaints:detail", pk=complaint.pk)
    if request.FILES.get("attachment") and "attachment" not in form.errors:
        # On the bound field: it was made, with the field's help text, while checking.
        form["attachment"].help_text = _(
            "Choose the file again: a browser does not keep it when the form comes back."
        )
    return render(request, "complaints/form.html", {"form": form})


@role_required(signed_in)
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = get_object_or_404(
        Complaint.objects.for_user(request.user).select_related(
            *("category", "desa__parent", "program", "forwarded_to", "assigned_to"),
            "proposal_row__batch",
        ),
        pk=pk,
    )
    user = request.user
    # Staff allocating aid read it; the desk and the unit it is forwarded to work on it.
    handles = Complaint.objects.handled_by(user).filter(pk=pk).exists()
    is_open = complaint.status in OPEN
    # The family, for those who may see it: not to an agency, nor to another village.
    family = (
        Household.objects.for_user(user).filter(pk=complaint.household_id).first()
        if complaint.household_id
        else None
    )
    context = {
        "complaint": complaint,
        "handles": handles,
        "holidays_known": service_level.known_year(complaint.due_on.year),
        # What the cross-check made of the family it proposed: its latest run's word.
        "proposal_result": complaint.proposal_row.results.order_by("-run__created_at").first()
        if complaint.proposal_row_id
        else None,
        "steps": complaint.steps.select_related("by", "assigned_to", "forwarded_to"),
        "family": family,
        # What the family receives or is allocated: a wrongly listed family, wrong data.
        "allocations": family.allocations.select_related("round", "target") if family else [],
        "attachments": Attachment.objects.for_user(user).filter(complaint=complaint),
        "move_form": MoveForm(now=complaint.status) if user.handles_complaints else None,
        "can_propose": user.handles_complaints and not desk.why_not_proposed(complaint),
        "answer_form": AnswerForm()
        if handles and not user.handles_complaints and complaint.status in desk.ANSWERABLE
        else None,
        "attachment_form": AttachmentForm() if handles and is_open else None,
    }
    return render(request, "complaints/detail.html", context)


@role_required(complaint_desk)
@require_GET
def complaint_slip(request: HttpRequest, pk: int) -> HttpResponse:
    """The receipt the desk prints for the complainant: the ticket, when it is due and where
    to follow it. Nothing personal: it may be lost on the way home."""
    complaint = get_object_or_404(Complaint.objects.select_related("category"), pk=pk)
    context = {"complaint": complaint, "status_address": _status_address(request)}
    return render(request, "complaints/slip.html", context)


def _status_address(request: HttpRequest) -> str:
    """The public status page's full address, as the complainant types it."""
    return request.build_absolute_uri(reverse("complaints:status"))


@role_required(complaint_desk)
@require_POST
def complaint_move(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = get_object_or_404(Complaint, pk=pk)
    form = MoveForm(request.POST, now=complaint.status)
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
        else:
            complaint.refresh_from_db(fields=["status"])
            messages.success(
                request,
                _("Step saved: %(ticket)s is now %(status)s.")
                % {"ticket": complaint.ticket, "status": complaint.get_status_display()},
            )
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("complaints:detail", pk=pk)


@role_required(complaint_desk)
@require_http_methods(["GET", "POST"])
def complaint_propose(request: HttpRequest, pk: int) -> HttpResponse:
    """A justified "left out" or "new family" complaint proposed for its village: the family's
    data, checked as any proposal row is."""
    complaint = get_object_or_404(
        Complaint.objects.select_related("category", "desa__parent", "household"), pk=pk
    )
    if refused := desk.why_not_proposed(complaint):
        messages.error(request, refused)
        return redirect("complaints:detail", pk=pk)
    form = FamilyForm(request.POST or None, initial=_family_of(complaint))
    if household := complaint.household:
        # The desk does not see a registered family's numbers: they are taken as registered.
        for name, number in (("no_kk", household.no_kk), ("nik", household.head_nik)):
            form.fields[name].required = False
            form.fields[name].help_text = _(
                "Leave empty to take the registered family's: %(masked)s"
            ) % {"masked": mask_id(number)}
    if request.method == "POST" and form.is_valid():
        problems = desk.propose(complaint, form.cleaned_data, by=request.user)
        if not problems:
            messages.success(request, _("The family is proposed; the next cross-check checks it."))
            return redirect("complaints:detail", pk=pk)
        form.show(problems)
    return render(request, "complaints/propose.html", {"complaint": complaint, "form": form})


def _family_of(complaint: Complaint) -> dict[str, str]:
    """What the complaint knows of the family to start the proposal from, without its numbers
    and birth date (the desk does not see them)."""
    values = {"desa": "", "kecamatan": ""}
    if complaint.desa:
        values["desa"] = complaint.desa.name
        values["kecamatan"] = complaint.desa.parent.name if complaint.desa.parent else ""
    if household := complaint.household:
        values |= {
            "nama": household.head_name,
            "jenis_kelamin": household.head_sex,
            "alamat": household.address,
            "rt": household.rt,
            "rw": household.rw,
        }
    return values


@role_required(complaint_readers)
@require_POST
def complaint_answer(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = get_object_or_404(Complaint.objects.handled_by(request.user), pk=pk)
    form = AnswerForm(request.POST)
    try:
        if not form.is_valid():  # an empty answer: said, not dropped
            raise ValidationError([e for errors in form.errors.values() for e in errors])
        desk.answer(complaint, by=request.user, note=form.cleaned_data["note"])
        messages.success(request, _("Your answer is sent to the complaint desk."))
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    return redirect("complaints:detail", pk=pk)


@public("the complainant follows a ticket without an account: only its status and reply")
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
            found = (
                Complaint.objects.filter(ticket=desk.typed_ticket(form.cleaned_data["ticket"]))
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


@role_required(complaint_readers)
@require_POST
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = get_object_or_404(
        Complaint.objects.handled_by(request.user).filter(status__in=OPEN), pk=pk
    )
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        _attach(complaint, upload, by=request.user)
        messages.success(request, _("%(name)s is attached.") % {"name": upload.name})
    else:
        messages.error(request, " ".join(form.errors.get("file", [])))
    return redirect("complaints:detail", pk=pk)


@role_required(signed_in)
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """Only to those who see it (Attachment.objects.for_user); always as a download, never
    shown in the page."""
    attachment = get_object_or_404(Attachment.objects.for_user(request.user), pk=pk)
    Download.record(
        request.user, Download.Kind.ATTACHMENT, f"{attachment.complaint} {attachment.name}"
    )
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )


@role_required(desk_or_district)
def report(request: HttpRequest) -> HttpResponse:
    """The month's figures, to read, print (the head's monthly summary) or download."""
    try:
        month = datetime.date.fromisoformat(f"{request.GET.get('month', '')}-01")
    except ValueError:
        month = timezone.localdate().replace(day=1)
    if not 2000 <= month.year <= timezone.localdate().year:  # beyond that, nothing to count
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


@role_required(complaint_desk)
@require_http_methods(["GET", "POST"])
def categories(request: HttpRequest) -> HttpResponse:
    """The office's categories and their targets in working days; the desk adds and adjusts."""
    editing = None
    if pk := request.GET.get("edit", ""):
        editing = get_object_or_404(Category, pk=pk) if pk.isdigit() else None
    form = CategoryForm(request.POST or None, instance=editing)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            category = form.save()
            # Its open complaints are due by its new targets, each change in their history.
            for complaint in category.complaint_set.select_for_update().filter(status__in=OPEN):
                if complaint.due() != complaint.due_on:
                    complaint._change_reason = "target kategori diubah"
                    complaint.save(update_fields=["due_on"])
        messages.success(request, _("%(name)s is saved.") % {"name": form.instance.name})
        return redirect("complaints:categories")
    context = {"form": form, "categories": Category.objects.all(), "editing": editing}
    return render(request, "complaints/categories.html", context)
