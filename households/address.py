"""Address pieces as operators type them. Plain Python, no database."""

import re
from collections.abc import Iterable

from rapidfuzz import fuzz, process

_DIGITS = re.compile(r"\d+")


def normalize_rt_rw(raw: object) -> str:
    """'2', '02', '002', 'RT 2' and 2.0 are the same neighbourhood: '002'. Empty when unknown."""
    if raw is None:
        return ""
    text = str(raw).strip()
    if text.endswith(".0"):
        text = text[:-2]
    found = _DIGITS.findall(text)
    if len(found) != 1 or int(found[0]) == 0 or len(found[0].lstrip("0")) > 3:
        return ""
    return f"{int(found[0]):03d}"


def fold_name(name: str) -> str:
    """Upper case with single spaces: how names are stored for searching."""
    return " ".join(str(name).upper().replace(".", ". ").split()).replace(" .", ".")


_PLACE_PREFIX = re.compile(
    r"^(desa|ds|kelurahan|kel|kecamatan|kec|kabupaten|kab|kota)\b\.?\s*", re.IGNORECASE
)
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def fold_place(name: str) -> str:
    """'DS. Sido Mulyo', 'Desa SIDOMULYO' and 'sidomulyo' are the same place: 'sidomulyo'."""
    text = str(name or "").strip().lower()
    while (stripped := _PLACE_PREFIX.sub("", text, count=1)) != text:
        text = stripped
    return _NOT_ALNUM.sub("", text)


class PlaceIndex:
    """Finds a desa or kelurahan by the names an operator typed, within its kecamatan, because
    many villages share a name. Tolerates prefixes, spacing, case and one slip of spelling."""

    def __init__(self, villages: Iterable[tuple[int, str, str]]) -> None:
        """villages: (id, kecamatan name, village name)."""
        self._villages: dict[str, dict[str, int]] = {}
        for pk, kecamatan, village in villages:
            self._villages.setdefault(fold_place(kecamatan), {})[fold_place(village)] = pk

    def find(self, village: str, kecamatan: str) -> int | None:
        villages = self._kecamatan(kecamatan)
        if not villages:
            return None
        key = fold_place(village)
        if key in villages:
            return villages[key]
        match = process.extractOne(key, villages.keys(), scorer=fuzz.ratio, score_cutoff=88)
        return villages[match[0]] if match else None

    def _kecamatan(self, kecamatan: str) -> dict[str, int] | None:
        key = fold_place(kecamatan)
        if key in self._villages:
            return self._villages[key]
        match = process.extractOne(key, self._villages.keys(), scorer=fuzz.ratio, score_cutoff=88)
        return self._villages[match[0]] if match else None
