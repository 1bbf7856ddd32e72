"""What changed on a roster: counts per kecamatan and desa, each opening its list, and the list
as .xlsx."""

from __future__ import annotations

import io

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from openpyxl import Workbook

from bansos.paging import paged
from households.access import district, role_required
from households.models import Download
from programs.intake.writers import XLSX, safe_cell
from programs.models import RosterRow, RosterVersion

from .models import RosterChange

KINDS = RosterChange.Kind


@role_required(district)
@require_GET
def roster_changes(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(RosterVersion.objects.select_related("program"), pk=pk)
    changes = RosterChange.objects.filter(version=version)
    grouped = changes.values(
        "desa_id", "desa__name", "desa__parent_id", "desa__parent__name", "kind"
    ).annotate(n=Count("pk"))
    kecamatan: dict = {}  # (name, id) -> {"counts": {...}, "villages": {(name, id): {...}}}
    totals = dict.fromkeys(KINDS.values, 0)
    for group in grouped.order_by():
        place = kecamatan.setdefault(
            (group["desa__parent__name"] or "", group["desa__parent_id"]),
            {"counts": dict.fromkeys(KINDS.values, 0), "villages": {}},
        )
        village = place["villages"].setdefault(
            (group["desa__name"] or "", group["desa_id"]), dict.fromkeys(KINDS.values, 0)
        )
        for counts in (village, place["counts"], totals):
            counts[group["kind"]] += group["n"]
    places = [
        {
            "name": name,
            "id": pk_,
            "counts": list(place["counts"].items()),
            "villages": [
                {"name": desa, "id": desa_id, "counts": list(counts.items())}
                for (desa, desa_id), counts in sorted(place["villages"].items())
            ],
        }
        for (name, pk_), place in sorted(kecamatan.items())
    ]
    replaced = changes.values_list("replaced__period", flat=True).first()
    return render(
        request,
        "verification/roster_changes.html",
        {
            "version": version,
            "replaced": replaced,
            "kinds": KINDS.choices,
            "places": places,
            "totals": [totals[kind] for kind in KINDS.values],
        },
    )


def _filtered(request: HttpRequest, version: RosterVersion):
    changes = RosterChange.objects.filter(version=version).select_related("desa__parent")
    if request.GET.get("kind") in KINDS.values:
        changes = changes.filter(kind=request.GET["kind"])
    if request.GET.get("kecamatan", "").isdigit():
        changes = changes.filter(desa__parent_id=int(request.GET["kecamatan"]))
    if request.GET.get("desa", "").isdigit():
        changes = changes.filter(desa_id=int(request.GET["desa"]))
    elif request.GET.get("desa") == "none":
        changes = changes.filter(desa__isnull=True)
    return changes.order_by("desa__parent__name", "desa__name", "kind", "pk")


def _with_rows(changes) -> list[RosterChange]:
    """Each change with its old and new roster rows (read from their versions' partitions)."""
    changes = list(changes)
    ids = {i for c in changes for i in (c.old_row_id, c.new_row_id) if i}
    rows = RosterRow.objects.in_bulk(ids)
    for change in changes:
        change.old = rows.get(change.old_row_id)
        change.new = rows.get(change.new_row_id)
        change.family = change.new or change.old
    return changes


@role_required(district)
@require_GET
def roster_change_list(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(RosterVersion.objects.select_related("program"), pk=pk)
    page, query = paged(request, _filtered(request, version))
    page.object_list = _with_rows(page.object_list)
    return render(
        request,
        "verification/roster_change_list.html",
        {"version": version, "page": page, "query": query, "kinds": KINDS.choices},
    )


@role_required(district)
@require_GET
def roster_changes_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(RosterVersion.objects.select_related("program"), pk=pk)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Changes"))
    sheet.append(
        [_("Kind of change"), _("Kecamatan"), _("Desa or kelurahan"), _("Name"), "NIK", "No. KK",
         _("Before"), _("After")]
    )  # fmt: skip
    count = 0
    changes = _filtered(request, version)
    for start in range(0, changes.count(), 5_000):
        for change in _with_rows(changes[start : start + 5_000]):
            family = change.family
            sheet.append(
                [str(change.get_kind_display()),
                 change.desa.parent.name if change.desa and change.desa.parent else "",
                 change.desa.name if change.desa else "",
                 safe_cell(family.name if family else ""), family.nik if family else "",
                 family.no_kk if family else "", safe_cell(change.before),
                 safe_cell(change.after)]
            )  # fmt: skip
            count += 1
    out = io.BytesIO()
    book.save(out)
    Download.record(
        request.user, Download.Kind.ROSTER_CHANGES, f"{version} {request.GET.urlencode()}", count
    )
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    name = f"perubahan-{version.program.code}-{version.pk}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
