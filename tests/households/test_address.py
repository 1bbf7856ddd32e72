import pytest

from households.address import PlaceIndex, fold_name, fold_place, normalize_rt_rw


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
    assert fold_name("  slamet   riyadi ") == "SLAMET RIYADI"


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
