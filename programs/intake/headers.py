"""Column headers as they are typed in the field, mapped to the canonical columns.

Every desk writes its headers differently ("No. KK", "NOMOR KK", "NoKK"), so the mapping is
data: add a variant to ALIASES when a new one arrives, nothing else changes. Headers are
compared after folding (see fold_header), so "No. KK", "NO_KK" and "nokk" are one variant.
"""

import re
import unicodedata
from collections.abc import Callable

# Canonical column -> the header variants seen in proposals, rosters and ministry exports.
ALIASES: dict[str, list[str]] = {
    "no_kk": [
        "NO KK",
        "No. KK",
        "NOMOR KK",
        "NOKK",
        "NO_KK",
        "NoKK",
        "NKK",
        "Nomor Kartu Keluarga",
        "NO KARTU KELUARGA",
    ],
    "nik": [
        "NIK",
        "NIK KRT",
        "NIK KEPALA KELUARGA",
        "NIK KEPALA RUMAH TANGGA",
        "NOMOR INDUK KEPENDUDUKAN",
        "NOMOR NIK",
        "NO NIK",
    ],
    "nama": [
        "NAMA",
        "NAMA KRT",
        "NAMA KEPALA KELUARGA",
        "NAMA KEPALA RUMAH TANGGA",
        "NAMA KK",  # the head's name, not the card number (that is NO KK)
        "NAMA LENGKAP",
        "NAMA PENERIMA",
        "NAMA KPM",
    ],
    "jenis_kelamin": ["JENIS KELAMIN", "JNS KELAMIN", "JnsKel", "L/P", "JK", "KELAMIN"],
    "tanggal_lahir": ["TANGGAL LAHIR", "TGL LAHIR", "TglLahir", "TGL. LAHIR", "TGL LHR"],
    "alamat": ["ALAMAT", "ALAMAT LENGKAP", "ALAMAT RUMAH", "DUSUN", "DUKUH"],
    "rt": ["RT", "NO RT"],
    "rw": ["RW", "NO RW"],
    "desa": [
        "DESA",
        "KELURAHAN",
        "DESA/KELURAHAN",
        "KELURAHAN/DESA",
        "DESA/KEL",
        "KEL",
        "NAMA DESA",
        "NAMA KELURAHAN",
        "NMKEL",  # ministry exports: nama kelurahan
        "NMDESA",
    ],
    "kecamatan": ["KECAMATAN", "KEC", "NAMA KECAMATAN", "NMKEC"],
    "sumber": ["SUMBER", "SUMBER USULAN", "ASAL USULAN", "PENGUSUL"],
    "sektor": ["SEKTOR", "SEKTOR TERDAMPAK"],
    "nama_ibu": ["NAMA IBU KANDUNG", "NAMA IBU", "IBU KANDUNG"],
    "no_hp": ["NO HP", "NOMOR HP", "HP", "NO TELP", "NO TELEPON", "NOMOR TELEPON", "NO WA"],
    "keterangan": ["KETERANGAN", "KET", "CATATAN"],
    "id": [
        "ID",
        "IDDTKS",
        "ID DTKS",
        "ID DTSEN",
        "ID_PESERTA",
        "NO PESERTA",
        "NOMOR PESERTA",
    ],
    "desil": ["DESIL", "DESIL KESEJAHTERAAN"],
    # Written by Bansos into the rejected rows it hands back, so a corrected row replaces its
    # rejected self instead of joining the batch a second time.
    "ref": ["ID BARIS BANSOS"],
}

# A proposal cannot be checked without these columns.
REQUIRED_PROPOSAL = ("no_kk", "nik", "nama", "alamat", "desa", "kecamatan")

# Spaces, dots, slashes, underscores, hyphens and the odd marks operators add ("NIK*", "NAMA:").
_NOISE = re.compile(r"[\s._/\\\-*:'\"\u200b\u200c\u200d\u2060\ufeff]+")
_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]")


def fold_header(text: str) -> str:
    """The header reduced to lower-case letters and digits: "No. KK" -> "nokk"."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", str(text)).casefold())


def _index(aliases: dict[str, list[str]]) -> dict[str, str]:
    index: dict[str, str] = {}
    for name, variants in aliases.items():
        for variant in [name, *variants]:
            key = fold_header(variant)
            if index.setdefault(key, name) != name:
                raise ValueError(f"header {variant!r} maps to both {index[key]} and {name}")
    return index


def header_map(aliases: dict[str, list[str]]) -> Callable[[str], str | None]:
    """How a header as typed maps to one of `aliases`' columns (None when it is not known).

    A remark in brackets is ignored when the header alone is not known: "NIK (16 digit)".
    """
    index = _index(aliases)

    def canonical(text: str) -> str | None:
        found = index.get(fold_header(text))
        if found is None and ("(" in text or "[" in text):
            found = index.get(fold_header(_BRACKETS.sub(" ", text)))
        return found

    return canonical


# The canonical column of a proposal's or a roster's header. "KK" alone is left unmapped on
# purpose: it may mean the card number or the head's name.
canonical = header_map(ALIASES)
