"""Open now or not, in the place's own time: the provider-near-case page relies on it."""

import datetime
from zoneinfo import ZoneInfo

from apps.providers.selectors import opening_state

MADRID = ZoneInfo("Europe/Madrid")
WEEK = {"mon": [["08:00", "18:00"]], "fri": [["20:00", "02:00"]], "sat": []}


def _at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    # 2026-11-30 is a Monday; ``day`` counts from it.
    monday = datetime.datetime(2026, 11, 30, hour, minute, tzinfo=MADRID)
    return monday + datetime.timedelta(days=day)


def test_inside_and_outside_the_day_hours():
    assert opening_state(hours=WEEK, is_24h=False, local_time=_at(0, 9)).open_now is True
    assert opening_state(hours=WEEK, is_24h=False, local_time=_at(0, 18)).open_now is False  # closing time
    assert opening_state(hours=WEEK, is_24h=False, local_time=_at(0, 7, 59)).open_now is False
    assert opening_state(hours=WEEK, is_24h=False, local_time=_at(0, 9)).today == "08:00–18:00"


def test_an_interval_past_midnight_counts_on_the_next_morning():
    assert opening_state(hours=WEEK, is_24h=False, local_time=_at(4, 23)).open_now is True  # Friday night
    assert opening_state(hours=WEEK, is_24h=False, local_time=_at(5, 1, 30)).open_now is True  # Saturday 01:30
    assert opening_state(hours=WEEK, is_24h=False, local_time=_at(5, 2)).open_now is False
    assert opening_state(hours=WEEK, is_24h=False, local_time=_at(5, 12)).today == ""  # closed all Saturday


def test_24_hours_and_unknown_hours():
    assert opening_state(hours={}, is_24h=True, local_time=_at(6, 3)).open_now is True
    unknown = opening_state(hours={}, is_24h=False, local_time=_at(6, 3))
    assert unknown.open_now is None and unknown.today == ""
