"""An approved recipient list as the office's annex (lampiran SK): .xlsx with one sheet per
kecamatan, or a .zip of one .xlsx per desa. Every file says who exported it, when and why, in
its title rows and its document properties; every text cell is formula-safe."""

from __future__ import annotations

import io
import re
import zipfile
from collections import defaultdict

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from programs.models import ListExport
from programs.writers import HEADER_FONT, safe_cell


def columns() -> list[str]:
    return [
        _("No."),
        _("No. KK"),
        _("NIK"),
        _("Name of head"),
        _("Address"),
        "RT",
        "RW",
        _("Desa"),
        _("Kecamatan"),
        _("Rp per month"),
        _("Months"),
        _("Total Rp"),
    ]


def export(record: ListExport) -> tuple[bytes, str, str]:
    """(content, file name, content type) of the list as `record` asks for it."""
    recipients = record.recipients
    program = recipients.target
    allocations = recipients.allocations.select_related("proposal_row__desa__parent").order_by(
        "proposal_row__desa__parent__name", "proposal_row__desa__name", "pk"
    )
    groups: dict[str, list] = defaultdict(list)  # by region, never by name: names repeat
    for allocation in allocations:
        desa = allocation.proposal_row.desa
        if desa is None:
            key = _("desa not known")
        elif record.layout == ListExport.Layout.DESA:
            key = f"{desa.name} ({desa.parent.name})" if desa.parent else desa.name
        else:
            key = desa.parent.name if desa.parent else desa.name
        groups[key].append(allocation)
    phase = f" {_('phase')} {recipients.phase}" if recipients.phase else ""
    title = f"{recipients.round.name} · {program.code}{phase} · {_('version')} {recipients.version}"
    stamp = _("Exported by %(who)s on %(when)s for: %(purpose)s") % {
        "who": record.exported_by,
        "when": timezone.localtime(record.exported_at).strftime("%d-%m-%Y %H:%M"),
        "purpose": record.purpose,
    }
    approved = _("Approved by %(who)s on %(when)s") % {
        "who": recipients.approved_by,
        "when": timezone.localtime(recipients.approved_at).strftime("%d-%m-%Y"),
    }
    slug = f"{program.code.lower()}{recipients.phase or ''}-v{recipients.version}"
    if record.layout == ListExport.Layout.KECAMATAN:
        book = _workbook(title, stamp, record)
        for name, members in groups.items():
            _sheet(book, name, [title, approved, stamp], members, program)
        return _bytes(book), f"lampiran-{slug}.xlsx", XLSX
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as files:
        for name, members in groups.items():
            book = _workbook(title, stamp, record)
            _sheet(book, name, [title, approved, stamp], members, program)
            files.writestr(f"lampiran-{slug}-{_file_name(name)}.xlsx", _bytes(book))
    return archive.getvalue(), f"lampiran-{slug}-per-desa.zip", "application/zip"


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _workbook(title: str, stamp: str, record: ListExport) -> Workbook:
    book = Workbook()
    book.remove(book.active)
    book.properties.title = title
    book.properties.creator = str(record.exported_by)
    book.properties.description = stamp
    book.properties.subject = record.purpose
    return book


def _sheet(book: Workbook, name: str, heading: list[str], members: list, program) -> None:
    sheet = book.create_sheet(_sheet_name(name))
    for line in heading:
        sheet.append([safe_cell(line)])
    sheet.append([])
    sheet.append(columns())
    for cell in sheet[sheet.max_row]:
        cell.font = HEADER_FONT
    per_month, months = program.benefit_per_month, program.months
    for n, allocation in enumerate(members, start=1):
        row = allocation.proposal_row
        sheet.append(
            [
                n,
                row.no_kk,
                row.nik,
                safe_cell(row.name),
                safe_cell(row.address),
                row.rt,
                row.rw,
                row.desa.name if row.desa else "",
                row.desa.parent.name if row.desa else "",
                per_month,
                months,
                per_month * months,
            ]
        )


def _sheet_name(name: str) -> str:
    cleaned = "".join(c for c in name if c not in "[]:*?/\\'")
    return cleaned[:31] or "-"


def _file_name(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "-", name.lower()).strip("-") or "desa"


def _bytes(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
