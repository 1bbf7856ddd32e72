"""The allocation the office starts from: targets filled in turn, by the round's order, never
with a family its rosters exclude unless staff override it with a reason; no database."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from programs.rounds.allocation import EXCLUDED, FULL, Family, Matrix, Target, fair_shares, propose

MATRIX = Matrix(allowed=[("PKH", "BPNT"), ("PKH", "BANSOSPROV")], registers=["DTSEN"])
PROVINCE = Target("BANSOSPROV", places=2)
JPS = Target("JPSKAB", budget=3 * 250_000 * 3, benefit_per_month=250_000, months=3)


def family(ref, kecamatan="Bayan", desa="Sucen", **fields):
    return Family(ref, kecamatan, desa, **fields)


def test_targets_fill_in_turn_poorest_first_and_the_rest_is_told_why():
    families = [family(n, desil=d) for n, d in enumerate([5, 1, None, 3, 2, 4, 9], start=1)]
    plan = propose(families, [PROVINCE, JPS], MATRIX, order=["desil"])
    assert [ref for ref, code in plan.assigned.items() if code == "BANSOSPROV"] == [2, 5]
    assert [ref for ref, code in plan.assigned.items() if code == "JPSKAB"] == [4, 6, 1]
    assert plan.left_out == {7: FULL, 3: FULL}


def test_a_budget_pays_for_whole_families_only():
    assert Target("JPSKAB", budget=2_000_000, benefit_per_month=250_000, months=3).capacity == 2
    assert Target("JPSKAB", places=5, budget=10**9, benefit_per_month=1, months=1).capacity == 5
    assert Target("BST").capacity is None


def test_a_family_on_an_excluding_roster_goes_elsewhere_or_is_left_out_with_the_reason():
    families = [
        family(1, desil=1, holds=frozenset({"BLTDESA"})),  # BLT Desa with nothing else
        family(2, desil=2, holds=frozenset({"PKH", "DTSEN"})),  # PKH may join the province's
        family(3, desil=3),
    ]
    plan = propose(families, [PROVINCE, JPS], MATRIX, order=["desil"])
    assert plan.assigned == {2: "BANSOSPROV", 3: "BANSOSPROV"}
    assert plan.excluded[1] == {"BANSOSPROV": ["BLTDESA"], "JPSKAB": ["BLTDESA"]}
    assert plan.left_out[1] == EXCLUDED


def test_an_override_places_an_excluded_family_and_keeps_the_reason():
    families = [family(1, holds=frozenset({"BLTDESA"})), family(2)]
    reason = "BLT Desa berhenti Maret; surat kepala desa 12-03-2026"
    plan = propose(families, [JPS], MATRIX, overrides={1: ("JPSKAB", reason)})
    assert plan.assigned == {1: "JPSKAB", 2: "JPSKAB"}
    assert plan.overridden == {1: reason}
    # An override for another target changes nothing here.
    plan = propose(families, [JPS], MATRIX, overrides={1: ("BANSOSPROV", reason)})
    assert 1 not in plan.assigned and not plan.overridden


def test_village_or_agency_proposals_first_then_the_order_of_proposal():
    families = [family(1, source="agency"), family(2), family(3, source="agency"), family(4)]
    first = propose(families, [PROVINCE], MATRIX, order=["village_first"])
    assert list(first.assigned) == [2, 4]
    first = propose(families, [PROVINCE], MATRIX, order=["agency_first"])
    assert list(first.assigned) == [1, 3]
    with pytest.raises(ValueError, match="unknown order"):
        propose(families, [PROVINCE], MATRIX, order=["richest"])


def test_kecamatan_shares_follow_their_eligible_families():
    families = [family(n, kecamatan="Bayan") for n in range(6)]
    families += [family(n, kecamatan="Kutoarjo") for n in range(6, 9)]
    families += [family(9, kecamatan="Bruno")]
    plan = propose(families, [Target("BANSOSPROV", places=5)], MATRIX, kecamatan_shares=True)
    where = {f.ref: f.kecamatan for f in families}
    assert sorted(where[ref] for ref in plan.assigned) == ["Bayan"] * 3 + ["Kutoarjo"] * 2
    counts = plan.counts(families)["BANSOSPROV"]
    assert counts[("Bayan", "Sucen")] == 3


@settings(max_examples=100, deadline=None)
@given(
    eligible=st.dictionaries(st.sampled_from("ABCDEFG"), st.integers(0, 50), min_size=1),
    places=st.integers(0, 200),
)
def test_fair_shares_give_out_every_place_and_never_more_than_a_kecamatan_has(eligible, places):
    shares = fair_shares(eligible, places)
    assert sum(shares.values()) == min(places, sum(eligible.values()))
    assert all(0 <= shares[k] <= eligible[k] for k in eligible)
    total = sum(eligible.values())
    if total > places:  # within one place of its exact proportion
        assert all(abs(shares[k] - places * eligible[k] / total) < 1 for k in eligible)


@settings(max_examples=60, deadline=None)
@given(
    desils=st.lists(st.one_of(st.none(), st.integers(1, 10)), max_size=40),
    holds=st.lists(st.sampled_from(["", "PKH", "BLTDESA", "DTSEN"]), max_size=40),
    places=st.integers(0, 20),
)
def test_no_family_in_two_targets_nor_on_an_excluding_roster(desils, holds, places):
    families = [
        family(n, desil=d, holds=frozenset({h} - {""}))
        for n, (d, h) in enumerate(zip(desils, holds, strict=False))
    ]
    targets = [Target("BANSOSPROV", places=places), Target("JPSKAB", places=places)]
    plan = propose(families, targets, MATRIX, order=["desil"])
    assert set(plan.assigned) | set(plan.left_out) == {f.ref for f in families}
    assert not set(plan.assigned) & set(plan.left_out)
    for f in families:
        if f.ref in plan.assigned:
            assert not MATRIX.excluding(f.holds, plan.assigned[f.ref])
    for code in ("BANSOSPROV", "JPSKAB"):
        assert sum(1 for c in plan.assigned.values() if c == code) <= places


def test_equal_remainders_go_to_the_kecamatan_listed_first():
    assert fair_shares({"A": 1, "B": 1, "C": 7}, 3) == {"A": 1, "B": 0, "C": 2}
