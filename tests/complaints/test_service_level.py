"""The desk's deadlines in working days: Indonesian weekends, national holidays and cuti bersama
do not count; a year without a published decree counts weekends only."""

import datetime

from hypothesis import given
from hypothesis import strategies as st
from lokal import holidays

from complaints.service_level import due, is_working_day, known_year, working_days_between

D = datetime.date


def test_weekends_do_not_count():
    assert due(D(2026, 11, 27), 1) == D(2026, 11, 30)  # Friday + 1 = Monday
    assert due(D(2026, 11, 30), 5) == D(2026, 12, 7)


def test_national_holidays_and_cuti_bersama_do_not_count():
    # 16 March 2026 (Monday): Nyepi (18-19), Idulfitri with cuti bersama (20-24) in between.
    assert due(D(2026, 3, 16), 5) == D(2026, 3, 30)
    assert not is_working_day(D(2026, 12, 24))  # cuti bersama before Christmas
    assert not is_working_day(D(2026, 8, 17))  # Proklamasi


def test_a_year_without_a_decree_counts_weekends_only_and_says_so():
    unknown = max(holidays.HOLIDAY_YEARS) + 1  # the first year without a decree yet
    assert not known_year(unknown)
    new_year = D(unknown, 1, 1)
    while new_year.weekday() > 1:  # a Monday or Tuesday: three weekdays on, no weekend
        new_year = new_year.replace(year=new_year.year + 1)
    assert due(new_year, 3) == new_year + datetime.timedelta(days=3)  # 1 January counts
    assert known_year(2026)


def test_days_used():
    received = D(2026, 11, 27)  # a Friday
    assert working_days_between(received, D(2026, 11, 29)) == 0  # the weekend
    assert working_days_between(received, D(2026, 12, 4)) == 5
    assert due(received, 5) == D(2026, 12, 4)  # overdue from the 5th


@given(
    st.dates(D(2026, 1, 1), D(2027, 11, 30)),
    st.integers(min_value=1, max_value=20),
)
def test_the_due_day_is_a_working_day_exactly_that_many_working_days_on(start, days):
    end = due(start, days)
    assert is_working_day(end)
    assert working_days_between(start, end) == days
