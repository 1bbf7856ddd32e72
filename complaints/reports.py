"""The desk's figures for a month: complaints by category, channel, kecamatan, desa and status;
how long resolving took in working days (average and worst); how many are overdue. No names,
no NIK: the head prints it, and it leaves the office as an .xlsx."""

from __future__ import annotations

import datetime
import io
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from programs.writers import HEADER_FONT, safe_cell

from . import service_level
from .models import OPEN, Complaint, Step


@dataclass
class Report:
    month: datetime.date  # its first day
    total: int = 0
    by: dict[str, Counter] = field(default_factory=dict)  # dimension -> label -> count
    resolved: int = 0
    average_days: float | None = None
    worst_days: int | None = None
    overdue: int = 0  # open at the month's end (or today), past their due day
    late: int = 0  # resolved after their due day

    def tables(self) -> list[tuple[str, list[tuple[str, int]]]]:
        """(dimension, [(label, count), ...] most first) for the page."""
        return [(name, counts.most_common()) for name, counts in self.by.items()]


def month_report(month: datetime.date, today: datetime.date | None = None) -> Report:
    """The complaints received in `month`, as they stood at the month's end (or today, for
    the month under way): their steps up to then say their status and deadline, so a past
    month's summary prints the same later."""
    today = today or timezone.localdate()
    start = month.replace(day=1)
    end = (start + datetime.timedelta(days=32)).replace(day=1)
    as_of = min(today, end - datetime.timedelta(days=1))
    complaints = list(
        Complaint.objects.filter(received_at__date__gte=start, received_at__date__lt=end)
        .select_related("category", "desa__parent")
        .prefetch_related(Prefetch("steps", Step.objects.filter(at__date__lte=as_of)))
    )
    states = {complaint.pk: _state(complaint) for complaint in complaints}
    report = Report(month=start, total=len(complaints))
    dimensions = {
        _("Category"): lambda c: str(c.category),
        _("Channel"): lambda c: c.get_channel_display(),
        _("Kecamatan"): lambda c: c.desa.parent.name if c.desa and c.desa.parent else "-",
        # By the desa itself: names repeat across kecamatan.
        _("Desa"): lambda c: f"{c.desa.name}, {c.desa.parent.name}" if c.desa else "-",
        _("Status"): lambda c: str(Complaint.Status(states[c.pk][0]).label),
    }
    report.by = {name: Counter(label(c) for c in complaints) for name, label in dimensions.items()}
    days = []
    for complaint in complaints:
        status, due, when = states[complaint.pk]
        received = timezone.localdate(complaint.received_at)
        if status == Complaint.Status.RESOLVED:
            days.append(service_level.working_days_between(received, when))
            report.late += when > due
        elif status in OPEN and as_of > due:
            report.overdue += 1
    if days:
        report.resolved = len(days)
        report.average_days = round(sum(days) / len(days), 1)
        report.worst_days = max(days)
    return report


def _state(complaint: Complaint) -> tuple[str, datetime.date, datetime.date]:
    """(status, deadline, day of its last step) after the prefetched steps. A complaint logged
    after the day it came in (a letter read later) had no step yet: new, due for triage."""
    steps = list(complaint.steps.all())
    received = timezone.localdate(complaint.received_at)
    if not steps:
        return (
            Complaint.Status.NEW,
            service_level.due(received, complaint.category.triage_days),
            received,
        )
    last = steps[-1]
    return last.to_status, last.due_on or complaint.due_on, timezone.localdate(last.at)


def workbook(report: Report) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _("Summary")
    sheet.append([_("Complaints received in %(month)s") % {"month": f"{report.month:%m-%Y}"}])
    for label, value in (
        (_("Received"), report.total),
        (_("Resolved"), report.resolved),
        (_("Average working days to resolve"), report.average_days),
        (_("Longest, in working days"), report.worst_days),
        (_("Overdue"), report.overdue),
        (_("Resolved late"), report.late),
    ):
        sheet.append([label, value])
    for dimension, counts in report.by.items():
        part = book.create_sheet(dimension[:31])
        part.append([dimension, _("Complaints")])
        for cell in part[1]:
            cell.font = HEADER_FONT
        for label, n in counts.most_common():
            part.append([safe_cell(label), n])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
