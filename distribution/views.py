"""The distribution's pages: the approved lists to pay, one list's decree and tranches, a
tranche's payment file, receipts and result files, the village's failed payments to correct,
and the realisation by funding source."""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bansos.paging import paged
from complaints.models import Complaint
from households.access import complaint_desk, district, managers, role_required
from households.models import Download, Region, User
from programs.intake.writers import XLSX
from programs.models import ListEntry, RecipientList

from . import disputes, files, payments, pdf, realisation, results, tasks
from .forms import (
    CorrectionForm,
    DecisionForm,
    DecreeForm,
    FundingForm,
    PaymentFileForm,
    PurposeForm,
    ResultForm,
    SettleForm,
    TrancheForm,
)
from .models import Correction, Payment, ResultImport, ResultLine, Tranche

STATUS = Payment.Status


def approved_lists():
    return RecipientList.objects.filter(approved_at__isnull=False).select_related("round", "target")


def village_operators(user) -> bool:
    """Village operators, for the payments of their own desa."""
    return user.role == User.Role.VILLAGE


@role_required(district)
@require_GET
def list_index(request: HttpRequest) -> HttpResponse:
    # Counted apart: one join of both would multiply a list's families by its tranches.
    families = ListEntry.objects.filter(recipients=OuterRef("pk")).values("recipients")
    lists = approved_lists().annotate(
        n_families=Subquery(families.annotate(n=Count("pk")).values("n")),
        n_tranches=Count("tranches"),
    ).order_by("-approved_at")  # fmt: skip
    context = {
        "lists": lists,
        "corrections_waiting": payments.pending_for(request.user).count(),
    }
    return render(request, "distribution/list_index.html", context)


@role_required(district)
@require_http_methods(["GET", "POST"])
def list_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One approved list: its decree, its tranches with their figures, a new tranche."""
    recipients = get_object_or_404(approved_lists(), pk=pk)
    decree = DecreeForm(
        request.POST if "decree_number" in request.POST else None, instance=recipients
    )
    tranche_form = TrancheForm(
        request.POST if "amount" in request.POST else None,
        initial={
            "amount": recipients.target.benefit_per_month,
            "funding": _default_funding(recipients),
            "channel": Tranche.Channel.BANK,
        },
    )
    if request.method == "POST":
        if not managers(request.user):
            raise PermissionDenied
        if decree.is_bound and decree.is_valid():
            recipients._history_user = request.user
            decree.save()
            messages.success(request, _("Decree saved."))
            return redirect("distribution:list", pk=pk)
        if tranche_form.is_bound and tranche_form.is_valid():
            try:
                tranche = payments.add_tranche(
                    recipients, by=request.user, **tranche_form.cleaned_data
                )
            except ValidationError as refused:
                messages.error(request, refused.messages[0])
            else:
                messages.success(request, _("Tranche made."))
                return redirect("distribution:tranche", pk=tranche.pk)
    tranches = recipients.tranches.annotate(
        n=Count("payments"),
        rp=Sum("payments__amount"),
        **{f"n_{s}": Count("payments", filter=Q(payments__status=s)) for s in STATUS.values},
    )
    context = {
        "recipients": recipients,
        "decree": decree,
        "tranche_form": tranche_form,
        "tranches": tranches,
        "families": recipients.entries.count(),
    }
    return render(request, "distribution/list_detail.html", context)


def _default_funding(recipients: RecipientList) -> str:
    program = recipients.target
    if program.funding == "apbn":
        return "apbn"
    if program.funding == "dana_desa":
        return "dana_desa"
    return "apbd_prov" if program.level == "provinsi" else "apbd_kab"


@role_required(district)
@require_http_methods(["GET", "POST"])
def decree_annex(request: HttpRequest, pk: int) -> HttpResponse:
    """The decree's annex (Lampiran SK) to print, once the user says what it is for: families
    and Rupiah per desa, kecamatan and district, and the head's signature block."""
    recipients = get_object_or_404(approved_lists(), pk=pk)
    form = PurposeForm(request.POST or None)
    if not form.is_valid():
        context = {"form": form, "recipients": recipients, "pdf": pdf.available()}
        return render(request, "distribution/purpose.html", context)
    purpose = form.cleaned_data["purpose"]
    annex = realisation.annex(recipients)
    Download.objects.create(
        user=request.user,
        kind=Download.Kind.DECREE,
        label=f"{recipients.target.code} v{recipients.version} SK {recipients.decree_number}",
        rows=annex["families"],
        purpose=purpose,
    )
    name = f"lampiran-sk-{recipients.target.code}-v{recipients.version}".lower()
    if request.POST.get("format") == "xlsx":
        content = realisation.annex_xlsx(recipients, annex, purpose=purpose, by=request.user)
        response = HttpResponse(content, content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    context = {"recipients": recipients, "annex": annex, "purpose": purpose}
    if request.POST.get("format") == "pdf" and pdf.available():
        html = render_to_string("distribution/decree_annex_pdf.html", context, request=request)
        response = HttpResponse(pdf.render(html), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
        return response
    return render(request, "distribution/decree_annex.html", context)


@role_required(district)
@require_http_methods(["GET", "POST"])
def tranche_detail(request: HttpRequest, pk: int) -> HttpResponse:
    tranche = get_object_or_404(
        Tranche.objects.select_related("recipients__target", "recipients__round"), pk=pk
    )
    file_form = PaymentFileForm(
        request.POST if "layout" in request.POST else None,
        initial={"layout": files.CHANNEL_LAYOUT[tranche.channel]},
    )
    if request.method == "POST":
        if not managers(request.user):
            raise PermissionDenied
        if file_form.is_bound and file_form.is_valid():
            payments.stop_gone(tranche)  # verification may have found some dead since
            purpose = file_form.cleaned_data["purpose"]
            content, rows = files.payment_file(
                tranche, file_form.cleaned_data["layout"], purpose=purpose, by=request.user
            )
            payments.file_made(tranche)
            Download.objects.create(
                user=request.user,
                kind=Download.Kind.PAYMENTS,
                label=f"{tranche} ({file_form.cleaned_data['layout']})",
                rows=rows,
                purpose=purpose,
            )
            response = HttpResponse(content, content_type=XLSX)
            name = f"bayar-{tranche.recipients.target.code}-{tranche.number}.xlsx".lower()
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        funding = FundingForm(request.POST)
        if funding.is_valid():
            _set_funding(
                tranche, funding.cleaned_data["desa"], funding.cleaned_data["funding"], request.user
            )
            return redirect("distribution:tranche", pk=pk)
    context = {
        "tranche": tranche,
        "file_form": file_form,
        "result_form": ResultForm(),
        "figures": realisation.by_status(tranche.payments.all()),
        "by_desa": [
            {**row, "funding": tranche.funding_by_desa.get(str(row["id"]), tranche.funding)}
            for row in realisation.by_desa(tranche)
        ],
        "fundings": FundingForm.base_fields["funding"].choices,
        "imports": tranche.imports.select_related("uploaded_by"),
        "outcomes": ResultLine.Outcome.choices,
    }
    return render(request, "distribution/tranche_detail.html", context)


@transaction.atomic
def _set_funding(tranche: Tranche, desa: int, funding: str, by: User) -> None:
    """Another source for a desa's families (not those already paid or stopped)."""
    tranche.funding_by_desa = {**tranche.funding_by_desa, str(desa): funding}
    tranche._history_user = by
    tranche.save(update_fields=["funding_by_desa"])
    tranche.payments.filter(desa_id=desa, status=STATUS.PLANNED).update(funding=funding)


def receipt_printers(user) -> bool:
    """The district, and a village operator for their own desa (cash handed out there)."""
    return user.sees_all_proposals or user.role == User.Role.VILLAGE


@role_required(receipt_printers)
@require_GET
def receipts(request: HttpRequest, pk: int, desa: int) -> HttpResponse:
    """The receipt list (BAST) of a desa for a tranche, to print and sign."""
    tranche = get_object_or_404(Tranche.objects.select_related("recipients__target"), pk=pk)
    place = get_object_or_404(Region.objects.select_related("parent"), pk=desa)
    if not request.user.sees_all_proposals and request.user.unit.region_id != place.pk:
        raise Http404
    rows = files.payable(tranche).filter(desa=place)
    payments.file_made(tranche)  # printed to hand out: its payees are out
    context = {
        "tranche": tranche,
        "desa": place,
        "rows": rows,
        "total": rows.aggregate(rp=Sum("amount"))["rp"] or 0,
    }
    return render(request, "distribution/receipts.html", context)


@role_required(managers)
@require_POST
def result_upload(request: HttpRequest, pk: int) -> HttpResponse:
    tranche = get_object_or_404(Tranche, pk=pk)
    form = ResultForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("distribution:tranche", pk=pk)
    upload = form.cleaned_data["file"]
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    before = tranche.imports.filter(sha256=digest.hexdigest()).first()
    if before is not None:  # the same file again: its lines are there already
        messages.error(request, _("This file was uploaded before: its result is shown."))
        return redirect("distribution:result", pk=before.pk)
    made = ResultImport.objects.create(
        tranche=tranche,
        file=upload,
        filename=upload.name[:255],
        uploaded_by=request.user,
        sha256=digest.hexdigest(),
    )
    transaction.on_commit(lambda: tasks.read_result.delay(made.pk))
    return redirect("distribution:result", pk=made.pk)


@role_required(district)
@require_GET
def result_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A result file's lines by outcome: the unmatched, the second lines and the statuses not
    understood first, each with its line number in the file."""
    upload = get_object_or_404(
        ResultImport.objects.select_related("tranche__recipients__target"), pk=pk
    )
    shown = request.GET.get("outcome", "")
    lines = upload.lines.select_related("payment", "settled_by")
    if shown in ResultLine.Outcome.values:
        lines = lines.filter(outcome=shown)
    page, query = paged(request, lines.order_by("number"))
    context = {
        "upload": upload,
        "page": page,
        "query": query,
        "shown": shown,
        "outcomes": [
            (v, label, upload.counts.get(v, 0)) for v, label in ResultLine.Outcome.choices
        ],
        "waiting": not upload.counts and not upload.error,
        "by_hand": results.BY_HAND,
    }
    return render(request, "distribution/result_detail.html", context)


@role_required(district)
@require_GET
def payment_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The families behind a number of a tranche's tables: by status, funding source,
    kecamatan or desa; NIK masked."""
    tranche = get_object_or_404(Tranche.objects.select_related("recipients__target"), pk=pk)
    return _payments_page(request, tranche.recipients, tranche)


@role_required(district)
@require_GET
def list_payments(request: HttpRequest, pk: int) -> HttpResponse:
    """The payments behind a number of the list's realisation, over its tranches."""
    recipients = get_object_or_404(approved_lists(), pk=pk)
    chosen = request.GET.get("tranche", "")
    tranche = get_object_or_404(recipients.tranches, pk=int(chosen)) if chosen.isdigit() else None
    return _payments_page(request, recipients, tranche)


def _payments_page(
    request: HttpRequest, recipients: RecipientList, tranche: Tranche | None
) -> HttpResponse:
    found = (
        Payment.objects.filter(tranche__recipients=recipients)
        .select_related("desa__parent", "tranche", "paid_with__tranche")
        .annotate(n_complaints=Count("complaint_links"))
    )
    if tranche is not None:
        found = found.filter(tranche=tranche)
    status, funding = request.GET.get("status", ""), request.GET.get("funding", "")
    desa, kecamatan = request.GET.get("desa", ""), request.GET.get("kecamatan", "")
    shown = ""
    if status in STATUS.values:
        found, shown = found.filter(status=status), STATUS(status).label
    elif status in ("late", "waiting"):  # corrected: paid by a later tranche, or not yet
        late = realisation.paid_later(recipients, tranche)
        found = found.filter(status=STATUS.CORRECTED)
        found = found.filter(pk__in=late) if status == "late" else found.exclude(pk__in=late)
        shown = dict(realisation.COLUMNS)[status]
    if funding:
        found = found.filter(funding=funding)
    if desa.isdigit():
        found = found.filter(desa_id=int(desa))
    if kecamatan.isdigit():
        found = found.filter(desa__parent_id=int(kecamatan))
    page, query = paged(
        request, found.order_by("desa__parent__name", "desa__name", "name", "tranche__number")
    )
    context = {
        "recipients": recipients,
        "tranche": tranche,
        "page": page,
        "query": query,
        "count": found.count(),
        # For the tranches themselves, arrears of earlier ones apart, as the realisation sums.
        **found.aggregate(own=Sum(realisation.OWN, default=0), arrears=Sum("arrears", default=0)),
        "status": shown,
    }
    return render(request, "distribution/payment_list.html", context)


@role_required(village_operators)
@require_http_methods(["GET", "POST"])
def failed_payments(request: HttpRequest) -> HttpResponse:
    """The village's failed, returned and unclaimed payments, each corrected on the spot
    (the payee's name, the account): checked by the district, then paid with the next
    tranche."""
    mine = payments.for_village(request.user)
    if request.method == "POST":
        chosen = request.POST.get("payment", "")
        payment = get_object_or_404(mine, pk=int(chosen) if chosen.isdigit() else 0)
        form = CorrectionForm(request.POST)
        if form.is_valid():
            try:
                payments.propose(payment, by=request.user, **form.cleaned_data)
            except ValidationError as refused:
                messages.error(request, refused.messages[0])
            else:
                messages.success(
                    request,
                    _("Sent: the district checks the correction, then it is paid with the next "
                      "tranche."),
                )  # fmt: skip
        return redirect("distribution:failed")
    # Each with its latest correction: waiting for the district, or refused with the reason.
    latest = Correction.objects.filter(payment=OuterRef("pk")).order_by("-made_at", "-pk")
    waiting = (
        mine.filter(status__in=payments.TO_CORRECT)
        .order_by("-tranche__created_at", "name", "pk")
        .select_related("tranche__recipients__target")
        .annotate(
            correction_state=Subquery(latest.values("decision")[:1]),
            correction_name=Subquery(latest.values("name")[:1]),
            correction_account=Subquery(latest.values("account")[:1]),
            correction_note=Subquery(latest.values("note")[:1]),
        )
    )
    done = mine.filter(status=STATUS.CORRECTED).select_related("tranche", "paid_with__tranche")
    # The tranches paying families of the desa: their receipt lists, to print.
    tranches = Tranche.objects.filter(payments__in=mine).distinct().select_related(
        "recipients__target"
    ).order_by("-created_at")[:12]  # fmt: skip
    page, query = paged(request, waiting)
    context = {
        "page": page,
        "query": query,
        "done": done.order_by("-updated_at")[:20],
        "form": CorrectionForm(),
        "tranches": tranches,
        "desa": request.user.unit.region_id,
    }
    return render(request, "distribution/failed.html", context)


@role_required(district)
@require_http_methods(["GET", "POST"])
def corrections(request: HttpRequest) -> HttpResponse:
    """The villages' corrections of failed payments, checked before any file pays the new
    payee: before and after, and whether the new name is one of the family's."""
    if request.method == "POST":
        chosen = request.POST.get("correction", "")
        correction = get_object_or_404(
            payments.pending_for(request.user), pk=int(chosen) if chosen.isdigit() else 0
        )
        form = DecisionForm(request.POST)
        if form.is_valid():
            accept = form.cleaned_data["decision"] == "accept"
            try:
                carrier = payments.decide(
                    correction, accept=accept, note=form.cleaned_data["note"], by=request.user
                )
            except ValidationError as refused:
                messages.error(request, refused.messages[0])
            else:
                if not accept:
                    messages.success(request, _("Refused: sent back to the village."))
                elif carrier is not None:
                    messages.success(
                        request,
                        _("Accepted: paid with %(tranche)s, with what was missed.")
                        % {"tranche": carrier.label},
                    )
                else:
                    messages.success(request, _("Accepted: paid with the next tranche."))
        else:
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("distribution:corrections")
    waiting = Correction.objects.filter(
        decision=Correction.Decision.PENDING, payment__status__in=payments.TO_CORRECT
    ).select_related(
        "made_by", "payment__tranche__recipients__target", "payment__desa__parent",
        "payment__household",
    ).prefetch_related("payment__household__members")  # fmt: skip
    page, query = paged(request, waiting)
    for correction in page:
        correction.in_family = payments.in_family(correction)
    decided = Correction.objects.filter(
        decision__in=[Correction.Decision.ACCEPTED, Correction.Decision.REFUSED]
    ).select_related(
        "decided_by", "payment__desa"
    ).order_by("-decided_at")[:20]  # fmt: skip
    context = {"page": page, "query": query, "decided": decided, "form": DecisionForm()}
    return render(request, "distribution/corrections.html", context)


@role_required(district)
@require_GET
def realisation_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Realisation of a list: families and Rupiah planned, paid, failed, returned, by tranche
    and funding source, then per kecamatan and desa (over the tranches or one); what a later
    tranche paid as arrears counts where it was owed. .xlsx for the province's report."""
    recipients = get_object_or_404(approved_lists(), pk=pk)
    chosen = request.GET.get("tranche", "")
    tranche = get_object_or_404(recipients.tranches, pk=int(chosen)) if chosen.isdigit() else None
    table = realisation.table(recipients)
    by_place = realisation.places(recipients, tranche)
    if request.GET.get("format") == "xlsx":
        content = realisation.table_xlsx(recipients, table, by_place, tranche)
        response = HttpResponse(content, content_type=XLSX)
        name = f"realisasi-{recipients.target.code}-v{recipients.version}.xlsx".lower()
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    context = {
        "recipients": recipients,
        "table": table,
        "places": by_place,
        "tranche": tranche,
        "tranches": recipients.tranches.order_by("number"),
        "columns": realisation.COLUMNS,
    }
    return render(request, "distribution/realisation.html", context)


@role_required(complaint_desk)
@require_POST
def complaint_payment(request: HttpRequest, pk: int) -> HttpResponse:
    """The desk says which of the family's payments a complaint is about, or is not."""
    complaint = get_object_or_404(Complaint.objects.for_user(request.user), pk=pk)
    chosen = request.POST.get("payment", "")
    payment = get_object_or_404(
        Payment.objects.select_related("tranche__recipients__target"),
        pk=int(chosen) if chosen.isdigit() else 0,
        household_id=complaint.household_id,
    )
    if request.POST.get("action") == "unlink":
        disputes.unlink(complaint, payment, by=request.user)
    else:
        disputes.link(complaint, payment, by=request.user)
    return redirect("complaints:detail", pk=pk)


@role_required(district)
@require_http_methods(["GET", "POST"])
def result_line(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """A line the file left open (no family found, to check, a status not understood), settled
    by a person: which family of the tranche it is, and what the channel reported."""
    line = get_object_or_404(
        ResultLine.objects.select_related("upload__tranche__recipients__target", "payment"),
        upload_id=pk,
        number=number,
    )
    tranche, shown = line.upload.tranche, line.outcome
    form = SettleForm(request.POST or None, initial={"status": line.status})
    if request.method == "POST":
        if not managers(request.user):
            raise PermissionDenied
        if form.is_valid():
            payment = get_object_or_404(tranche.payments, pk=form.cleaned_data["payment"])
            try:
                results.settle(
                    line,
                    payment=payment,
                    status=form.cleaned_data["status"],
                    note=form.cleaned_data["note"],
                    by=request.user,
                )
            except ValidationError as refused:
                messages.error(request, refused.messages[0])
            else:
                messages.success(
                    request,
                    _("Line %(n)s settled: %(name)s.") % {"n": number, "name": payment.name},
                )
                back = reverse("distribution:result", args=[pk])
                return redirect(f"{back}?outcome={shown}")  # the next line of its kind
        else:
            messages.error(
                request,
                " ".join(
                    f"{form.fields[field].label or ''}: {error}"
                    for field, errors in form.errors.items()
                    for error in errors
                ),
            )
    query = " ".join(request.GET.get("q", "").split())
    open_ = line.outcome in results.BY_HAND and request.user.can_manage
    found = []
    if open_ and len(query) >= 3:  # a name's part, or a whole NIK or No. KK (no digit oracle)
        digits = query.isdigit() and len(query) == 16
        found = tranche.payments.select_related("desa__parent").filter(
            Q(nik=query) | Q(no_kk=query) if digits else Q(name__icontains=query)
        ).order_by("name")[:20]  # fmt: skip
    context = {
        "line": line,
        "tranche": tranche,
        "form": form,
        "open": open_,
        "candidates": results.candidates(line) if open_ else [],
        "closed": [STATUS.PAID, STATUS.CORRECTED, STATUS.STOPPED],
        "query": query,
        "found": found,
    }
    return render(request, "distribution/result_line.html", context)
