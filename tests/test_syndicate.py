import json

import pytest

from apiserver import APIServer
from communique.errors import CommuniqueError
from communique.ingest import fetch
from communique.ingest.export import import_archive
from communique.ingest.normalize import from_v11
from communique.outbound import syndicate
from communique.outbound.client import KEYS as USER_KEYS
from communique.outbound.client import make_client, user_client
from communique.records import provenance
from communique.site.feeds import Feed, FeedItem, atom, post_title
from communique.site.render import post_html
from communique.store import Store
from conftest import full, tweet, write_export

KEYS = {k: f"value-of-{k.lower()}" for k in USER_KEYS}


@pytest.fixture
def keys(monkeypatch):
    for k, v in KEYS.items():
        monkeypatch.setenv(k, v)


def item(
    i: int, title: str, site: str = "https://a.example", content: str = "x", post_id: str = ""
) -> FeedItem:
    """The feed item of the post ``post_id`` (default ``i``), the ``i``th day of 2024."""
    return FeedItem(
        id=f"{site}/envoy/status/{post_id or i}/",
        title=title,
        link=f"{site}/envoy/status/{post_id or i}/",
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


@pytest.mark.parametrize("fault", ["429", "429-bare"])
def test_a_rate_limit_midway_stops_after_what_was_posted_and_the_rerun_posts_the_rest_once(
    tmp_path, server, keys, fault
):
    feed, state = write_feed(tmp_path / "atom.xml", 1), tmp_path / "state.json"
    run(feed, state, server)
    write_feed(feed, 4)
    client = user_client(server.base)
    create = client.create_tweet

    def second_limited(**kwargs):
        if len(server.api.created) == 1:
            server.api.faults.append(fault)
        return create(**kwargs)

    client.create_tweet = second_limited
    with pytest.raises(CommuniqueError, match="^rate limited after 1 posts; the rest go out"):
        syndicate.syndicate(feed, state, post=True, cap=5, client=client)
    assert server.api.served == [("/2/tweets", fault)]
    run(feed, state, server)
    texts = [f"Event number {i} https://a.example/envoy/status/{i}/" for i in (1, 2, 3)]
    assert [c["text"] for c in server.api.created] == texts


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


def test_a_state_that_cannot_be_saved_after_a_post_stops_in_one_line_and_posts_nothing_twice(
    tmp_path, small_disk, server, keys
):
    feed, state = write_feed(tmp_path / "atom.xml", 1), small_disk / "state.json"
    run(feed, state, server)
    write_feed(feed, 3)
    recorded = state.read_bytes()
    with full(small_disk), pytest.raises(CommuniqueError) as error:
        run(feed, state, server)
    assert str(error.value).startswith(f"{state}: cannot be written (No space left on device)")
    assert "Event number 1" in str(error.value) and "\n" not in str(error.value)
    assert state.read_bytes() == recorded
    rerun = run(feed, state, server)  # room again
    texts = [f"Event number {i} https://a.example/envoy/status/{i}/" for i in (1, 2)]
    assert [c["text"] for c in server.api.created] == texts
    assert [i.text for i in rerun.duplicates] == texts[:1]
    assert [i.text for i, _ in rerun.posted] == texts[1:]


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
        syndicated=syndicate.Posted.load(state).source_of,
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


ITEM_1 = "https://a.example/envoy/status/1/"


def came_back(post_id: str, text: str, link: str) -> dict:
    """A post the bridge made (``text``, then ``link``), as an export gives it back: its link
    a t.co link, the link it stands for in its entities."""
    short = "https://t.co/abcdefghij"
    at = [str(len(text) + 1), str(len(text) + 1 + len(short))]
    urls = [{"url": short, "expanded_url": link, "display_url": link[8:30] + "…", "indices": at}]
    return tweet(
        post_id, f"{text} {short}", entities={"hashtags": [], "user_mentions": [], "urls": urls}
    )


def posted_once(tmp_path, server, known: str) -> tuple:
    """Item 1 posted by the bridge; returns the feed, the state and the id of the post made.

    ``known`` "by its id": the bridge learned the id; "by its link": it never did (a copy was
    already out, the API refused this one as a duplicate), so only the link can tell."""
    feed, state = write_feed(tmp_path / "atom.xml", 1), tmp_path / "state.json"
    run(feed, state, server)
    write_feed(feed, 2)
    if known == "by its link":
        server.api.created.append({"id": "1999", "text": f"Event number 1 {ITEM_1}"})
    outcome = run(feed, state, server)
    return feed, state, outcome.posted[0][1] if outcome.posted else "1999"


@pytest.mark.parametrize("known", ["by its id", "by its link"])
def test_a_post_the_bridge_made_is_not_posted_again_when_an_export_brings_it_back(
    tmp_path, server, keys, known
):
    feed, state, post_id = posted_once(tmp_path, server, known)
    made = len(server.api.created)
    # Imported from an export, the post is in the site's feed as an item of its own.
    record = from_v11(came_back(post_id, "Event number 1", ITEM_1), account="envoy",
                      provenance=provenance("export:data/tweets.js", None,
                                            "2024-02-01T00:00:00Z"))  # fmt: skip
    echo = item(3, post_title(record["text"], ""), content=post_html(record), post_id=post_id)
    ordinary = item(4, "An ordinary post", content=post_html({"text": "x", "entities": {}}))
    write_feed(feed, 2, more=[echo, ordinary])
    dry = run(feed, state, server, post=False)
    assert [i.link for i in dry.would_post] == [ordinary.link]
    again = run(feed, state, server)
    assert [i.link for i in again.echoes] == [echo.link]
    assert [i.link for i, _ in again.posted] == [ordinary.link]
    assert len(server.api.created) == made + 1
    assert run(feed, state, server).echoes == []  # seen: not looked at again


@pytest.mark.parametrize("known", ["by its id", "by its link"])
def test_an_export_marks_the_posts_the_bridge_made_as_the_api_does(tmp_path, server, keys, known):
    _, state, post_id = posted_once(tmp_path, server, known)
    export = write_export(
        tmp_path / "export",
        [
            came_back(post_id, "Event number 1", ITEM_1),
            came_back("7", "A post by hand, linking elsewhere", "https://a.example/about/"),
        ],
    )
    store = Store(tmp_path / "archive")
    import_archive(export, store, syndicated=syndicate.Posted.load(state).source_of)
    marks = {p["id"]: p.get("syndicated_from") for p in store.posts("envoy")}
    assert marks == {"7": None, post_id: ITEM_1}
    # An export imported before it was marked is marked when imported again.
    import_archive(export, Store(tmp_path / "before"))
    import_archive(
        export, Store(tmp_path / "before"), syndicated=syndicate.Posted.load(state).source_of
    )
    assert {p["id"]: p.get("syndicated_from") for p in Store(tmp_path / "before").posts()} == marks
