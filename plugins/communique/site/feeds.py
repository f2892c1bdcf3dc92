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

from markupsafe import Markup

from communique.files import digest
from communique.site.freshness import FeedTitles
from communique.site.layout import own
from communique.site.pages import Pages
from communique.site.render import post_html, title_text, visible

LIMIT = 280
URL_WEIGHT = 23
# twitter-text weighs every code point below U+1100 as 1, and of them only © and ® are emoji.
ONE_EACH_BELOW = "\u1100"
ELLIPSIS = "…"
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# Controls and noncharacters, which mean nothing in a post (bidi controls do: see
# ``safe_bidi``), but for those that str.split() takes for spaces.
UNPOSTABLE = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ufdd0-\ufdef\ufffe\uffff]")
# The bidi controls: what each opens (closed by PDF, or an isolate by PDI), and the closers.
OPENS = dict.fromkeys("\u202a\u202b", "embedding") | dict.fromkeys("\u202d\u202e", "override")
OPENS |= dict.fromkeys("\u2066\u2067\u2068", "isolate")
PDF, PDI = "\u202c", "\u2069"
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


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


def as_posted(value: str) -> str:
    """An item's title, escaped but not shown as code points: ``post_title`` made it fit to
    post, and a bridge posts it back unchanged."""
    return xml_escape(XML_INVALID.sub("", value))


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
            f"<entry><id>{text(item.id)}</id><title>{as_posted(item.title)}</title>"
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
            f"<item><title>{as_posted(item.title)}</title><link>{text(item.link)}</link>"
            f'<guid isPermaLink="true">{text(item.id)}</guid>'
            f"<pubDate>{rfc822(item.published)}</pubDate>"
            + "".join(f"<category>{text(c)}</category>" for c in item.categories)
            + f"<description>{text(item.content_html)}</description></item>"
        )
    out.append("</channel></rss>\n")
    return "\n".join(out)


RENDER = {"atom": atom, "rss": rss}


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


def safe_bidi(text: str) -> str:
    """``text`` with its bidi embeddings and isolates as written, each closed, and no override.

    Embeddings and isolates are part of Arabic and Hebrew text as its writers type it: they
    order a name in Latin letters, or digits, within a right-to-left sentence, and the account
    posted them on the platform the bridge posts to. Dropped, the words could show in another
    order; shown as "[U+202B]", as the site's pages show them, they would be noise. So they
    stay, and one left open is closed where the title ends, as the post's end closed it: after
    the title comes the link, which it would run on into. An override (LRO, RLO) is another
    thing: it shows the characters themselves in an order other than written ("gnp.exe" as
    "exe.png"), the spoof that made the pages show bidi controls as code points, and no text
    needs one to read right. It is dropped, with the PDF that ends it, and a closer that ends
    nothing is dropped too: the text then shows as written.
    """
    if not BIDI.search(text):
        return text
    out: list[str] = []
    opened: list[str] = []
    for char in text:
        kind = OPENS.get(char)
        if kind:
            opened.append(kind)
            if kind != "override":
                out.append(char)
        elif char == PDF:
            if opened and opened[-1] != "isolate" and opened.pop() == "embedding":
                out.append(char)
        elif char == PDI:
            if "isolate" in opened:  # it ends every embedding and override inside it too
                while opened.pop() != "isolate":
                    pass
                out.append(char)
        else:
            out.append(char)
    closers = {"embedding": PDF, "isolate": PDI, "override": ""}
    return "".join(out) + "".join(closers[kind] for kind in reversed(opened))


def post_title(text: str, link: str) -> str:
    """A title such that ``title + " " + link`` is one post (at most 280 weighted characters)
    that says what the post said: its bidi controls made ``safe_bidi``, other controls dropped."""
    plain = " ".join(UNPOSTABLE.sub("", text).split())
    title = safe_bidi(plain)
    if fits(f"{title} {link}"):
        return title
    words = plain.split(" ")
    low, high = 0, len(words)  # the longest prefix of words that fits, by bisection
    while low < high:
        mid = (low + high + 1) // 2
        if fits(safe_bidi(" ".join(words[:mid]) + ELLIPSIS) + " " + link):
            low = mid
        else:
            high = mid - 1
    if low:
        return safe_bidi(" ".join(words[:low]) + ELLIPSIS)
    # One word longer than a post: cut it by characters.
    word = words[0]
    low, high = 0, len(word)
    while low < high:
        mid = (low + high + 1) // 2
        if fits(safe_bidi(word[:mid] + ELLIPSIS) + " " + link):
            low = mid
        else:
            high = mid - 1
    return safe_bidi(word[:low] + ELLIPSIS)


# -- the site's feeds ----------------------------------------------------------------------


def withheld_note(count: int, log: str) -> str:
    """What a feed says of the posts it leaves out, so a gap in it is never silent."""
    if not count:
        return ""
    posts = "post" if count == 1 else "posts"
    return f"{count:,} {posts} withheld from publication are left out; see {log}"


@dataclass
class SiteFeeds:
    """Atom and RSS beside every list page, of its newest posts; every link absolute."""

    pages: Pages
    titles: FeedTitles
    items: dict[str, FeedItem] = field(default_factory=dict)

    def write_all(self, audiences: dict[str, list[dict]]) -> None:
        """The feeds of the kinds of list that ``FEEDS`` names (``Pages.feeds_for`` links
        the same)."""
        archive, settings = self.pages.archive, self.pages.settings
        kinds = settings.feeds
        if "all" in kinds:
            self.write("", "Everything", archive.posts)
        if "account" in kinds:
            for name, posts in archive.by_account.items():
                self.write(name, f"@{name}", posts)
        if "tag" in kinds:
            for slug, posts in archive.tags.items():
                self.write(own(f"tags/{slug}"), f"#{archive.tag_names[slug]}", posts)
        if "audience" in kinds:
            for name, rules in settings.audiences.items():
                self.write(own(f"audiences/{name}"), rules.get("title", name), audiences[name])
        if "trip" in kinds:
            for trip, posts in self.pages.trips:
                self.write(own(f"trips/{trip.slug}"), trip.title, posts)

    def write(self, rel_dir: str, title: str, posts: list[dict]) -> None:
        pages, archive = self.pages, self.pages.archive
        siteurl = pages.settings.public_url
        page = f"{siteurl}/{rel_dir}/" if rel_dir else f"{siteurl}/"
        withheld = sum(1 for p in posts if p.get("withheld")) if archive.withheld else 0
        # Posts the bridge made from a feed are not news: feeding them back would loop.
        fresh = (
            p for p in reversed(posts) if not p.get("syndicated_from") and not p.get("withheld")
        )
        latest = archive.newest(fresh, pages.settings.feed_max_items)
        key = digest(pages.stamp, title, withheld, [pages.keys[p["id"]] for p in latest])
        # A feed reader follows no redirect page: a feed that moved is also where it was.
        old = pages.old_address(rel_dir)
        folders = [rel_dir] if old is None else [rel_dir, old]
        kinds = [(f"{name}.xml", RENDER[name]) for name in pages.settings.feed_formats]
        rels = [f"{folder}/{kind}" if folder else kind for folder in folders for kind, _ in kinds]
        pages.summary.feeds += len(rels)
        if all(pages.output.fresh(rel, key) for rel in rels):
            return
        items = [self.item(p, siteurl) for p in latest]
        updated = latest[0]["created_at"] if latest else pages.now.strftime("%Y-%m-%dT%H:%M:%SZ")
        for kind, render in kinds:
            feed = Feed(
                id=page, title=f"{title} · {pages.settings.sitename}", link=page,
                feed_url=f"{page}{kind}", updated=updated, items=items,
                subtitle=withheld_note(withheld, f"{siteurl}/{own('redactions')}/"),
            )  # fmt: skip
            body = render(feed)
            for folder in folders:
                pages.output.write(f"{folder}/{kind}" if folder else kind, body, key)

    def item(self, post: dict, siteurl: str) -> FeedItem:
        if post["id"] not in self.items:
            base = self.pages.base
            link = f"{siteurl}/{post['account']}/status/{post['id']}/"
            body = post_html(post, siteurl)
            for m in post.get("media") or []:
                if m.get("src") and m.get("type") == "photo":
                    body += Markup('<p><img src="{}" alt="{}"></p>').format(
                        siteurl + m["src"][len(base) :], m.get("alt") or ""
                    )
            key = self.pages.keys[post["id"]]
            self.items[post["id"]] = FeedItem(
                id=link, title=self.titles.get(key, lambda: post_title(title_text(post), link)),
                link=link, published=post["created_at"], updated=post["created_at"],
                content_html=str(body), author=f"@{post['account']}",
                categories=[e["tag"] for e in post["entities"]["hashtags"]],
            )  # fmt: skip
        return self.items[post["id"]]
