import contextlib
import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from communique.errors import CommuniqueError
from communique.ingest import export as importers
from communique.ingest.export import import_archive
from communique.store import Store
from conftest import js, snapshot, tweet, write_export


def zip_of(folder, target):
    with zipfile.ZipFile(target, "w") as z:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                z.write(path, path.relative_to(folder).as_posix())
    return target


def test_the_real_2022_sample_imports(sample_export, store):
    summary = import_archive(sample_export, store)
    assert (summary.account, summary.posts, summary.new) == ("mrled", 2, 2)
    retweet, post = store.posts("mrled")
    assert retweet["retweet_of"]["user"] == "nostrich"
    assert post["created_at"] == "2020-06-27T16:34:46Z"
    assert post["metrics"]["likes"] == 2


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


def bad_zip(tmp_path, members):
    target = tmp_path / "bad.zip"
    with zipfile.ZipFile(target, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return target


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
def test_bad_input_is_one_clear_error_and_the_store_is_unchanged(tmp_path, store, make, message):
    import_archive(write_export(tmp_path / "good", [tweet("1", "one")]), store)
    before = snapshot(store.root)
    with pytest.raises(CommuniqueError, match=message):
        import_archive(make(tmp_path), store, account="envoy")
    assert snapshot(store.root) == before


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
    with pytest.raises(CommuniqueError, match="note-tweet.js: unrecognised date '12'"):
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
    folder = write_export(tmp_path / "x", [post], **{"data/tweets_media/1-high.mp4": b"MP4"})
    assert import_archive(folder, store).media_copied == 1
    (media,) = next(store.posts())["media"]
    assert media["url"].split("?")[0].endswith("/high.mp4")
    assert media["preview"].endswith("/still.jpg") and media["file"] == "media/1-high.mp4"
