"""Trips: the staff's files, the rules that pick posts, the page summary and the suggestions."""

from __future__ import annotations

import re
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from invoke import Context
from markupsafe import Markup

import tasks
from communique.errors import CommuniqueError
from communique.ingest.export import import_archive
from communique.records import is_public
from communique.site.trips import (
    Trip,
    assign,
    load_trips,
    matches,
    parse_trip,
    suggest,
    summarize,
    write_drafts,
)
from communique.store import Store
from conftest import ROOT, make_project
from tools.synth import write_export

TRIP = """Title: Iceland, Croatia and Armenia
Start: 2008-11-02
End: 2008-11-16
Accounts: envoy
Hashtags: Iceland, #Croatia
Places: Reykjavik, Yerevan
Summary: Three capitals.

In **Reykjavík** she met fishermen. <script>alert(1)</script>
[A link](javascript:alert(1)) and [a good one](https://example.org/).
"""

REYKJAVIK = {"name": "Reykjavík, Iceland", "country": "Iceland", "lat": 64.15, "lon": -21.94}
ZAGREB = {"name": "Zagreb, Croatia", "country": "Croatia", "lat": 45.81, "lon": 15.98}
HOME = {"name": "Washington, DC", "country": "United States", "lat": 38.9, "lon": -77.04}


def post(id, day, tags=(), place=None, account="envoy", time="10:00:00", **extra):
    """A store record with only what trips look at."""
    return {
        "id": str(id),
        "account": account,
        "created_at": f"{day}T{time}Z",
        "text": "x",
        "entities": {"hashtags": [{"tag": t} for t in tags], "mentions": [], "urls": []},
        "place": place,
        "media": [],
        "reply_to": None,
        **extra,
    }


def ids(posts):
    return [p["id"] for p in posts]


@pytest.fixture
def trip(tmp_path):
    path = tmp_path / "iceland-2008.md"
    path.write_text(TRIP)
    return parse_trip(path)


# -- trip files --------------------------------------------------------------------------------


def test_a_trip_file_gives_rules_and_a_sanitized_narrative(trip, tmp_path):
    assert (trip.slug, trip.title, trip.start, trip.end) == (
        "iceland-2008",
        "Iceland, Croatia and Armenia",
        date(2008, 11, 2),
        date(2008, 11, 16),
    )
    assert trip.accounts == ["envoy"] and trip.summary == "Three capitals."
    assert trip.hashtags == ["Iceland", "Croatia"] and trip.places == ["Reykjavik", "Yerevan"]
    assert "<strong>Reykjavík</strong>" in trip.narrative_html
    assert '<a href="https://example.org/"' in trip.narrative_html
    assert "<script" not in trip.narrative_html and "javascript:" not in trip.narrative_html
    assert isinstance(trip.narrative_html, Markup)  # templates show it as HTML, unescaped
    assert not trip.draft and trip.source == tmp_path / "iceland-2008.md"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Title: Minimal\nStart: 2010-03-08\nEnd: 2010-03-08\n",
            {"accounts": [], "hashtags": [], "places": [], "draft": False, "summary": ""},
        ),
        (
            "\ufefftitle: Bom and lowercase keys\nstart: 2010-03-08\nend: 2010-03-09\n\nStory.\n",
            {"title": "Bom and lowercase keys", "end": date(2010, 3, 9)},
        ),
        (
            "Title: Draft\nStart: 2010-03-08\nEnd: 2010-03-10\nStatus: Draft\n\nLater.\n",
            {"draft": True},
        ),
        (
            "Title: T\nStart: 2010-03-08\nEnd: 2010-03-10\nAccounts: @Envoy_Vale, press ,\n"
            "Hashtags: #Ghana,  Senegal\nPlaces: Accra, Ghana\n",
            {"accounts": ["envoy_vale", "press"], "hashtags": ["Ghana", "Senegal"]},
        ),
        (
            "Title: Colons: fine in values\nStart: 2010-03-08\nEnd: 2010-03-08\n\nA: b\n",
            {"title": "Colons: fine in values"},
        ),
    ],
)
def test_good_trip_files(tmp_path, text, expected):
    path = tmp_path / "west-africa-2010.md"
    path.write_text(text, encoding="utf-8")
    parsed = parse_trip(path)
    assert {key: getattr(parsed, key) for key in expected} == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Start: 2008-11-02\nEnd: 2008-11-03\n\nx", r"trip\.md: missing 'Title:'"),
        ("Title:\nStart: 2008-11-02\nEnd: 2008-11-03\n", r"trip\.md:1: missing 'Title:'"),
        ("Title: x\nStart: 2008-11-02\n\nx", "missing 'End:'"),
        ("Title: x\nStart: 2008-13-02\nEnd: 2008-11-03\n\nx", r"trip\.md:2: Start '2008-13-02'"),
        ("Title: x\nStart: 2008-11-02\nEnd: 3 Nov\n", r"trip\.md:3: End '3 Nov' is not a date"),
        ("Title: x\nStart: 2008-11-05\nEnd: 2008-11-03\n\nx", r"trip\.md:3: End .* before Start"),
        ("Title x\n\nbody", r"trip\.md:1: expected metadata 'Key: value'"),
        ("Title: x\nStart: 2008-11-02\nEnd: 2008-11-03\nHashtag: Iceland\n", r"trip\.md:4: "),
        ("Title: x\nStart: 2008-11-02\nEnd: 2008-11-03\nStory starts here\n", r"trip\.md:4: "),
        ("Title: x\nTitle: y\nStart: 2008-11-02\nEnd: 2008-11-03\n", r"trip\.md:2: Title .*twice"),
        ("Title: x\nStart: 2008-11-02\nEnd: 2008-11-03\nStatus: maybe\n", r"trip\.md:4: Status"),
    ],
)
def test_malformed_trips_name_the_file_and_line(tmp_path, text, message):
    path = tmp_path / "trip.md"
    path.write_text(text)
    with pytest.raises(CommuniqueError, match=message):
        parse_trip(path)


@pytest.mark.parametrize("name", ["Iceland Trip.md", "v1.2.md", "-dash.md", "ÉTÉ.md"])
def test_a_file_name_that_cannot_be_an_address_is_refused(tmp_path, name):
    path = tmp_path / "sub" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("Title: x\nStart: 2008-11-02\nEnd: 2008-11-03\n")
    with pytest.raises(CommuniqueError, match="file name"):
        parse_trip(path)


def test_not_utf8_is_an_error_naming_the_file(tmp_path):
    path = tmp_path / "latin.md"
    path.write_bytes("Title: Reykjavík\n".encode("latin-1"))
    with pytest.raises(CommuniqueError, match=r"latin\.md: cannot be read"):
        parse_trip(path)


def test_trips_load_earliest_first_and_a_missing_folder_is_no_trips(tmp_path):
    (tmp_path / "b.md").write_text("Title: B\nStart: 2010-01-01\nEnd: 2010-01-02\n")
    (tmp_path / "a.md").write_text("Title: A\nStart: 2011-01-01\nEnd: 2011-01-02\n")
    (tmp_path / "notes.txt").write_text("not a trip")
    assert [t.slug for t in load_trips(tmp_path)] == ["b", "a"]
    assert load_trips(tmp_path / "nothing-here") == []


def test_the_demo_trips_load_and_each_has_posts():
    trips = load_trips(ROOT / "content" / "trips")
    assert len(trips) >= 2
    posts = list(Store(ROOT / "content" / "archive").posts())
    assert all(assign(trips, posts).values())


# -- rules -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("candidate", "expected"),
    [
        (post(1, "2008-11-03", tags=["iceland"]), True),  # hashtags ignore case
        (post(2, "2008-11-03", place=REYKJAVIK), True),  # "Reykjavik" finds "Reykjavík, Iceland"
        (post(3, "2008-11-16", place={"name": "Yerevan", "country": "Armenia"}), True),
        (post(4, "2008-11-02", tags=["Croatia"], time="00:00:00"), True),  # first day, at 0:00
        (post(5, "2008-11-16", tags=["Croatia"], time="23:59:59"), True),  # last day, whole
        (post(6, "2008-11-17", tags=["Iceland"], time="00:00:00"), False),
        (post(7, "2008-11-01", tags=["Iceland"], time="23:59:59"), False),
        (post(8, "2008-11-03", tags=["Iceland"], account="other"), False),
        (post(9, "2008-11-03", tags=["Trade"]), False),
        (post(10, "2008-11-03"), False),  # neither hashtag nor place
        (post(11, "2008-11-03", place=ZAGREB), False),  # a place the trip does not name
        (post(12, "2008-11-03", tags=["IcelandAir"]), False),  # whole tags only
    ],
)
def test_matching_rules(trip, candidate, expected):
    assert matches(trip, candidate) is expected


def rules(**kwargs) -> Trip:
    return Trip(slug="t", title="T", start=date(2010, 3, 1), end=date(2010, 3, 31), **kwargs)


@pytest.mark.parametrize(
    ("trip", "candidate", "expected"),
    [
        (rules(), post(1, "2010-03-05", account="anyone"), True),  # no rules: every post
        (rules(accounts=["envoy"]), post(2, "2010-03-05", account="Envoy"), True),
        (rules(places=["Iceland"]), post(3, "2010-03-05", place=REYKJAVIK), True),  # a country
        (rules(places=["reykjavik, iceland"]), post(4, "2010-03-05", place=REYKJAVIK), True),
        (
            rules(places=["Reykjavík, Iceland"]),
            post(5, "2010-03-05", place={"name": "Reykjavik", "country": "Iceland"}),
            True,
        ),
        (
            rules(places=["Paris, Texas"]),
            post(6, "2010-03-05", place={"name": "Paris, France", "country": "France"}),
            False,
        ),
        (rules(places=["Dakar"]), post(7, "2010-03-05", tags=["Dakar"]), False),
        (rules(hashtags=["Ghana"], places=["Dakar"]), post(8, "2010-03-05", tags=["GHANA"]), True),
    ],
)
def test_more_matching_rules(trip, candidate, expected):
    assert matches(trip, candidate) is expected


def test_a_post_can_belong_to_several_trips(trip):
    other = Trip(slug="nordic", title="Nordic", start=date(2008, 11, 1), end=date(2008, 11, 30))
    posts = [
        post(3, "2008-11-20", tags=["Iceland"]),
        post(1, "2008-11-03", tags=["Iceland"]),
        post(2, "2008-12-01", tags=["Iceland"]),
    ]
    assert {slug: ids(found) for slug, found in assign([trip, other], posts).items()} == {
        "iceland-2008": ["1"],
        "nordic": ["1", "3"],
    }


ZONES = ["UTC", "Asia/Tokyo", "Europe/Zagreb", "America/New_York"]


@pytest.mark.parametrize(
    ("zone", "stored", "day", "expected"),
    [
        ("Asia/Tokyo", "2010-02-28T23:30:00", "2010-03-01", True),  # 08:30 in Tokyo
        ("Asia/Tokyo", "2010-03-01T14:30:00", "2010-03-01", True),  # 23:30 in Tokyo
        ("Asia/Tokyo", "2010-03-01T15:00:00", "2010-03-01", False),  # the next day there
        ("America/New_York", "2010-03-02T01:00:00", "2010-03-01", True),  # 20:00 the day before
        ("Europe/Zagreb", "2010-07-01T22:30:00", "2010-07-02", True),  # 00:30 summer time
        ("Europe/Zagreb", "2010-07-01T22:30:00", "2010-07-01", False),
        ("Europe/Zagreb", "2010-01-01T22:30:00", "2010-01-01", True),  # 23:30 winter time
        ("UTC", "2010-03-01T23:59:59", "2010-03-01", True),
        ("UTC", "2010-02-28T23:30:00", "2010-03-01", False),
    ],
)
def test_a_trip_s_days_are_days_where_the_account_lives(zone, stored, day, expected):
    one_day = Trip(slug="t", title="T", start=date.fromisoformat(day), end=date.fromisoformat(day))
    candidate = post(1, stored[:10], time=stored[11:])
    assert matches(one_day, candidate, ZoneInfo(zone)) is expected
    assert ids(assign([one_day], [candidate], ZoneInfo(zone))["t"]) == (["1"] if expected else [])


@pytest.mark.parametrize(
    ("zone", "days"),
    [
        ("UTC", [("2010-02-28", ["1", "2"]), ("2010-03-01", ["3", "4"])]),
        ("Asia/Tokyo", [("2010-03-01", ["1", "2", "3"])]),  # "4" is 2 March there: not the trip's
        ("Europe/Zagreb", [("2010-02-28", ["1"]), ("2010-03-01", ["2", "3", "4"])]),
    ],
)
def test_a_trip_page_s_days_are_days_where_the_account_lives(zone, days):
    both = Trip(slug="t", title="T", start=date(2010, 2, 28), end=date(2010, 3, 1))
    posts = [
        post(1, "2010-02-28", time="20:00:00"),
        post(2, "2010-02-28", time="23:30:00"),
        post(3, "2010-03-01", time="14:30:00"),
        post(4, "2010-03-01", time="16:00:00"),
    ]
    picked = assign([both], posts, ZoneInfo(zone))["t"]
    found = summarize(both, picked, ZoneInfo(zone)).days
    assert [(d.isoformat(), ids(day_posts)) for d, day_posts in found] == days


DAYS = [date(2008, 10, 28) + timedelta(days=n) for n in range(30)]
posts_strategy = st.lists(
    st.builds(
        post,
        st.integers(1, 10**6),
        st.sampled_from(DAYS).map(str),
        st.lists(st.sampled_from(["Iceland", "croatia", "Trade"]), max_size=2),
        st.sampled_from([None, REYKJAVIK, ZAGREB, HOME]),
        st.sampled_from(["envoy", "press"]),
        st.times().map(lambda t: t.strftime("%H:%M:%S")),
    ),
    max_size=60,
)


@settings(max_examples=60, deadline=None)
@given(
    posts=posts_strategy,
    first=st.sampled_from(DAYS),
    length=st.integers(0, 10),
    zone=st.sampled_from(ZONES).map(ZoneInfo),
)
def test_assign_gives_what_matching_every_post_would(posts, first, length, zone):
    trip = Trip(
        slug="iceland",
        title="Iceland",
        start=date(2008, 11, 2),
        end=date(2008, 11, 16),
        places=["Reykjavik"],
        hashtags=["Croatia"],
        accounts=["envoy"],
    )
    other = Trip(
        slug="other",
        title="Other",
        start=first,
        end=first + timedelta(days=length),
        places=["Zagreb"],
        accounts=["press"],
    )
    found = assign([trip, other], posts, zone)
    ordered = sorted(posts, key=lambda p: p["created_at"])
    for t in (trip, other):
        assert ids(found[t.slug]) == ids(p for p in ordered if matches(t, p, zone))


# -- the trip page's numbers -------------------------------------------------------------------


def test_summary_counts_days_and_places_in_visit_order(trip):
    posts = [
        post(4, "2008-11-05", tags=["Croatia"], place=ZAGREB, time="08:00:00"),
        post(
            1,
            "2008-11-03",
            place=REYKJAVIK,
            media=[{"type": "photo", "file": "a.jpg"}, {"type": "video", "file": "v.mp4"}],
        ),
        post(2, "2008-11-03", tags=["Iceland"], reply_to={"id": "1"}, time="11:00:00"),
        post(3, "2008-11-03", place={"name": "Reykjavik", "country": "Iceland"}, time="12:00:00"),
        post(5, "2008-11-06", place={"name": "Zagreb", "country": "Croatia", "lat": None}),
    ]
    s = summarize(trip, posts)
    assert (s.posts, s.photos, s.replies) == (5, 1, 1)
    assert (s.first["id"], s.last["id"]) == ("1", "5")
    assert [(d.isoformat(), ids(day)) for d, day in s.days] == [
        ("2008-11-03", ["1", "2", "3"]),
        ("2008-11-05", ["4"]),
        ("2008-11-06", ["5"]),
    ]
    # Posts' own coordinates first, the gazetteer for places the staff named but no post had.
    assert [(p.name, p.lat, p.lon) for p in s.places] == [
        ("Reykjavík", 64.15, -21.94),
        ("Zagreb", 45.81, 15.98),
        ("Yerevan", 40.18, 44.51),
    ]
    assert s.cover == {"type": "photo", "file": "a.jpg"}


def test_a_place_without_coordinates_is_found_in_the_gazetteer_or_left_off_the_map(trip):
    posts = [
        post(1, "2008-11-03", tags=["Iceland"], place={"name": "Akureyri", "country": "Iceland"}),
        post(2, "2008-11-04", tags=["Iceland"], place={"name": "Hvolsvöllur", "country": "x"}),
    ]
    names = [p.name for p in summarize(trip, posts).places]
    assert names == ["Akureyri", "Reykjavik", "Yerevan"]


def test_the_cover_is_the_first_photo_that_can_be_shown(trip):
    unpublished = {"type": "photo", "file": "a.jpg", "src": None}
    published = {"type": "photo", "file": "b.jpg", "src": "/envoy/media/b.jpg"}
    posts = [post(1, "2008-11-03", media=[unpublished]), post(2, "2008-11-04", media=[published])]
    assert summarize(trip, posts).cover == published
    assert summarize(trip, posts[:1]).cover is None


def test_an_empty_trip_summarizes_to_zeroes(trip):
    s = summarize(trip, [])
    assert (s.posts, s.photos, s.replies, s.first, s.last, s.days, s.cover) == (
        0,
        0,
        0,
        None,
        None,
        [],
        None,
    )


# -- suggestions -------------------------------------------------------------------------------


def at(day: date, hour: int) -> str:
    return datetime(day.year, day.month, day.day, hour).strftime("%Y-%m-%dT%H:%M:%SZ")


def generated_year() -> list[dict]:
    """A year of an envoy at home (one post a day, sometimes tagged Washington, a support
    hashtag every few days), with a trip to Reykjavík and Zagreb, a summit known only by its
    hashtag, and a day of live posting."""
    posts: list[dict] = []

    def add(when: str, **fields):
        posts.append({**post(len(posts) + 1, "x"), "created_at": when, **fields})

    start = date(2009, 1, 1)
    for n in range(365):
        day = start + timedelta(days=n)
        add(at(day, 9), place=HOME if n % 5 == 0 else None, entities=tagged("Climate"))
        if n % 3 == 0:
            add(at(day, 15), entities=tagged("AskTheEnvoy"), reply_to={"user": f"citizen{n}"})
    trip = date(2009, 3, 2)
    for n in range(4):
        add(at(trip + timedelta(days=n), 11), place=REYKJAVIK, entities=tagged("Iceland"))
    for n in range(3):  # two quiet days later, still the same journey
        add(at(trip + timedelta(days=6 + n), 12), place=ZAGREB, entities=tagged("Croatia"))
    summit = date(2009, 6, 10)
    for n in range(6):
        tags = ("OceanSummit", "Climate") if n % 2 else ("oceansummit",)
        add(at(summit + timedelta(days=n // 2), 13 + n % 2), entities=tagged(*tags))
    live = date(2009, 9, 15)
    for n in range(10):
        add(at(live, 10 + n))
    return posts


def tagged(*tags: str) -> dict:
    return {"hashtags": [{"tag": t} for t in tags], "mentions": [], "urls": []}


def test_suggestions_find_trips_events_and_bursts_but_not_home_or_support():
    drafts = suggest(generated_year(), home_places=["Washington"], existing=[])
    found = [(d.start.isoformat(), d.end.isoformat(), d.places, d.hashtags) for d in drafts]
    assert found == [
        ("2009-03-02", "2009-03-10", ["Reykjavík", "Zagreb"], ["Iceland", "Croatia"]),
        ("2009-06-10", "2009-06-12", [], ["oceansummit"]),
        ("2009-09-15", "2009-09-15", [], []),
    ]
    trip, summit, live = drafts
    assert trip.slug == "2009-03-reykjavik-zagreb" and trip.title == "Reykjavík, Zagreb, March 2009"
    assert summit.title == "#oceansummit, June 2009" and live.title.startswith("Busy day, 15 Sep")
    assert all(d.accounts == ["envoy"] and d.evidence and d.post_ids for d in drafts)
    assert trip.evidence == [
        "7 posts from 2009-03-02 to 2009-03-10 match its rules:"
        " posts placed away from home, one after another"
    ]


def test_a_long_stay_away_is_a_posting_not_a_trip():
    posts = [post(n, str(date(2010, 1, 1) + timedelta(days=n)), place=ZAGREB) for n in range(90)]
    assert suggest(posts, home_places=["Washington"], existing=[]) == []
    assert len(suggest(posts[:30], home_places=["Washington"], existing=[])) == 1


def test_suggestions_leave_out_what_a_trip_already_covers(trip):
    written = Trip(slug="x", title="X", start=date(2009, 3, 1), end=date(2009, 3, 4))
    other_account = Trip(
        slug="y", title="Y", start=date(2009, 6, 1), end=date(2009, 6, 30), accounts=["press"]
    )
    drafts = suggest(
        generated_year(), home_places=["Washington"], existing=[written, other_account]
    )
    assert [d.start.isoformat() for d in drafts] == ["2009-06-10", "2009-09-15"]


def test_drafts_round_trip_into_trips_that_pick_their_posts(tmp_path):
    posts = generated_year()
    drafts = suggest(posts, home_places=["Washington"], existing=[])
    paths = write_drafts(drafts, tmp_path)
    assert [p.name for p in paths] == [f"{d.slug}.md" for d in drafts]
    trips = load_trips(tmp_path)
    assert all(t.draft for t in trips)
    by_slug = assign(trips, posts)
    for draft in drafts:
        assert set(draft.post_ids) <= set(ids(by_slug[draft.slug]))
    # Run again: the drafts now exist as trips, so nothing new is proposed.
    assert suggest(posts, home_places=["Washington"], existing=trips) == []


@pytest.mark.parametrize(
    ("zone", "day"),
    [("UTC", "2010-03-02"), ("America/New_York", "2010-03-01"), ("Asia/Tokyo", "2010-03-02")],
)
def test_a_suggested_trip_is_dated_where_the_account_lives_and_picks_its_posts(tmp_path, zone, day):
    # A habit of one post a day, then a night of a dozen (an evening in New York).
    usual = [post(n, str(date(2009, 1, 1) + timedelta(n)), time="12:00:00") for n in range(200)]
    evening = [post(900 + n, "2010-03-02", time=f"0{n // 3}:{n % 3 * 20:02}:00") for n in range(12)]
    (draft,) = suggest(usual + evening, home_places=[], existing=[], zone=ZoneInfo(zone))
    assert (str(draft.start), str(draft.end), draft.post_ids) == (day, day, ids(evening))
    write_drafts([draft], tmp_path)
    picked = assign(load_trips(tmp_path), usual + evening, ZoneInfo(zone))[draft.slug]
    assert ids(picked) == ids(evening)


def test_a_file_a_person_wrote_is_never_overwritten(tmp_path):
    posts = [p for p in generated_year() if p["place"] is REYKJAVIK]
    (draft,) = suggest(posts, home_places=[], existing=[])
    person = tmp_path / f"{draft.slug}.md"
    person.write_text("Title: written by a person\n")
    taken = tmp_path / f"{draft.slug}-2.md"
    taken.write_text("Title: also a person\n")
    (path,) = write_drafts([draft], tmp_path)
    assert path == tmp_path / f"{draft.slug}-3.md"
    assert person.read_text() == "Title: written by a person\n"
    assert taken.read_text() == "Title: also a person\n"
    assert parse_trip(path).draft


def test_two_accounts_away_together_get_a_draft_each_under_its_own_name(tmp_path):
    posts = [
        post(n + 10 * k, f"2010-05-0{n}", place=ZAGREB, account=account)
        for n in range(1, 5)
        for k, account in enumerate(["envoy", "press"])
    ]
    drafts = suggest(posts, home_places=[], existing=[])
    assert [(d.slug, d.accounts) for d in drafts] == [
        ("2010-05-zagreb", ["envoy"]),
        ("2010-05-zagreb-2", ["press"]),
    ]
    assert [p.name for p in write_drafts(drafts, tmp_path)] == [f"{d.slug}.md" for d in drafts]


def test_hostile_place_names_cannot_add_rules_to_a_draft(tmp_path):
    evil = {"name": "Evil\nStatus: published\nAccounts: everyone", "country": "X"}
    posts = [post(n, f"2010-05-0{n}", place=evil) for n in range(1, 5)]
    (draft,) = suggest(posts, home_places=[], existing=[])
    (path,) = write_drafts([draft], tmp_path)
    parsed = parse_trip(path)
    assert parsed.draft and parsed.accounts == ["envoy"]
    assert parsed.places == ["Evil Status: published Accounts: everyone"]


def selected_by_their_files(drafts, posts) -> dict[str, list[str]]:
    """What each draft's rules select once written and read back, as the build reads them."""
    with tempfile.TemporaryDirectory() as folder:
        paths = write_drafts(drafts, Path(folder))
        trips = load_trips(Path(folder))
    assert [p.stem for p in paths] == [d.slug for d in drafts]  # distinct slugs: none moved
    return {slug: ids(found) for slug, found in assign(trips, posts).items()}


def assert_reasons_count_what_rules_select(drafts, posts):
    selected = selected_by_their_files(drafts, posts)
    for draft in drafts:
        (reason,) = draft.evidence
        count = int(re.match(r"(\d+) posts ", reason)[1])
        assert count == len(draft.post_ids) == len(selected[draft.slug]), reason
        assert draft.post_ids == selected[draft.slug]


@pytest.fixture(scope="module")
def personal(tmp_path_factory):
    """A personal archive of a few thousand posts over ten years, with a dozen trips, threads
    and question-and-answer replies (seeded), imported into a store: its posts and the trips."""
    folder = tmp_path_factory.mktemp("personal")
    export = write_export(folder / "export", posts=3000, seed=7)
    import_archive(folder / "export", Store(folder / "archive"))
    return [p for p in Store(folder / "archive").posts() if is_public(p)], export.trips


def test_a_personal_archive_gets_a_draft_per_trip_and_no_busy_day(personal):
    posts, planted = personal
    drafts = suggest(posts, home_places=["Washington"], existing=[])
    assert [(d.start, d.end) for d in drafts] == [(t.start, t.end) for t in planted]
    assert [d.places for d in drafts] == [t.places for t in planted]
    assert not [d.title for d in drafts if "Busy" in d.title]
    assert_reasons_count_what_rules_select(drafts, posts)


def test_a_day_far_outside_the_accounts_habit_is_suggested(personal):
    posts, planted = personal
    day = "2015-02-14"  # a quiet day at home, away from every trip
    assert not any(t.start <= date.fromisoformat(day) <= t.end for t in planted)
    live = [
        {**posts[0], "id": f"9{n:05}", "created_at": f"{day}T{8 + n // 4:02}:{n % 4 * 15:02}:00Z"}
        for n in range(36)
    ]
    every = posts + live
    drafts = suggest(every, home_places=["Washington"], existing=[])
    (busy,) = [d for d in drafts if d.start.isoformat() == day]
    assert len(drafts) == len(planted) + 1
    assert busy.title == "Busy day, 14 February 2015" and (busy.hashtags, busy.places) == ([], [])
    that_day = sorted(
        (p for p in every if p["created_at"].startswith(day)), key=lambda p: p["created_at"]
    )
    assert busy.post_ids == ids(that_day) and len(that_day) >= 36
    assert busy.evidence[0].startswith(f"{len(that_day)} posts on {day} match its rules: far more")
    assert_reasons_count_what_rules_select(drafts, every)


def test_the_demo_archives_drafts_count_what_they_select():
    posts = list(Store(ROOT / "content" / "archive").posts())
    drafts = suggest(posts, home_places=["Washington"], existing=[])
    assert drafts
    assert_reasons_count_what_rules_select(drafts, posts)


PLACES = [None, REYKJAVIK, ZAGREB, HOME, {"name": "", "country": "Iceland"}]
store_strategy = st.lists(
    st.builds(
        post,
        st.integers(1, 10**6),
        st.sampled_from(DAYS).map(str),
        st.lists(st.sampled_from(["Iceland", "iceland", "Trade"]), max_size=2),
        st.sampled_from(PLACES),
        st.sampled_from(["envoy", "Press"]),
        st.times().map(lambda t: t.strftime("%H:%M:%S")),
        reply_to=st.sampled_from([None, {"user": "citizen"}, {"user": "envoy"}]),
    ),
    max_size=80,
    unique_by=lambda p: p["id"],
)


@settings(max_examples=80, deadline=None)
@given(
    posts=store_strategy,
    burst=st.integers(0, 40),
    day=st.sampled_from(DAYS),
    spread=st.integers(1, 3),
    tags=st.sampled_from([[], ["Summit"], ["Summit", "Iceland"]]),
)
def test_every_drafts_reason_counts_exactly_what_its_rules_select(posts, burst, day, spread, tags):
    # A habit of one post a day for months, posts on the days after, then a burst over a few
    # days, tagged or not: the three kinds of evidence all turn up.
    posts += [post(-n, str(DAYS[0] - timedelta(days=n)), account="Press") for n in range(1, 200)]
    posts += [
        post(10**7 + n, str(day + timedelta(days=n % spread)), tags, account="Press")
        for n in range(burst)
    ]
    drafts = suggest(posts, home_places=["Washington"], existing=[])
    assert_reasons_count_what_rules_select(drafts, posts)


# -- the task ----------------------------------------------------------------------------------


def test_invoke_trips_suggests_drafts_then_lists_them(tmp_path, capsys):
    conf = make_project(tmp_path)
    Store(tmp_path / "content" / "archive").merge(generated_year())
    person = tmp_path / "content" / "trips" / "2009-03-reykjavik-zagreb.md"
    person.write_text("Title: Our own\nStart: 2008-01-01\nEnd: 2008-01-02\n")

    tasks.trips(Context(), suggest=True, config=str(conf))
    out = capsys.readouterr().out
    assert f"2009-03-reykjavik-zagreb-2.md ({person} is already there: left as it is)" in out
    assert "3 drafts written" in out
    assert person.read_text() == "Title: Our own\nStart: 2008-01-01\nEnd: 2008-01-02\n"

    tasks.trips(Context(), config=str(conf))
    out = capsys.readouterr().out
    assert "Reykjavík, Zagreb, March 2009 (2009-03-reykjavik-zagreb-2): 2009-03-02" in out
    assert "draft, 7 posts" in out and "Our own" in out and "4 trips" in out
