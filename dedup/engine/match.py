"""Is this proposed family already on a roster, or proposed twice? Family-level matching.

Two records are the same family when they are the same household in reality, whoever is
listed as its head. The evidence, strongest first: the No. KK (one family card), the head's NIK
(exact, or one digit mistyped, or two neighbouring digits swapped), then the head's name,
birth date (written, or read from the NIK), mother's name and address. A valid NIK or No. KK
that differs, with no number shared, says "another family" louder than any name: two men
called SLAMET in one desa, or a father and his son in one RT, are never matched on names.
Husband and wife heading the same family on two lists share its No. KK; without it (a roster
of NIK and name only) the engine does not guess a spouse from an address alone.

Work grows with the data, never as proposals x roster rows: a proposal is compared only with
the candidates that share a block with it (the same No. KK, the same NIK, a NIK or No. KK one
slip away, the same neighbourhood, the same desa and birth date or mother's name), and names
inside a block are compared in bulk by rapidfuzz. Identifier blocks ignore the region, so a
family that moved is still found.

Reasons are in Bahasa Indonesia, the language of the staff who read them (the engine has no
Django, so no gettext): "No. KK sama, kepala keluarga berbeda (istri)".

    index = Index(roster_records)
    found = match(proposals, index)                 # proposal ref -> its candidates, scored
    twins = match(proposals, Index(proposals), earlier_only=True)   # duplicates in the batch
    outcome = decide(found.get(ref, []), twins.get(ref, []))  # the contract's result row
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from dedup.engine.normalize import (
    fold_name,
    fold_sex,
    fold_street,
    folded_similarity,
    nik_birth,
    similar_enough,
    split_address,
)

__all__ = [
    *("Candidate", "Index", "Outcome", "Record", "Thresholds"),
    *("NUMBER_WIDTH", "NumberTable", "Slipped", "compare", "decide", "digits16", "match"),
]

_TODAY = datetime.date.today()  # NIK dates: which century (a worker lives for days, not years)
DECIDED_SAME = "diputuskan sama oleh petugas"  # a pair a person confirmed in review
SLIP_NAME = 85  # how alike names must be for a number one slip away to count
SORTED_LOOKUPS_ABOVE = 250_000  # table size from which lookups go in sorted order
NAME_PREFILTER = 85  # names less alike inside a place block are not compared (rules need 85)
_POWERS = np.array([10 ** (15 - i) for i in range(16)], dtype=np.int64)


# Not frozen: a run makes a million Records, and a frozen one costs three times as much to
# make (1.5 µs against 0.5). Nothing changes a Record once made.
@dataclass(slots=True)
class Record:
    """A family as one list describes it, by its head. `ref` names it in results:
    "DTSEN:1042" (the roster's code and data row) or "USULAN:5" (a proposal row).
    Identifiers are the clean 16 digits or "": a damaged number is no evidence."""

    ref: str
    no_kk: str = ""
    nik: str = ""
    name: str = ""
    sex: str = ""
    birth_date: datetime.date | None = None
    mother_name: str = ""
    address: str = ""
    rt: str = ""
    rw: str = ""
    desa: str = ""  # the desa's region code (or any stable id); "" when not known
    order: int = 0  # which of two proposals came first (lower); 0: the row in `ref`

    @property
    def rank(self) -> int:
        """Position among the proposals: `order`, else the row number ending `ref`."""
        return self.order or int(self.ref.rpartition(":")[2])


@dataclass(frozen=True)
class Thresholds:
    """Scores at or above `same` are the same family without asking; from `review` up to it a
    person decides; below `review` there is no match. Staff can change both."""

    same: int = 90
    review: int = 70

    def band(self, score: int) -> str:
        return "same" if score >= self.same else "review" if score >= self.review else "none"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A record that may be the same family as the proposal, with why."""

    ref: str
    score: int  # 0-100
    reason: str


class _Family:
    """A record folded for comparison."""

    __slots__ = (
        *("born", "desa", "kk", "mother", "name", "nik", "record", "rt", "rw", "sex"),
        "street",
    )

    def __init__(self, record: Record, names: dict, addresses: dict) -> None:
        self.record = record
        self.nik, self.kk, self.desa = record.nik, record.no_kk, record.desa
        self.name = _folded(record.name, names)
        self.mother = _folded(record.mother_name, names)
        # A desa's families share a handful of dusun lines: split each line once.
        found = addresses.get(record.address)
        if found is None:
            street, rt, rw = split_address(record.address)
            found = addresses[record.address] = (fold_street(street), rt, rw)
        self.street, rt, rw = found
        self.rt, self.rw = record.rt or rt, record.rw or rw
        born, sex = nik_birth(record.nik, today=_TODAY)
        self.born = record.birth_date or born
        self.sex = fold_sex(record.sex) or sex


def _folded(name: str, names: dict[str, str]) -> str:
    # Rosters repeat names thousands of times: fold each spelling once.
    found = names.get(name)
    if found is None:
        found = names[name] = fold_name(name)
    return found


class Index:
    """Candidates (a programme's roster rows, or the proposals themselves) arranged in blocks.
    Built once, used for every proposal; folding is done only for candidates that share a
    block with some proposal.

    `near`, when the caller has searched a larger table already (the pipeline: every roster
    row of the run), gives the refs one slip from a (kind, number, folded name), so the index
    need not search its own numbers again."""

    def __init__(
        self,
        records: Iterable[Record],
        near: Mapping[tuple[str, str, str], Iterable[str]] | None = None,
    ) -> None:
        self.records: list[Record] = list(records)
        self.near = near
        self._names: dict[str, str] = {}
        self._addresses: dict[str, tuple[str, str, str]] = {}
        self._families: dict[int, _Family] = {}
        self.by_kk: dict[str, list[int]] = defaultdict(list)
        self.by_nik: dict[str, list[int]] = defaultdict(list)
        self.by_place: dict[tuple[str, str, str], list[int]] = defaultdict(list)
        self.by_born: dict[tuple[str, datetime.date], list[int]] = defaultdict(list)
        self.by_mother: dict[tuple[str, str], list[int]] = defaultdict(list)
        today = datetime.date.today()
        places: dict[str, tuple[str, str, str]] = {}  # a desa's address lines repeat
        by_kk, by_nik, by_place = self.by_kk, self.by_nik, self.by_place
        by_born, by_mother = self.by_born, self.by_mother
        for i, record in enumerate(self.records):  # a million times a run: kept lean
            kk, nik, desa = record.no_kk, record.nik, record.desa
            if kk:
                by_kk[kk].append(i)
            if nik:
                by_nik[nik].append(i)
            if desa:
                rt, rw = record.rt, record.rw
                if not rt and record.address:
                    found = places.get(record.address)
                    if found is None:
                        found = places[record.address] = split_address(record.address)
                    _, rt, rw = found
                if rt:
                    by_place[(desa, rt, rw)].append(i)
                born = record.birth_date or (nik and nik_birth(nik, today=today)[0])
                if born:
                    by_born[(desa, born)].append(i)
                if record.mother_name:
                    mother = " ".join(record.mother_name.upper().split())
                    by_mother[(desa, mother)].append(i)
        self._numbers: NumberTable | None = None

    def name(self, i: int) -> str:
        """The folded name of record i, without folding the rest of it."""
        return _folded(self.records[i].name, self._names)

    def family(self, i: int) -> _Family:
        found = self._families.get(i)
        if found is None:
            found = self._families[i] = _Family(self.records[i], self._names, self._addresses)
        return found

    def one_slip_away(self, keys: Sequence[tuple[str, str, str]]) -> Iterator[tuple[int, int]]:
        """(position in `keys`, record) for every record holding a number of the same kind one
        wrong digit or one swap of neighbouring digits from the given one, under a name at
        least SLIP_NAME alike. keys: (kind, number, folded name), kind "nik" or "kk"."""
        if self.near is not None:
            where = {record.ref: i for i, record in enumerate(self.records)}
            return (
                (at, where[ref])
                for at, key in enumerate(keys)
                for ref in self.near.get(key, ())
                if ref in where
            )
        if self._numbers is None:
            self._numbers = NumberTable(
                (i, kind, number, record.name)
                for i, record in enumerate(self.records)
                for kind, number in (("nik", record.nik), ("kk", record.no_kk))
                if number
            )
        given, found = self._numbers.slip_pairs(Slipped(keys))
        return zip(given.tolist(), found.tolist(), strict=True)


# A NIK and a No. KK are both 16 digits, built alike (region, date, serial): each kind of
# number lives in a range of its own, so a NIK is never found one slip from a No. KK.
_KIND = {"nik": 0, "kk": 10**16}


def _number(kind: str, number: str) -> int | None:
    """The number as the tables hold it, or None when it is not 16 ASCII digits."""
    if len(number) == 16 and number.isascii() and number.isdigit():
        return int(number) + _KIND[kind]
    return None


NUMBER_WIDTH = 17  # a number's place in the text `digits16` reads: 16 digits and a space


def digits16(text: str) -> np.ndarray:
    """Numbers laid end to end, NUMBER_WIDTH characters each (padded with spaces, cut when
    longer), as int64: -1 for any that is not 16 ASCII digits and a space, so a 17-digit
    number is none, not its first 16. A million in about a tenth of a second, where a loop
    over them takes a second."""
    # Any other character becomes "?", one byte like the rest: every number keeps its width.
    codes = np.frombuffer(text.encode("ascii", "replace"), dtype=np.uint8)
    codes = codes.reshape(-1, NUMBER_WIDTH)
    digits = codes[:, :16] - np.uint8(ord("0"))  # anything but a digit wraps to above 9
    values = np.zeros(len(digits), dtype=np.int64)
    for column in range(16):
        values *= 10
        values += digits[:, column]
    values[(digits > 9).any(axis=1) | (codes[:, 16] != ord(" "))] = -1
    return values


class NumberTable:
    """The clean NIK and No. KK of many rows (a whole roster), sorted, each with its row id and
    the folded name beside it: finds the rows holding given numbers, or one slip from them with
    a name alike. For callers that cannot hold every candidate as a Record; about 40 bytes a
    number."""

    def __init__(self, entries: Iterable[tuple[int, str, str, str]]) -> None:
        """entries: (row id, kind, number, name), kind "nik" or "kk"; a row gives one entry
        per number it holds."""
        ids, values, names = [], [], []
        spellings: dict[str, int] = {}  # folded name -> its number in self.spellings
        written: dict[str, int] = {}  # a name as written -> the same number
        for pk, kind, number, name in entries:
            if len(number) == 16 and number.isascii() and number.isdigit():
                ids.append(pk)
                values.append(int(number) + _KIND[kind])
                spelling = written.get(name)
                if spelling is None:
                    spelling = spellings.setdefault(fold_name(name), len(spellings))
                    written[name] = spelling
                names.append(spelling)
        self._sort(
            np.array(values, dtype=np.int64),
            np.array(ids, dtype=np.int64),
            np.array(names, dtype=np.int64),
            list(spellings),
        )

    @classmethod
    def from_columns(
        cls, ids: np.ndarray, nik: np.ndarray, kk: np.ndarray, names: np.ndarray, written: list
    ) -> NumberTable:
        """The same table given column by column, as a database hands rows over in bulk (two
        million numbers a run, loaded by every worker): `ids` the rows' ids; `nik` and `kk`
        their numbers as `digits16` reads them (-1: none); `names` each row's name as its
        position in `written`, the distinct names as written."""
        spellings: dict[str, int] = {}
        folded = np.array(
            [spellings.setdefault(fold_name(name), len(spellings)) for name in written],
            dtype=np.int64,
        )
        has_nik, has_kk = nik >= 0, kk >= 0
        table = cls.__new__(cls)
        table._sort(
            np.concatenate([nik[has_nik] + _KIND["nik"], kk[has_kk] + _KIND["kk"]]),
            np.concatenate([ids[has_nik], ids[has_kk]]),
            folded[np.concatenate([names[has_nik], names[has_kk]])],
            list(spellings),
        )
        return table

    def _sort(
        self, values: np.ndarray, ids: np.ndarray, name_ids: np.ndarray, spellings: list[str]
    ) -> None:
        order = np.argsort(values, kind="stable")
        self.values, self.ids, self.name_ids = values[order], ids[order], name_ids[order]
        self.spellings = spellings

    def holding(self, numbers: Iterable[tuple[str, str]]) -> set[int]:
        """Ids of the rows holding any of these very (kind, number)s."""
        given = [_number(kind, number) for kind, number in numbers]
        wanted = np.unique(np.array([v for v in given if v is not None], dtype=np.int64))
        left = np.searchsorted(self.values, wanted, side="left")
        right = np.searchsorted(self.values, wanted, side="right")
        return {
            int(pk)
            for a, b in zip(left.tolist(), right.tolist(), strict=True)
            for pk in self.ids[a:b].tolist()
        }

    def slip_pairs(self, slipped: Slipped) -> tuple[np.ndarray, np.ndarray]:
        """(positions among the given numbers, row ids) of every pair of a given number and a
        row one slip from it with a name alike. In bulk: a kecamatan's NIKs have tens of
        neighbours each."""
        if not len(slipped.flat) or not len(self.values):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        # In a table larger than the processor's cache, lookups in sorted order walk it once
        # (8 times faster for a million numbers); in a small one sorting costs more than it
        # saves, unless a big table had the numbers sorted already (twice as fast again).
        big = len(self.values) > SORTED_LOOKUPS_ABOVE
        order, wanted = slipped.sorted() if big or slipped.is_sorted else (None, slipped.flat)
        left = np.searchsorted(self.values, wanted, side="left")
        # Few slips are anyone's number: the end of a run is searched only for those that are.
        hits = np.nonzero(self.values[np.minimum(left, len(self.values) - 1)] == wanted)[0]
        found = hits if order is None else order[hits]
        if order is not None and not big:
            # A small table answers in the order of the given numbers, as without the sort: the
            # order candidates are gathered in decides which sure one a doubtful one is vouched
            # by (`_vouched`): an answer must not hang on which table was searched first.
            keep = np.argsort(found, kind="stable")
            hits, found = hits[keep], found[keep]
        left = left[hits]
        # Every (given number, table row) pair of a hit: runs of equal numbers laid out flat.
        counts = np.searchsorted(self.values, wanted[hits], side="right") - left
        rows = np.repeat(left - (np.cumsum(counts) - counts), counts)
        rows += np.arange(counts.sum())
        at = np.repeat(found // slipped.width, counts)  # which given number
        # Names repeat (SLAMET against SUPARMAN, again and again): each pair of spellings is
        # compared once.
        keys = slipped.name_ids[at] * len(self.spellings) + self.name_ids[rows]
        pairs, where = np.unique(keys, return_inverse=True)
        alike = similar_enough(
            [slipped.spellings[k] for k in (pairs // len(self.spellings)).tolist()],
            [self.spellings[k] for k in (pairs % len(self.spellings)).tolist()],
            SLIP_NAME,
        )[where]
        return slipped.positions[at[alike]], self.ids[rows[alike]]


class Slipped:
    """Every number one wrong digit or one neighbour swap from the given ones: made once,
    looked up in as many tables as needed. keys: (kind, number, folded name)."""

    def __init__(self, keys: Sequence[tuple[str, str, str]]) -> None:
        given = [(i, _number(kind, number)) for i, (kind, number, _name) in enumerate(keys)]
        positions = [i for i, value in given if value is not None]
        self.positions = np.array(positions, dtype=np.int64)
        spellings: dict[str, int] = {}
        self.name_ids = np.array(
            [spellings.setdefault(keys[i][2], len(spellings)) for i in positions], dtype=np.int64
        )
        self.spellings = list(spellings)
        kinds = np.array([_KIND[keys[i][0]] for i in positions], dtype=np.int64)
        numbers = np.array([value for _i, value in given if value is not None], dtype=np.int64)
        variants = _slips(numbers - kinds)
        # Each kind in its own range; a swap of two equal digits (-1) stays below every range.
        variants = np.where(variants < 0, -1, variants + kinds[:, None])
        self.width, self.flat = variants.shape[1], variants.ravel()
        self._sorted: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def is_sorted(self) -> bool:
        return self._sorted is not None

    def sorted(self) -> tuple[np.ndarray, np.ndarray]:
        """(order, the numbers in that order), made once."""
        if self._sorted is None:
            order = np.argsort(self.flat)
            self._sorted = order, self.flat[order]
        return self._sorted


def _slips(numbers: np.ndarray) -> np.ndarray:
    """Every 16-digit number one wrong digit (144) or one neighbour swap (15) away."""
    digits = (numbers[:, None] // _POWERS) % 10  # (n, 16)
    replaced = np.arange(10)[None, None, :] - digits[:, :, None]  # (n, 16, 10)
    substitutions = numbers[:, None, None] + replaced * _POWERS[None, :, None]
    keep = replaced != 0
    substitutions = substitutions[keep].reshape(len(numbers), 144)
    left, right = digits[:, :-1], digits[:, 1:]
    swaps = numbers[:, None] + (right - left) * _POWERS[:-1] + (left - right) * _POWERS[1:]
    swaps[left == right] = -1  # swapping two equal digits gives the number itself: no slip
    return np.concatenate([substitutions, swaps], axis=1)


# --- Matching ---------------------------------------------------------------------------------


def match(
    proposals: Sequence[Record],
    index: Index,
    thresholds: Thresholds = Thresholds(),
    *,
    earlier_only: bool = False,
) -> dict[str, list[Candidate]]:
    """The candidates of each proposal that score at least `thresholds.review`, best first.
    With `earlier_only` (the index holds proposals, these among them) a proposal is compared
    only with proposals listed before it (a lower `rank`), so each duplicate points back at
    its first listing."""
    pairs: dict[int, set[int]] = defaultdict(set)
    for p, record in enumerate(proposals):
        pairs[p].update(index.by_kk.get(record.no_kk, ()) if record.no_kk else ())
        pairs[p].update(index.by_nik.get(record.nik, ()) if record.nik else ())
    own = Index(proposals)
    # Numbers are dense (neighbours born the same day): a slip counts with a name alike.
    keys = [
        (kind, number, own.name(p))
        for kind, field in (("nik", "nik"), ("kk", "no_kk"))
        for p, number in enumerate(getattr(r, field) for r in proposals)
    ]
    for at, c in index.one_slip_away(keys):
        pairs[at % len(proposals)].add(c)
    for key, members in own.by_place.items():
        _similar_names(members, index.by_place.get(key, ()), own, index, pairs)
    for key, members in own.by_born.items():
        _similar_names(members, index.by_born.get(key, ()), own, index, pairs)
    for key, members in own.by_mother.items():
        _similar_names(members, index.by_mother.get(key, ()), own, index, pairs)

    found: dict[str, list[Candidate]] = {}
    for p, candidates in pairs.items():
        proposal = own.family(p)
        scored: list[tuple[Candidate, _Family]] = []
        for c in candidates:
            candidate = index.family(c)
            if earlier_only and candidate.record.rank >= proposal.record.rank:
                continue
            result = compare(proposal, candidate)
            if result and result[0] >= thresholds.review:
                scored.append((Candidate(candidate.record.ref, *result), candidate))
        if scored:
            found[proposal.record.ref] = _vouched(scored, thresholds)
    return found


def _vouched(scored: list[tuple[Candidate, _Family]], thresholds: Thresholds) -> list[Candidate]:
    """A doubtful candidate holding the very NIK or No. KK of a candidate already found to be
    the family is the family too: a roster of NIK and name only, where the proposal mistyped
    the NIK its other rosters carry right. Best first."""
    sure = {
        number: candidate.ref
        for candidate, family in scored
        if candidate.score >= thresholds.same
        for number in (family.nik, family.kk)
        if number
    }
    kept = []
    for candidate, family in scored:
        if candidate.score < thresholds.same:
            for label, number in (("NIK", family.nik), ("No. KK", family.kk)):
                if number in sure:
                    reason = f"{label} sama dengan {sure[number]} + {candidate.reason}"
                    candidate = Candidate(candidate.ref, thresholds.same, reason)
                    break
        kept.append(candidate)
    return sorted(kept, key=lambda c: (-c.score, c.ref))


def _similar_names(
    members: list[int], candidates: Sequence[int], own: Index, index: Index, pairs: dict
) -> None:
    """Pairs of a block whose names are alike enough to compare further, found in bulk."""
    if not candidates:
        return
    left = [own.name(p) for p in members]
    right = [index.name(c) for c in candidates]
    scores = process.cdist(
        left, right, scorer=fuzz.token_sort_ratio, score_cutoff=NAME_PREFILTER, workers=1
    )
    for i, j in zip(*np.nonzero(scores), strict=True):
        pairs[members[i]].add(candidates[j])


def compare(a: _Family, b: _Family) -> tuple[int, str] | None:
    """(score 0-100, reason) for two families, or None when the evidence says they differ."""
    nik = _identifier(a.nik, b.nik)
    kk = _identifier(a.kk, b.kk)
    if nik == "different" and a.nik[:12] == b.nik[:12]:
        # The same region and birth date, another serial: on rosters, a NIK never matched to
        # the civil registry. Not proof of another person; only a name and home can vouch.
        nik = "serial"
    if "different" in (nik, kk) and not {"same", "slip", "serial"} & {nik, kk}:
        return None  # another valid number: another family, however alike the names
    names = folded_similarity(a.name, b.name)
    name_words = _name_words(names)
    place = _place(a, b)
    born = a.born is not None and a.born == b.born

    if nik == "same":
        if names >= 80:
            return 100, _join("NIK sama", name_words)
        if kk == "same":
            return 96, "NIK sama + No. KK sama, nama berbeda"
        return 80, f"NIK sama, nama berbeda ({names})"
    if kk == "same":
        if names >= 80:
            return 98, _join("No. KK sama", name_words)
        return 92, f"No. KK sama, kepala keluarga berbeda{_spouse(a, b)}"
    if nik == "slip" and _born_apart(a, b):
        return None  # two people born on the days their own NIKs say: neighbours, not a typo
    for which, slip, other in (("NIK", nik, kk), ("No. KK", kk, nik)):
        if slip == "slip" and other != "different" and names >= SLIP_NAME:
            # A birth date read from the same NIK says nothing more: only written dates count.
            written = a.record.birth_date and a.record.birth_date == b.record.birth_date
            support = [place, "tanggal lahir sama" if written else "", _mother(a, b)]
            support = [part for part in support if part]
            score = 92 if support else 80
            return score, _join(f"{which} beda 1 digit", name_words, *support)
    if nik == "slip" and kk == "different" and names >= 90 and place and born:
        # A family card re-issued (a split, a new member) keeps the head and the home: the
        # roster's older No. KK does not outweigh the NIK, the name, the birth date and the
        # house together. Without the same birth date it may be a father and his son of one
        # name and house, whose NIKs differ in a digit of the year.
        return 90, _join("NIK beda 1 digit", name_words, place, "No. KK berbeda (KK lama?)")
    if nik == "serial" and names >= 90 and place and born:
        return 90, _join("NIK beda nomor urut, tanggal lahir sama", name_words, place)
    if nik == "different" or kk == "different" or nik == "serial":
        return None  # a slip in one number, but the other is someone else's
    # Neither side can vouch by its numbers (a roster without No. KK, a damaged NIK). A
    # mother's name is shared by namesakes of one village (SUPARMI is common); two birth dates
    # that differ say two people, whatever the mothers are called.
    born_differs = a.born is not None and b.born is not None and not born
    mother = "" if born_differs else _mother(a, b)
    if names >= 90 and (born or mother) and a.desa and a.desa == b.desa:
        proof = "tanggal lahir sama" if born else mother
        return 90, _join(name_words, proof, place or "desa sama")
    if names >= 90 and place:
        return 80, _join(name_words, place)
    if names >= 85 and (born or mother):
        return 75, _join(name_words, "tanggal lahir sama" if born else mother)
    return None


def _born_apart(a: _Family, b: _Family) -> bool:
    """Both records write a birth date, each the one its own NIK carries, and they differ: the
    NIKs are one digit apart because two people were born a day (or a month) apart, not
    because one was mistyped (a mistyped NIK would not carry its own written date)."""
    written_a, written_b = a.record.birth_date, b.record.birth_date
    return (
        written_a is not None
        and written_b is not None
        and written_a != written_b
        and nik_birth(a.nik, today=_TODAY)[0] == written_a
        and nik_birth(b.nik, today=_TODAY)[0] == written_b
    )


def _identifier(a: str, b: str) -> str:
    """same, slip (one wrong digit, or two digits swapped), different, or "" when either side
    lacks a number. Records hold clean 16-digit numbers or "" (see Record), so no check here:
    this runs for every pair compared.

    Only the slips next to each other are searched for in the number tables (`Slipped`); a
    swap of two digits far apart is recognised here, in a pair another block found (the same
    desa and RT, the same birth date)."""
    if not a or not b:
        return ""
    if a == b:
        return "same"
    i = next(i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y)
    if a[i + 1 :] == b[i + 1 :]:
        return "slip"
    j = next(j for j in range(i + 1, 16) if a[j] != b[j])
    swapped = a[i] == b[j] and a[j] == b[i] and a[j + 1 :] == b[j + 1 :]
    return "slip" if swapped else "different"


def _name_words(score: int) -> str:
    if score == 100:
        return "nama sama"
    return f"nama mirip {score}" if score else ""


def _place(a: _Family, b: _Family) -> str:
    """What the addresses share, in words; "" when they do not place the families together."""
    if not a.desa or a.desa != b.desa:
        return ""
    if a.rt and a.rt == b.rt and a.rw == b.rw:
        return "RT/RW sama"
    if a.street and a.street == b.street:
        return "alamat sama"
    return ""


def _mother(a: _Family, b: _Family) -> str:
    """The mother's name, where both lists carry it (DTSEN does): strong, rarely shared."""
    if a.mother and b.mother and folded_similarity(a.mother, b.mother) >= 90:
        return "nama ibu sama"
    return ""


def _spouse(a: _Family, b: _Family) -> str:
    if a.sex and b.sex and a.sex != b.sex:
        return " (istri)" if b.sex == "P" else " (suami)"
    return ""


def _join(*parts: str) -> str:
    return " + ".join(part for part in parts if part)


# --- The decision for one proposal ------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """The contract's result for one proposal row (an invalid row is the pipeline's to say)."""

    status: str  # new, in_roster, duplicate_in_batch, review
    programs: tuple[str, ...] = ()
    matches: tuple[str, ...] = ()
    score: int | None = None
    reason: str = ""


def decide(
    on_rosters: Sequence[Candidate],
    earlier: Sequence[Candidate],
    thresholds: Thresholds = Thresholds(),
) -> Outcome:
    """A family found on a roster is `in_roster` (with every roster that lists it), else one
    proposed before in the run is `duplicate_in_batch`, else a doubtful match goes to review.
    A family both on a roster and proposed before is `in_roster` and its matches name the
    earlier proposals too: a roster that excludes no one (DTSEN) must not let it be paid
    twice."""
    sure_earlier = [c for c in earlier if c.score >= thresholds.same]
    sure = [c for c in on_rosters if c.score >= thresholds.same]
    if sure:
        best = max(sure, key=lambda c: c.score)
        return Outcome(
            "in_roster",
            tuple(sorted({c.ref.partition(":")[0] for c in sure})),
            tuple(c.ref for c in [*sure, *sure_earlier]),
            best.score,
            best.reason + ("; juga diusulkan lebih dulu" if sure_earlier else ""),
        )
    if sure_earlier:
        best = max(sure_earlier, key=lambda c: c.score)
        return Outcome(
            "duplicate_in_batch", (), tuple(c.ref for c in sure_earlier), best.score, best.reason
        )
    doubtful = [c for c in [*on_rosters, *earlier] if c.score >= thresholds.review]
    if doubtful:
        best = max(doubtful, key=lambda c: c.score)
        return Outcome("review", (), tuple(c.ref for c in doubtful), best.score, best.reason)
    return Outcome("new")
