"""What changed between two versions of a roster, family by family.

A family is known across versions by the numbers the cross-check trusts: rows of either version
that share a No. KK or a head's NIK are one family, through any chain of such links (a family
that split keeps its head's NIK; one whose card was reissued keeps its number). Numbers that
are not 16 digits (damaged by Excel, typed short) link nothing. Then for each family:

- only in the new version: it **joined**; only in the old one: it **left**;
- in both: its **desil** changed (both known and different), its **head** changed (both heads
  known and different NIK), it **moved** to another desa (both known and different). One family
  may have several of these.

Plain Python, no Django: the caller reads the rows and stores the changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

JOINED, LEFT, DESIL, HEAD, MOVED = "joined", "left", "desil", "head", "moved"


class Family(NamedTuple):
    """One roster row: the caller's key and what is compared."""

    key: object
    no_kk: str
    nik: str
    desil: int | None
    place: object  # the desa (its id), or None when the row's desa is not known


class Change(NamedTuple):
    kind: str
    old: Family | None
    new: Family | None
    before: object = None
    after: object = None


def _number(text: str) -> str:
    return text if len(text) == 16 and text.isdigit() else ""


def compare(old: Iterable[Family], new: Iterable[Family]) -> list[Change]:
    """Every change from `old` to `new`, in the order of the families' first rows."""
    rows = [(False, f) for f in old] + [(True, f) for f in new]
    parent = list(range(len(rows)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[tuple[str, str], int] = {}
    for i, (_is_new, family) in enumerate(rows):
        for mark in (("kk", _number(family.no_kk)), ("nik", _number(family.nik))):
            if mark[1]:
                j = first.setdefault(mark, i)
                a, b = root(i), root(j)
                if a != b:
                    parent[max(a, b)] = min(a, b)

    groups: dict[int, tuple[list[Family], list[Family]]] = {}
    for i, (is_new, family) in enumerate(rows):
        groups.setdefault(root(i), ([], []))[is_new].append(family)

    changes: list[Change] = []
    for before, after in groups.values():
        if not before:
            changes.extend(Change(JOINED, None, family) for family in after)
        elif not after:
            changes.extend(Change(LEFT, family, None) for family in before)
        else:
            changes.extend(_compared(*_pair(before, after)))
    return changes


def _pair(before: list[Family], after: list[Family]) -> tuple[Family, Family]:
    """The old and new rows that stand for the family: the pair sharing the head's NIK, else
    the pair sharing the No. KK, else the first of each (listed twice, linked by a chain)."""
    for number in ("nik", "no_kk"):
        old_by = {_number(getattr(f, number)): f for f in reversed(before)}
        for new in after:
            old = old_by.get(_number(getattr(new, number)))
            if old is not None and _number(getattr(new, number)):
                return old, new
    return before[0], after[0]


def _compared(old: Family, new: Family) -> list[Change]:
    found = []
    if old.desil is not None and new.desil is not None and old.desil != new.desil:
        found.append(Change(DESIL, old, new, old.desil, new.desil))
    old_head, new_head = _number(old.nik), _number(new.nik)
    if old_head and new_head and old_head != new_head:
        found.append(Change(HEAD, old, new, old.nik, new.nik))
    if old.place is not None and new.place is not None and old.place != new.place:
        found.append(Change(MOVED, old, new, old.place, new.place))
    return found
