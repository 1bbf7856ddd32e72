"""The figures of a distribution, counted in the database and summed in whole Rupiah: the
decree's annex (families and Rupiah per desa, kecamatan and district), a tranche by status and
by desa, and a list's realisation by tranche, funding source and status."""

from __future__ import annotations

import io

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from programs.intake.writers import safe_cell
from programs.models import RecipientList

from . import money
from .models import Funding, Payment, Tranche

STATUS = Payment.Status
# A tranche's columns, in the order a report reads them.
SHOWN = (STATUS.PLANNED, STATUS.PAID, STATUS.FAILED, STATUS.RETURNED, STATUS.UNCLAIMED,
         STATUS.CORRECTED, STATUS.STOPPED)  # fmt: skip


def annex(recipients: RecipientList) -> dict:
    """Families and Rupiah of the approved list per kecamatan and desa, and in all."""
    program = recipients.target
    per_month, months = program.benefit_per_month, program.months
    counts = (
        recipients.entries.values("desa_id", "desa__name", "desa__parent__name")
        .annotate(n=Count("pk"))
        .order_by("desa__parent__name", "desa__name")
    )
    places: dict[str, dict] = {}
    for row in counts:
        kecamatan = places.setdefault(
            row["desa__parent__name"] or "-", {"families": 0, "villages": []}
        )
        kecamatan["villages"].append(
            {
                "id": row["desa_id"],
                "name": row["desa__name"] or "-",
                "families": row["n"],
                "per_month": money.total(per_month, row["n"]),
                "total": money.total(per_month, row["n"], months),
            }
        )
        kecamatan["families"] += row["n"]
    rows = [
        {
            "name": name,
            "families": place["families"],
            "per_month": money.total(per_month, place["families"]),
            "total": money.total(per_month, place["families"], months),
            "villages": place["villages"],
        }
        for name, place in places.items()
    ]
    families = sum(row["families"] for row in rows)
    return {
        "kecamatan": rows,
        "families": families,
        "benefit": per_month,
        "months": months,
        "per_month": money.total(per_month, families),
        "total": money.total(per_month, families, months),
    }


def annex_xlsx(recipients: RecipientList, found: dict, *, purpose: str, by) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _("Annex")[:31]
    who = by.get_full_name() or by.username
    for line in (
        _("Annex to decree %(number)s of %(date)s") % {
            "number": recipients.decree_number or "-",
            "date": recipients.decree_date.strftime("%d-%m-%Y") if recipients.decree_date else "-",
        },
        f"{recipients.target.code} · {recipients.target.name} · v{recipients.version}",
        _("Printed by %(who)s on %(when)s for: %(purpose)s") % {
            "who": who, "when": timezone.localtime().strftime("%d-%m-%Y %H:%M"),
            "purpose": purpose,
        },
        "",
    ):  # fmt: skip
        sheet.append([safe_cell(line)])
    sheet.append(
        [_("Kecamatan"), _("Desa"), _("Families"), _("Rp per month"), _("Months"), _("Total Rp")]
    )
    for kecamatan in found["kecamatan"]:
        for village in kecamatan["villages"]:
            sheet.append(
                [safe_cell(kecamatan["name"]), safe_cell(village["name"]), village["families"],
                 village["per_month"], found["months"], village["total"]]
            )  # fmt: skip
        sheet.append(
            [safe_cell(_("Total %(name)s") % {"name": kecamatan["name"]}), "",
             kecamatan["families"], kecamatan["per_month"], found["months"], kecamatan["total"]]
        )  # fmt: skip
    sheet.append(
        [_("District total"), "", found["families"], found["per_month"], found["months"],
         found["total"]]
    )  # fmt: skip
    head = recipients.approved_by
    for line in ("", _("Head of the Social Affairs Office"), "", "", ""):  # room to sign
        sheet.append(["", "", "", "", safe_cell(line)])
    sheet.append(["", "", "", "", safe_cell(head.get_full_name() or head.username)])
    book.properties.creator, book.properties.description = who, purpose
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _figures(payments: QuerySet) -> dict:
    return payments.aggregate(
        **{f"n_{s}": Count("pk", filter=Q(status=s)) for s in SHOWN},
        **{f"rp_{s}": Sum("amount", filter=Q(status=s), default=0) for s in SHOWN},
    )


def by_status(payments: QuerySet) -> list[tuple[str, str, int, int]]:
    """(status, label, families, Rupiah) for each status."""
    figures = _figures(payments)
    return [(s, STATUS(s).label, figures[f"n_{s}"], figures[f"rp_{s}"]) for s in SHOWN]


def by_desa(tranche: Tranche) -> list[dict]:
    """Per kecamatan and desa: families and Rupiah of each status."""
    rows = (
        tranche.payments.values("desa_id", "desa__name", "desa__parent__name")
        .annotate(
            **{f"n_{s}": Count("pk", filter=Q(status=s)) for s in SHOWN},
            rp=Sum("amount"),
        )
        .order_by("desa__parent__name", "desa__name")
    )
    return [
        {
            "id": row["desa_id"],
            "kecamatan": row["desa__parent__name"],
            "name": row["desa__name"],
            "counts": [(s, row[f"n_{s}"]) for s in SHOWN],
            "rp": row["rp"] or 0,
        }
        for row in rows
    ]


def table(recipients: RecipientList) -> list[dict]:
    """Each tranche, then each funding source in it: families and Rupiah of each status (one
    grouped query)."""
    labels = dict(Funding.choices)
    grouped = (
        Payment.objects.filter(tranche__recipients=recipients)
        .values("tranche_id", "funding")
        .annotate(
            **{f"n_{s}": Count("pk", filter=Q(status=s)) for s in SHOWN},
            **{f"rp_{s}": Sum("amount", filter=Q(status=s), default=0) for s in SHOWN},
        )
        .order_by("tranche_id", "funding")
    )
    sources: dict[int, list] = {}
    for row in grouped:
        sources.setdefault(row["tranche_id"], []).append(
            (row["funding"], labels.get(row["funding"], row["funding"]), row)
        )
    return [
        {"tranche": tranche, "sources": sources.get(tranche.pk, [])}
        for tranche in recipients.tranches.order_by("number")
    ]


def table_xlsx(recipients: RecipientList, found: list[dict]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _("Realisation")[:31]
    sheet.append([safe_cell(f"{recipients.target.code} · {recipients.target.name}")])
    sheet.append([])
    header = [_("Tranche"), _("Funding")]
    for status in SHOWN:
        header += [f"{STATUS(status).label} (KK)", f"{STATUS(status).label} (Rp)"]
    sheet.append(header)
    for row in found:
        for _source, label, figures in row["sources"]:
            line = [safe_cell(row["tranche"].label), safe_cell(str(label))]
            for status in SHOWN:
                line += [figures[f"n_{status}"], figures[f"rp_{status}"]]
            sheet.append(line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
