"""Service level of the complaint desk in working days: no Saturdays or Sundays, no national
holidays and no cuti bersama (the government's joint leave days), as LAPOR! counts them.

Plain Python, no Django. The holidays come from `lokal-id` (the yearly SKB 3 Menteri). A year it
has no decree for yet counts weekends only, and `known_year` says so, so the page can tell.

    due(datetime.date(2026, 3, 16), 5)                          # 2026-03-30: Nyepi, Idulfitri
    working_days_between(received, today)                       # days used so far
"""

from __future__ import annotations

import datetime

from lokal import holidays

# LAPOR!'s rhythm, the defaults of a category: a complaint is triaged within 3 working days of
# coming in, then followed up within 5 from the day it was given to someone.
TRIAGE_DAYS, FOLLOW_UP_DAYS = 3, 5


def known_year(year: int) -> bool:
    """Whether the holidays of `year` are known (a decree has been published)."""
    return year in holidays.HOLIDAY_YEARS


def is_working_day(day: datetime.date) -> bool:
    if not known_year(day.year):
        return day.weekday() < 5
    return holidays.is_working_day(day)


def due(start: datetime.date, days: int) -> datetime.date:
    """The working day `days` working days after `start` (the day it came in not counted)."""
    day, left = start, days
    while left > 0:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after `start` up to and including `end`: how many a complaint has used."""
    if end <= start:
        return 0
    return sum(
        is_working_day(start + datetime.timedelta(days=n)) for n in range(1, (end - start).days + 1)
    )
