"""The roster comparison on versions with known joins, leaves, desil changes, new heads and
moves (dedup/engine/changes.py, no Django)."""

from dedup.engine.changes import DESIL, HEAD, JOINED, LEFT, MOVED, Family, compare

KK = "33060601012000{:02d}"
NIK = "33060612038000{:02d}"


def family(n, key=None, kk=None, nik=None, desil=None, place=1):
    return Family(key or f"r{n}", KK.format(n) if kk is None else kk,
                  NIK.format(n) if nik is None else nik, desil, place)  # fmt: skip


def kinds(changes):
    return sorted((c.kind, (c.old or c.new).key) for c in changes)


def test_an_unchanged_family_brings_no_change():
    assert compare([family(1, desil=3)], [family(1, key="n1", desil=3)]) == []


def test_joins_and_leaves():
    changes = compare([family(1), family(2)], [family(2, key="n2"), family(3, key="n3")])
    assert kinds(changes) == [(JOINED, "n3"), (LEFT, "r1")]


def test_a_desil_change_a_move_and_a_new_head_are_each_named():
    old = [family(1, desil=2, place=10), family(2)]
    # Family 2's card stays, its head changed (the husband died, the wife heads it now).
    new = [family(1, key="n1", desil=5, place=11), family(2, key="n2", nik=NIK.format(50))]
    changes = compare(old, new)
    assert kinds(changes) == [(DESIL, "r1"), (HEAD, "r2"), (MOVED, "r1")]
    by_kind = {c.kind: c for c in changes}
    assert (by_kind[DESIL].before, by_kind[DESIL].after) == (2, 5)
    assert (by_kind[MOVED].before, by_kind[MOVED].after) == (10, 11)
    assert by_kind[HEAD].after == NIK.format(50)


def test_a_reissued_card_is_the_same_family_through_its_heads_nik():
    new = [family(1, key="n1", kk=KK.format(77))]
    assert compare([family(1)], new) == []


def test_a_chain_of_shared_numbers_is_one_family():
    old = [family(1), family(2, kk=KK.format(1), nik=NIK.format(2))]  # two rows of one card
    new = [family(3, key="n", kk=KK.format(9), nik=NIK.format(2))]  # the second head, new card
    assert kinds(compare(old, new)) == []


def test_damaged_numbers_link_nothing():
    old = [family(1, kk="3.30606E+15", nik="3306061203")]
    new = [family(2, key="n2", kk="3.30606E+15", nik="3306061203")]
    assert kinds(compare(old, new)) == [(JOINED, "n2"), (LEFT, "r1")]


def test_unknown_desil_or_desa_is_no_change():
    old = [family(1, desil=None, place=None)]
    assert compare(old, [family(1, key="n1", desil=4, place=3)]) == []
