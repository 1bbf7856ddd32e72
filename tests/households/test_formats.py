import pytest

from households.templatetags.bansos import masked, rupiah


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (250_000, "Rp250.000"),
        (3_888_000_000, "Rp3.888.000.000"),
        (500, "Rp500"),
        (0, ""),
        (None, ""),
    ],
)
def test_rupiah_is_written_as_the_office_writes_it(amount, shown):
    assert rupiah(amount) == shown


def test_masked_keeps_first_and_last_four_digits():
    assert masked("3306011203800001") == "3306********0001"
