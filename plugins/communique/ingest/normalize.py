"""Turning Twitter's payloads into the store's normalized post record.

Twitter's entity offsets count code points in the text *as stored*, still HTML-escaped, so the
text is sliced first and each piece unescaped after: decoding first would shift every offset
after an ``&amp;``, and decoding twice would turn a literal ``&amp;lt;`` into ``<``.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from communique.store import sha256_of

STATUS_URL = re.compile(
    r"^https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/(?P<user>\w{1,15})/status(?:es)?/(?P<id>\d+)"
)
TAG_RE = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Span:
    """One entity in the escaped source text, and what it becomes in the plain text."""

    start: int
    end: int
    kind: str  # "hashtag", "mention", "url", "media" (media links are dropped)
    value: dict


# What JSON readers keep exactly, the store's among them (orjson): 64-bit integers.
SMALLEST_INT, LARGEST_INT = -(2**63), 2**64 - 1
MAX_DEPTH = 64  # Twitter's payloads nest about 8 deep; the store's reader stops at 1024
SURROGATE = re.compile("[\ud800-\udfff]")
KEY = re.compile(r"\w{1,40}", re.ASCII)


def to_int(value: object) -> int:
    """The export gives numbers as strings; the API as numbers. Junk counts as 0, not worth
    refusing a post for; a number beyond 64 bits is refused: no JSON reader keeps it exactly."""
    try:
        number = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0
    except OverflowError:  # an infinite float
        raise ValueError(f"{value!r} is not a finite number") from None
    if not SMALLEST_INT <= number <= LARGEST_INT:
        raise ValueError(f"{value!r:.40} is out of range")
    return number


def degrees(value: object, limit: float) -> float:
    """A latitude (``limit`` 90) or longitude (180): a number on Earth, never NaN or infinite,
    which no JSON reader takes back (and whose sums overflow)."""
    number = float(value)  # type: ignore[arg-type]
    if not -limit <= number <= limit:
        raise ValueError(f"coordinate {value!r:.40} is not on Earth")
    return number


def unstorable(value: object, where: str = "", depth: int = 0) -> str | None:
    """What in a payload the store cannot keep, and where, or None when it can keep it all.

    Python's own JSON reader, which tweepy uses, takes ``NaN``, ``Infinity``, ``1e999``,
    numbers of any size, lone surrogates and deep nesting; the store's reader takes none of them,
    so a post that carried one would leave its month file unreadable.
    """
    name = where or "the payload"
    if depth > MAX_DEPTH:
        return f"{name} is nested over {MAX_DEPTH} deep"
    if isinstance(value, dict):
        for key, inner in value.items():
            if SURROGATE.search(key):
                return f"{name} has a key with a lone surrogate ({key!r:.40})"
            label = key if KEY.fullmatch(key) else repr(key)[:40]
            if found := unstorable(inner, f"{where}.{label}" if where else label, depth + 1):
                return found
    elif isinstance(value, list):
        for n, inner in enumerate(value):
            if found := unstorable(inner, f"{where}[{n}]", depth + 1):
                return found
    elif isinstance(value, float) and not math.isfinite(value):
        return f"{name} is {value!r}, not a finite number"
    elif isinstance(value, int) and not SMALLEST_INT <= value <= LARGEST_INT:
        return f"{name} is a number too large to keep exactly"
    elif isinstance(value, str) and (surrogate := SURROGATE.search(value)):
        return f"{name} holds a lone surrogate ({surrogate[0]!r}), not text"
    return None


# The export's own form, read once a post: a hundred thousand times an import, where strptime
# would be a second of it. Anything else (or a date that does not exist) goes to strptime.
EXPORT_DATE = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) \+0000 ([0-9]{4})"
)
MONTHS = {
    name: n
    for n, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}


# No post is older than Twitter: an earlier date is a damaged one, and would name a month file
# ("999-01-.jsonl" for the year 999) the site never reads.
TWITTER_BEGAN = datetime(2006, 3, 21, tzinfo=UTC)


def iso_utc(value: str) -> str:
    """UTC ISO 8601 from any of Twitter's date formats, for a date since Twitter began."""
    if match := EXPORT_DATE.fullmatch(value):
        month, day, hour, minute, second, year = match.groups()
        try:
            parsed = datetime(int(year), MONTHS[month], int(day), int(hour), int(minute),
                              int(second), tzinfo=UTC)  # fmt: skip
        except ValueError:
            pass  # a day that does not exist: strptime says so below
        else:
            return since_twitter(parsed, value)
    for fmt in (
        "%a %b %d %H:%M:%S %z %Y",
        "%Y-%m-%d %H:%M:%S %z",
        "%Y-%m-%dT%H:%M:%S.%f%z",
        "%Y-%m-%dT%H:%M:%S%z",
    ):
        try:
            parsed = datetime.strptime(value.replace("Z", "+0000"), fmt)
        except ValueError:
            continue
        try:
            return since_twitter(parsed.astimezone(UTC), value)
        except OverflowError:  # the year 1 east of Greenwich, or 9999 west of it
            raise ValueError(f"date {value!r:.40} is out of range") from None
    raise ValueError(f"unrecognised date {value!r:.40}")


def since_twitter(parsed: datetime, value: str) -> str:
    if parsed < TWITTER_BEGAN:
        raise ValueError(f"date {value!r:.40} is before Twitter began (2006-03-21)")
    return parsed.strftime("%Y-%m-%dT%H:%M:%SZ")


def plain_source(source: str | None) -> str | None:
    """The client name out of the ``<a href=...>Twitter for iPhone</a>`` the API sends."""
    if not source:
        return None
    return html.unescape(TAG_RE.sub("", source)).strip() or None


def expand(text: str, spans: list[Span]) -> tuple[str, dict]:
    """Plain text and entities with offsets into it, from escaped text and its entity spans."""
    out: list[str] = []
    length = 0
    entities: dict[str, list[dict]] = {"hashtags": [], "mentions": [], "urls": []}
    pos = 0
    for span in sorted(spans, key=lambda s: s.start):
        if span.start < pos or span.end > len(text) or span.start >= span.end:
            continue  # overlapping or out of range: keep the text as it stands
        piece = html.unescape(text[pos : span.start])
        out.append(piece)
        length += len(piece)
        pos = span.end
        if span.kind == "media":
            continue
        if span.kind == "url":
            shown = span.value.get("url") or html.unescape(text[span.start : span.end])
            entity = {"url": shown, "display": span.value.get("display") or shown}
            bucket = "urls"
        else:
            shown = html.unescape(text[span.start : span.end])
            entity = dict(span.value)
            bucket = "hashtags" if span.kind == "hashtag" else "mentions"
        entity.update(start=length, end=length + len(shown))
        entities[bucket].append(entity)
        out.append(shown)
        length += len(shown)
    out.append(html.unescape(text[pos:]))
    plain = "".join(out)
    stripped = plain.rstrip()
    if len(stripped) < len(plain):  # a dropped trailing media link leaves a space behind
        plain = stripped
    return plain, entities


def quote_of(urls: list[dict], quoted_id: str | None) -> dict | None:
    """The quoted post: from the payload's own field, or a link to a status in the text."""
    for entity in urls:
        match = STATUS_URL.match(entity.get("url", ""))
        if match and (quoted_id is None or match["id"] == quoted_id):
            return {"id": match["id"], "user": match["user"], "url": entity["url"]}
    return {"id": quoted_id, "user": None, "url": None} if quoted_id else None


def retweet_of(text: str) -> dict | None:
    match = re.match(r"RT @(\w{1,15}):", text)
    return {"id": None, "user": match[1]} if match else None


# Twitter keeps a retweet's first 140 or so characters only ("RT @x: …"), ending in "…" and
# often a t.co link that no entity expands; the rest of it is in no payload of the export.
CUT = re.compile(r"…(?:\s+https?://t\.co/\w+)?\Z")
# Those 140 are counted as Twitter counts, a CJK character or an emoji as 2 and a link as 23
# whatever it expands to: a cut leaves at least 60 characters before its "…".
CUT_AFTER = 60


def mark_shortened(record: dict) -> dict:
    """Say so of a retweet Twitter cut short, so that no page shows it as if it were whole.
    Only when true: the records of every other post stay as they were, and a short retweet
    that ends in "…" ("RT @x: more to come…") was written so."""
    cut = CUT.search(record["text"]) if record["retweet_of"] else None
    if cut and cut.start() >= CUT_AFTER:
        record["shortened"] = True
    return record


COMMUNITY_ID = re.compile(r"[0-9]{1,25}")


def community_of(tweet: dict) -> dict | None:
    """The X Community a post was made in: the export gives its id only (``community_id``),
    which names the community's address, so it is digits or the post is refused."""
    ident = tweet.get("community_id_str") or tweet.get("community_id")
    if ident is None:
        return None
    if not COMMUNITY_ID.fullmatch(str(ident)):
        raise ValueError(f"community id {ident!r:.40} is not a number")
    return {"id": str(ident)}


def v11_spans(entities: dict, media: list[dict]) -> list[Span]:
    """Spans from a v1.1 / archive ``entities`` block (indices may be strings)."""
    spans = []

    def bounds(e: dict) -> tuple[int, int]:
        start, end = e.get("indices", [0, 0])[:2]
        return to_int(start), to_int(end)

    for e in entities.get("hashtags", []):
        spans.append(Span(*bounds(e), "hashtag", {"tag": e.get("text", "")}))
    for e in entities.get("user_mentions", []):
        spans.append(Span(*bounds(e), "mention", {"username": e.get("screen_name", "")}))
    for e in entities.get("urls", []):
        spans.append(
            Span(*bounds(e), "url", {"url": e.get("expanded_url"), "display": e.get("display_url")})
        )
    seen = set()
    for e in media or entities.get("media", []):
        if bounds(e) not in seen:  # every photo of a post shares one link
            seen.add(bounds(e))
            spans.append(Span(*bounds(e), "media", {}))
    return spans


def v11_place(tweet: dict) -> dict | None:
    place = tweet.get("place") or {}
    lat = lon = None
    coords = (tweet.get("coordinates") or {}).get("coordinates")
    if coords and len(coords) == 2:
        lon, lat = degrees(coords[0], 180), degrees(coords[1], 90)
    else:
        ring = ((place.get("bounding_box") or {}).get("coordinates") or [[]])[0]
        if ring:
            lon = round(sum(degrees(p[0], 180) for p in ring) / len(ring), 4)
            lat = round(sum(degrees(p[1], 90) for p in ring) / len(ring), 4)
    if not place and lat is None:
        return None
    return {
        "name": place.get("full_name") or place.get("name"),
        "country": place.get("country"),
        "lat": lat,
        "lon": lon,
    }


def v11_edit_ids(tweet: dict) -> list[str]:
    info = tweet.get("edit_info") or {}
    initial = info.get("initial") or (info.get("edit") or {}).get("editControlInitial") or {}
    ids = [str(i) for i in initial.get("editTweetIds", [])]
    return ids or [tweet["id_str"]]


def best_variant(media: dict) -> dict | None:
    """The MP4 of highest bit rate: what is kept of a video or an animated GIF."""
    mp4 = [v for v in media.get("variants", []) if v.get("content_type") == "video/mp4"]
    return max(mp4, key=lambda v: to_int(v.get("bit_rate")), default=None)


def v11_media(tweet: dict) -> list[dict]:
    """Media of an export post. A video's ``media_url`` is its still image: the video itself is
    its best MP4 variant, and the still its preview, as the API gives them."""
    items = (tweet.get("extended_entities") or {}).get("media") or tweet.get("entities", {}).get(
        "media", []
    )
    media = []
    for m in items:
        kind = m.get("type", "photo")
        still = m.get("media_url_https") or m.get("media_url")
        variants = [
            {"url": v.get("url"), "content_type": v.get("content_type"),
             "bit_rate": to_int(v.get("bitrate"))}
            for v in (m.get("video_info") or {}).get("variants", [])
        ]  # fmt: skip
        video = best_variant({"variants": variants}) if kind != "photo" else None
        item = {
            "id": str(m.get("id_str") or m.get("id")),
            "type": kind,
            "url": video["url"] if video and video.get("url") else still,
            "alt": m.get("ext_alt_text") or m.get("alt_text"),
            "file": None,
            "width": to_int((m.get("sizes", {}).get("large") or {}).get("w")) or None,
            "height": to_int((m.get("sizes", {}).get("large") or {}).get("h")) or None,
            "variants": variants,
        }
        if video:
            item["preview"] = still
        media.append(item)
    return media


def id_text(value: object) -> str | None:
    """An id or a handle of the payload as the store keeps it, a string: an export edited by
    a tool, or written by another, may give a number; anything else (a list, an object) is
    no id."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value)


def from_v11(tweet: dict, *, account: str, provenance: dict) -> dict:
    """A post record from a v1.1-shaped tweet: the archive export's and the old Grailbird's.
    ``provenance`` is ``records.provenance``'s, to which the payload's hash is added."""
    text = tweet.get("full_text") or tweet.get("text") or ""
    items = (tweet.get("extended_entities") or {}).get("media", [])
    plain, entities = expand(text, v11_spans(tweet.get("entities") or {}, items))
    reply_id = tweet.get("in_reply_to_status_id_str") or tweet.get("in_reply_to_status_id")
    retweeted = tweet.get("retweeted_status")
    record = {
        "id": str(tweet.get("id_str") or tweet["id"]),
        "account": account,
        "created_at": iso_utc(tweet["created_at"]),
        "text": plain,
        "entities": entities,
        "reply_to": {
            "id": str(reply_id),
            "user": id_text(tweet.get("in_reply_to_screen_name")),
            "user_id": id_text(tweet.get("in_reply_to_user_id_str")),
        }
        if reply_id
        else None,
        "quote_of": quote_of(entities["urls"], id_text(tweet.get("quoted_status_id_str"))),
        "retweet_of": (
            {
                "id": id_text(retweeted.get("id_str")),
                "user": id_text((retweeted.get("user") or {}).get("screen_name")),
            }
            if retweeted
            else retweet_of(plain)
        ),
        "conversation_id": id_text(tweet.get("conversation_id_str")),
        "edit_ids": v11_edit_ids(tweet),
        "media": v11_media(tweet),
        "place": v11_place(tweet),
        "lang": tweet.get("lang"),
        "source": plain_source(tweet.get("source")),
        "metrics": {
            "likes": to_int(tweet.get("favorite_count")),
            "retweets": to_int(tweet.get("retweet_count")),
        },
        "deleted_at": iso_utc(tweet["deleted_at"]) if tweet.get("deleted_at") else None,
        "deleted_how": "archive export (deleted-tweets.js)" if tweet.get("deleted_at") else None,
        "raw": tweet,
        "provenance": {**provenance, "sha256": sha256_of(tweet)},
    }
    if community := community_of(tweet):
        record["community"] = community
    return mark_shortened(record)


def note_spans(core: dict) -> list[Span]:
    """Spans of a long post (``note-tweet.js``), whose offsets are ``fromIndex``/``toIndex``."""

    def bounds(e: dict) -> tuple[int, int]:
        return to_int(e.get("fromIndex")), to_int(e.get("toIndex"))

    spans = [
        Span(*bounds(e), "hashtag", {"tag": e.get("text", "")}) for e in core.get("hashtags", [])
    ]
    spans += [
        Span(*bounds(e), "mention", {"username": e.get("screenName", "")})
        for e in core.get("mentions", [])
    ]
    spans += [
        Span(*bounds(e), "url", {"url": e.get("expandedUrl"), "display": e.get("displayUrl")})
        for e in core.get("urls", [])
    ]
    return spans


def apply_note(record: dict, note: dict) -> dict:
    """The post with its full long text, from the note that holds it."""
    core = note.get("core") or {}
    plain, entities = expand(core.get("text", ""), note_spans(core))
    return {**record, "text": plain, "entities": entities, "note": note}


def assign_conversations(records: list[dict]) -> None:
    """Give archive posts a conversation id (the API sends one; the export does not).

    A reply to one of the account's own posts joins that post's conversation; a reply to a post
    we do not have starts at that post's id, as Twitter does.
    """
    by_id = {r["id"]: r for r in records}

    def root(record: dict) -> str:
        seen = set()
        while record.get("reply_to") and record["id"] not in seen:
            seen.add(record["id"])
            parent = by_id.get(record["reply_to"]["id"])
            if parent is None:
                return record["reply_to"]["id"]
            if parent.get("conversation_id"):
                return parent["conversation_id"]
            record = parent
        return record["id"]

    for record in sorted(records, key=lambda r: int(r["id"])):
        if not record.get("conversation_id"):
            record["conversation_id"] = root(record)


def mark_syndicated(records: list[dict], source: Callable[[dict], str | None] | None) -> None:
    """Mark the posts the feed bridge made, ``source`` giving the feed item a post was made
    from (or None): they are not new material, and the site leaves them out of its feeds."""
    for record in records if source else ():
        if item := source(record):
            record["syndicated_from"] = item
