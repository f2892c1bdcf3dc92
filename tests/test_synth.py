"""The synthetic export is what Twitter's "Download your data" writes, by the format notes."""

from __future__ import annotations

import html
import io
import json
import math
import re
import tempfile
import unicodedata
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from communique.errors import CommuniqueError
from conftest import ROOT
from tools.synth import SHAPES, demo_export, vocabulary, write_export, write_exports

TWITTER_DATE = "%a %b %d %H:%M:%S +0000 %Y"
ISO_MILLIS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
TCO = re.compile(r"^https://t\.co/[A-Za-z0-9]{10}$")


def read_js(data: bytes) -> tuple[str, object]:
    """The global name and value of a ``window.NAME = value`` file."""
    head, _, body = data.decode("utf-8").partition(" = ")
    return head.removeprefix("window."), json.loads(body)


class Export:
    """An export on disk (folder or zip), read back the way an importer would."""

    def __init__(self, path: Path):
        if path.is_dir():
            self.files = {
                p.relative_to(path).as_posix(): p.read_bytes()
                for p in path.rglob("*")
                if p.is_file()
            }
        else:
            with zipfile.ZipFile(path) as z:
                self.files = {name: z.read(name) for name in z.namelist()}

    def js(self, name: str) -> object:
        return read_js(self.files[name])[1]

    @property
    def tweet_files(self) -> list[str]:
        return sorted(n for n in self.files if re.match(r"^data/tweets(-part\d+)?\.js$", n))

    @property
    def tweets(self) -> list[dict]:
        return [item["tweet"] for name in self.tweet_files for item in self.js(name)]

    @property
    def deleted(self) -> list[dict]:
        return [item["tweet"] for item in self.js("data/deleted-tweets.js")]

    @property
    def notes(self) -> list[dict]:
        return [item["noteTweet"] for item in self.js("data/note-tweet.js")]


def when(tweet: dict) -> datetime:
    return datetime.strptime(tweet["created_at"], TWITTER_DATE).replace(tzinfo=UTC)


def entity_slices(tweet: dict) -> list[tuple[str, str]]:
    """(text at the entity's indices, what the entity says should be there)."""
    text, entities = tweet["full_text"], tweet["entities"]
    out = []

    def at(e: dict) -> str:
        start, end = (int(i) for i in e["indices"])
        return text[start:end]

    out += [(at(e), "#" + e["text"]) for e in entities["hashtags"]]
    out += [(at(e), "@" + e["screen_name"]) for e in entities["user_mentions"]]
    out += [(at(e), e["url"]) for e in entities["urls"]]
    for e in entities.get("media", []) + tweet.get("extended_entities", {}).get("media", []):
        out.append((at(e), e["url"]))
    return out


@pytest.fixture(scope="module")
def bench(tmp_path_factory) -> tuple[Export, object]:
    dest = tmp_path_factory.mktemp("bench") / "export"
    summary = write_export(dest, posts=2000, seed=7, username="envoy")
    return Export(dest), summary


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Export, object]:
    dest = tmp_path_factory.mktemp("demo") / "export"
    summary = demo_export(dest)
    return Export(dest), summary


# -- the files and the manifest ---------------------------------------------------------------


def test_manifest_lists_every_data_file_with_its_global_and_count(bench):
    export, summary = bench
    name, manifest = read_js(export.files["data/manifest.js"])
    assert name == "__THAR_CONFIG"
    assert manifest["userInfo"] == {
        "accountId": export.js("data/account.js")[0]["account"]["accountId"],
        "userName": "envoy",
        "displayName": "The Envoy",
    }
    listed = [f for t in manifest["dataTypes"].values() for f in t.get("files", [])]
    assert sorted(f["fileName"] for f in listed) == sorted(
        n for n in export.files if n.endswith(".js") and n != "data/manifest.js"
    )
    for entry in listed:
        global_name, items = read_js(export.files[entry["fileName"]])
        assert global_name == entry["globalName"]
        assert entry["count"] == str(len(items))
    assert manifest["dataTypes"]["tweetsMedia"] == {"mediaDirectory": "data/tweets_media"}
    assert summary.files == sorted(export.files)


def test_account_names_the_user_without_anything_else_needed(bench):
    export, _ = bench
    [item] = export.js("data/account.js")
    account = item["account"]
    assert account["username"] == "envoy"
    assert account["accountDisplayName"] == "The Envoy"
    assert account["accountId"].isdigit()
    assert ISO_MILLIS.match(account["createdAt"])
    assert account["createdAt"] < min(when(t) for t in export.tweets).isoformat()


@pytest.mark.parametrize("posts", [1, 2, 57, 600])
def test_exactly_the_posts_asked_for_land_in_the_tweets_files(tmp_path, posts):
    summary = write_export(tmp_path / "e", posts=posts, seed=posts)
    export = Export(tmp_path / "e")
    assert len(export.tweets) == summary.posts == posts
    assert len(export.deleted) == summary.deleted
    assert len(export.notes) == summary.notes
    assert len({t["id_str"] for t in export.tweets + export.deleted}) == posts + summary.deleted


# -- the posts --------------------------------------------------------------------------------


def test_numbers_are_strings_as_in_the_export(bench):
    export, _ = bench
    for tweet in export.tweets + export.deleted:
        for key in ("id", "id_str", "favorite_count", "retweet_count"):
            assert isinstance(tweet[key], str) and tweet[key].isdigit(), key
        assert tweet["id"] == tweet["id_str"]
        assert all(isinstance(i, str) for i in tweet["display_text_range"])
        for group in tweet["entities"].values():
            for entity in group:
                assert all(isinstance(i, str) for i in entity["indices"])


def test_entity_indices_slice_the_escaped_text_to_the_entity(bench, demo):
    for export, _ in (bench, demo):
        for tweet in export.tweets + export.deleted:
            for found, expected in entity_slices(tweet):
                assert found == expected, tweet["full_text"]


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10**6), posts=st.integers(1, 80))
def test_indices_hold_for_any_seed(seed, posts):
    with tempfile.TemporaryDirectory() as tmp:
        write_export(Path(tmp) / "e", posts=posts, seed=seed)
        export = Export(Path(tmp) / "e")
    for tweet in export.tweets + export.deleted:
        for found, expected in entity_slices(tweet):
            assert found == expected


def test_text_is_html_escaped_with_emoji_cjk_and_ampersands(bench):
    export, _ = bench
    texts = [t["full_text"] for t in export.tweets]
    assert not any("<" in t or ">" in t for t in texts)
    assert not any(re.search(r"&(?!amp;|lt;|gt;)", t) for t in texts)
    assert all(len(html.unescape(t)) <= 320 for t in texts)
    plain = "\n".join(html.unescape(t) for t in texts)
    for sample in ("&", "<", ">", "ありがとう", "🌍", "🇺🇸"):
        assert sample in plain
    lengths = sorted(len(html.unescape(t)) for t in texts)
    assert 40 < lengths[len(lengths) // 2] < 200  # realistic, not all short or all long


def test_dates_are_twitters_and_ids_grow_with_time(bench, demo):
    for export, _ in (bench, demo):
        tweets = sorted(export.tweets + export.deleted, key=lambda t: int(t["id_str"]))
        times = [when(t) for t in tweets]  # strptime fails on any other format
        assert times == sorted(times)


def test_ten_years_by_default(bench):
    export, _ = bench
    years = {when(t).year for t in export.tweets}
    assert min(years) == 2014 and max(years) >= 2023


def test_a_source_link_on_every_post(bench):
    export, _ = bench
    assert all(re.match(r'^<a href="https?://[^"]+" rel="nofollow">[^<]+</a>$', t["source"])
               for t in export.tweets)  # fmt: skip


def test_threads_reply_to_the_accounts_own_previous_post(bench):
    export, summary = bench
    by_id = {t["id_str"]: t for t in export.tweets}
    own = [t for t in export.tweets if t.get("in_reply_to_screen_name") == "envoy"]
    assert own and summary.threads > 0
    for reply in own:
        parent = by_id[reply["in_reply_to_status_id_str"]]
        assert when(parent) <= when(reply)
        assert (
            reply["in_reply_to_user_id_str"]
            == export.js("data/account.js")[0]["account"]["accountId"]
        )
        assert re.search(r" \d/\d$", reply["full_text"])
    roots = {
        t["id_str"]
        for t in export.tweets
        if t["id_str"] in {r["in_reply_to_status_id_str"] for r in own}
        and "in_reply_to_status_id_str" not in t
    }
    assert len(roots) == summary.threads


def test_support_answers_reply_to_questions_the_export_does_not_hold(bench):
    export, summary = bench
    ids = {t["id_str"] for t in export.tweets}
    answers = [
        t
        for t in export.tweets
        if any(h["text"] == "AskTheEnvoy" for h in t["entities"]["hashtags"])
    ]
    assert len(answers) == summary.support > 0
    for answer in answers:
        user = answer["in_reply_to_screen_name"]
        assert user != "envoy"
        assert answer["full_text"].startswith(f"@{user} ")
        assert answer["in_reply_to_status_id_str"] not in ids
        assert answer["in_reply_to_user_id_str"].isdigit()
    replies = [t for t in export.tweets if t.get("in_reply_to_status_id_str")]
    assert len(replies) == summary.replies


def test_quotes_link_to_a_status_and_retweets_start_with_rt(bench):
    export, summary = bench
    quotes = [
        t for t in export.tweets
        if any(re.match(r"^https://twitter\.com/\w+/status/\d+$", u["expanded_url"])
               for u in t["entities"]["urls"])
    ]  # fmt: skip
    assert len(quotes) == summary.quotes > 0
    assert all(
        q["quoted_status_id_str"] in q["entities"]["urls"][-1]["expanded_url"] for q in quotes
    )
    retweets = [t for t in export.tweets if t["full_text"].startswith("RT @")]
    assert len(retweets) == summary.retweets > 0
    for rt in retweets:
        assert rt["entities"]["user_mentions"][0]["indices"][0] == "3"


def test_urls_are_tco_links_with_their_expansion(bench):
    export, _ = bench
    urls = [u for t in export.tweets for u in t["entities"]["urls"]]
    assert urls
    for url in urls:
        assert TCO.match(url["url"])
        assert url["expanded_url"].startswith("https://")
        assert len(url["display_url"]) <= 26
        assert "//" not in url["display_url"]


def test_edits_link_both_versions_through_edit_info(bench):
    export, summary = bench
    by_id = {t["id_str"]: t for t in export.tweets}
    later = [t for t in export.tweets if "edit" in t["edit_info"]]
    assert len(later) == summary.edits > 0
    for second in later:
        edit = second["edit_info"]["edit"]
        first = by_id[edit["initialTweetId"]]
        ids = first["edit_info"]["initial"]["editTweetIds"]
        assert (
            ids == edit["editControlInitial"]["editTweetIds"] == [first["id_str"], second["id_str"]]
        )
        assert when(first) < when(second)
        assert ISO_MILLIS.match(edit["editControlInitial"]["editableUntil"])
    unedited = [t for t in export.tweets if "initial" in t["edit_info"]]
    assert all(t["edit_info"]["initial"]["editTweetIds"][0] == t["id_str"] for t in unedited)


def test_deleted_posts_carry_when_they_were_deleted(bench):
    export, summary = bench
    live = {t["id_str"] for t in export.tweets}
    assert len(export.deleted) == summary.deleted > 0
    for tweet in export.deleted:
        deleted = datetime.strptime(tweet["deleted_at"], TWITTER_DATE).replace(tzinfo=UTC)
        assert deleted > when(tweet)
        assert tweet["id_str"] not in live


def test_long_posts_are_whole_in_note_tweet_and_cut_short_in_tweets(bench):
    export, summary = bench
    post_ids = {t["id_str"] for t in export.tweets}
    by_second = {}
    for tweet in export.tweets:
        by_second.setdefault(when(tweet).strftime("%Y-%m-%dT%H:%M:%S"), []).append(tweet)
    assert len(export.notes) == summary.notes > 0
    for note in export.notes:
        assert note["noteTweetId"] not in post_ids
        assert ISO_MILLIS.match(note["createdAt"]) and ISO_MILLIS.match(note["updatedAt"])
        core = note["core"]
        assert len(core["text"]) > 280
        assert core["cashtags"] == [] and core["styletags"] == []
        for tag in core["hashtags"]:
            assert core["text"][int(tag["fromIndex"]) : int(tag["toIndex"])] == "#" + tag["text"]
        for mention in core["mentions"]:
            span = core["text"][int(mention["fromIndex"]) : int(mention["toIndex"])]
            assert span == "@" + mention["screenName"]
        for url in core["urls"]:
            assert core["text"][int(url["fromIndex"]) : int(url["toIndex"])] == url["shortUrl"]
            assert {"expandedUrl", "displayUrl"} <= url.keys()
        # The post in tweets.js: same second, the text's first part, "…" and a t.co link.
        [post] = [
            t
            for t in by_second[note["createdAt"][:19]]
            if html.unescape(t["full_text"]).startswith(core["text"][:40])
        ]
        shown = html.unescape(post["full_text"])
        head, _, link = shown.rpartition("… ")
        assert core["text"].startswith(head) and 200 < len(head) <= 270
        assert TCO.match(link)
        assert post["entities"]["urls"][-1]["expanded_url"].endswith(post["id_str"])


def test_about_five_percent_have_a_photo_with_its_file(bench):
    export, summary = bench
    with_photo = [t for t in export.tweets if "extended_entities" in t]
    assert len(with_photo) == summary.photos
    assert 0.03 < len(with_photo) / len(export.tweets) < 0.08
    for tweet in with_photo:
        [media] = tweet["extended_entities"]["media"]
        assert media["type"] == "photo" and media["ext_alt_text"]
        assert media["id_str"].isdigit() and media["media_url_https"].startswith("https://")
        assert {"w", "h", "resize"} <= media["sizes"]["large"].keys()
        assert tweet["full_text"].endswith(media["url"])
        assert media["display_url"].startswith("pic.twitter.com/")
        basename = media["media_url_https"].rsplit("/", 1)[1]
        assert f"data/tweets_media/{tweet['id_str']}-{basename}" in export.files
    media_files = [n for n in export.files if n.startswith("data/tweets_media/")]
    assert len(media_files) == len(with_photo)


def test_photos_carry_exif_gps_and_a_comment_for_the_site_to_strip(bench):
    export, _ = bench
    photos = [d for n, d in export.files.items() if n.endswith(".jpg")]
    assert photos
    for data in photos:
        image = Image.open(io.BytesIO(data))
        assert image.format == "JPEG"
        exif = image.getexif()
        gps = exif.get_ifd(0x8825)
        assert gps[1] in "NS" and gps[3] in "EW" and len(gps[2]) == 3
        assert exif[0x010F]  # camera make
        assert image.info["comment"]


def test_a_dozen_trips_placed_away_from_home_with_a_hashtag(bench):
    export, summary = bench
    assert len(summary.trips) == 12
    for trip in summary.trips:
        [tag] = trip.hashtags
        tagged = [
            t
            for t in export.tweets
            if tag in {h["text"] for h in t["entities"]["hashtags"]}
            and trip.start <= when(t).date() <= trip.end
        ]
        assert len(tagged) >= 10
        for tweet in tagged:
            place = tweet["place"]
            assert place["name"] in trip.places
            assert place["full_name"] == f"{place['name']}, {place['country']}"
            assert place["place_type"] == "city" and place["country_code"].isalpha()
            ring = place["bounding_box"]["coordinates"][0]
            assert place["bounding_box"]["type"] == "Polygon" and len(ring) == 4
            assert all(-180 <= lon <= 180 and -90 <= lat <= 90 for lon, lat in ring)
        assert (trip.end - trip.start).days <= 14


# -- determinism, zip and parts ---------------------------------------------------------------


def test_same_seed_same_bytes_other_seed_other_posts(tmp_path):
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        write_export(tmp_path / name, posts=300, seed=seed)
    a, b, c = (Export(tmp_path / n) for n in "abc")
    assert a.files == b.files
    assert a.files["data/tweets.js"] != c.files["data/tweets.js"]


def test_zip_holds_the_same_members_as_the_folder(tmp_path):
    write_export(tmp_path / "folder", posts=300, seed=5)
    summary = write_export(tmp_path / "export.zip", posts=300, seed=5, as_zip=True)
    assert zipfile.is_zipfile(tmp_path / "export.zip")
    assert Export(tmp_path / "export.zip").files == Export(tmp_path / "folder").files
    assert summary.path == tmp_path / "export.zip"
    again = write_export(tmp_path / "again.zip", posts=300, seed=5, as_zip=True)
    assert (tmp_path / "again.zip").read_bytes() == (tmp_path / "export.zip").read_bytes()
    assert again.posts == summary.posts


def test_parts_split_the_tweets_into_numbered_files(tmp_path):
    write_export(tmp_path / "e", posts=100, seed=1, parts=3)
    export = Export(tmp_path / "e")
    assert export.tweet_files == ["data/tweets-part1.js", "data/tweets-part2.js", "data/tweets.js"]
    globals_ = {n: read_js(export.files[n])[0] for n in export.tweet_files}
    assert globals_ == {
        "data/tweets.js": "YTD.tweets.part0",
        "data/tweets-part1.js": "YTD.tweets.part1",
        "data/tweets-part2.js": "YTD.tweets.part2",
    }
    assert len(export.tweets) == 100
    assert all(len(export.js(n)) in (33, 34) for n in export.tweet_files)
    manifest = export.js("data/manifest.js")
    assert [f["fileName"] for f in manifest["dataTypes"]["tweets"]["files"]] == [
        "data/tweets.js",
        "data/tweets-part1.js",
        "data/tweets-part2.js",
    ]


def test_large_exports_split_on_their_own(tmp_path):
    summary = write_export(tmp_path / "e", posts=30_000, seed=2)
    assert "data/tweets-part1.js" in summary.files


@pytest.mark.parametrize("existing", ["file", "folder"])
def test_an_existing_destination_is_refused_untouched(tmp_path, existing):
    dest = tmp_path / "e"
    if existing == "file":
        dest.write_text("mine")
    else:
        dest.mkdir()
        (dest / "mine.txt").write_text("mine")
    with pytest.raises(CommuniqueError, match="already exists"):
        write_export(dest, posts=10)
    assert (dest.read_text() if existing == "file" else (dest / "mine.txt").read_text()) == "mine"


# -- shapes ---------------------------------------------------------------------------------


def within(count: int, total: int, share: float) -> bool:
    """``count`` of ``total`` is what a share of ``share`` draws, give or take four sigmas."""
    return abs(count - total * share) <= 4 * math.sqrt(total * share * (1 - share)) + 1


def made_of(export: Export, username: str, shape) -> dict:
    """An export's posts sorted by kind, read from the export itself, and the counts the
    shape's proportions are shares of."""
    tweets = export.tweets
    own = [t for t in tweets if t.get("in_reply_to_screen_name") == username]
    roots = {t["in_reply_to_status_id_str"] for t in own} - {t["id_str"] for t in own}
    answers = [t for t in tweets if t.get("in_reply_to_screen_name") not in (None, username)]
    tags = lambda t: {h["text"] for h in t["entities"]["hashtags"]}  # noqa: E731
    support = [t for t in answers if "AskTheEnvoy" in tags(t)]
    away = [t for t in tweets if t.get("place", {}).get("name", "Washington") != "Washington"]
    notes = [t for t in tweets if "/i/web/status/" in str(t["entities"]["urls"])]
    edited = [
        t for t in tweets if len(t["edit_info"].get("initial", {}).get("editTweetIds", [])) == 2
    ]
    later = [t for t in tweets if "edit" in t["edit_info"]]
    others = [t for t in tweets if t["full_text"].startswith("RT @") or t.get("is_quote_status")]
    taken = {id(t) for t in own + answers + away + notes + edited + later + others}
    plain = [t for t in tweets if id(t) not in taken]  # thread roots among them
    home = len(tweets) - len(away) - len(own) - len(later) + len(export.deleted)
    vocab = set(vocabulary(shape.vocabulary))
    return {
        "home": home,  # a post made at home, a thread counting once, a deleted post too
        "roots": len(roots),
        "thread posts": len(own) + len(roots),
        "support": len(support),
        "partners": len(answers) - len(support),
        "media takers": away + plain,  # a thread's root is plain
        "tag takers": away + plain + edited + [t for t in others if t.get("is_quote_status")],
        "tags": lambda t: tags(t) & vocab,
    }


@pytest.fixture(scope="module")
def shaped(tmp_path_factory) -> dict:
    """Each shape's archive of 4,000 posts, every export read back."""
    made = {}
    for name, shape in SHAPES.items():
        summaries = write_exports(tmp_path_factory.mktemp(name) / "exports", posts=4000, seed=11,
                                  shape=shape)  # fmt: skip
        made[name] = [(Export(s.path), s) for s in summaries]
    return made


@pytest.mark.parametrize("name", list(SHAPES))
def test_each_shape_imports_one_account_an_export(tmp_path, name):
    from communique.ingest.export import import_archive
    from communique.store import Store

    shape = SHAPES[name]
    made = write_exports(tmp_path / "exports", posts=400, seed=3, shape=shape, username="bench")
    store = Store(tmp_path / "archive")
    results = [import_archive(m.path, store) for m in made]
    names = ["bench"] if shape.accounts == 1 else [f"bench{n:02d}" for n in range(1, 21)]
    assert [m.path.name for m in made] == [r.account for r in results] == names
    assert sorted(store.accounts()) == names
    assert sum(m.posts for m in made) == 400
    assert sum(r.posts for r in results) == sum(m.posts + m.deleted for m in made)
    assert sum(r.media_missing for r in results) == 0
    media = sum(len(t.get("extended_entities", {}).get("media", []))
                for m in made for t in Export(m.path).tweets + Export(m.path).deleted)  # fmt: skip
    assert sum(r.media_copied for r in results) == media > 0


@pytest.mark.parametrize("name", list(SHAPES))
def test_each_shape_has_the_kinds_of_post_it_claims(shaped, name):
    shape = SHAPES[name]
    counts = [made_of(export, s.path.name, shape) for export, s in shaped[name]]
    home = sum(c["home"] for c in counts)
    roots = sum(c["roots"] for c in counts)
    assert roots == sum(s.threads for _, s in shaped[name])
    assert within(roots, home, shape.threads)
    assert within(sum(c["support"] for c in counts), home, shape.support)
    assert within(sum(c["partners"] for c in counts), home, shape.replies)
    low, high = shape.thread_length
    mean = sum(c["thread posts"] for c in counts) / roots
    assert low <= mean <= high and abs(mean - (low + high) / 2) < 0.15 * (high - low) + 0.3


@pytest.mark.parametrize("name", list(SHAPES))
def test_each_shape_has_the_media_it_claims(shaped, name):
    shape = SHAPES[name]
    takers = [
        t for export, s in shaped[name] for t in made_of(export, s.path.name, shape)["media takers"]
    ]
    media = [t["extended_entities"]["media"] for t in takers if "extended_entities" in t]
    photos = [m for m in media if m[0]["type"] == "photo"]
    videos = [m for m in media if m[0]["type"] == "video"]
    assert len(photos) + len(videos) == len(media)
    assert within(len(photos), len(takers), shape.photos)
    assert within(len(videos), len(takers), shape.videos)
    low, high = shape.photos_per_post
    assert all(low <= len(m) <= high and all(p["type"] == "photo" for p in m) for m in photos)
    mean = sum(map(len, photos)) / len(photos)
    assert abs(mean - (low + high) / 2) < 0.15 * (high - low) + 0.01


def test_videos_are_held_as_their_best_variant_with_a_phones_metadata(shaped):
    held = 0
    for export, _ in shaped["media"]:
        for tweet in export.tweets:
            for video in tweet.get("extended_entities", {}).get("media", []):
                if video["type"] != "video":
                    continue
                variants = video["video_info"]["variants"]
                best = max((v for v in variants if v["content_type"] == "video/mp4"),
                           key=lambda v: int(v["bitrate"]))  # fmt: skip
                member = f"data/tweets_media/{tweet['id_str']}-{best['url'].rsplit('/', 1)[1]}"
                assert (
                    export.files[member][4:8] == b"ftyp" and b"Envoy phone" in export.files[member]
                )
                assert tweet["full_text"].endswith(video["url"]) and video["ext_alt_text"]
                held += 1
    assert held == sum(s.videos for _, s in shaped["media"]) > 0


def test_deleted_posts_take_all_their_photos_along(shaped):
    export, summary = shaped["media"][0]
    moved = [n for n in export.files if n.startswith("data/deleted_tweets_media/")]
    expected = [
        f"data/deleted_tweets_media/{t['id_str']}-{m['media_url_https'].rsplit('/', 1)[1]}"
        for t in export.deleted for m in t.get("extended_entities", {}).get("media", [])
        if m["type"] == "photo"
    ]  # fmt: skip
    assert len(expected) > len({e.split("-")[0] for e in expected})  # some had several
    assert set(expected) <= set(moved)
    live = [n for n in export.files if n.startswith("data/tweets_media/")]
    assert len(live) == sum(
        len(t.get("extended_entities", {}).get("media", [])) for t in export.tweets
    )


@pytest.mark.parametrize("name", list(SHAPES))
def test_each_shape_has_the_hashtags_it_claims(shaped, name):
    shape = SHAPES[name]
    found = [made_of(export, s.path.name, shape) for export, s in shaped[name]]
    takers = [(c["tags"], t) for c in found for t in c["tag takers"]]
    tagged = [tags(t) for tags, t in takers if tags(t)]
    assert within(len(tagged), len(takers), shape.hashtags)
    low, high = shape.hashtags_per_post
    assert all(low <= len(t) <= high for t in tagged)
    mean = sum(map(len, tagged)) / len(tagged)
    assert abs(mean - (low + high) / 2) < 0.15 * (high - low) + 0.01
    used = set().union(*tagged)
    # Most of the vocabulary in use: as many draws as tags would leave a third unused.
    draws = sum(map(len, tagged))
    assert len(used) >= 0.9 * shape.vocabulary * (1 - math.exp(-draws / shape.vocabulary))


@pytest.mark.parametrize("name", list(SHAPES))
def test_each_shape_shares_its_posts_between_its_accounts(shaped, name):
    shape = SHAPES[name]
    made = shaped[name]
    assert len(made) == shape.accounts
    assert len({s.path.name for _, s in made}) == shape.accounts
    assert sum(len(export.tweets) for export, _ in made) == 4000
    assert max(s.posts for _, s in made) - min(s.posts for _, s in made) <= 1
    ids = [t["id_str"] for export, _ in made for t in export.tweets]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("name", [n for n in SHAPES if n != "mixed"])
def test_each_shape_same_seed_same_bytes(tmp_path, name):
    for folder, seed in (("a", 3), ("b", 3), ("c", 4)):
        write_exports(tmp_path / folder, posts=300, seed=seed, shape=SHAPES[name])
    a, b, c = (sorted(p.relative_to(tmp_path / f).as_posix() for p in (tmp_path / f).rglob("*"))
               for f in "abc")  # fmt: skip
    assert a == b
    assert all((tmp_path / "a" / n).read_bytes() == (tmp_path / "b" / n).read_bytes() for n in a
               if (tmp_path / "a" / n).is_file())  # fmt: skip
    first = next(n for n in a if n.endswith("data/tweets.js"))
    assert (tmp_path / "a" / first).read_bytes() != (tmp_path / "c" / first).read_bytes()


# -- the demo archive -------------------------------------------------------------------------


def test_demo_is_the_envoys_account(demo):
    export, summary = demo
    account = export.js("data/account.js")[0]["account"]
    assert (account["username"], account["accountDisplayName"]) == ("envoy_vale", "Mara Vale")
    assert 200 <= summary.posts <= 400
    years = sorted({when(t).year for t in export.tweets})
    assert years[:4] == [2008, 2009, 2010, 2011]
    assert (summary.deleted, summary.edits, summary.notes) == (1, 1, 1)
    assert summary.photos == 8


def test_demo_photos_have_alt_text_worth_reading(demo):
    export, _ = demo
    alts = [
        m["ext_alt_text"]
        for t in export.tweets
        for m in t.get("extended_entities", {}).get("media", [])
    ]
    assert len(alts) == len(set(alts)) == 8
    assert all(len(alt.split()) >= 5 for alt in alts)


def test_demo_has_a_six_post_thread_and_answers_to_ask_the_envoy(demo):
    export, summary = demo
    by_id = {t["id_str"]: t for t in export.tweets}
    last = next(t for t in export.tweets if t["full_text"].startswith("We will report back"))
    chain = [last]
    while "in_reply_to_status_id_str" in chain[-1]:
        chain.append(by_id[chain[-1]["in_reply_to_status_id_str"]])
    assert len(chain) == 6 and summary.threads == 1
    answers = [
        t
        for t in export.tweets
        if t.get("in_reply_to_screen_name") not in (None, "envoy_vale")
        and "#AskTheEnvoy ^TS" in t["full_text"]
    ]
    assert len(answers) == summary.support >= 10
    assert all(a["in_reply_to_status_id_str"] not in by_id for a in answers)


def test_demo_signatures_and_mixed_scripts(demo):
    export, _ = demo
    texts = [html.unescape(t["full_text"]) for t in export.tweets]
    assert sum(t.endswith("^MV") for t in texts) >= 10
    assert sum(t.endswith("^TS") for t in texts) >= 10
    plain = "\n".join(texts)
    assert all(s in plain for s in ("&", "ありがとう", "🎉", "Reykjavík", "Շնորհակալություն"))


def fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()


def test_demo_trips_match_the_staff_trip_files(demo):
    from communique.site.trips import load_trips

    export, summary = demo
    trips = {t.title: t for t in load_trips(ROOT / "content" / "trips")}
    assert sorted(trips) == sorted(t.title for t in summary.trips)
    for made in summary.trips:
        written = trips[made.title]
        assert (written.start, written.end) == (made.start, made.end)
        assert written.hashtags == made.hashtags
        assert [fold(p) for p in written.places] == [fold(p) for p in made.places]
        assert written.accounts == ["envoy_vale"]
        posts = [
            t
            for t in export.tweets
            if made.start <= when(t).date() <= made.end
            and set(made.hashtags) & {h["text"] for h in t["entities"]["hashtags"]}
        ]
        assert len(posts) >= 5
        assert {fold(t["place"]["name"]) for t in posts if "place" in t} == {
            fold(p) for p in made.places
        }


def test_demo_first_trip_is_iceland_croatia_armenia_in_november_2008(demo):
    _, summary = demo
    first = summary.trips[0]
    assert first.title == "Iceland, Croatia and Armenia"
    assert first.start == date(2008, 11, 2)
    assert first.places == ["Reykjavík", "Zagreb", "Yerevan"]


def test_demo_goes_through_the_real_importer(tmp_path, demo):
    from communique.ingest.export import import_archive
    from communique.store import Store

    export, summary = demo
    dest = tmp_path / "demo.zip"
    demo_export(dest, as_zip=True)
    result = import_archive(dest, Store(tmp_path / "archive"))
    assert result.account == "envoy_vale"
    assert result.posts == summary.posts + summary.deleted
    assert (result.notes, result.media_copied, result.media_missing) == (1, 8, 0)
