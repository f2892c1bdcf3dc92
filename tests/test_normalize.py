from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from communique.ingest.normalize import Span, assign_conversations, expand, from_v11, iso_utc
from conftest import tweet


def normalized(t: dict) -> dict:
    return from_v11(t, account="envoy", source="test", retrieved_at="2024-01-01T00:00:00Z")


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
