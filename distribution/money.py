"""Rupiah arithmetic in whole Rupiah: integers only, never floats (a float's 0.1 of a Rupiah
lost over 71,000 families is a reconciliation the bank will not sign). Plain Python."""

from __future__ import annotations

import re
from collections.abc import Iterable

_DIGITS = re.compile(r"\d+")


def total(amount_per_family: int, families: int, months: int = 1) -> int:
    """What `families` receive at `amount_per_family` a month over `months`."""
    for value in (amount_per_family, families, months):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"whole, non-negative numbers only: {value!r}")
    return amount_per_family * families * months


def parse_rupiah(text: str) -> int | None:
    """A Rupiah amount as banks and offices write it: "Rp250.000", "250,000", "250.000,00",
    "Rp 1.250.000,-", "250000". None when it is not a whole amount (a sen that is not zero, a
    negative, nothing at all)."""
    text = str(text).strip().replace(" ", "").upper()
    text = text.removeprefix("IDR").removeprefix("RP").removeprefix(".").removesuffix(",-")
    if not text or text.startswith("-"):
        return None
    # A decimal part is two digits after the last separator: "250.000,00", "250000.00".
    whole, cents = text, ""
    for mark in (",", "."):
        head, sep, tail = text.rpartition(mark)
        if sep and len(tail) in (1, 2) and tail.isdigit():  # "250000.0", "250.000,00"
            whole, cents = head, tail
            break
    if cents and int(cents):
        return None
    if not re.fullmatch(r"\d{1,3}([.,]\d{3})*|\d+", whole):
        return None
    return int("".join(_DIGITS.findall(whole)))


def sums(rows: Iterable[tuple[str, int]]) -> dict[str, tuple[int, int]]:
    """(key, amount) rows -> {key: (rows, Rupiah)}, and "" for all of them."""
    found: dict[str, tuple[int, int]] = {"": (0, 0)}
    for key, amount in rows:
        for at in (key, ""):
            n, rp = found.get(at, (0, 0))
            found[at] = (n + 1, rp + amount)
    return found
