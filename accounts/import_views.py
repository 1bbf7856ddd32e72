"""The pages of an accounts spreadsheet: upload, the row report, confirm and print the slips."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from bansos.paging import paged
from households.access import managers, role_required
from households.models import Download
from programs.intake.writers import XLSX, RejectedRow, write_problems_csv, write_rejected

from . import creation, files, imports
from .models import AccountImport

MAX_BYTES = 5 * 1024 * 1024


class AccountsFileForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Accounts spreadsheet (.xlsx, .xls or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.csv"}),
    )

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB: is it the right one?"))
        return file


@role_required(managers)
@require_http_methods(["GET", "POST"])
def account_imports(request: HttpRequest) -> HttpResponse:
    form = AccountsFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "upload"
            with path.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            checked = imports.check_file(path, upload.name, request.user)
        record = AccountImport.objects.create(
            filename=upload.name[:255],
            headers=checked.headers,
            rows=[row.as_json() for row in checked.rows],
            refused=checked.refused,
            status=AccountImport.Status.REFUSED
            if checked.refused
            else AccountImport.Status.CHECKED,
            created_by=request.user,
        )
        return redirect("users:import", pk=record.pk)
    page, query = paged(request, AccountImport.objects.select_related("created_by"), per_page=20)
    return render(
        request, "accounts/import_list.html", {"form": form, "page": page, "query": query}
    )


@role_required(managers)
@require_http_methods(["GET", "POST"])
def account_import(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(AccountImport, pk=pk)
    if request.method == "POST" and record.status == AccountImport.Status.REFUSED:
        messages.error(request, _("This file was refused: upload a corrected one."))
        return redirect("users:imports")
    if request.method == "POST":
        try:
            slips = creation.create_accounts(record.pk, by=request.user)
        except creation.AlreadyConfirmed:
            messages.warning(
                request,
                _(
                    "These accounts were created before; their one-time passwords were shown "
                    "then. Give a new one-time password from the user's page if a slip is lost."
                ),
            )
            return redirect("users:import", pk=record.pk)
        return render(
            request,
            "accounts/slips.html",
            {
                "slips": slips,
                "record": record,
                "login_url": request.build_absolute_uri(reverse("login")),
            },
        )
    problems = [
        {"line": row["line"], "column": _column(record.headers, column), "message": message}
        for row in record.problem_rows
        for column, message in row["problems"]
    ]
    return render(
        request,
        "accounts/import_detail.html",
        {
            "record": record,
            "read": len(record.rows),
            "ready": len(record.ready),
            "refused": len(record.problem_rows),
            "problems": problems,
            "created": record.accounts.count() if record.status == record.Status.DONE else 0,
        },
    )


@role_required(managers)
@require_GET
def account_import_rejected(request: HttpRequest, pk: int) -> HttpResponse:
    """The refused rows in the file's own columns, each problem on its cell, to fix and upload."""
    record = get_object_or_404(AccountImport, pk=pk)
    response = HttpResponse(content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="perbaiki-akun-{record.pk}.xlsx"'
    rows = [
        RejectedRow(row["cells"], [tuple(problem) for problem in row["problems"]])
        for row in record.problem_rows
    ]
    write_rejected(response, headers=record.headers, rows=rows)
    Download.record(request.user, Download.Kind.ACCOUNTS, record.filename, len(rows))
    return response


@role_required(managers)
@require_GET
def account_import_problems(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(AccountImport, pk=pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="masalah-akun-{record.pk}.csv"'
    write_problems_csv(
        response,
        (
            {"row": n, "line": row["line"], "column": _column(record.headers, column), "message": m}
            for n, row in enumerate(record.rows, start=1)
            for column, m in row["problems"]
        ),
    )
    return response


@role_required(managers)
@require_GET
def account_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="template-akun.xlsx"'
    files.write_template(response, request.user)
    return response


def _column(headers: list[str], column: int | None) -> str:
    if column is None:
        return ""
    return headers[column] if column < len(headers) else ""
