"""Post text to HTML: every character of a post is untrusted, so markup is built here, escaped.

Post text is never fed to Markdown or to a template as markup: it is cut at its entities,
each piece escaped with markupsafe, and only http(s) links become ``href``s.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import tzinfo
from urllib.parse import quote, urlsplit

import orjson
from markupsafe import Markup, escape

from communique.site import times
from communique.site.layout import OWN

SAFE_SCHEMES = ("http", "https")
# Bidirectional overrides and isolates could make a post display as something it does not say;
# controls and noncharacters are not allowed in HTML at all.
SHOWN_AS_CODE = re.compile(
    "[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufdd0-\ufdef\ufffe\uffff]"
)
# What a URL cannot hold as it is (WHATWG URL): percent-encoded, or in a host, refused.
NOT_IN_URL = re.compile(r'[\x00-\x20"<>\\^`{|}\x7f]')
# What JSON inside a <script> element writes as \uXXXX: "</script" or "<!--" in a post's text
# would end the element or change how it is read (HTML's script data states), and what a page
# shows as code points has no place in a page's source either. Each occurs only inside a JSON
# string, where the escape reads back the same.
IN_SCRIPT = re.compile(f"[<>&\u2028\u2029]|{SHOWN_AS_CODE.pattern}")
# What a hashtag's folder name (one path segment) must not hold.
NOT_IN_SEGMENT = re.compile(r"[/\\\s\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def safe_url(url: str | None) -> str | None:
    """The URL when it is an absolute http(s) URL, else None: no javascript:, data:, or worse.

    Characters a URL cannot hold (quotes, spaces, angle brackets) come back percent-encoded."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in SAFE_SCHEMES or not parts.netloc:
        return None
    if NOT_IN_URL.search(parts.netloc):  # no such host
        return None
    return NOT_IN_URL.sub(lambda m: quote(m[0]), url)


def visible(text: str) -> str:
    """Text with bidi controls, other controls and noncharacters shown as their code points."""
    if text.isascii() and text.isprintable():  # most values a page shows: none to look for
        return text
    return SHOWN_AS_CODE.sub(lambda m: f"[U+{ord(m[0]):04X}]", text)


def tag_slug(tag: str) -> str | None:
    """The folder name of a hashtag's page (hashtags are case-insensitive), or None when the
    hashtag is not safe as one path segment: then it has no page and is not linked."""
    slug = tag.casefold()
    if slug in ("", ".", "..") or NOT_IN_SEGMENT.search(slug) or len(slug.encode()) > 200:
        return None
    return slug


def tag_href(base: str, tag: str) -> str | None:
    slug = tag_slug(tag)
    return f"{base}/{OWN}/tags/{quote(slug)}/" if slug else None


def post_html(post: dict, base: str = "") -> Markup:
    """The post's text as HTML: URLs, mentions and hashtags linked, everything else escaped.

    Here and in every piece of markup a page of every post has, f-strings whose every value
    is escaped, not ``Markup.format``: its Formatter is written in Python, and was a fifth of
    the time a post page took to render."""
    text = post["text"]
    entities = post.get("entities") or {}
    spans = []
    for e in entities.get("urls", []):
        spans.append((e["start"], e["end"], "url", e))
    for e in entities.get("mentions", []):
        spans.append((e["start"], e["end"], "mention", e))
    for e in entities.get("hashtags", []):
        spans.append((e["start"], e["end"], "hashtag", e))
    out = []
    pos = 0
    for start, end, kind, e in sorted(spans, key=lambda s: s[0]):
        if start < pos or end > len(text):
            continue
        out.append(escape(visible(text[pos:start])))
        shown = visible(text[start:end])
        if kind == "url":
            href = safe_url(e.get("url"))
            label = e.get("display") or shown
            out.append(
                Markup(
                    f'<a href="{escape(href)}" rel="nofollow noopener">{escape(visible(label))}</a>'
                )
                if href
                else escape(shown)
            )
        elif kind == "mention":
            user = e.get("username", "")
            out.append(
                Markup(
                    f'<a href="https://twitter.com/{escape(quote(user))}" rel="nofollow">'
                    f"{escape(shown)}</a>"
                )
            )
        else:
            href = tag_href(base, e.get("tag", ""))
            out.append(
                Markup(f'<a href="{escape(href)}" class="hashtag">{escape(shown)}</a>')
                if href  # else no page to link to, but a hashtag still: a search filters by it
                else Markup(f'<span class="hashtag unlinked">{escape(shown)}</span>')
            )
        pos = end
    out.append(escape(visible(text[pos:])))
    return Markup("").join(out).replace("\n", Markup("<br>\n"))


def signature(text: str, signatures: dict[str, str]) -> str | None:
    """Who signed a post: official accounts mark a staff member's posts with a suffix (^MV)."""
    tail = text.rstrip()
    for suffix, name in signatures.items():
        if tail.endswith(suffix) and (len(tail) == len(suffix) or tail[-len(suffix) - 1].isspace()):
            return name
    return None


# What a post of media alone shows, one and many, by its media's type.
MEDIA_NAMES = {
    "photo": ("photo", "photos"),
    "video": ("video", "videos"),
    "animated_gif": ("GIF", "GIFs"),
}


def title_text(post: dict) -> str:
    """What a post's titles are made from, in its feeds, on its page, its thread and in search.

    Its text; for a post of media alone (its text in the export is only the media link, which
    the import takes out), what its media show: the first alt text, else what they are
    ("Photo", "2 photos"), so that no title is empty. Untrusted, as the text is: each title
    escapes it.
    """
    if says(post["text"]):
        return post["text"]
    media = post.get("media") or []
    alt = next((m["alt"] for m in media if says(m.get("alt") or "")), None)
    if alt:
        return alt
    counts = Counter(m.get("type") or "photo" for m in media)
    said = " and ".join(
        one if n == 1 else f"{n} {many}"
        for kind, n in counts.items()
        for one, many in [MEDIA_NAMES.get(kind, ("media item", "media items"))]
    )
    return said[:1].upper() + said[1:] if said else f"Post {post['id']}"


def says(text: str) -> bool:
    """Whether ``text`` has anything to read: more than spaces and controls, which a feed's
    title drops (a page shows them as code points, which say nothing either)."""
    return bool(SHOWN_AS_CODE.sub("", text).split())


# What a cut title drops from its end before its one ellipsis: "home.…" reads as two stops.
BEFORE_ELLIPSIS = ".,;:!?…"


def excerpt(text: str, limit: int = 80) -> str:
    """A one-line title for a post: the start of its text, cut at a word."""
    line = " ".join(visible(text).split())
    if len(line) <= limit:
        return line
    cut = line[:limit].rsplit(" ", 1)[0] or line[:limit]
    return (cut.rstrip(BEFORE_ELLIPSIS).rstrip() or cut) + "…"


def time_html(iso: str | None, zone: tzinfo) -> Markup:
    """A stored time as a page prints it: shown in ``zone``, UTC in ``datetime``."""
    return Markup(
        f'<time datetime="{escape(shown(iso))}">{escape(shown(times.when(iso, zone)))}</time>'
    )


def shown(value: object) -> object:
    """A value as a template prints it (see the finalize of ``templates.make_env``)."""
    return visible(value) if type(value) is str else value


def short_links(post: dict) -> Markup:
    """The post's links as it was written, each t.co address beside where it leads: a reader
    holding a copy of the post as posted can match it to this record."""
    return Markup("").join(
        Markup(f"<li>{link(e['short'])} leads to {link(e['url'])}</li>")
        for e in (post.get("entities") or {}).get("urls", [])
        if e.get("short")
    )


def link(url: str) -> Markup:
    """A URL shown whole, and linked when it is http(s)."""
    href = safe_url(url)
    shown = visible(url)
    if href is None:
        return Markup(f"<code>{escape(shown)}</code>")
    return Markup(f'<a href="{escape(href)}" rel="nofollow noopener">{escape(shown)}</a>')


def data_block(data: dict) -> Markup:
    """``data`` as a JSON-LD data block: a <script> that no browser runs, so the strict CSP
    holds, and whose untrusted strings cannot end it."""
    text = IN_SCRIPT.sub(lambda m: f"\\u{ord(m[0]):04x}", orjson.dumps(data).decode())
    return Markup(f'<script type="application/ld+json">{text}</script>')
