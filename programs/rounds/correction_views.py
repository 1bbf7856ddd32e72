"""Returned JPS families, corrected by the village or agency that proposed them: one by one
in a form, or all at once in a spreadsheet of the returned rows (`programs.rounds.corrections`)."""

import tempfile

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from households.access import operators, role_required
from households.models import Download
from programs.intake.forms import FamilyForm, UploadForm
from programs.intake.refusals import ReadError
from programs.intake.writers import XLSX
from programs.rounds import corrections


@role_required(operators)
@require_GET
def returned_list(request: HttpRequest) -> HttpResponse:
    return _page(request, UploadForm())


def _page(request, upload_form, report=None, status=200) -> HttpResponse:
    returned = list(corrections.returned_for(request.user))
    return render(
        request,
        "programs/returned_list.html",
        {"returned": returned, "upload_form": upload_form, "report": report},
        status=status,
    )


@role_required(operators)
@require_http_methods(["GET", "POST"])
def allocation_correct(request: HttpRequest, pk: int) -> HttpResponse:
    allocation = get_object_or_404(corrections.returned_for(request.user), pk=pk)
    row = allocation.proposal_row
    # Opened, the form holds the row as it stands, with the reasons under their fields.
    form = FamilyForm(request.POST or corrections.values_of(row))
    if request.method == "GET":
        form.is_valid()
        form.errors.clear()  # only the reasons it was returned for, not "required" as well
        form.show(
            [
                (column, message)
                for column, found in corrections.problems_by_column(allocation).items()
                for message in found
            ]
        )
    elif form.is_valid():
        problems = corrections.correct(allocation, form.cleaned_data, by=request.user)
        if not problems:
            messages.success(
                request,
                _("%(name)s is corrected; Dinsos checks the family again for phase 2.")
                % {"name": form.cleaned_data["nama"].upper()},
            )
            return redirect("programs:returned")
        form.show(problems)
    return render(
        request,
        "programs/allocation_correct.html",
        {"allocation": allocation, "row": row, "form": form},
        status=400 if form.errors and request.method == "POST" else 200,
    )


@role_required(operators)
@require_GET
def returned_download(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="perbaiki-jps.xlsx"'
    returned = corrections.returned_for(request.user).filter(status=corrections.RETURNED)
    corrections.write_returned(response, returned)
    Download.record(request.user, Download.Kind.JPS_RETURNED, "perbaiki-jps.xlsx", returned.count())
    return response


@role_required(operators)
@require_POST
def returned_upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form, status=400)
    upload = form.cleaned_data["file"]
    with tempfile.NamedTemporaryFile(suffix=".upload") as stored:
        for chunk in upload.chunks():
            stored.write(chunk)
        stored.flush()
        try:
            report = corrections.correct_file(stored.name, upload.name, by=request.user)
        except ReadError as refused:
            form.add_error("file", str(refused))
            return _page(request, form, status=400)
    return _page(request, UploadForm(), report=report)
