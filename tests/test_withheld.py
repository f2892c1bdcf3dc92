"""What the site withholds: never-public posts, redactions, other people's handles."""

import gzip
import io
import json
import re
import shutil

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from communique.errors import CommuniqueError
from communique.ingest.api import from_v2, index
from communique.ingest.export import import_archive, in_periods, protected_periods
from communique.records import provenance
from communique.settings import from_mapping
from communique.site.search import index_site
from communique.site.withheld import hide_handles, load_redactions, parse_redactions
from communique.store import Store
from conftest import build_project, js, make_project, tweet, write_export

# -- redactions.md ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line, expected",
    [
        ("- 123: personal-data, 2024-03-02", ("123", "personal-data", "2024-03-02")),
        ("* 123 | Legal order | 2024-03-02", ("123", "legal-order", "2024-03-02")),
        ("-   123:  security ,2024-12-31  ", ("123", "security", "2024-12-31")),
        ("- 123, error, 2024-01-05", ("123", "error", "2024-01-05")),
    ],
)
def test_a_redaction_line_names_a_post_a_reason_and_a_date(line, expected):
    (found,) = parse_redactions(f"Title: Withheld\n\nSome prose.\n\n{line}\n", "r.md")
    assert (found.id, found.reason, found.date) == expected
    assert found.where == "r.md:5"


@pytest.mark.parametrize(
    "line, message",
    [
        ("- 123: gossip, 2024-03-02", "unknown reason 'gossip'"),
        ("- 123: security, 2024-02-30", "is not a date"),
        ("- 123: security", "write a redaction as"),
        ("- 123", "write a redaction as"),
        ("- ١٢٣: security, 2024-03-02", "is not a post id"),  # digits to \\d, not in an id
    ],
)
def test_a_malformed_redaction_stops_with_its_line(line, message):
    with pytest.raises(CommuniqueError, match=rf"r\.md:3: .*{message}"):
        parse_redactions(f"Prose.\n\n{line}\n", "r.md")


def test_prose_and_other_lists_are_not_redactions():
    text = "# Withheld posts\n\n- reasons: see below\n- one more note\n\n1. numbered\n"
    assert parse_redactions(text, "r.md") == []


@given(st.text())
def test_the_redaction_parser_accepts_or_refuses_clearly(text):
    try:
        found = parse_redactions(text, "r.md")
    except CommuniqueError as e:
        assert str(e).startswith("r.md:")
    else:
        assert all(r.id.isdigit() for r in found)


def test_the_file_and_the_setting_are_merged_and_conflicts_refused(tmp_path):
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "redactions.md").write_text("- 1: error, 2024-01-01\n")
    settings = from_mapping({"REDACTIONS": {"2": ("security", "2024-02-02")}}, tmp_path)
    assert set(load_redactions(settings)) == {"1", "2"}
    settings = from_mapping({"REDACTIONS": {"1": ("security", "2024-02-02")}}, tmp_path)
    with pytest.raises(CommuniqueError, match="post 1 is already withheld differently"):
        load_redactions(settings)


# -- protected periods and handles -----------------------------------------------------------


@pytest.mark.parametrize(
    "events, inside, outside",
    [
        ([("2020-01-01T00:00:00Z", "protect"), ("2020-06-01T00:00:00Z", "unprotect")],
         ["2020-03-01T00:00:00Z"], ["2019-12-31T23:59:59Z", "2020-06-01T00:00:00Z"]),
        ([("2020-06-01T00:00:00Z", "unprotect")],  # protected from the start
         ["2008-01-01T00:00:00Z"], ["2020-07-01T00:00:00Z"]),
        ([("2021-01-01T00:00:00Z", "protect")],  # still protected
         ["2025-01-01T00:00:00Z"], ["2020-12-31T00:00:00Z"]),
        ([("2020-06-01T00:00:00Z", "unprotect"), ("2020-01-01T00:00:00Z", "protect"),
          ("2022-01-01T00:00:00Z", "protect"), ("2022-02-01T00:00:00Z", "unprotect")],
         ["2020-02-01T00:00:00Z", "2022-01-15T00:00:00Z"], ["2021-01-01T00:00:00Z"]),
    ],
)  # fmt: skip
def test_protected_periods(events, inside, outside):
    periods = protected_periods(events)
    assert all(in_periods(t, periods) for t in inside)
    assert not any(in_periods(t, periods) for t in outside)


def test_hidden_handles_keep_every_other_link_on_its_word():
    text = "@bob thanks, @envoy_vale and @Ann: see https://x.org #Help"
    post = {
        "text": text,
        "entities": {
            "mentions": [
                {"username": "bob", "start": 0, "end": 4},
                {"username": "envoy_vale", "start": 13, "end": 24},
                {"username": "Ann", "start": 29, "end": 33},
            ],
            "urls": [{"url": "https://x.org", "start": 39, "end": 52}],
            "hashtags": [{"tag": "Help", "start": 53, "end": 58}],
        },
        "reply_to": {"id": "9", "user": "bob", "user_id": "7"},
    }
    shown = hide_handles(post, {"envoy_vale"}, "a customer")
    assert shown["text"] == "thanks, @envoy_vale and a customer: see https://x.org #Help"
    for kind, word in (
        ("mentions", "@envoy_vale"),
        ("urls", "https://x.org"),
        ("hashtags", "#Help"),
    ):
        (e,) = shown["entities"][kind]
        assert shown["text"][e["start"] : e["end"]] == word
    # Bob's post id or user id would lead to him as surely as his handle.
    assert shown["reply_to"] == {"id": None, "user": None, "user_id": None, "label": "a customer"}


def test_the_api_record_keeps_no_other_persons_post_or_name():
    page = {
        "includes": {
            "tweets": [{"id": "1", "author_id": "7", "text": "my private complaint"}],
            "users": [
                {"id": "7", "username": "bob", "name": "Bob Private", "profile_image_url": "x"},
                {"id": "42", "username": "envoy", "name": "The Envoy"},
            ],
        }
    }
    post = {
        "id": "2", "text": "@bob sorry to hear it", "author_id": "42",
        "created_at": "2024-01-01T00:00:00.000Z", "in_reply_to_user_id": "7",
        "referenced_tweets": [{"type": "replied_to", "id": "1"}],
    }  # fmt: skip
    captured = provenance("api:GET /2/users/:id/tweets", "t", "t")
    record = from_v2(post, index(page["includes"]), account="envoy", provenance=captured)
    raw = json.dumps(record)
    assert "private complaint" not in raw and "Bob Private" not in raw
    assert record["reply_to"]["user"] == "bob"


# -- the importer ----------------------------------------------------------------------------


def at(day: int) -> str:
    return f"Mon Nov {day:02d} 09:15:00 +0000 2008"


def never_public(circle_post: dict) -> dict[str, str]:
    """Export files saying ``circle_post`` went to a Circle, and the account was protected
    from 4 to 6 November 2008."""
    history = [
        {"protectedHistory": {"protectedAt": "2008-11-04T00:00:00.000Z", "action": "Protect"}},
        {"protectedHistory": {"protectedAt": "2008-11-06T00:00:00.000Z", "action": "Unprotect"}},
    ]
    return {
        "data/twitter-circle-tweet.js": js(
            "YTD.twitter_circle_tweet.part0", [{"tweet": circle_post}]
        ),
        "data/protected-history.js": js("YTD.protected_history.part0", history),
    }


def test_circle_and_protected_posts_are_marked_and_stay_marked(tmp_path, store):
    tweets = [tweet("1", "public", at(1)), tweet("2", "circle", at(2)), tweet("3", "locked", at(5))]
    export = write_export(tmp_path / "x", tweets, **never_public(tweets[1]))
    summary = import_archive(export, store)
    assert summary.private == 2 and "2 never public" in summary.line()
    assert {p["id"]: p.get("visibility") for p in store.posts()} == {
        "1": None,
        "2": "circle",
        "3": "protected",
    }
    # A later export without those files does not make them public.
    import_archive(write_export(tmp_path / "y", tweets), store)
    assert [p.get("visibility") for p in store.posts()] == [None, "circle", "protected"]


# -- the site: nothing withheld leaks into any output file -----------------------------------


def photo(colour: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), colour).save(out, "JPEG")
    return out.getvalue()


def with_photo(post_id: str, text: str, day: int, name: str) -> dict:
    media = [{"id_str": f"{post_id}0", "type": "photo", "url": "https://t.co/m",
              "indices": [str(len(text) + 1), str(len(text) + 24)],
              "media_url_https": f"https://pbs.twimg.com/media/{name}.jpg",
              "ext_alt_text": f"alt of {name}"}]  # fmt: skip
    return tweet(
        post_id,
        f"{text} https://t.co/m",
        at(day),
        entities={"hashtags": [], "user_mentions": [], "urls": [], "media": media},
        extended_entities={"media": media},
    )


ID = {n: f"1500000000000000{n:03d}" for n in range(99, 108)}  # long, as real ids: no chance hits
SECRETS = {  # never public: nothing of them may appear, not even their ids
    ID[101]: "Circle only: CIRCLESECRET plans",
    ID[102]: "Protected period: PROTECTEDSECRET thoughts",
}
REDACTED = (ID[103], "Named a private person: REDACTEDSECRET")
CUSTOMER_ID = "2718281828459045"  # the user id of @customer123, whose handle is hidden


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    folder = tmp_path_factory.mktemp("withheld")
    conf = make_project(
        folder, POSTS_PER_PAGE=2, HIDE_OTHER_HANDLES="support", OTHER_HANDLE_LABEL="a customer"
    )
    tweets = [
        tweet(ID[100], "A public post before #Iceland", at(1)),
        with_photo(ID[101], SECRETS[ID[101]], 2, "CircleSnap"),
        with_photo(ID[102], SECRETS[ID[102]], 5, "LockedSnap"),
        with_photo(REDACTED[0], REDACTED[1], 7, "RedactedSnap"),
        tweet(ID[104], "A public reply", at(8), in_reply_to_status_id_str=ID[101],
              in_reply_to_screen_name="envoy"),
        tweet(ID[105], "@customer123 we can help #AskTheEnvoy", at(9),
              in_reply_to_status_id_str=ID[99], in_reply_to_screen_name="customer123",
              in_reply_to_user_id_str=CUSTOMER_ID,
              entities={"hashtags": [{"text": "AskTheEnvoy", "indices": ["25", "37"]}],
                        "user_mentions": [{"screen_name": "customer123", "indices": ["0", "12"]}],
                        "urls": []}),
        tweet(ID[106], "A public post after", at(10)),
        tweet(ID[107], "Worth a read https://t.co/q #Iceland", at(11),  # quotes the Circle post
              quoted_status_id_str=ID[101],
              entities={"hashtags": [{"text": "Iceland", "indices": ["28", "36"]}],
                        "user_mentions": [],
                        "urls": [{"url": "https://t.co/q", "indices": ["13", "27"],
                                  "expanded_url": f"https://twitter.com/envoy/status/{ID[101]}",
                                  "display_url": f"twitter.com/envoy/status/{ID[101][:7]}…"}]}),
    ]  # fmt: skip
    export = write_export(
        folder / "export",
        tweets,
        **never_public(tweets[1]),
        **{
            f"data/twitter_circle_tweet_media/{ID[101]}-CircleSnap.jpg": photo("red"),
            f"data/tweets_media/{ID[102]}-LockedSnap.jpg": photo("green"),
            f"data/tweets_media/{ID[103]}-RedactedSnap.jpg": photo("blue"),
        },
    )
    import_archive(export, Store(folder / "content" / "archive"))
    return conf


# A withheld post's card in the lists, and its line in the timelines: its address, its time
# and "Post withheld", with the reason.
PLACEHOLDER_CARD = re.compile(
    r'<article class="post withheld".*?</article>|<li><a href="[^"]+"><time [^<]+</time></a>'
    r" Post withheld: [^<]+</li>",
    re.S,
)


def output_texts(output):
    """Every output file as text, Pagefind's gzipped index fragments unpacked."""
    for path in sorted(p for p in output.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        yield path.relative_to(output).as_posix(), data.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def site(project):
    output = build_project(project)
    assert (output / "envoy" / "status" / REDACTED[0] / "index.html").exists()
    assert (
        "REDACTEDSECRET" in (output / "envoy" / "status" / REDACTED[0] / "index.html").read_text()
    )
    # Then staff withhold a post that was already published, and the site is rebuilt.
    (project.parent / "content" / "redactions.md").write_text(
        f"Title: Withheld posts\n\n- {REDACTED[0]}: personal-data, 2009-01-15\n"
    )
    build_project(project)
    index_site(output, output.parent / "cache")
    return output


def test_no_trace_of_never_public_posts_anywhere(site):
    assert list(site.glob("-/pagefind/*/fragment/*")), "the search index was built"
    for name, text in output_texts(site):
        for post_id, secret in SECRETS.items():
            assert secret.split(": ")[1] not in text, name
            assert post_id not in text, name
        assert "CircleSnap" not in text and "LockedSnap" not in text, name
    assert [p.name for p in site.glob("envoy/media/*")] == []


def test_a_withheld_post_leaves_only_its_placeholder_and_log_rows(site):
    # The places that name it openly: its placeholder, the logs, the ledger (which entered it
    # published, then withheld) and the post pages' sums.
    log = {f"envoy/status/{REDACTED[0]}/index.html", "-/redactions/index.html",
           "-/data/redactions.csv", "-/data/ledger.jsonl", "-/data/pages.sha256"}  # fmt: skip
    for name, text in output_texts(site):
        assert "REDACTEDSECRET" not in text and "RedactedSnap" not in text, name
        if name not in log:  # elsewhere only as a placeholder card, in timelines
            assert REDACTED[0] not in PLACEHOLDER_CARD.sub("", text), name
    placeholder = (site / "envoy" / "status" / REDACTED[0] / "index.html").read_text()
    assert "Post withheld" in placeholder and "personal data of a private person" in placeholder
    assert "2009-01-15" in placeholder and "data-pagefind-body" not in placeholder
    log = (site / "-" / "redactions" / "index.html").read_text()
    assert f"/envoy/status/{REDACTED[0]}/" in log and "2008-11-07" in log
    csv = (site / "-" / "data" / "redactions.csv").read_text().splitlines()
    assert csv[1].startswith(f"{REDACTED[0]},envoy,2008-11-07T09:15:00Z,2009-01-15,personal-data,")


def test_withheld_posts_are_counted_where_they_are_left_out(site):
    assert "1 withheld post is not searchable" in (site / "-" / "search" / "index.html").read_text()
    assert "1 withheld post is left out" in (site / "-" / "data" / "index.html").read_text()
    assert "1 post withheld from publication" in (site / "envoy" / "atom.xml").read_text()
    provenance = (site / "-" / "provenance" / "index.html").read_text()
    assert "<td>1</td><td>2</td>" in provenance  # withheld, never public


def test_other_peoples_handles_are_replaced_everywhere(site):
    for name, text in output_texts(site):
        for trace in ("customer123", CUSTOMER_ID, ID[99]):  # their handle, user id and post
            assert trace not in text, f"{trace} in {name}"
    page = (site / "envoy" / "status" / ID[105] / "index.html").read_text()
    assert "Replying to a customer" in page and '<div class="text">we can help' in page


def test_the_downloads_hold_only_what_the_site_shows(site):
    lines = gzip.decompress((site / "-" / "data" / "envoy-2008.jsonl.gz").read_bytes()).splitlines()
    rows = [json.loads(line) for line in lines]
    assert [r["id"] for r in rows] == [ID[100], ID[104], ID[105], ID[106], ID[107]]
    assert "raw" not in rows[2] and "raw" in rows[0]
    quote = rows[4]  # its link to the Circle post is cut from its text, and its hashtag moves
    assert quote["text"] == "Worth a read #Iceland" and quote["quote_of"] is None
    assert quote["entities"]["urls"] == [] and "raw" not in quote
    assert quote["entities"]["hashtags"] == [{"tag": "Iceland", "start": 13, "end": 21}]


def deleted_note(note_id: str, minute: int, text: str) -> dict:
    core = {"text": text, "urls": [], "mentions": [], "hashtags": []}
    return {"noteTweet": {"noteTweetId": note_id, "createdAt": f"2008-11-03T09:{minute}:00.000Z",
                          "core": core}}  # fmt: skip


def test_a_deleted_note_reaches_no_live_page_nor_a_withheld_posts(tmp_path):
    """deleted-note-tweet.js holds what the account took down: its text joins a deleted post
    only, so it never shows on a live post's page (of its second, or of its id, when
    deleted-tweets.js lists a post still live), and a withheld post keeps it out of every file."""
    conf = make_project(tmp_path)
    deleted = "Tue Nov 04 10:00:00 +0000 2008"
    live, same_id, gone = "1500000000000000001", "1500000000000000003", "1500000000000000002"
    tweets = [
        tweet(live, "live, the second of a stray note", "Mon Nov 03 09:30:00 +0000 2008"),
        tweet(same_id, "live, and in deleted-tweets.js", "Mon Nov 03 09:40:00 +0000 2008"),
    ]
    export = write_export(
        tmp_path / "export",
        tweets,
        **{
            "data/deleted-tweets.js": js(
                "YTD.deleted_tweets.part0",
                [
                    {
                        "tweet": tweet(
                            gone,
                            "withheld start…",
                            "Mon Nov 03 09:35:00 +0000 2008",
                            deleted_at=deleted,
                        )
                    },
                    {"tweet": {**tweets[1], "deleted_at": deleted}},
                ],
            ),  # fmt: skip
            "data/deleted-note-tweet.js": js(
                "YTD.deleted_note_tweet.part0",
                [
                    deleted_note("71", 30, "STRAYSECRET a note no post of the export has"),
                    deleted_note("72", 35, "withheld start WITHHELDSECRET " + "word " * 50),
                    deleted_note("73", 40, "live, and in deleted-tweets.js SAMEIDSECRET"),
                ],
            ),
        },
    )
    summary = import_archive(export, Store(tmp_path / "content" / "archive"))
    assert (summary.posts, summary.deleted, summary.notes) == (3, 1, 1)
    (tmp_path / "content" / "redactions.md").write_text(
        f"Title: Withheld posts\n\n- {gone}: personal-data, 2009-01-15\n"
    )
    output = build_project(conf)
    index_site(output, output.parent / "cache")
    for name, text in output_texts(output):
        for secret in ("STRAYSECRET", "WITHHELDSECRET", "SAMEIDSECRET"):
            assert secret not in text, f"{secret} in {name}"
    for post_id in (live, same_id):
        assert (
            "mark-deleted" not in (output / "envoy" / "status" / post_id / "index.html").read_text()
        )


@pytest.mark.parametrize(
    "line, message",
    [
        (f"- {ID[100]}: spite, 2009-01-01", r"unknown reason 'spite'"),
        ("- 123456: error, 2009-01-01", r"post 123456 is not in the archive; check the id"),
    ],
)
def test_a_wrong_redaction_stops_the_build_with_its_line(project, tmp_path, line, message):
    folder = tmp_path / "p"
    shutil.copytree(project.parent, folder, ignore=shutil.ignore_patterns("output", "cache"))
    (folder / "content" / "redactions.md").write_text(f"Title: Withheld\n\n{line}\n")
    with pytest.raises(SystemExit, match=rf"^error: .*redactions\.md:3: {message}"):
        build_project(folder / "pelican.conf.py")


# -- a site that hides every other person: nothing of them in any output file ----------------

PRIVATE = "privatebob42"  # the private person: their handle, user id and posts
PRIVATE_ID = "3141592653589793"
THEIRS = {n: f"1600000000000000{n:03d}" for n in range(1, 6)}
OURS = {n: f"1700000000000000{n:03d}" for n in range(1, 12)}
LONG = f"A long answer for @{PRIVATE} " + "word " * 60  # a long post: its note names them too


def mention(text: str, name: str) -> dict:
    start = text.index(f"@{name}")
    return {"screen_name": name, "id_str": PRIVATE_ID, "indices": [str(start),
            str(start + len(name) + 1)]}  # fmt: skip


def link(text: str, short: str, url: str) -> dict:
    start = text.index(short)
    return {"url": short, "expanded_url": url, "display_url": url.split("//")[1][:26] + "…",
            "indices": [str(start), str(start + len(short))]}  # fmt: skip


def entities(mentions=(), urls=(), hashtags=()) -> dict:
    return {"user_mentions": list(mentions), "urls": list(urls), "hashtags": list(hashtags)}


def private_persons_posts() -> list[dict]:
    """Every way a post names another person: a reply and the thread it starts, a mention that
    Twitter did not link, a quote, a retweet, a link to their profile, and a long post; and a
    reply, a quote and a retweet of theirs whose text names no one (nothing else to hide)."""
    reply = f"@{PRIVATE} we can help, write to us"
    again = f"One more thing, @{PRIVATE}: it is fixed"
    bare = f"Thanks to @{PRIVATE} for the idea"  # a suspended account's mention is not linked
    quote = "Worth a read https://t.co/q"
    retweet = f"RT @{PRIVATE}: the office is closed today"
    profile = "Follow https://t.co/p for updates"
    own = "@envoy our own handle stays, as does a link to https://t.co/h"
    theirs = {"id_str": THEIRS[5], "user": {"screen_name": PRIVATE, "id_str": PRIVATE_ID}}
    return [
        tweet(OURS[1], reply, at(12), in_reply_to_status_id_str=THEIRS[1],
              in_reply_to_screen_name=PRIVATE, in_reply_to_user_id_str=PRIVATE_ID,
              in_reply_to_user_id=PRIVATE_ID, entities=entities([mention(reply, PRIVATE)])),
        tweet(OURS[2], again, at(13), in_reply_to_status_id_str=OURS[1],
              in_reply_to_screen_name="envoy", entities=entities([mention(again, PRIVATE)])),
        tweet(OURS[3], bare, at(14)),
        tweet(OURS[4], quote, at(15), quoted_status_id_str=THEIRS[2], entities=entities(
            urls=[link(quote, "https://t.co/q", f"https://x.com/{PRIVATE}/status/{THEIRS[2]}")])),
        tweet(OURS[5], retweet, at(16), entities=entities([mention(retweet, PRIVATE)])),
        tweet(OURS[6], profile, at(17), entities=entities(
            urls=[link(profile, "https://t.co/p", f"https://twitter.com/{PRIVATE}")])),
        tweet(OURS[7], LONG[:200] + "… https://t.co/n", at(18),
              entities=entities([mention(LONG, PRIVATE)])),
        tweet(OURS[8], own, at(19), entities=entities(
            [{"screen_name": "envoy", "indices": ["0", "6"]}],
            [link(own, "https://t.co/h", "https://x.com/hashtag/Iceland")])),
        tweet(OURS[9], "Glad it helped", at(20), in_reply_to_status_id_str=THEIRS[3],
              in_reply_to_screen_name=PRIVATE, in_reply_to_user_id_str=PRIVATE_ID),
        tweet(OURS[10], "Well put", at(21), quoted_status_id_str=THEIRS[4]),
        tweet(OURS[11], "the office is open again", at(22), retweeted_status=theirs),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def hidden_site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hidden")
    conf = make_project(folder, HIDE_OTHER_HANDLES="all", OTHER_HANDLE_LABEL="a customer")
    note = {"noteTweetId": "777", "createdAt": "2008-11-18T09:15:00.000Z",
            "core": {"text": LONG, "urls": [], "hashtags": [],
                     "mentions": [{"screenName": PRIVATE, "fromIndex": "18",
                                   "toIndex": str(19 + len(PRIVATE))}]}}  # fmt: skip
    export = write_export(
        folder / "export",
        private_persons_posts(),
        **{"data/note-tweet.js": js("YTD.note_tweet.part0", [{"noteTweet": note}])},
    )
    import_archive(export, Store(folder / "content" / "archive"))
    output = build_project(conf)
    index_site(output, output.parent / "cache")
    return output


def test_a_hidden_person_leaves_no_handle_id_or_link_in_any_output(hidden_site):
    assert list(hidden_site.glob("-/pagefind/*/fragment/*")), "the search index was built"
    assert {"archive.db.gz", "posts.csv.gz", "envoy-2008.jsonl.gz"} <= {
        p.name for p in (hidden_site / "-" / "data").iterdir()
    }
    for name, text in output_texts(hidden_site):
        for trace in (PRIVATE, PRIVATE_ID, *THEIRS.values()):
            assert trace not in text, f"{trace} in {name}"
    assert not (hidden_site / "-" / "threads" / THEIRS[1]).exists()


def test_a_hidden_person_is_shown_as_the_label_and_the_rest_as_posted(hidden_site):
    def text_of(post_id):
        page = (hidden_site / "envoy" / "status" / post_id / "index.html").read_text()
        return re.search(r'<div class="text">(.*?)</div>', page, re.S)[1], page

    shown = {n: text_of(OURS[n]) for n in OURS}
    assert shown[1][0] == "we can help, write to us" and "Replying to a customer" in shown[1][1]
    assert shown[2][0] == "One more thing, a customer: it is fixed"
    assert shown[3][0] == "Thanks to a customer for the idea"
    assert shown[4][0] == "Worth a read" and "Quoting a post</p>" in shown[4][1]
    assert shown[5][0] == "RT a customer: the office is closed today"
    assert shown[6][0] == "Follow for updates"
    assert shown[7][0].startswith("A long answer for a customer word")
    assert 'href="https://twitter.com/envoy"' in shown[8][0]
    assert 'href="https://x.com/hashtag/Iceland"' in shown[8][0]
    assert shown[9][0] == "Glad it helped" and "Replying to a customer</p>" in shown[9][1]
    assert shown[10][0] == "Well put" and "Quoting a post</p>" in shown[10][1]
    assert shown[11][0] == "the office is open again" and '"mark">Repost</span>' in shown[11][1]
    # The conversation the private person started is named by the archive's first post in it.
    thread = (hidden_site / "-" / "threads" / OURS[1] / "index.html").read_text()
    assert f"/envoy/status/{OURS[2]}/" in thread
