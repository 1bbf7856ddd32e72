"""The figures of a distribution, counted in the database and summed in whole Rupiah: the
decree's annex (families and Rupiah per desa, kecamatan and district), a tranche by status and
by desa, and a list's realisation by tranche, funding source and status."""

from __future__ import annotations

import io

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from programs.intake.writers import safe_cell
from programs.models import RecipientList

from . import money
from .models import Funding, Payment, Tranche
from .payments import lineage

STATUS = Payment.Status
# A tranche's columns, in the order a report reads them.
SHOWN = (STATUS.PLANNED, STATUS.PAID, STATUS.FAILED, STATUS.RETURNED, STATUS.UNCLAIMED,
         STATUS.CORRECTED, STATUS.STOPPED)  # fmt: skip
# The realisation's columns: each payment in one of them, a corrected one as paid later (a
# later tranche paid it as arrears) or waiting (not paid yet).
COLUMNS = [
    ("planned", STATUS.PLANNED.label),
    ("paid", STATUS.PAID.label),
    ("late", gettext_lazy("paid later as arrears")),
    ("failed", STATUS.FAILED.label),
    ("returned", STATUS.RETURNED.label),
    ("unclaimed", STATUS.UNCLAIMED.label),
    ("waiting", gettext_lazy("corrected, not paid yet")),
    ("stopped", STATUS.STOPPED.label),
]


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


def _paid_later(recipients: RecipientList) -> list[dict]:
    """The list's corrected payments whose amount a later payment paid in the end (a chain of
    corrections followed across the list's versions): each with its tranche, funding source,
    desa and own share. Realisation counts them where they were owed, not where paid."""
    versions = lineage(recipients)
    corrected = {
        row["pk"]: row
        for row in Payment.objects.filter(
            tranche__recipients__in=versions, status=STATUS.CORRECTED
        ).values("pk", "paid_with_id", "tranche_id", "tranche__recipients_id", "funding",
                 "desa_id", "amount", "arrears")
    }  # fmt: skip
    carried = dict(  # the payments that carried them, and how those ended
        Payment.objects.filter(
            arrears_of__tranche__recipients__in=versions, arrears_of__status=STATUS.CORRECTED
        ).values_list("pk", "status")
    )
    found = []
    for row in corrected.values():
        if row["tranche__recipients_id"] != recipients.pk:
            continue
        carrier, seen = row["paid_with_id"], set()
        while carrier in corrected and carrier not in seen:  # corrected again: follow it
            seen.add(carrier)
            carrier = corrected[carrier]["paid_with_id"]
        if carrier is not None and carried.get(carrier) == STATUS.PAID:
            found.append({**row, "own": row["amount"] - row["arrears"]})
    return found


def _with_late(figures: dict, late: list[dict]) -> dict:
    figures["n_late"] = len(late)
    figures["n_waiting"] = figures["n_corrected"] - figures["n_late"]
    figures["rp_late"] = sum(row["own"] for row in late)
    figures["rp_realised"] = figures["rp_paid"] + figures["rp_late"]
    return figures


# Rupiah paid for the tranche itself: a payment carrying arrears pays earlier tranches too.
OWN = F("amount") - F("arrears")


def _grouped(payments: QuerySet, *by: str) -> QuerySet:
    return (
        payments.values(*by)
        .annotate(
            **{f"n_{s}": Count("pk", filter=Q(status=s)) for s in SHOWN},
            **{f"rp_{s}": Sum("amount", filter=Q(status=s), default=0) for s in SHOWN},
            rp_paid_own=Sum(OWN, filter=Q(status=STATUS.PAID), default=0),
        )
        .order_by(*by)
    )


def table(recipients: RecipientList) -> list[dict]:
    """Each tranche, then each funding source in it: families and Rupiah of each status (one
    grouped query). `rp_paid` is what the tranche's families were paid for it; `n_late` and
    `rp_late` what a later tranche paid them for it as arrears once their village corrected a
    failed payment; `rp_out` the Rupiah the channel paid out with the tranche, arrears of
    earlier tranches included."""
    labels = dict(Funding.choices)
    late: dict[tuple[int, str], list[dict]] = {}
    for row in _paid_later(recipients):
        late.setdefault((row["tranche_id"], row["funding"]), []).append(row)
    sources: dict[int, list] = {}
    for row in _grouped(
        Payment.objects.filter(tranche__recipients=recipients), "tranche_id", "funding"
    ):
        row["rp_out"], row["rp_paid"] = row["rp_paid"], row["rp_paid_own"]
        _with_late(row, late.pop((row["tranche_id"], row["funding"]), []))
        sources.setdefault(row["tranche_id"], []).append(
            (row["funding"], labels.get(row["funding"], row["funding"]), row)
        )
    return [
        {"tranche": tranche, "sources": sources.get(tranche.pk, [])}
        for tranche in recipients.tranches.order_by("number")
    ]


def places(recipients: RecipientList, tranche: Tranche | None = None) -> list[dict]:
    """Per kecamatan, then its desa: payments of each status over the list's tranches (or
    one), Rupiah paid for them, and those paid later as arrears; a kecamatan row sums its
    desa."""
    late: dict[int, list[dict]] = {}
    for row in _paid_later(recipients):
        if tranche is None or row["tranche_id"] == tranche.pk:
            late.setdefault(row["desa_id"], []).append(row)
    found = Payment.objects.filter(tranche__recipients=recipients)
    if tranche is not None:
        found = found.filter(tranche=tranche)
    kecamatan: dict[int | None, dict] = {}
    keys = [f"n_{key}" for key, _label in COLUMNS] + ["rp_paid", "rp_late", "rp_realised"]
    for row in _grouped(
        found, "desa__parent_id", "desa__parent__name", "desa_id", "desa__name"
    ).order_by("desa__parent__name", "desa__name"):
        row["rp_paid"] = row["rp_paid_own"]
        _with_late(row, late.get(row["desa_id"], []))
        place = kecamatan.setdefault(
            row["desa__parent_id"],
            {"id": row["desa__parent_id"], "name": row["desa__parent__name"] or "-",
             "villages": [], **dict.fromkeys(keys, 0)},
        )  # fmt: skip
        place["villages"].append(
            {"id": row["desa_id"], "name": row["desa__name"] or "-", **{k: row[k] for k in keys}}
        )
        for key in keys:
            place[key] += row[key]
    return list(kecamatan.values())


def paid_later(recipients: RecipientList, tranche: Tranche | None = None) -> list[int]:
    """The payments behind a "paid later" number: of the list (or one tranche)."""
    return [
        row["pk"]
        for row in _paid_later(recipients)
        if tranche is None or row["tranche_id"] == tranche.pk
    ]


def table_xlsx(
    recipients: RecipientList,
    found: list[dict],
    by_place: list[dict],
    tranche: Tranche | None = None,
) -> bytes:
    """The realisation for the province's report: by tranche and funding source, then per
    kecamatan and desa."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Realisation")[:31]
    sheet.append([safe_cell(f"{recipients.target.code} · {recipients.target.name}")])
    sheet.append([])
    counts = [f"{label} (KK)" for _key, label in COLUMNS]
    rupiah = [_("Realised (Rp)"), _("Paid out with the tranche (Rp)")]
    sheet.append([_("Tranche"), _("Funding"), *counts, *rupiah])
    for row in found:
        for _source, label, figures in row["sources"]:
            sheet.append(
                [safe_cell(row["tranche"].label), safe_cell(str(label)),
                 *(figures[f"n_{key}"] for key, _label in COLUMNS), figures["rp_realised"],
                 figures["rp_out"]]
            )  # fmt: skip
    places_sheet = book.create_sheet(_("Per desa")[:31])
    places_sheet.append([safe_cell(tranche.label if tranche else _("all tranches"))])
    places_sheet.append([_("Kecamatan"), _("Desa"), *counts, _("Realised (Rp)")])
    for kecamatan in by_place:
        for place in [*kecamatan["villages"], None]:
            shown = place or kecamatan
            name = place["name"] if place else _("Total %(name)s") % {"name": kecamatan["name"]}
            places_sheet.append(
                [safe_cell(kecamatan["name"]), safe_cell(name),
                 *(shown[f"n_{key}"] for key, _label in COLUMNS), shown["rp_realised"]]
            )  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
