"""Tranche arithmetic in whole Rupiah: integers in, integers out, no float anywhere."""

import pytest

from distribution import money


def test_a_phase_of_jps_is_whole_rupiah():
    # Purworejo: Rp250.000 a month, three months a phase.
    assert money.total(250_000, 7_318, 3) == 5_488_500_000
    # Kupang's BPNT: Rp110.000 a month to 15,240 families.
    assert money.total(110_000, 15_240) == 1_676_400_000


@pytest.mark.parametrize("bad", [250_000.0, -1, True, "250000"])
def test_anything_but_whole_rupiah_is_refused(bad):
    with pytest.raises(ValueError):
        money.total(bad, 10)


@pytest.mark.parametrize(
    ("written", "amount"),
    [
        ("Rp250.000", 250_000),
        ("250,000", 250_000),
        ("250.000,00", 250_000),
        ("250000.00", 250_000),
        ("Rp 1.250.000,-", 1_250_000),
        ("250000", 250_000),
        ("  rp110.000 ", 110_000),
    ],
)
def test_amounts_as_banks_write_them(written, amount):
    assert money.parse_rupiah(written) == amount


@pytest.mark.parametrize("written", ["", "-250.000", "250.000,50", "dua ratus", "25.00.0"])
def test_what_is_not_a_whole_amount_is_none(written):
    assert money.parse_rupiah(written) is None


def test_sums_count_rows_and_rupiah_per_key_and_in_all():
    assert money.sums([("apbn", 110_000), ("apbd", 110_000), ("apbn", 220_000)]) == {
        "": (3, 440_000),
        "apbn": (2, 330_000),
        "apbd": (1, 110_000),
    }


@pytest.mark.parametrize(
    ("written", "amount"),
    [("Rp. 250.000", 250_000), ("IDR 250.000", 250_000), ("250000.0", 250_000)],
)
def test_more_ways_banks_write_amounts(written, amount):
    assert money.parse_rupiah(written) == amount
