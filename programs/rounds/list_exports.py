"""An approved recipient list as the office's annex (lampiran SK): .xlsx with one sheet per
kecamatan, or a .zip of one .xlsx per desa; the provincial quota also as the proposal file
the province takes in. Every file says who exported it, when and why, in
its title rows and its document properties; every text cell is formula-safe."""

from __future__ import annotations

import io
import re
import zipfile
from collections import defaultdict

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from programs.intake.writers import HEADER_FONT, XLSX, safe_cell
from programs.models import ListExport


def person(user) -> str:
    """How a file names a person: by name, as an annex to a decree would, else the login."""
    return user.get_full_name() or user.username


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
    entries = recipients.entries.select_related("desa__parent").order_by(
        "desa__parent__name", "desa__name", "pk"
    )  # the families as the head approved them
    groups: dict[str, list] = defaultdict(list)  # by region, never by name: names repeat
    for entry in entries:
        desa = entry.desa
        if desa is None:
            key = _("desa not known")
        elif record.layout == ListExport.Layout.DESA:
            key = f"{desa.name} ({desa.parent.name})" if desa.parent else desa.name
        else:
            key = desa.parent.name if desa.parent else desa.name
        groups[key].append(entry)
    phase = f" {_('phase')} {recipients.phase}" if recipients.phase else ""
    title = f"{recipients.round.name} · {program.code}{phase} · {_('version')} {recipients.version}"
    stamp = _("Exported by %(who)s on %(when)s for: %(purpose)s") % {
        "who": person(record.exported_by),
        "when": timezone.localtime(record.exported_at).strftime("%d-%m-%Y %H:%M"),
        "purpose": record.purpose,
    }
    approved = _("Approved by %(who)s on %(when)s") % {
        "who": person(recipients.approved_by),
        "when": timezone.localtime(recipients.approved_at).strftime("%d-%m-%Y"),
    }
    if recipients.decree_number:  # the decree this list is the annex of, once entered
        approved += " · " + _("Decree %(number)s of %(date)s") % {
            "number": recipients.decree_number,
            "date": recipients.decree_date.strftime("%d-%m-%Y") if recipients.decree_date else "-",
        }
    slug = f"{program.code.lower()}{recipients.phase or ''}-v{recipients.version}"
    if record.layout == ListExport.Layout.PROVINCE:
        book = _workbook(title, stamp, record)
        _province_sheet(book, [title, approved, stamp], entries)
        return _bytes(book), f"usulan-provinsi-{slug}.xlsx", XLSX
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


def _workbook(title: str, stamp: str, record: ListExport) -> Workbook:
    book = Workbook()
    book.remove(book.active)
    book.properties.title = title
    book.properties.creator = person(record.exported_by)
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
    for n, row in enumerate(members, start=1):
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


# The province's proposal file: the columns of a DTSEN proposal (usulan), with the Kemendagri
# region codes the province matches on, written as the province reads them (never translated).
PROVINCE_HEADERS = [
    *("NO", "KODE WILAYAH", "PROVINSI", "KABUPATEN/KOTA", "KECAMATAN", "DESA/KELURAHAN"),
    *("NO KK", "NIK", "NAMA KEPALA KELUARGA", "JENIS KELAMIN", "TANGGAL LAHIR", "ALAMAT"),
    *("RT", "RW", "SUMBER USULAN"),
]


def _province_sheet(book: Workbook, heading: list[str], entries) -> None:
    """One sheet of every family (USULAN) and a count per kecamatan and desa (REKAP)."""
    sheet = book.create_sheet("USULAN")
    for line in heading:
        sheet.append([safe_cell(line)])
    sheet.append([])
    sheet.append(PROVINCE_HEADERS)
    for cell in sheet[sheet.max_row]:
        cell.font = HEADER_FONT
    counts: dict[tuple[str, str], int] = defaultdict(int)
    rows = entries.select_related(
        "desa__parent__parent__parent", "allocation__proposal_row__batch__unit"
    )
    for n, entry in enumerate(rows, start=1):
        desa = entry.desa
        kecamatan = desa.parent if desa else None
        district = kecamatan.parent if kecamatan else None
        province = district.parent if district else None
        source = entry.allocation.proposal_row.batch.unit if entry.allocation else ""
        counts[(kecamatan.name if kecamatan else "", desa.name if desa else "")] += 1
        sheet.append(
            [
                n,
                desa.code if desa else "",
                *(r.name if r else "" for r in (province, district, kecamatan, desa)),
                entry.no_kk,
                entry.nik,
                safe_cell(entry.name),
                entry.sex,
                entry.birth_date.strftime("%d-%m-%Y") if entry.birth_date else "",
                safe_cell(entry.address),
                entry.rt,
                entry.rw,
                safe_cell(str(source)),
            ]
        )
    for row in sheet.iter_rows(min_row=len(heading) + 3):
        for cell in (row[1], row[6], row[7], row[12], row[13]):  # codes and numbers as text
            cell.number_format = "@"
    summary = book.create_sheet("REKAP")
    summary.append(["KECAMATAN", "DESA/KELURAHAN", "JUMLAH KK"])
    for cell in summary[1]:
        cell.font = HEADER_FONT
    for (kecamatan, desa), n in sorted(counts.items()):
        summary.append([kecamatan, desa, n])
    summary.append(["", "JUMLAH", sum(counts.values())])


def _sheet_name(name: str) -> str:
    cleaned = "".join(c for c in name if c not in "[]:*?/\\'")
    return cleaned[:31] or "-"


def _file_name(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "-", name.lower()).strip("-") or "desa"


def _bytes(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
