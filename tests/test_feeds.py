import feedparser
import pytest
from hypothesis import given
from hypothesis import strategies as st

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
