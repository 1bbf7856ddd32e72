import datetime
import io

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from bansos.paging import paged
from households.access import auditors, role_required
from households.forms import DateInput
from households.models import Download
from programs.intake.writers import HEADER_FONT, XLSX, safe_cell

from .events import KINDS, Filters, events

EXPORT_ROWS = 200_000  # an inspector's period, not the province's whole history at once
DEFAULT_DAYS = 30


class FilterForm(forms.Form):
    person = forms.CharField(label=gettext_lazy("Person (username)"), required=False)
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=[("", gettext_lazy("every kind")), *KINDS.items()],
        required=False,
    )
    since = forms.DateField(label=gettext_lazy("From"), required=False, widget=DateInput())
    until = forms.DateField(label=gettext_lazy("Until"), required=False, widget=DateInput())


def _filters(request: HttpRequest) -> tuple[FilterForm, Filters]:
    today = timezone.localdate()
    data = request.GET.copy()
    if "since" not in data:  # the last month, unless the reader asks for another period
        data["since"] = (today - datetime.timedelta(days=DEFAULT_DAYS)).strftime("%d-%m-%Y")
    form = FilterForm(data)
    if not form.is_valid():
        return form, Filters(since=today - datetime.timedelta(days=DEFAULT_DAYS))
    return form, Filters(**form.cleaned_data)


@role_required(auditors)
@require_GET
def trail(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    page, query = paged(request, events(filters), per_page=50)
    for event in page:
        event["label"] = KINDS.get(event["event"], event["event"])
        event["subject"] = _bare_address(event)
    return render(request, "audit/trail.html", {"form": form, "page": page, "query": query})


@role_required(auditors)
@require_GET
def trail_xlsx(request: HttpRequest) -> HttpResponse:
    _form, filters = _filters(request)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Audit trail"))
    header = [_("When"), _("Kind"), _("Person"), _("What"), _("Purpose or detail")]
    sheet.append([_cell(h, bold=True, sheet=sheet) for h in header])
    count = 0
    for event in events(filters)[:EXPORT_ROWS].iterator():
        when = timezone.localtime(event["moment"]).replace(tzinfo=None)
        sheet.append(
            [when, str(KINDS.get(event["event"], event["event"])), safe_cell(event["person"]),
             safe_cell(_bare_address(event)), safe_cell(event["why"] or "")]
        )  # fmt: skip
        count += 1
    out = io.BytesIO()
    book.save(out)
    Download.record(request.user, Download.Kind.AUDIT, request.GET.urlencode() or "-", count)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="jejak-audit.xlsx"'
    return response


def _bare_address(event: dict) -> str:
    """PostgreSQL writes an address as text with its mask (10.0.0.7/32): the address alone."""
    subject = event["subject"] or ""
    if event["event"] in ("sign_in", "failed_sign_in", "lock_out"):
        return subject.removesuffix("/32").removesuffix("/128")
    return subject


def _cell(value, *, bold: bool, sheet):
    cell = WriteOnlyCell(sheet, value=str(value))
    if bold:
        cell.font = HEADER_FONT
    return cell
