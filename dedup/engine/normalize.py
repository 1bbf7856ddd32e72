"""Names, addresses, NIKs and sex as they are typed on proposals and programme rosters, folded
to one form so that the same family is recognised however a desk wrote it down.

Plain Python and fast: every roster row passes through here, a province's roster has millions.
"""

import datetime
import functools
import re
import string
from collections.abc import Sequence

import numpy as np
from rapidfuzz import fuzz, process

from households.address import normalize_rt_rw
from households.numbers import sixteen_digits

# --- names -----------------------------------------------------------------------------------


def _translation(mapping: dict[str, str | None]) -> dict[int, str | None]:
    """A str.translate table that also lists the ASCII characters it keeps: a character missing
    from the table costs a failed lookup, several times slower on a million names."""
    return {**{i: chr(i) for i in range(128)}, **str.maketrans(mapping)}


# Apostrophes mark the Arabic 'ain (MA'RUF, SYAFI'I) and are as often left out (MARUF): they go
# without a trace. A comma is kept as a word of its own, because academic degrees follow it.
_NAME_PUNCTUATION = _translation(
    {
        **dict.fromkeys(string.punctuation, " "),
        **dict.fromkeys("'`\u00b4\u2018\u2019\u02bc", None),
        ",": ",",
    }
)

# Old (van Ophuijsen and Soewandi) spellings to the modern one, applied in this order. J and Y
# are then the same letter (JUSUF = YUSUF, but also JOKO): Y is kept, so a folded name never
# holds a J and folding it again changes nothing.
_OLD_SPELLINGS = (
    ("OE", "U"),
    ("DJ", "J"),
    ("TJ", "C"),
    ("SJ", "SY"),
    ("NJ", "NY"),
    ("CH", "KH"),
    ("J", "Y"),
)
_REPEATED_LETTER = re.compile(r"(.)\1+")


@functools.lru_cache(maxsize=1 << 17)
def _fold_token(token: str) -> str:
    """One upper-case word in its modern spelling, runs of one letter collapsed: SOEHARTO ->
    SUHARTO, DJOKO -> YOKO, MUHAMMAD -> MUHAMAD. Cached: a district has few distinct words."""
    for old, new in _OLD_SPELLINGS:
        if old in token:
            token = token.replace(old, new)
    return _REPEATED_LETTER.sub(r"\1", token)


def _titles(*written: str) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Titles as typed ("S.Pd.I") -> {first folded word: the words that must follow it}, the
    longest first, so that S.Pd.I is taken whole before S.Pd."""
    table: dict[str, list[tuple[str, ...]]] = {}
    for title in written:
        words = tuple(map(_fold_token, title.upper().translate(_NAME_PUNCTUATION).split()))
        table.setdefault(words[0], []).append(words[1:])
    return {first: tuple(sorted(rest, key=len, reverse=True)) for first, rest in table.items()}


# Removed wherever they stand, as whole words, written with or without dots.
_TITLES = _titles(
    # Religious titles and salutations. A lone "H" is handled on its own: it is Haji only before
    # a name, elsewhere it may be an initial (SLAMET H.).
    *("Hj", "Haji", "Hajjah", "Bpk", "Bapak", "Pak", "Ibu", "Bu", "Ny", "Nyonya", "Sdr", "Sdri"),
    *("Sdra", "Tn", "Alm", "Almh", "Almarhum", "Almarhumah"),
    # Academic titles before the name.
    *("Drs", "Dra", "Dr", "Drg", "Ir", "Prof"),
    # Academic degrees after the name, spelled with dots (S.Pd.) and without (SPd).
    *("S.Pd", "S.Pd.I", "S.PdI", "S.Pd.SD", "S.E", "S.E.I", "S.H", "S.H.I", "S.Sos", "S.Kom"),
    *("S.T", "S.Ag", "S.Kep", "S.KM", "S.IP", "S.Psi", "S.Ked", "A.Md", "A.Md.Keb", "A.Ma"),
    *("A.Ma.Pd", "M.Pd", "M.Si", "M.M", "M.Kes", "M.Ag", "M.Kom", "Lc"),
    *("SPd", "SPdI", "SE", "SH", "SSos", "SKom", "SAg", "AMd", "MPd", "MSi"),
)
# Removed only after a comma, where nothing but degrees is written: before it ST is SITI, M is
# MUHAMAD and B is BIN, and two lone letters are more likely initials than a degree.
_TITLES_AFTER_COMMA = _titles("ST", "MM", "S.P", "S.S", "B.A", "M.T", "M.H")
_HAJI = "H"
# BIN/BINTI (and B., BT.) introduce the father's name, which is not the person's own name.
_FATHER = frozenset({"BIN", "BINTI", "B", "BT"})
_SITI = "SITI"
# Folded forms (MOCHAMMAD -> MOKHAMAD, MOCH -> MOKH): every spelling of Muhammad is one word.
_MUHAMMAD = "MUHAMAD"
_SAME_WORD = {
    **dict.fromkeys(
        (
            *("MUHAMAD", "MUHAMED", "MOHAMAD", "MOHAMED", "MOKHAMAD", "MUKHAMAD", "MUHAMAT"),
            *("MOHAMAT", "MOKHAMAT", "MUKHAMAT", "MOKH", "MUKH", "MOH", "MUH", "MOHD", "MUHD"),
            *("MHD", "M"),
        ),
        _MUHAMMAD,
    ),
    "ST": _SITI,
    "SITI": _SITI,
}
# Words that may be a title, a degree or the start of a father's name, depending on place.
_NOT_PLAIN = frozenset({*_TITLES, *_TITLES_AFTER_COMMA, *_FATHER, _HAJI, "ST"})


def fold_name(text: str) -> str:
    """A person's name as it is compared: upper case, no punctuation, no titles or degrees, no
    "bin"/"binti" part, modern spelling with J and Y as one letter, Muhammad and Siti in one
    form and no doubled letters. "Drs. H. Moch. Djaelani, S.Pd." -> "MUHAMAD YAELANI"."""
    if not text:
        return ""
    words = text.upper().replace(",", " , ").translate(_NAME_PUNCTUATION).split()
    comma_at = words.index(",") if "," in words else None
    if comma_at is not None:
        words = [word for word in words if word != ","]
    words = list(map(_fold_token, words))
    names = _strip_titles(words, comma_at)
    # Removing a title can bring two words together that form another one ("S. Dr. Pd."):
    # strip again until nothing changes, so that a folded name folds to itself.
    while len(names) < len(words):
        words, names = names, _strip_titles(names, None)
    if not names:
        return ""
    folded = [_SAME_WORD.get(word, word) for word in names]
    if names[-1] == "M":  # an initial of a later name (SLAMET M.), never Muhammad, or M alone
        folded[-1] = "M"
    return " ".join(folded)


def _strip_titles(words: list[str], comma_at: int | None) -> list[str]:
    """The words of the name itself: titles and degrees removed, cut at BIN/BINTI."""
    names: list[str] = []
    haji = False  # a leading lone H: the title before a name, the name itself when alone
    i, end = 0, len(words)
    while i < end:
        word = words[i]
        if word not in _NOT_PLAIN:  # most words: nothing to decide
            names.append(word)
            i += 1
        elif names and word in _FATHER:
            break
        elif title := _title_length(words, i, comma_at is not None and i >= comma_at):
            i += title
        elif word == "ST" and names:  # SITI comes first; later it is the degree S.T.
            i += 1
        elif word == _HAJI and not names:
            haji = True
            i += 1
        else:
            names.append(word)
            i += 1
    return names or ([_HAJI] if haji else [])


def _title_length(words: list[str], i: int, after_comma: bool) -> int:
    """How many words from words[i] form a title or degree; 0 when none does."""
    tables = (_TITLES, _TITLES_AFTER_COMMA) if after_comma else (_TITLES,)
    for table in tables:
        for rest in table.get(words[i], ()):
            if tuple(words[i + 1 : i + 1 + len(rest)]) == rest:
                return 1 + len(rest)
    return 0


def name_key(text: str) -> str:
    """The folded name with its words in alphabetical order: SLAMET RIYADI and RIYADI SLAMET
    give the same key."""
    return " ".join(sorted(fold_name(text).split()))


# "SLAMET" against "SLAMET RIYADI" may be the same man written short, or his neighbour: strong
# enough to put before a person, never as strong as the same name.
SHORTER_NAME_CAP = 90


def name_similarity(a: str, b: str) -> int:
    """0 to 100: how alike two names are once folded, the better of a letter-by-letter and a
    word-order-free comparison (fuzz.ratio, fuzz.token_sort_ratio). 100 only for the same words,
    in any order. A name that is the other with words left out (SLAMET, SLAMET RIYADI) scores
    SHORTER_NAME_CAP, not 100 as fuzz.token_set_ratio alone would give. A name that folds to
    nothing (only titles) is no evidence: 0."""
    return folded_similarity(fold_name(a), fold_name(b))


def folded_similarity(a: str, b: str) -> int:
    """`name_similarity` of two names already folded by `fold_name` (the matcher folds each
    name once, then compares it many times)."""
    if not a or not b:
        return 0
    if a == b:
        return 100
    score = max(fuzz.ratio(a, b), fuzz.token_sort_ratio(a, b))
    words_a, words_b = set(a.split()), set(b.split())
    if words_a < words_b or words_b < words_a:
        score = max(score, min(fuzz.token_set_ratio(a, b), SHORTER_NAME_CAP))
    return int(score)  # rounded down: 99.6 is not the same name


def similar_enough(lefts: Sequence[str], rights: Sequence[str], cutoff: int) -> np.ndarray:
    """`folded_similarity(lefts[i], rights[i]) >= cutoff` for every i, in bulk: the matcher
    checks the names of hundreds of thousands of pairs whose numbers are one slip apart."""
    if not lefts:
        return np.zeros(0, dtype=bool)
    # Common names make the same pairs again and again (SLAMET against SUPARMAN): each once.
    unique: dict[tuple[str, str], int] = {}
    pairs = zip(lefts, rights, strict=True)
    at = np.array([unique.setdefault(pair, len(unique)) for pair in pairs])
    if len(unique) < len(at):
        return _similar_enough([a for a, _ in unique], [b for _, b in unique], cutoff)[at]
    return _similar_enough(lefts, rights, cutoff)


def _similar_enough(lefts: Sequence[str], rights: Sequence[str], cutoff: int) -> np.ndarray:
    # Scores under the cutoff come back as 0, and rapidfuzz skips most of their work; float32
    # would round 84.99999 up to 85.
    scores = {"score_cutoff": cutoff, "dtype": np.float64, "workers": 1}
    ok = (
        np.maximum(
            process.cpdist(lefts, rights, scorer=fuzz.ratio, **scores),
            process.cpdist(lefts, rights, scorer=fuzz.token_sort_ratio, **scores),
        )
        >= cutoff
    )
    if cutoff <= SHORTER_NAME_CAP:  # one name the other with words left out
        rest = np.nonzero(~ok)[0]
        sets = process.cpdist(
            [lefts[i] for i in rest],
            [rights[i] for i in rest],
            scorer=fuzz.token_set_ratio,
            **scores,
        )
        for i in rest[sets >= cutoff].tolist():
            words_a, words_b = set(lefts[i].split()), set(rights[i].split())
            ok[i] = words_a < words_b or words_b < words_a
    empty = [i for i, (a, b) in enumerate(zip(lefts, rights, strict=True)) if not a or not b]
    ok[empty] = cutoff <= 0  # a name that is empty scores 0
    return ok


# --- addresses -------------------------------------------------------------------------------

_SEPARATOR = r"\s*[.:\-]?\s*"
# "RT/RW 003/005", "RT.RW: 3-5"
_RT_RW_LABEL = re.compile(rf"\bRT\s*[./]?\s*RW\b{_SEPARATOR}([0-9]+)\s*[/\\\-\s]\s*([0-9]+)")
# "RT 3/5", "RT.03/RW.05", "RT 02 RW 05", "RT03 RW05", "RT 3", with the RW in group 2 or 3
_RT = re.compile(
    rf"\bRT{_SEPARATOR}([0-9]+)"
    rf"(?:\s*[/\\\-]\s*(?:RW{_SEPARATOR})?([0-9]+)|[\s,]*RW{_SEPARATOR}([0-9]+))?"
)
_RW = re.compile(rf"\bRW{_SEPARATOR}([0-9]+)")
# "003/005" with no label; not a date (12/03/2020) nor a house number (NO. 12/3)
_BARE_RT_RW = re.compile(r"(?<![0-9/.\-])\b([0-9]{1,3})\s*/\s*([0-9]{1,3})\b(?![/0-9])")
_HOUSE_NUMBER = re.compile(r"\b(?:NO|NOMOR)\W*$")
_EMPTY_LABEL = re.compile(r"\bR[TW]\b")  # "RT - RW -": the numbers were left empty
_ADDRESS_PUNCTUATION = _translation(dict.fromkeys(string.punctuation, " "))
_STREET_PREFIXES = frozenset(
    {"DUSUN", "DSN", "DS", "DK", "DUKUH", "JL", "JALAN", "GG", "GANG", "KP", "KAMPUNG"}
)


def split_address(text: str) -> tuple[str, str, str]:
    """An address line as typed -> (street or dusun, RT, RW). "Dsn. Krajan RT 3/5" ->
    ("DSN KRAJAN", "003", "005"); RT and RW are "" when the line does not give them."""
    if not text:
        return "", "", ""
    upper = text.upper()
    rt = rw = ""
    spans: list[tuple[int, int]] = []
    if found := _RT_RW_LABEL.search(upper):
        rt, rw = found[1], found[2]
        spans.append(found.span())
    else:
        if found := _RT.search(upper):
            rt, rw = found[1], found[2] or found[3] or ""
            spans.append(found.span())
        if not rw and (found := _RW.search(upper)):
            rw = found[1]
            spans.append(found.span())
        if not spans:
            for found in _BARE_RT_RW.finditer(upper):
                if not _HOUSE_NUMBER.search(upper, 0, found.start()):
                    rt, rw = found[1], found[2]
                    spans.append(found.span())
                    break
    for start, end in sorted(spans, reverse=True):
        upper = f"{upper[:start]} {upper[end:]}"
    street = _EMPTY_LABEL.sub(" ", upper).translate(_ADDRESS_PUNCTUATION)
    return " ".join(street.split()), normalize_rt_rw(rt), normalize_rt_rw(rw)


def fold_street(text: str) -> str:
    """The street or dusun as it is compared: no RT/RW and no DUSUN, DSN, JL., GG. or similar
    word, so "Dusun Krajan RT 3/5" and "DSN. KRAJAN" are both "KRAJAN"."""
    street = split_address(text)[0]
    return " ".join(word for word in street.split() if word not in _STREET_PREFIXES)


# --- NIK and sex -----------------------------------------------------------------------------


def nik_birth(nik: str, *, today: datetime.date | None = None) -> tuple[datetime.date | None, str]:
    """The birth date and sex ("L"/"P") in digits 7 to 12 of a NIK, DDMMYY with 40 added to the
    day for women. 20YY unless that day is not real or still to come, then 19YY (the rule of
    `households.identity.check_nik`). (None, "") when the NIK is not 16 digits or holds no real
    date."""
    if not sixteen_digits(nik):
        return None, ""
    return _birth(nik[6:12], today or datetime.date.today())


@functools.lru_cache(maxsize=1 << 16)
def _birth(ddmmyy: str, today: datetime.date) -> tuple[datetime.date | None, str]:
    day, month, year = int(ddmmyy[:2]), int(ddmmyy[2:4]), int(ddmmyy[4:])
    sex = "P" if day > 40 else "L"
    day = day - 40 if day > 40 else day
    for century in (2000, 1900):
        try:
            born = datetime.date(century + year, month, day)
        except ValueError:
            continue
        if born <= today:
            return born, sex
    return None, ""


_SEX = {
    **dict.fromkeys(("L", "LK", "LAKILAKI", "LAKI", "LAKI2", "PRIA", "1"), "L"),
    **dict.fromkeys(("P", "PR", "PEREMPUAN", "WANITA", "2"), "P"),
}
_SEX_PUNCTUATION = _translation(dict.fromkeys(" -._/", None))


def fold_sex(text: str) -> str:
    """Sex as "L" (laki-laki) or "P" (perempuan), from L, P, LAKI-LAKI, LK, PRIA, PEREMPUAN, PR,
    WANITA, 1 or 2 in any case (also 1.0, a spreadsheet number); "" when it says neither."""
    if not text:
        return ""
    text = str(text).strip().removesuffix(".0")
    return _SEX.get(text.upper().translate(_SEX_PUNCTUATION), "")
