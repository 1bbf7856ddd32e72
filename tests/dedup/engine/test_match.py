"""The cases a person at the office gets right, and so must the engine; no database."""

import datetime
import random
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.engine.match import Candidate, Index, Record, Thresholds, decide, match

DESA_A, DESA_B = "33.06.01.2001", "33.06.01.2002"


def nik(born=datetime.date(1975, 3, 12), female=False, serial=1, region="330601") -> str:
    day = born.day + (40 if female else 0)
    return f"{region}{day:02d}{born:%m%y}{serial:04d}"


def kk(serial=1, region="330601") -> str:
    return f"{region}150320{serial:04d}"


def family(ref, **fields) -> Record:
    values = {
        "no_kk": kk(),
        "nik": nik(),
        "name": "SLAMET RIYADI",
        "sex": "L",
        "address": "DUSUN KRAJAN",
        "rt": "002",
        "rw": "005",
        "desa": DESA_A,
    }
    return Record(ref, **{**values, **fields})


def found(proposal, *candidates):
    """The candidates the engine reports for one proposal, as {ref: (score, reason)}."""
    result = match([proposal], Index(candidates))
    return {c.ref: (c.score, c.reason) for c in result.get(proposal.ref, [])}


def test_same_nik_and_name_is_the_same_family():
    assert found(family("USULAN:1"), family("DTSEN:7")) == {
        "DTSEN:7": (100, "NIK sama + nama sama")
    }


def test_husband_on_the_proposal_and_wife_on_the_roster_share_the_family_card():
    wife = Record(
        "PKH:3",
        no_kk=kk(),
        nik=nik(datetime.date(1979, 8, 1), female=True),
        name="SITI AMINAH",
        sex="P",
    )
    assert found(family("USULAN:1", sex="L"), wife) == {
        "PKH:3": (92, "No. KK sama, kepala keluarga berbeda (istri)")
    }


def test_nik_with_one_digit_wrong_same_name_and_neighbourhood_is_a_match():
    typed = nik()[:-1] + "7"
    result = found(family("USULAN:1", nik=typed, no_kk=""), family("BPNT:4"))
    assert result == {"BPNT:4": (92, "NIK beda 1 digit + nama sama + RT/RW sama")}


def test_namesakes_born_a_day_apart_as_their_own_niks_say_are_two_people():
    """NIKs one digit apart in the day of birth, each written date the one its own NIK holds:
    two SLAMETs of one village born a day apart, not a typo (a list of NIK and name only)."""
    first, second = datetime.date(1975, 3, 12), datetime.date(1975, 3, 13)
    one = family("USULAN:1", nik=nik(first), birth_date=first, no_kk="", rt="", address="")
    other = family("ASN:9", nik=nik(second), birth_date=second, no_kk="", rt="", address="")
    assert found(one, other) == {}
    # A typo: the written date is the person's, whatever digit the NIK lost.
    typed = family("USULAN:1", nik=nik(second), birth_date=first, no_kk="", rt="", address="")
    right = family("ASN:9", nik=nik(first), birth_date=first, no_kk="", rt="", address="")
    assert found(typed, right)["ASN:9"][1].startswith("NIK beda 1 digit")


def test_nik_with_two_neighbouring_digits_swapped_is_a_match():
    right = nik(serial=1234)
    typed = right[:12] + "2134"
    result = found(family("USULAN:1", nik=typed, no_kk=""), family("BPNT:4", nik=right))
    assert result["BPNT:4"][0] >= Thresholds().same


def test_two_men_called_slamet_in_one_desa_are_different_families():
    other = family("DTSEN:9", nik=nik(datetime.date(1981, 1, 5), serial=88), no_kk=kk(serial=77))
    assert (
        found(family("USULAN:1", name="SLAMET"), Record(**{**_fields(other), "name": "SLAMET"}))
        == {}
    )


def test_father_and_son_with_alike_names_in_one_rt_are_different_families():
    son = family(
        "DTSEN:2",
        name="SLAMET RIYADI",
        nik=nik(datetime.date(1998, 6, 1), serial=3),
        no_kk=kk(serial=9),
    )
    assert found(family("USULAN:1", name="SLAMET"), son) == {}


def test_a_family_that_moved_to_another_desa_is_found_by_its_nik():
    moved = family("PKH:5", desa=DESA_B, rt="011", rw="003", address="DUSUN NGASINAN")
    assert found(family("USULAN:1"), moved) == {"PKH:5": (100, "NIK sama + nama sama")}


def test_a_family_card_reissued_after_a_split_is_found_by_the_heads_nik():
    old_card = family("DTKS:8", no_kk=kk(serial=4321))
    assert found(family("USULAN:1"), old_card)["DTKS:8"][0] == 100


def test_old_spellings_and_titles_do_not_hide_the_family():
    result = found(
        family("USULAN:1", name="H. Moch. Djaelani, S.Pd."),
        family("PKH:1", name="MUHAMMAD JAELANI"),
    )
    assert result == {"PKH:1": (100, "NIK sama + nama sama")}


def test_same_nik_with_another_name_goes_to_a_person():
    result = found(family("USULAN:1", no_kk=""), family("BST:2", name="PAINEM", no_kk=""))
    score, reason = result["BST:2"]
    assert Thresholds().band(score) == "review" and reason.startswith("NIK sama, nama berbeda")


def test_roster_with_only_nik_and_name_still_matches():
    assert (
        found(family("USULAN:1"), Record("BST:1", nik=nik(), name="SLAMET RIYADI"))["BST:1"][0]
        == 100
    )


def test_without_numbers_name_birth_date_and_desa_decide():
    born = datetime.date(1960, 2, 2)
    proposal = family("USULAN:1", nik="", no_kk="", birth_date=born)
    roster = family("BLTDESA:3", nik="", no_kk="", birth_date=born, rt="", rw="", address="")
    assert found(proposal, roster) == {
        "BLTDESA:3": (90, "nama sama + tanggal lahir sama + desa sama")
    }


def test_the_same_family_proposed_by_its_village_and_by_an_agency_is_a_duplicate():
    village = family("USULAN:1")
    agency = family("USULAN:40", name="SLAMET RIYADI", address="Dsn. Krajan RT 2/5")
    neighbour = family("USULAN:41", nik=nik(serial=5), no_kk=kk(serial=5), name="SUPARNO")
    batch = [village, agency, neighbour]
    twins = match(batch, Index(batch), earlier_only=True)
    assert set(twins) == {"USULAN:40"}  # the first listing is not a duplicate of the second
    assert [c.ref for c in twins["USULAN:40"]] == ["USULAN:1"]


def test_decision_puts_a_family_on_every_roster_that_lists_it_and_links_its_earlier_listing():
    outcome = decide(
        [
            Candidate("PKH:3", 100, "NIK sama"),
            Candidate("DTSEN:9", 92, "No. KK sama"),
            Candidate("BST:1", 75, "nama mirip 88"),
        ],
        [Candidate("USULAN:2", 100, "NIK sama"), Candidate("USULAN:1", 72, "nama mirip 90")],
    )
    assert (outcome.status, outcome.programs, outcome.matches) == (
        "in_roster",
        ("DTSEN", "PKH"),
        ("PKH:3", "DTSEN:9", "USULAN:2"),
    )
    assert (outcome.score, outcome.reason) == (100, "NIK sama; juga diusulkan lebih dulu")


def test_decision_on_a_roster_without_an_earlier_listing_names_only_rosters():
    outcome = decide([Candidate("PKH:3", 100, "NIK sama")], [])
    assert (outcome.matches, outcome.reason) == (("PKH:3",), "NIK sama")


def test_decision_between_duplicate_review_and_new():
    assert decide([], [Candidate("USULAN:2", 98, "No. KK sama")]).status == "duplicate_in_batch"
    review = decide([Candidate("BST:1", 80, "NIK sama, nama berbeda (40)")], [])
    assert (review.status, review.matches, review.score) == ("review", ("BST:1",), 80)
    assert decide([], []).status == "new"
    assert decide([Candidate("BST:1", 80, "x")], [], Thresholds(same=80)).status == "in_roster"


def test_work_is_blocked_not_every_pair_compared(monkeypatch):
    compared = []
    import dedup.engine.match as engine

    real = engine.compare
    monkeypatch.setattr(engine, "compare", lambda a, b: compared.append(1) or real(a, b))
    rng = random.Random(1)
    roster = [
        family(
            f"DTSEN:{i}",
            nik=nik(serial=i),
            no_kk=kk(serial=i),
            name="".join(rng.choices("ABDEGHIKLMNOPRSTUWY", k=9)),
            rt=f"{rng.randrange(1, 30):03d}",
        )
        for i in range(1, 3000)
    ]
    proposals = [family("USULAN:1", nik=nik(serial=17), no_kk=kk(serial=17), name=roster[16].name)]
    assert [c.ref for c in match(proposals, Index(roster))["USULAN:1"]] == ["DTSEN:17"]
    # the same numbers, the numbers one slip away, the same RT: never all 2,999
    assert len(compared) < 200


def _fields(record):
    return {name: getattr(record, name) for name in record.__slots__}


names = st.sampled_from(["SLAMET", "SITI AMINAH", "Moch. Rochmat", "SRI WAHYUNI", "PAINEM"])


relations = st.sampled_from(["same", "slip", "other"])


@settings(max_examples=80, deadline=None)
@given(a=names, b=names, nik_is=relations, kk_is=relations)
def test_matching_is_symmetric(a, b, nik_is, kk_is):
    theirs = {"same": nik(), "slip": nik()[:-1] + "7", "other": nik(serial=4321)}
    their_kk = {"same": kk(), "slip": kk()[:-1] + "7", "other": kk(serial=4321)}
    left = family("USULAN:1", name=a)
    right = family("USULAN:2", name=b, nik=theirs[nik_is], no_kk=their_kk[kk_is])
    there = found(left, right).get("USULAN:2")
    back = found(right, left).get("USULAN:1")
    assert there == back
    if "same" in (nik_is, kk_is) and "other" not in (nik_is, kk_is):
        assert there is not None  # a shared number always puts the pair before a person


@settings(max_examples=40, deadline=None)
@given(name=names, spaces=st.integers(1, 3), lower=st.booleans(), seed=st.integers(0, 99))
def test_case_spacing_and_row_order_change_nothing(name, spaces, lower, seed):
    written = (" " * spaces).join(name.split())
    written = written.lower() if lower else written
    roster = [
        family(f"PKH:{i}", nik=nik(serial=i), no_kk=kk(serial=i), name="PAINEM")
        for i in range(2, 30)
    ]
    roster.append(family("PKH:1", name=name, no_kk=""))
    shuffled = roster[:]
    random.Random(seed).shuffle(shuffled)
    proposal = family("USULAN:1", name=written, no_kk="")
    assert found(proposal, *roster) == found(proposal, *shuffled)
    assert found(proposal, *roster)["PKH:1"][0] == 100


def test_without_numbers_the_mothers_name_vouches_like_a_birth_date():
    proposal = family("USULAN:1", nik="", no_kk="", mother_name="Painem", rt="", rw="")
    roster = family("DTSEN:4", nik="", no_kk="", mother_name="PAINEM", rt="", rw="", address="")
    assert found(proposal, roster) == {"DTSEN:4": (90, "nama sama + nama ibu sama + desa sama")}
    other_mother = Record(**{**_fields(roster), "mother_name": "TUKINEM"})
    assert found(proposal, other_mother) == {}


def test_a_doubtful_record_with_the_number_of_a_sure_match_is_the_family_too():
    right = nik(serial=4321)
    typed = right[:-1] + "9"  # the proposal's NIK is one digit off
    proposal = family("USULAN:1", nik=typed)
    bpnt = family("BPNT:2", nik=right)  # same No. KK: surely the family
    bst = Record("BST:5", nik=right, name="SLAMET RIYADI")  # NIK and name only
    result = found(proposal, bpnt, bst)
    assert result["BPNT:2"] == (98, "No. KK sama + nama sama")
    assert result["BST:5"] == (90, "NIK sama dengan BPNT:2 + NIK beda 1 digit + nama sama")
    alone = found(proposal, bst)  # without the sure match it stays a question for a person
    assert alone["BST:5"][0] == 80


def test_number_table_finds_a_slip_only_under_a_name_alike_and_of_the_same_kind():
    from dedup.engine.match import NumberTable, Slipped
    from dedup.engine.normalize import fold_name

    right = nik(serial=4321)
    neighbour = nik(serial=4322)  # born the same day in the same kecamatan: one digit off too
    table = NumberTable(
        [
            (1, "nik", right, "Moch. Rochmat"),
            (1, "kk", kk(serial=1), "Moch. Rochmat"),
            (2, "nik", neighbour, "SUPARNO"),
            (3, "nik", "3.30601E+15", "SUPARNO"),  # damaged: not a number to look up
            (4, "kk", right[:-1] + "8", "MOCH ROCHMAT"),  # a No. KK one digit off his NIK
        ]
    )

    def slips(*keys):
        folded = [(kind, number, fold_name(name)) for kind, number, name in keys]
        return set(table.slip_pairs(Slipped(folded))[1].tolist())

    typed = right[:-1] + "9"
    assert slips(("nik", typed, "MUHAMMAD ROCHMAT")) == {1}  # not row 4: a No. KK
    assert slips(("nik", typed, "SLAMET")) == set()
    swapped = right[:12] + "3421"
    assert slips(("nik", swapped, "M. ROCHMAT"), ("nik", "", "X")) == {1}
    assert slips(("kk", typed, "M. ROCHMAT")) == {4}
    assert table.holding([("nik", right), ("kk", right), ("nik", "3.30601E+15")]) == {1}


def test_numbers_end_to_end_are_read_as_sixteen_digits_each():
    from dedup.engine.match import NUMBER_WIDTH, digits16

    numbers = [
        "3306011203800001",  # a clean number
        "3306011203800 01",  # a space inside
        "330601120380001",  # fifteen digits
        "33060112038000é1",  # a letter beyond ASCII keeps the rest in place
        "3.30601E+15",  # what Excel made of one
        "33060112038000017",  # seventeen digits: no number, not its first sixteen
        "0000000000000007",
    ]
    text = "".join(number[:NUMBER_WIDTH].ljust(NUMBER_WIDTH) for number in numbers)
    assert digits16(text).tolist() == [3306011203800001, -1, -1, -1, -1, -1, 7]
    assert digits16("").tolist() == []


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "3306011203800001",
                    "3306011203800002",
                    "33060112038000",
                    "x" * 16,
                    "33060112038000011",
                ]
            ),
            st.sampled_from(["3306011203800001", "3306010101200003", ""]),
            st.sampled_from(["SLAMET", "Slamet ", "SITI AMINAH", "Hj. Siti Aminah", ""]),
        ),
        max_size=12,
    )
)
def test_a_table_given_column_by_column_is_the_table_given_number_by_number(rows):
    """What the pipeline loads in bulk for a million roster rows is the table the engine makes
    from the same rows one number at a time: the same numbers, rows and names."""
    import numpy as np

    from dedup.engine.match import NUMBER_WIDTH, NumberTable, digits16

    entries = [
        (pk, kind, number, name)
        for pk, (nik, kk, name) in enumerate(rows, start=1)
        for kind, number in (("nik", nik), ("kk", kk))
    ]
    written = list(dict.fromkeys(name for _nik, _kk, name in rows))
    table = NumberTable.from_columns(
        np.arange(1, len(rows) + 1, dtype=np.int64),
        digits16("".join(nik.ljust(NUMBER_WIDTH) for nik, _kk, _name in rows)),
        digits16("".join(kk.ljust(NUMBER_WIDTH) for _nik, kk, _name in rows)),
        np.array([written.index(name) for *_, name in rows], dtype=np.int64),
        written,
    )

    def content(t):
        names = [t.spellings[i] for i in t.name_ids.tolist()]
        return sorted(zip(t.values.tolist(), t.ids.tolist(), names, strict=True))

    assert content(table) == content(NumberTable(entries))


digits = st.text(alphabet="0123456789", min_size=1, max_size=2)
spelled = st.sampled_from(["SLAMET", "SLAMET RIYADI", "SITI AMINAH", "AMINAH SITI", "PAINEM", ""])


@settings(max_examples=60, deadline=None)
@given(
    table=st.lists(
        st.tuples(st.sampled_from(["nik", "kk"]), digits, spelled), min_size=1, max_size=30
    ),
    asked=st.lists(st.tuples(st.sampled_from(["nik", "kk"]), digits, spelled), max_size=10),
    sort=st.booleans(),
)
def test_slip_lookups_find_what_a_pair_by_pair_search_finds(table, asked, sort):
    """The bulk search (numpy, names compared once per pair of spellings, sorted lookups in
    large tables) against the plain definition, on numbers that often share all but a digit."""
    from dedup.engine import match as engine
    from dedup.engine.normalize import fold_name, folded_similarity
    from households.numbers import nik_distance

    base = "33060112038000"
    rows = [(pk, kind, base + tail.zfill(2), name) for pk, (kind, tail, name) in enumerate(table)]
    keys = [(kind, base + tail.zfill(2), fold_name(name)) for kind, tail, name in asked]
    with mock.patch.object(engine, "SORTED_LOOKUPS_ABOVE", 0 if sort else 10**9):
        given, found = engine.NumberTable(rows).slip_pairs(engine.Slipped(keys))
    # A small table searched with numbers a big one had sorted answers alike, in the same order.
    slipped = engine.Slipped(keys)
    slipped.sorted()
    with mock.patch.object(engine, "SORTED_LOOKUPS_ABOVE", 10**9):
        again, again_found = engine.NumberTable(rows).slip_pairs(slipped)
        plain, plain_found = engine.NumberTable(rows).slip_pairs(engine.Slipped(keys))
    assert again.tolist() == plain.tolist() and again_found.tolist() == plain_found.tolist()
    expected = {
        (at, pk)
        for at, (kind, number, name) in enumerate(keys)
        for pk, their_kind, theirs, their_name in rows
        if kind == their_kind
        and nik_distance(number, theirs) == 1
        and folded_similarity(name, fold_name(their_name)) >= engine.SLIP_NAME
    }
    assert set(zip(given.tolist(), found.tolist(), strict=True)) == expected
    assert len(given) == len(expected)  # each pair once


@settings(max_examples=60, deadline=None)
@given(pairs=st.lists(st.tuples(spelled, spelled), max_size=40), cutoff=st.integers(0, 100))
def test_names_compared_in_bulk_as_one_by_one(pairs, cutoff):
    from dedup.engine.normalize import fold_name, folded_similarity, similar_enough

    lefts = [fold_name(a) for a, _ in pairs]
    rights = [fold_name(b) for _, b in pairs]
    expected = [folded_similarity(a, b) >= cutoff for a, b in zip(lefts, rights, strict=True)]
    assert similar_enough(lefts, rights, cutoff).tolist() == expected


# --- Rosters that are not up to date: an older family card, a NIK never matched -------------

BORN = datetime.date(1975, 3, 12)


def test_two_digits_swapped_far_apart_in_the_nik_are_found_through_the_home():
    true = nik(serial=4217)
    typed = true[:7] + true[14] + true[8:14] + true[7] + true[15]  # digits 8 and 15 swapped
    assert typed != true
    proposal = family("USULAN:1", nik=typed, no_kk=kk(serial=900), birth_date=BORN)
    score, reason = found(proposal, family("DTSEN:7", nik=true, no_kk=kk(serial=41)))["DTSEN:7"]
    assert score >= 90 and reason.startswith("NIK beda 1 digit")


def test_a_mistyped_nik_against_a_roster_with_the_old_family_card_is_the_same_family():
    proposal = family("USULAN:1", nik=nik(serial=12), no_kk=kk(serial=900), birth_date=BORN)
    roster = family("DTSEN:7", nik=nik(serial=13), no_kk=kk(serial=41))
    assert found(proposal, roster) == {
        "DTSEN:7": (90, "NIK beda 1 digit + nama sama + RT/RW sama + No. KK berbeda (KK lama?)")
    }


def test_father_and_son_of_one_name_and_house_whose_niks_differ_in_the_year_are_two_families():
    son = family("USULAN:1", nik=nik(born=datetime.date(1985, 3, 12)), no_kk=kk(serial=200),
                 birth_date=datetime.date(1985, 3, 12))  # fmt: skip
    father = family("BLTDESA:3", nik=nik(born=datetime.date(1955, 3, 12)), no_kk=kk(serial=371))
    assert found(son, father) == {}


def test_a_roster_nik_never_matched_to_the_registry_is_the_family_when_name_home_and_birth_agree():
    # DTSEN once held NIKs that did not match the civil registry: the region and birth date
    # are right, the serial is not, and the family card is an older one.
    proposal = family("USULAN:1", nik=nik(serial=2417), no_kk=kk(serial=900), birth_date=BORN)
    roster = family("DTSEN:7", nik=nik(serial=8), no_kk=kk(serial=41), name="SLAMET RIJADI")
    score, reason = found(proposal, roster)["DTSEN:7"]
    assert score == 90 and reason.startswith("NIK beda nomor urut, tanggal lahir sama")
    elsewhere = family("DTSEN:8", nik=nik(serial=8), no_kk=kk(serial=41), rt="009", address="")
    assert found(proposal, elsewhere) == {}  # a namesake born that day in another RT


def test_one_name_and_mothers_name_but_another_birth_date_is_not_the_family_without_numbers():
    # Both numbers of the proposal were damaged by Excel: only name, mother and place remain.
    proposal = family("USULAN:9", nik="", no_kk="", mother_name="NGATIYEM", rt="006",
                      birth_date=datetime.date(1967, 3, 22))  # fmt: skip
    namesake = family("USULAN:2", mother_name="NGATIYEM", rt="012", address="DUSUN KULON",
                      birth_date=datetime.date(2001, 12, 5))  # fmt: skip
    assert found(proposal, namesake) == {}
    same = family(
        "USULAN:3", mother_name="NGATIYEM", rt="012", nik=nik(born=datetime.date(1967, 3, 22))
    )
    assert found(proposal, same)["USULAN:3"][0] == 90
