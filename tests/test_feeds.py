import html
import xml.etree.ElementTree as ET

import feedparser
import pytest
from hypothesis import given
from hypothesis import strategies as st

from communique.ingest.export import import_archive
from communique.site.check import run_checks
from communique.site.feeds import (
    Feed,
    FeedItem,
    atom,
    post_title,
    rss,
    safe_bidi,
    weight_bound,
    weighted_length,
)
from communique.site.render import title_text
from communique.site.search import record
from communique.store import Store
from conftest import build_project, make_project, tweet, write_export

LINK = "https://archive.example.org/envoy/status/1234567890123456789/"


def feed(title="Hello <b>& \x07 \u202e", n=3) -> Feed:
    items = [
        FeedItem(
            id=f"https://archive.example.org/envoy/status/{i}/",
            title=f"{title} {i}",
            link=f"https://archive.example.org/envoy/status/{i}/",
            published="2008-11-03T09:15:00Z",
            updated="2008-11-03T09:15:00Z",
            content_html="<p>text &amp; <script>alert(1)</script></p>",
            author="@envoy",
            categories=["Iceland", 'a"b'],
        )
        for i in range(n)
    ]
    return Feed(
        id="https://archive.example.org/",
        title="All posts",
        link="https://archive.example.org/",
        feed_url="https://archive.example.org/atom.xml",
        updated="2008-11-03T09:15:00Z",
        items=items,
    )


@pytest.mark.parametrize("render", [atom, rss])
def test_feeds_parse_cleanly_and_keep_hostile_text_as_text(render):
    parsed = feedparser.parse(render(feed()))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert len(parsed.entries) == 3
    entry = parsed.entries[0]
    assert entry.title.startswith("Hello <b>& ")
    assert "\x07" not in entry.title
    assert entry.link == "https://archive.example.org/envoy/status/0/"


def test_rss_dates_are_rfc_822():
    assert "<pubDate>Mon, 03 Nov 2008 09:15:00 GMT</pubDate>" in rss(feed())


def test_feeds_are_deterministic():
    assert atom(feed()) == atom(feed())


@pytest.mark.parametrize(
    "text",
    [
        "Short and sweet.",
        "word " * 100,
        "日本語のテキスト" * 40,
        "🇮🇸🇭🇷🇦🇲 " * 60,
        "Read https://example.org/a and https://example.org/b " * 12,
        "x" * 600,
        "a.co " * 25,  # short links weigh 23 each
    ],
)
def test_titles_fit_one_post_with_their_link(text):
    title = post_title(text, LINK)
    assert weighted_length(f"{title} {LINK}") <= 280
    assert title == " ".join(text.split()) or title.endswith("…")


def test_a_short_text_is_kept_whole():
    assert post_title("  Landed in\nReykjavík  ", LINK) == "Landed in Reykjavík"


@given(st.text(max_size=700))
def test_any_title_fits(text):
    assert weighted_length(f"{post_title(text, LINK)} {LINK}") <= 280


BIDI_PIECES = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
               "\u2069", "\u200f", "שלום", "مرحبا", "Envoy", " ", "x" * 40,
               "\x9b", "\ufdd0"]  # fmt: skip


@given(st.lists(st.sampled_from(BIDI_PIECES), max_size=60).map("".join))
def test_a_title_leaves_no_bidi_run_open_for_the_link_no_override_and_no_control(text):
    title = post_title(text, LINK)
    assert safe_bidi(title) == title  # nothing left open to run on into the link
    assert not {"\u202d", "\u202e", "\x9b", "\ufdd0"} & set(title)
    assert weighted_length(f"{title} {LINK}") <= 280


PIECES = ["https://", "http://", "www.", "a.co", "example.org", "/path?q=1", " ", "\r\n", "\r",
          "#tag", "@me", "$X", "1.", "x", ".", "(", ")", "localhost:8000", "a" * 30, "©", "®",
          "é", "e\u0301", "\u0301", "Ж", "\u10ff", "\u1100", "日本", "😷", "\ufe0f", "\u20e3",
          "1\ufe0f\u20e3", "👍🏽", "👨\u200d👩\u200d👧", "🇮🇸", "reykjavík.is"]  # fmt: skip


@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join) | st.text(max_size=80))
def test_weighted_length_counts_as_twitter_text(text):
    from twitter_text import parse_tweet

    assert weighted_length(text) == parse_tweet(text).weightedLength


@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join) | st.text(max_size=80))
def test_the_bound_taken_without_parsing_is_never_below_the_count(text):
    assert weight_bound(text) >= weighted_length(text)


def photo_post(id: str, *alts: str | None) -> dict:
    """A post of photos alone, as the export has one: its text is only the photos' link."""
    media = [
        {"id_str": f"9{id}{n}", "type": "photo", "url": "https://t.co/p", "indices": ["0", "14"],
         "media_url_https": f"https://pbs.twimg.com/media/P{id}{n}.jpg"}
        | ({"ext_alt_text": alt} if alt is not None else {})
        for n, alt in enumerate(alts)
    ]  # fmt: skip
    return tweet(id, "https://t.co/p", extended_entities={"media": media})


PHOTO_ONLY = [
    ("1", ["A glacier at dawn"], "A glacier at dawn"),
    ("2", [None], "Photo"),
    ("3", ["", None], "2 photos"),
    ("4", [None, "The second one"], "The second one"),
    ("5", ["<b>Bold</b> & \u202eexe.png\x07\nnext line"], "<b>Bold</b> & exe.png next line"),
]
# A page shows a control as its code point (``visible``), where a feed leaves it out.
PAGE_TITLES = {"5": "&lt;b&gt;Bold&lt;/b&gt; &amp; [U+202E]exe.png[U+0007] next line"}


@pytest.fixture(scope="module")
def photo_site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("photos")
    conf = make_project(folder)
    posts = [photo_post(id, *alts) for id, alts, _ in PHOTO_ONLY]
    posts.append(tweet("6", "And a reply", in_reply_to_status_id_str="1",
                       in_reply_to_screen_name="envoy"))  # fmt: skip
    import_archive(write_export(folder / "export", posts), Store(folder / "content" / "archive"))
    return build_project(conf)


@pytest.mark.parametrize(("id", "title"), [(id, title) for id, _, title in PHOTO_ONLY])
def test_a_photo_only_post_is_titled_by_its_alt_text_or_its_photos(photo_site, id, title):
    entries = ET.parse(photo_site / "envoy" / "atom.xml").getroot()
    atom_ns = "{http://www.w3.org/2005/Atom}"
    titles = {e.findtext(f"{atom_ns}id"): e.findtext(f"{atom_ns}title") for e in entries}
    assert titles[f"https://archive.example.org/envoy/status/{id}/"] == title
    items = ET.parse(photo_site / "envoy" / "rss.xml").getroot().iter("item")
    assert {i.findtext("guid"): i.findtext("title") for i in items}[
        f"https://archive.example.org/envoy/status/{id}/"
    ] == title
    page = (photo_site / "envoy" / "status" / id / "index.html").read_text()
    shown = PAGE_TITLES.get(id, title)
    assert f"<title>{shown}" in page
    assert record(f"envoy/status/{id}/index.html", page).meta["title"] == html.unescape(shown)


SAYS_NOTHING = ["", " ", "\n", "\x07", "\x9b", "\u202e", "\u202b", "\u2069", "\ufdd0"]
ALT_PIECES = [*SAYS_NOTHING, "A glacier", "日本"]


@given(
    st.lists(st.sampled_from(SAYS_NOTHING), max_size=6).map("".join),
    st.lists(st.none() | st.lists(st.sampled_from(ALT_PIECES)).map("".join), max_size=4),
    st.sampled_from(["photo", "video", "animated_gif", "unknown"]),
)  # fmt: skip
def test_a_post_that_says_nothing_still_gets_a_title_that_fits(text, alts, kind):
    post = {"id": "7", "text": text, "media": [{"type": kind, "alt": alt} for alt in alts]}
    title = post_title(title_text(post), LINK)
    assert title.strip() and weighted_length(f"{title} {LINK}") <= 280


def test_a_thread_begun_by_a_photo_only_post_is_titled_by_its_alt_text(photo_site):
    page = (photo_site / "-" / "threads" / "1" / "index.html").read_text()
    assert "<h1>Conversation: A glacier at dawn</h1>" in page


def test_a_site_of_photo_only_posts_passes_the_feed_check(photo_site):
    (feeds,) = [r for r in run_checks(photo_site, skip=("html",)) if r.name == "feeds"]
    assert feeds.checked and feeds.failures == []


# -- which lists have feeds ---------------------------------------------------------------------


def tagged(id: str) -> dict:
    text = f"Post {id} #Iceland"
    tag = {"text": "Iceland", "indices": [str(len(text) - 8), str(len(text))]}
    return tweet(id, text, entities={"hashtags": [tag], "user_mentions": [], "urls": []})


@pytest.fixture(scope="module", params=[{}, {"FEEDS": ["all", "tag"], "FEED_FORMATS": ["atom"]}],
                ids=["defaults", "tags-atom-only"])  # fmt: skip
def feeds_site(tmp_path_factory, request):
    folder = tmp_path_factory.mktemp("feeds")
    conf = make_project(folder, **request.param)
    posts = [tagged("1"), tagged("2")]
    import_archive(write_export(folder / "export", posts), Store(folder / "content" / "archive"))
    return request.param, build_project(conf)


def test_feeds_are_written_for_the_kinds_and_formats_set_and_linked_only_then(feeds_site):
    settings, site = feeds_site
    kinds = settings.get("FEEDS", ["all", "account", "trip", "audience"])
    formats = settings.get("FEED_FORMATS", ["atom", "rss"])
    lists = {"all": "", "account": "envoy", "tag": "-/tags/iceland"}
    for kind, folder in lists.items():
        page = (site / folder / "index.html").read_text()
        for name in ("atom", "rss"):
            made = kind in kinds and name in formats
            assert (site / folder / f"{name}.xml").exists() == made, (kind, name)
            assert (f'href="/{folder}/{name}.xml"'.replace("//", "/") in page) == made
    moved = site / "tags" / "iceland"  # a moved feed is where it was only if written at all
    assert (moved / "atom.xml").exists() == ("tag" in kinds)
    assert not (moved / "rss.xml").exists()
    (links,) = [r for r in run_checks(site, skip=("html",)) if r.name == "links"]
    assert links.checked and links.failures == []
