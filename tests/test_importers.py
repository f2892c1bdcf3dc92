import contextlib
import importlib.metadata
import io
import json
import math
import re
import resource
import struct
import subprocess
import sys
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from communique.errors import CommuniqueError
from communique.ingest import export as importers
from communique.ingest.export import import_archive
from communique.records import is_post_id
from communique.store import Store, sha256_of
from conftest import ROOT, js, make_project, snapshot, tweet, write_export, zip_of


def test_the_real_2022_sample_imports(sample_export, store):
    summary = import_archive(sample_export, store)
    assert (summary.account, summary.posts, summary.new) == ("mrled", 2, 2)
    retweet, post = store.posts("mrled")
    assert retweet["retweet_of"]["user"] == "nostrich"
    assert post["created_at"] == "2020-06-27T16:34:46Z"
    assert post["metrics"]["likes"] == 2


def test_a_record_is_captured_when_twitter_made_the_export(sample_export, store):
    import_archive(sample_export, store, now=datetime(2024, 3, 1, tzinfo=UTC))
    for post in store.posts("mrled"):
        assert post["provenance"] == {
            "captured_at": "2022-05-06T17:27:17Z",  # the manifest's generationDate
            "imported_at": "2024-03-01T00:00:00Z",
            "captured_by": "export:data/tweet.js",
            "tool": f"communique {importlib.metadata.version('communique')}",
            "sha256": sha256_of(post["raw"]),
        }


def test_an_export_without_a_manifest_says_no_capture_date_and_a_later_one_adds_it(tmp_path, store):
    posts = [tweet("1", "one"), tweet("2", "two")]
    bare = write_export(tmp_path / "bare", posts)  # account.js and tweets.js only
    import_archive(bare, store, now=datetime(2024, 3, 1, tzinfo=UTC))
    assert [p["provenance"]["captured_at"] for p in store.posts("envoy")] == [None, None]
    manifest = js("__THAR_CONFIG", {"archiveInfo": {"generationDate": "2023-02-01T10:00:00.5Z"}})
    full = write_export(tmp_path / "full", posts, **{"data/manifest.js": manifest})
    again = import_archive(full, store, now=datetime(2024, 4, 1, tzinfo=UTC))
    assert (again.unchanged, again.updated) == (0, 2)
    assert {p["provenance"]["captured_at"] for p in store.posts("envoy")} == {
        "2023-02-01T10:00:00Z"
    }
    before = snapshot(store.root)
    assert import_archive(bare, store).unchanged == 2  # the date once known is kept
    assert snapshot(store.root) == before


def test_the_zip_file_name_is_nowhere_in_the_store(tmp_path, store):
    folder = write_export(tmp_path / "x", [tweet("1", "one")])
    import_archive(zip_of(folder, tmp_path / "jane-doe-private-backup.zip"), store)
    assert not any(b"jane-doe" in data for data in snapshot(store.root).values())
    assert next(store.posts("envoy"))["provenance"]["captured_by"] == "export:data/tweets.js"


@pytest.mark.parametrize("as_zip", [False, True])
def test_importing_twice_changes_no_byte(tmp_path, store, as_zip):
    folder = write_export(tmp_path / "x", [tweet("1", "one"), tweet("2", "two")])
    source = zip_of(folder, tmp_path / "x.zip") if as_zip else folder
    import_archive(source, store)
    before = snapshot(store.root)
    again = import_archive(source, store)
    assert (again.new, again.unchanged, again.updated) == (0, 2, 0)
    assert snapshot(store.root) == before


def test_a_newer_export_adds_and_never_removes(tmp_path, store):
    import_archive(write_export(tmp_path / "a", [tweet("1", "one"), tweet("2", "two")]), store)
    newer = write_export(tmp_path / "b", [tweet("2", "two"), tweet("3", "three")])
    summary = import_archive(newer, store)
    assert (summary.new, summary.unchanged) == (1, 1)
    assert [p["id"] for p in store.posts("envoy")] == ["1", "2", "3"]


def test_parts_deleted_posts_notes_and_media(tmp_path, store):
    long_text = "A long post " + "word " * 80
    media = [
        {
            "id_str": "9",
            "type": "photo",
            "url": "https://t.co/p",
            "indices": ["4", "17"],
            "media_url_https": "https://pbs.twimg.com/media/Pic.jpg",
        }
    ]
    folder = write_export(
        tmp_path / "x",
        [tweet("1", "one")],
        **{
            "data/tweets-part1.js": js(
                "YTD.tweets.part1",
                [
                    {
                        "tweet": tweet(
                            "2",
                            "pic https://t.co/p",
                            entities={
                                "hashtags": [],
                                "user_mentions": [],
                                "urls": [],
                                "media": media,
                            },
                            extended_entities={"media": media},
                        )
                    }
                ],
            ),
            "data/deleted-tweets.js": js(
                "YTD.deleted_tweets.part0",
                [{"tweet": tweet("3", "oops", deleted_at="Tue Nov 04 10:00:00 +0000 2008")}],
            ),
            "data/note-tweet.js": js(
                "YTD.note_tweet.part0",
                [
                    {
                        "noteTweet": {
                            "noteTweetId": "555",
                            "createdAt": "2008-11-03T09:20:00.000Z",
                            "core": {"text": long_text, "urls": [], "mentions": [], "hashtags": []},
                        }
                    }
                ],
            ),
            "data/tweets_media/2-Pic.jpg": b"\xff\xd8fakejpeg",
        },
    )
    (folder / "data" / "tweets.js").write_text(
        js(
            "YTD.tweets.part0",
            [
                {"tweet": tweet("1", "one")},
                {
                    "tweet": tweet(
                        "4",
                        long_text[:270] + "… https://t.co/x",
                        created_at="Mon Nov 03 09:20:00 +0000 2008",
                    )
                },
            ],
        )
    )
    summary = import_archive(folder, store)
    posts = {p["id"]: p for p in store.posts("envoy")}
    assert set(posts) == {"1", "2", "3", "4"}
    assert posts["3"]["deleted_at"] == "2008-11-04T10:00:00Z"
    assert posts["4"]["text"] == long_text.strip()
    assert posts["2"]["media"][0]["file"] == "media/2-Pic.jpg"
    assert (store.media_dir("envoy") / "2-Pic.jpg").read_bytes() == b"\xff\xd8fakejpeg"
    assert (summary.deleted, summary.notes, summary.media_copied) == (1, 1, 1)


@pytest.mark.parametrize("also_in_tweets_js", [False, True])
def test_community_posts_are_public_posts_that_keep_their_community(
    tmp_path, store, also_in_tweets_js
):
    community = tweet("2", "to the community", community_id="77", community_id_str="77")
    plain = {k: v for k, v in community.items() if not k.startswith("community")}
    folder = write_export(
        tmp_path / "x",
        [tweet("1", "one"), *([plain] if also_in_tweets_js else [])],
        **{
            "data/community-tweet.js": js("YTD.community_tweet.part0", [{"tweet": community}]),
            "data/community_tweet_media/2-Pic.jpg": b"\xff\xd8fakejpeg",
        },
    )
    summary = import_archive(folder, store)
    posts = {p["id"]: p for p in store.posts("envoy")}
    assert (summary.posts, summary.private) == (2, 0)
    assert posts["2"]["community"] == {"id": "77"} and "community" not in posts["1"]
    assert "visibility" not in posts["2"] and posts["2"]["text"] == "to the community"
    assert posts["2"]["raw"]["community_id"] == "77"  # the payload that says so is kept


def test_a_community_id_that_is_no_number_is_one_line_naming_the_post(tmp_path, store):
    community = tweet("2", "to the community", community_id="../77")
    folder = write_export(
        tmp_path / "x",
        [tweet("1", "one")],
        **{"data/community-tweet.js": js("YTD.community_tweet.part0", [{"tweet": community}])},
    )
    refused = r"community-tweet.js: post '2' is malformed .* community id '../77' is not a number"
    with pytest.raises(CommuniqueError, match=refused):
        import_archive(folder, store)
    assert not store.root.exists()


@pytest.mark.parametrize("ident", ["2\n", " 2", "2 ", "-2", "٢"])
@pytest.mark.parametrize("name", ["data/tweets.js", "data/community-tweet.js"])
def test_a_post_id_that_is_not_only_digits_is_one_line_naming_the_post(
    tmp_path, refuses, name, ident
):
    """An id names the post's file and address: "2\n" would make a folder and a URL of its
    own (a regular expression's ``$`` lets a last newline through)."""
    files = {name: js("YTD.tweets.part0", [{"tweet": tweet(ident, "hostile id")}])}
    source = write_export(tmp_path / "x", [tweet("1", "one")], **files)
    refuses(source, rf"{name}: post id {re.escape(repr(ident))} is not a number")


def deleted_note(created_at: str, text: str) -> dict:
    core = {"text": text, "urls": [], "mentions": [], "hashtags": [], "cashtags": []}
    note = {"noteTweetId": "9" + created_at[14:16], "createdAt": created_at, "core": core}
    return {"noteTweet": {**note, "lifecycle": {"value": "deleted", "name": "Deleted"}}}


def test_a_deleted_long_post_keeps_its_text_and_stays_deleted(tmp_path, store):
    """A deleted note joins only a post of deleted-tweets.js: never a live post, not even the
    one other post of its second; one whose post is not in the export is left out."""
    long_text = "A long post the account deleted " + "word " * 80
    folder = write_export(
        tmp_path / "x",
        [tweet("1", "live, the same second", created_at="Mon Nov 03 09:20:00 +0000 2008")],
        **{
            "data/deleted-tweets.js": js(
                "YTD.deleted_tweets.part0",
                [
                    {
                        "tweet": tweet(
                            "2",
                            long_text[:270] + "… https://t.co/x",
                            created_at="Mon Nov 03 09:30:00 +0000 2008",
                            deleted_at="Tue Nov 04 10:00:00 +0000 2008",
                        )
                    }
                ],
            ),
            "data/deleted-note-tweet.js": js(
                "YTD.deleted_note_tweet.part0",
                [
                    deleted_note("2008-11-03T09:30:00.000Z", long_text),
                    deleted_note("2008-11-03T09:20:00.000Z", "a draft the account deleted"),
                ],
            ),
        },
    )
    summary = import_archive(folder, store)
    posts = {p["id"]: p for p in store.posts("envoy")}
    assert set(posts) == {"1", "2"}
    assert (summary.deleted, summary.notes) == (1, 1)
    assert posts["2"]["text"] == long_text.strip()
    assert posts["2"]["deleted_at"] == "2008-11-04T10:00:00Z"
    assert posts["1"]["text"] == "live, the same second" and "note" not in posts["1"]
    assert "a draft" not in (store.root / "envoy").joinpath("2008", "2008-11.jsonl").read_text()


def test_grailbird_layout(tmp_path, store):
    folder = tmp_path / "old"
    (folder / "data/js/tweets").mkdir(parents=True)
    (folder / "data/js/user_details.js").write_text(
        'var user_details = {"screen_name": "oldenvoy", "id": "7", "full_name": "Old"}'
    )
    (folder / "data/js/tweets/2010_05.js").write_text(
        'Grailbird.data.tweets_2010_05 = [{"id_str": "11", "text": "Hello &amp; welcome",'
        ' "created_at": "2010-05-01 10:00:00 +0000", "entities": {}}]'
    )
    summary = import_archive(folder, store)
    assert summary.account == "oldenvoy"
    (post,) = store.posts("oldenvoy")
    assert post["text"] == "Hello & welcome"


def test_the_account_file_never_leaks_private_fields(tmp_path, store):
    folder = write_export(tmp_path / "x", [tweet("1", "one")])
    (folder / "data/account.js").write_text(
        js(
            "YTD.account.part0",
            [{"account": {"username": "envoy", "accountId": "1", "email": "secret@example.org"}}],
        )
    )
    import_archive(folder, store)
    assert b"secret@example.org" not in b"".join(snapshot(store.root).values())


def not_a_zip(target):
    target.write_bytes(b"PK\x03\x04 not really a zip")
    return target


def bad_zip(tmp_path, members, compression=zipfile.ZIP_STORED):
    """A zip of ``members`` (a dict, or (name, data) pairs when a name comes twice)."""
    target = tmp_path / "bad.zip"
    with zipfile.ZipFile(target, "w", compression) as z:
        for name, data in members.items() if isinstance(members, dict) else members:
            z.writestr(name, data)
    return target


ACCOUNT = js("YTD.account.part0", [{"account": {"username": "envoy", "accountId": "42"}}])
NOTE = {"noteTweetId": "5", "createdAt": "2008-11-03T09:15:00.000Z", "core": {"text": "one"}}


def export_of(tmp_path, tweets_js: str, **files) -> Path:
    """An export whose tweets.js is ``tweets_js`` as written (JSON json.dumps would not write)."""
    folder = write_export(tmp_path / "bad", [], **files)
    (folder / "data" / "tweets.js").write_text(tweets_js)
    return folder


def one_post(replace: str = "", by: str = "", **fields) -> str:
    """tweets.js holding post 1, with ``replace`` in its JSON text replaced by ``by``."""
    text = json.dumps([{"tweet": {**tweet("1", "one"), **fields}}])
    assert replace in text
    return "window.YTD.tweets.part0 = " + text.replace(replace, by)


def deflated_bomb(tmp_path, size=2 * 1024**2):
    """A zip whose tweets.js is ``size`` bytes of spaces: they deflate a thousand times."""
    body = "window.YTD.tweets.part0 = [" + " " * size + "]"
    return bad_zip(tmp_path, {"data/account.js": ACCOUNT, "data/tweets.js": body}, DEFLATED)


def restated(target, name, size):
    """The zip with the uncompressed size its directory states for ``name`` changed to ``size``:
    the directory is the attacker's to write."""
    data = bytearray(target.read_bytes())
    entry = data.find(b"PK\x01\x02")
    while data[entry + 46 : entry + 46 + len(name)] != name.encode():
        entry = data.find(b"PK\x01\x02", entry + 1)
    struct.pack_into("<I", data, entry + 24, size)
    target.write_bytes(data)
    return target


def broken_stream(tmp_path):
    """A zip whose tweets.js is deflated, its first block's type the reserved one: zlib.error."""
    target = bad_zip(tmp_path, {"data/account.js": ACCOUNT, "data/tweets.js": one_post()}, DEFLATED)
    data = bytearray(target.read_bytes())
    info = zipfile.ZipFile(target).getinfo("data/tweets.js")
    name_length, extra_length = struct.unpack_from("<HH", data, info.header_offset + 26)
    data[info.header_offset + 30 + name_length + extra_length] = 0x07
    target.write_bytes(data)
    return target


DEFLATED = zipfile.ZIP_DEFLATED
NESTED = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: not_a_zip(p / "x.zip"), "not a readable zip"),
        (lambda p: bad_zip(p, {"../evil.js": "x", "data/tweets.js": "[]"}), "unsafe member name"),
        (lambda p: bad_zip(p, {"/etc/passwd": "x", "data/tweets.js": "[]"}), "unsafe member name"),
        (lambda p: bad_zip(p, {"other/file.txt": "x", "more/x": "y"}), "no data/ folder"),
        (
            lambda p: bad_zip(p, {"data/tweets.js": 'window.YTD.tweets.part0 = [{"tweet": {'}),
            "data/tweets.js is not valid JSON",
        ),
        (
            lambda p: bad_zip(p, {"data/tweets.js": "window.YTD.tweets.part0 = <html>"}),
            "data/tweets.js is not valid JSON",
        ),
        (lambda p: bad_zip(p, {"data/account.js": "window.x = []"}), "no data/tweets.js"),
        (lambda p: bad_zip(p, {"data/tweets.js": 'x = [{"tweet": {"id_str": "1"}}]'}), "malformed"),
        (lambda p: p / "missing.zip", "no such file"),
    ],
)
def test_bad_input_is_one_clear_error_and_the_store_is_unchanged(tmp_path, refuses, make, message):
    refuses(make(tmp_path), message)


@pytest.fixture
def refuses(tmp_path, store):
    """``refuses(source, message)``: importing ``source`` into a store holding one post fails
    with one line matching ``message``, and every file of the store is as it was."""
    import_archive(write_export(tmp_path / "good", [tweet("1", "one")]), store)
    before = snapshot(store.root)

    def check(source, message):
        with pytest.raises(CommuniqueError, match=message) as refused:
            import_archive(source, store, account="envoy")
        assert "\n" not in str(refused.value)
        assert snapshot(store.root) == before

    return check


@pytest.mark.parametrize(
    ("number", "shown"),
    [("NaN", "nan"), ("Infinity", "inf"), ("-Infinity", "-inf"), ("1e999", "inf")],
)
def test_a_number_json_cannot_keep_is_refused_with_its_file_and_post(
    tmp_path, refuses, number, shown
):
    source = export_of(tmp_path, one_post('"favorite_count": "3"', f'"favorite_count": {number}'))
    refuses(source, f"data/tweets.js: post '1': favorite_count is {shown}, not a finite number")


def test_a_number_deep_in_a_post_is_found_where_it_is(tmp_path, refuses):
    entities = {"hashtags": [{"text": "x", "indices": ["3", "5"]}], "user_mentions": [], "urls": []}
    source = export_of(tmp_path, one_post('"3"', "1e999", entities=entities))
    refuses(source, r"post '1': entities\.hashtags\[0\]\.indices\[0\] is inf")


def test_a_lone_surrogate_is_refused_with_its_file_and_post(tmp_path, refuses):
    refuses(export_of(tmp_path, one_post("one", "\\ud800")), "post '1': full_text holds a lone")
    notes = json.dumps([{"noteTweet": {**NOTE, "core": {"text": "\ud800"}}}])  # escaped
    source = export_of(tmp_path / "n", one_post(), **{"data/note-tweet.js": f"x = {notes}"})
    refuses(source, "data/note-tweet.js: note '5': core.text holds a lone surrogate")
    account = json.dumps([{"account": {"accountId": "42", "accountDisplayName": "\udc00"}}])
    source = export_of(tmp_path / "a", one_post(), **{"data/account.js": f"x = {account}"})
    refuses(source, "data/account.js: account '42': accountDisplayName holds a lone surrogate")


@pytest.mark.parametrize(
    ("created_at", "message"),
    [
        ("Mon Jan 01 00:00:00 +0000 0999", "before Twitter began"),  # was stored as 999-01-.jsonl
        ("Mon Mar 20 23:59:59 +0000 2006", "before Twitter began"),
        ("Mon Jan 01 00:00:00 +0100 0001", "out of range"),  # was an OverflowError
    ],
)
def test_a_date_before_twitter_is_refused_with_its_file_and_post(
    tmp_path, refuses, created_at, message
):
    source = export_of(tmp_path, one_post(created_at=created_at))
    refuses(source, f"data/tweets.js: post '1' is malformed .*{message}")


def note_file(**note) -> dict[str, str]:
    return {"data/note-tweet.js": js("YTD.note_tweet.part0", [{"noteTweet": {**NOTE, **note}}])}


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: export_of(p, "x = " + NESTED), "data/tweets.js is not valid JSON .*depth"),
        (
            lambda p: export_of(p, one_post('"3"', NESTED)),
            "data/tweets.js is not valid JSON .*depth",
        ),
        (broken_stream, "data/tweets.js cannot be read .*invalid block type"),  # zlib.error
        (
            lambda p: export_of(
                p,
                one_post(),
                **{
                    "data/account.js": js(
                        "YTD.account.part0", [{"account": {"username": ["envoy"]}}]
                    )
                },
            ),
            r"data/account.js: the account's username \['envoy'\] is not text",
        ),
        (lambda p: export_of(p, one_post(), **note_file(core="one")), "note '5' has no text"),
        (
            lambda p: export_of(p, one_post(), **note_file(core={"text": "one", "urls": "x"})),
            "data/note-tweet.js: note '5' is malformed",
        ),
        (
            lambda p: export_of(
                p,
                one_post(),
                **{
                    "data/deleted-note-tweet.js": js(
                        "YTD.deleted_note_tweet.part0", [{"noteTweet": {**NOTE, "core": "one"}}]
                    )
                },
            ),
            "data/deleted-note-tweet.js: note '5' has no text",
        ),
        (
            lambda p: export_of(
                p,
                one_post(),
                **{"data/community-tweet.js": js("YTD.community_tweet.part0", [{"bad": True}])},
            ),
            "data/community-tweet.js: post '\\?' is malformed",
        ),
    ],
)
def test_what_gave_a_traceback_is_one_line_naming_the_file(tmp_path, refuses, make, message):
    refuses(make(tmp_path), message)


def small_zip(tmp_path):
    return bad_zip(tmp_path, {"data/account.js": ACCOUNT, "data/tweets.js": one_post()}, DEFLATED)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (deflated_bomb, "tweets.js would inflate from .* to 2,097,180 bytes, over 50 times"),
        (
            lambda p: restated(small_zip(p), "data/tweets.js", 400 * 1024**2),
            "tweets.js would inflate from .* to 419,430,400 bytes",
        ),
        (
            lambda p: restated(small_zip(p), "data/tweets.js", len(one_post()) + 10),
            "data/tweets.js does not hold the .* bytes stated",
        ),
        (
            lambda p: bad_zip(
                p,
                [
                    ("data/account.js", ACCOUNT),
                    ("data/tweets.js", one_post()),
                    ("data/tweets.js", "window.x = []"),
                ],
            ),  # fmt: skip
            "the zip holds 'data/tweets.js' more than once",
        ),
    ],
)
@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_a_zip_bomb_or_a_lying_directory_is_refused_before_it_is_read(
    tmp_path, refuses, make, message
):
    refuses(make(tmp_path), message)


@pytest.mark.parametrize("date", ["last Tuesday", 20220506, "2022-02-30T00:00:00Z"])
def test_a_generation_date_that_is_no_date_is_one_clear_error(tmp_path, refuses, date):
    manifest = js("__THAR_CONFIG", {"archiveInfo": {"generationDate": date}})
    target = bad_zip(tmp_path, {"data/manifest.js": manifest, "data/tweets.js": one_post()})
    refuses(target, "data/manifest.js: archiveInfo.generationDate: ")


def test_a_manifest_whose_user_is_not_an_object_is_passed_over(tmp_path, store):
    manifest = js("__THAR_CONFIG", {"userInfo": ["envoy"]})
    target = bad_zip(tmp_path, {"data/manifest.js": manifest, "data/tweets.js": one_post()})
    assert import_archive(target, store, account="envoy").new == 1


def test_an_oversized_member_is_refused(tmp_path, store, monkeypatch):
    monkeypatch.setattr(importers, "MAX_MEMBER", 100)
    target = bad_zip(tmp_path, {"data/tweets.js": "x = [" + " " * 200 + "]"})
    with pytest.raises(CommuniqueError, match="over"):
        import_archive(target, store, account="envoy")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=400))
def test_random_bytes_never_crash_the_importer(tmp_path, data):
    target = tmp_path / "random.zip"
    target.write_bytes(data)
    with pytest.raises(CommuniqueError):
        import_archive(target, Store(tmp_path / "s"), account="envoy")


@pytest.mark.filterwarnings("ignore:Duplicate name")
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    # zipfile itself cuts a name at NUL and cannot write a lone surrogate: anything else.
    names=st.lists(
        st.text(
            st.characters(exclude_characters="\x00", exclude_categories=["Cs"]),
            min_size=1,
            max_size=30,
        ),
        min_size=1,
        max_size=5,
    ),
    body=st.binary(max_size=200),
)
def test_random_member_names_and_contents_give_a_clear_error_or_import(tmp_path, names, body):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name in names:
            z.writestr(name, body)
    target = tmp_path / "names.zip"
    target.write_bytes(buffer.getvalue())
    store = Store(tmp_path / "s")
    with contextlib.suppress(CommuniqueError):
        import_archive(target, store, account="envoy")
    for path in (tmp_path / "s").rglob("*") if (tmp_path / "s").exists() else []:
        assert (tmp_path / "s") in path.resolve().parents


@pytest.mark.parametrize(
    "text",
    [
        "See https://t.co/abc for the whole story of the week in the Arctic and beyond",
        "Q&amp;A with students &amp; teachers in Reykjavik, and more",
    ],
)
def test_a_note_finds_its_post_through_links_and_entities(tmp_path, store, text):
    long_text = text.replace("https://t.co/abc", "https://t.co/xyz").replace("&amp;", "&")
    long_text += " and a great deal more" * 20
    note = {
        "noteTweetId": "555",
        "createdAt": "2008-11-03T09:15:00.000Z",
        "core": {"text": long_text, "urls": [], "mentions": [], "hashtags": []},
    }
    folder = write_export(
        tmp_path / "x",
        [tweet("1", text + "… https://t.co/note"), tweet("2", "same second, other text")],
        **{"data/note-tweet.js": js("YTD.note_tweet.part0", [{"noteTweet": note}])},
    )
    assert import_archive(folder, store).notes == 1
    assert next(store.posts())["text"].endswith("a great deal more")


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"id_str": "../../x", "id": "../../x"}, "post id '../../x' is not a number"),
        ({"created_at": 12}, "is malformed"),
    ],
)
def test_a_malformed_post_is_one_clear_error(tmp_path, store, bad, message):
    folder = write_export(tmp_path / "x", [{**tweet("1", "one"), **bad}])
    with pytest.raises(CommuniqueError, match=message):
        import_archive(folder, store)
    assert not store.root.exists()


def test_a_note_without_a_date_is_one_clear_error(tmp_path, store):
    note = {"noteTweetId": "5", "createdAt": 12, "core": {"text": "x"}}
    folder = write_export(
        tmp_path / "x",
        [tweet("1", "one")],
        **{"data/note-tweet.js": js("YTD.note_tweet.part0", [{"noteTweet": note}])},
    )
    with pytest.raises(CommuniqueError, match="note-tweet.js: note '5': unrecognised date '12'"):
        import_archive(folder, store)


def test_a_corrupt_media_member_leaves_the_media_folder_as_it_was(tmp_path, store):
    media = [{"id_str": "9", "type": "photo", "url": "https://t.co/p", "indices": ["4", "17"],
              "media_url_https": "https://pbs.twimg.com/media/Pic.jpg"}]  # fmt: skip
    posts = [
        tweet(n, "pic https://t.co/p", extended_entities={"media": media},
              entities={"hashtags": [], "user_mentions": [], "urls": [], "media": media})
        for n in ("1", "2")
    ]  # fmt: skip
    folder = write_export(
        tmp_path / "x",
        posts,
        **{
            "data/tweets_media/1-Pic.jpg": b"GOODBYTES" * 50,
            "data/tweets_media/2-Pic.jpg": b"B" * 500,
        },
    )
    archive = zip_of(folder, tmp_path / "x.zip")
    data = archive.read_bytes()
    archive.write_bytes(data.replace(b"B" * 500, b"B" * 499 + b"C"))  # stored, so its CRC fails
    with pytest.raises(CommuniqueError, match="2-Pic.jpg cannot be read"):
        import_archive(archive, store)
    assert snapshot(store.root) == {}


def test_a_video_is_its_best_mp4_with_its_still_as_preview(tmp_path, store):
    video = {
        "id_str": "8", "type": "video", "url": "https://t.co/v", "indices": ["4", "17"],
        "media_url_https": "https://pbs.twimg.com/ext_tw_video_thumb/8/pu/img/still.jpg",
        "video_info": {"variants": [
            {"bitrate": "256000", "content_type": "video/mp4",
             "url": "https://video.twimg.com/ext_tw_video/8/pu/vid/320x180/low.mp4?tag=12"},
            {"bitrate": "2176000", "content_type": "video/mp4",
             "url": "https://video.twimg.com/ext_tw_video/8/pu/vid/1280x720/high.mp4?tag=12"},
            {"content_type": "application/x-mpegURL",
             "url": "https://video.twimg.com/ext_tw_video/8/pu/pl/list.m3u8?tag=12"},
        ]},
    }  # fmt: skip
    entities = {"hashtags": [], "user_mentions": [], "urls": [], "media": [video]}
    post = tweet("1", "vid https://t.co/v", extended_entities={"media": [video]}, entities=entities)
    files = {"data/tweets_media/1-high.mp4": b"MP4", "data/tweets_media/1-still.jpg": b"JPG"}
    folder = write_export(tmp_path / "x", [post], **files)
    assert import_archive(folder, store).media_copied == 2
    (media,) = next(store.posts())["media"]
    assert media["url"].split("?")[0].endswith("/high.mp4")
    assert media["preview"].endswith("/still.jpg") and media["file"] == "media/1-high.mp4"
    # The thumbnail, which the site makes the video's poster, where the fetch keeps a preview.
    assert (store.media_dir("envoy") / "1-high-preview.jpg").read_bytes() == b"JPG"


# A post's fields, and names inside them; the last three are kept in raw, read by nothing.
FIELDS = ["created_at", "full_text", "id_str", "entities", "extended_entities", "favorite_count",
          "retweet_count", "place", "coordinates", "in_reply_to_status_id_str", "source",
          "in_reply_to_screen_name", "retweeted_status", "edit_info", "deleted_at", "lang",
          "hashtags", "user_mentions", "urls", "media", "indices", "text", "expanded_url",
          "screen_name", "bounding_box", "full_name", "type", "media_url_https", "video_info",
          "variants", "bitrate", "url", "user", "edit", "editControlInitial", "editTweetIds",
          "sizes", "large", "w", "ext_alt_text", "quoted_status_id_str", "community_id",
          "community_id_str", "display_text_range", "truncated", "possibly_sensitive"]  # fmt: skip
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.sampled_from([math.nan, math.inf, -math.inf, 2**64])  # what the store cannot keep
    | st.text(st.characters(exclude_categories=[]), max_size=8)  # lone surrogates too
    | st.sampled_from(["Mon Nov 03 09:15:00 +0000 2008", "2", "-1", "1e999", "nan"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(fields=st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=4))
def test_any_json_in_a_posts_fields_gives_a_readable_record_or_one_clear_error(tmp_path, fields):
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    post = {**tweet("1", "one"), **fields}
    source = export_of(folder, "window.YTD.tweets.part0 = " + json.dumps([{"tweet": post}]))
    store = Store(folder / "store")
    try:
        import_archive(source, store)
    except CommuniqueError as e:  # refused as it is read, not by the store's last guard
        assert "data/tweets.js: post " in str(e) and "\n" not in str(e)
        assert not store.root.exists()
        return
    (record,) = store.posts("envoy")  # read back by the store's own reader
    assert is_post_id(record["id"]) and record["created_at"] >= "2006-03-21T"
    assert store.month_path("envoy", record["created_at"][:7]).exists()


def run_import(conf, export, file_limit=None):
    """`invoke import-archive` as a user runs it, writing no file past ``file_limit`` bytes: the
    kernel then refuses the write, as it does on a full disk (EFBIG there, ENOSPC here)."""

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_limit, file_limit))

    command = [sys.executable, "-m", "invoke", "-r", str(ROOT), "import-archive", str(export),
               "--config", str(conf)]  # fmt: skip
    return subprocess.run(
        command, capture_output=True, text=True, preexec_fn=limit if file_limit else None
    )


@pytest.mark.parametrize(
    ("more", "media", "named"),
    [
        (30, b"", "envoy/2008/2008-11.jsonl"),  # the month file grows past the limit
        (0, b"\xff\xd8" + b"J" * 50_000, "envoy/media/2-Pic.jpg"),
    ],
)
def test_a_full_disk_is_one_line_naming_the_file_and_a_rerun_finishes(tmp_path, more, media, named):
    conf = make_project(tmp_path / "p")
    archive = tmp_path / "p" / "content" / "archive"
    assert run_import(conf, write_export(tmp_path / "first", [tweet("1", "one")])).returncode == 0
    before = snapshot(archive)
    photo = [{"id_str": "9", "type": "photo", "url": "https://t.co/p", "indices": ["4", "17"],
              "media_url_https": "https://pbs.twimg.com/media/Pic.jpg"}]  # fmt: skip
    posts = [tweet(str(n), "word " * 100) for n in range(3, 3 + more)]
    posts.append(tweet("2", "pic https://t.co/p", extended_entities={"media": photo}))
    files = {"data/tweets_media/2-Pic.jpg": media} if media else {}
    export = write_export(tmp_path / "second", posts, **files)
    full = run_import(conf, export, file_limit=16 * 1024)
    assert full.returncode == 1
    assert full.stdout == "" and full.stderr.count("\n") == 1, full.stderr
    assert full.stderr.startswith(f"error: {archive / named}: ")  # the file, then why
    assert snapshot(archive) == before
    assert run_import(conf, export).returncode == 0
    assert len(list(Store(archive).posts("envoy"))) == 2 + more
