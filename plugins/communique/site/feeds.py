"""Atom and RSS feeds, and item titles that fit one post so a bridge can send them back out.

Feeds are built as strings, not DOM trees: a site has a feed for every account, trip, hashtag
and audience, thousands in all. Every text is XML-escaped and stripped of the control
characters XML 1.0 forbids, since post text is untrusted.
"""

from __future__ import annotations

import functools
import importlib
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape as xml_escape

from communique.site.render import visible

LIMIT = 280
URL_WEIGHT = 23
# twitter-text weighs every code point below U+1100 as 1, and of them only © and ® are emoji.
ONE_EACH_BELOW = "\u1100"
ELLIPSIS = "…"
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


@dataclass
class FeedItem:
    id: str
    title: str
    link: str
    published: str  # UTC ISO 8601, "2008-11-03T09:15:00Z"
    updated: str
    content_html: str
    author: str = ""
    categories: list[str] = field(default_factory=list)


@dataclass
class Feed:
    id: str
    title: str
    link: str
    feed_url: str
    updated: str
    items: list[FeedItem]
    subtitle: str = ""


def text(value: str) -> str:
    return xml_escape(visible(XML_INVALID.sub("", value)))


def attr(value: str) -> str:
    return xml_escape(visible(XML_INVALID.sub("", value)), {'"': "&quot;"})


def rfc822(iso: str) -> str:
    return format_datetime(datetime.fromisoformat(iso.replace("Z", "+00:00")), usegmt=True)


def atom(feed: Feed) -> str:
    out = [
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">',
        f"<id>{text(feed.id)}</id><title>{text(feed.title)}</title>",
        f"<updated>{text(feed.updated)}</updated>",
        f"<subtitle>{text(feed.subtitle)}</subtitle>" if feed.subtitle else "",
        f'<link rel="alternate" type="text/html" href="{attr(feed.link)}"/>',
        f'<link rel="self" type="application/atom+xml" href="{attr(feed.feed_url)}"/>',
        "<generator>Communique</generator>",
    ]
    for item in feed.items:
        out.append(
            f"<entry><id>{text(item.id)}</id><title>{text(item.title)}</title>"
            f"<published>{text(item.published)}</published><updated>{text(item.updated)}</updated>"
            f'<link rel="alternate" type="text/html" href="{attr(item.link)}"/>'
            f"<author><name>{text(item.author or feed.title)}</name></author>"
            + "".join(f'<category term="{attr(c)}"/>' for c in item.categories)
            + f'<content type="html">{text(item.content_html)}</content></entry>'
        )
    out.append("</feed>\n")
    return "\n".join(out)


def rss(feed: Feed) -> str:
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>',
        f"<title>{text(feed.title)}</title><link>{text(feed.link)}</link>",
        f"<description>{text(feed.subtitle or feed.title)}</description>",
        f"<lastBuildDate>{rfc822(feed.updated)}</lastBuildDate>",
        f'<atom:link rel="self" type="application/rss+xml" href="{attr(feed.feed_url)}"/>',
        "<generator>Communique</generator>",
    ]
    for item in feed.items:
        out.append(
            f"<item><title>{text(item.title)}</title><link>{text(item.link)}</link>"
            f'<guid isPermaLink="true">{text(item.id)}</guid>'
            f"<pubDate>{rfc822(item.published)}</pubDate>"
            + "".join(f"<category>{text(c)}</category>" for c in item.categories)
            + f"<description>{text(item.content_html)}</description></item>"
        )
    out.append("</channel></rss>\n")
    return "\n".join(out)


@functools.cache
def twitter_text():
    """twitter-text, imported when first needed (it compiles its emoji pattern on import, a
    tenth of a second that a build with no new titles to count never spends).

    Imported on a thread of its own, so that no frame of the caller is below the import: it
    runs pkg_resources, which keeps a parse exception in its vendored pyparsing's cache, and
    that exception's traceback would hold every frame under the import alive, and with them
    the whole build, left for the cycle collector to walk (0.6 s at 100,000 posts).
    """
    thread = threading.Thread(target=importlib.import_module, args=("twitter_text",))
    thread.start()
    thread.join()
    return importlib.import_module("twitter_text")


def weighted_length(text: str) -> int:
    """Twitter's count: links 23, CJK and emoji 2, most other characters 1.

    twitter-text searches the whole text for emoji, a millisecond a post, when most words of
    most posts weigh 1 a character. No link and no emoji holds a space, and a space weighs 1 and
    joins nothing in NFC: so the words that hold heavier characters are counted by twitter-text
    each on its own, and the others all at once without it.
    """
    if plain(text):
        return plain_length(text)
    light, heavy = [], []
    for word in text.split(" "):
        (light if plain(word) else heavy).append(word)
    tt = twitter_text()
    if not light:
        return tt.parse_tweet(text).weightedLength
    # n words have n - 1 spaces; the light words joined have len(light) - 1 of them.
    return (
        plain_length(" ".join(light))
        + len(heavy)
        + sum(tt.parse_tweet(w).weightedLength for w in heavy)
    )


def plain(text: str) -> bool:
    """Whether every character weighs 1 and none is an emoji, as twitter-text counts them."""
    normal = unicodedata.normalize("NFC", text)
    return max(normal, default=" ") < ONE_EACH_BELOW and "©" not in normal and "®" not in normal


def plain_length(text: str) -> int:
    """parse_tweet's count of a ``plain`` text: its characters and its links."""
    normal = unicodedata.normalize("NFC", text).replace("\r\n", "\n")
    links = twitter_text().extract_urls_with_indices(normal)
    return len(normal) + sum(URL_WEIGHT - len(link["url"]) for link in links)


def weight_bound(text: str) -> int:
    """At least ``weighted_length(text)``, without parsing: a code point, normalized as Twitter
    counts them, weighs at most 2 and at most its UTF-8 bytes, and a link at most 23 more than
    its characters, one of them a dot."""
    normal = unicodedata.normalize("NFC", text)
    return min(len(normal.encode()), 2 * len(normal)) + URL_WEIGHT * text.count(".")


def fits(text: str) -> bool:
    """Whether ``text`` is at most one post: by the bound when it clearly is, else counted."""
    return weight_bound(text) <= LIMIT or weighted_length(text) <= LIMIT


def post_title(text: str, link: str) -> str:
    """A title such that ``title + " " + link`` is one post: at most 280 weighted characters."""
    title = " ".join(text.split())
    if fits(f"{title} {link}"):
        return title
    words = title.split(" ")
    low, high = 0, len(words)  # the longest prefix of words that fits, by bisection
    while low < high:
        mid = (low + high + 1) // 2
        if fits(" ".join(words[:mid]) + ELLIPSIS + " " + link):
            low = mid
        else:
            high = mid - 1
    if low:
        return " ".join(words[:low]) + ELLIPSIS
    # One word longer than a post: cut it by characters.
    word = words[0]
    low, high = 0, len(word)
    while low < high:
        mid = (low + high + 1) // 2
        if fits(word[:mid] + ELLIPSIS + " " + link):
            low = mid
        else:
            high = mid - 1
    return word[:low] + ELLIPSIS
