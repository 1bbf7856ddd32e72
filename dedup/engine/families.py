"""One family, one place: which rows that may go on to allocation repeat a family an earlier
row already brings.

Rows are one family when they share a No. KK or a head's NIK, or when the cross-check linked
one to the other (a family on a roster and proposed twice is `in_roster`, with the earlier
row's USULAN label among its matches: the contract puts `in_roster` before
`duplicate_in_batch`), and so on through any chain of such links. Rows sharing a number are
one family even when staff judged the pair apart. NIK and No. KK are kept apart: a head's NIK
may equal another family's No. KK. The first row of each family goes on; the others repeat it.
"""

from collections.abc import Iterable
from typing import NamedTuple


class Listing(NamedTuple):
    """A row that may go on to allocation (new, or already on a roster), in proposal order."""

    key: object  # the caller's handle for the row
    no_kk: str
    nik: str
    label: str  # how other rows' matches name this row ("USULAN:12")
    matches: Iterable[str]  # the records this row was matched to


def repeats(listings: Iterable[Listing]) -> set:
    """The keys of the listings that repeat a family an earlier listing brings."""
    listings = list(listings)
    parent = list(range(len(listings)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i: int, j: int) -> None:
        a, b = root(i), root(j)
        if a != b:
            parent[max(a, b)] = min(a, b)  # the earlier listing stands for the family

    first: dict[tuple[str, str], int] = {}  # a number or a label -> its first listing
    for i, listing in enumerate(listings):
        for mark in (("kk", listing.no_kk), ("nik", listing.nik), ("row", listing.label)):
            if mark[1]:
                join(i, first.setdefault(mark, i))
        for label in listing.matches:
            if ("row", label) in first:
                join(i, first[("row", label)])
    return {listing.key for i, listing in enumerate(listings) if root(i) != i}
