"""The store read for the site: groupings, edits, and what is left out."""

import os
import shutil

import pytest

from communique.errors import StoreError
from communique.ingest.api import from_v2, index
from communique.records import provenance
from communique.site import model as archive
from communique.site.freshness import MonthCache
from communique.store import Store


def api_post(post_id: str, text: str, history: list[str], **extra) -> dict:
    tweet = {"id": post_id, "text": text, "created_at": "2024-01-01T09:00:00.000Z",
             "edit_history_tweet_ids": history, **extra}  # fmt: skip
    captured = provenance("api:GET /2/users/:id/tweets", "2024-01-02", "2024-01-02")
    return from_v2(tweet, index({}), account="envoy", provenance=captured)


def test_a_version_fetched_before_its_edit_is_linked_to_the_edit(store):
    store.merge([api_post("1000", "first", ["1000"])])
    store.merge([api_post("2000", "second", ["1000", "2000"])])
    loaded = archive.load(store)
    assert [p["id"] for p in loaded.shown(loaded.posts)] == ["2000"]
    assert loaded.latest["1000"] == "2000"
    assert [v["id"] for v in loaded.versions(loaded.by_id["1000"])] == ["1000", "2000"]


def test_posts_never_made_public_are_left_out_and_references_to_them_cut(store):
    secret = {**api_post("10", "circle", ["10"]), "visibility": "circle"}
    reply = api_post(
        "11", "public reply", ["11"], conversation_id="10",
        referenced_tweets=[{"type": "replied_to", "id": "10"}],
    )  # fmt: skip
    store.merge([secret, reply])
    loaded = archive.load(store)
    assert [p["id"] for p in loaded.posts] == ["11"]
    assert loaded.private == {"envoy": 1}
    assert loaded.posts[0]["reply_to"] is None and loaded.posts[0]["conversation_id"] is None
    assert loaded.altered == {"11"}


def test_posts_are_read_again_only_from_month_files_that_changed(store, tmp_path):
    cache = MonthCache(store.root, tmp_path / "cache")
    store.merge([api_post("1000", "first", ["1000"])])
    first = archive.load(store, cache=cache)
    (kept,) = cache.folder.rglob("*.json")
    assert "raw" not in first.posts[0] and b'"raw"' not in kept.read_bytes()

    assert archive.load(store, cache=cache).posts == first.posts  # read from the cache
    store.merge([api_post("2000", "second", ["2000"])])  # rewrites the month file
    assert [p["id"] for p in archive.load(store, cache=cache).posts] == ["1000", "2000"]


def test_a_fresh_checkout_of_the_store_is_known_by_its_bytes_not_read_again(
    store, tmp_path, monkeypatch
):
    """Every scheduled run starts from a checkout: each month file with a new time and inode."""
    cache = MonthCache(store.root, tmp_path / "cache")
    store.merge([api_post("1000", "first", ["1000"]), api_post("2000", "second", ["2000"])])
    first = archive.load(store, cache=cache)
    checkout = Store(tmp_path / "checkout")
    shutil.copytree(store.root, checkout.root)  # copied anew: other times, other inodes
    (month,) = checkout.month_files("envoy")
    assert month.stat().st_ino != store.month_files("envoy")[0].stat().st_ino
    read = []
    monkeypatch.setattr(Store, "read_file", lambda self, path: read.append(path) or [])
    moved = MonthCache(checkout.root, cache.folder)
    assert archive.load(checkout, cache=moved).posts == first.posts and read == []
    monkeypatch.undo()
    # the same size, another byte: read again
    month.write_bytes(month.read_bytes().replace(b'"first"', b'"First"'))
    assert [p["text"] for p in archive.load(checkout, cache=moved).posts] == ["First", "second"]


def a_year_of_posts(store) -> list:
    """Twelve month files, enough for a load to read them on every core."""
    months = [f"2024-{m:02}-01T09:00:00.000Z" for m in range(1, 13)]
    store.merge([api_post(str(1000 + m), f"post {m}", [str(1000 + m)], created_at=when)
                 for m, when in enumerate(months)])  # fmt: skip
    return store.month_files("envoy")


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: months are read in place")
def test_months_not_kept_yet_are_read_on_every_core(store, tmp_path):
    cache = MonthCache(store.root, tmp_path / "cache")
    files = a_year_of_posts(store)
    assert len(files) >= archive.WARM_MIN
    archive.warm(store, files, cache)  # in worker processes: kept for the load to read back
    assert all(cache.fresh(path) for path in files)
    assert archive.load(store, cache=cache).posts == archive.load(store).posts


def test_a_corrupt_month_read_on_another_core_is_named(store, tmp_path):
    files = a_year_of_posts(store)
    files[5].write_bytes(files[5].read_bytes() + b"{truncated\n")
    with pytest.raises(StoreError, match=rf"{files[5].name}:2: not a JSON record"):
        archive.load(store, cache=MonthCache(store.root, tmp_path / "cache"))


def test_an_unreadable_cache_is_read_past(store, tmp_path):
    cache = MonthCache(store.root, tmp_path / "cache")
    store.merge([api_post("1000", "first", ["1000"])])
    archive.load(store, cache=cache)
    (kept,) = cache.folder.rglob("*.json")
    kept.write_bytes(kept.read_bytes()[:-5])
    assert [p["id"] for p in archive.load(store, cache=cache).posts] == ["1000"]
    assert archive.load(store, cache=cache).posts == archive.load(store).posts


def test_a_cache_that_cannot_be_written_only_costs_time(store, tmp_path):
    store.merge([api_post("1000", "first", ["1000"])])
    (tmp_path / "cache").write_text("a file where the cache folder would be")
    cache = MonthCache(store.root, tmp_path / "cache" / "store")
    assert [p["id"] for p in archive.load(store, cache=cache).posts] == ["1000"]


# An account's posts of each kind an audience can name, and one withheld, which none shows.
KINDS = [
    {"id": "1", "account": "envoy"},
    {"id": "2", "account": "envoy", "reply_to": {"id": "1", "user": "Envoy"}},  # its own thread
    {"id": "3", "account": "envoy", "reply_to": {"id": "9", "user": "someone"}},
    {"id": "4", "account": "envoy", "conversation_id": "4", "reply_to": {"id": "8", "user": "x"}},
    {"id": "5", "account": "envoy", "retweet_of": {"id": "7"}},
    {"id": "6", "account": "envoy", "quote_of": {"id": "7"}, "media": [{"file": "a.jpg"}]},
    {"id": "10", "account": "envoy", "withheld": True},
]


@pytest.mark.parametrize(
    ("rules", "shown"),
    [
        ({}, ["1", "2", "3", "4", "5", "6"]),
        ({"exclude": ["replies_to_others", "support"]}, ["1", "2", "5", "6"]),
        ({"include": ["support"]}, ["4"]),
        ({"include": ["replies"]}, ["2", "3", "4"]),
        ({"include": ["retweets", "media"]}, ["5", "6"]),  # either kind
        ({"include": ["replies"], "exclude": ["replies_to_others"]}, ["2"]),
        ({"exclude": ["quotes", "retweets"]}, ["1", "2", "3", "4"]),
        ({"include": ["support"], "exclude": ["support"]}, []),
    ],
)
def test_an_audience_sees_the_kinds_it_includes_less_those_it_excludes(rules, shown):
    loaded = archive.Archive(posts=KINDS, accounts={}, support={"4"})
    assert [p["id"] for p in archive.audience_filter(loaded, rules)] == shown


@pytest.mark.parametrize(
    ("replies", "order"),
    [
        ({"2": "1", "3": "1", "4": "2"}, ["1", "2", "4", "3"]),  # each reply after its post
        ({"2": "9", "3": "2"}, ["2", "3"]),  # answers a post the archive lacks
        ({"1": "2", "2": "1"}, ["1", "2"]),  # a forged export: two posts answer each other
        ({"1": "1"}, ["1"]),  # a post answering itself
        ({"1": "3", "2": "1", "3": "2"}, ["1", "2", "3"]),
    ],
)
def test_a_conversation_shows_every_post_once_each_reply_after_what_it_answers(replies, order):
    posts = [{"id": i, "reply_to": {"id": parent} if (parent := replies.get(i)) else None}
             for i in sorted({*replies, *replies.values()} - {"9"}, key=int)]  # fmt: skip
    assert [p["id"] for p in archive.reply_order(posts)] == order
