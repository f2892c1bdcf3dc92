from datetime import date

import pytest

from communique.errors import CommuniqueError
from communique.trips import (
    Trip,
    assign,
    load_trips,
    matches,
    parse_trip,
    suggest,
    summarize,
    write_drafts,
)

TRIP = """Title: Iceland, Croatia and Armenia
Start: 2008-11-02
End: 2008-11-16
Accounts: envoy
Hashtags: Iceland, #Croatia
Places: Reykjavik, Yerevan
Summary: Three capitals.

In **Reykjavík** she met fishermen. <script>alert(1)</script>
"""


def post(id, day, tags=(), place=None, account="envoy", **extra):
    return {
        "id": id,
        "account": account,
        "created_at": f"{day}T10:00:00Z",
        "text": "x",
        "entities": {"hashtags": [{"tag": t} for t in tags], "mentions": [], "urls": []},
        "place": place,
        "media": [],
        "reply_to": None,
        **extra,
    }


@pytest.fixture
def trip(tmp_path):
    path = tmp_path / "iceland-2008.md"
    path.write_text(TRIP)
    return parse_trip(path)


def test_a_trip_file_gives_rules_and_a_sanitized_narrative(trip):
    assert (trip.slug, trip.start, trip.end) == (
        "iceland-2008",
        date(2008, 11, 2),
        date(2008, 11, 16),
    )
    assert trip.hashtags == ["Iceland", "Croatia"] and trip.places == ["Reykjavik", "Yerevan"]
    assert "<strong>Reykjavík</strong>" in trip.narrative_html
    assert "<script" not in trip.narrative_html and not trip.draft


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Start: 2008-11-02\nEnd: 2008-11-03\n\nx", "missing 'Title:'"),
        (
            "Title: x\nStart: 2008-13-02\nEnd: 2008-11-03\n\nx",
            "iceland-2008.md:2: Start is not a date",
        ),
        ("Title: x\nStart: 2008-11-05\nEnd: 2008-11-03\n\nx", "End is before Start"),
        ("Title x\n\nbody", "expected 'Key: value'"),
    ],
)
def test_malformed_trips_name_the_file_and_line(tmp_path, text, message):
    path = tmp_path / "iceland-2008.md"
    path.write_text(text)
    with pytest.raises(CommuniqueError, match=message):
        parse_trip(path)


@pytest.mark.parametrize(
    ("candidate", "expected"),
    [
        (post("1", "2008-11-03", tags=["iceland"]), True),
        (post("2", "2008-11-03", place={"name": "Reykjavík, Iceland", "country": "Iceland"}), True),
        (post("3", "2008-11-16", place={"name": "Yerevan, Armenia", "country": "Armenia"}), True),
        (post("4", "2008-11-17", tags=["Iceland"]), False),
        (post("5", "2008-11-03", tags=["Iceland"], account="other"), False),
        (post("6", "2008-11-03", tags=["Trade"]), False),
    ],
)
def test_matching_rules(trip, candidate, expected):
    assert matches(trip, candidate) is expected


def test_a_post_can_belong_to_several_trips(trip):
    other = Trip(slug="nordic", title="Nordic", start=date(2008, 11, 1), end=date(2008, 11, 30))
    posts = [post("1", "2008-11-03", tags=["Iceland"]), post("2", "2008-12-01", tags=["Iceland"])]
    assert {k: [p["id"] for p in v] for k, v in assign([trip, other], posts).items()} == {
        "iceland-2008": ["1"],
        "nordic": ["1"],
    }


def test_summary_counts_days_and_places(trip):
    posts = [
        post(
            "1",
            "2008-11-03",
            place={"name": "Reykjavík, Iceland", "lat": 64.1, "lon": -21.9},
            media=[{"type": "photo", "src": "/a.jpg"}],
        ),
        post("2", "2008-11-03", tags=["Iceland"], reply_to={"id": "1"}),
        post("3", "2008-11-05", tags=["Croatia"]),
    ]
    s = summarize(trip, posts)
    assert (s.posts, s.photos, s.replies) == (3, 1, 1)
    assert [d.isoformat() for d, _ in s.days] == ["2008-11-03", "2008-11-05"]
    assert [p.name for p in s.places] == ["Reykjavík, Iceland", "Yerevan"]
    assert s.cover == {"type": "photo", "src": "/a.jpg"}


def test_suggestions_find_a_run_away_from_home_and_never_overwrite(tmp_path):
    away = {"name": "Dakar, Senegal", "country": "Senegal", "lat": 14.7, "lon": -17.4}
    home = {"name": "Washington", "country": "United States"}
    posts = [post(str(i), f"2010-03-{8 + i:02d}", place=away, tags=["Senegal"]) for i in range(4)]
    posts += [post("9", "2010-04-01", place=home)]
    (draft,) = suggest(posts, home_places=["Washington"], existing=[])
    assert (draft.start, draft.end, draft.places) == (
        date(2010, 3, 8),
        date(2010, 3, 11),
        ["Dakar"],
    )
    person = tmp_path / f"{draft.slug}.md"
    person.write_text("Title: written by a person\n")
    written, skipped = write_drafts([draft], tmp_path)
    assert (written, skipped) == ([], [person])
    assert person.read_text() == "Title: written by a person\n"


def test_suggestions_leave_out_trips_already_written(trip):
    away = {"name": "Reykjavík, Iceland", "country": "Iceland"}
    posts = [post(str(i), f"2008-11-0{3 + i}", place=away) for i in range(4)]
    assert suggest(posts, home_places=[], existing=[trip]) == []


def test_the_demo_trips_load():
    from conftest import ROOT

    assert len(load_trips(ROOT / "content" / "trips")) >= 2
