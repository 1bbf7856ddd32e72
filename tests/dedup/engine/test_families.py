"""One family, one place: the rows that repeat a family an earlier row brings to allocation."""

from dedup.engine.families import Listing, repeats


def listing(key, no_kk="", nik="", matches=()):
    return Listing(key, no_kk, nik, f"USULAN:{key}", list(matches))


def test_a_shared_family_card_or_head_makes_the_later_row_a_repeat():
    rows = [listing(1, "KK1", "N1"), listing(2, "KK1", "N2"), listing(3, "KK3", "N1")]
    assert repeats(rows) == {2, 3}


def test_a_row_linked_to_an_earlier_row_repeats_it_whatever_its_numbers():
    # On a roster and proposed before: in_roster, with the earlier row among its matches.
    rows = [listing(1, "KK1", "N1"), listing(2, "KK2", "N2", ["DTSEN:4", "USULAN:1"])]
    assert repeats(rows) == {2}


def test_a_head_whose_nik_is_another_familys_card_is_another_family():
    assert repeats([listing(1, "X", "N1"), listing(2, "KK2", "X")]) == set()


def test_a_chain_of_links_is_one_family_counted_at_its_first_row():
    # 3 shares 1's card and 2's head: 1, 2 and 3 are one family, which goes on at row 1.
    rows = [listing(1, "KK1", "N1"), listing(2, "KK2", "N2"), listing(3, "KK1", "N2")]
    assert repeats(rows) == {2, 3}
    # A link to a row that is itself a repeat reaches the family too.
    rows = [listing(1, "KK1", "N1"), listing(2, "KK1", "N2"), listing(3, "", "", ["USULAN:2"])]
    assert repeats(rows) == {2, 3}


def test_a_link_to_a_row_that_does_not_go_on_joins_nothing():
    # Both rows name USULAN:9, in review or invalid: not among the listings, no family of theirs.
    rows = [listing(1, "KK1", "N1", ["USULAN:9"]), listing(2, "KK2", "N2", ["USULAN:9"])]
    assert repeats(rows) == set()
