"""Times as the account lives them: shown in TIMEZONE with the zone's name, stored in UTC."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from communique.site.times import day, day_start, local, when, zone_name

ZONES = ["UTC", "Asia/Tokyo", "Europe/Zagreb", "America/New_York"]


@pytest.mark.parametrize(
    ("zone", "winter", "summer"),
    [
        ("UTC", "2010-03-01 14:30 UTC", "2010-07-01 22:30 UTC"),
        ("Asia/Tokyo", "2010-03-01 23:30 JST", "2010-07-02 07:30 JST"),
        ("Europe/Zagreb", "2010-03-01 15:30 CET", "2010-07-02 00:30 CEST"),  # summer time
        ("America/New_York", "2010-03-01 09:30 EST", "2010-07-01 18:30 EDT"),
    ],
)
def test_a_time_is_shown_in_the_zone_with_its_name(zone, winter, summer):
    assert when("2010-03-01T14:30:00Z", ZoneInfo(zone)) == winter
    assert when("2010-07-01T22:30:00Z", ZoneInfo(zone)) == summer
    assert day("2010-07-01T22:30:00Z", ZoneInfo(zone)) == summer[:10]


def test_a_zone_named_by_its_offset_says_it_is_one_from_utc():
    moment = local("2020-06-01T12:00:00Z", ZoneInfo("Asia/Dubai"))  # tzdata's name is "+04"
    assert zone_name(moment) == "UTC+04"
    assert when("2020-06-01T12:00:00Z", ZoneInfo("America/Sao_Paulo")) == "2020-06-01 09:00 UTC-03"


@pytest.mark.parametrize("value", ["", None])
def test_no_time_shows_nothing(value):
    assert when(value, ZoneInfo("Asia/Tokyo")) == "" and day(value, ZoneInfo("Asia/Tokyo")) == ""


def test_a_time_the_store_holds_that_is_not_one_is_shown_as_it_is():
    assert when("2010-13-45 sometime", ZoneInfo("Asia/Tokyo")) == "2010-13-45 sometime"
    assert day("2010-13-45 sometime", ZoneInfo("Asia/Tokyo")) == "2010-13-45"


def test_a_time_without_an_offset_is_utc_whatever_the_machine_says():
    assert when("2010-03-01T14:30:00", ZoneInfo("Asia/Tokyo")) == "2010-03-01 23:30 JST"


@pytest.mark.parametrize("zone", ZONES)
@given(moment=st.datetimes(datetime(2000, 1, 1), datetime(2030, 1, 1)).map(
    lambda d: d.replace(microsecond=0, tzinfo=UTC)))  # fmt: skip
def test_a_stored_time_falls_in_the_day_it_shows_on(zone, moment):
    """What selects a trip's posts (UTC strings against the day's start) and what its page
    shows (the local date) agree, across summer time changes too."""
    tz = ZoneInfo(zone)
    stored = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    shown = date.fromisoformat(day(stored, tz))
    assert day_start(shown, tz) <= stored < day_start(shown + timedelta(days=1), tz)


@given(
    moment=st.datetimes(min_value=datetime(2006, 3, 21), max_value=datetime(2100, 1, 1)),
    zone=st.sampled_from([UTC, ZoneInfo("UTC"), ZoneInfo("Etc/UTC"), ZoneInfo("Asia/Tokyo")]),
)
def test_a_stored_time_is_on_the_day_its_zone_says(moment, zone):
    """UTC days are read off the stored time (it is asked of every post of every build)."""
    stored = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    expected = moment.replace(tzinfo=UTC).astimezone(zone).date().isoformat()
    assert day(stored, zone) == expected
