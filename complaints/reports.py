"""The desk's figures for a month, as they stood at its end (or today, for the month under
way): the complaints received, by category, channel, kecamatan, desa and status, and how many
were triaged late; those resolved in the month and how long that took in working days
(average, worst, how many late); and every complaint open and past its deadline, whenever it
came in. No names, no NIK: the head prints it, and it leaves the office as an .xlsx."""

from __future__ import annotations

import datetime
import io
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from programs.intake.writers import HEADER_FONT, safe_cell

from . import service_level
from .models import OPEN, Complaint, Step


@dataclass
class Report:
    month: datetime.date  # its first day
    total: int = 0  # received in the month
    by: dict[str, Counter] = field(default_factory=dict)  # dimension -> label -> count
    resolved: int = 0  # resolved in the month, whenever they came in
    average_days: float | None = None
    worst_days: int | None = None
    late: int = 0  # of those resolved, after their deadline
    triaged_late: int = 0  # of those received, given to someone after their triage deadline
    overdue: int = 0  # open at the month's end (or today) and past their deadline

    def tables(self) -> list[tuple[str, list[tuple[str, int]]]]:
        """(dimension, [(label, count), ...] most first) for the page."""
        return [(name, counts.most_common()) for name, counts in self.by.items()]


def month_report(month: datetime.date, today: datetime.date | None = None) -> Report:
    """The month's figures. Each complaint's status and deadline at the month's end come from
    its steps up to then, so a past month's summary prints the same later."""
    today = today or timezone.localdate()
    start = month.replace(day=1)
    end = (start + datetime.timedelta(days=32)).replace(day=1)
    as_of = min(today, end - datetime.timedelta(days=1))
    # Received by then, and open now or touched since the month began: a complaint closed
    # before and left alone is neither resolved in the month nor open at its end.
    complaints = list(
        Complaint.objects.filter(received_at__date__lte=as_of)
        .filter(Q(status__in=OPEN) | Q(steps__at__date__gte=start))
        .distinct()
        .select_related("category", "desa__parent")
        .prefetch_related(Prefetch("steps", Step.objects.filter(at__date__lte=as_of)))
    )
    states = {c.pk: _state(c, current=as_of == today) for c in complaints}
    received = [c for c in complaints if timezone.localdate(c.received_at) >= start]
    report = Report(month=start, total=len(received))
    dimensions = {
        _("Category"): lambda c: str(c.category),
        _("Channel"): lambda c: c.get_channel_display(),
        _("Kecamatan"): lambda c: c.desa.parent.name if c.desa and c.desa.parent else "-",
        # By the desa itself: names repeat across kecamatan.
        _("Desa"): lambda c: (
            ", ".join(r.name for r in (c.desa, c.desa.parent) if r) if c.desa else "-"
        ),
        _("Status"): lambda c: str(Complaint.Status(states[c.pk][0]).label),
    }
    report.by = {name: Counter(label(c) for c in received) for name, label in dimensions.items()}
    report.triaged_late = sum(_triaged_late(c, as_of) for c in received)
    days = []
    for complaint in complaints:
        status, due, when = states[complaint.pk]
        if status == Complaint.Status.RESOLVED and when >= start:
            came_in = timezone.localdate(complaint.received_at)
            days.append(service_level.working_days_between(came_in, when))
            report.late += when > due
        elif status in OPEN and as_of > due:
            report.overdue += 1
    if days:
        report.resolved = len(days)
        report.average_days = round(sum(days) / len(days), 1)
        report.worst_days = max(days)
    return report


def _triaged_late(complaint: Complaint, as_of: datetime.date) -> bool:
    """Given to someone after its triage deadline, or still new past it at `as_of`."""
    steps = list(complaint.steps.all())
    received = timezone.localdate(complaint.received_at)
    triage_due = (steps[0].due_on if steps else None) or service_level.due(
        received, complaint.category.triage_days
    )
    triaged = next((s for s in steps if s.from_status == Complaint.Status.NEW), None)
    return (timezone.localdate(triaged.at) if triaged else as_of) > triage_due


def _state(complaint: Complaint, *, current: bool) -> tuple[str, datetime.date, datetime.date]:
    """(status, deadline, day of its last step) after the prefetched steps; today's `current`
    state is the complaint's own (a category's new targets move its deadline). A complaint
    logged with a later date than it came in had no step yet: new, due for triage."""
    steps = list(complaint.steps.all())
    received = timezone.localdate(complaint.received_at)
    if not steps:
        return (
            Complaint.Status.NEW,
            service_level.due(received, complaint.category.triage_days),
            received,
        )
    when = timezone.localdate(steps[-1].at)
    if current:
        return complaint.status, complaint.due_on, when
    return steps[-1].to_status, steps[-1].due_on or complaint.due_on, when


def workbook(report: Report) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _("Summary")
    sheet.append([_("Complaints in %(month)s") % {"month": f"{report.month:%m-%Y}"}])
    for label, value in (
        (_("Received"), report.total),
        (_("Resolved in the month"), report.resolved),
        (_("Average working days to resolve"), report.average_days),
        (_("Longest, in working days"), report.worst_days),
        (_("Resolved late"), report.late),
        (_("Triaged late"), report.triaged_late),
        (_("Overdue at the month's end, all open complaints"), report.overdue),
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
