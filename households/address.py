"""Address pieces as operators type them. Plain Python, no database."""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from rapidfuzz.distance import OSA

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


def tidy_name(name: str) -> str:
    """Upper case with single spaces: how names are stored and searched (the matcher compares
    names by `dedup.engine.normalize.fold_name`, which also drops titles and old spellings)."""
    return " ".join(str(name).upper().replace(".", ". ").split()).replace(" .", ".")


# Names an operator types when the name is unknown: "-", "XXX", "NN", "TIDAK ADA", "0".
_PLACEHOLDERS = {"NN", "TIDAK ADA", "TIDAK DIKETAHUI", "BELUM ADA", "NAMA", "KOSONG", "TANPA NAMA"}


def placeholder_name(name: str) -> bool:
    """No one's name: fewer than two letters, one letter over and over ("XXX"), or a word
    that stands in for a name ("NN", "TIDAK ADA"). Empty counts too."""
    text = " ".join(name.upper().split())
    letters = [c for c in text if c.isalpha()]
    return len(letters) < 2 or len(set(letters)) == 1 or text in _PLACEHOLDERS


# What operators put before a place name. A prefix is removed only as a whole word, so
# "Kecila" keeps its "Kec"; "Desa/Kel." and "Pemerintah Desa" come from letterheads.
_PLACE_PREFIX = re.compile(
    r"^(pemerintah(an)?\s+(desa|kelurahan|kecamatan|kabupaten|kota)|pemdes|pemkel|pemkab|pemkot"
    r"|desa|ds|kelurahan|kalurahan|kel|kecamatan|kec|kabupaten|kab|kota)\b[\s.,:;/-]*",
    re.IGNORECASE,
)
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")

# Spellings from before 1972 (van Ophuijsen, Soewandi) still on stamps, old KK and in the
# memory of older operators: TJANGKREPKIDOEL is Cangkrepkidul. Old j is today's y, so j and y
# share a key, and with it old dj (today's j), nj (ny) and sj (sy). Order matters: ch is read
# before tj turns into c, and dj into j before every j turns into y.
_OLD_SPELLING = (("ch", "kh"), ("tj", "c"), ("dj", "j"), ("j", "y"), ("oe", "u"))
_DOUBLED = re.compile(r"([a-z])\1+")


def fold_place(name: str) -> str:
    """'DS. Sido Mulyo', 'Desa SIDOMULYO' and 'sidomulyo' are the same place: 'sidomulyo'."""
    text = unicodedata.normalize("NFKD", str(name or "")).strip().lower()
    text = "".join(c for c in text if not unicodedata.combining(c))  # Kaliuríp is Kaliurip
    # Not down to nothing: Klaten has a desa called Kabupaten, Semarang one called Kelurahan.
    while (stripped := _PLACE_PREFIX.sub("", text, count=1)) != text and _NOT_ALNUM.sub(
        "", stripped
    ):
        text = stripped
    return _NOT_ALNUM.sub("", text)


def spelling_key(name: str) -> str:
    """One key for the old and the new spelling of a place and for doubled letters:
    'TJANGKREPKIDOEL', 'Cangkrep Kidul' and 'Cangkrepkiddul' share 'cangkrepkidul'. Only
    for comparing: two different villages can share a key."""
    return _undoubled(_respelled(fold_place(name)))


def _respelled(fold: str) -> str:
    for old, new in _OLD_SPELLING:
        fold = fold.replace(old, new)
    return fold


def _undoubled(text: str) -> str:
    return _DOUBLED.sub(r"\1", text)


_MOST_EDITS = 2


def _edits_allowed(length: int) -> int:
    """Letters that may be wrong in a name of this length (its spelling key). Villages of one
    kecamatan can differ by a single letter (Kedungsari and Kedungsri in Butuh, Wonosari and
    Wonosri in Ngombol), so a slip is only accepted when no other village is as close."""
    if length >= 7:
        return _MOST_EDITS
    if length >= 4:
        return 1
    return 0


@dataclass(frozen=True)
class Place:
    """How a typed desa and kecamatan were read. region is None when the desa is not known
    in that kecamatan, or when it could be several villages: then candidates names them."""

    region: int | None  # the desa/kelurahan id
    village: str  # the official village name when resolved, else ""
    kecamatan: str  # the official kecamatan name when the kecamatan was resolved, else ""
    village_read_as: bool  # typed differently beyond case, spaces and prefixes: tell the operator
    kecamatan_read_as: bool
    candidates: tuple[str, ...] = ()  # official names when the village is ambiguous


_UNKNOWN = Place(None, "", "", False, False)

_Value = TypeVar("_Value")


class _Names(Generic[_Value]):
    """The official names of one list (the villages of a kecamatan, the kecamatan of the
    district), with what each stands for."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.values: list[_Value] = []
        self._folds: list[str] = []
        self._respelled: list[str] = []
        self._keys: list[str] = []
        self._by_fold: dict[str, list[int]] = {}
        self._by_key: dict[str, list[int]] = {}

    def add(self, name: str, value: _Value) -> None:
        fold = fold_place(name)
        respelled = _respelled(fold)
        self._by_fold.setdefault(fold, []).append(len(self.names))
        self._by_key.setdefault(_undoubled(respelled), []).append(len(self.names))
        self._folds.append(fold)
        self._respelled.append(respelled)
        self._keys.append(_undoubled(respelled))
        self.names.append(name)
        self.values.append(value)

    def index_of(self, name: str) -> int | None:
        """Where the name already is (compared after folding), or None."""
        found = self._by_fold.get(fold_place(name))
        return found[0] if found else None

    def match(self, typed: str) -> tuple[list[int], bool]:
        """Positions of the official names the typed one can be (one when recognised, several
        when ambiguous, none when unknown), and whether it was read beyond case, spaces and
        prefixes."""
        fold = fold_place(typed)
        if not fold:
            return [], False
        if found := self._by_fold.get(fold):
            return found, False
        respelled = _respelled(fold)
        key = _undoubled(respelled)
        if found := self._by_key.get(key):
            return found, True
        # Wrong letters are counted on the key, and also as typed: a dropped letter can make
        # a double (Ngasinan typed NGASINN) or an old spelling (Botorejo typed BOTOEJO), and
        # reading those would cost a second letter.
        distances = [
            min(
                OSA.distance(key, official_key, score_cutoff=_MOST_EDITS),
                OSA.distance(respelled, official_respelled, score_cutoff=_MOST_EDITS),
                OSA.distance(fold, official_fold, score_cutoff=_MOST_EDITS),
            )
            for official_key, official_respelled, official_fold in zip(
                self._keys, self._respelled, self._folds, strict=True
            )
        ]
        best = min(distances, default=_MOST_EDITS + 1)
        closest = [i for i, distance in enumerate(distances) if distance == best]
        if all(best > _edits_allowed(len(self._keys[i])) for i in closest):
            return [], True
        return closest, True


class PlaceIndex:
    """Finds a desa or kelurahan by the names an operator typed, within its kecamatan, because
    many villages share a name. Tolerates prefixes, spacing, case, old spellings and a slip of
    a letter or two when no other village of the kecamatan is as close."""

    def __init__(self, villages: Iterable[tuple[int, str, str]]) -> None:
        """villages: (id, kecamatan name, village name)."""
        self._kecamatan: _Names[_Names[int]] = _Names()
        for pk, kecamatan, village in villages:
            at = self._kecamatan.index_of(kecamatan)
            if at is None:
                self._kecamatan.add(kecamatan, _Names())
                at = len(self._kecamatan.names) - 1
            self._kecamatan.values[at].add(village, pk)

    def resolve(self, village: str, kecamatan: str) -> Place:
        """The desa typed as village in the kecamatan typed as kecamatan. The kecamatan is
        required, because villages share names: Purworejo has three Tlogorejo and three
        Sumbersari. An unknown or ambiguous kecamatan resolves nothing."""
        found, kecamatan_read_as = self._kecamatan.match(kecamatan)
        if len(found) != 1:
            return _UNKNOWN
        kecamatan_name = self._kecamatan.names[found[0]]
        villages = self._kecamatan.values[found[0]]
        found, village_read_as = villages.match(village)
        if len(found) == 1:
            return Place(
                villages.values[found[0]],
                villages.names[found[0]],
                kecamatan_name,
                village_read_as,
                kecamatan_read_as,
            )
        return Place(
            None,
            "",
            kecamatan_name,
            False,
            kecamatan_read_as,
            tuple(sorted(villages.names[i] for i in found)),
        )

    def find(self, village: str, kecamatan: str) -> int | None:
        """The desa id, or None when it is unknown or ambiguous."""
        return self.resolve(village, kecamatan).region
