"""The allocation round's dashboard page: the figures of `programs.rounds.dashboard`, each a link to
the list of the families it counts, with bars drawn as inline SVG (no script, no inline style)."""

from __future__ import annotations

from typing import NamedTuple
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from households.access import district, role_required
from programs.models import AllocationRound
from programs.rounds import dashboard
from programs.rounds.dashboard import Column, Figures, Place

ELIGIBLE = _("go on to allocation")  # new families and those on a roster, together
# Stacked segments in order; every bar has its numbers written beside it.
COLOURS = ("#0b6e4f", "#7cb9a3", "#c9a227", "#5b6675")


class Cell(NamedTuple):
    n: int
    url: str  # "": no one list holds exactly these (two lists, or a desa not known)


@role_required(district)
@require_GET
def round_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    """A round at a glance: what the cross-check found, where the families went and what they
    cost, for the district, by kecamatan and by desa of the kecamatan asked for
    (?kecamatan=<id>). Every number opens the list of the families it counts."""
    round_ = get_object_or_404(AllocationRound.objects.select_related("run"), pk=pk)
    chosen = request.GET.get("kecamatan", "")
    board = dashboard.figures(round_, kecamatan=int(chosen) if chosen.isdigit() else None)
    link = _Links(round_)
    district = board.district
    context = {
        "round": round_,
        "board": board,
        "checks": [(c.label, link(c, district)) for c in board.checks],
        "eligible": [(c.label, link(c, district)) for c in board.eligible],
        "funnel": _funnel(board, link),
        "rosters": [
            (c.label, link(c, district), _bar([c.count(district)], district.collected))
            for c in board.rosters
        ],
        "targets": [
            {
                "target": t.target,
                "parts": [
                    (c.label, link(c, district), c.count(district) * c.cost)
                    for c in (t.allocated, *t.steps)
                ],
            }
            for t in board.targets
        ],
        "budget": Cell(board.budget(district), link.families(district)),
        "kecamatan": _table(board, board.kecamatan, district, link),
        "desa": _table(board, board.desa, board.chosen, link) if board.chosen else None,
    }
    return render(request, "programs/round_dashboard.html", context)


class _Links:
    """The list behind a count: the run's results page or the round's families page, filtered
    to the place. Each column's filters are encoded once: a page has a thousand links."""

    def __init__(self, round_: AllocationRound) -> None:
        results = reverse("dedup:results", args=[round_.run_id]) if round_.run_id else ""
        families = reverse("programs:round_families", args=[round_.pk])
        self.pages = {dashboard.RESULTS: results, dashboard.FAMILIES: families}
        self.queries: dict[tuple, str] = {}

    def __call__(self, column: Column, place: Place) -> Cell:
        return Cell(column.count(place), self._url(column.page, column.filters, place))

    def families(self, place: Place) -> str:
        return self._url(dashboard.FAMILIES, (), place)

    def _url(self, page: str, filters: tuple, place: Place) -> str:
        if not self.pages[page] or (place.level and place.pk is None):
            return ""
        if filters not in self.queries:
            self.queries[filters] = urlencode(filters)
        query = "&".join(
            filter(None, [self.queries[filters], place.level and f"{place.level}={place.pk}"])
        )
        return f"{self.pages[page]}?{query}" if query else self.pages[page]


def _funnel(board: Figures, link: _Links) -> list[tuple[str, Cell, list, bool]]:
    """(label, count, bar, a step of a target's) from the proposals to each target's steps,
    every bar against the proposals collected."""
    district, scale = board.district, board.district.collected
    rows = [
        (c.label, link(c, district), _bar([c.count(district)], scale), False) for c in board.checks
    ]
    rows.append(
        (
            ELIGIBLE,
            Cell(district.eligible, ""),  # two lists: new and on a roster, linked in the cards
            _bar([c.count(district) for c in board.eligible], scale),
            False,
        )
    )
    for target in board.targets:
        for column in (target.allocated, *target.steps):
            cell = link(column, district)
            rows.append((column.label, cell, _bar([cell.n], scale), column is not target.allocated))
    return rows


def _table(board: Figures, places: list[Place], total: Place, link: _Links) -> dict:
    """Kecamatan or desa rows and their total: the cross-check's counts with a bar of what goes
    on to allocation, the families per target and step with a bar per target, the budget."""
    collected = max((p.collected for p in places), default=0)
    allocated = max((_allocated(board, p) for p in places), default=0)
    return {
        "checks": [
            *(c.label for c in board.checks),
            ELIGIBLE,
            *(c.label for c in (*board.eligible, *board.rosters)),
        ],
        "targets": [(t.allocated.label, [s.label for s in t.steps]) for t in board.targets],
        "rows": [_row(board, place, link, collected, allocated) for place in places],
        "total": _row(board, total, link, total.collected, _allocated(board, total)),
    }


def _row(board: Figures, place: Place, link: _Links, collected: int, allocated: int) -> dict:
    eligible = [link(c, place) for c in board.eligible]
    return {
        "place": place,
        "checks": [
            *(link(c, place) for c in board.checks),
            Cell(place.eligible, ""),  # two lists, linked beside it
            *eligible,
            *(link(c, place) for c in board.rosters),
        ],
        "targets": [link(c, place) for t in board.targets for c in (t.allocated, *t.steps)],
        "budget": Cell(board.budget(place), link.families(place)),
        "check_bar": _bar([cell.n for cell in eligible], collected),
        "target_bar": _bar([t.allocated.count(place) for t in board.targets], allocated),
    }


def _allocated(board: Figures, place: Place) -> int:
    return sum(t.allocated.count(place) for t in board.targets)


def _bar(values: list[int], scale: int) -> list[tuple[str, str, str]]:
    """(x, width, colour) of each value's segment, stacked, in hundredths of `scale`: SVG
    attributes, written with a point whatever the page's language."""
    segments, x = [], 0.0
    for value, colour in zip(values, COLOURS, strict=False):
        width = 100 * value / max(scale, 1)
        segments.append((f"{x:.2f}", f"{width:.2f}", colour))
        x += width
    return segments
