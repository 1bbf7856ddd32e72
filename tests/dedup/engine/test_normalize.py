"""Folding names, addresses, NIKs and sex as desks in Purworejo type them. No database."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dedup.engine.normalize import (
    SHORTER_NAME_CAP,
    fold_name,
    fold_sex,
    fold_street,
    name_key,
    name_similarity,
    nik_birth,
    split_address,
)
from households.numbers import nik_distance

TODAY = datetime.date(2026, 3, 1)

# --- names: case, spacing, punctuation -------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("slamet", "SLAMET"),
        ("  Siti   Aminah ", "SITI AMINAH"),
        ("SRI-WAHYUNI", "SRI WAHYUNI"),
        ("SUPARNO.", "SUPARNO"),
        ("AHMAD,SALIM", "AHMAD SALIM"),
        ("Ma'ruf", "MARUF"),  # the 'ain apostrophe is as often left out
        ("SYAFI'I", "SYAFI"),  # ... and SYAFII collapses its doubled I the same way
        ("", ""),
        ("   ", ""),
    ],
)
def test_name_is_upper_case_without_punctuation_or_extra_spaces(typed, folded):
    assert fold_name(typed) == folded


# --- names: titles, salutations and degrees --------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("Hj. SRI WAHYUNI, S.Pd.", "SRI WAHYUNI"),
        ("Drs. H. AHMAD DJAELANI", "AHMAD YAELANI"),
        ("H. SLAMET", "SLAMET"),
        ("H SLAMET", "SLAMET"),
        ("Haji Slamet", "SLAMET"),
        ("HADJI SLAMET", "SLAMET"),
        ("Hajjah Siti Aminah", "SITI AMINAH"),
        ("Bpk. Suparno", "SUPARNO"),
        ("BAPAK SUPARNO", "SUPARNO"),
        ("Pak Suparno", "SUPARNO"),
        ("Ibu Hj. Siti Aminah", "SITI AMINAH"),
        ("Bu Suparmi", "SUPARMI"),
        ("Ny. Suparmi", "SUPARMI"),
        ("NYONYA SUPARMI", "SUPARMI"),
        ("Sdr. Slamet", "SLAMET"),
        ("Sdri. Suparmi", "SUPARMI"),
        ("Tn. Slamet", "SLAMET"),
        ("Alm. Suparno", "SUPARNO"),
        ("SUPARNO (ALM)", "SUPARNO"),
        ("Almh. Sarinah", "SARINAH"),
        ("ALMARHUM SUPARNO", "SUPARNO"),
        ("Prof. Dr. Ir. H. Slamet, M.M.", "SLAMET"),
        ("Dra. Suparmi, M.Pd.", "SUPARMI"),
        ("SRI WAHYUNI, S.Pd.I", "SRI WAHYUNI"),
        ("SRI WAHYUNI S.Pd", "SRI WAHYUNI"),
        ("SRI WAHYUNI SPd", "SRI WAHYUNI"),
        ("SLAMET, S.E., M.Si.", "SLAMET"),
        ("SLAMET, S.H.", "SLAMET"),
        ("SLAMET, S.Sos.", "SLAMET"),
        ("SLAMET, S.Kom", "SLAMET"),
        ("AGUS SANTOSO, S.T.", "AGUS SANTOSO"),
        ("AGUS SANTOSO, ST", "AGUS SANTOSO"),
        ("SLAMET, S.Ag.", "SLAMET"),
        ("SUPARMI, A.Md.", "SUPARMI"),
        ("SLAMET, MM", "SLAMET"),
    ],
)
def test_titles_salutations_and_degrees_are_removed_wherever_they_stand(typed, folded):
    assert fold_name(typed) == folded


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("IBNU SUTOWO", "IBNU SUTOWO"),  # not IBU
        ("HARI SUSANTO", "HARI SUSANTO"),  # not HAJI
        ("HARYANTO", "HARYANTO"),
        ("BUDI", "BUDI"),  # not BU
        ("PAKARTI", "PAKARTI"),  # not PAK
        ("DRAJAT", "DRAYAT"),  # not DRA
        ("SLAMET H.", "SLAMET H"),  # an initial after the name, not Haji
        ("H", "H"),  # H alone is all there is of the name
        ("IBU", ""),  # a salutation alone leaves no name
    ],
)
def test_words_that_only_look_like_titles_stay(typed, folded):
    assert fold_name(typed) == folded


# --- names: old spelling ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("SOEKARNO", "SUKARNO"),
        ("SOEHARTO", "SUHARTO"),
        ("DJOKO", "JOKO"),
        ("TJIPTO", "CIPTO"),
        ("SJAHRIR", "SYAHRIR"),
        ("NJOTO", "NYOTO"),
        ("CHOIRUL", "KHOIRUL"),
        ("JUSUF", "YUSUF"),
        ("AHMAD DJAELANI", "AHMAD JAELANI"),
        ("MOCH. ROCHMAT", "MOKH. ROKHMAT"),
    ],
)
def test_old_spelling_folds_to_the_modern_one(old, new):
    assert fold_name(old) == fold_name(new)


def test_old_spelling_dj_matches_j():
    assert fold_name("DJOKO") == fold_name("JOKO") == fold_name("Joko")


def test_j_and_y_are_one_letter_so_folded_names_hold_no_j():
    assert fold_name("JUSUF") == fold_name("YUSUF") == "YUSUF"
    assert fold_name("Joko") == "YOKO"


@pytest.mark.parametrize(
    ("doubled", "single"),
    [("MUHAMMAD", "MUHAMAD"), ("SITTI AMINAH", "SITI AMINAH"), ("ABDULLAH", "ABDULAH")],
)
def test_doubled_letters_fold_to_one(doubled, single):
    assert fold_name(doubled) == fold_name(single)


# --- names: Muhammad, Siti, bin and binti ----------------------------------------------------


@pytest.mark.parametrize(
    "muhammad",
    [
        *("MUHAMMAD", "MUHAMAD", "MUHAMMED", "MOHAMMAD", "MOHAMAD", "MOCHAMMAD", "MOCHAMAD"),
        *("MOCH.", "MOH.", "MUH.", "MOHD", "M.", "Moch", "mochammad"),
    ],
)
def test_every_spelling_of_muhammad_is_one_word(muhammad):
    assert fold_name(f"{muhammad} ROCHMAT") == "MUHAMAD ROKHMAT"


def test_m_alone_stays_m():
    assert fold_name("M") == fold_name("M.") == "M"


def test_m_after_the_name_is_an_initial_not_muhammad():
    assert fold_name("SLAMET M.") == "SLAMET M"


def test_muhammad_is_only_folded_as_a_word_of_its_own():
    assert fold_name("MOHAN") == "MOHAN"
    assert fold_name("MUHTAR") == "MUHTAR"


@pytest.mark.parametrize("typed", ["SITI AMINAH", "ST. AMINAH", "ST AMINAH", "Sitti Aminah"])
def test_st_is_siti(typed):
    assert fold_name(typed) == "SITI AMINAH"


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("AHMAD BIN SALIM", "AHMAD"),
        ("SITI AMINAH BINTI SUPARNO", "SITI AMINAH"),
        ("AHMAD B. SALIM", "AHMAD"),
        ("SITI AMINAH BT. SUPARNO", "SITI AMINAH"),
        ("H. AHMAD BIN H. SALIM, S.Pd.", "AHMAD"),
        ("BINTORO", "BINTORO"),
        ("BINTANG SLAMET", "BINTANG SLAMET"),
    ],
)
def test_bin_and_binti_drop_the_fathers_name(typed, folded):
    assert fold_name(typed) == folded


# --- names: what must stay different ---------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("SLAMET", "SLAMET RIYADI"),
        ("SUPARNO", "SUPARMI"),
        ("IBNU", "IBU"),
        ("HARI", "HAJI"),
        ("M", "MUHAMMAD"),
        ("SLAMET H.", "SLAMET"),
        ("SITI AMINAH", "AMINAH"),
    ],
)
def test_different_names_stay_different(a, b):
    assert fold_name(a) != fold_name(b)


# --- name key and similarity -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("SLAMET RIYADI", "RIYADI SLAMET"),
        ("Hj. Siti Aminah", "AMINAH SITI"),
        ("Moch. Rochmat", "ROCHMAT MUHAMMAD"),
    ],
)
def test_name_key_ignores_the_order_of_the_words(a, b):
    assert name_key(a) == name_key(b)


def test_name_key_keeps_different_names_apart():
    assert name_key("SLAMET") != name_key("SLAMET RIYADI")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("SOEKARNO", "SUKARNO"),
        ("Hj. SRI WAHYUNI, S.Pd.", "SRI WAHYUNI"),
        ("SLAMET RIYADI", "RIYADI SLAMET"),
        ("MOCH. ROCHMAT", "MUHAMMAD ROCHMAT"),
    ],
)
def test_the_same_name_written_another_way_scores_100(a, b):
    assert name_similarity(a, b) == 100


@pytest.mark.parametrize(
    ("a", "b", "low", "high"),
    [
        ("SLAMET RIYADI", "SLAMET RIYADY", 90, 99),  # one slip of the keyboard
        ("MOCH. ROCHMAT", "MUHAMMAD ROHMAT", 90, 99),
        ("SLAMET", "SLAMET RIYADI", SHORTER_NAME_CAP, SHORTER_NAME_CAP),
        ("SITI AMINAH", "SITI", SHORTER_NAME_CAP, SHORTER_NAME_CAP),
        ("SUPARNO", "SUPARMI", 0, 80),
        ("SITI AMINAH", "SRI WAHYUNI", 0, 50),
    ],
)
def test_name_similarity_scores_near_names_high_and_others_low(a, b, low, high):
    assert low <= name_similarity(a, b) <= high


def test_a_name_with_words_left_out_never_scores_as_the_same_name():
    assert name_similarity("SLAMET", "SLAMET RIYADI") == 90 < 100


def test_a_name_of_only_titles_is_no_evidence():
    assert name_similarity("Ibu", "Bu") == 0
    assert name_similarity("", "SLAMET") == 0


# --- addresses -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "street", "rt", "rw"),
    [
        ("DUSUN KRAJAN RT 3/5", "DUSUN KRAJAN", "003", "005"),
        ("Jl. Mawar RT.03/RW.05", "JL MAWAR", "003", "005"),
        ("RT 003 RW 005 DUSUN BANARAN", "DUSUN BANARAN", "003", "005"),
        ("003/005", "", "003", "005"),
        ("RT 02 RW 05", "", "002", "005"),
        ("RT03 RW05", "", "003", "005"),
        ("Rt.3 Rw.5", "", "003", "005"),
        ("RT 02 / RW 05", "", "002", "005"),
        ("RT/RW 003/005 Dk. Sawah", "DK SAWAH", "003", "005"),
        ("RW 5 RT 3 Krajan", "KRAJAN", "003", "005"),
        ("Krajan, 03/05", "KRAJAN", "003", "005"),
        ("Dsn. Krajan", "DSN KRAJAN", "", ""),
        ("Dusun Krajan RT 4", "DUSUN KRAJAN", "004", ""),
        ("Krajan RT - RW -", "KRAJAN", "", ""),
        ("Jl. Mawar No. 12/3", "JL MAWAR NO 12 3", "", ""),  # a house number, not RT/RW
        ("", "", "", ""),
    ],
)
def test_address_line_splits_into_street_rt_and_rw(typed, street, rt, rw):
    assert split_address(typed) == (street, rt, rw)


@pytest.mark.parametrize(
    "typed",
    ["DUSUN KRAJAN", "Dsn. Krajan", "DS KRAJAN", "Dukuh Krajan", "DK. KRAJAN RT 3/5", "krajan"],
)
def test_street_prefixes_fold_away(typed):
    assert fold_street(typed) == "KRAJAN"


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("Jl. Mawar", "MAWAR"),
        ("JALAN MAWAR", "MAWAR"),
        ("Gg. Melati", "MELATI"),
        ("KP. SAWAH", "SAWAH"),
    ],
)
def test_street_words_fold_away_from_roads_and_kampungs(typed, folded):
    assert fold_street(typed) == folded


# --- NIK -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("3306011203800001", "3306011203800001", 0),
        ("3306011203800001", "3306011203800007", 1),  # one wrong digit
        ("3306011203800001", "3306011230800001", 1),  # neighbours swapped
        ("3306011203800001", "3306011203800010", 1),  # the last two swapped
        ("3306011203800001", "3306015503800009", None),  # another person
        ("3306011203800001", "3306013201800001", None),  # swap of digits not next to each other
        ("3306011203800001", "330601120380001", None),  # 15 digits
        ("330601120380000", "330601120380000", None),  # both 15 digits, even when equal
        ("", "", None),
        ("33060112038000O1", "3306011203800001", None),  # a letter O for a zero
    ],
)
def test_nik_distance(a, b, expected):
    assert nik_distance(a, b) == expected == nik_distance(b, a)


@pytest.mark.parametrize(
    ("nik", "born", "sex"),
    [
        ("3306011203800001", datetime.date(1980, 3, 12), "L"),
        ("3306015203800001", datetime.date(1980, 3, 12), "P"),  # day + 40 for women
        ("3306017112050002", datetime.date(2005, 12, 31), "P"),
        ("3306010101260003", datetime.date(2026, 1, 1), "L"),  # a day already past: 20YY
        ("3306013112260003", datetime.date(1926, 12, 31), "L"),  # later this year: 19YY
        ("3306010101270003", datetime.date(1927, 1, 1), "L"),  # a year to come: 19YY
        ("3306012902000001", datetime.date(2000, 2, 29), "L"),
    ],
)
def test_nik_gives_birth_date_and_sex(nik, born, sex):
    assert nik_birth(nik, today=TODAY) == (born, sex)


@pytest.mark.parametrize(
    "nik",
    [
        "3306013102800001",  # 31 February
        "3306010003800001",  # day 0
        "3306013503800001",  # day 35: neither a man's nor a woman's day
        "3306017203800001",  # 32 + 40
        "3306011213800001",  # month 13
        "3306012902010001",  # 29 February 2001
        "3306013002000001",  # 30 February: no century has it
        "330601120380001",  # 15 digits
        "",
    ],
)
def test_nik_without_a_real_birth_date_gives_none(nik):
    assert nik_birth(nik, today=TODAY) == (None, "")


# --- sex -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "sex"),
    [
        *[(t, "L") for t in ("L", "l", "LAKI-LAKI", "Laki-laki", "LAKI LAKI", "LK", "Pria", "1")],
        *[(t, "P") for t in ("P", "p", "PEREMPUAN", "Perempuan", "PR", "wanita", "2", " P ")],
        ("1.0", "L"),  # a spreadsheet number
        ("", ""),
        ("-", ""),
        ("X", ""),
        ("3", ""),
    ],
)
def test_sex_folds_to_l_or_p(typed, sex):
    assert fold_sex(typed) == sex


# --- properties ------------------------------------------------------------------------------

# Names as they reach the office: letters, digits, the punctuation operators type, titles.
name_text = st.text(
    alphabet=st.sampled_from("ABCDEHIJKMNOSTUY abcdehjkmosuy.,'-/()0123456789"), max_size=40
) | st.lists(
    st.sampled_from(
        [
            *("H.", "Hj.", "Drs.", "S.Pd.", ",", "S.T.", "ST", "M.", "M", "BIN", "B.", "IBU"),
            *("SLAMET", "SITI", "DJOKO", "SOEKARNO", "MOCH.", "TJIPTO", "S", "PD", "DR", "T"),
        ]
    ),
    max_size=8,
).map(" ".join)


@given(name_text)
def test_fold_name_is_idempotent(text):
    assert fold_name(fold_name(text)) == fold_name(text)


@given(st.text(max_size=30))
def test_fold_name_is_idempotent_on_any_text(text):
    assert fold_name(fold_name(text)) == fold_name(text)


@given(name_text)
def test_fold_name_ignores_case(text):
    assert fold_name(text.lower()) == fold_name(text.upper()) == fold_name(text)


@given(name_text, st.integers(1, 4))
def test_fold_name_ignores_extra_spacing(text, width):
    spaced = " " * width + (" " * width).join(text.split()) + "\t"
    assert fold_name(spaced) == fold_name(text)


sixteen_digits = st.text(alphabet="0123456789", min_size=16, max_size=16)


@given(sixteen_digits, sixteen_digits)
def test_nik_distance_is_symmetric(a, b):
    assert nik_distance(a, b) == nik_distance(b, a)


@given(sixteen_digits, st.integers(0, 15), st.integers(1, 9))
def test_one_changed_digit_is_distance_one(nik, position, shift):
    changed = nik[:position] + str((int(nik[position]) + shift) % 10) + nik[position + 1 :]
    assert nik_distance(nik, changed) == 1 == nik_distance(changed, nik)


@given(sixteen_digits, st.integers(0, 14))
def test_swapping_neighbouring_digits_is_distance_one_or_zero(nik, i):
    swapped = nik[:i] + nik[i + 1] + nik[i] + nik[i + 2 :]
    assert nik_distance(nik, swapped) == (0 if nik[i] == nik[i + 1] else 1)


@given(name_text, name_text)
def test_name_similarity_is_symmetric(a, b):
    assert name_similarity(a, b) == name_similarity(b, a)
