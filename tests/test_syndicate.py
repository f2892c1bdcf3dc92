import json

import pytest

from apiserver import APIServer
from communique.errors import CommuniqueError
from communique.ingest import fetch
from communique.outbound import syndicate
from communique.outbound.client import KEYS as USER_KEYS
from communique.outbound.client import make_client, user_client
from communique.site.feeds import Feed, FeedItem, atom, post_title
from communique.store import Store

KEYS = {k: f"value-of-{k.lower()}" for k in USER_KEYS}


@pytest.fixture
def keys(monkeypatch):
    for k, v in KEYS.items():
        monkeypatch.setenv(k, v)


def item(i: int, title: str, site: str = "https://a.example", content: str = "x") -> FeedItem:
    return FeedItem(
        id=f"https://a.example/envoy/status/{i}/",
        title=title,
        link=f"{site}/envoy/status/{i}/",
        published=f"2024-01-{i + 1:02d}T10:00:00Z",
        updated=f"2024-01-{i + 1:02d}T10:00:00Z",
        content_html=content,
    )


def write_feed(path, count, site="https://a.example", more=()):
    """A feed of ``count`` items "Event number <i>", then the items ``more``; newest first."""
    items = [*reversed(more), *(item(i, f"Event number {i}", site) for i in reversed(range(count)))]
    path.write_text(
        atom(
            Feed(
                id="https://a.example/",
                title="Events",
                link="https://a.example/",
                feed_url="https://a.example/atom.xml",
                updated="2024-01-09T10:00:00Z",
                items=items,
            )
        )
    )
    return path


@pytest.fixture
def server():
    with APIServer() as server:
        yield server


def run(feed, state, server, post=True, cap=5):
    return syndicate.syndicate(feed, state, post=post, cap=cap, client=user_client(server.base))


def test_first_run_marks_everything_seen_and_posts_nothing(tmp_path, server, keys):
    feed, state = write_feed(tmp_path / "atom.xml", 3), tmp_path / "state.json"
    outcome = run(feed, state, server)
    assert outcome.first_run and outcome.seen == 3
    assert server.api.created == []


def test_new_items_are_posted_exactly_once_oldest_first(tmp_path, server, keys):
    feed, state = write_feed(tmp_path / "atom.xml", 2), tmp_path / "state.json"
    run(feed, state, server)
    write_feed(feed, 5)
    dry = run(feed, state, server, post=False)
    assert [i.text for i in dry.would_post] == [
        f"Event number {i} https://a.example/envoy/status/{i}/" for i in (2, 3, 4)
    ]
    assert server.api.created == []
    posted = run(feed, state, server)
    assert [p["text"] for p in server.api.created] == [i.text for i in dry.would_post]
    again = run(feed, state, server)
    assert again.posted == [] and len(server.api.created) == 3
    assert set(json.loads(state.read_text())["atom.xml"]["posted"].values()) == {
        p for _, p in posted.posted
    }


def test_the_cap_holds_the_rest_for_the_next_run(tmp_path, server, keys):
    feed, state = write_feed(tmp_path / "atom.xml", 1), tmp_path / "state.json"
    run(feed, state, server)
    write_feed(feed, 6)
    first = run(feed, state, server, cap=2)
    assert (len(first.posted), first.left) == (2, 3)
    assert len(run(feed, state, server, cap=10).posted) == 3


def test_a_duplicate_is_skipped_for_good_and_a_rate_limit_stops_cleanly(tmp_path, server, keys):
    feed, state = write_feed(tmp_path / "atom.xml", 1), tmp_path / "state.json"
    run(feed, state, server)
    write_feed(feed, 3)
    server.api.created.append(
        {"id": "1", "text": "Event number 1 https://a.example/envoy/status/1/"}
    )
    outcome = run(feed, state, server)
    assert [i.text for i in outcome.duplicates] == [
        "Event number 1 https://a.example/envoy/status/1/"
    ]
    write_feed(feed, 5)
    server.api.faults.append("429")
    with pytest.raises(CommuniqueError, match="rate limited after 0 posts"):
        run(feed, state, server)
    assert len(run(feed, state, server).posted) == 2


@pytest.mark.parametrize(
    "fault, message",
    [
        ("500", "failed (500 Internal Server Error)"),
        ("503", "failed (503 Service Unavailable)"),
        ("drop", "failed (ConnectionError)"),
        ("lost-reply", "failed (ConnectionError)"),
        ("400", "(400 Bad Request: One or more parameters to your request was invalid.)"),
    ],
)
def test_a_failed_post_stops_clearly_and_the_rerun_posts_nothing_twice(
    tmp_path, server, keys, fault, message
):
    feed, state = write_feed(tmp_path / "atom.xml", 1), tmp_path / "state.json"
    run(feed, state, server)
    write_feed(feed, 4)
    client = user_client(server.base)
    create, calls = client.create_tweet, []

    def second_fails(**kwargs):
        calls.append(kwargs["text"])
        if len(calls) == 2:
            server.api.faults.append(fault)
        return create(**kwargs)

    client.create_tweet = second_fails
    with pytest.raises(CommuniqueError) as error:
        syndicate.syndicate(feed, state, post=True, cap=5, client=client)
    assert message in str(error.value) and "\n" not in str(error.value)
    assert "Event number 2" in str(error.value)
    assert server.api.served == [("/2/tweets", fault)]
    texts = [f"Event number {i} https://a.example/envoy/status/{i}/" for i in (1, 2, 3)]
    recorded = json.loads(state.read_text())["atom.xml"]
    assert list(recorded["posted"]) == ["https://a.example/envoy/status/1/"]
    rerun = run(feed, state, server)
    assert [c["text"] for c in server.api.created] == texts
    lost = fault == "lost-reply"  # the post went out, the reply did not come back
    assert [i.text for i, _ in rerun.posted] == (texts[2:] if lost else texts[1:])
    assert [i.text for i in rerun.duplicates] == (texts[1:2] if lost else [])


@pytest.mark.parametrize(
    "site", ["http://localhost:8000", "http://127.0.0.1:8000", "http://192.168.1.5", ""]
)
def test_links_that_are_not_public_are_never_posted(tmp_path, server, keys, site):
    feed, state = write_feed(tmp_path / "atom.xml", 1, site), tmp_path / "state.json"
    run(feed, state, server)
    write_feed(feed, 2, site)
    before = state.read_bytes()
    with pytest.raises(CommuniqueError, match="not public http\\(s\\) addresses; set SITEURL"):
        run(feed, state, server)
    assert server.api.requests == [] and state.read_bytes() == before
    assert [i.text for i in run(feed, state, server, post=False).would_post] == [
        f"Event number 1 {site}/envoy/status/1/"
    ]


def test_missing_keys_are_named(monkeypatch):
    for k in USER_KEYS:
        monkeypatch.delenv(k, raising=False)
    with pytest.raises(CommuniqueError, match="TWITTER_API_KEY"):
        user_client()


def test_the_archive_recognizes_the_bridge_posts(tmp_path, server, keys):
    feed, state = write_feed(tmp_path / "atom.xml", 1), tmp_path / "state.json"
    run(feed, state, server)
    write_feed(feed, 2)
    ((item, post_id),) = run(feed, state, server).posted
    server.api.add_account("envoy", "42")
    server.api.post("envoy", 1, "An ordinary post")
    server.api.accounts["envoy"].posts.append(
        {
            **server.api.accounts["envoy"].posts[0],
            "id": post_id,
            "text": item.text,
            "conversation_id": post_id,
        }
    )
    store = Store(tmp_path / "archive")
    f = fetch.Fetcher(
        make_client("test-bearer-token-0123456789", server.base),
        store,
        syndicated=syndicate.syndicated_ids(state),
    )
    f.archive("envoy")
    marks = {p["id"]: p.get("syndicated_from") for p in store.posts("envoy")}
    assert marks == {"1": None, post_id: item.id}


def test_bidi_embeddings_go_out_as_posted_closed_before_the_link_and_overrides_do_not(
    tmp_path, server, keys
):
    feed, state = write_feed(tmp_path / "atom.xml", 1), tmp_path / "state.json"
    run(feed, state, server)
    link = "https://a.example/envoy/status/1/"
    # Hebrew with an English name embedded, Arabic isolated, a right-to-left mark, an override
    # (the spoof), an embedding left open; a C1 control and a noncharacter, meaningless here.
    text = (
        "שלום \u202bEnvoy Vale\u202c, \u2067مرحبا\u2069\u200f, \u202egnp.exe\u202c and"
        " \u202bleft open\x9b\ufdd0"
    )
    write_feed(feed, 1, more=[item(1, post_title(text, link))])
    run(feed, state, server)
    (posted,) = server.api.created
    assert posted["text"] == (
        "שלום \u202bEnvoy Vale\u202c, \u2067مرحبا\u2069\u200f, gnp.exe and"
        f" \u202bleft open\u202c {link}"
    )
