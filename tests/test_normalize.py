import functools
from datetime import UTC, datetime

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from communique.ingest.normalize import (
    Span,
    assign_conversations,
    expand,
    from_v11,
    iso_utc,
    to_int,
    unstorable,
)
from communique.records import provenance
from communique.store import dumps
from conftest import tweet


def normalized(t: dict) -> dict:
    return from_v11(t, account="envoy", provenance=provenance("export:data/tweets.js", None, "t"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Sun Oct 07 07:39:51 +0000 2012", "2012-10-07T07:39:51Z"),
        ("2012-10-07 09:39:51 +0200", "2012-10-07T07:39:51Z"),
        ("2023-01-05T10:00:00.000Z", "2023-01-05T10:00:00Z"),
    ],
)
def test_dates_become_utc_iso_8601(value, expected):
    assert iso_utc(value) == expected


def strptime_iso(value: str) -> str | None:
    try:
        parsed = datetime.strptime(value, "%a %b %d %H:%M:%S %z %Y")
    except ValueError:
        return None
    if parsed < datetime(2006, 3, 21, tzinfo=UTC):  # before Twitter: a damaged date
        return None
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


EXPORT_DATES = st.datetimes(min_value=datetime(1000, 1, 1)).map(
    lambda d: d.strftime("%a %b %d %H:%M:%S +0000 %Y")
)
DATE_PIECES = ["Sun ", "Feb ", "30 ", "29 ", "07 ", "24:", "23:", "60:", "59", " +0000 ", "2012",
               "0999", "x"]  # fmt: skip


@given(EXPORT_DATES | st.lists(st.sampled_from(DATE_PIECES), max_size=8).map("".join))
def test_the_exports_dates_read_as_strptime_reads_them(value):
    try:
        ours = iso_utc(value)
    except ValueError:
        ours = None
    assert ours == strptime_iso(value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("Mon Jan 01 00:00:00 +0000 0999", "before Twitter began"),  # was stored as "999-01-"
        ("Mon Mar 20 23:59:59 +0000 2006", "before Twitter began"),
        ("2006-03-21 00:30:00 +0100", "before Twitter began"),
        ("Mon Jan 01 00:00:00 +0100 0001", "out of range"),  # OverflowError in astimezone
        ("Fri Dec 31 23:59:59 -0100 9999", "out of range"),
        ("2012-02-30T10:00:00Z", "unrecognised date"),
    ],
)
def test_dates_before_twitter_or_out_of_range_are_refused(value, message):
    with pytest.raises(ValueError, match=message):
        iso_utc(value)


def test_twitters_first_day_is_a_date():
    assert iso_utc("Tue Mar 21 20:50:14 +0000 2006") == "2006-03-21T20:50:14Z"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12", 12), (7, 7), ("", 0), (None, 0), ("many", 0), ("1e999", 0), (2**63 - 1, 2**63 - 1)],
)
def test_counts_become_integers_and_junk_zero(value, expected):
    assert to_int(value) == expected


@pytest.mark.parametrize("value", [float("inf"), -float("inf"), 2**64, -(2**63) - 1, "9" * 30])
def test_a_count_no_json_reader_keeps_is_refused(value):
    with pytest.raises(ValueError):
        to_int(value)


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ({"a": {"b": [1, float("nan")]}}, "a.b[1] is nan, not a finite number"),
        ({"likes": float("inf")}, "likes is inf"),
        ({"id": 10**30}, "id is a number too large to keep exactly"),
        ({"text": "a\ud800b"}, "text holds a lone surrogate ('\\ud800')"),
        ({"x\udc00": 1}, "has a key with a lone surrogate"),
        ({"odd key!": [float("-inf")]}, "'odd key!'[0] is -inf"),
        (functools.reduce(lambda inner, _: [inner], range(100), 0), "nested over 64 deep"),
    ],
)
def test_what_the_store_cannot_keep_is_found_with_where_it_is(value, found):
    assert found in unstorable(value)


STORABLE = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    max_leaves=20,
)


@given(STORABLE)
def test_what_the_store_reads_back_is_storable(value):
    assert unstorable(value) is None
    assert orjson.loads(dumps(value)) == value


@pytest.mark.parametrize(
    "place",
    [
        {"coordinates": {"coordinates": ["nan", "64.1"]}},
        {"coordinates": {"coordinates": [-21.9, "Infinity"]}},
        {"coordinates": {"coordinates": [-21.9, 91]}},
        {
            "place": {
                "full_name": "Far",
                "bounding_box": {"coordinates": [[[1e308, 1], [1e308, 1]]]},
            }
        },
    ],
)
def test_a_place_off_the_earth_is_refused(place):
    with pytest.raises(ValueError, match="not on Earth"):
        normalized(tweet("1", "here", **place))


def test_entities_are_sliced_on_escaped_text_then_decoded_once():
    # "&amp;" is 5 code points in the stored text: the hashtag's indices count them.
    t = tweet(
        "1",
        "Fish &amp; chips &amp;lt;3 #Iceland https://t.co/abc",
        entities={
            "hashtags": [{"text": "Iceland", "indices": ["27", "35"]}],
            "user_mentions": [],
            "urls": [
                {
                    "url": "https://t.co/abc",
                    "expanded_url": "https://example.org/long/path",
                    "display_url": "example.org/long/…",
                    "indices": ["36", "52"],
                }
            ],
        },
    )
    post = normalized(t)
    assert post["text"] == "Fish & chips &lt;3 #Iceland https://example.org/long/path"
    (tag,) = post["entities"]["hashtags"]
    assert post["text"][tag["start"] : tag["end"]] == "#Iceland"
    (url,) = post["entities"]["urls"]
    assert post["text"][url["start"] : url["end"]] == "https://example.org/long/path"


def test_offsets_count_code_points_not_utf16_units():
    t = tweet(
        "1",
        "🇮🇸 hello @envoy",
        entities={
            "hashtags": [],
            "urls": [],
            "user_mentions": [{"screen_name": "envoy", "indices": ["9", "15"]}],
        },
    )
    post = normalized(t)
    (m,) = post["entities"]["mentions"]
    assert post["text"][m["start"] : m["end"]] == "@envoy"


def test_trailing_media_link_is_removed_and_photo_kept():
    media = [
        {
            "id_str": "7",
            "type": "photo",
            "url": "https://t.co/pic",
            "media_url_https": "https://pbs.twimg.com/media/abc.jpg",
            "indices": ["6", "22"],
        }
    ]
    t = tweet(
        "1",
        "Look! https://t.co/pic",
        entities={"hashtags": [], "user_mentions": [], "urls": [], "media": media},
        extended_entities={"media": media},
    )
    post = normalized(t)
    assert post["text"] == "Look!"
    assert post["media"][0]["id"] == "7" and post["media"][0]["file"] is None


@pytest.mark.parametrize(
    ("text", "extra", "field", "expected"),
    [
        ("RT @someone: news", {}, "retweet_of", {"id": None, "user": "someone"}),
        (
            "@bob thanks",
            {
                "in_reply_to_status_id_str": "5",
                "in_reply_to_screen_name": "bob",
                "in_reply_to_user_id_str": "9",
            },
            "reply_to",
            {"id": "5", "user": "bob", "user_id": "9"},
        ),
    ],
)
def test_replies_and_retweets_are_recognized(text, extra, field, expected):
    assert normalized(tweet("10", text, **extra))[field] == expected


@pytest.mark.parametrize(
    ("extra", "field", "expected"),
    [
        ({"in_reply_to_status_id": 5, "in_reply_to_screen_name": 42,
          "in_reply_to_user_id_str": 9}, "reply_to", {"id": "5", "user": "42", "user_id": "9"}),
        ({"quoted_status_id_str": 77}, "quote_of", {"id": "77", "user": None, "url": None}),
        ({"conversation_id_str": 3}, "conversation_id", "3"),
        ({"conversation_id_str": ["3"]}, "conversation_id", None),
        ({"retweeted_status": {"id_str": 8, "user": None}}, "retweet_of",
         {"id": "8", "user": None}),
    ],
)  # fmt: skip
def test_ids_given_as_numbers_are_kept_as_strings(extra, field, expected):
    """Every reader of the store compares ids as strings: a number would fail far from here."""
    assert normalized(tweet("10", "hello", **extra))[field] == expected


CUT = "RT @andean_news: The ministers signed a joint declaration on trade, climate and the fre…"


@pytest.mark.parametrize(
    ("text", "shortened"),
    [
        (CUT + " https://t.co/Qm4vR8sLtA", True),  # the link no entity expands, as exported
        (CUT, True),
        ("RT @andean_news: The ministers signed a joint declaration.", False),
        # Twitter cuts at 140 as it counts (a CJK character or an emoji 2, a link 23): a
        # retweet as short as these ends in "…" because it was written so.
        ("RT @andean_news: more to come…", False),
        ("RT @andean_news: more to come… https://t.co/Qm4vR8sLtA", False),
        ("RT @nhk_news: " + "外務大臣は本日、共同宣言に署名しました" * 3 + "…", True),
        ("The ministers signed a joint declaration on trade, climate and…", False),  # no retweet
        ("RT @andean_news: … and then the vote", False),
    ],
)
def test_a_retweet_cut_by_twitter_says_so(text, shortened):
    post = normalized(tweet("10", text))
    assert post.get("shortened", False) is shortened
    assert post["text"] == text


@pytest.mark.parametrize("ident", ["1493446837214187523", 1493446837214187523])
def test_a_community_post_keeps_its_community(ident):
    post = normalized(tweet("10", "hello", community_id=ident, community_id_str=str(ident)))
    assert post["community"] == {"id": "1493446837214187523"}
    assert "community" not in normalized(tweet("10", "hello"))


@pytest.mark.parametrize("ident", ["../x", "1493 4", "", [1]])
def test_a_community_id_that_is_no_number_is_refused(ident):
    with pytest.raises(ValueError, match="community id .* is not a number"):
        normalized(tweet("10", "hello", community_id=ident))


def test_a_link_to_a_status_is_a_quote():
    t = tweet(
        "1",
        "Worth reading https://t.co/q",
        entities={
            "hashtags": [],
            "user_mentions": [],
            "urls": [
                {
                    "url": "https://t.co/q",
                    "expanded_url": "https://twitter.com/un/status/123",
                    "display_url": "twitter.com/un/status/123",
                    "indices": ["14", "28"],
                }
            ],
        },
    )
    assert normalized(t)["quote_of"] == {
        "id": "123",
        "user": "un",
        "url": "https://twitter.com/un/status/123",
    }


def test_numbers_given_as_strings_become_numbers_and_raw_is_kept():
    t = tweet("1", "hi")
    post = normalized(t)
    assert post["metrics"] == {"likes": 3, "retweets": 1}
    assert post["raw"] == t
    assert len(post["provenance"]["sha256"]) == 64
    assert post["source"] == "Twitter Web App"


def test_edit_history_from_the_export():
    t = tweet(
        "2",
        "fixed",
        edit_info={
            "edit": {"initialTweetId": "1", "editControlInitial": {"editTweetIds": ["1", "2"]}}
        },
    )
    assert normalized(t)["edit_ids"] == ["1", "2"]


def test_conversations_follow_replies_to_the_root():
    posts = [
        normalized(tweet("1", "a")),
        normalized(tweet("2", "b", in_reply_to_status_id_str="1")),
        normalized(tweet("3", "c", in_reply_to_status_id_str="2")),
        normalized(tweet("4", "@x d", in_reply_to_status_id_str="77")),
    ]
    assign_conversations(posts)
    assert [p["conversation_id"] for p in posts] == ["1", "1", "1", "77"]


@given(st.text(), st.lists(st.tuples(st.integers(-5, 60), st.integers(-5, 60)), max_size=5))
def test_expand_never_fails_on_any_text_and_offsets(text, bounds):
    spans = [Span(a, b, "hashtag", {"tag": "x"}) for a, b in bounds]
    plain, entities = expand(text, spans)
    for e in entities["hashtags"]:
        assert 0 <= e["start"] <= e["end"] <= len(plain)
