"""API v2 payloads as tweepy's reader gives them: any JSON at all, NaN and lone surrogates
included. A page and its posts become records the store reads back, or one clear error."""

import json

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from communique.errors import CommuniqueError
from communique.ingest.api import read_page
from communique.ingest.fetch import record_of
from communique.records import provenance
from communique.store import dumps

FIELDS = ["id", "text", "created_at", "entities", "attachments", "media_keys", "geo", "place_id",
          "coordinates", "referenced_tweets", "type", "public_metrics", "like_count", "note_tweet",
          "edit_history_tweet_ids", "author_id", "in_reply_to_user_id", "hashtags", "urls",
          "mentions", "start", "end", "tag", "username", "expanded_url", "media_key", "variants",
          "bit_rate", "url", "places", "bbox", "full_name", "source", "lang", "conversation_id",
          "users", "tweets", "media"]  # fmt: skip
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(st.characters(exclude_categories=[]), max_size=8)
    | st.sampled_from(["2023-01-05T10:00:00.000Z", "1", "3_1", "replied_to", "quoted"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=10,
)
POST = {"id": "1", "text": "one", "created_at": "2023-01-05T10:00:00.000Z", "author_id": "42"}
CAPTURED = provenance("api:GET /2/users/:id/tweets", "2024-01-01T00:00:00Z", "2024-01-01T00:00:01Z")


def as_tweepy_reads(value: object) -> object:
    """What Python's JSON reader, which tweepy uses, makes of ``value`` sent as JSON."""
    return json.loads(json.dumps(value))


@given(
    fields=st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=4),
    includes=st.dictionaries(st.sampled_from(["media", "places", "users", "tweets"]), JSON),
)
def test_any_json_in_a_page_gives_records_the_store_reads_back_or_one_clear_error(fields, includes):
    page = as_tweepy_reads({"data": [{**POST, **fields}], "includes": includes})
    try:
        posts, found, _ = read_page(page)
        records = [record_of(post, found, "envoy", CAPTURED) for post in posts]
    except CommuniqueError as e:
        assert "\n" not in str(e)
        return
    for record in records:
        assert orjson.loads(dumps(record).encode()) == record


@given(JSON)
def test_any_json_body_is_a_page_or_one_clear_error(body):
    try:
        posts, found, token = read_page(as_tweepy_reads(body))
    except CommuniqueError as e:
        assert "nothing of that page was stored" in str(e)
        return
    assert isinstance(posts, list) and isinstance(token, str | None)
    assert set(found) == {"media", "places", "users", "tweets"}


@pytest.mark.parametrize("ident", ["٢", "²", "2\n", " 2", "-2", 2])
def test_a_post_id_that_cannot_name_a_folder_is_refused(ident):
    with pytest.raises(CommuniqueError, match=r"is not a number\); nothing of that page"):
        record_of({**POST, "id": ident}, read_page({})[1], "envoy", CAPTURED)


@pytest.mark.parametrize(
    ("geo", "message"),
    [
        ({"coordinates": {"coordinates": [float("nan"), 1.0]}}, "is nan"),
        ({"coordinates": {"coordinates": [1.0, 95.0]}}, "coordinate 95.0 is not on Earth"),
    ],
)
def test_a_place_the_store_cannot_keep_is_refused(geo, message):
    with pytest.raises(CommuniqueError, match=message):
        record_of({**POST, "geo": geo}, read_page({})[1], "envoy", CAPTURED)


def test_a_retweet_twitter_cut_short_says_so_and_names_the_original():
    text = (
        "RT @andean_news: The ministers signed a joint declaration on trade, climate and the fre…"
    )
    retweet = {**POST, "text": text, "referenced_tweets": [{"type": "retweeted", "id": "7"}]}
    original = {"id": "7", "text": "The ministers signed it all", "author_id": "9"}
    users = [{"id": "9", "username": "andean_news"}]
    page = {"data": [retweet], "includes": {"tweets": [original], "users": users}}
    posts, found, _ = read_page(page)
    record = record_of(posts[0], found, "envoy", CAPTURED)
    assert record["shortened"] is True
    assert record["retweet_of"] == {"id": "7", "user": "andean_news"}
    whole = record_of({**retweet, "text": "RT @andean_news: all of it"}, found, "envoy", CAPTURED)
    assert "shortened" not in whole
