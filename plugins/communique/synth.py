"""Synthetic archive exports, written exactly as Twitter's "Download your data" writes them.

Two uses: the demo site's archive (a fictional envoy, hand-written-feeling posts over three
trips) and the benchmark's archives of 1,000 to 100,000 posts. Both go through the real
importer, so the demo and the benchmark exercise the same path as a user's own zip.

Text is built from segments so every entity's ``indices`` count code points in the
still-escaped text, as real exports do.
"""

from __future__ import annotations

import html
import io
import json
import random
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image, ImageDraw

TWITTER_DATE = "%a %b %d %H:%M:%S +0000 %Y"
SOURCE = '<a href="https://mobile.twitter.com" rel="nofollow">Twitter Web App</a>'
PART_SIZE = 40_000


@dataclass
class ExportSummary:
    path: Path
    posts: int = 0
    deleted: int = 0
    notes: int = 0
    photos: int = 0
    replies: int = 0
    threads: int = 0
    trips: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Place:
    city: str
    country: str
    code: str
    lat: float
    lon: float

    def payload(self) -> dict:
        box = [
            [self.lon - 0.1, self.lat - 0.1],
            [self.lon + 0.1, self.lat - 0.1],
            [self.lon + 0.1, self.lat + 0.1],
            [self.lon - 0.1, self.lat + 0.1],
        ]
        return {
            "full_name": f"{self.city}, {self.country}",
            "name": self.city,
            "country": self.country,
            "country_code": self.code,
            "place_type": "city",
            "bounding_box": {"type": "Polygon", "coordinates": [box]},
        }


class Builder:
    """Accumulates posts in export shape, with ids that grow with time."""

    def __init__(self, username: str, seed: int):
        self.username = username
        self.rand = random.Random(seed)
        self.tweets: list[dict] = []
        self.deleted: list[dict] = []
        self.notes: list[dict] = []
        self.media: dict[str, bytes] = {}
        self.summary = ExportSummary(path=Path())
        self.last_id = 0

    def new_id(self, when: datetime) -> str:
        # Snowflake-like: later posts have larger ids, as Twitter's do.
        candidate = int(when.timestamp() * 1000 - 1288834974657) << 22
        self.last_id = max(candidate, self.last_id + 4096)
        return str(self.last_id)

    def post(self, when: datetime, segments: list, **extra) -> dict:
        """Post from segments: str, ("#", tag), ("@", user), ("url", href), ("photo", name, alt)."""
        text, entities, media = (
            "",
            {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []},
            [],
        )
        tid = extra.pop("id", None) or self.new_id(when)
        for seg in segments:
            if isinstance(seg, str):
                text += html.escape(seg, quote=False)
                continue
            kind, value = seg[0], seg[1]
            start = len(text)
            if kind == "#":
                text += f"#{value}"
                entities["hashtags"].append(
                    {"text": value, "indices": [str(start), str(len(text))]}
                )
            elif kind == "@":
                text += f"@{value}"
                entities["user_mentions"].append(
                    {
                        "name": value,
                        "screen_name": value,
                        "indices": [str(start), str(len(text))],
                        "id_str": str(zlib.crc32(value.encode())),
                        "id": str(zlib.crc32(value.encode())),
                    }
                )
            elif kind == "url":
                short = f"https://t.co/{self.rand.randrange(36**10):010x}"[:23]
                text += short
                entities["urls"].append(
                    {
                        "url": short,
                        "expanded_url": value,
                        "display_url": value.split("//")[-1][:26],
                        "indices": [str(start), str(len(text))],
                    }
                )
            elif kind == "photo":
                name, alt = value, seg[2]
                short = f"https://t.co/{self.rand.randrange(36**10):010x}"[:23]
                text += (" " if text and not text.endswith(" ") else "") + short
                start = len(text) - len(short)
                media_id = str(int(tid) + len(media) + 1)
                url = f"https://pbs.twimg.com/media/{name}.jpg"
                media.append(
                    {
                        "id_str": media_id,
                        "id": media_id,
                        "type": "photo",
                        "url": short,
                        "display_url": "pic.twitter.com/x",
                        "expanded_url": f"https://twitter.com/{self.username}/status/{tid}/photo/1",
                        "media_url_https": url,
                        "indices": [str(start), str(len(text))],
                        "ext_alt_text": alt,
                        "sizes": {"large": {"w": "640", "h": "427", "resize": "fit"}},
                    }
                )
                self.media[f"data/tweets_media/{tid}-{name}.jpg"] = photo(name)
        tweet = {
            "edit_info": {
                "initial": {
                    "editTweetIds": [tid],
                    "editableUntil": "",
                    "editsRemaining": "5",
                    "isEditEligible": False,
                }
            },
            "retweeted": False,
            "source": SOURCE,
            "entities": entities,
            "display_text_range": ["0", str(len(text))],
            "favorite_count": str(self.rand.randrange(60)),
            "id_str": tid,
            "truncated": False,
            "retweet_count": str(self.rand.randrange(20)),
            "id": tid,
            "created_at": when.strftime(TWITTER_DATE),
            "favorited": False,
            "full_text": text,
            "lang": "en",
        }
        if media:
            tweet["entities"]["media"] = [dict(m) for m in media]
            tweet["extended_entities"] = {"media": media}
            self.summary.photos += len(media)
        tweet.update(extra)
        self.tweets.append(tweet)
        self.summary.posts += 1
        return tweet

    def reply(self, to: dict, when: datetime, segments: list, user: str | None = None) -> dict:
        user = user or self.username
        self.summary.replies += 1
        prefix = [("@", user), " "] if user != self.username else []
        return self.post(
            when,
            prefix + segments,
            in_reply_to_status_id_str=to["id_str"],
            in_reply_to_status_id=to["id_str"],
            in_reply_to_screen_name=user,
            in_reply_to_user_id_str="42" if user == self.username else "777",
        )

    def customer_reply(self, customer: str, when: datetime, segments: list) -> dict:
        question = str(int(self.new_id(when - timedelta(minutes=30))) - 1)
        self.summary.replies += 1
        return self.post(
            when,
            [("@", customer), " "] + segments,
            in_reply_to_status_id_str=question,
            in_reply_to_status_id=question,
            in_reply_to_screen_name=customer,
            in_reply_to_user_id_str=str(zlib.crc32(customer.encode())),
        )

    def delete(self, tweet: dict, when: datetime) -> None:
        self.tweets.remove(tweet)
        self.deleted.append({**tweet, "deleted_at": when.strftime(TWITTER_DATE)})
        self.summary.deleted += 1

    def edit(self, first: dict, when: datetime, segments: list) -> dict:
        second_id = self.new_id(when)
        ids = [first["id_str"], second_id]
        first["edit_info"] = {
            "initial": {
                "editTweetIds": ids,
                "editableUntil": "",
                "editsRemaining": "4",
                "isEditEligible": True,
            }
        }
        second = self.post(when, segments, id=second_id)
        second["edit_info"] = {
            "edit": {
                "initialTweetId": ids[0],
                "editControlInitial": {
                    "editTweetIds": ids,
                    "editableUntil": "",
                    "editsRemaining": "4",
                    "isEditEligible": True,
                },
            }
        }
        return second

    def note(self, when: datetime, full_text: str, tags: list[str]) -> dict:
        """A long post: the export truncates it in tweets.js and keeps it whole in note-tweet.js."""
        body = full_text + " " + " ".join(f"#{t}" for t in tags)
        hashtags, pos = [], 0
        for t in tags:
            start = body.index(f"#{t}", pos)
            pos = start + len(t) + 1
            hashtags.append({"text": t, "fromIndex": str(start), "toIndex": str(pos)})
        tweet = self.post(
            when, [body[:270].rstrip() + "…", " ", ("url", "https://twitter.com/i/web/status/1")]
        )
        self.notes.append(
            {
                "noteTweet": {
                    "noteTweetId": str(int(tweet["id_str"]) + 7),
                    "updatedAt": when.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                    "lifecycle": {"value": "", "name": "", "originalName": "", "annotations": {}},
                    "createdAt": when.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                    "core": {
                        "styletags": [],
                        "urls": [],
                        "text": body,
                        "mentions": [],
                        "cashtags": [],
                        "hashtags": hashtags,
                    },
                }
            }
        )
        self.summary.notes += 1
        return tweet

    def write(
        self, dest: Path, display_name: str, as_zip: bool, parts: int | None
    ) -> ExportSummary:
        tweets = sorted(self.tweets, key=lambda t: int(t["id_str"]), reverse=True)
        count = parts or max(1, -(-len(tweets) // PART_SIZE))
        files: dict[str, bytes] = {}
        size = -(-len(tweets) // count) if tweets else 0
        names = []
        for n in range(count):
            name = "data/tweets.js" if count == 1 else f"data/tweets-part{n + 1}.js"
            chunk = tweets[n * size : (n + 1) * size]
            files[name] = js(f"YTD.tweets.part{n}", [{"tweet": t} for t in chunk])
            names.append((name, f"YTD.tweets.part{n}", len(chunk)))
        account = [
            {
                "account": {
                    "email": "press@envoy.example",
                    "createdVia": "web",
                    "username": self.username,
                    "accountId": "42",
                    "createdAt": "2008-01-15T10:00:00.000Z",
                    "accountDisplayName": display_name,
                }
            }
        ]
        files["data/account.js"] = js("YTD.account.part0", account)
        files["data/deleted-tweets.js"] = js(
            "YTD.deleted_tweets.part0", [{"tweet": t} for t in self.deleted]
        )
        files["data/note-tweet.js"] = js("YTD.note_tweet.part0", self.notes)
        files.update(self.media)
        types = {
            "tweets": names,
            "account": [("data/account.js", "YTD.account.part0", 1)],
            "deletedTweets": [
                ("data/deleted-tweets.js", "YTD.deleted_tweets.part0", len(self.deleted))
            ],
            "noteTweet": [("data/note-tweet.js", "YTD.note_tweet.part0", len(self.notes))],
        }
        manifest = {
            "userInfo": {"accountId": "42", "userName": self.username, "displayName": display_name},
            "archiveInfo": {
                "sizeBytes": str(sum(map(len, files.values()))),
                "generationDate": "2024-05-06T17:27:17.889Z",
                "isPartialArchive": False,
                "maxPartSizeBytes": "53687091200",
            },
            "dataTypes": {
                k: {"files": [{"fileName": f, "globalName": g, "count": str(c)} for f, g, c in v]}
                for k, v in types.items()
            }
            | {"tweetsMedia": {"mediaDirectory": "data/tweets_media"}},
        }
        files["data/manifest.js"] = (
            "window.__THAR_CONFIG = " + json.dumps(manifest, indent=2)
        ).encode()
        if as_zip:
            dest.parent.mkdir(parents=True, exist_ok=True)
            with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as z:
                for name in sorted(files):
                    info = zipfile.ZipInfo(name, date_time=(2024, 5, 6, 17, 27, 16))
                    info.compress_type = zipfile.ZIP_DEFLATED
                    z.writestr(info, files[name])
        else:
            for name, data in files.items():
                path = dest / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
        self.summary.path = dest
        return self.summary


def js(global_name: str, value: object) -> bytes:
    return f"window.{global_name} = {json.dumps(value, indent=2, ensure_ascii=False)}".encode()


PHOTO_CACHE: dict[str, bytes] = {}


def photo(name: str) -> bytes:
    """A small landscape JPEG, drawn once per name, carrying EXIF with GPS and a comment."""
    if name not in PHOTO_CACHE:
        rand = random.Random(name)
        image = Image.new(
            "RGB", (640, 427), (rand.randrange(90, 160), rand.randrange(150, 210), 235)
        )
        draw = ImageDraw.Draw(image)
        ground = (rand.randrange(40, 120), rand.randrange(90, 160), rand.randrange(40, 100))
        peaks = (
            [(0, 300)] + [(x, rand.randrange(140, 300)) for x in range(80, 640, 80)] + [(640, 300)]
        )
        draw.polygon(peaks + [(640, 427), (0, 427)], fill=ground)
        draw.ellipse((480, 40, 550, 110), fill=(250, 220, 120))
        exif = Image.Exif()
        exif[0x010F] = "Communique test camera"
        exif[0x8825] = {1: "N", 2: (64.0, 8.0, 0.0), 3: "W", 4: (21.0, 56.0, 0.0)}
        out = io.BytesIO()
        image.save(out, "JPEG", quality=70, exif=exif, comment=b"taken by the envoy's phone")
        PHOTO_CACHE[name] = out.getvalue()
    return PHOTO_CACHE[name]


# -- the benchmark's archives -------------------------------------------------------------------

SENTENCE = (
    "the envoy met ministers today to discuss trade climate security energy fisheries health"
    " education and the future of the region with partners civil society students and press after"
    " a long day of talks we agreed to continue working together on shared priorities"
)
WORDS = SENTENCE.split(" ")
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
]


def write_export(
    dest: Path,
    *,
    posts: int,
    seed: int = 0,
    username: str = "envoy_vale",
    display_name: str = "Envoy",
    years: int = 10,
    as_zip: bool = False,
    parts: int | None = None,
) -> ExportSummary:
    """An export of ``posts`` posts over ``years`` years: replies, threads, a dozen trips."""
    b = Builder(username, seed)
    rand = b.rand
    start = datetime(2014, 1, 1, tzinfo=UTC)
    step = timedelta(days=365 * years) / max(posts, 1)
    trip_every = max(posts // 12, 1)
    previous = None
    for i in range(posts):
        when = start + step * i
        trip = (
            (i // trip_every) % len(CITIES) if i % trip_every < min(40, trip_every // 3) else None
        )
        words = [rand.choice(WORDS) for _ in range(rand.randint(6, 38))]
        segments: list = [" ".join(words)]
        if rand.random() < 0.35:
            segments += [" ", ("#", rand.choice(["Climate", "Trade", "Energy", "Health", "Youth"]))]
        if rand.random() < 0.15:
            segments += [" with ", ("@", rand.choice(["un", "ministry_fa", "press_office"]))]
        if rand.random() < 0.2:
            segments += [" ", ("url", f"https://example.org/news/{i}")]
        extra = {}
        if trip is not None:
            city = CITIES[trip]
            segments += [" ", ("#", city.country.replace(" ", ""))]
            extra["place"] = city.payload()
        if rand.random() < 0.05:
            segments.append(("photo", f"photo{i % 4}", f"A view of the landscape, number {i % 4}"))
        roll = rand.random()
        if previous is not None and roll < 0.08:
            b.summary.threads += 1
            b.reply(previous, when, segments)
        elif roll < 0.15:
            b.customer_reply(
                f"citizen{rand.randrange(500)}", when, segments + [" ", ("#", "AskTheEnvoy")]
            )
        elif roll < 0.17:
            b.post(when, ["RT ", ("@", "un"), ": " + " ".join(words[:10])], **extra)
        else:
            previous = b.post(when, segments, **extra)
    b.summary.trips = [c.city for c in CITIES]
    return b.write(dest, display_name, as_zip, parts)


# -- the demo archive ---------------------------------------------------------------------------

REYKJAVIK = CITIES[0]
ZAGREB = CITIES[1]
YEREVAN = CITIES[2]
ACCRA = CITIES[3]
DAKAR = CITIES[4]
NUUK = CITIES[5]
WASHINGTON = Place("Washington", "United States", "US", 38.90, -77.04)

HOME_LINES = [
    "Briefed the committee this morning on our work in the Arctic and the Caucasus.",
    "Thank you to the students at Georgetown for sharp questions on energy security.",
    "Reading the new report on fisheries & coastal communities. Worth your time:",
    "Met with civil society groups today. Their work is what diplomacy is for.",
    "Back at my desk after a week of meetings. Lots to follow up on.",
    "Today we marked ten years of cooperation on geothermal energy.",
    "A quiet Sunday to prepare for a busy week ahead.",
    "Grateful for a team that makes long days feel short.",
    "Our statement on the humanitarian situation is below.",
    "Spoke with ministers by phone about the upcoming summit.",
]
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
        "Met young entrepreneurs at a start-up hub: energy and ideas everywhere.",
        "Laid a wreath at the memorial. We remember.",
        "Hvala, Zagreb. Next stop: Yerevan.",
    ],
    YEREVAN: [
        "In Yerevan, with Mount Ararat on the horizon.",
        "Talks on regional stability & open borders with the foreign minister.",
        "Visited the Matenadaran, home of ancient manuscripts. History lives here.",
        "Met the team running a rural schools programme we support.",
        "Heading home after two weeks on the road. Thank you all.",
    ],
    ACCRA: [
        "Good morning from Accra! Here for talks on trade and governance.",
        "Visited a cocoa cooperative outside the city: women leading the way.",
        "Met Ghana's electoral commission: a model for the region.",
        "Thank you, Accra. On to Dakar.",
    ],
    DAKAR: [
        "Arrived in Dakar, where the Atlantic meets the Sahel.",
        "Visited Gorée Island today. A place everyone should see once.",
        "Talks on fisheries and climate adaptation with the environment minister.",
        "Jërëjëf, Senegal! Home tomorrow.",
    ],
    NUUK: [
        "In Nuuk for the Arctic Council ministerial.",
        "The ice tells the story of our changing climate more plainly than any report.",
        "Signed the agreement on search and rescue cooperation in the Arctic.",
        "Met Greenlandic youth leaders: the Arctic's future is theirs.",
    ],
}
PHOTOS = {
    REYKJAVIK: (
        "hellisheidi",
        "Steam rising from the Hellisheiði geothermal plant under a pale sky",
    ),
    ZAGREB: ("zagreb-upper-town", "Rooftops of Zagreb's upper town at dusk"),
    YEREVAN: ("ararat", "Mount Ararat seen from Yerevan, snow on its peak"),
    ACCRA: ("cocoa", "Members of a cocoa cooperative sorting beans in the sun"),
    DAKAR: ("goree", "The Door of No Return on Gorée Island"),
    NUUK: ("nuuk-ice", "Icebergs in the fjord beside Nuuk"),
}
# Answers to citizens' questions: the questions are theirs, so the export does not hold them.
ANSWERS = [
    "Applications for the exchange programme open in March; details here:",
    "We hope to visit, and we will announce trips here first.",
    "The full statement is on our website:",
    "Yes, the consular section is open 9 to 4 on Friday.",
    "Sustainable quotas, set with science. More:",
]


def demo_export(dest: Path, *, as_zip: bool = False) -> ExportSummary:
    """The demo site's archive: Special Envoy Mara Vale, @envoy_vale, 2008 to 2023."""
    b = Builder("envoy_vale", seed=2008)
    rand = b.rand

    def at(day: str, hour: int = 9, minute: int = 0) -> datetime:
        return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=UTC)

    def home_posts(first: str, last: str, count: int) -> None:
        a, z = at(first), at(last)
        for n in range(count):
            when = a + (z - a) * (n + rand.random()) / count
            line = rand.choice(HOME_LINES)
            segments: list = [line]
            if line.endswith(":"):
                segments += [" ", ("url", f"https://envoy.example.gov/statements/{when:%Y-%m-%d}")]
            if rand.random() < 0.25:
                segments += [" ", ("#", rand.choice(["Arctic", "Energy", "Diplomacy", "Climate"]))]
            if rand.random() < 0.2:
                segments.append(rand.choice([" ^MV", " ^TS"]))
            b.post(when, segments, place=WASHINGTON.payload() if rand.random() < 0.1 else None)

    def trip(places: list[tuple[Place, str, int]], tags: dict[Place, str]) -> None:
        for place, first_day, days in places:
            lines = TRIP_LINES[place]
            per_day = max(1, len(lines) // days)
            for n, line in enumerate(lines):
                when = at(first_day, 8 + 3 * (n % per_day), rand.randrange(60)) + timedelta(
                    days=n // per_day
                )
                segments: list = [line, " ", ("#", tags[place])]
                if n == 1:
                    name, alt = PHOTOS[place]
                    segments.append(("photo", name, alt))
                if n == len(lines) - 1:
                    segments.append(" ^MV")
                b.post(when, segments, place=place.payload())
                if n == 2:
                    b.post(
                        when + timedelta(hours=2),
                        [
                            "Photos and notes from the day by our press team. ",
                            ("#", tags[place]),
                            " ^TS",
                        ],
                        place=place.payload(),
                    )

    home_posts("2008-06-01", "2008-10-30", 30)
    trip(
        [(REYKJAVIK, "2008-11-02", 3), (ZAGREB, "2008-11-06", 3), (YEREVAN, "2008-11-11", 4)],
        {REYKJAVIK: "Iceland", ZAGREB: "Croatia", YEREVAN: "Armenia"},
    )
    # A six-post thread on why the trip mattered.
    first = b.post(
        at("2008-11-18", 14), ["Why we went to Iceland, Croatia and Armenia: a thread. 1/6"]
    )
    b.summary.threads += 1
    thread = [
        "Iceland: a small country with a big role in the Arctic and in clean energy. 2/6",
        "Croatia: on the way into Europe, and a partner in the Balkans. 3/6",
        "Armenia: a crossroads where open borders would change lives. 4/6",
        "Everywhere: young people asking what we will do about climate & jobs. 5/6",
        "We will report back on every commitment here. Thank you for following. 6/6 ^MV",
    ]
    parent = first
    for n, line in enumerate(thread):
        parent = b.reply(parent, at("2008-11-18", 14, 2 + n), [line])
    home_posts("2008-11-20", "2010-03-01", 70)
    for n, answer in enumerate(ANSWERS * 3):
        when = at("2009-01-10") + timedelta(days=37 * n, hours=n % 5)
        segments: list = [answer]
        if answer.endswith(":"):
            segments += [" ", ("url", f"https://envoy.example.gov/help/{n}")]
        b.customer_reply(f"citizen_{n:02d}", when, segments + [" ", ("#", "AskTheEnvoy"), " ^TS"])
    trip([(ACCRA, "2010-03-08", 2), (DAKAR, "2010-03-12", 2)], {ACCRA: "Ghana", DAKAR: "Senegal"})
    home_posts("2010-03-20", "2011-05-08", 60)
    trip([(NUUK, "2011-05-10", 3)], {NUUK: "ArcticCouncil"})
    b.post(
        at("2011-05-14", 18),
        ["RT ", ("@", "arcticcouncil"), ": Ministers sign the first binding Arctic agreement."],
    )
    b.post(
        at("2011-05-15", 10),
        [
            "Proud day for the Arctic: ",
            ("url", "https://twitter.com/arcticcouncil/status/69000000000000000"),
        ],
    )
    home_posts("2011-05-20", "2011-12-20", 25)
    mistake = b.post(at("2011-06-02", 11), ["Draft: meeting moved to Tuesday (not for posting)"])
    b.delete(mistake, at("2011-06-02", 11, 5))
    # After a long quiet spell the account returns for an anniversary: a long post, an edit.
    b.note(
        at("2023-11-02", 10),
        "Fifteen years ago this week I landed in Reykjavík at the start of a journey through "
        "Iceland, Croatia and Armenia. Much has changed since: Croatia joined the European Union, "
        "Iceland's geothermal know-how now heats cities across the world, and the young people "
        "I met in Yerevan are now running businesses and ministries. Some things have not "
        "changed: the Arctic ice is thinner every year, and borders that should be open are still "
        "closed. This archive keeps the record of what we said and what we promised, so that "
        "anyone can hold us to it. Thank you for reading, then and now. ^MV",
        ["Iceland", "Croatia", "Armenia"],
    )
    draft = b.post(at("2023-11-03", 9), ["Thank you for all the messages on the anniversay!"])
    b.edit(
        draft, at("2023-11-03", 9, 4), ["Thank you for all the messages on the anniversary! ^MV"]
    )
    b.summary.trips = ["Iceland, Croatia and Armenia", "West Africa", "Arctic Council, Nuuk"]
    return b.write(dest, "Mara Vale", as_zip, None)


def make_demo(project: Path) -> str:
    """Regenerate the demo store from the demo export, through the real importer."""
    from communique.importers import import_archive
    from communique.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        demo_export(Path(tmp) / "export")
        summary = import_archive(
            Path(tmp) / "export",
            Store(project / "content" / "archive"),
            now=datetime(2024, 5, 6, 17, 30, tzinfo=UTC),
        )
    return summary.line()
