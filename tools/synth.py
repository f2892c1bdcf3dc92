"""Synthetic archive exports, written exactly as Twitter's "Download your data" writes them.

Two uses: the demo site's archive (a fictional envoy, hand-written-feeling posts over three
trips) and the benchmark's archives of 1,000 to 100,000 posts. Both go through the real
importer, so the demo and the benchmark exercise the same path as a user's own zip.

Text is built from pieces (plain text, hashtags, mentions, links) so every entity's ``indices``
count code points in the still-escaped text, as real exports do. Everything random comes from
one ``random.Random(seed)`` and every timestamp from the schedule, never the clock, so a seed
always gives the same bytes.
"""

from __future__ import annotations

import html
import io
import itertools
import json
import math
import random
import shutil
import string
import subprocess
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from PIL import Image, ImageDraw

from communique.errors import CommuniqueError
from communique.store import paused_gc

TWITTER_DATE = "%a %b %d %H:%M:%S +0000 %Y"
SOURCES = [
    '<a href="https://mobile.twitter.com" rel="nofollow">Twitter Web App</a>',
    '<a href="http://twitter.com/download/iphone" rel="nofollow">Twitter for iPhone</a>',
    '<a href="https://about.twitter.com/products/tweetdeck" rel="nofollow">TweetDeck</a>',
]
PART_POSTS = 25_000  # posts per tweets file before the export splits into tweets-partN.js
NOTE_PREFIX = 270  # code points of a long post kept in tweets.js before the "…"
TWITTER_EPOCH_MS = 1288834974657  # 2010-11-04: ids are time-ordered "snowflakes" after this
# Before snowflakes ids were a counter; these points trace its growth (date, id).
COUNTER = [
    (datetime(2006, 3, 21, tzinfo=UTC), 20),
    (datetime(2008, 11, 1, tzinfo=UTC), 990_000_000),
    (datetime(2010, 11, 4, 1, 42, 54, tzinfo=UTC), 29_700_000_000),
]
# Each media size but the thumbnail's (150 square), as the export lists a photo's and a video's.
PHOTO_SIZES = {"small": (680, 453), "medium": (1200, 800), "large": (1200, 800)}
VIDEO_SIZES = {"small": (680, 383), "medium": (1200, 675), "large": (1280, 720)}
GENERATED = datetime(2024, 5, 6, 17, 27, 17, 889000, tzinfo=UTC)
TCO = string.ascii_letters + string.digits


@dataclass(frozen=True)
class Place:
    city: str
    country: str
    code: str
    lat: float
    lon: float

    def payload(self) -> dict:
        """The export's ``place``: a city with its bounding box, corners as [lon, lat]."""
        box = [
            [round(self.lon + dx, 4), round(self.lat + dy, 4)]
            for dx, dy in ((-0.1, -0.1), (0.1, -0.1), (0.1, 0.1), (-0.1, 0.1))
        ]
        return {
            "full_name": f"{self.city}, {self.country}",
            "name": self.city,
            "country": self.country,
            "country_code": self.code,
            "place_type": "city",
            "bounding_box": {"type": "Polygon", "coordinates": [box]},
        }


@dataclass(frozen=True)
class SyntheticTrip:
    """A trip the generator made: what a staff trip file needs to collect its posts."""

    title: str
    hashtags: list[str]
    places: list[str]
    start: date
    end: date

    def markdown(self, account: str) -> str:
        """The trip file staff would write for it, so a benchmark site has its trip pages."""
        return (
            f"Title: {self.title}\nStart: {self.start}\nEnd: {self.end}\nAccounts: {account}\n"
            f"Hashtags: {', '.join(self.hashtags)}\nPlaces: {', '.join(self.places)}\n\n"
            f"The {self.title} trip, post by post.\n"
        )


@dataclass
class ExportSummary:
    path: Path
    posts: int = 0  # in the tweets files, every version of an edited post counted
    deleted: int = 0  # in deleted-tweets.js
    notes: int = 0  # long posts in note-tweet.js
    photos: int = 0  # posts in the tweets files with photos (one to four)
    videos: int = 0  # posts in the tweets files with a video
    replies: int = 0  # every reply: thread posts, support answers, replies to others
    threads: int = 0  # chains of the account's own posts, each a reply to the one before
    support: int = 0  # answers tagged #AskTheEnvoy
    quotes: int = 0
    retweets: int = 0
    edits: int = 0  # posts edited once (two versions each)
    trips: list[SyntheticTrip] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # export members, sorted


def counter_id(when: datetime) -> int:
    """The id a post made at ``when`` would have had: a counter, then a snowflake."""
    ms = int(when.timestamp() * 1000)
    if ms >= TWITTER_EPOCH_MS:
        return (ms - TWITTER_EPOCH_MS) << 22
    for (t0, id0), (t1, id1) in zip(COUNTER, COUNTER[1:], strict=False):
        if when < t1:
            frac = max(0.0, (when - t0) / (t1 - t0))
            return int(math.exp(math.log(id0) + frac * (math.log(id1) - math.log(id0))))
    return COUNTER[-1][1]


def user_id(screen_name: str) -> str:
    return str(10_000_000 + zlib.crc32(screen_name.lower().encode()) % 900_000_000)


def display_url(url: str) -> str:
    """Twitter's shortened display form: no scheme, at most 26 characters with an ellipsis."""
    shown = url.split("//", 1)[-1].removeprefix("www.")
    return shown if len(shown) <= 26 else shown[:25] + "…"


def millis(when: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and a Z, as the export's newer files write times."""
    return when.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def parse_date(value: str) -> datetime:
    return datetime.strptime(value, TWITTER_DATE).replace(tzinfo=UTC)


# A piece of text: plain str, or (kind, value) with kind "#" (hashtag), "@" (mention) or "url".
Piece = str | tuple[str, str]


def entities(spans: list[tuple]) -> dict:
    """The entities of a post in tweets.js shape, from its rendered spans."""
    out: dict[str, list] = {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []}
    for kind, value, start, end, short in spans:
        indices = [str(start), str(end)]
        if kind == "#":
            out["hashtags"].append({"text": value, "indices": indices})
        elif kind == "@":
            uid = user_id(value)
            out["user_mentions"].append(
                {
                    "name": value,
                    "screen_name": value,
                    "indices": indices,
                    "id_str": uid,
                    "id": uid,
                }
            )
        else:
            out["urls"].append(
                {
                    "url": short,
                    "expanded_url": value,
                    "display_url": display_url(value),
                    "indices": indices,
                }
            )
    return out


def note_core(body: str, spans: list[tuple]) -> dict:
    """A long post's ``core`` in note-tweet.js shape: its own names for the same entities."""
    core: dict = {
        "styletags": [],
        "urls": [],
        "text": body,
        "mentions": [],
        "cashtags": [],
        "hashtags": [],
    }
    for kind, value, start, end, short in spans:
        where = {"fromIndex": str(start), "toIndex": str(end)}
        if kind == "#":
            core["hashtags"].append({"text": value, **where})
        elif kind == "@":
            core["mentions"].append({"screenName": value, **where})
        else:
            core["urls"].append(
                {
                    "shortUrl": short,
                    "expandedUrl": value,
                    "displayUrl": display_url(value),
                    **where,
                }
            )
    return core


class Builder:
    """Accumulates posts in export shape, with ids that grow with time."""

    def __init__(self, username: str, seed: int):
        self.username = username
        self.account_id = user_id(username)
        self.rand = random.Random(seed)
        self.tweets: list[dict] = []
        self.deleted: list[dict] = []
        self.notes: list[dict] = []
        self.media: dict[str, bytes] = {}
        self.pictures: dict[str, bytes] = {}  # photos and videos by name, made once
        self.members: dict[str, list[str]] = {}  # a post's files in tweets_media, by its id
        self.summary = ExportSummary(path=Path())
        self.used: set[int] = set()

    def tco(self) -> str:
        return "https://t.co/" + "".join(self.rand.choices(TCO, k=10))

    def id_at(self, when: datetime) -> int:
        """An id for a post made at ``when``, whoever made it: later posts, larger ids."""
        # A snowflake's low 22 bits are worker and sequence; the old counter had no such room.
        snowflake = when.timestamp() * 1000 >= TWITTER_EPOCH_MS
        return counter_id(when) + self.rand.randrange(4096 if snowflake else 8)

    def new_id(self, when: datetime) -> str:
        tid = self.id_at(when)
        while tid in self.used:
            tid += 1
        self.used.add(tid)
        return str(tid)

    def render(self, pieces: list[Piece], escape: bool = True) -> tuple[str, list[tuple]]:
        """Text and (kind, value, start, end, short link) spans, offsets in the text as written."""
        text, spans = "", []
        for piece in pieces:
            if isinstance(piece, str):
                text += html.escape(piece, quote=False) if escape else piece
                continue
            kind, value = piece
            start, short = len(text), None
            if kind == "url":
                short = self.tco()
                text += short
            else:
                text += kind + value
            spans.append((kind, value, start, len(text), short))
        return text, spans

    def post(
        self,
        when: datetime,
        pieces: list[Piece],
        *,
        photos: list[tuple[str, str]] | None = None,
        video: tuple[str, str] | None = None,
        place: Place | None = None,
        tid: str | None = None,
        **extra,
    ) -> dict:
        """One post in tweets.js; each of ``photos``, and ``video``, is (its name, alt text)."""
        tid = tid or self.new_id(when)
        text, spans = self.render(pieces)
        found = entities(spans)
        tweet = {
            "edit_info": {"initial": self.edit_control(when, [tid], eligible=False)},
            "retweeted": False,
            "source": self.rand.choice(SOURCES),
            "entities": found,
            "display_text_range": ["0", str(len(text))],
            "favorite_count": str(int(self.rand.paretovariate(1.2)) - 1),
            "id_str": tid,
            "truncated": False,
            "retweet_count": str(int(self.rand.paretovariate(1.5)) - 1),
            "id": tid,
            "created_at": when.strftime(TWITTER_DATE),
            "favorited": False,
            "full_text": text,
            "lang": "en",
        }
        if photos:
            self.attach(tweet, photos, place)
        elif video is not None:
            self.attach_video(tweet, *video, place)
        if place is not None:
            tweet["place"] = place.payload()
        tweet.update(extra)
        self.tweets.append(tweet)
        self.summary.posts += 1
        return tweet

    def media_link(self, tweet: dict) -> tuple[str, list[str]]:
        """The t.co link that closes a post's text for all its media, and its indices."""
        short = self.tco()
        text = tweet["full_text"]
        tweet["full_text"] = text = text + (" " if text else "") + short
        return short, [str(len(text) - len(short)), str(len(text))]

    def keep(self, tid: str, name: str, data: bytes) -> None:
        member = f"data/tweets_media/{tid}-{name}"
        self.media[member] = data
        self.members.setdefault(tid, []).append(member)

    def attach(self, tweet: dict, photos: list[tuple[str, str]], place: Place | None) -> None:
        """Photos, one to four: one t.co link for them all, each its own file in tweets_media.
        ``entities`` lists only the first, as the export does; ``extended_entities`` all."""
        tid = tweet["id_str"]
        link = self.media_link(tweet)
        items = []
        for n, (name, alt) in enumerate(photos, 1):
            picture = f"pbs.twimg.com/media/{name}.jpg"
            item = self.media_entity(tid, link, "photo", n, picture, PHOTO_SIZES)
            items.append({**item, "ext_alt_text": alt})
            if name not in self.pictures:
                where = place or WASHINGTON
                self.pictures[name] = photo_jpeg(name, where.lat, where.lon)
            self.keep(tid, f"{name}.jpg", self.pictures[name])
        tweet["entities"]["media"] = [{k: v for k, v in items[0].items() if k != "ext_alt_text"}]
        tweet["extended_entities"] = {"media": items}
        self.summary.photos += 1

    def media_entity(
        self, tid: str, link: tuple[str, list[str]], kind: str, n: int, still: str,
        sizes: dict[str, tuple[int, int]],
    ) -> dict:  # fmt: skip
        """The ``n``-th media entity of post ``tid`` as the export lists it, a photo's or a
        video's: ``link`` is the media's t.co link and its indices (``media_link``), ``still``
        the picture's host and path, ``sizes`` its width and height by size name."""
        short, indices = link
        media_id = str(int(tid) + n)
        return {
            "expanded_url": f"https://twitter.com/{self.username}/status/{tid}/{kind}/{n}",
            "indices": indices,
            "url": short,
            "media_url": f"http://{still}",
            "id_str": media_id,
            "id": media_id,
            "media_url_https": f"https://{still}",
            "sizes": {"thumb": {"w": "150", "h": "150", "resize": "crop"}}
            | {size: {"w": str(w), "h": str(h), "resize": "fit"} for size, (w, h) in sizes.items()},
            "type": kind,
            "display_url": f"pic.twitter.com/{short.rsplit('/', 1)[1]}",
        }

    def attach_video(self, tweet: dict, name: str, alt: str, place: Place | None) -> None:
        """A video: its still is only a URL, its MP4 variants are listed, and the export holds
        the file of the highest bit rate, named as its URL is."""
        tid = tweet["id_str"]
        link = self.media_link(tweet)
        media_id = str(int(tid) + 1)
        still = f"pbs.twimg.com/ext_tw_video_thumb/{media_id}/pu/img/{name}.jpg"
        served = f"https://video.twimg.com/ext_tw_video/{media_id}/pu"
        item = self.media_entity(tid, link, "video", 1, still, VIDEO_SIZES)
        variants = [
            {"bitrate": "256000", "content_type": "video/mp4",
             "url": f"{served}/vid/320x180/{name}.mp4"},
            {"content_type": "application/x-mpegURL", "url": f"{served}/pl/{name}.m3u8"},
            {"bitrate": "832000", "content_type": "video/mp4",
             "url": f"{served}/vid/640x360/{name}.mp4"},
        ]  # fmt: skip
        info = {"aspect_ratio": ["16", "9"], "duration_millis": "1000", "variants": variants}
        tweet["entities"]["media"] = [item]
        tweet["extended_entities"] = {"media": [{**item, "ext_alt_text": alt, "video_info": info}]}
        if name not in self.pictures:
            where = place or WASHINGTON
            self.pictures[name] = clip_mp4(name, where.lat, where.lon)
        self.keep(tid, f"{name}.mp4", self.pictures[name])
        self.summary.videos += 1

    def edit_control(self, when: datetime, ids: list[str], eligible: bool) -> dict:
        return {
            "editTweetIds": ids,
            "editableUntil": millis(when + timedelta(minutes=30)),
            "editsRemaining": str(6 - len(ids)),
            "isEditEligible": eligible,
        }

    def reply(self, to: dict, when: datetime, pieces: list[Piece], **kw) -> dict:
        """A reply to one of the account's own posts: the next link of a thread."""
        self.summary.replies += 1
        return self.post(
            when,
            pieces,
            in_reply_to_status_id_str=to["id_str"],
            in_reply_to_status_id=to["id_str"],
            in_reply_to_user_id_str=self.account_id,
            in_reply_to_user_id=self.account_id,
            in_reply_to_screen_name=self.username,
            **kw,
        )

    def answer(self, user: str, when: datetime, pieces: list[Piece], **kw) -> dict:
        """A reply to someone else's post, which the export does not hold (only its id)."""
        question = str(self.id_at(when - timedelta(minutes=42)))
        uid = user_id(user)
        self.summary.replies += 1
        return self.post(
            when,
            [("@", user), " ", *pieces],
            in_reply_to_status_id_str=question,
            in_reply_to_status_id=question,
            in_reply_to_user_id_str=uid,
            in_reply_to_user_id=uid,
            in_reply_to_screen_name=user,
            **kw,
        )

    def retweet(self, when: datetime, user: str, text: str) -> dict:
        self.summary.retweets += 1
        return self.post(when, ["RT ", ("@", user), ": " + text])

    def quote(self, when: datetime, pieces: list[Piece], user: str, **kw) -> dict:
        quoted = str(self.id_at(when - timedelta(hours=3)))
        self.summary.quotes += 1
        return self.post(
            when,
            [*pieces, " ", ("url", f"https://twitter.com/{user}/status/{quoted}")],
            quoted_status_id_str=quoted,
            quoted_status_id=quoted,
            is_quote_status=True,
            **kw,
        )

    def delete(self, tweet: dict, when: datetime) -> None:
        """Move a post to deleted-tweets.js, stamped with when it was deleted."""
        # By identity, newest first: a deletion is nearly always of the post just made.
        index = next(i for i in range(len(self.tweets) - 1, -1, -1) if self.tweets[i] is tweet)
        del self.tweets[index]
        self.summary.posts -= 1
        for member in self.members.pop(tweet["id_str"], []):
            moved = member.replace("/tweets_media/", "/deleted_tweets_media/", 1)
            self.media[moved] = self.media.pop(member)
        kinds = {m["type"] for m in (tweet.get("extended_entities") or {}).get("media", [])}
        self.summary.photos -= "photo" in kinds
        self.summary.videos -= "video" in kinds
        self.deleted.append({**tweet, "deleted_at": when.strftime(TWITTER_DATE)})
        self.summary.deleted += 1

    def edit(self, first: dict, when: datetime, pieces: list[Piece], **kw) -> dict:
        """A second version of ``first``; both stay in the export, linked by edit_info."""
        second_id = self.new_id(when)
        ids = [first["id_str"], second_id]
        control = self.edit_control(parse_date(first["created_at"]), ids, eligible=True)
        first["edit_info"] = {"initial": control}
        second = self.post(when, pieces, tid=second_id, **kw)
        second["edit_info"] = {
            "edit": {"initialTweetId": ids[0], "editControlInitial": dict(control)}
        }
        self.summary.edits += 1
        return second

    def note(self, when: datetime, pieces: list[Piece], **kw) -> dict:
        """A long post: whole in note-tweet.js, cut short in tweets.js with a link to the rest."""
        tid = self.new_id(when)
        head: list[Piece] = []
        size = 0
        for piece in pieces:
            width = len(piece) if isinstance(piece, str) else len(piece[0] + piece[1])
            if isinstance(piece, tuple) and piece[0] == "url":
                width = 23  # every link counts as a t.co link
            if size + width <= NOTE_PREFIX:
                head.append(piece)
                size += width
                continue
            if isinstance(piece, str):
                head.append(piece[: NOTE_PREFIX - size].rsplit(" ", 1)[0].rstrip())
            break
        link = ("url", f"https://twitter.com/i/web/status/{tid}")
        tweet = self.post(when, [*head, "… ", link], tid=tid, **kw)
        body, spans = self.render(pieces, escape=False)
        core = note_core(body, spans)
        stamp = when.replace(microsecond=self.rand.randrange(1000) * 1000)
        self.notes.append(
            {
                "noteTweet": {
                    "noteTweetId": str(self.id_at(when + timedelta(milliseconds=1))),
                    "updatedAt": millis(stamp),
                    "createdAt": millis(stamp),
                    "core": core,
                }
            }
        )
        self.summary.notes += 1
        return tweet


def write_files(
    b: Builder, dest: Path, display_name: str, as_zip: bool, parts: int | None
) -> ExportSummary:
    """The export ``b`` built, written to ``dest`` as a folder or a zip."""
    files = export_files(b, display_name, parts)
    if as_zip:
        dest.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(dest, "w") as z:
            for name in sorted(files):
                info = zipfile.ZipInfo(name, date_time=GENERATED.timetuple()[:6])
                info.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(info, files[name], compresslevel=1)
    else:
        for folder in sorted({(dest / name).parent for name in files}):
            folder.mkdir(parents=True, exist_ok=True)
        for name in sorted(files):
            (dest / name).write_bytes(files[name])
    b.summary.path = dest
    b.summary.files = sorted(files)
    return b.summary


def export_files(b: Builder, display_name: str, parts: int | None) -> dict[str, bytes]:
    """Every member of the export by name; the manifest last, since it lists the others."""
    tweets = sorted(b.tweets, key=lambda t: int(t["id_str"]), reverse=True)
    count = max(1, min(parts or -(-len(tweets) // PART_POSTS), len(tweets)))
    files: dict[str, bytes] = {}
    listed: dict[str, list[tuple[str, str, int]]] = {"tweets": []}
    for n in range(count):
        name = "data/tweets.js" if n == 0 else f"data/tweets-part{n}.js"
        chunk = tweets[len(tweets) * n // count : len(tweets) * (n + 1) // count]
        files[name] = js(f"YTD.tweets.part{n}", [{"tweet": t} for t in chunk])
        listed["tweets"].append((name, f"YTD.tweets.part{n}", len(chunk)))
    oldest = parse_date(tweets[-1]["created_at"]) if tweets else GENERATED
    account = {
        "email": f"{b.username}@example.org",
        "createdVia": "web",
        "username": b.username,
        "accountId": b.account_id,
        "createdAt": millis(oldest - timedelta(days=40, hours=3, minutes=17)),
        "accountDisplayName": display_name,
    }
    data = {
        "account": ("data/account.js", "YTD.account.part0", [{"account": account}]),
        "deletedTweets": (
            "data/deleted-tweets.js",
            "YTD.deleted_tweets.part0",
            [{"tweet": t} for t in b.deleted],
        ),
        "noteTweet": ("data/note-tweet.js", "YTD.note_tweet.part0", b.notes),
    }
    for key, (name, global_name, items) in data.items():
        files[name] = js(global_name, items)
        listed[key] = [(name, global_name, len(items))]
    files.update(b.media)
    types: dict[str, dict] = {
        key: {"files": [{"fileName": f, "globalName": g, "count": str(c)} for f, g, c in rows]}
        for key, rows in sorted(listed.items())
    }
    types["tweets"]["mediaDirectory"] = "data/tweets_media"
    types["deletedTweets"]["mediaDirectory"] = "data/deleted_tweets_media"
    types["tweetsMedia"] = {"mediaDirectory": "data/tweets_media"}
    types["deletedTweetsMedia"] = {"mediaDirectory": "data/deleted_tweets_media"}
    manifest = {
        "userInfo": {
            "accountId": b.account_id,
            "userName": b.username,
            "displayName": display_name,
        },
        "archiveInfo": {
            "sizeBytes": str(sum(map(len, files.values()))),
            "generationDate": millis(GENERATED),
            "isPartialArchive": False,
            "maxPartSizeBytes": "53687091200",
        },
        "dataTypes": types,
    }
    files["data/manifest.js"] = ("window.__THAR_CONFIG = " + dumps(manifest)).encode()
    return files


def refuse_existing(dest: Path) -> None:
    """Files left from another export would mix into this one: write only to a new place."""
    if dest.is_file() or (dest.is_dir() and any(dest.iterdir())):
        raise CommuniqueError(f"{dest}: already exists; write the export to a new place")


def dumps(value: object) -> str:
    # The export's own layout: two-space indent, " : " between key and value, UTF-8 as is.
    return json.dumps(value, indent=2, separators=(",", " : "), ensure_ascii=False)


COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", " : ")).encode


def js(global_name: str, items: list[dict]) -> bytes:
    """A ``window.YTD...`` file: the export's layout down to each item's wrapper key, the item
    itself on one line. Python's indenting encoder is pure Python and four times slower than
    everything else together at 100,000 posts; a JSON reader sees the same value either way."""
    rows = []
    for item in items:
        ((key, value),) = item.items()
        rows.append(f'  {{\n    "{key}" : {COMPACT(value)}\n  }}')
    body = "[\n" + ",\n".join(rows) + "\n]" if rows else "[ ]"
    return f"window.{global_name} = {body}".encode()


def photo_jpeg(name: str, lat: float, lon: float) -> bytes:
    """A small landscape JPEG carrying EXIF (camera, GPS position) and a JPEG comment: the
    metadata a real phone photo has and the site must strip before publishing."""
    rand = random.Random(name)
    image = Image.new("RGB", (480, 320), (rand.randrange(90, 160), rand.randrange(150, 210), 235))
    draw = ImageDraw.Draw(image)
    ground = (rand.randrange(40, 120), rand.randrange(90, 160), rand.randrange(40, 100))
    ridge = [(x, rand.randrange(100, 220)) for x in range(60, 480, 60)]
    draw.polygon([(0, 220), *ridge, (480, 220), (480, 320), (0, 320)], fill=ground)
    draw.ellipse((360, 30, 410, 80), fill=(250, 220, 120))

    def dms(value: float) -> tuple[float, float, float]:
        value = abs(value)
        minutes = (value % 1) * 60
        return (float(int(value)), float(int(minutes)), round((minutes % 1) * 60, 2))

    exif = Image.Exif()
    exif[0x010F] = "Communique"  # Make
    exif[0x0110] = "Envoy phone"  # Model
    exif[0x8825] = {  # GPSInfo
        1: "N" if lat >= 0 else "S",
        2: dms(lat),
        3: "E" if lon >= 0 else "W",
        4: dms(lon),
    }
    out = io.BytesIO()
    image.save(out, "JPEG", quality=60, exif=exif, comment=b"taken by the envoy's phone")
    return out.getvalue()


def clip_mp4(name: str, lat: float, lon: float) -> bytes:
    """A one-second MP4 carrying what a phone's video does (GPS position, make, model, a date)
    for the site to strip. Made by ffmpeg, which the site needs to publish a video anyway; the
    same name always gives the same bytes."""
    found = shutil.which("ffmpeg")
    if found is None:
        raise CommuniqueError(
            "an export with videos needs ffmpeg to make them (apt-get install ffmpeg)"
        )
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"{name}.mp4"
        hue = zlib.crc32(name.encode()) % 360
        subprocess.run(
            [found, "-nostdin", "-v", "error", "-f", "lavfi",
             "-i", "testsrc=duration=1:size=160x90:rate=10", "-vf", f"hue=h={hue}",
             "-c:v", "libx264", "-preset", "ultrafast", "-threads", "1", "-fflags", "+bitexact",
             "-metadata", f"location={lat:+08.4f}{lon:+09.4f}/", "-metadata", "make=Communique",
             "-metadata", "model=Envoy phone", "-metadata", "creation_time=2024-05-01T10:00:00Z",
             "-movflags", "+use_metadata_tags", str(out)],
            check=True, capture_output=True,
        )  # fmt: skip
        return out.read_bytes()


# -- the benchmark's archives -------------------------------------------------------------------

CLAUSES = [
    "met the foreign minister to talk about trade and energy",
    "spoke with students about the future of the region",
    "visited a school built with support from our partners",
    "discussed fisheries, climate & coastal communities",
    "signed a memorandum on research cooperation",
    "listened to civil society groups working on health",
    "briefed the press after a long day of talks",
    "toured a wind farm that now powers forty thousand homes",
    "agreed to keep working together on shared priorities",
    "thanked the team for months of careful preparation",
    "heard from young entrepreneurs building something new",
    "reviewed the numbers: exports > imports for the first time",
    "asked the hard question: is < 2% growth enough?",
    "opened a photo exhibition on the Arctic",
    "joined the ceremony marking fifty years of friendship",
]
OPENERS = ["Today we", "This morning I", "Our team", "We", "Yesterday the envoy", "I"]
FLOURISHES = [
    " 🌍",
    " 🤝",
    " 👏🏽",
    " 🎉",
    " 🇺🇸",
    " Thank you! ありがとう",
    " 谢谢!",
    " 감사합니다.",
    " Onward.",
    "",
    "",
    "",
]
TOPICS = ["Climate", "Trade", "Energy", "Health", "Youth", "Arctic", "Oceans", "Diplomacy"]
PARTNERS = ["UN", "WHO", "ArcticCouncil", "StateDept", "press_office", "ministry_fa"]
CITIES = [
    Place("Reykjavík", "Iceland", "IS", 64.15, -21.94),
    Place("Zagreb", "Croatia", "HR", 45.81, 15.98),
    Place("Yerevan", "Armenia", "AM", 40.18, 44.51),
    Place("Accra", "Ghana", "GH", 5.60, -0.19),
    Place("Dakar", "Senegal", "SN", 14.72, -17.47),
    Place("Nuuk", "Greenland", "GL", 64.18, -51.72),
    Place("Tbilisi", "Georgia", "GE", 41.72, 44.79),
    Place("Nairobi", "Kenya", "KE", -1.29, 36.82),
    Place("Tokyo", "Japan", "JP", 35.68, 139.69),
    Place("Lima", "Peru", "PE", -12.05, -77.04),
    Place("Oslo", "Norway", "NO", 59.91, 10.75),
    Place("Suva", "Fiji", "FJ", -18.14, 178.44),
    Place("Hanoi", "Vietnam", "VN", 21.03, 105.85),
    Place("Santiago", "Chile", "CL", -33.45, -70.67),
]
WASHINGTON = Place("Washington", "United States", "US", 38.90, -77.04)


@dataclass(frozen=True)
class Shape:
    """What an archive is made of. A cost that grows with replies, threads, media, tags or
    accounts stays hidden in one friendly mix, so the bench measures archives of each.

    The kinds of post are shares of the posts made at home (a trip's posts are plain), each
    a thread counting once however long: a thread, an answer to a citizen's #AskTheEnvoy
    question, an answer to a partner; then 4% retweets, 3% quotes, 1% long posts, 0.5% edits
    and 1% deletions, the rest plain. Photos and videos go on every post but answers,
    retweets, quotes, long posts, edits and a thread's later posts; hashtags on every post but
    answers, retweets and a thread's later posts.
    """

    name: str
    threads: float = 0.06
    thread_length: tuple[int, int] = (2, 6)  # posts in a thread, fewest and most
    support: float = 0.06
    replies: float = 0.03  # answers to partners
    photos: float = 0.065  # of the posts that take media: about 5% of all posts in the mix
    photos_per_post: tuple[int, int] = (1, 1)  # at most 4, as on Twitter
    videos: float = 0.0  # of the posts that take media (a post has photos or a video)
    hashtags: float = 0.3  # of the posts that take hashtags
    hashtags_per_post: tuple[int, int] = (1, 1)
    vocabulary: int = len(TOPICS)  # how many hashtags there are to draw from
    accounts: int = 1  # exports, one an account, sharing the posts


# Today's mix first, as the bench always measured it; then one shape heavy in each thing.
SHAPES = {
    shape.name: shape
    for shape in (
        Shape("mixed"),
        Shape("replies", support=0.35, replies=0.25),
        Shape("threads", threads=0.35, thread_length=(3, 12)),
        Shape("media", photos=0.4, photos_per_post=(1, 4), videos=0.04),
        Shape("tags", hashtags=0.9, hashtags_per_post=(1, 5), vocabulary=3000),
        Shape("accounts", accounts=20),
    )
}


def vocabulary(size: int) -> list[str]:
    """``size`` hashtags: the topics, then numbered campaigns of each (Climate2, Trade2, ...)."""
    return [
        TOPICS[n % len(TOPICS)] + (str(n // len(TOPICS) + 1) if n >= len(TOPICS) else "")
        for n in range(size)
    ]


def between(rand: random.Random, bounds: tuple[int, int]) -> int:
    """A count within ``bounds``, drawing nothing when there is no choice: a shape of one
    photo or one hashtag a post draws the same numbers as the mix always did."""
    low, high = bounds
    return low if low == high else rand.randint(low, high)


def sentences(rand: random.Random, count: int = 4096) -> list[str]:
    """Post texts of one to three clauses (40 to 250 characters, like most posts), made once
    and drawn from: composing each post's text afresh costs more than all the rest."""
    pool = []
    for _ in range(count):
        clauses = rand.sample(CLAUSES, rand.choice([1, 1, 2, 2, 3]))
        pool.append(f"{rand.choice(OPENERS)} {' and '.join(clauses)}.{rand.choice(FLOURISHES)}")
    return pool


def plan_trips(rand: random.Random, posts: int) -> list[tuple]:
    """A dozen trips, evenly spread: (first post number, run length, days, stops, hashtag)."""
    run = max(2, min(posts // 50, 300))
    count = min(12, posts // (run * 2))
    order = rand.sample(CITIES, len(CITIES))
    trips = []
    for n in range(count):
        stops = order[n : n + rand.choice([1, 2])]
        first = int(posts * (n + 0.5) / count)
        trips.append((first, run, rand.randint(4, 12), stops, stops[0].country))
    return trips


@paused_gc()
def write_export(
    dest: Path,
    *,
    posts: int,
    seed: int = 0,
    username: str = "envoy",
    display_name: str = "The Envoy",
    start: datetime = datetime(2014, 1, 1, 8, tzinfo=UTC),
    years: float = 10,
    as_zip: bool = False,
    parts: int | None = None,
    shape: Shape = SHAPES["mixed"],
) -> ExportSummary:
    """An export with exactly ``posts`` posts in its tweets files, spread over ``years``.

    There are threads, #AskTheEnvoy answers, replies, quotes, retweets, long posts, edits,
    deletions, photos, hashtags and a dozen trips (runs of posts placed away from home and
    tagged with the trip's hashtag), in the proportions of ``shape``: in the mix, about 5% of
    posts carry a photo. ``parts`` forces the number of tweets files.
    """
    refuse_existing(dest)
    b = Builder(username, seed)
    rand = b.rand
    step = timedelta(days=365.25 * years) / max(posts, 1)
    trips = plan_trips(rand, posts)
    pool = sentences(rand)
    trip_of = {n: t for t in trips for n in range(t[0], t[0] + t[1])}
    pictures = [f"{username}-photo-{n}" for n in range(4)]
    clips = [f"{username}-clip-{n}" for n in range(2)]
    tags = vocabulary(shape.vocabulary)
    at_home = [shape.threads, shape.support, shape.replies, 0.04, 0.03, 0.01, 0.005, 0.01]
    thread, support, answer, retweet, quote, note, edit, delete = itertools.accumulate(at_home)
    made: dict[int, list[date]] = {}  # a trip's first post number: its first and last day
    while b.summary.posts < posts:
        i, left = b.summary.posts, posts - b.summary.posts
        trip = trip_of.get(i)
        if trip is None:
            when = start + step * (i + 0.8 * rand.random())
        else:  # away, posts come more often than at home: the trip's run fits in its days
            pace = min(step, timedelta(days=trip[2]) / trip[1])
            when = start + step * trip[0] + pace * (i - trip[0] + 0.8 * rand.random())
        pieces: list[Piece] = [rand.choice(pool)]
        if rand.random() < shape.hashtags:
            count = between(rand, shape.hashtags_per_post)
            for tag in [rand.choice(tags)] if count == 1 else rand.sample(tags, count):
                pieces += [" ", ("#", tag)]
        if rand.random() < 0.12:
            pieces += [" with ", ("@", rand.choice(PARTNERS))]
        if rand.random() < 0.15:
            link = f"https://example.org/news/{when:%Y/%m}/{rand.randrange(10**6)}"
            pieces += [" ", ("url", link)]
        media: dict = {}
        roll = rand.random()
        if roll < shape.photos:
            count = between(rand, shape.photos_per_post)
            names = [rand.choice(pictures)] if count == 1 else rand.sample(pictures, count)
            media["photos"] = [(n, f"A landscape photographed on the road, picture {n[-1]}")
                               for n in names]  # fmt: skip
        elif roll < shape.photos + shape.videos:
            name = rand.choice(clips)
            media["video"] = (name, f"A test pattern filmed on the road, clip {name[-1]}")
        if trip is not None:
            first, run, _, stops, tag = trip
            place = stops[(i - first) * len(stops) // run]
            b.post(when, [*pieces, " ", ("#", tag)], place=place, **media)
            dates = made.setdefault(first, [when.date(), when.date()])
            dates[1] = when.date()
            continue
        roll = rand.random()
        place = WASHINGTON if rand.random() < 0.03 else None
        if roll < thread and left >= 2:
            # A thread of the account's own posts (two to six in the mix), each replying to
            # the last.
            length = min(rand.randint(*shape.thread_length), left)
            parent = b.post(when, [*pieces, f" 1/{length}"], place=place, **media)
            gap = min(timedelta(minutes=2), step / (2 * length))
            for k in range(2, length + 1):
                parent = b.reply(parent, when + gap * k, [rand.choice(pool), f" {k}/{length}"])
            b.summary.threads += 1
        elif roll < support:
            b.summary.support += 1
            user = f"citizen{rand.randrange(5000)}"
            b.answer(user, when, [rand.choice(pool), " ", ("#", "AskTheEnvoy")])
        elif roll < answer:
            b.answer(rand.choice(PARTNERS), when, ["Thank you! " + rand.choice(pool)])
        elif roll < retweet:
            b.retweet(when, rand.choice(PARTNERS), rand.choice(pool))
        elif roll < quote:
            b.quote(when, pieces, rand.choice(PARTNERS), place=place)
        elif roll < note:
            long = [rand.choice(pool) + " "]
            while sum(map(len, long)) < 400 + rand.randrange(800):
                long.append(rand.choice(pool) + " ")
            b.note(when, [*long, *pieces], place=place)
        elif roll < edit and left >= 2:
            draft = b.post(when, pieces, place=place)
            later = when + min(timedelta(minutes=4), step / 4)
            b.edit(draft, later, [*pieces, " (corrected)"], place=place)
        elif roll < delete:
            mistake = b.post(when, pieces, place=place, **media)
            b.delete(mistake, when + min(timedelta(minutes=9), step / 3))
        else:
            b.post(when, pieces, place=place, **media)
    b.summary.trips = [
        SyntheticTrip(
            title=f"{' and '.join(p.country for p in stops)}, {made[first][0]:%B %Y}",
            hashtags=[tag],
            places=[p.city for p in stops],
            start=made[first][0],
            end=made[first][1],
        )
        for first, _, _, stops, tag in trips
        if first in made
    ]
    return write_files(b, dest, display_name, as_zip, parts)


def write_exports(
    folder: Path, *, posts: int, seed: int = 0, shape: Shape = SHAPES["mixed"],
    username: str = "bench",
) -> list[ExportSummary]:  # fmt: skip
    """The exports of an archive of ``shape``: an export is one account's, so an archive of
    several accounts is several exports, ``folder/<account>``, sharing ``posts`` between them.
    One account is ``username``; several are ``username01``, ``username02``, ..."""
    refuse_existing(folder)
    count = max(1, min(shape.accounts, posts))
    names = [username] if count == 1 else [f"{username}{n:02d}" for n in range(1, count + 1)]
    return [
        write_export(
            folder / name,
            posts=posts * (n + 1) // count - posts * n // count,
            seed=seed + n,
            username=name,
            display_name=f"The Envoy {n + 1}" if count > 1 else "The Envoy",
            shape=shape,
        )
        for n, name in enumerate(names)
    ]


# -- the demo archive ---------------------------------------------------------------------------

REYKJAVIK, ZAGREB, YEREVAN, ACCRA, DAKAR, NUUK = CITIES[:6]
SIGNED = [" ^MV", " ^TS"]
HOME_TEMPLATES = [
    "Briefed the {committee} this morning on our work in {region}.",
    "Thank you to the students at {school} for sharp questions on {topic}.",
    "Reading the new report on {topic} & {topic2}. Worth your time:",
    "Met with {group} today. Their work is what diplomacy is for.",
    "Spoke with the ambassador of {country} about {topic}.",
    "Back at my desk after a week of meetings on {topic}. Lots to follow up on.",
    "Our statement on {topic} is below:",
    "Today we marked {years} years of cooperation with {country} on {topic}.",
    "Grateful for a team that makes long days feel short.",
    "A quiet Sunday to prepare for a busy week ahead.",
    "Congratulations to {country} on {event}! 🎉",
    "Rainy day in Washington ☔ Working from home on {topic}.",
    "Heading to the Hill to talk about {topic} with the {committee}.",
    "Good conversation with {group} about {topic} and what comes next.",
    "On the phone with colleagues in {country} about {topic} & {topic2}.",
    "New on our website: a short explainer on {topic}:",
    "Questions about {topic}? Send them with the hashtag below and we will answer here.",
    "Long day, good day. Thank you to everyone who came to the town hall on {topic} 🙏",
]
FILLS = {
    "committee": ["Senate Foreign Relations Committee", "House Foreign Affairs Committee"],
    "region": ["the Arctic", "the Caucasus", "the Western Balkans", "West Africa"],
    "school": ["Georgetown", "Howard University", "Johns Hopkins SAIS", "American University"],
    "group": [
        "civil society groups",
        "Arctic indigenous leaders",
        "Armenian-American community leaders",
        "young diplomats in training",
        "fishing communities from Alaska",
    ],
    "country": ["Iceland", "Croatia", "Armenia", "Ghana", "Senegal", "Norway", "Canada"],
    "topic": [
        "energy security",
        "fisheries",
        "climate adaptation",
        "Arctic shipping",
        "open borders",
        "election observation",
        "clean energy",
        "exchange programmes",
        "search and rescue",
    ],
    "event": ["a peaceful election", "its national day", "a successful summit"],
    "years": ["ten", "twenty", "fifty"],
}
HOME_TAGS = ["Arctic", "Energy", "Diplomacy", "Climate", "Oceans"]
TRIP_LINES = {
    REYKJAVIK: [
        "Landed in Reykjavík this morning. Cold, bright and welcoming.",
        "Visited the Hellisheiði geothermal plant: clean power from the ground beneath our feet.",
        "Talks with the foreign minister on Arctic cooperation and the financial crisis.",
        "Met fishermen at the old harbour. Their livelihoods depend on healthy oceans.",
        "Thank you, Iceland, for your hospitality. On to Zagreb.",
    ],
    ZAGREB: [
        "Arrived in Zagreb. The upper town at dusk is something to see.",
        "Discussed Croatia's path to EU membership with the prime minister.",
        "Met young entrepreneurs at a start-up hub: energy & ideas everywhere.",
        "Laid a wreath at the memorial. We remember.",
        "Hvala, Zagreb! Next stop: Yerevan.",
    ],
    YEREVAN: [
        "In Yerevan, with Mount Ararat on the horizon.",
        "Talks on regional stability & open borders with the foreign minister.",
        "Visited the Matenadaran, home of ancient manuscripts. History lives here.",
        "Met the team running a rural schools programme we support.",
        "Շնորհակալություն, Yerevan. Heading home after two weeks on the road.",
    ],
    ACCRA: [
        "Good morning from Accra! Here for talks on trade and governance. ☀️",
        "Visited a cocoa cooperative outside the city: women leading the way.",
        "Met Ghana's electoral commission: a model for the region.",
        "Medaase, Accra. On to Dakar.",
    ],
    DAKAR: [
        "Arrived in Dakar, where the Atlantic meets the Sahel.",
        "Visited Gorée Island today. A place everyone should see once.",
        "Talks on fisheries and climate adaptation with the environment minister.",
        "Jërëjëf, Senegal! Home tomorrow.",
    ],
    NUUK: [
        "In Nuuk for the Arctic Council ministerial. 🧊",
        "The ice tells the story of our changing climate more plainly than any report.",
        "Signed the agreement on search and rescue cooperation in the Arctic.",
        "Met Greenlandic youth leaders: the Arctic's future is theirs.",
    ],
}
TRIP_PHOTOS = {
    REYKJAVIK: ("hellisheidi", "Steam rising from the Hellisheiði geothermal plant, pale sky"),
    ZAGREB: ("zagreb-upper-town", "Red rooftops of Zagreb's upper town at dusk"),
    YEREVAN: ("ararat", "Mount Ararat seen from Yerevan, snow on its peak"),
    ACCRA: ("cocoa", "Members of a cocoa cooperative sorting beans in the sun"),
    DAKAR: ("goree", "The Door of No Return on Gorée Island, the sea beyond"),
    NUUK: ("nuuk-ice", "Icebergs in the fjord beside Nuuk"),
}
# Answers to people's questions: the questions are theirs, so the export does not hold them.
ANSWERS = [
    ("jonas_reads", "Applications for the exchange programme open in March; details here:"),
    ("marta_k", "We hope to visit, and we will announce trips here first."),
    ("policywonk88", "The full statement is on our website:"),
    ("sam_in_dc", "Yes, the consular section is open 9 to 4 on Friday."),
    ("ivana_zg", "Sustainable quotas, set with science. More:"),
    ("yuki_t", "ご質問ありがとうございます! The transcript of the talk will be online next week."),
    ("levon_y", "Good question. The envoy will speak about open borders in her next briefing."),
    ("ama_accra", "Thank you for writing! Student visas are handled by the embassy in Accra:"),
    ("dr_hughes", "The report on Arctic shipping & search and rescue is here:"),
    ("teacher_pat", "We would love to. Send your class's questions and we will answer them all."),
]
THREAD = [
    "Iceland: a small country with a big role in the Arctic and in clean energy. 2/6",
    "Croatia: on its way into Europe, and a partner in the Balkans. 3/6",
    "Armenia: a crossroads where open borders would change lives. 4/6",
    "Everywhere: young people asking what we will do about climate & jobs. 5/6",
    "We will report back on every commitment here. Thank you for following. 6/6 ^MV",
]
ANNIVERSARY = (
    "Fifteen years ago this week I landed in Reykjavík at the start of a journey through "
    "Iceland, Croatia and Armenia. Much has changed since: Croatia joined the European Union, "
    "Iceland's geothermal know-how now heats cities across the world, and the young people I "
    "met in Yerevan are now running businesses and ministries. Some things have not changed: "
    "the Arctic ice is thinner every year, and borders that should be open are still closed. "
    "This archive keeps the record of what we said and what we promised, so that anyone can "
    "hold us to it. Thank you for reading, then and now. "
)


@paused_gc()
def demo_export(dest: Path, *, as_zip: bool = False) -> ExportSummary:
    """The demo site's archive: Special Envoy Mara Vale, @envoy_vale, home Washington.

    Posts run from 2008 to 2011 over three trips; after a long quiet spell the account comes
    back in 2023 for an anniversary with the one long post and the one edit, features the
    platform only gained in 2022 and 2023.
    """
    refuse_existing(dest)
    b = Builder("envoy_vale", seed=2008)
    rand = b.rand

    def at(day: str, hour: int = 9, minute: int = 0) -> datetime:
        return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=UTC)

    def home_posts(first: str, last: str, count: int) -> None:
        a, z = at(first, 13), at(last, 13)
        for n in range(count):
            day = a + (z - a) * (n + rand.random() * 0.8) / count
            when = day.replace(hour=rand.randint(12, 23), minute=rand.randrange(60))
            fills = {k: rand.choice(v) for k, v in FILLS.items()}
            fills["topic2"] = rand.choice([t for t in FILLS["topic"] if t != fills["topic"]])
            line = rand.choice(HOME_TEMPLATES).format(**fills)
            pieces: list[Piece] = [line]
            if line.endswith(":"):
                pieces += [" ", ("url", f"https://envoy.example.gov/news/{when:%Y/%m/%d}")]
            if "hashtag below" in line:
                pieces += [" ", ("#", "AskTheEnvoy")]
            elif rand.random() < 0.25:
                pieces += [" ", ("#", rand.choice(HOME_TAGS))]
            if rand.random() < 0.08:
                pieces += [" cc ", ("@", "StateDept")]
            if rand.random() < 0.3:
                pieces.append(rand.choice(SIGNED))
            b.post(when, pieces, place=WASHINGTON if rand.random() < 0.1 else None)

    def trip(stops: list[tuple[Place, str, int]], tags: dict[Place, str]) -> None:
        for place, first_day, days in stops:
            lines = TRIP_LINES[place]
            day_of = [n * days // len(lines) for n in range(len(lines))]
            for n, line in enumerate(lines):
                slot = n - day_of.index(day_of[n])  # the day's first post, second, ...
                when = at(first_day, 8 + 4 * slot, rand.randrange(60))
                when += timedelta(days=day_of[n])
                pieces: list[Piece] = [line, " ", ("#", tags[place])]
                if n == len(lines) - 1:
                    pieces.append(" ^MV")
                photos = [TRIP_PHOTOS[place]] if n == 1 else None
                b.post(when, pieces, place=place, photos=photos)
                if n == 2:
                    b.post(
                        when + timedelta(hours=2, minutes=rand.randrange(60)),
                        [
                            f"Notes and pictures from the day in {place.city}, by our press team: ",
                            ("url", f"https://envoy.example.gov/travel/{when:%Y-%m-%d}"),
                            " ",
                            ("#", tags[place]),
                            " ^TS",
                        ],
                        place=place,
                    )

    home_posts("2008-06-02", "2008-10-30", 34)
    trip(
        [(REYKJAVIK, "2008-11-02", 3), (ZAGREB, "2008-11-06", 3), (YEREVAN, "2008-11-11", 4)],
        {REYKJAVIK: "Iceland", ZAGREB: "Croatia", YEREVAN: "Armenia"},
    )
    # Written on the flight home: six posts, each a reply to the one before.
    parent = b.post(
        at("2008-11-15", 19, 40),
        [
            "Why we went to ",
            ("#", "Iceland"),
            ", ",
            ("#", "Croatia"),
            " and ",
            ("#", "Armenia"),
            ": a thread from the flight home. 1/6",
        ],
    )
    for n, line in enumerate(THREAD):
        parent = b.reply(parent, at("2008-11-15", 19, 43 + 3 * n), [line])
    b.summary.threads += 1
    home_posts("2008-11-18", "2010-03-01", 80)
    b.post(
        at("2009-06-17", 15, 12),
        [
            "Signing the Arctic research agreement at the Department today. ",
            ("#", "Arctic"),
            " ^TS",
        ],
        photos=[
            ("arctic-signing", "The envoy and two ministers signing documents at a long table")
        ],
        place=WASHINGTON,
    )
    answered = []
    for n, (user, answer) in enumerate(ANSWERS * 2):
        when = at("2009-01-12", 14 + n % 5, 7 * n % 60) + timedelta(days=41 * n)
        pieces = [answer]
        if answer.endswith(":"):
            pieces += [" ", ("url", f"https://envoy.example.gov/help/{n + 1}")]
        reply = b.answer(
            user if n < len(ANSWERS) else user + "_",
            when,
            [*pieces, " ", ("#", "AskTheEnvoy"), " ^TS"],
        )
        answered.append((reply, when))
        b.summary.support += 1
    trip([(ACCRA, "2010-03-08", 2), (DAKAR, "2010-03-11", 3)], {ACCRA: "Ghana", DAKAR: "Senegal"})
    home_posts("2010-03-18", "2011-05-06", 70)
    b.post(
        at("2010-10-05", 18, 30),
        ["Students from Howard University at our town hall on clean energy tonight 👏🏾 ^MV"],
        photos=[("town-hall", "A lecture hall full of students raising their hands")],
        place=WASHINGTON,
    )
    trip([(NUUK, "2011-05-11", 3)], {NUUK: "ArcticCouncil"})
    b.retweet(
        at("2011-05-12", 18, 5),
        "arcticcouncil",
        "Ministers sign the first binding agreement among the eight Arctic states",
    )
    b.quote(
        at("2011-05-12", 20, 30),
        [
            "A proud day for the Arctic, and for everyone who worked on this. ",
            ("#", "ArcticCouncil"),
        ],
        "arcticcouncil",
        place=NUUK,
    )
    home_posts("2011-05-18", "2011-12-20", 30)
    mistake = b.post(at("2011-06-02", 11), ["Draft: meeting moved to Tuesday (not for posting)"])
    b.delete(mistake, at("2011-06-02", 11, 5))
    b.note(
        at("2023-11-02", 10),
        [ANNIVERSARY, ("#", "Iceland"), " ", ("#", "Croatia"), " ", ("#", "Armenia"), " ^MV"],
    )
    draft = b.post(at("2023-11-03", 9), ["Thank you for all the messages on the anniversay! ^MV"])
    b.edit(
        draft, at("2023-11-03", 9, 4), ["Thank you for all the messages on the anniversary! ^MV"]
    )
    # One question took a second answer: a support exchange that reads as a thread. Made last,
    # with an id of its own time, so that it draws nothing from the random stream of the rest.
    reply, when = answered[1]
    later = when + timedelta(hours=3)
    b.reply(
        reply,
        later,
        ["Update: the visit is confirmed for June; details to follow here. ",
         ("#", "AskTheEnvoy"), " ^TS"],
        tid=str(counter_id(later)),
    )  # fmt: skip
    b.summary.trips = [
        SyntheticTrip(
            "Iceland, Croatia and Armenia",
            ["Iceland", "Croatia", "Armenia"],
            ["Reykjavík", "Zagreb", "Yerevan"],
            date(2008, 11, 2),
            date(2008, 11, 15),
        ),
        SyntheticTrip(
            "West Africa",
            ["Ghana", "Senegal"],
            ["Accra", "Dakar"],
            date(2010, 3, 8),
            date(2010, 3, 13),
        ),
        SyntheticTrip(
            "Arctic Council ministerial, Nuuk",
            ["ArcticCouncil"],
            ["Nuuk"],
            date(2011, 5, 11),
            date(2011, 5, 13),
        ),
    ]
    return write_files(b, dest, "Mara Vale", as_zip, None)


def make_demo(project: Path) -> str:
    """Regenerate the demo store from the demo export, through the real importer."""
    from communique.ingest.export import import_archive
    from communique.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        demo_export(Path(tmp) / "export")
        summary = import_archive(
            Path(tmp) / "export",
            Store(project / "content" / "archive"),
            now=datetime(2024, 5, 6, 17, 30, tzinfo=UTC),
        )
    return summary.line()
